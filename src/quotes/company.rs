//! The shop's company details printed on its quotes (`/api/v1/settings/company`):
//! legal name, RFC, address and contacts, and its logo.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};

use sha2::Digest as _;

use crate::documents::pdf::{self, LogoFormat};

use crate::api::ApiTags;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::catalog::model::check_name;
use crate::clients::api::{optional_text, rfc_problem};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::payload::JsonBody;
use crate::state::AppState;
use crate::users::model::normalize_email;

/// The company as printed on quotes. Until an admin sets it, the legal name is the
/// tenant's name and the rest is empty.
#[derive(Debug, Clone, Object, sqlx::FromRow)]
pub struct CompanyProfile {
    pub legal_name: String,
    #[oai(skip_serializing_if_is_none)]
    pub rfc: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub address: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub email: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub website: Option<String>,
    /// `image/png` or `image/jpeg` when a logo was uploaded.
    #[oai(skip_serializing_if_is_none)]
    pub logo_type: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// The company details an admin sets; empty optional fields clear them.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    /// Razón social, e.g. `Aluminios del Norte SA de CV`.
    pub legal_name: String,
    /// RFC: 12 characters for companies, 13 for people.
    pub rfc: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}

/// Where logos are uploaded (its body limit is [`MAX_LOGO_BYTES`]).
pub const LOGO_PATH: &str = "/api/v1/settings/company/logo";
/// The largest logo accepted, in bytes.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// A stored logo.
pub struct Logo {
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// SHA-256 of the bytes: how sent quotes refer to the logo they were sent with.
    pub sha256: Vec<u8>,
}

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

impl Logo {
    /// The logo as the PDF writer takes it.
    pub fn for_pdf(&self) -> pdf::Logo<'_> {
        pdf::Logo {
            format: if self.content_type == "image/png" {
                LogoFormat::Png
            } else {
                LogoFormat::Jpeg
            },
            bytes: &self.bytes,
        }
    }
}

/// Recognises a PNG or JPEG by its signature and checks it can be drawn.
fn check_logo(bytes: &[u8]) -> ApiResult<Logo> {
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_image",
            "the logo must be a PNG or JPEG image",
        ));
    };
    let logo = Logo {
        content_type: content_type.to_owned(),
        bytes: bytes.to_vec(),
        sha256: sha2::Sha256::digest(bytes).to_vec(),
    };
    pdf::inspect_logo(&logo.for_pdf())
        .map_err(|e| ApiError::invalid_field("logo", e.to_string()))?;
    Ok(logo)
}

async fn save_logo(tx: &mut TenantTx, logo: &Logo, by: uuid::Uuid) -> Result<(), sqlx::Error> {
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
    // A tenant without details yet gets a row named after the tenant.
    sqlx::query(
        r#"INSERT INTO company_profiles (tenant_id, legal_name, logo_sha256, updated_by)
           SELECT $1, name, $2, $3 FROM tenants WHERE id = $1
           ON CONFLICT (tenant_id) DO UPDATE
              SET logo_sha256 = EXCLUDED.logo_sha256, updated_by = EXCLUDED.updated_by"#,
    )
    .bind(tenant)
    .bind(&logo.sha256)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes the logo; false if there was none.
async fn remove_logo(tx: &mut TenantTx, by: uuid::Uuid) -> Result<bool, sqlx::Error> {
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

/// Checks and normalises the input; errors name the field.
fn checked(input: &CompanyInput) -> ApiResult<CompanyInput> {
    let rfc = optional_text("rfc", input.rfc.as_ref(), 13)?.map(|r| r.to_uppercase());
    if let Some(problem) = rfc.as_deref().and_then(rfc_problem) {
        return Err(ApiError::invalid_field("rfc", problem));
    }
    let email = optional_text("email", input.email.as_ref(), 254)?
        .map(|e| normalize_email(&e).map_err(|m| ApiError::invalid_field("email", m)))
        .transpose()?;
    Ok(CompanyInput {
        legal_name: check_name("legal_name", &input.legal_name)?.to_owned(),
        rfc,
        address: optional_text("address", input.address.as_ref(), 500)?,
        phone: optional_text("phone", input.phone.as_ref(), 40)?,
        email,
        website: optional_text("website", input.website.as_ref(), 200)?,
    })
}

async fn save(tx: &mut TenantTx, c: &CompanyInput, by: uuid::Uuid) -> Result<(), sqlx::Error> {
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

#[derive(ApiResponse)]
enum CompanyAnswer {
    #[oai(status = 200)]
    Ok(Json<CompanyProfile>),
}

#[derive(ApiResponse)]
enum LogoAnswer {
    /// The logo as uploaded (`image/png` or `image/jpeg`).
    #[oai(status = 200)]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Type")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[derive(ApiResponse)]
enum LogoDeleted {
    #[oai(status = 204)]
    NoContent,
}

/// Company endpoints.
pub struct CompanyApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/settings/company", tag = "ApiTags::Quotes")]
impl CompanyApi {
    /// The company details printed on quotes (the PDF prints name, RFC, address,
    /// phone and email; the website is for the web app).
    #[oai(path = "/", method = "get", operation_id = "company_get")]
    async fn get(&self, auth: TenantAuth) -> ApiResult<CompanyAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let mut tx = ctx.tx(&self.state).await?;
        let profile = load(&mut tx).await?;
        tx.commit().await?;
        Ok(CompanyAnswer::Ok(Json(profile)))
    }

    /// Replace the company details (admins only); the logo stays.
    #[oai(path = "/", method = "put", operation_id = "company_put")]
    async fn put(
        &self,
        auth: TenantAuth,
        body: JsonBody<CompanyInput>,
    ) -> ApiResult<CompanyAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteSettings)?;
        let input = checked(&body)?;
        let mut tx = ctx.tx(&self.state).await?;
        save(&mut tx, &input, ctx.user.0).await?;
        let profile = load(&mut tx).await?;
        tx.commit().await?;
        Ok(CompanyAnswer::Ok(Json(profile)))
    }

    /// Upload the logo printed on quotes (admins only): the raw bytes of a PNG or
    /// JPEG, at most 512 KiB and 4000 × 4000 pixels. Other formats are 415; a file
    /// that cannot be read is 422.
    #[oai(path = "/logo", method = "put", operation_id = "company_logo_put")]
    async fn put_logo(&self, auth: TenantAuth, body: Binary<Vec<u8>>) -> ApiResult<CompanyAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteSettings)?;
        if body.0.len() > MAX_LOGO_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("a logo is at most {MAX_LOGO_BYTES} bytes"),
            ));
        }
        let logo = check_logo(&body.0)?;
        let mut tx = ctx.tx(&self.state).await?;
        save_logo(&mut tx, &logo, ctx.user.0).await?;
        let profile = load(&mut tx).await?;
        tx.commit().await?;
        Ok(CompanyAnswer::Ok(Json(profile)))
    }

    /// The logo, as uploaded; 404 when there is none.
    #[oai(path = "/logo", method = "get", operation_id = "company_logo_get")]
    async fn get_logo(&self, auth: TenantAuth) -> ApiResult<LogoAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let mut tx = ctx.tx(&self.state).await?;
        let logo = load_logo(&mut tx).await?;
        tx.commit().await?;
        let logo = logo.ok_or_else(|| {
            ApiError::not_found("logo_not_found", "this tenant has not uploaded a logo")
        })?;
        Ok(LogoAnswer::Ok(
            Binary(logo.bytes),
            logo.content_type,
            "private, no-cache".to_owned(),
        ))
    }

    /// Remove the logo (admins only).
    #[oai(
        path = "/logo",
        method = "delete",
        operation_id = "company_logo_delete"
    )]
    async fn delete_logo(&self, auth: TenantAuth) -> ApiResult<LogoDeleted> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteSettings)?;
        let mut tx = ctx.tx(&self.state).await?;
        if !remove_logo(&mut tx, ctx.user.0).await? {
            return Err(ApiError::not_found(
                "logo_not_found",
                "this tenant has not uploaded a logo",
            ));
        }
        tx.commit().await?;
        Ok(LogoDeleted::NoContent)
    }
}
