//! The quoting catalogue snapshot: one tenant's effective materials, colour prices,
//! products with their BOMs, labour and tax rates, settings and time zone, assembled
//! into the engine's [`Catalog`] and kept in-process until the tenant's catalogue
//! or the defaults change.

pub mod repo;

use std::collections::HashMap;
use std::sync::Arc;

use repo::{MaterialRow, ProductRow, SnapshotRows};

use crate::auth::TenantCtx;
use crate::cache::{CacheKey, Scope};
use crate::catalog::model::Source;
use crate::catalog::products::repo::BomRow;
use crate::error::{ApiError, ApiResult};
use crate::ids::TenantId;
use crate::pricing::formula::Formula;
use crate::pricing::{BomLine, Catalog, LabourRate, MaterialInfo, Product};
use crate::state::AppState;

/// A tenant's quoting catalogue: in-process only (compiled formulas are cheaper to
/// rebuild than to fetch), evicted with every catalogue change of the tenant or of
/// the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CatalogKey(TenantId);

impl CacheKey for CatalogKey {
    type Value = Arc<Catalog>;

    fn scope(&self) -> Scope {
        Scope::Tenant(self.0)
    }

    /// About a quarter of a kilobyte per material and per BOM line, and what the
    /// rest holds.
    fn weight(&self, catalog: &Arc<Catalog>) -> Option<u32> {
        let lines: usize = catalog.products.values().map(|p| p.bom.len()).sum();
        let entries = catalog.materials.len() + lines + catalog.products.len();
        u32::try_from(4096 + entries * 256).ok()
    }
}

/// The tenant's quoting catalogue, cached in-process and evicted with every
/// catalogue change of the tenant or of the defaults.
pub async fn tenant_catalog(state: &AppState, ctx: &TenantCtx) -> ApiResult<Arc<Catalog>> {
    state
        .cache
        .get_local(&CatalogKey(ctx.tenant), || async {
            let mut tx = ctx.tx(state).await?;
            let rows = repo::load(&mut tx).await?;
            tx.commit().await?;
            let catalog = assemble(rows)
                .map_err(|e| ApiError::internal("quote catalogue", anyhow::anyhow!(e)))?;
            Ok::<_, ApiError>(Arc::new(catalog))
        })
        .await
}

/// Builds the engine's catalogue from the rows; fails only on a stored formula that
/// no longer parses.
pub fn assemble(rows: SnapshotRows) -> Result<Catalog, String> {
    let mut catalog = Catalog {
        colours: rows.colours.into_iter().collect(),
        materials: materials(rows.materials),
        ..Catalog::default()
    };
    for (material, colour, price) in rows.colour_prices {
        // A price for a colour the tenant no longer has is not offered.
        if !catalog.colours.contains_key(&colour) {
            continue;
        }
        if let Some(info) = catalog.materials.get_mut(&material) {
            info.colour_prices.insert(colour, price);
        }
    }
    catalog.products = products(rows.products, rows.bom)?;
    for (window_type, rate, complexity) in rows.labour {
        catalog
            .labour
            .insert(window_type, LabourRate { rate, complexity });
    }
    for (code, rate, _) in rows.tax_rates {
        catalog.tax_rates.entry(code).or_default().push(rate);
    }
    catalog.default_rates = rows.settings.rates();
    catalog.rules = rows.settings.rules();
    catalog.default_tax_code = rows.settings.tax_code.clone();
    catalog.utc_offset_seconds = rows.utc_offset_seconds;
    Ok(catalog)
}

fn materials(rows: Vec<MaterialRow>) -> HashMap<String, MaterialInfo> {
    rows.into_iter()
        .map(|m| {
            let info = MaterialInfo {
                code: m.code.clone(),
                name: m.name,
                category: m.category,
                price: m.price,
                bar_length_m: m.bar_length_m,
                colour_prices: HashMap::new(),
            };
            (m.code, info)
        })
        .collect()
}

/// The effective products, each with the BOM of the row it comes from.
fn products(rows: Vec<ProductRow>, bom: Vec<BomRow>) -> Result<HashMap<String, Product>, String> {
    let mut lines: HashMap<(String, Source), Vec<BomLine>> = HashMap::new();
    for row in bom {
        lines
            .entry((row.product_code.clone(), row.source))
            .or_default()
            .push(bom_line(row)?);
    }
    Ok(rows
        .into_iter()
        .map(|p| {
            let bom = lines
                .remove(&(p.code.clone(), p.source))
                .unwrap_or_default();
            let product = Product {
                code: p.code.clone(),
                name: p.name,
                window_type: p.window_type.map(|t| t.as_str().to_owned()),
                width_cm: (p.min_width_cm, p.max_width_cm),
                height_cm: (p.min_height_cm, p.max_height_cm),
                bom,
            };
            (p.code, product)
        })
        .collect())
}

fn bom_line(row: BomRow) -> Result<BomLine, String> {
    let parse = |src: &str| {
        Formula::parse(src)
            .map_err(|e| format!("stored formula `{src}` of {}: {e}", row.product_code))
    };
    let optional = |src: Option<&str>| src.map(parse).transpose();
    Ok(BomLine {
        kind: row.kind,
        formula: parse(&row.quantity_formula)?,
        pieces: optional(row.pieces_formula.as_deref())?,
        piece_width_cm: optional(row.piece_width_formula.as_deref())?,
        piece_height_cm: optional(row.piece_height_formula.as_deref())?,
        piece_length_cm: optional(row.piece_length_formula.as_deref())?,
        description: row.description.clone(),
        material: row.material_code.clone(),
        waste_factor: row.waste_factor,
    })
}
