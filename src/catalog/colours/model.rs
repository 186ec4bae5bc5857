//! Colours (finishes) profiles come in, and a profile's price in each colour.

use poem_openapi::Object;

use crate::catalog::model::Source;
use crate::error::{ApiError, ApiResult};
use crate::http::check_name;
use crate::money::Money;

/// A colour profiles come in.
#[derive(Debug, Clone, Object)]
pub struct Colour {
    /// The colour code, e.g. `NAT`, `BLA`.
    pub code: String,
    /// Its name, e.g. `Blanco`.
    pub name: String,
    /// `tenant` for the tenant's own colour, `global` when inherited.
    pub source: Source,
}

/// A colour's name.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColourInput {
    /// The colour's name, 1 to 100 characters, e.g. `Champaña`.
    #[oai(validator(pattern = "^\\s*\\S([\\s\\S]{0,98}\\S)?\\s*$"))]
    pub name: String,
}

/// The price per unit of a profile in one colour.
#[derive(Debug, Clone, Object)]
pub struct ColourPrice {
    /// The colour code.
    pub colour: String,
    /// The profile's price per unit (metre) in that colour.
    pub price: Money,
    /// `tenant` for the tenant's own price, `global` when inherited.
    pub source: Source,
}

/// A colour price to set.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColourPriceInput {
    /// Price per unit (metre) of the profile in that colour, e.g. `"96.40"`.
    pub price: Money,
}

crate::page_of!(
    /// Colours, by code, in one page.
    ColourPage,
    Colour
);

crate::page_of!(
    /// A profile's colour prices, by colour, in one page.
    ColourPricePage,
    ColourPrice
);

/// Colour codes: 1 to 16 of `A-Z 0-9 _ -`, starting with a letter or digit. Tax
/// codes follow the same convention.
pub fn is_code(code: &str) -> bool {
    (1..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && code
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

/// A colour code from a request, or a 422 naming the field.
pub fn check_colour_code(field: &str, code: &str) -> ApiResult<()> {
    if is_code(code) {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            field,
            format!("{code:?} is not a colour code (1 to 16 of A-Z, 0-9, _ and -)"),
        ))
    }
}

/// A colour name: 1 to 100 characters, trimmed.
pub fn check_colour_name(raw: &str) -> ApiResult<&str> {
    let name = check_name("name", raw)?;
    if name.chars().count() > 100 {
        return Err(ApiError::invalid_field(
            "name",
            "must be at most 100 characters",
        ));
    }
    Ok(name)
}
