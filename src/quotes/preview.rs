//! What a quote asks for (the body of a preview, and of a saved quote), how it
//! becomes the engine's input with the tenant's defaults, and pricing it.

use poem::http::StatusCode;
use poem_openapi::types::Example;
use poem_openapi::Object;
use rust_decimal::Decimal;

use super::view::{to_view, QuotePreview};
use crate::error::{ApiError, ApiResult};
use crate::money::{Centimetres, Money, Quantity, Rate};
use crate::pricing::{
    Catalog, EngineError, EngineErrorKind, ItemInput, MaterialInput, QuoteInput, Rates,
};

/// Most items (and most loose materials) in one quote.
pub const MAX_ITEMS: usize = 200;

/// A window or other product to price. (Shown back in saved quotes, where an
/// absent optional field stays absent.)
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    /// Product code, e.g. `VEN-CORR-NAC3`.
    pub product: String,
    /// Width in cm, within the product's range, e.g. `"150"`.
    pub width_cm: Centimetres,
    /// Height in cm, within the product's range, e.g. `"120"`.
    pub height_cm: Centimetres,
    /// Whole number of windows, 1 to 1000.
    pub quantity: u32,
    /// Glass material code; defaults to the product's BOM glass.
    #[oai(skip_serializing_if_is_none)]
    pub glass: Option<String>,
    /// Colour code for the profiles, e.g. `NAT`; without one, profiles are priced
    /// at their base price.
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
}

/// A loose material: a quantity of any material at its price, no waste.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialItemRequest {
    /// Material code, e.g. `CON-SIL-NEU`.
    pub material: String,
    /// How much, in the material's unit (m², m, pieces...), e.g. `"2"`.
    pub quantity: Quantity,
}

/// A quote to price. Rates left out follow the tenant's quote settings (at first
/// 25 % profit, 15 % indirect costs, 16 % IVA). (Shown back in saved quotes, where
/// a rate left out stays absent.)
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// Windows and other products, at most 200; with `material_items`, at least
    /// one entry in all.
    pub items: Vec<ItemRequest>,
    /// Loose materials at their price, without waste, at most 200.
    #[oai(default)]
    #[serde(default)]
    pub material_items: Vec<MaterialItemRequest>,
    /// Profit on cost, e.g. `"0.25"`.
    #[oai(skip_serializing_if_is_none)]
    pub profit_rate: Option<Rate>,
    /// Indirect costs on cost, e.g. `"0.15"`.
    #[oai(skip_serializing_if_is_none)]
    pub indirect_rate: Option<Rate>,
    /// Tax on the amount before tax, e.g. `"0.16"`. Not together with `tax_code`.
    #[oai(skip_serializing_if_is_none)]
    pub tax_rate: Option<Rate>,
    /// A tax code (`/api/v1/tax-rates`), e.g. `IVA8`: its rate in force today applies.
    /// Not together with `tax_rate`.
    #[serde(default)]
    #[oai(skip_serializing_if_is_none)]
    pub tax_code: Option<String>,
    /// Labour per m² for every item, replacing rate × complexity.
    #[oai(skip_serializing_if_is_none)]
    pub labour_rate_override_per_m2: Option<Money>,
    /// Discount on cost + profit + indirect, before tax (`"0.05"` is 5 %).
    #[oai(skip_serializing_if_is_none)]
    pub discount_rate: Option<Rate>,
}

impl Example for PreviewRequest {
    fn example() -> Self {
        let decimal = |text: &str| Centimetres::parse(text).unwrap_or(Centimetres::ZERO);
        Self {
            items: vec![ItemRequest {
                product: "VEN-CORR-NAC3".to_owned(),
                width_cm: decimal("150"),
                height_cm: decimal("120"),
                quantity: 2,
                glass: Some("VID-CLARO-6".to_owned()),
                colour: Some("NAT".to_owned()),
            }],
            material_items: vec![MaterialItemRequest {
                material: "CON-SIL-NEU".to_owned(),
                quantity: Quantity::parse("2").unwrap_or(Quantity::ZERO),
            }],
            profit_rate: Rate::parse("0.25").ok(),
            indirect_rate: Rate::parse("0.15").ok(),
            tax_rate: None,
            tax_code: Some("IVA16".to_owned()),
            labour_rate_override_per_m2: None,
            discount_rate: Rate::parse("0.05").ok(),
        }
    }
}

impl From<EngineError> for ApiError {
    /// The API's answer; the engine's error stays as its cause, for pages that
    /// word it by kind.
    fn from(err: EngineError) -> Self {
        let details = serde_json::json!({ "field": err.field });
        let answer = match err.kind() {
            EngineErrorKind::UnknownProduct => {
                ApiError::not_found("product_not_found", err.to_string())
            }
            EngineErrorKind::UnknownMaterial => {
                ApiError::not_found("material_not_found", err.to_string())
            }
            EngineErrorKind::Invalid => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                err.to_string(),
            ),
        };
        answer.with_details(details).with_cause(err)
    }
}

/// Converts a request into engine input, with the tenant's default rates and rules.
pub fn to_input(req: &PreviewRequest, catalog: &Catalog) -> ApiResult<QuoteInput> {
    if req.items.is_empty() && req.material_items.is_empty() {
        return Err(ApiError::invalid_field(
            "items",
            "a quote needs at least one item or material item",
        ));
    }
    for (field, len) in [
        ("items", req.items.len()),
        ("material_items", req.material_items.len()),
    ] {
        if len > MAX_ITEMS {
            return Err(ApiError::invalid_field(
                field,
                format!("at most {MAX_ITEMS} entries"),
            ));
        }
    }
    let defaults = catalog.default_rates;
    Ok(QuoteInput {
        items: req
            .items
            .iter()
            .map(|i| ItemInput {
                product: i.product.clone(),
                width_cm: i.width_cm.amount(),
                height_cm: i.height_cm.amount(),
                quantity: i.quantity,
                glass: i.glass.clone(),
                colour: i.colour.clone(),
            })
            .collect(),
        material_items: req
            .material_items
            .iter()
            .map(|m| MaterialInput {
                material: m.material.clone(),
                quantity: m.quantity.amount(),
            })
            .collect(),
        rates: Rates {
            profit: req.profit_rate.map_or(defaults.profit, Rate::amount),
            indirect: req.indirect_rate.map_or(defaults.indirect, Rate::amount),
            tax: req.tax_rate.map_or(defaults.tax, Rate::amount),
            labour_override_per_m2: req.labour_rate_override_per_m2.map(Money::amount),
            discount: req.discount_rate.map_or(defaults.discount, Rate::amount),
        },
        rules: catalog.rules,
    })
}

/// Prices a request with a catalogue already at hand (so callers holding a row lock
/// need no second connection), taxes as of today.
pub fn price_with(catalog: &Catalog, req: &PreviewRequest) -> ApiResult<QuotePreview> {
    let mut input = to_input(req, catalog)?;
    // The tenant's local day (the offset comes with the cached snapshot).
    let today = (chrono::Utc::now()
        + chrono::Duration::seconds(i64::from(catalog.utc_offset_seconds)))
    .date_naive();
    let tax_code = tax_code(req, catalog, today)?;
    if let Some((_, rate)) = &tax_code {
        input.rates.tax = *rate;
    }
    let result = crate::pricing::price(catalog, &input)?;
    let mut view = to_view(catalog, &input, result)
        .map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", m))?;
    view.rates.tax_code = tax_code.map(|(code, _)| code);
    Ok(view)
}

/// The tax code that applies to a request and its rate on `day`: the request's
/// own, else the tenant's default unless the request sets a plain `tax_rate`.
fn tax_code(
    req: &PreviewRequest,
    catalog: &Catalog,
    day: chrono::NaiveDate,
) -> ApiResult<Option<(String, Decimal)>> {
    let (code, field) = match (&req.tax_code, &req.tax_rate, &catalog.default_tax_code) {
        (Some(_), Some(_), _) => {
            return Err(ApiError::invalid_field(
                "tax_code",
                "give a tax_rate or a tax_code, not both",
            ))
        }
        (Some(code), None, _) => (code, "tax_code"),
        (None, None, Some(code)) => (code, "settings.tax_code"),
        (None, _, _) => return Ok(None),
    };
    if !catalog.tax_rates.contains_key(code) {
        return Err(ApiError::not_found(
            "tax_rate_not_found",
            format!("no tax rate with code {code}"),
        )
        .with_details(serde_json::json!({ "field": field })));
    }
    let rate = catalog.tax_rate_on(code, day).ok_or_else(|| {
        ApiError::invalid_field(field, format!("tax {code} has no rate in force on {day}"))
    })?;
    Ok(Some((code.clone(), rate.rate)))
}
