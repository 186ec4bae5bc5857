//! Tenant archives: all of a shop's data in one portable, versioned JSON document,
//! for moving a shop between databases (`ventanas tenants export SLUG > FILE`,
//! `ventanas tenants import FILE`).
//!
//! An archive holds the shop's `tenants` row and every row of its tables, each as
//! the JSON of the row (`to_jsonb`), at the schema version it was taken from. What
//! it leaves out is operational, not the shop's: sessions (everyone logs in again),
//! idempotency records, and webhook events and deliveries (the log of what was
//! sent). Webhook secrets derive from the server's signing key and the webhook's id,
//! so a shop moved to a deployment with another key gets new secrets.
//!
//! Export reads as the runtime role with the tenant bound: row-level security
//! itself decides what belongs to the shop. Import writes as the owner role in one
//! transaction, into a database at the same or a newer schema version (columns added
//! since take their defaults), and refuses a shop whose id or slug is already there.
//! The global catalogue is not in the archive: sync it on the target first.

mod repo;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgPool;

use crate::db::{Pool, TenantTx};
use crate::ids::TenantId;

/// What an archive says it is.
pub const FORMAT: &str = "ventanas.tenant-archive";
/// The archive layout's version (not the database schema's: see [`Archive::schema`]).
pub const VERSION: u32 = 1;

/// The shop's tables, parents before children (the order rows are inserted in).
pub const TABLES: &[&str] = &[
    "users",
    "memberships",
    "materials",
    "price_batches",
    "price_history",
    "colours",
    "colour_prices",
    "products",
    "bom_lines",
    "labour_rates",
    "tax_rates",
    "quote_settings",
    "company_profiles",
    "company_logos",
    "clients",
    "quote_counters",
    "quotes",
    "quote_versions",
    "quote_events",
    "webhooks",
];

/// Tenant tables deliberately left out (see the module documentation).
pub const LEFT_OUT: &[&str] = &[
    "sessions",
    "idempotency_keys",
    "webhook_events",
    "webhook_deliveries",
];

/// A tenant archive, format version 1. Its own type, never an API type: archives
/// outlive the code that wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Archive {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written by this code.
    pub version: u32,
    /// The newest migration of the database the rows were read from: the rows have
    /// that schema's columns.
    pub schema: i64,
    pub exported_at: DateTime<Utc>,
    /// The `tenants` row.
    pub tenant: Value,
    /// Every table of [`TABLES`], in that order.
    pub tables: Vec<TableRows>,
}

/// One table's rows, each a JSON object of column to value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRows {
    pub name: String,
    pub rows: Vec<Value>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub tenant: TenantId,
    pub slug: String,
    pub rows: u64,
}

/// Why an archive cannot be imported (or exported).
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("not a tenant archive: {0}")]
    Invalid(String),
    #[error("archive version {0} is newer than this release reads ({VERSION}); upgrade first")]
    TooNew(u32),
    #[error(
        "the archive comes from schema {archive}, newer than this database's {database}; \
         run `ventanas migrate` with the release that wrote it first"
    )]
    SchemaTooNew { archive: i64, database: i64 },
    #[error("no tenant {0}")]
    UnknownTenant(String),
    #[error("a tenant with id {id} or slug {slug} already exists in this database")]
    Exists { id: TenantId, slug: String },
    #[error("table {table}: {message}")]
    Table { table: String, message: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Reads all of a tenant's data: `app` is the runtime role's pool (its transaction
/// gets the configured statement timeout), `platform` the platform role's (which
/// finds tenants by slug).
pub async fn export(app: &Pool, platform: &Pool, slug: &str) -> Result<Archive, ArchiveError> {
    let tenant = crate::tenants::repo::find_by_slug(platform, slug)
        .await?
        .ok_or_else(|| ArchiveError::UnknownTenant(slug.to_owned()))?;
    let row = repo::tenant_row(app, tenant.id)
        .await?
        .ok_or_else(|| ArchiveError::UnknownTenant(slug.to_owned()))?;
    let mut tx = TenantTx::begin(app, tenant.id).await?;
    // One snapshot for every table: the archive is consistent.
    repo::snapshot(tx.conn()).await?;
    // The runtime role cannot read the migrations table: the schema is this
    // release's (export with the release the database was migrated by).
    let schema = crate::db::MIGRATOR
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or_default();
    let mut tables = Vec::with_capacity(TABLES.len());
    for name in TABLES {
        let rows = repo::rows(tx.conn(), name).await?;
        tables.push(TableRows {
            name: (*name).to_owned(),
            rows,
        });
    }
    tx.commit().await?;
    Ok(Archive {
        format: FORMAT.to_owned(),
        version: VERSION,
        schema,
        exported_at: Utc::now(),
        tenant: row,
        tables,
    })
}

/// The tenant an archive holds, after checking what it says it is.
fn check(archive: &Archive) -> Result<(TenantId, String), ArchiveError> {
    if archive.format != FORMAT {
        return Err(ArchiveError::Invalid(format!(
            "format {:?}",
            archive.format
        )));
    }
    if archive.version > VERSION {
        return Err(ArchiveError::TooNew(archive.version));
    }
    let names: Vec<&str> = archive.tables.iter().map(|t| t.name.as_str()).collect();
    if names != TABLES {
        return Err(ArchiveError::Invalid(format!(
            "tables {names:?}, expected {TABLES:?}"
        )));
    }
    let id = archive.tenant["id"]
        .as_str()
        .and_then(|id| id.parse::<uuid::Uuid>().ok())
        .map(TenantId)
        .ok_or_else(|| ArchiveError::Invalid("the tenant has no id".to_owned()))?;
    let slug = archive.tenant["slug"]
        .as_str()
        .ok_or_else(|| ArchiveError::Invalid("the tenant has no slug".to_owned()))?
        .to_owned();
    for table in &archive.tables {
        let foreign = table
            .rows
            .iter()
            .any(|row| row["tenant_id"].as_str() != Some(&id.0.to_string()));
        if foreign {
            return Err(ArchiveError::Invalid(format!(
                "{} holds rows of another tenant",
                table.name
            )));
        }
    }
    Ok((id, slug))
}

/// The columns to set for `rows`: those of the table that the rows carry. A column
/// the rows carry that the table lacks means the archive is not of this schema.
fn columns_for(
    table: &str,
    present: &[String],
    rows: &[Value],
) -> Result<Vec<String>, ArchiveError> {
    let mut carried: Vec<&String> = Vec::new();
    for row in rows {
        let object = row.as_object().ok_or_else(|| ArchiveError::Table {
            table: table.to_owned(),
            message: "a row is not an object".to_owned(),
        })?;
        for key in object.keys() {
            if !present.contains(key) {
                return Err(ArchiveError::Table {
                    table: table.to_owned(),
                    message: format!("column {key} does not exist here"),
                });
            }
            if !carried.contains(&key) {
                carried.push(key);
            }
        }
    }
    Ok(present
        .iter()
        .filter(|c| carried.contains(c))
        .cloned()
        .collect())
}

/// Writes an archive's shop into the database of `owner` (the owner role's pool),
/// in one transaction.
pub async fn import(owner: &PgPool, archive: &Archive) -> Result<Imported, ArchiveError> {
    let (id, slug) = check(archive)?;
    let mut tx = TenantTx::begin(owner, id).await?;
    let database = repo::schema_version(tx.conn()).await?;
    if archive.schema > database {
        return Err(ArchiveError::SchemaTooNew {
            archive: archive.schema,
            database,
        });
    }
    if repo::tenant_exists(tx.conn(), id, &slug).await? {
        return Err(ArchiveError::Exists { id, slug });
    }
    let tenant_columns = repo::columns(tx.conn(), "tenants").await?;
    let tenant_columns = columns_for(
        "tenants",
        &tenant_columns,
        std::slice::from_ref(&archive.tenant),
    )?;
    repo::insert_tenant(tx.conn(), &tenant_columns, &archive.tenant).await?;
    let mut total = 0;
    for table in &archive.tables {
        if table.rows.is_empty() {
            continue;
        }
        let present = repo::columns(tx.conn(), &table.name).await?;
        let columns = columns_for(&table.name, &present, &table.rows)?;
        let inserted = repo::insert_rows(tx.conn(), &table.name, &columns, &table.rows)
            .await
            .map_err(|e| ArchiveError::Table {
                table: table.name.clone(),
                message: e.to_string(),
            })?;
        repo::advance_identities(tx.conn(), &table.name).await?;
        total += inserted;
    }
    tx.commit().await?;
    Ok(Imported {
        tenant: id,
        slug,
        rows: total,
    })
}

#[cfg(test)]
mod tests;
