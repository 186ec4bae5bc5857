//! SQL for colours and colour prices: the tenant's rows under row-level security,
//! and the global defaults (platform role).

use crate::db::Conn;
use rust_decimal::Decimal;

use super::model::{Colour, ColourPrice};
use crate::catalog::model::Source;
use crate::db::TenantTx;
use crate::money::Money;

/// The tenant's colours: its own active ones and the defaults it does not override.
pub async fn effective(tx: &mut TenantTx) -> Result<Vec<Colour>, sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<(String, String, Source)> = sqlx::query_as(
        r#"SELECT code, name, 'tenant' AS source FROM colours WHERE tenant_id = $1 AND active
           UNION ALL
           SELECT code, name, 'global' FROM global_colours g
            WHERE g.active AND NOT EXISTS (SELECT 1 FROM colours c
                                            WHERE c.tenant_id = $1 AND c.code = g.code AND c.active)
           ORDER BY code"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, name, source)| Colour { code, name, source })
        .collect())
}

/// Adds or renames the tenant's own colour (reactivating it).
pub async fn put(tx: &mut TenantTx, code: &str, name: &str) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"INSERT INTO colours (tenant_id, code, name) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, code) DO UPDATE
              SET name = EXCLUDED.name, active = true, updated_at = EXCLUDED.updated_at"#,
    )
    .bind(tenant)
    .bind(code)
    .bind(name)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes the tenant's own colour; false if it had none of that code.
pub async fn delete(tx: &mut TenantTx, code: &str) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query("DELETE FROM colours WHERE tenant_id = $1 AND code = $2")
        .bind(tenant)
        .bind(code)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A profile's price in each colour: the tenant's over the defaults.
pub async fn prices_of(tx: &mut TenantTx, material: &str) -> Result<Vec<ColourPrice>, sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<(String, Money, Source)> = sqlx::query_as(
        r#"SELECT colour_code, price, 'tenant' AS source FROM colour_prices
            WHERE tenant_id = $1 AND material_code = $2
           UNION ALL
           SELECT colour_code, price, 'global' FROM global_colour_prices g
            WHERE material_code = $2
              AND NOT EXISTS (SELECT 1 FROM colour_prices c WHERE c.tenant_id = $1
                               AND c.material_code = g.material_code AND c.colour_code = g.colour_code)
           ORDER BY 1"#,
    )
    .bind(tenant)
    .bind(material)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(colour, price, source)| ColourPrice {
            colour,
            price,
            source,
        })
        .collect())
}

/// Sets the tenant's own price of a profile in a colour.
pub async fn put_price(
    tx: &mut TenantTx,
    material: &str,
    colour: &str,
    price: Money,
) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"INSERT INTO colour_prices (tenant_id, material_code, colour_code, price)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id, material_code, colour_code) DO UPDATE
              SET price = EXCLUDED.price, updated_at = EXCLUDED.updated_at"#,
    )
    .bind(tenant)
    .bind(material)
    .bind(colour)
    .bind(price)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes the tenant's own price of a profile in a colour; false if it had none.
pub async fn delete_price(
    tx: &mut TenantTx,
    material: &str,
    colour: &str,
) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query(
        "DELETE FROM colour_prices WHERE tenant_id = $1 AND material_code = $2 AND colour_code = $3",
    )
    .bind(tenant)
    .bind(material)
    .bind(colour)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Upserts a global colour.
pub async fn upsert_global_colour(
    mut conn: Conn<'_>,
    code: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO global_colours (code, name) VALUES ($1, $2)
           ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, active = true, updated_at = EXCLUDED.updated_at
            WHERE (global_colours.name, global_colours.active) IS DISTINCT FROM (EXCLUDED.name, true)"#,
    )
    .bind(code)
    .bind(name)
    .execute(conn.reborrow())
    .await?;
    Ok(())
}

/// Upserts a global colour price.
pub async fn upsert_global_colour_price(
    mut conn: Conn<'_>,
    material: &str,
    colour: &str,
    price: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        r#"INSERT INTO global_colour_prices (material_code, colour_code, price) VALUES ($1, $2, $3)
           ON CONFLICT (material_code, colour_code) DO UPDATE SET price = EXCLUDED.price, updated_at = EXCLUDED.updated_at
            WHERE global_colour_prices.price IS DISTINCT FROM EXCLUDED.price"#,
    )
    .bind(material)
    .bind(colour)
    .bind(price)
    .execute(conn.reborrow())
    .await?;
    Ok(())
}
