//! SQL for products and their BOM lines: the tenant's own under row-level security
//! over the global defaults, and the defaults themselves (platform role).

use crate::db::Conn;
use std::collections::HashMap;

use rust_decimal::Decimal;

use super::model::{BomLineSpec, ProductKind, ProductSpec};
use crate::catalog::model::{Category, Source, WindowType};
use crate::db::TenantTx;
use crate::ids::{ProductId, UserId};
use crate::money::{Centimetres, Factor};

#[derive(sqlx::FromRow)]
pub struct BomRow {
    pub product_code: String,
    pub source: Source,
    pub description: String,
    pub material_code: String,
    pub kind: Category,
    pub quantity_formula: String,
    pub waste_factor: Decimal,
    pub pieces_formula: Option<String>,
    pub piece_width_formula: Option<String>,
    pub piece_height_formula: Option<String>,
    pub piece_length_formula: Option<String>,
}

fn decode(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("quote catalogue: bad {what}").into())
}

/// BOM lines of the tenant's own active products and of every default product, in
/// order; callers pair them with the effective products by (code, source).
pub async fn effective_bom_rows(tx: &mut TenantTx) -> Result<Vec<BomRow>, sqlx::Error> {
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

#[derive(sqlx::FromRow)]
struct ProductSpecRow {
    code: String,
    name: String,
    kind: ProductKind,
    window_type: Option<WindowType>,
    door_type: Option<String>,
    aluminium_line: Option<String>,
    min_width_cm: Decimal,
    max_width_cm: Decimal,
    min_height_cm: Decimal,
    max_height_cm: Decimal,
    source: Source,
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
pub async fn global_products(mut conn: Conn<'_>) -> Result<Vec<EffectiveProduct>, sqlx::Error> {
    let rows: Vec<ProductSpecRow> = sqlx::query_as(
        r#"SELECT code, name, kind, window_type, door_type, aluminium_line,
                  min_width_cm, max_width_cm, min_height_cm, max_height_cm, 'global' AS source,
                  version
             FROM global_products WHERE active ORDER BY code"#,
    )
    .fetch_all(conn.reborrow())
    .await?;
    let lines: Vec<BomRow> = sqlx::query_as(
        r#"SELECT product_code, 'global' AS source, description, material_code, kind,
                  quantity_formula, waste_factor, pieces_formula, piece_width_formula,
                  piece_height_formula, piece_length_formula, position
             FROM global_bom_lines ORDER BY product_code, position"#,
    )
    .fetch_all(conn.reborrow())
    .await?;
    assemble(rows, lines)
}

/// Pairs product rows with their BOM lines (by code and source) into specs.
fn assemble(
    rows: Vec<ProductSpecRow>,
    lines: Vec<BomRow>,
) -> Result<Vec<EffectiveProduct>, sqlx::Error> {
    let mut boms: HashMap<(String, Source), Vec<BomLineSpec>> = HashMap::new();
    for l in lines {
        boms.entry((l.product_code, l.source))
            .or_default()
            .push(BomLineSpec {
                description: l.description,
                material: l.material_code,
                kind: l.kind,
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
            let bom = boms.remove(&(r.code.clone(), r.source)).unwrap_or_default();
            Ok(EffectiveProduct {
                version: r.version,
                spec: ProductSpec {
                    kind: r.kind,
                    window_type: r.window_type,
                    width_cm: vec![cm(r.min_width_cm)?, cm(r.max_width_cm)?],
                    height_cm: vec![cm(r.min_height_cm)?, cm(r.max_height_cm)?],
                    code: r.code,
                    name: r.name,
                    door_type: r.door_type,
                    aluminium_line: r.aluminium_line,
                    bom,
                    in_default_catalogue: None,
                },
                source: r.source,
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
    let Some((id, version)): Option<(ProductId, i32)> = sqlx::query_as(
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
                  version = products.version + 1, updated_at = EXCLUDED.updated_at
            WHERE NOT products.active OR products.version = $14
        RETURNING id, version"#,
    )
    .bind(tenant)
    .bind(ProductId::new_random())
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

/// Upserts a global product and replaces its BOM (the spec must be checked).
pub async fn upsert_global_product(mut conn: Conn<'_>, p: &ProductSpec) -> Result<(), sqlx::Error> {
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
                  active = true, version = global_products.version + 1, updated_at = EXCLUDED.updated_at"#,
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
    .execute(conn.reborrow())
    .await?;
    sqlx::query("DELETE FROM global_bom_lines WHERE product_code = $1")
        .bind(&p.code)
        .execute(conn.reborrow())
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
        .execute(conn.reborrow())
        .await?;
    }
    Ok(())
}

/// Locks the default product of that code: its version and whether it is active.
pub async fn lock_global(
    mut conn: Conn<'_>,
    code: &str,
) -> Result<Option<(i32, bool)>, sqlx::Error> {
    sqlx::query_as("SELECT version, active FROM global_products WHERE code = $1 FOR UPDATE")
        .bind(code)
        .fetch_optional(conn.reborrow())
        .await
}

/// Withdraws the default product of that code; false if there is no active one.
pub async fn withdraw_global(mut conn: Conn<'_>, code: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        r#"UPDATE global_products SET active = false, version = version + 1, updated_at = now()
            WHERE code = $1 AND active"#,
    )
    .bind(code)
    .execute(conn.reborrow())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a default product of that code is active (what removing the tenant's
/// own version of it brings back).
pub async fn has_default(tx: &mut TenantTx, code: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM global_products WHERE code = $1 AND active)")
        .bind(code)
        .fetch_one(tx.conn())
        .await
}
