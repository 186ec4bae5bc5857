//! Materials as a tenant sees them, their effective prices and price history, and
//! what an admin sends to create or change one.

use chrono::{DateTime, Utc};
use poem_openapi::types::Example;
use poem_openapi::Object;

use crate::audit::Actor;
use crate::catalog::model::{Category, Source, Unit};
use crate::error::ApiError;
use crate::money::{Metres, Money};

/// A new material of the caller's tenant. A code that exists in the global
/// catalogue makes this the tenant's override of it (same category required).
#[derive(Debug, Object, serde::Deserialize)]
#[oai(example, skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct CreateMaterial {
    /// The material code: an uppercase letter or digit, then up to 63 letters,
    /// digits, `.`, `_` or `-`, e.g. `VID-ESMERILADO-6`.
    #[oai(validator(pattern = "^[A-Z0-9][A-Za-z0-9._-]{0,63}$"))]
    pub code: String,
    /// Display name, 1 to 200 characters, e.g. `Vidrio esmerilado 6 mm`.
    #[oai(validator(pattern = "^\\s*\\S([\\s\\S]{0,198}\\S)?\\s*$"))]
    pub name: String,
    /// What kind of material; it decides the allowed units.
    pub category: Category,
    /// The unit the price is per: glass `m2`, profiles `m`, hardware `piece`,
    /// consumables `m`, `piece`, `cartridge`, `kg` or `l`.
    pub unit: Unit,
    /// Price per unit, before tax, in the tenant's currency, e.g. `"185.00"`.
    pub price: Money,
    /// Profiles only: the bar length in metres (e.g. `"6.000"`).
    #[serde(default)]
    pub bar_length_m: Option<Metres>,
}

impl Example for CreateMaterial {
    fn example() -> Self {
        Self {
            code: "VID-ESMERILADO-6".to_owned(),
            name: "Vidrio esmerilado 6 mm".to_owned(),
            category: Category::Glass,
            unit: Unit::M2,
            price: Money::parse("185.00").unwrap_or(Money::ZERO),
            bar_length_m: None,
        }
    }
}

/// Changes to a material; absent fields stay as they are (at least one is needed).
#[derive(Debug, Object, serde::Deserialize)]
#[oai(example, skip_serializing_if_is_none)]
#[serde(deny_unknown_fields)]
pub struct UpdateMaterial {
    /// New display name, 1 to 200 characters.
    #[oai(validator(pattern = "^\\s*\\S([\\s\\S]{0,198}\\S)?\\s*$"))]
    pub name: Option<String>,
    /// New price per unit, before tax, e.g. `"192.50"`; recorded in the history.
    pub price: Option<Money>,
    /// New bar length in metres (profiles only), e.g. `"6.100"`.
    pub bar_length_m: Option<Metres>,
    /// `false` deactivates the tenant's row (the global default then applies);
    /// `true` reactivates it.
    pub active: Option<bool>,
}

impl Example for UpdateMaterial {
    fn example() -> Self {
        Self {
            name: Some("Vidrio esmerilado 6 mm (satinado)".to_owned()),
            price: Money::parse("192.50").ok(),
            bar_length_m: None,
            active: Some(true),
        }
    }
}

/// Why a category, unit and bar length do not fit together; `Display` is the
/// API's English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeProblem {
    /// The category is not priced in that unit.
    UnitNotAllowed { category: Category, unit: Unit },
    /// A bar length on a material that is not a profile.
    BarOnlyForProfiles,
    /// A bar length of 0.
    BarLengthZero,
}

impl ShapeProblem {
    /// The field it names: `unit` or `bar_length_m`.
    pub fn field(self) -> &'static str {
        match self {
            Self::UnitNotAllowed { .. } => "unit",
            Self::BarOnlyForProfiles | Self::BarLengthZero => "bar_length_m",
        }
    }
}

impl std::fmt::Display for ShapeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnitNotAllowed { category, unit } => {
                let allowed: Vec<&str> = category
                    .allowed_units()
                    .iter()
                    .map(|u| u.as_str())
                    .collect();
                write!(
                    f,
                    "a {} material is priced per {}, not {}",
                    category.as_str(),
                    allowed.join(" or "),
                    unit.as_str()
                )
            }
            Self::BarOnlyForProfiles => f.write_str("only profiles have a bar length"),
            Self::BarLengthZero => f.write_str("a bar length must be more than 0"),
        }
    }
}

/// What does not fit in a category, unit and bar length, if anything.
pub fn shape_problem(
    category: Category,
    unit: Unit,
    bar_length: Option<Metres>,
) -> Option<ShapeProblem> {
    if !category.allowed_units().contains(&unit) {
        return Some(ShapeProblem::UnitNotAllowed { category, unit });
    }
    match bar_length {
        Some(_) if category != Category::Profile => Some(ShapeProblem::BarOnlyForProfiles),
        Some(len) if len.amount().is_zero() => Some(ShapeProblem::BarLengthZero),
        _ => None,
    }
}

/// Checks that category, unit and bar length fit together; the error names the field.
pub fn check_material_shape(
    category: Category,
    unit: Unit,
    bar_length: Option<Metres>,
) -> Result<(), ApiError> {
    match shape_problem(category, unit, bar_length) {
        Some(problem) => Err(ApiError::invalid_field(
            problem.field(),
            problem.to_string(),
        )),
        None => Ok(()),
    }
}

/// A material as one tenant sees it.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct Material {
    /// The material code, e.g. `VID-CLARO-6`.
    pub code: String,
    /// Display name, e.g. `Vidrio claro 6 mm`.
    pub name: String,
    /// What kind of material.
    pub category: Category,
    /// The unit the price is per.
    pub unit: Unit,
    /// Price per unit, before tax.
    pub price: Money,
    /// ISO 4217 code of the price, e.g. `MXN`.
    pub currency: String,
    /// Bar length for profiles, in metres; absent for other categories.
    #[oai(skip_serializing_if_is_none)]
    pub bar_length_m: Option<Metres>,
    /// `false` for a deactivated row: quotes cannot use it.
    pub active: bool,
    /// `tenant` for the tenant's own row, `global` when inherited.
    pub source: Source,
    /// Row version; `ETag` is derived from it and `If-Match` must carry it.
    pub version: i32,
    /// When the row last changed.
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
    /// The material code, e.g. `VID-CLARO-6`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// What kind of material.
    pub category: Category,
    /// The unit the price is per.
    pub unit: Unit,
    /// The effective price per unit, before tax.
    pub price: Money,
    /// ISO 4217 code of the price, e.g. `MXN`.
    pub currency: String,
    /// `tenant` when the tenant's own row sets it, `global` when inherited.
    pub source: Source,
    /// When the price's row last changed.
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
    /// The material code.
    pub code: String,
    /// Absent for the first price (creation or onboarding copy).
    #[oai(skip_serializing_if_is_none)]
    pub old_price: Option<Money>,
    /// The price from then on.
    pub new_price: Money,
    /// Who changed it: a user of the tenant, the platform operator or a seed file.
    #[oai(skip_serializing_if_is_none)]
    pub changed_by: Option<Actor>,
    /// When it changed.
    pub changed_at: DateTime<Utc>,
    /// Whether the tenant's own row or the global default changed.
    pub source: Source,
}

crate::page_of!(
    /// Effective prices, by category and code.
    PricePage,
    Price
);

crate::page_of!(
    /// A page of materials, by category and code.
    MaterialPage,
    Material
);

crate::page_of!(
    /// A page of price changes, oldest first.
    PriceChangePage,
    PriceChange
);

#[cfg(test)]
mod tests {
    use super::*;

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
