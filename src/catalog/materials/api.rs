//! `/api/v1/materials`: a tenant's catalogue of materials, its own rows over the
//! global defaults, their price history, and a profile's price in each colour.

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};

use super::edit::{self, not_found};
use super::model::{CreateMaterial, Material, MaterialPage, PriceChangePage, UpdateMaterial};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::catalog::colours::model::{ColourPrice, ColourPriceInput, ColourPricePage};
use crate::catalog::colours::repo as colours;
use crate::catalog::model::{Category, MaterialCode, Source};
use crate::catalog::price_admin::model::ImportReport;
use crate::catalog::price_admin::{csv_file, import};
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiTags, CsvBody, JsonBody, PageRequest};
use crate::state::AppState;

#[derive(ApiResponse)]
pub(crate) enum MaterialList {
    /// A page of materials.
    #[oai(status = 200)]
    Ok(Json<MaterialPage>),
}

#[derive(ApiResponse)]
pub(crate) enum MaterialAnswer {
    /// The material; `ETag` is what `If-Match` must carry to change it.
    #[oai(status = 200)]
    Ok(Json<Material>, #[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
pub(crate) enum MaterialCreated {
    /// Created (or, for a repeated `Idempotency-Key`, the first answer again);
    /// `ETag` is what `If-Match` must carry to change it.
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
    /// A page of price changes, oldest first.
    #[oai(status = 200)]
    Ok(Json<PriceChangePage>),
}

#[derive(ApiResponse)]
enum CsvExport {
    /// The catalogue as CSV.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        Binary<Vec<u8>>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

#[derive(ApiResponse)]
enum ImportAnswer {
    /// What the import did (or, for a dry run, would do).
    #[oai(status = 200)]
    Ok(Json<ImportReport>),
}

#[derive(ApiResponse)]
enum ColourPriceList {
    /// The profile's colour prices.
    #[oai(status = 200)]
    Ok(Json<ColourPricePage>),
}

#[derive(ApiResponse)]
enum ColourPriceAnswer {
    /// The tenant's price of the profile in the colour, as set.
    #[oai(status = 200)]
    Ok(Json<ColourPrice>),
}

#[derive(ApiResponse)]
enum ColourPriceRemoved {
    /// The tenant's own price is gone; the default price, if any, applies again.
    #[oai(status = 204)]
    NoContent,
}

fn parse_code(raw: &str) -> ApiResult<MaterialCode> {
    MaterialCode::parse_field("code", raw)
}

/// The profile of that code in the tenant's catalogue: 404 if unknown, 422 if it
/// is not a profile.
async fn profile(tx: &mut TenantTx, code: &str) -> ApiResult<()> {
    let material = repo::effective_one(tx, code)
        .await?
        .ok_or_else(|| not_found(code))?;
    if material.category != Category::Profile {
        return Err(ApiError::invalid_field(
            "code",
            format!(
                "{code} is a {}; only profiles have colour prices",
                material.category.as_str()
            ),
        ));
    }
    Ok(())
}

/// Material endpoints.
pub struct MaterialsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/materials", tag = "ApiTags::Catalog")]
impl MaterialsApi {
    /// The tenant's catalogue by category and code, a page at a time.
    ///
    /// Its own rows and the inherited global defaults, each marked with its
    /// `source`; any role may read it. `include_inactive` adds the tenant's
    /// inactive rows.
    #[oai(path = "/", method = "get", operation_id = "materials_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        /// Only materials of this category, e.g. `glass`.
        category: Query<Option<Category>>,
        /// `true` adds the tenant's inactive rows (default `false`).
        include_inactive: Query<Option<bool>>,
        /// Materials per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: Query<Option<String>>,
    ) -> ApiResult<MaterialList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let inactive = include_inactive.0.unwrap_or(false);
        let mut tx = ctx.tx(&self.state).await?;
        let (rows, total) = repo::page(&mut tx, category.0, inactive, &page).await?;
        tx.commit().await?;
        let (items, next) = page.finish(rows, repo::list_key);
        Ok(MaterialList::Ok(Json(MaterialPage { items, total, next })))
    }

    /// One material as the tenant sees it (its own row, else the global default).
    ///
    /// Any role may read it; the tenant's own inactive row is shown too. The
    /// `ETag` header is what `If-Match` must carry to change it.
    ///
    /// Errors: 404 material_not_found; 422 invalid_field.
    #[oai(path = "/:code", method = "get", operation_id = "materials_get")]
    async fn get(
        &self,
        auth: TenantAuth,
        /// The material code, e.g. `VID-CLARO-6`.
        code: Path<String>,
    ) -> ApiResult<MaterialAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let code = parse_code(&code.0)?;
        let mut tx = ctx.tx(&self.state).await?;
        let mut found = repo::effective_one(&mut tx, code.as_str()).await?;
        if found.is_none() {
            // An inactive own row with no global default behind it is still readable.
            found = repo::own_row_for_update(&mut tx, code.as_str())
                .await?
                .map(|(_, m)| m);
        }
        tx.commit().await?;
        let material = found.ok_or_else(|| not_found(code.as_str()))?;
        let etag = material.etag();
        Ok(MaterialAnswer::Ok(Json(material), etag))
    }

    /// Add a material (admins only).
    ///
    /// A code of the default catalogue makes it the tenant's own version (same
    /// category); 409 `material_exists` if the tenant already has a row with this
    /// code. The price is recorded in the history.
    ///
    /// Errors: 403 forbidden; 409 material_exists; 422 invalid_field.
    #[oai(path = "/", method = "post", operation_id = "materials_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateMaterial>,
    ) -> ApiResult<MaterialCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let material = edit::create(&mut tx, ctx.user, &body).await?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        let etag = material.etag();
        Ok(MaterialCreated::Created(Json(material), etag))
    }

    /// Change a material (admins only).
    ///
    /// `If-Match` with its `ETag` is required (428 without, 412 when stale).
    /// Changing an inherited default creates the tenant's own row. Price changes
    /// are recorded in the history and visible on the next read, on every server
    /// instance.
    ///
    /// Errors: 403 forbidden; 404 material_not_found; 412 version_mismatch; 422
    /// invalid_field; 428 if_match_required.
    #[oai(path = "/:code", method = "patch", operation_id = "materials_update")]
    async fn update(
        &self,
        auth: TenantAuth,
        /// The material code, e.g. `VID-CLARO-6`.
        code: Path<String>,
        /// The material's `ETag` as last read, e.g. `"g1"`; `*` matches any version.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateMaterial>,
    ) -> ApiResult<MaterialAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let code = parse_code(&code.0)?;
        let mut tx = ctx.tx(&self.state).await?;
        let material = edit::update(&mut tx, ctx.user, &code, if_match.0.as_deref(), &body).await?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        tracing::info!(code = %code, price = %material.price, "material updated");
        let etag = material.etag();
        Ok(MaterialAnswer::Ok(Json(material), etag))
    }

    /// Deactivate the tenant's own row of a code (admins only).
    ///
    /// The global default, if there is one, applies again; without one, quotes can
    /// no longer use the code. The row is kept (and `PATCH` with `active: true`
    /// brings it back). 404 if the tenant has no active row.
    ///
    /// Errors: 403 forbidden; 404 material_not_found; 422 invalid_field.
    #[oai(
        path = "/:code",
        method = "delete",
        operation_id = "materials_deactivate"
    )]
    async fn deactivate(
        &self,
        auth: TenantAuth,
        /// The material code.
        code: Path<String>,
    ) -> ApiResult<Deactivated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let code = parse_code(&code.0)?;
        let mut tx = ctx.tx(&self.state).await?;
        edit::deactivate(&mut tx, ctx.user, &code).await?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        Ok(Deactivated::Done)
    }

    /// Price history of a code, oldest first, a page at a time.
    ///
    /// The tenant's own changes and the global default's, each marked with its
    /// `source`; any role may read it.
    ///
    /// Errors: 404 material_not_found; 422 invalid_field.
    #[oai(
        path = "/:code/history",
        method = "get",
        operation_id = "materials_history"
    )]
    async fn history(
        &self,
        auth: TenantAuth,
        /// The material code.
        code: Path<String>,
        /// Changes per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: Query<Option<String>>,
    ) -> ApiResult<HistoryAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let code = parse_code(&code.0)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let mut tx = ctx.tx(&self.state).await?;
        let (changes, total) = repo::history(&mut tx, code.as_str(), &page).await?;
        let known = total > 0
            || repo::own_row_for_update(&mut tx, code.as_str())
                .await?
                .is_some()
            || repo::global_row(tx.conn(), code.as_str()).await?.is_some();
        tx.commit().await?;
        if !known {
            return Err(not_found(code.as_str()));
        }
        let (changes, next) = page.finish(changes, |(_, key)| key.clone());
        let items = changes.into_iter().map(|(change, _)| change).collect();
        Ok(HistoryAnswer::Ok(Json(PriceChangePage {
            items,
            total,
            next,
        })))
    }

    /// A profile's price per unit in each colour, the tenant's over the defaults.
    ///
    /// One page with every colour priced for the profile; any role may read it. A
    /// material that is not a profile is 422.
    ///
    /// Errors: 404 material_not_found; 422 invalid_field.
    #[oai(
        path = "/:code/colours",
        method = "get",
        operation_id = "colour_prices_list"
    )]
    async fn list_colour_prices(
        &self,
        auth: TenantAuth,
        /// The profile's material code, e.g. `PER-NAC3-RS`.
        code: Path<String>,
    ) -> ApiResult<ColourPriceList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        profile(&mut tx, &code.0).await?;
        let list = colours::prices_of(&mut tx, &code.0).await?;
        tx.commit().await?;
        Ok(ColourPriceList::Ok(Json(ColourPricePage::whole(list))))
    }

    /// Set a profile's price in a colour (admins only).
    ///
    /// The profile and the colour must exist in the tenant's catalogue. New
    /// previews and saves use it at once; sent quotes keep their prices.
    ///
    /// Errors: 403 forbidden; 404 material_not_found, colour_not_found; 422
    /// invalid_field.
    #[oai(
        path = "/:code/colours/:colour",
        method = "put",
        operation_id = "colour_prices_put"
    )]
    async fn put_colour_price(
        &self,
        auth: TenantAuth,
        /// The profile's material code, e.g. `PER-NAC3-RS`.
        code: Path<String>,
        /// The colour code, e.g. `BLA`.
        colour: Path<String>,
        body: JsonBody<ColourPriceInput>,
    ) -> ApiResult<ColourPriceAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        profile(&mut tx, &code.0).await?;
        if !colours::effective(&mut tx)
            .await?
            .iter()
            .any(|c| c.code == colour.0)
        {
            return Err(ApiError::not_found(
                "colour_not_found",
                format!("no colour {} in this tenant's catalogue", colour.0),
            ));
        }
        colours::put_price(&mut tx, &code.0, &colour.0, body.price).await?;
        ctx.commit_catalog_change(&self.state, tx).await?;
        Ok(ColourPriceAnswer::Ok(Json(ColourPrice {
            colour: colour.0,
            price: body.price,
            source: Source::Tenant,
        })))
    }

    /// Remove the tenant's own price of a profile in a colour (admins only).
    ///
    /// The default price, if any, applies again; without one, quotes can no longer
    /// use the profile in that colour.
    ///
    /// Errors: 403 forbidden; 404 colour_price_not_found.
    #[oai(
        path = "/:code/colours/:colour",
        method = "delete",
        operation_id = "colour_prices_delete"
    )]
    async fn delete_colour_price(
        &self,
        auth: TenantAuth,
        /// The profile's material code.
        code: Path<String>,
        /// The colour code.
        colour: Path<String>,
    ) -> ApiResult<ColourPriceRemoved> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        if !colours::delete_price(&mut tx, &code.0, &colour.0).await? {
            return Err(ApiError::not_found(
                "colour_price_not_found",
                format!(
                    "this tenant has no price of its own for {} in {}",
                    code.0, colour.0
                ),
            ));
        }
        ctx.commit_catalog_change(&self.state, tx).await?;
        Ok(ColourPriceRemoved::NoContent)
    }

    /// Export the catalogue as CSV.
    ///
    /// The tenant's effective catalogue (its own active rows and the defaults it
    /// inherits; `source` marks which), by category and code, as `text/csv` in
    /// UTF-8 with the header
    /// `code,name,category,unit,price,currency,bar_length_m,active,source`.
    /// Importing the file again changes nothing. Any role may export.
    ///
    /// Errors: 401 unauthenticated.
    #[oai(path = "/export", method = "get", operation_id = "materials_export")]
    async fn export(&self, auth: TenantAuth) -> ApiResult<CsvExport> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let materials = repo::effective(&mut tx, None).await?;
        tx.commit().await?;
        let file = csv_file::export(&materials)
            .map_err(|err| ApiError::internal("writing the CSV export", err))?;
        let disposition = "attachment; filename=\"materiales.csv\"".to_owned();
        Ok(CsvExport::Ok(Binary(file), disposition))
    }

    /// Import materials and prices from CSV.
    ///
    /// Takes a `text/csv` file (UTF-8 with or without BOM; `,` or `;` between
    /// fields; quoted fields) with a header row naming its columns: `code` and
    /// `price` always, and any of `name`, `category`, `unit`, `currency`,
    /// `bar_length_m`, `active`, `source` (informative). A row equal to what
    /// applies changes nothing; a new price for an inherited default makes it the
    /// tenant's own; a new code needs `name`, `category` and `unit`; `active` false
    /// withdraws the tenant's own row. All or nothing: any problem (the physical
    /// `line`, the header being 1, the `column`, the `value` and the `reason`;
    /// every one at once, e.g. a decimal comma) is a 422 `invalid_csv` listing
    /// them in `details.problems`, with nothing written. With `dry_run=true` the
    /// answer says what would happen and nothing is written. Every price moved is
    /// recorded as one batch (kind `import`), revertable like a bulk update. Files
    /// over `server.max_import_bytes` are 413. Admins only.
    ///
    /// Errors: 403 forbidden; 409 catalog_changed; 413 payload_too_large; 415
    /// unsupported_media_type; 422 invalid_csv.
    #[oai(path = "/import", method = "post", operation_id = "materials_import")]
    async fn import(
        &self,
        auth: TenantAuth,
        /// `true` to check the file and report what would happen, writing nothing.
        dry_run: Query<Option<bool>>,
        body: CsvBody,
    ) -> ApiResult<ImportAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let dry_run = dry_run.0.unwrap_or(false);
        let mut tx = ctx.tx(&self.state).await?;
        let report = import::run(&mut tx, ctx.user, &body.0, dry_run).await?;
        if dry_run {
            tx.rollback().await?;
        } else {
            ctx.commit_catalog_change(&self.state, tx).await?;
        }
        tracing::info!(
            dry_run,
            created = report.created.len(),
            updated = report.updated.len(),
            unchanged = report.unchanged.len(),
            "catalogue imported"
        );
        Ok(ImportAnswer::Ok(Json(report)))
    }
}
