//! SQL for clients.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use uuid::Uuid;

use crate::db::TenantTx;
use crate::money::Rate;

/// A client as the API shows it.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct Client {
    pub id: Uuid,
    pub name: String,
    #[oai(skip_serializing_if_is_none)]
    pub rfc: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub email: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub address: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub notes: Option<String>,
    /// Standing discount: new quotes for this client start with it.
    pub discount_rate: Rate,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

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

/// A page of the bound tenant's clients, by name; `search` matches name, RFC or email.
pub async fn list(
    tx: &mut TenantTx,
    search: Option<&str>,
    include_inactive: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<Client>, sqlx::Error> {
    let tenant = tx.tenant();
    let pattern = search.map(|s| {
        format!(
            "%{}%",
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    sqlx::query_as(&format!(
        r#"SELECT {COLUMNS} FROM clients
            WHERE tenant_id = $1 AND (active OR $2)
              AND ($3::text IS NULL OR name ILIKE $3 OR rfc ILIKE $3 OR email ILIKE $3)
            ORDER BY lower(name), id
            LIMIT $4 OFFSET $5"#
    ))
    .bind(tenant)
    .bind(include_inactive)
    .bind(pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(tx.conn())
    .await
}

/// One client of the bound tenant.
pub async fn get(tx: &mut TenantTx, id: Uuid) -> Result<Option<Client>, sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM clients WHERE tenant_id = $1 AND id = $2"
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
    .bind(Uuid::new_v4())
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
    id: Uuid,
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
