//! SQL for the company details and logos, under the bound tenant.

use super::model::{CompanyInput, CompanyProfile, Logo};
use crate::db::TenantTx;
use crate::ids::UserId;

/// The bound tenant's company details (the tenant's name until set).
pub async fn load(tx: &mut TenantTx) -> Result<CompanyProfile, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<CompanyProfile> = sqlx::query_as(
        r#"SELECT p.legal_name, p.rfc, p.address, p.phone, p.email, p.website,
                  l.content_type AS logo_type, p.updated_at
             FROM company_profiles p
             LEFT JOIN company_logos l ON l.tenant_id = p.tenant_id AND l.sha256 = p.logo_sha256
            WHERE p.tenant_id = $1"#,
    )
    .bind(tenant)
    .fetch_optional(tx.conn())
    .await?;
    if let Some(profile) = row {
        return Ok(profile);
    }
    let name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_one(tx.conn())
        .await?;
    Ok(CompanyProfile {
        legal_name: name,
        rfc: None,
        address: None,
        phone: None,
        email: None,
        website: None,
        logo_type: None,
        updated_at: None,
    })
}

/// The bound tenant's current logo, if any.
pub async fn load_logo(tx: &mut TenantTx) -> Result<Option<Logo>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<(String, Vec<u8>, Vec<u8>)> = sqlx::query_as(
        r#"SELECT l.content_type, l.bytes, l.sha256
             FROM company_profiles p
             JOIN company_logos l ON l.tenant_id = p.tenant_id AND l.sha256 = p.logo_sha256
            WHERE p.tenant_id = $1"#,
    )
    .bind(tenant)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|(content_type, bytes, sha256)| Logo {
        content_type,
        bytes,
        sha256,
    }))
}

/// A logo the bound tenant uploaded at some time, by its SHA-256.
pub async fn load_logo_by_hash(
    tx: &mut TenantTx,
    sha256: &[u8],
) -> Result<Option<Logo>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT content_type, bytes FROM company_logos WHERE tenant_id = $1 AND sha256 = $2",
    )
    .bind(tenant)
    .bind(sha256)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|(content_type, bytes)| Logo {
        content_type,
        bytes,
        sha256: sha256.to_vec(),
    }))
}

/// The SHA-256 of the bound tenant's current logo, if any.
pub async fn current_logo_hash(tx: &mut TenantTx) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let tenant = tx.tenant();
    let hash: Option<Option<Vec<u8>>> =
        sqlx::query_scalar("SELECT logo_sha256 FROM company_profiles WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(tx.conn())
            .await?;
    Ok(hash.flatten())
}

/// Keeps the logo (by content) and makes it the current one.
pub async fn save_logo(tx: &mut TenantTx, logo: &Logo, by: UserId) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"INSERT INTO company_logos (tenant_id, sha256, content_type, bytes) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING"#,
    )
    .bind(tenant)
    .bind(&logo.sha256)
    .bind(logo.content_type.as_str())
    .bind(logo.bytes.as_slice())
    .execute(tx.conn())
    .await?;
    // A tenant without details yet gets a row named after the tenant. The name is
    // read first: an INSERT ... SELECT from `tenants` is written through COPY on
    // Citus, which row-level security refuses (docs/scaling.md).
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
        .bind(tenant)
        .fetch_optional(tx.conn())
        .await?;
    let Some(name) = name else { return Ok(()) };
    sqlx::query(
        r#"INSERT INTO company_profiles (tenant_id, legal_name, logo_sha256, updated_by)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (tenant_id) DO UPDATE
              SET logo_sha256 = EXCLUDED.logo_sha256, updated_by = EXCLUDED.updated_by"#,
    )
    .bind(tenant)
    .bind(name)
    .bind(&logo.sha256)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes the logo; false if there was none.
pub async fn remove_logo(tx: &mut TenantTx, by: UserId) -> Result<bool, sqlx::Error> {
    let tenant = tx.tenant();
    let done = sqlx::query(
        r#"UPDATE company_profiles SET logo_sha256 = NULL, updated_by = $2
            WHERE tenant_id = $1 AND logo_sha256 IS NOT NULL"#,
    )
    .bind(tenant)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes the company details.
pub async fn save(tx: &mut TenantTx, c: &CompanyInput, by: UserId) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant();
    sqlx::query(
        r#"INSERT INTO company_profiles (tenant_id, legal_name, rfc, address, phone, email, website, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (tenant_id) DO UPDATE
              SET legal_name = EXCLUDED.legal_name, rfc = EXCLUDED.rfc, address = EXCLUDED.address,
                  phone = EXCLUDED.phone, email = EXCLUDED.email, website = EXCLUDED.website,
                  updated_by = EXCLUDED.updated_by"#,
    )
    .bind(tenant)
    .bind(&c.legal_name)
    .bind(&c.rfc)
    .bind(&c.address)
    .bind(&c.phone)
    .bind(&c.email)
    .bind(&c.website)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(())
}
