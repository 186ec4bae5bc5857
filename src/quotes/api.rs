//! `/api/v1/quotes`: pricing quotes from the tenant's catalogue.

use poem::http::StatusCode;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use rust_decimal::Decimal;

use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::catalog::model::{Category, CURRENCY};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::JsonBody;
use crate::money::{Centimetres, Money, Quantity, Rate};
use crate::pricing::{
    Catalog, EngineError, EngineErrorKind, ItemInput, MaterialInput, QuoteInput, QuoteResult, Rates,
};
use crate::state::AppState;

/// Most items (and most loose materials) in one quote.
pub const MAX_ITEMS: usize = 200;

/// A window or other product to price.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemRequest {
    /// Product code, e.g. `VEN-CORR-NAC3`.
    pub product: String,
    pub width_cm: Centimetres,
    pub height_cm: Centimetres,
    /// Whole number of windows, 1 to 1000.
    pub quantity: u32,
    /// Glass material code; defaults to the product's BOM glass.
    pub glass: Option<String>,
    /// Colour code for the profiles, e.g. `NAT`.
    pub colour: Option<String>,
}

/// A loose material: a quantity of any material at its price, no waste.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialItemRequest {
    pub material: String,
    pub quantity: Quantity,
}

/// A quote to price. Rates default to 25 % profit, 15 % indirect costs, 16 % IVA.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    pub items: Vec<ItemRequest>,
    #[serde(default)]
    pub material_items: Vec<MaterialItemRequest>,
    pub profit_rate: Option<Rate>,
    pub indirect_rate: Option<Rate>,
    pub tax_rate: Option<Rate>,
    /// A tax code (`/api/v1/tax-rates`), e.g. `IVA8`: its rate in force today applies.
    /// Not together with `tax_rate`.
    #[serde(default)]
    pub tax_code: Option<String>,
    /// Labour per m² for every item, replacing rate × complexity.
    pub labour_rate_override_per_m2: Option<Money>,
    /// Discount on cost + profit + indirect, before tax (`"0.05"` is 5 %).
    pub discount_rate: Option<Rate>,
}

/// One priced BOM line, per window unless stated.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct LineView {
    pub description: String,
    pub material: String,
    pub kind: Category,
    pub formula: String,
    /// The formula's result, clamped at 0; under the piece rules, pieces × area (m²)
    /// or pieces × length (m).
    pub net_quantity: Decimal,
    pub waste_factor: Decimal,
    /// After waste and, for profiles, rounding up to whole bars.
    pub quantity: Decimal,
    /// Whole bars per window (profiles with a bar length).
    #[oai(skip_serializing_if_is_none)]
    pub bars: Option<Decimal>,
    pub unit_price: Decimal,
    /// quantity × unit price × item quantity, before rounding the category total.
    pub amount: Decimal,
    /// False for BOM glass lines when glass is billed on the window area.
    pub billed: bool,
    /// The pieces billed, per window, under the piece rules.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub pieces: Option<PiecesView>,
}

/// Pieces of a BOM line, per window.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct PiecesView {
    pub count: u32,
    /// Glass: each piece's width after rounding up to the step, in cm.
    #[oai(skip_serializing_if_is_none)]
    pub width_cm: Option<Decimal>,
    #[oai(skip_serializing_if_is_none)]
    pub height_cm: Option<Decimal>,
    /// Glass: the area billed per piece (at least the minimum), in m².
    #[oai(skip_serializing_if_is_none)]
    pub billed_area_m2: Option<Decimal>,
    /// Profiles: each piece's length, in cm.
    #[oai(skip_serializing_if_is_none)]
    pub length_cm: Option<Decimal>,
}

/// One bar of a cut plan.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct BarView {
    /// Piece lengths cut from the bar, in mm, longest first.
    pub cuts_mm: Vec<u32>,
    /// What is left of the bar's usable length, in mm.
    pub offcut_mm: u32,
}

/// The bars of one profile in one colour for the whole quote.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct CutPlanView {
    pub material: String,
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
    pub bar_length_m: Decimal,
    pub unit_price: Decimal,
    pub kerf_mm: u32,
    pub trim_mm: u32,
    pub bar_count: u32,
    pub bars: Vec<BarView>,
    /// Sum of the pieces' lengths, in m.
    pub pieces_m: Decimal,
    /// Bars × bar length × unit price.
    pub amount: Money,
    /// The part of `amount` the windows do not pay by their metres (offcuts, kerfs,
    /// trims); `totals.offcuts` is their sum.
    pub offcuts: Money,
}

/// One priced item.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct ItemView {
    pub product: String,
    /// The product's name when priced, for documents.
    #[serde(default)]
    pub name: String,
    pub width_cm: Decimal,
    pub height_cm: Decimal,
    pub quantity: u32,
    pub area_m2: Decimal,
    #[oai(skip_serializing_if_is_none)]
    pub glass_material: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub glass_name: Option<String>,
    pub glass_price_per_m2: Decimal,
    #[oai(skip_serializing_if_is_none)]
    pub colour: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub colour_name: Option<String>,
    pub labour_rate_per_m2: Decimal,
    pub lines: Vec<LineView>,
    pub profiles: Money,
    pub glass: Money,
    pub hardware: Money,
    pub consumables: Money,
    pub labour: Money,
    /// profiles + glass + hardware + consumables + labour.
    pub subtotal: Money,
}

/// One priced loose material.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct MaterialItemView {
    pub material: String,
    #[serde(default)]
    pub name: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub amount: Money,
}

/// The rates applied.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct RatesView {
    pub profit_rate: Decimal,
    pub indirect_rate: Decimal,
    pub tax_rate: Decimal,
    /// The tax code whose rate applied, if one did.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default)]
    pub tax_code: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub labour_rate_override_per_m2: Option<Decimal>,
    pub discount_rate: Decimal,
}

/// Totals; every figure is rounded once and they add up exactly.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct TotalsView {
    /// Items' materials, loose materials and offcuts.
    pub materials: Money,
    /// Cut plans' bars beyond the metres the windows pay (cut-plan rule only).
    #[serde(default)]
    pub offcuts: Money,
    pub labour: Money,
    /// materials + labour.
    pub cost: Money,
    pub profit: Money,
    pub indirect: Money,
    /// Discount on cost + profit + indirect.
    pub discount: Money,
    /// cost + profit + indirect - discount.
    pub before_tax: Money,
    pub tax: Money,
    /// before_tax + tax.
    pub total: Money,
}

/// A priced quote.
#[derive(Debug, Clone, PartialEq, Object, serde::Serialize, serde::Deserialize)]
pub struct QuotePreview {
    pub currency: String,
    pub items: Vec<ItemView>,
    pub material_items: Vec<MaterialItemView>,
    /// Cut plans per profile and colour, under the cut-plan rule.
    #[serde(default)]
    pub cut_plans: Vec<CutPlanView>,
    pub rates: RatesView,
    pub totals: TotalsView,
}

#[derive(ApiResponse)]
enum PreviewAnswer {
    #[oai(status = 200)]
    Ok(Json<QuotePreview>),
}

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> Self {
        let details = serde_json::json!({ "field": err.field });
        match err.kind {
            EngineErrorKind::UnknownProduct => {
                ApiError::not_found("product_not_found", err.to_string()).with_details(details)
            }
            EngineErrorKind::UnknownMaterial => {
                ApiError::not_found("material_not_found", err.to_string()).with_details(details)
            }
            EngineErrorKind::Invalid => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_field",
                err.to_string(),
            )
            .with_details(details),
        }
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

/// Renders an engine result, with the catalogue's names for documents.
pub fn to_view(catalog: &Catalog, input: &QuoteInput, result: QuoteResult) -> QuotePreview {
    let material_name = |code: &str| catalog.materials.get(code).map(|m| m.name.clone());
    let items = result
        .items
        .into_iter()
        .zip(&input.items)
        .map(|(item, req)| ItemView {
            name: catalog
                .products
                .get(&item.product)
                .map_or_else(|| item.product.clone(), |p| p.name.clone()),
            product: item.product,
            glass_name: item.glass_material.as_deref().and_then(material_name),
            colour_name: req
                .colour
                .as_ref()
                .and_then(|c| catalog.colours.get(c).cloned()),
            width_cm: item.width_cm.normalize(),
            height_cm: item.height_cm.normalize(),
            quantity: item.quantity,
            area_m2: item.area_m2.normalize(),
            glass_material: item.glass_material,
            glass_price_per_m2: item.glass_price_per_m2,
            colour: req.colour.clone(),
            labour_rate_per_m2: item.labour_rate_per_m2,
            lines: item
                .lines
                .into_iter()
                .map(|l| LineView {
                    description: l.description,
                    material: l.material,
                    kind: l.kind,
                    formula: l.formula,
                    net_quantity: l.net_quantity,
                    waste_factor: l.waste_factor,
                    quantity: l.quantity,
                    bars: l.bars,
                    unit_price: l.unit_price,
                    amount: l.amount,
                    billed: l.billed,
                    pieces: l.pieces.map(|p| PiecesView {
                        count: p.count,
                        width_cm: p.width_cm.map(|d| d.normalize()),
                        height_cm: p.height_cm.map(|d| d.normalize()),
                        billed_area_m2: p.billed_area_m2.map(|d| d.normalize()),
                        length_cm: p.length_cm.map(|d| d.normalize()),
                    }),
                })
                .collect(),
            profiles: item.profiles,
            glass: item.glass,
            hardware: item.hardware,
            consumables: item.consumables,
            labour: item.labour,
            subtotal: item.subtotal,
        })
        .collect();
    let t = result.totals;
    QuotePreview {
        currency: CURRENCY.to_owned(),
        items,
        material_items: result
            .material_items
            .into_iter()
            .map(|m| MaterialItemView {
                name: material_name(&m.material).unwrap_or_else(|| m.material.clone()),
                material: m.material,
                quantity: m.quantity,
                unit_price: m.unit_price,
                amount: m.amount,
            })
            .collect(),
        cut_plans: result
            .cut_plans
            .into_iter()
            .map(|p| CutPlanView {
                bar_count: u32::try_from(p.bars.len()).unwrap_or(u32::MAX),
                bars: p
                    .bars
                    .into_iter()
                    .map(|b| BarView {
                        cuts_mm: b.cuts,
                        offcut_mm: b.offcut_mm,
                    })
                    .collect(),
                material: p.material,
                colour: p.colour,
                bar_length_m: p.bar_length_m.normalize(),
                unit_price: p.unit_price,
                kerf_mm: p.kerf_mm,
                trim_mm: p.trim_mm,
                pieces_m: p.pieces_m.normalize(),
                amount: p.amount,
                offcuts: p.offcuts,
            })
            .collect(),
        rates: RatesView {
            profit_rate: result.rates.profit,
            indirect_rate: result.rates.indirect,
            tax_rate: result.rates.tax,
            tax_code: None,
            labour_rate_override_per_m2: result.rates.labour_override_per_m2,
            discount_rate: result.rates.discount,
        },
        totals: TotalsView {
            materials: t.materials,
            offcuts: t.offcuts,
            labour: t.labour,
            cost: t.cost,
            profit: t.profit,
            indirect: t.indirect,
            discount: t.discount,
            before_tax: t.before_tax,
            tax: t.tax,
            total: t.total,
        },
    }
}

/// Quote endpoints.
pub struct QuotesApi {
    pub state: AppState,
}

/// Prices a request with the tenant's current catalogue, rates and rules.
pub async fn price_request(
    state: &AppState,
    ctx: &TenantCtx,
    req: &PreviewRequest,
) -> ApiResult<QuotePreview> {
    let catalog = crate::catalog::snapshot::tenant_catalog(state, ctx).await?;
    price_with(&catalog, req)
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
    let mut view = to_view(catalog, &input, result);
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

#[OpenApi(prefix_path = "/api/v1/quotes", tag = "ApiTags::Quotes")]
impl QuotesApi {
    /// Price a quote without saving it: every BOM line with its formula, quantities,
    /// waste, bars, unit price and amount; category totals per item; labour;
    /// overhead, tax and total. Unknown codes are 404 and out-of-range inputs 422,
    /// each naming the field (e.g. `items[0].width_cm`).
    #[oai(path = "/preview", method = "post", operation_id = "quotes_preview")]
    async fn preview(
        &self,
        auth: TenantAuth,
        body: JsonBody<PreviewRequest>,
    ) -> ApiResult<PreviewAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let preview = price_request(&self.state, ctx, &body).await?;
        Ok(PreviewAnswer::Ok(Json(preview)))
    }
}
