//! `/api/v1/materials` and `/api/v1/prices`: a tenant's catalogue and effective prices.

use std::sync::Arc;

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;

use crate::http::JsonBody;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::model::{
    check_material_shape, Category, Material, MaterialCode, Price, PriceChange, Source, Unit,
};
use super::repo::{self, MaterialFields};
use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::cache::Scope;
use crate::error::{violated_constraint, ApiError, ApiResult};
use crate::http::check_if_match;
use crate::http::check_name;
use crate::http::ApiTags;
use crate::money::{Metres, Money};
use crate::state::AppState;

/// A new material of the caller's tenant. A code that exists in the global
/// catalogue makes this the tenant's override of it (same category required).
#[derive(Debug, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateMaterial {
    pub code: String,
    pub name: String,
    pub category: Category,
    pub unit: Unit,
    pub price: Money,
    /// Profiles only: the bar length in metres (e.g. `"6.000"`).
    #[serde(default)]
    pub bar_length_m: Option<Metres>,
}

/// Changes to a material; absent fields stay as they are.
#[derive(Debug, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMaterial {
    pub name: Option<String>,
    pub price: Option<Money>,
    pub bar_length_m: Option<Metres>,
    /// `false` deactivates the tenant's row (the global default then applies);
    /// `true` reactivates it.
    pub active: Option<bool>,
}

#[derive(ApiResponse)]
pub(crate) enum MaterialList {
    #[oai(status = 200)]
    Ok(Json<Vec<Material>>),
}

#[derive(ApiResponse)]
pub(crate) enum MaterialAnswer {
    /// The material; `ETag` is what `If-Match` must carry to change it.
    #[oai(status = 200)]
    Ok(Json<Material>, #[oai(header = "ETag")] String),
    #[oai(status = 201)]
    Created(Json<Material>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum Deactivated {
    /// The tenant's row is inactive; the global default (if any) applies again.
    #[oai(status = 204)]
    Done,
}

#[derive(ApiResponse)]
pub(crate) enum HistoryAnswer {
    #[oai(status = 200)]
    Ok(Json<Vec<PriceChange>>),
}

#[derive(ApiResponse)]
enum PriceAnswer {
    #[oai(status = 200)]
    Ok(Json<Arc<Price>>),
}

#[derive(ApiResponse)]
enum PriceList {
    #[oai(status = 200)]
    Ok(Json<Arc<Vec<Price>>>),
}

fn material_not_found(code: &str) -> ApiError {
    ApiError::not_found(
        "material_not_found",
        format!("no material with code {code}"),
    )
    .with_details(serde_json::json!({ "code": code }))
}

fn parse_code(raw: &str) -> ApiResult<MaterialCode> {
    MaterialCode::parse_field("code", raw)
}

/// Catalogue endpoints.
pub struct CatalogApi {
    pub state: AppState,
}

impl CatalogApi {
    async fn effective_price(&self, ctx: &TenantCtx, code: &str) -> ApiResult<Option<Arc<Price>>> {
        self.state
            .cache
            .get_or_load(
                Scope::Tenant(ctx.tenant),
                &format!("price:{code}"),
                || async {
                    let mut tx = ctx.tx(&self.state).await?;
                    let found = repo::effective(&mut tx, None, Some(code)).await?;
                    tx.commit().await?;
                    Ok::<_, ApiError>(found.into_iter().next().map(|m| Arc::new(Price::from(m))))
                },
            )
            .await
    }

    async fn after_write(&self, ctx: &TenantCtx) {
        self.state.cache.invalidate(Scope::Tenant(ctx.tenant)).await;
    }
}

#[OpenApi(tag = "ApiTags::Catalog")]
impl CatalogApi {
    /// The tenant's catalogue: its own rows and the inherited global defaults, each
    /// marked with its `source`. `include_inactive` adds the tenant's inactive rows.
    #[oai(
        path = "/api/v1/materials",
        method = "get",
        operation_id = "materials_list"
    )]
    async fn list(
        &self,
        auth: TenantAuth,
        category: Query<Option<Category>>,
        include_inactive: Query<Option<bool>>,
    ) -> ApiResult<MaterialList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let mut materials = repo::effective(&mut tx, category.0, None).await?;
        if include_inactive.0.unwrap_or(false) {
            materials.extend(repo::inactive(&mut tx, category.0).await?);
        }
        tx.commit().await?;
        Ok(MaterialList::Ok(Json(materials)))
    }

    /// One material as the tenant sees it (its own row, else the global default).
    #[oai(
        path = "/api/v1/materials/:code",
        method = "get",
        operation_id = "materials_get"
    )]
    async fn get(&self, auth: TenantAuth, code: Path<String>) -> ApiResult<MaterialAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let code = parse_code(&code.0)?;
        let mut tx = ctx.tx(&self.state).await?;
        let mut found = repo::effective(&mut tx, None, Some(code.as_str())).await?;
        if found.is_empty() {
            // An inactive own row with no global default behind it is still readable.
            found.extend(
                repo::own_row_for_update(&mut tx, code.as_str())
                    .await?
                    .map(|(_, m)| m),
            );
        }
        tx.commit().await?;
        let material = found
            .into_iter()
            .next()
            .ok_or_else(|| material_not_found(code.as_str()))?;
        let etag = material.etag();
        Ok(MaterialAnswer::Ok(Json(material), etag))
    }

    /// Add a material (admins only). 409 `material_exists` if the tenant already has
    /// a row with this code.
    #[oai(
        path = "/api/v1/materials",
        method = "post",
        operation_id = "materials_create"
    )]
    async fn create(
        &self,
        auth: TenantAuth,
        body: JsonBody<CreateMaterial>,
    ) -> ApiResult<MaterialAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let code = parse_code(&body.code)?;
        check_material_shape(body.category, body.unit, body.bar_length_m)?;
        let mut tx = ctx.tx(&self.state).await?;
        let global = repo::global_row(tx.conn(), code.as_str()).await?;
        if let Some(global) = &global {
            if global.category != body.category {
                return Err(ApiError::invalid_field(
                    "category",
                    format!(
                        "{code} is a {} in the default catalogue",
                        global.category.as_str()
                    ),
                ));
            }
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
        let id = Uuid::new_v4();
        let material = match repo::insert_own(&mut tx, id, &fields, Some(ctx.user)).await {
            Ok(material) => material,
            Err(err) if violated_constraint(&err) == Some("materials_tenant_id_code_key") => {
                return Err(ApiError::conflict(
                    "material_exists",
                    format!("this tenant already has a material {code}; change it with PATCH"),
                ));
            }
            Err(err) => return Err(err.into()),
        };
        let old = global.filter(|g| g.active).map(|g| g.price);
        repo::record_price(
            &mut tx,
            id,
            code.as_str(),
            old,
            material.price,
            Some(ctx.user),
        )
        .await?;
        tx.commit().await?;
        self.after_write(ctx).await;
        let etag = material.etag();
        Ok(MaterialAnswer::Created(Json(material), etag))
    }

    /// Change a material (admins only); `If-Match` with its `ETag` is required
    /// (428 without, 412 when stale). Changing an inherited default creates the
    /// tenant's own row. Price changes are recorded in the history and visible on
    /// the next read, on every server instance.
    #[oai(
        path = "/api/v1/materials/:code",
        method = "patch",
        operation_id = "materials_update"
    )]
    async fn update(
        &self,
        auth: TenantAuth,
        code: Path<String>,
        #[oai(name = "If-Match")] if_match: Header<Option<String>>,
        body: JsonBody<UpdateMaterial>,
    ) -> ApiResult<MaterialAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let code = parse_code(&code.0)?;
        if body.name.is_none()
            && body.price.is_none()
            && body.bar_length_m.is_none()
            && body.active.is_none()
        {
            return Err(ApiError::invalid_field(
                "body",
                "nothing to change: send name, price, bar_length_m or active",
            ));
        }
        let mut tx = ctx.tx(&self.state).await?;
        let own = repo::own_row_for_update(&mut tx, code.as_str()).await?;
        let global = repo::global_row(tx.conn(), code.as_str())
            .await?
            .filter(|g| g.active);
        let if_match = if_match.0.as_deref();

        // Which row the caller is editing: its own row if the tag names it, else the
        // inherited default (when its own row is absent or inactive).
        let (id, base) = match (own, global) {
            (Some((id, own)), global) => {
                let inherited = global.filter(|_| !own.active);
                match inherited {
                    Some(g) if check_if_match("material", if_match, &own.etag()).is_err() => {
                        check_if_match("material", if_match, &g.etag())?;
                        (id, Material { active: true, ..g })
                    }
                    _ => {
                        check_if_match("material", if_match, &own.etag())?;
                        (id, own)
                    }
                }
            }
            (None, Some(g)) => {
                check_if_match("material", if_match, &g.etag())?;
                (Uuid::new_v4(), g)
            }
            (None, None) => return Err(material_not_found(code.as_str())),
        };
        let bar_length_m = body.bar_length_m.or(base.bar_length_m);
        check_material_shape(base.category, base.unit, bar_length_m)?;
        let fields = MaterialFields {
            code: code.as_str(),
            name: match body.name.as_deref() {
                Some(name) => check_name("name", name)?,
                None => &base.name,
            },
            category: base.category,
            unit: base.unit,
            price: body.price.unwrap_or(base.price),
            bar_length_m,
            active: body.active.unwrap_or(base.active),
        };
        let material = if base.source == Source::Global {
            let written = match repo::own_row_for_update(&mut tx, code.as_str()).await? {
                Some(_) => repo::overwrite_own(&mut tx, id, &fields, Some(ctx.user)).await,
                None => repo::insert_own(&mut tx, id, &fields, Some(ctx.user)).await,
            };
            written.map_err(|err| match violated_constraint(&err) {
                Some("materials_tenant_id_code_key") => ApiError::new(
                    poem::http::StatusCode::PRECONDITION_FAILED,
                    "version_mismatch",
                    "the material changed since you read it; read it again and retry",
                ),
                _ => err.into(),
            })?
        } else {
            repo::overwrite_own(&mut tx, id, &fields, Some(ctx.user)).await?
        };
        if material.price != base.price || base.source == Source::Global {
            repo::record_price(
                &mut tx,
                id,
                code.as_str(),
                Some(base.price),
                material.price,
                Some(ctx.user),
            )
            .await?;
        }
        tx.commit().await?;
        self.after_write(ctx).await;
        tracing::info!(code = %code, price = %material.price, "material updated");
        let etag = material.etag();
        Ok(MaterialAnswer::Ok(Json(material), etag))
    }

    /// Deactivate the tenant's own row of a code (admins only); the global default,
    /// if there is one, applies again. 404 if the tenant has no active row.
    #[oai(
        path = "/api/v1/materials/:code",
        method = "delete",
        operation_id = "materials_deactivate"
    )]
    async fn deactivate(&self, auth: TenantAuth, code: Path<String>) -> ApiResult<Deactivated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let code = parse_code(&code.0)?;
        let mut tx = ctx.tx(&self.state).await?;
        let (id, own) = repo::own_row_for_update(&mut tx, code.as_str())
            .await?
            .filter(|(_, m)| m.active)
            .ok_or_else(|| material_not_found(code.as_str()))?;
        let fields = MaterialFields {
            code: code.as_str(),
            name: &own.name,
            category: own.category,
            unit: own.unit,
            price: own.price,
            bar_length_m: own.bar_length_m,
            active: false,
        };
        repo::overwrite_own(&mut tx, id, &fields, Some(ctx.user)).await?;
        tx.commit().await?;
        self.after_write(ctx).await;
        Ok(Deactivated::Done)
    }

    /// Price history of a code: the tenant's own changes and the global default's.
    #[oai(
        path = "/api/v1/materials/:code/history",
        method = "get",
        operation_id = "materials_history"
    )]
    async fn history(&self, auth: TenantAuth, code: Path<String>) -> ApiResult<HistoryAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let code = parse_code(&code.0)?;
        let mut tx = ctx.tx(&self.state).await?;
        let changes = repo::history(&mut tx, code.as_str()).await?;
        let known = !changes.is_empty()
            || repo::own_row_for_update(&mut tx, code.as_str())
                .await?
                .is_some()
            || repo::global_row(tx.conn(), code.as_str()).await?.is_some();
        tx.commit().await?;
        if !known {
            return Err(material_not_found(code.as_str()));
        }
        Ok(HistoryAnswer::Ok(Json(changes)))
    }

    /// The effective price of a code: the tenant's own active row, else the global
    /// default, else 404 `price_not_found`. Served from cache.
    #[oai(
        path = "/api/v1/prices/:code",
        method = "get",
        operation_id = "prices_get"
    )]
    async fn price(&self, auth: TenantAuth, code: Path<String>) -> ApiResult<PriceAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let code = parse_code(&code.0)?;
        let price = self
            .effective_price(ctx, code.as_str())
            .await?
            .ok_or_else(|| {
                ApiError::not_found(
                    "price_not_found",
                    format!("no price for {code} in this tenant or the default catalogue"),
                )
                .with_details(serde_json::json!({ "code": code.as_str() }))
            })?;
        Ok(PriceAnswer::Ok(Json(price)))
    }

    /// Effective prices, optionally of one category. Served from cache.
    #[oai(path = "/api/v1/prices", method = "get", operation_id = "prices_list")]
    async fn prices(
        &self,
        auth: TenantAuth,
        category: Query<Option<Category>>,
    ) -> ApiResult<PriceList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let key = format!("prices:{}", category.0.map_or("all", Category::as_str));
        let prices: Arc<Vec<Price>> = self
            .state
            .cache
            .get_or_load(Scope::Tenant(ctx.tenant), &key, || async {
                let mut tx = ctx.tx(&self.state).await?;
                let found = repo::effective(&mut tx, category.0, None).await?;
                tx.commit().await?;
                Ok::<_, ApiError>(Arc::new(found.into_iter().map(Price::from).collect()))
            })
            .await?;
        Ok(PriceList::Ok(Json(prices)))
    }
}
