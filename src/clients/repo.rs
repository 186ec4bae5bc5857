//! SQL for clients.

use super::model::Client;
use crate::db::{like_pattern, TenantTx};
use crate::http::PageRequest;
use crate::ids::ClientId;
use crate::money::Rate;

/// The writable fields of a client.
pub struct ClientFields<'a> {
    pub name: &'a str,
    pub rfc: Option<&'a str>,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub address: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub discount_rate: Rate,
    pub active: bool,
}

const COLUMNS: &str =
    "id, name, rfc, email, phone, address, notes, discount_rate, active, created_at, updated_at";

/// Where the client list goes on from: the id of the last client shown. The sort
/// key (the name without case, then the id) is read from that row, so it is
/// computed by the same collation as the order itself.
pub type ListKey = ClientId;

/// A page of the bound tenant's clients by name, and how many match in all;
/// `search` matches name, RFC or email.
pub async fn list(
    tx: &mut TenantTx,
    search: Option<&str>,
    include_inactive: bool,
    page: &PageRequest<ListKey>,
) -> Result<(Vec<Client>, i64), sqlx::Error> {
    let tenant = tx.tenant();
    let pattern = search.map(like_pattern);
    let filters = r#"tenant_id = $1 AND (active OR $2)
              AND ($3::text IS NULL OR name ILIKE $3 OR rfc ILIKE $3 OR email ILIKE $3)"#;
    let rows = sqlx::query_as(&format!(
        r#"SELECT {COLUMNS} FROM clients
            WHERE {filters}
              AND ($4::uuid IS NULL OR (lower(name), id) >
                   (SELECT lower(name), id FROM clients WHERE tenant_id = $1 AND id = $4))
            ORDER BY lower(name), id
            LIMIT $5"#
    ))
    .bind(tenant)
    .bind(include_inactive)
    .bind(&pattern)
    .bind(page.after)
    .bind(page.fetch())
    .fetch_all(tx.conn())
    .await?;
    let total = sqlx::query_scalar(&format!("SELECT count(*) FROM clients WHERE {filters}"))
        .bind(tenant)
        .bind(include_inactive)
        .bind(&pattern)
        .fetch_one(tx.conn())
        .await?;
    Ok((rows, total))
}

/// One client of the bound tenant.
pub async fn get(tx: &mut TenantTx, id: ClientId) -> Result<Option<Client>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM clients WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(tx.conn())
    .await
}

/// One client of the bound tenant, locked until the transaction ends (an edit
/// checked against the version its form was read at).
pub async fn lock(tx: &mut TenantTx, id: ClientId) -> Result<Option<Client>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM clients WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(tx.conn())
    .await
}

/// Creates a client.
pub async fn insert(tx: &mut TenantTx, f: &ClientFields<'_>) -> Result<Client, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(&format!(
        r#"INSERT INTO clients (tenant_id, id, name, rfc, email, phone, address, notes, active, discount_rate)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"#
    ))
    .bind(tenant)
    .bind(ClientId::new_random())
    .bind(f.name)
    .bind(f.rfc)
    .bind(f.email)
    .bind(f.phone)
    .bind(f.address)
    .bind(f.notes)
    .bind(f.active)
    .bind(f.discount_rate)
    .fetch_one(tx.conn())
    .await
}

/// Overwrites a client; `None` if there is no such client in the bound tenant.
pub async fn update(
    tx: &mut TenantTx,
    id: ClientId,
    f: &ClientFields<'_>,
) -> Result<Option<Client>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(&format!(
        r#"UPDATE clients SET name = $3, rfc = $4, email = $5, phone = $6, address = $7, notes = $8, active = $9,
                              discount_rate = $10
            WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"#
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.rfc)
    .bind(f.email)
    .bind(f.phone)
    .bind(f.address)
    .bind(f.notes)
    .bind(f.active)
    .bind(f.discount_rate)
    .fetch_optional(tx.conn())
    .await
}
