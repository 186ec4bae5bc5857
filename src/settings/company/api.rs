//! `/api/v1/settings/company`: the company details printed on quotes, and the logo.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::{Binary, Json, Payload};
use poem_openapi::registry::MetaSchemaRef;
use poem_openapi::{ApiResponse, OpenApi};

use super::model::{check_logo, checked, CompanyInput, CompanyProfile, MAX_LOGO_BYTES};
use super::repo::{load, load_logo, remove_logo, save, save_logo};
use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::error::{ApiError, ApiResult};
use crate::http::ApiTags;
use crate::http::JsonBody;
use crate::state::AppState;

/// A logo's bytes. Documented as `image/*`: the answer's `Content-Type` (a header
/// of [`LogoAnswer`]) is the type the logo was uploaded as, PNG or JPEG.
struct LogoImage(Vec<u8>);

impl Payload for LogoImage {
    const CONTENT_TYPE: &'static str = "image/*";

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with("image/")
    }

    fn schema_ref() -> MetaSchemaRef {
        Binary::<Vec<u8>>::schema_ref()
    }
}

impl IntoResponse for LogoImage {
    fn into_response(self) -> Response {
        Response::builder().body(self.0)
    }
}

#[derive(ApiResponse)]
enum CompanyAnswer {
    /// The company details.
    #[oai(status = 200)]
    Ok(Json<CompanyProfile>),
}

#[derive(ApiResponse)]
enum LogoAnswer {
    /// The logo as uploaded (`image/png` or `image/jpeg`).
    #[oai(status = 200)]
    Ok(
        LogoImage,
        #[oai(header = "Content-Type")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[derive(ApiResponse)]
enum LogoDeleted {
    /// The logo is gone; quotes already sent keep printing the one they were sent with.
    #[oai(status = 204)]
    NoContent,
}

/// Company endpoints.
pub struct CompanyApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/settings/company", tag = "ApiTags::Quotes")]
impl CompanyApi {
    /// The company details printed on quotes.
    ///
    /// The PDF prints name, RFC, address, phone and email; the website is for the
    /// web app. Any role may read them.
    #[oai(path = "/", method = "get", operation_id = "company_get")]
    async fn get(&self, auth: TenantAuth) -> ApiResult<CompanyAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let mut tx = ctx.tx(&self.state).await?;
        let profile = load(&mut tx).await?;
        tx.commit().await?;
        Ok(CompanyAnswer::Ok(Json(profile)))
    }

    /// Replace the company details (admins only).
    ///
    /// The logo stays. Drafts print the new details at once; sent quotes keep the
    /// details they were sent with.
    ///
    /// Errors: 403 forbidden; 422 invalid_field.
    #[oai(path = "/", method = "put", operation_id = "company_put")]
    async fn put(
        &self,
        auth: TenantAuth,
        body: JsonBody<CompanyInput>,
    ) -> ApiResult<CompanyAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteSettings)?;
        let input = checked(&body)?;
        let profile = save_details(&self.state, ctx, &input).await?;
        Ok(CompanyAnswer::Ok(Json(profile)))
    }

    /// Upload the logo printed on quotes (admins only).
    ///
    /// The raw bytes of a PNG or JPEG (any `Content-Type`), at most 512 KiB and
    /// 2000 × 2000 pixels (the server's `pdf.max_logo_width_px` and
    /// `pdf.max_logo_height_px`). Other formats are 415; a file that cannot be read,
    /// or is larger, is 422. It replaces the previous logo.
    ///
    /// Errors: 403 forbidden; 415 unsupported_image; 422 invalid_field.
    #[oai(path = "/logo", method = "put", operation_id = "company_logo_put")]
    async fn put_logo(&self, auth: TenantAuth, body: Binary<Vec<u8>>) -> ApiResult<CompanyAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteSettings)?;
        let profile = upload_logo(&self.state, ctx, body.0).await?;
        Ok(CompanyAnswer::Ok(Json(profile)))
    }

    /// The logo, as uploaded.
    ///
    /// Any role may read it; 404 when there is none.
    ///
    /// Errors: 404 logo_not_found.
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
            LogoImage(logo.bytes),
            logo.content_type,
            "private, no-cache".to_owned(),
        ))
    }

    /// Remove the logo (admins only).
    ///
    /// Drafts print without one from now on.
    ///
    /// Errors: 403 forbidden; 404 logo_not_found.
    #[oai(
        path = "/logo",
        method = "delete",
        operation_id = "company_logo_delete"
    )]
    async fn delete_logo(&self, auth: TenantAuth) -> ApiResult<LogoDeleted> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteSettings)?;
        remove_current_logo(&self.state, ctx).await?;
        Ok(LogoDeleted::NoContent)
    }
}

/// Removes the logo (the caller checked `WriteSettings`): 404 `logo_not_found`
/// when there is none. Shared by the API's `DELETE` and the web app.
pub async fn remove_current_logo(state: &AppState, ctx: &TenantCtx) -> ApiResult<()> {
    let mut tx = ctx.tx(state).await?;
    if !remove_logo(&mut tx, ctx.user).await? {
        return Err(ApiError::not_found(
            "logo_not_found",
            "this tenant has not uploaded a logo",
        ));
    }
    tx.commit().await?;
    Ok(())
}

/// Stores checked company details (the caller checked `WriteSettings`); the
/// profile as it is now.
pub async fn save_details(
    state: &AppState,
    ctx: &TenantCtx,
    input: &CompanyInput,
) -> ApiResult<CompanyProfile> {
    let mut tx = ctx.tx(state).await?;
    save(&mut tx, input, ctx.user).await?;
    let profile = load(&mut tx).await?;
    tx.commit().await?;
    Ok(profile)
}

/// Checks and stores an uploaded logo (the caller checked `WriteSettings`): over
/// [`MAX_LOGO_BYTES`] is 413, not a PNG or JPEG 415 `unsupported_image`, unreadable
/// or too many pixels 422 `invalid_field` `logo`. The profile as it is now.
pub async fn upload_logo(
    state: &AppState,
    ctx: &TenantCtx,
    bytes: Vec<u8>,
) -> ApiResult<CompanyProfile> {
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a logo is at most {MAX_LOGO_BYTES} bytes"),
        ));
    }
    let limit = state.pdf.upload_limit();
    let (logo, image) = state.pdf.decode(move || check_logo(bytes, limit)).await??;
    let mut tx = ctx.tx(state).await?;
    save_logo(&mut tx, &logo, ctx.user).await?;
    let profile = load(&mut tx).await?;
    tx.commit().await?;
    state.pdf.remember(ctx.tenant, &logo.sha256, image).await;
    Ok(profile)
}
