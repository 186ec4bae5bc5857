//! Catalogue types and their rules.

use chrono::{DateTime, Utc};
use poem_openapi::{Enum, Object};

use crate::error::ApiError;
use crate::money::{Metres, Money};

/// The currency of every price (prices are MXN before IVA).
pub const CURRENCY: &str = "MXN";

/// A material code such as `VID-CLARO-4`: an uppercase letter or digit, then up to
/// 63 letters, digits, `.`, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct MaterialCode(String);

impl MaterialCode {
    /// Parses a code, or says what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut chars = raw.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if first_ok && rest_ok && raw.len() <= 64 {
            Ok(Self(raw.to_owned()))
        } else {
            Err(format!(
                "{raw:?} is not a material code (uppercase letter or digit first, then up to 63 of A-Z a-z 0-9 . _ -)"
            ))
        }
    }

    /// Parses a code from a request field, as a 422 naming the field.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, ApiError> {
        Self::parse(raw).map_err(|m| ApiError::invalid_field(field, m))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MaterialCode {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
    }
}

impl std::fmt::Display for MaterialCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, serde::Serialize, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Vidrio, priced per m².
    Glass,
    /// Perfil (aluminium extrusion), priced per metre, sold in bars.
    Profile,
    /// Herraje: rollers, hinges, locks; per piece.
    Hardware,
    /// Consumible: silicone, screws, wedges, weatherstrip.
    Consumable,
}

impl Category {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Glass => "glass",
            Category::Profile => "profile",
            Category::Hardware => "hardware",
            Category::Consumable => "consumable",
        }
    }

    /// From the database name.
    pub fn from_db(name: &str) -> Option<Self> {
        match name {
            "glass" => Some(Category::Glass),
            "profile" => Some(Category::Profile),
            "hardware" => Some(Category::Hardware),
            "consumable" => Some(Category::Consumable),
            _ => None,
        }
    }

    /// Units a material of this category may be priced in.
    pub fn allowed_units(self) -> &'static [Unit] {
        match self {
            Category::Glass => &[Unit::M2],
            Category::Profile => &[Unit::M],
            Category::Hardware => &[Unit::Piece],
            Category::Consumable => &[Unit::M, Unit::Piece, Unit::Cartridge, Unit::Kg, Unit::L],
        }
    }
}

/// The unit a price is per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    #[oai(rename = "m2")]
    M2,
    #[oai(rename = "m")]
    M,
    #[oai(rename = "piece")]
    Piece,
    #[oai(rename = "cartridge")]
    Cartridge,
    #[oai(rename = "kg")]
    Kg,
    #[oai(rename = "l")]
    L,
}

impl Unit {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::M2 => "m2",
            Unit::M => "m",
            Unit::Piece => "piece",
            Unit::Cartridge => "cartridge",
            Unit::Kg => "kg",
            Unit::L => "l",
        }
    }

    /// From the database name.
    pub fn from_db(name: &str) -> Option<Self> {
        [
            Unit::M2,
            Unit::M,
            Unit::Piece,
            Unit::Cartridge,
            Unit::Kg,
            Unit::L,
        ]
        .into_iter()
        .find(|u| u.as_str() == name)
    }
}

/// Checks that category, unit and bar length fit together; the error names the field.
pub fn check_material_shape(
    category: Category,
    unit: Unit,
    bar_length: Option<Metres>,
) -> Result<(), ApiError> {
    if !category.allowed_units().contains(&unit) {
        let allowed: Vec<&str> = category
            .allowed_units()
            .iter()
            .map(|u| u.as_str())
            .collect();
        return Err(ApiError::invalid_field(
            "unit",
            format!(
                "a {} material is priced per {}, not {}",
                category.as_str(),
                allowed.join(" or "),
                unit.as_str()
            ),
        ));
    }
    match bar_length {
        Some(_) if category != Category::Profile => Err(ApiError::invalid_field(
            "bar_length_m",
            "only profiles have a bar length",
        )),
        Some(len) if len.amount().is_zero() => Err(ApiError::invalid_field(
            "bar_length_m",
            "a bar length must be more than 0",
        )),
        _ => Ok(()),
    }
}

/// Where an effective price comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, serde::Serialize, serde::Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The tenant's own row.
    Tenant,
    /// Inherited from the global default catalogue.
    Global,
}

/// A material as one tenant sees it.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct Material {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub price: Money,
    pub currency: String,
    /// Bar length for profiles, in metres.
    #[oai(skip_serializing_if_is_none)]
    pub bar_length_m: Option<Metres>,
    pub active: bool,
    /// `tenant` for the tenant's own row, `global` when inherited.
    pub source: Source,
    /// Row version; `ETag` is derived from it and `If-Match` must carry it.
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl Material {
    /// The entity tag: the source and the version, so an inherited row and the
    /// tenant's own override never share a tag.
    pub fn etag(&self) -> String {
        let source = match self.source {
            Source::Tenant => 't',
            Source::Global => 'g',
        };
        format!("\"{source}{}\"", self.version)
    }
}

/// The effective price of a code for a tenant.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct Price {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub price: Money,
    pub currency: String,
    pub source: Source,
    pub updated_at: DateTime<Utc>,
}

impl From<Material> for Price {
    fn from(m: Material) -> Self {
        Price {
            code: m.code,
            name: m.name,
            category: m.category,
            unit: m.unit,
            price: m.price,
            currency: m.currency,
            source: m.source,
            updated_at: m.updated_at,
        }
    }
}

/// One recorded price change.
#[derive(Debug, Clone, Object)]
pub struct PriceChange {
    pub code: String,
    /// Absent for the first price (creation or onboarding copy).
    #[oai(skip_serializing_if_is_none)]
    pub old_price: Option<Money>,
    pub new_price: Money,
    /// The user who changed it (`tenant` changes) or the platform actor (`global`).
    #[oai(skip_serializing_if_is_none)]
    pub changed_by: Option<String>,
    pub changed_at: DateTime<Utc>,
    /// Whether the tenant's own row or the global default changed.
    pub source: Source,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_catalogue_convention() {
        for good in ["VID-CLARO-4", "CON-PIJ-8x1", "PER-S35-MM", "9X"] {
            assert!(MaterialCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "vid-claro", "-A", "A B", "A/B", &"A".repeat(65)] {
            assert!(MaterialCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn units_must_fit_the_category() {
        assert!(check_material_shape(Category::Glass, Unit::M2, None).is_ok());
        assert!(check_material_shape(Category::Glass, Unit::M, None).is_err());
        let six = Metres::parse("6").ok();
        assert!(check_material_shape(Category::Profile, Unit::M, six).is_ok());
        assert!(check_material_shape(Category::Hardware, Unit::Piece, six).is_err());
        assert!(check_material_shape(Category::Profile, Unit::M, Metres::parse("0").ok()).is_err());
    }
}
