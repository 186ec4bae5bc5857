//! The shop's company details printed on its quotes (`/api/v1/settings/company`):
//! legal name, RFC, address and contacts, and its logo.

use chrono::{DateTime, Utc};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

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

/// A stored logo.
pub struct Logo {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// The bound tenant's company details (the tenant's name until set).
pub async fn load(tx: &mut TenantTx) -> Result<CompanyProfile, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<CompanyProfile> = sqlx::query_as(
        r#"SELECT legal_name, rfc, address, phone, email, website, logo_type,
                  updated_at
             FROM company_profiles WHERE tenant_id = $1"#,
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

/// The bound tenant's logo, if any.
pub async fn load_logo(tx: &mut TenantTx) -> Result<Option<Logo>, sqlx::Error> {
    let tenant = tx.tenant();
    let row: Option<(Option<String>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT logo_type, logo FROM company_profiles WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(tx.conn())
            .await?;
    Ok(match row {
        Some((Some(content_type), Some(bytes))) => Some(Logo {
            content_type,
            bytes,
        }),
        _ => None,
    })
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

/// Company endpoints.
pub struct CompanyApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/settings/company", tag = "ApiTags::Quotes")]
impl CompanyApi {
    /// The company details printed on quotes.
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
}
