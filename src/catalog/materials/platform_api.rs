//! `/api/v1/platform/materials`: the platform operator edits the global defaults,
//! and a default profile's price in each default colour. Tenants with their own row
//! keep it; tenants that inherit see the change at once.

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::api::{HistoryAnswer, MaterialAnswer, MaterialCreated, MaterialList};
use super::model::{
    check_material_shape, CreateMaterial, MaterialPage, PriceChangePage, UpdateMaterial,
};
use super::repo::{self, MaterialFields};
use crate::audit::Actor;
use crate::auth::rbac::Permission;
use crate::auth::{require_platform, PlatformAuth};
use crate::cache::Scope;
use crate::catalog::colours::model::ColourPriceInput;
use crate::catalog::colours::repo as colours;
use crate::catalog::model::{Category, MaterialCode};
use crate::error::{violated_constraint, ApiError, ApiResult};
use crate::http::{check_if_match, check_name, ApiTags, JsonBody, PageRequest};
use crate::state::AppState;

fn not_found(code: &str) -> ApiError {
    ApiError::not_found(
        "material_not_found",
        format!("no default material with code {code}"),
    )
}

/// Global catalogue endpoints.
pub struct PlatformMaterialsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/platform/materials", tag = "ApiTags::Platform")]
impl PlatformMaterialsApi {
    /// The global default catalogue, active and inactive.
    ///
    /// By category and code, a page at a time; every row has `source: global`.
    #[oai(path = "/", method = "get", operation_id = "platform_materials_list")]
    async fn list(
        &self,
        _auth: PlatformAuth,
        /// Only materials of this category, e.g. `profile`.
        category: Query<Option<Category>>,
        /// Materials per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: Query<Option<String>>,
    ) -> ApiResult<MaterialList> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let mut one = self.state.db.platform.single().await?;
        let (rows, total) = repo::global_page(one.conn(), category.0, &page).await?;
        let (items, next) = page.finish(rows, repo::list_key);
        Ok(MaterialList::Ok(Json(MaterialPage { items, total, next })))
    }

    /// Add a default material.
    ///
    /// Every tenant without its own row of the code inherits it at once. 409
    /// `material_exists` if the code is taken.
    ///
    /// Errors: 409 material_exists; 422 invalid_field.
    #[oai(
        path = "/",
        method = "post",
        operation_id = "platform_materials_create"
    )]
    async fn create(
        &self,
        auth: PlatformAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateMaterial>,
    ) -> ApiResult<MaterialCreated> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let code = MaterialCode::parse_field("code", &body.code)?;
        check_material_shape(body.category, body.unit, body.bar_length_m)?;
        let mut tx = self.state.db.platform.begin().await?;
        if repo::global_row_for_update(tx.conn(), code.as_str())
            .await?
            .is_some()
        {
            return Err(ApiError::conflict(
                "material_exists",
                format!("the default catalogue already has {code}"),
            ));
        }
        let fields = MaterialFields {
            code: code.as_str(),
            name: check_name("name", &body.name)?,
            category: body.category,
            unit: body.unit,
            price: body.price,
            bar_length_m: body.bar_length_m,
            active: true,
        };
        let material =
            repo::upsert_global(tx.conn(), &fields, &Actor::platform(&auth.0.key_name)).await?;
        tx.commit().await?;
        self.state.cache.invalidate(Scope::Global).await;
        let etag = material.etag();
        Ok(MaterialCreated::Created(Json(material), etag))
    }

    /// Change a default material.
    ///
    /// `If-Match` with its `ETag` is required (428 without, 412 when stale).
    /// Tenants with their own row keep it; tenants that inherit see the change on
    /// their next read. Price changes are recorded in the history.
    ///
    /// Errors: 404 material_not_found; 412 version_mismatch; 422 invalid_field; 428
    /// if_match_required.
    #[oai(
        path = "/:code",
        method = "patch",
        operation_id = "platform_materials_update"
    )]
    async fn update(
        &self,
        auth: PlatformAuth,
        /// The material code, e.g. `VID-CLARO-6`.
        code: Path<String>,
        /// The default's `ETag` as last read, e.g. `"g3"`; `*` matches any version.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateMaterial>,
    ) -> ApiResult<MaterialAnswer> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let code = MaterialCode::parse_field("code", &code.0)?;
        let mut tx = self.state.db.platform.begin().await?;
        let current = repo::global_row_for_update(tx.conn(), code.as_str())
            .await?
            .ok_or_else(|| not_found(code.as_str()))?;
        check_if_match("material", if_match.0.as_deref(), &current.etag())?;
        let bar_length_m = body.bar_length_m.or(current.bar_length_m);
        check_material_shape(current.category, current.unit, bar_length_m)?;
        let fields = MaterialFields {
            code: code.as_str(),
            name: match body.name.as_deref() {
                Some(name) => check_name("name", name)?,
                None => &current.name,
            },
            category: current.category,
            unit: current.unit,
            price: body.price.unwrap_or(current.price),
            bar_length_m,
            active: body.active.unwrap_or(current.active),
        };
        let material =
            repo::upsert_global(tx.conn(), &fields, &Actor::platform(&auth.0.key_name)).await?;
        tx.commit().await?;
        self.state.cache.invalidate(Scope::Global).await;
        let etag = material.etag();
        Ok(MaterialAnswer::Ok(Json(material), etag))
    }

    /// Price history of a default material.
    ///
    /// Oldest first, a page at a time; tenants' own changes are not included.
    ///
    /// Errors: 404 material_not_found; 422 invalid_field.
    #[oai(
        path = "/:code/history",
        method = "get",
        operation_id = "platform_materials_history"
    )]
    async fn history(
        &self,
        _auth: PlatformAuth,
        /// The material code.
        code: Path<String>,
        /// Changes per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: Query<Option<String>>,
    ) -> ApiResult<HistoryAnswer> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let code = MaterialCode::parse_field("code", &code.0)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let mut one = self.state.db.platform.single().await?;
        if repo::global_row(one.conn(), code.as_str()).await?.is_none() {
            return Err(not_found(code.as_str()));
        }
        let (changes, total) = repo::global_history(one.conn(), code.as_str(), &page).await?;
        let (changes, next) = page.finish(changes, |(_, key)| key.clone());
        let items = changes.into_iter().map(|(change, _)| change).collect();
        Ok(HistoryAnswer::Ok(Json(PriceChangePage {
            items,
            total,
            next,
        })))
    }

    /// Set a default profile's price in a default colour.
    ///
    /// Tenants without their own price of the profile in that colour price with it
    /// at once.
    ///
    /// Errors: 404 material_not_found, colour_not_found.
    #[oai(
        path = "/:code/colours/:colour",
        method = "put",
        operation_id = "platform_colour_prices_put"
    )]
    async fn put_colour_price(
        &self,
        _auth: PlatformAuth,
        /// The default profile's material code, e.g. `PER-NAC3-RS`.
        code: Path<String>,
        /// The default colour's code, e.g. `BLA`.
        colour: Path<String>,
        body: JsonBody<ColourPriceInput>,
    ) -> ApiResult<Done> {
        require_platform(&self.state, Permission::WriteGlobalCatalog)?;
        let mut one = self.state.db.platform.single().await?;
        let profile = repo::global_list(one.conn(), Some(Category::Profile))
            .await?
            .into_iter()
            .any(|m| m.code == code.0);
        if !profile {
            return Err(ApiError::not_found(
                "material_not_found",
                format!("no default profile with code {}", code.0),
            ));
        }
        colours::upsert_global_colour_price(one.conn(), &code.0, &colour.0, body.price.amount())
            .await
            .map_err(|e| match violated_constraint(&e) {
                // The colour is not among the defaults.
                Some(c) if c.ends_with("_fkey") => ApiError::not_found(
                    "colour_not_found",
                    format!("colour {} is not in the default catalogue", colour.0),
                ),
                _ => e.into(),
            })?;
        self.state.cache.invalidate(Scope::Global).await;
        Ok(Done::NoContent)
    }
}

#[derive(ApiResponse)]
enum Done {
    /// The default is written; every tenant that inherits it prices with it now.
    #[oai(status = 204)]
    NoContent,
}
