//! SQL for the quoting catalogue snapshot: everything one tenant's quotes are priced
//! from, each concern's tenant rows over the global defaults, read in one
//! transaction so the snapshot is consistent.

use rust_decimal::Decimal;

use crate::catalog::model::{Category, Source, WindowType};
use crate::catalog::products::repo::{effective_bom_rows, BomRow};
use crate::catalog::taxes::repo::effective_tax_rates;
use crate::db::TenantTx;
use crate::pricing::TaxRate;
use crate::settings::quotes::repo as settings;
use crate::settings::quotes::QuoteSettings;

#[derive(sqlx::FromRow)]
pub struct MaterialRow {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub price: Decimal,
    pub bar_length_m: Option<Decimal>,
}

#[derive(sqlx::FromRow)]
pub struct ProductRow {
    pub code: String,
    pub name: String,
    pub window_type: Option<WindowType>,
    pub min_width_cm: Decimal,
    pub max_width_cm: Decimal,
    pub min_height_cm: Decimal,
    pub max_height_cm: Decimal,
    pub source: Source,
}

/// The rows a snapshot is assembled from.
pub struct SnapshotRows {
    pub materials: Vec<MaterialRow>,
    /// (material, colour, price).
    pub colour_prices: Vec<(String, String, Decimal)>,
    pub products: Vec<ProductRow>,
    pub bom: Vec<BomRow>,
    /// (window type, rate, complexity).
    pub labour: Vec<(String, Decimal, Decimal)>,
    /// (code, name) of the active colours.
    pub colours: Vec<(String, String)>,
    pub tax_rates: Vec<(String, TaxRate, Source)>,
    pub settings: QuoteSettings,
    /// The tenant's offset from UTC now, in seconds.
    pub utc_offset_seconds: i32,
}

/// Reads everything the bound tenant's quotes are priced from.
pub async fn load(tx: &mut TenantTx) -> Result<SnapshotRows, sqlx::Error> {
    let tenant = tx.tenant();
    let materials: Vec<MaterialRow> = sqlx::query_as(
        r#"SELECT code, name, category, price, bar_length_m FROM materials WHERE tenant_id = $1 AND active
           UNION ALL
           SELECT code, name, category, price, bar_length_m FROM global_materials g
            WHERE g.active AND NOT EXISTS (SELECT 1 FROM materials m
                                            WHERE m.tenant_id = $1 AND m.code = g.code AND m.active)"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    let colour_prices: Vec<(String, String, Decimal)> = sqlx::query_as(
        r#"SELECT material_code, colour_code, price FROM colour_prices WHERE tenant_id = $1
           UNION ALL
           SELECT material_code, colour_code, price FROM global_colour_prices g
            WHERE NOT EXISTS (SELECT 1 FROM colour_prices c WHERE c.tenant_id = $1
                               AND c.material_code = g.material_code AND c.colour_code = g.colour_code)"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    let products: Vec<ProductRow> = sqlx::query_as(
        r#"SELECT code, name, window_type, min_width_cm, max_width_cm, min_height_cm, max_height_cm,
                  'tenant' AS source
             FROM products WHERE tenant_id = $1 AND active
           UNION ALL
           SELECT code, name, window_type, min_width_cm, max_width_cm, min_height_cm, max_height_cm,
                  'global'
             FROM global_products g
            WHERE g.active AND NOT EXISTS (SELECT 1 FROM products p
                                            WHERE p.tenant_id = $1 AND p.code = g.code AND p.active)"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    let bom = effective_bom_rows(tx).await?;
    let labour: Vec<(String, Decimal, Decimal)> = sqlx::query_as(
        r#"SELECT window_type, rate, complexity FROM labour_rates WHERE tenant_id = $1
           UNION ALL
           SELECT window_type, rate, complexity FROM global_labour_rates g
            WHERE NOT EXISTS (SELECT 1 FROM labour_rates l WHERE l.tenant_id = $1 AND l.window_type = g.window_type)"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;

    let colours: Vec<(String, String)> = sqlx::query_as(
        r#"SELECT code, name FROM colours WHERE tenant_id = $1 AND active
           UNION ALL
           SELECT code, name FROM global_colours g
            WHERE g.active AND NOT EXISTS (SELECT 1 FROM colours c
                                            WHERE c.tenant_id = $1 AND c.code = g.code AND c.active)"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;

    let tax_rates = effective_tax_rates(tx).await?;
    let settings = settings::load(tx).await?;
    let utc_offset_seconds = sqlx::query_scalar(
        r#"SELECT EXTRACT(EPOCH FROM (now() AT TIME ZONE tenant_time_zone($1))
                                     - (now() AT TIME ZONE 'UTC'))::integer"#,
    )
    .bind(tenant)
    .fetch_one(tx.conn())
    .await?;
    Ok(SnapshotRows {
        materials,
        colour_prices,
        products,
        bom,
        labour,
        colours,
        tax_rates,
        settings,
        utc_offset_seconds,
    })
}
