//! SQL for the quoting catalogue: global upserts (platform role) and the effective
//! snapshot one tenant's quotes are priced from.

use std::collections::HashMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::model::{BomLineSpec, ProductKind, ProductSpec, WindowType};
use crate::catalog::model::{Category, Source};
use crate::db::TenantTx;
use crate::ids::UserId;
use crate::money::{Centimetres, Factor};
use crate::pricing::formula::Formula;
use crate::pricing::{BomLine, Catalog, LabourRate, MaterialInfo, Product, TaxRate};

/// Upserts a global colour.
pub async fn upsert_global_colour(
    conn: &mut PgConnection,
    code: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO global_colours (code, name) VALUES ($1, $2)
           ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, active = true, updated_at = now()
            WHERE (global_colours.name, global_colours.active) IS DISTINCT FROM (EXCLUDED.name, true)"#,
    )
    .bind(code)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(())
}

/// Upserts a global colour price.
pub async fn upsert_global_colour_price(
    conn: &mut PgConnection,
    material: &str,
    colour: &str,
    price: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO global_colour_prices (material_code, colour_code, price) VALUES ($1, $2, $3)
           ON CONFLICT (material_code, colour_code) DO UPDATE SET price = EXCLUDED.price, updated_at = now()
            WHERE global_colour_prices.price IS DISTINCT FROM EXCLUDED.price"#,
    )
    .bind(material)
    .bind(colour)
    .bind(price)
    .execute(conn)
    .await?;
    Ok(())
}

/// Upserts a global labour rate.
pub async fn upsert_global_labour(
    conn: &mut PgConnection,
    window_type: WindowType,
    rate: Decimal,
    complexity: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO global_labour_rates (window_type, rate, complexity) VALUES ($1, $2, $3)
           ON CONFLICT (window_type) DO UPDATE
              SET rate = EXCLUDED.rate, complexity = EXCLUDED.complexity, updated_at = now()
            WHERE (global_labour_rates.rate, global_labour_rates.complexity)
                  IS DISTINCT FROM (EXCLUDED.rate, EXCLUDED.complexity)"#,
    )
    .bind(window_type.as_str())
    .bind(rate)
    .bind(complexity)
    .execute(conn)
    .await?;
    Ok(())
}

/// Upserts a global product and replaces its BOM (the spec must be checked).
pub async fn upsert_global_product(
    conn: &mut PgConnection,
    p: &ProductSpec,
) -> Result<(), sqlx::Error> {
    let range = |v: &[Centimetres], i: usize| v.get(i).map(|c| c.amount()).unwrap_or_default();
    sqlx::query(
        r#"INSERT INTO global_products
               (code, name, kind, window_type, door_type, aluminium_line,
                min_width_cm, max_width_cm, min_height_cm, max_height_cm)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (code) DO UPDATE
              SET name = EXCLUDED.name, kind = EXCLUDED.kind, window_type = EXCLUDED.window_type,
                  door_type = EXCLUDED.door_type, aluminium_line = EXCLUDED.aluminium_line,
                  min_width_cm = EXCLUDED.min_width_cm, max_width_cm = EXCLUDED.max_width_cm,
                  min_height_cm = EXCLUDED.min_height_cm, max_height_cm = EXCLUDED.max_height_cm,
                  active = true, version = global_products.version + 1, updated_at = now()"#,
    )
    .bind(&p.code)
    .bind(p.name.trim())
    .bind(p.kind.as_str())
    .bind(p.window_type.map(WindowType::as_str))
    .bind(&p.door_type)
    .bind(&p.aluminium_line)
    .bind(range(&p.width_cm, 0))
    .bind(range(&p.width_cm, 1))
    .bind(range(&p.height_cm, 0))
    .bind(range(&p.height_cm, 1))
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM global_bom_lines WHERE product_code = $1")
        .bind(&p.code)
        .execute(&mut *conn)
        .await?;
    for (position, line) in p.bom.iter().enumerate() {
        sqlx::query(
            r#"INSERT INTO global_bom_lines
                   (product_code, position, description, material_code, kind, quantity_formula, waste_factor,
                    pieces_formula, piece_width_formula, piece_height_formula, piece_length_formula)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#,
        )
        .bind(&p.code)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .bind(&line.description)
        .bind(&line.material)
        .bind(line.kind.as_str())
        .bind(&line.quantity_formula)
        .bind(line.waste_factor)
        .bind(&line.pieces)
        .bind(&line.piece_width_cm)
        .bind(&line.piece_height_cm)
        .bind(&line.piece_length_cm)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Adds or corrects a default tax rate (the `tenants sync` path).
pub async fn upsert_global_tax_rate(
    conn: &mut PgConnection,
    code: &str,
    valid_from: chrono::NaiveDate,
    name: &str,
    rate: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO global_tax_rates (code, valid_from, name, rate) VALUES ($1, $2, $3, $4)
           ON CONFLICT (code, valid_from) DO UPDATE SET name = EXCLUDED.name, rate = EXCLUDED.rate"#,
    )
    .bind(code)
    .bind(valid_from)
    .bind(name)
    .bind(rate)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The tenant's tax rates, oldest first per code, with their source: the tenant's own
/// rows, and the defaults of a code up to the tenant's first row of it. So a tenant
/// scheduling a new rate keeps the default in force until then, and a tenant row dated
/// before every default replaces the defaults of that code entirely.
pub async fn effective_tax_rates(
    tx: &mut TenantTx,
) -> Result<Vec<(String, TaxRate, Source)>, sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<(String, chrono::NaiveDate, String, Decimal, String)> = sqlx::query_as(
        r#"SELECT code, valid_from, name, rate, 'tenant' AS source FROM tax_rates WHERE tenant_id = $1
           UNION ALL
           SELECT code, valid_from, name, rate, 'global' FROM global_tax_rates g
            WHERE NOT EXISTS (SELECT 1 FROM tax_rates t WHERE t.tenant_id = $1 AND t.code = g.code
                                 AND t.valid_from <= g.valid_from)
           ORDER BY 1, 2"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, valid_from, name, rate, source)| {
            let source = if source == "tenant" {
                Source::Tenant
            } else {
                Source::Global
            };
            (
                code,
                TaxRate {
                    valid_from,
                    name,
                    rate,
                },
                source,
            )
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct MaterialRow {
    code: String,
    name: String,
    category: String,
    price: Decimal,
    bar_length_m: Option<Decimal>,
}

#[derive(sqlx::FromRow)]
struct ProductRow {
    code: String,
    name: String,
    window_type: Option<String>,
    min_width_cm: Decimal,
    max_width_cm: Decimal,
    min_height_cm: Decimal,
    max_height_cm: Decimal,
    source: String,
}

#[derive(sqlx::FromRow)]
struct BomRow {
    product_code: String,
    source: String,
    description: String,
    material_code: String,
    kind: String,
    quantity_formula: String,
    waste_factor: Decimal,
    pieces_formula: Option<String>,
    piece_width_formula: Option<String>,
    piece_height_formula: Option<String>,
    piece_length_formula: Option<String>,
}

fn decode(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("quote catalogue: bad {what}").into())
}

/// BOM lines of the tenant's own active products and of every default product, in
/// order; callers pair them with the effective products by (code, source).
async fn effective_bom_rows(tx: &mut TenantTx) -> Result<Vec<BomRow>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(
        r#"SELECT p.code AS product_code, 'tenant' AS source, b.description, b.material_code, b.kind,
                  b.quantity_formula, b.waste_factor, b.pieces_formula, b.piece_width_formula,
                  b.piece_height_formula, b.piece_length_formula, b.position
             FROM bom_lines b JOIN products p ON p.tenant_id = b.tenant_id AND p.id = b.product_id
            WHERE b.tenant_id = $1 AND p.active
           UNION ALL
           SELECT product_code, 'global', description, material_code, kind,
                  quantity_formula, waste_factor, pieces_formula, piece_width_formula,
                  piece_height_formula, piece_length_formula, position
             FROM global_bom_lines
            ORDER BY product_code, source, position"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await
}

/// The tenant's effective quoting catalogue: materials (own active rows over the
/// defaults), colour prices, products with their BOMs, and labour rates; for each, the
/// tenant's row wins over the global default of the same key.
pub async fn load_catalog(tx: &mut TenantTx) -> Result<Arc<Catalog>, sqlx::Error> {
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

    let mut catalog = Catalog {
        colours: colours.into_iter().collect(),
        ..Catalog::default()
    };
    for m in materials {
        let category = Category::from_db(&m.category).ok_or_else(|| decode("category"))?;
        catalog.materials.insert(
            m.code.clone(),
            MaterialInfo {
                code: m.code,
                name: m.name,
                category,
                price: m.price,
                bar_length_m: m.bar_length_m,
                colour_prices: HashMap::new(),
            },
        );
    }
    for (material, colour, price) in colour_prices {
        // A price for a colour the tenant no longer has is not offered.
        if !catalog.colours.contains_key(&colour) {
            continue;
        }
        if let Some(info) = catalog.materials.get_mut(&material) {
            info.colour_prices.insert(colour, price);
        }
    }
    let mut lines: HashMap<(String, String), Vec<BomLine>> = HashMap::new();
    for row in bom {
        let parse = |src: &str| Formula::parse(src).map_err(|_| decode("formula"));
        let optional = |src: Option<&str>| src.map(parse).transpose();
        lines
            .entry((row.product_code.clone(), row.source.clone()))
            .or_default()
            .push(BomLine {
                kind: Category::from_db(&row.kind).ok_or_else(|| decode("BOM kind"))?,
                formula: parse(&row.quantity_formula)?,
                pieces: optional(row.pieces_formula.as_deref())?,
                piece_width_cm: optional(row.piece_width_formula.as_deref())?,
                piece_height_cm: optional(row.piece_height_formula.as_deref())?,
                piece_length_cm: optional(row.piece_length_formula.as_deref())?,
                description: row.description,
                material: row.material_code,
                waste_factor: row.waste_factor,
            });
    }
    for p in products {
        let bom = lines
            .remove(&(p.code.clone(), p.source))
            .unwrap_or_default();
        catalog.products.insert(
            p.code.clone(),
            Product {
                code: p.code,
                name: p.name,
                window_type: p.window_type,
                width_cm: (p.min_width_cm, p.max_width_cm),
                height_cm: (p.min_height_cm, p.max_height_cm),
                bom,
            },
        );
    }
    for (window_type, rate, complexity) in labour {
        catalog
            .labour
            .insert(window_type, LabourRate { rate, complexity });
    }
    for (code, rate, _) in effective_tax_rates(tx).await? {
        catalog.tax_rates.entry(code).or_default().push(rate);
    }
    let settings = crate::settings::quotes::repo::load(tx).await?;
    catalog.default_rates = settings.rates();
    catalog.rules = settings.rules();
    catalog.default_tax_code = settings.tax_code.clone();
    catalog.utc_offset_seconds = sqlx::query_scalar(
        r#"SELECT EXTRACT(EPOCH FROM (now() AT TIME ZONE tenant_time_zone($1))
                                     - (now() AT TIME ZONE 'UTC'))::integer"#,
    )
    .bind(tenant)
    .fetch_one(tx.conn())
    .await?;
    Ok(Arc::new(catalog))
}

#[derive(sqlx::FromRow)]
struct ProductSpecRow {
    code: String,
    name: String,
    kind: String,
    window_type: Option<String>,
    door_type: Option<String>,
    aluminium_line: Option<String>,
    min_width_cm: Decimal,
    max_width_cm: Decimal,
    min_height_cm: Decimal,
    max_height_cm: Decimal,
    source: String,
    version: i32,
}

/// A product as the tenant sees it: the spec, where it comes from, and the version
/// of that row (for ETags).
#[derive(Debug, Clone)]
pub struct EffectiveProduct {
    pub spec: ProductSpec,
    pub source: Source,
    pub version: i32,
}

/// The tenant's effective products as specs (own active rows over the defaults),
/// each with its source.
pub async fn effective_products(tx: &mut TenantTx) -> Result<Vec<EffectiveProduct>, sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<ProductSpecRow> = sqlx::query_as(
        r#"SELECT code, name, kind, window_type, door_type, aluminium_line,
                  min_width_cm, max_width_cm, min_height_cm, max_height_cm, 'tenant' AS source,
                  version
             FROM products WHERE tenant_id = $1 AND active
           UNION ALL
           SELECT code, name, kind, window_type, door_type, aluminium_line,
                  min_width_cm, max_width_cm, min_height_cm, max_height_cm, 'global', version
             FROM global_products g
            WHERE g.active AND NOT EXISTS (SELECT 1 FROM products p
                                            WHERE p.tenant_id = $1 AND p.code = g.code AND p.active)
            ORDER BY code"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    let lines = effective_bom_rows(tx).await?;
    assemble(rows, lines)
}

/// The default products, active ones, with their BOMs and versions.
pub async fn global_products(
    conn: &mut PgConnection,
) -> Result<Vec<EffectiveProduct>, sqlx::Error> {
    let rows: Vec<ProductSpecRow> = sqlx::query_as(
        r#"SELECT code, name, kind, window_type, door_type, aluminium_line,
                  min_width_cm, max_width_cm, min_height_cm, max_height_cm, 'global' AS source,
                  version
             FROM global_products WHERE active ORDER BY code"#,
    )
    .fetch_all(&mut *conn)
    .await?;
    let lines: Vec<BomRow> = sqlx::query_as(
        r#"SELECT product_code, 'global' AS source, description, material_code, kind,
                  quantity_formula, waste_factor, pieces_formula, piece_width_formula,
                  piece_height_formula, piece_length_formula, position
             FROM global_bom_lines ORDER BY product_code, position"#,
    )
    .fetch_all(&mut *conn)
    .await?;
    assemble(rows, lines)
}

/// Pairs product rows with their BOM lines (by code and source) into specs.
fn assemble(
    rows: Vec<ProductSpecRow>,
    lines: Vec<BomRow>,
) -> Result<Vec<EffectiveProduct>, sqlx::Error> {
    let mut boms: HashMap<(String, String), Vec<BomLineSpec>> = HashMap::new();
    for l in lines {
        boms.entry((l.product_code, l.source))
            .or_default()
            .push(BomLineSpec {
                description: l.description,
                material: l.material_code,
                kind: Category::from_db(&l.kind).ok_or_else(|| decode("BOM kind"))?,
                quantity_formula: l.quantity_formula,
                waste_factor: Factor::try_from_decimal(l.waste_factor)
                    .map_err(|_| decode("waste factor"))?,
                pieces: l.pieces_formula,
                piece_width_cm: l.piece_width_formula,
                piece_height_cm: l.piece_height_formula,
                piece_length_cm: l.piece_length_formula,
            });
    }
    let cm = |d: Decimal| Centimetres::try_from_decimal(d).map_err(|_| decode("dimension"));
    rows.into_iter()
        .map(|r| {
            let source = if r.source == "tenant" {
                Source::Tenant
            } else {
                Source::Global
            };
            let bom = boms.remove(&(r.code.clone(), r.source)).unwrap_or_default();
            Ok(EffectiveProduct {
                version: r.version,
                spec: ProductSpec {
                    kind: match r.kind.as_str() {
                        "window" => ProductKind::Window,
                        "door" => ProductKind::Door,
                        _ => ProductKind::Other,
                    },
                    window_type: r.window_type.as_deref().and_then(WindowType::from_db),
                    width_cm: vec![cm(r.min_width_cm)?, cm(r.max_width_cm)?],
                    height_cm: vec![cm(r.min_height_cm)?, cm(r.max_height_cm)?],
                    code: r.code,
                    name: r.name,
                    door_type: r.door_type,
                    aluminium_line: r.aluminium_line,
                    bom,
                    in_default_catalogue: None,
                },
                source,
            })
        })
        .collect()
}

/// Writes the tenant's own product and its BOM (the spec must be checked): a new
/// row, or a new version of the tenant's row of that code if that row is inactive or
/// still at `expected_version`. Answers the new version, or `None` (nothing written)
/// when the tenant's active row is not the one expected: someone else wrote first.
pub async fn save_product(
    tx: &mut TenantTx,
    p: &ProductSpec,
    by: UserId,
    expected_version: Option<i32>,
) -> Result<Option<i32>, sqlx::Error> {
    let tenant = tx.tenant();
    let range = |v: &[Centimetres], i: usize| v.get(i).map(|c| c.amount()).unwrap_or_default();
    let Some((id, version)): Option<(uuid::Uuid, i32)> = sqlx::query_as(
        r#"INSERT INTO products
               (tenant_id, id, code, name, kind, window_type, door_type, aluminium_line,
                min_width_cm, max_width_cm, min_height_cm, max_height_cm, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (tenant_id, code) DO UPDATE
              SET name = EXCLUDED.name, kind = EXCLUDED.kind, window_type = EXCLUDED.window_type,
                  door_type = EXCLUDED.door_type, aluminium_line = EXCLUDED.aluminium_line,
                  min_width_cm = EXCLUDED.min_width_cm, max_width_cm = EXCLUDED.max_width_cm,
                  min_height_cm = EXCLUDED.min_height_cm, max_height_cm = EXCLUDED.max_height_cm,
                  updated_by = EXCLUDED.updated_by, active = true,
                  version = products.version + 1, updated_at = now()
            WHERE NOT products.active OR products.version = $14
        RETURNING id, version"#,
    )
    .bind(tenant)
    .bind(uuid::Uuid::new_v4())
    .bind(&p.code)
    .bind(p.name.trim())
    .bind(p.kind.as_str())
    .bind(p.window_type.map(WindowType::as_str))
    .bind(&p.door_type)
    .bind(&p.aluminium_line)
    .bind(range(&p.width_cm, 0))
    .bind(range(&p.width_cm, 1))
    .bind(range(&p.height_cm, 0))
    .bind(range(&p.height_cm, 1))
    .bind(by)
    .bind(expected_version)
    .fetch_optional(tx.conn())
    .await?
    else {
        return Ok(None);
    };
    sqlx::query("DELETE FROM bom_lines WHERE tenant_id = $1 AND product_id = $2")
        .bind(tenant)
        .bind(id)
        .execute(tx.conn())
        .await?;
    for (position, line) in p.bom.iter().enumerate() {
        sqlx::query(
            r#"INSERT INTO bom_lines
                   (tenant_id, product_id, position, description, material_code, kind, quantity_formula,
                    waste_factor, pieces_formula, piece_width_formula, piece_height_formula,
                    piece_length_formula)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"#,
        )
        .bind(tenant)
        .bind(id)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .bind(&line.description)
        .bind(&line.material)
        .bind(line.kind.as_str())
        .bind(&line.quantity_formula)
        .bind(line.waste_factor)
        .bind(&line.pieces)
        .bind(&line.piece_width_cm)
        .bind(&line.piece_height_cm)
        .bind(&line.piece_length_cm)
        .execute(tx.conn())
        .await?;
    }
    Ok(Some(version))
}

/// Deactivates the tenant's own product of that code (the default, if any, applies
/// again); false if the tenant has no active product of that code.
pub async fn deactivate_product(
    tx: &mut TenantTx,
    code: &str,
    by: UserId,
) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query(
        r#"UPDATE products SET active = false, version = version + 1, updated_by = $3, updated_at = now()
            WHERE tenant_id = $1 AND code = $2 AND active"#,
    )
    .bind(tenant)
    .bind(code)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}
