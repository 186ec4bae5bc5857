//! Materials as a tenant sees them, their effective prices and price history, and
//! what an admin sends to create or change one.

use chrono::{DateTime, Utc};
use poem_openapi::Object;

use crate::audit::Actor;
use crate::catalog::model::{Category, Source, Unit};
use crate::error::ApiError;
use crate::money::{Metres, Money};

/// A new material of the caller's tenant. A code that exists in the global
/// catalogue makes this the tenant's override of it (same category required).
#[derive(Debug, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMaterial {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub price: Money,
    /// Profiles only: the bar length in metres (e.g. `"6.000"`).
    #[serde(default)]
    pub bar_length_m: Option<Metres>,
}

/// Changes to a material; absent fields stay as they are.
#[derive(Debug, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMaterial {
    pub name: Option<String>,
    pub price: Option<Money>,
    pub bar_length_m: Option<Metres>,
    /// `false` deactivates the tenant's row (the global default then applies);
    /// `true` reactivates it.
    pub active: Option<bool>,
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
    /// Who changed it: a user of the tenant, the platform operator or a seed file.
    #[oai(skip_serializing_if_is_none)]
    pub changed_by: Option<Actor>,
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
