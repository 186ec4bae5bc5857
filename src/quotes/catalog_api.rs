//! The rest of the quoting catalogue a tenant edits: colours, the price of each
//! profile in each colour, and labour rates per window type. Like materials, a
//! tenant's own row overrides the default of the same key, and removing it brings
//! the default back.

use chrono::NaiveDate;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use rust_decimal::Decimal;

use super::model::WindowType;
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::{TenantAuth, TenantCtx};
use crate::cache::Scope;
use crate::catalog::model::{Category, Source};
use crate::catalog::repo as catalog_repo;
use crate::db::TenantTx;
use crate::error::{ApiError, ApiResult};
use crate::http::check_name;
use crate::http::ApiTags;
use crate::http::JsonBody;
use crate::money::{Factor, Money, Rate};
use crate::state::AppState;

/// A colour profiles come in.
#[derive(Debug, Clone, Object)]
pub struct Colour {
    /// e.g. `NAT`, `BLA`.
    pub code: String,
    pub name: String,
    pub source: Source,
}

/// A colour's name.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColourInput {
    pub name: String,
}

/// The price per unit of a profile in one colour.
#[derive(Debug, Clone, Object)]
pub struct ColourPrice {
    pub colour: String,
    pub price: Money,
    pub source: Source,
}

/// A colour price to set.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColourPriceInput {
    pub price: Money,
}

/// Labour for one window type: `rate_per_m2 × complexity` per m² of window.
#[derive(Debug, Clone, Object)]
pub struct LabourRate {
    pub window_type: WindowType,
    pub rate_per_m2: Money,
    pub complexity: Factor,
    pub source: Source,
}

/// A labour rate to set.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabourRateInput {
    pub rate_per_m2: Money,
    /// A multiplier greater than 0, e.g. `"1.200"`.
    pub complexity: Factor,
}

#[derive(ApiResponse)]
enum ColourList {
    #[oai(status = 200)]
    Ok(Json<Vec<Colour>>),
}

#[derive(ApiResponse)]
enum ColourAnswer {
    #[oai(status = 200)]
    Ok(Json<Colour>),
}

#[derive(ApiResponse)]
enum ColourPriceList {
    #[oai(status = 200)]
    Ok(Json<Vec<ColourPrice>>),
}

#[derive(ApiResponse)]
enum ColourPriceAnswer {
    #[oai(status = 200)]
    Ok(Json<ColourPrice>),
}

#[derive(ApiResponse)]
enum LabourList {
    #[oai(status = 200)]
    Ok(Json<Vec<LabourRate>>),
}

#[derive(ApiResponse)]
enum LabourAnswer {
    #[oai(status = 200)]
    Ok(Json<LabourRate>),
}

/// A tax rate in force from a day on.
#[derive(Debug, Clone, Object)]
pub struct TaxRateView {
    /// e.g. `IVA16`.
    pub code: String,
    pub name: String,
    /// `"0.1600"` is 16 %.
    pub rate: Rate,
    pub valid_from: NaiveDate,
    /// True for the rate of its code in force today.
    pub current: bool,
    pub source: Source,
}

/// A tax rate to add: from `valid_from` on, `code` is taxed at `rate`.
#[derive(Debug, Clone, Object, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxRateInput {
    pub code: String,
    pub name: String,
    pub rate: Rate,
    pub valid_from: NaiveDate,
}

#[derive(ApiResponse)]
enum TaxRateList {
    #[oai(status = 200)]
    Ok(Json<Vec<TaxRateView>>),
}

#[derive(ApiResponse)]
enum TaxRateCreated {
    #[oai(status = 201)]
    Created(Json<TaxRateView>),
}

#[derive(ApiResponse)]
enum Removed {
    /// The tenant's own row is gone; the default, if any, applies again.
    #[oai(status = 204)]
    NoContent,
}

fn source(s: &str) -> Source {
    if s == "tenant" {
        Source::Tenant
    } else {
        Source::Global
    }
}

fn money(value: Decimal) -> ApiResult<Money> {
    Money::try_from_decimal(value)
        .map_err(|m| ApiError::internal("stored price", anyhow::anyhow!(m)))
}

/// Colour codes: 1 to 16 of `A-Z 0-9 _ -`, starting with a letter or digit.
pub(crate) fn check_colour_code(field: &str, code: &str) -> ApiResult<()> {
    let ok = (1..=16).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && code
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            field,
            format!("{code:?} is not a colour code (1 to 16 of A-Z, 0-9, _ and -)"),
        ))
    }
}

fn parse_window_type(raw: &str) -> ApiResult<WindowType> {
    WindowType::from_db(raw).ok_or_else(|| {
        ApiError::invalid_field(
            "window_type",
            format!(
                "{raw:?} is not a window type ({})",
                WindowType::ALL.map(WindowType::as_str).join(", ")
            ),
        )
    })
}

async fn colours(tx: &mut TenantTx) -> Result<Vec<Colour>, sqlx::Error> {
    let tenant = tx.tenant();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        r#"SELECT code, name, 'tenant' AS source FROM colours WHERE tenant_id = $1 AND active
           UNION ALL
           SELECT code, name, 'global' FROM global_colours g
            WHERE g.active AND NOT EXISTS (SELECT 1 FROM colours c
                                            WHERE c.tenant_id = $1 AND c.code = g.code AND c.active)
           ORDER BY code"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, name, s)| Colour {
            code,
            name,
            source: source(&s),
        })
        .collect())
}

async fn colour_prices(tx: &mut TenantTx, material: &str) -> ApiResult<Vec<ColourPrice>> {
    let tenant = tx.tenant();
    let rows: Vec<(String, Decimal, String)> = sqlx::query_as(
        r#"SELECT colour_code, price, 'tenant' AS source FROM colour_prices
            WHERE tenant_id = $1 AND material_code = $2
           UNION ALL
           SELECT colour_code, price, 'global' FROM global_colour_prices g
            WHERE material_code = $2
              AND NOT EXISTS (SELECT 1 FROM colour_prices c WHERE c.tenant_id = $1
                               AND c.material_code = g.material_code AND c.colour_code = g.colour_code)
           ORDER BY 1"#,
    )
    .bind(tenant)
    .bind(material)
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter()
        .map(|(colour, price, s)| {
            Ok(ColourPrice {
                colour,
                price: money(price)?,
                source: source(&s),
            })
        })
        .collect()
}

async fn labour_rates(tx: &mut TenantTx) -> ApiResult<Vec<LabourRate>> {
    let tenant = tx.tenant();
    let rows: Vec<(String, Decimal, Decimal, String)> = sqlx::query_as(
        r#"SELECT window_type, rate, complexity, 'tenant' AS source FROM labour_rates WHERE tenant_id = $1
           UNION ALL
           SELECT window_type, rate, complexity, 'global' FROM global_labour_rates g
            WHERE NOT EXISTS (SELECT 1 FROM labour_rates l
                               WHERE l.tenant_id = $1 AND l.window_type = g.window_type)
           ORDER BY 1"#,
    )
    .bind(tenant)
    .fetch_all(tx.conn())
    .await?;
    rows.into_iter()
        .filter_map(|(t, rate, complexity, s)| {
            WindowType::from_db(&t).map(|window_type| (window_type, rate, complexity, s))
        })
        .map(|(window_type, rate, complexity, s)| {
            Ok(LabourRate {
                window_type,
                rate_per_m2: money(rate)?,
                complexity: Factor::try_from_decimal(complexity)
                    .map_err(|m| ApiError::internal("stored complexity", anyhow::anyhow!(m)))?,
                source: source(&s),
            })
        })
        .collect()
}

/// The profile of that code in the tenant's catalogue: 404 if unknown, 422 if it
/// is not a profile.
async fn profile(tx: &mut TenantTx, code: &str) -> ApiResult<()> {
    let found = catalog_repo::effective(tx, None, Some(code)).await?;
    let material = found.first().ok_or_else(|| {
        ApiError::not_found(
            "material_not_found",
            format!("no material with code {code}"),
        )
    })?;
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

/// Quoting-catalogue endpoints.
pub struct QuoteCatalogApi {
    pub state: AppState,
}

impl QuoteCatalogApi {
    /// Commits a catalogue change and evicts the tenant's cached catalogue.
    async fn done(&self, ctx: &TenantCtx, tx: TenantTx) -> ApiResult<()> {
        tx.commit().await?;
        self.state.cache.invalidate(Scope::Tenant(ctx.tenant)).await;
        Ok(())
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Catalog")]
impl QuoteCatalogApi {
    /// The tenant's colours and the inherited defaults.
    #[oai(path = "/colours", method = "get", operation_id = "colours_list")]
    async fn list_colours(&self, auth: TenantAuth) -> ApiResult<ColourList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let list = colours(&mut tx).await?;
        tx.commit().await?;
        Ok(ColourList::Ok(Json(list)))
    }

    /// Add or rename a colour (admins only); naming a default makes it the tenant's own.
    #[oai(path = "/colours/:code", method = "put", operation_id = "colours_put")]
    async fn put_colour(
        &self,
        auth: TenantAuth,
        code: Path<String>,
        body: JsonBody<ColourInput>,
    ) -> ApiResult<ColourAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        check_colour_code("code", &code.0)?;
        let name = check_name("name", &body.name)?;
        if name.chars().count() > 100 {
            return Err(ApiError::invalid_field(
                "name",
                "must be at most 100 characters",
            ));
        }
        let mut tx = ctx.tx(&self.state).await?;
        let tenant = tx.tenant();
        sqlx::query(
            r#"INSERT INTO colours (tenant_id, code, name) VALUES ($1, $2, $3)
               ON CONFLICT (tenant_id, code) DO UPDATE
                  SET name = EXCLUDED.name, active = true, updated_at = now()"#,
        )
        .bind(tenant)
        .bind(&code.0)
        .bind(name)
        .execute(tx.conn())
        .await?;
        self.done(ctx, tx).await?;
        Ok(ColourAnswer::Ok(Json(Colour {
            code: code.0,
            name: name.to_owned(),
            source: Source::Tenant,
        })))
    }

    /// Remove the tenant's own colour (admins only); a default of that code applies
    /// again. Quotes can no longer use a colour that is gone.
    #[oai(
        path = "/colours/:code",
        method = "delete",
        operation_id = "colours_delete"
    )]
    async fn delete_colour(&self, auth: TenantAuth, code: Path<String>) -> ApiResult<Removed> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let tenant = tx.tenant();
        let done = sqlx::query("DELETE FROM colours WHERE tenant_id = $1 AND code = $2")
            .bind(tenant)
            .bind(&code.0)
            .execute(tx.conn())
            .await?;
        if done.rows_affected() == 0 {
            return Err(ApiError::not_found(
                "colour_not_found",
                format!("this tenant has no colour {} of its own", code.0),
            ));
        }
        self.done(ctx, tx).await?;
        Ok(Removed::NoContent)
    }

    /// A profile's price per unit in each colour, the tenant's over the defaults.
    #[oai(
        path = "/materials/:code/colours",
        method = "get",
        operation_id = "colour_prices_list"
    )]
    async fn list_colour_prices(
        &self,
        auth: TenantAuth,
        code: Path<String>,
    ) -> ApiResult<ColourPriceList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        profile(&mut tx, &code.0).await?;
        let list = colour_prices(&mut tx, &code.0).await?;
        tx.commit().await?;
        Ok(ColourPriceList::Ok(Json(list)))
    }

    /// Set a profile's price in a colour (admins only). The profile and the colour
    /// must exist in the tenant's catalogue. New previews and saves use it at once.
    #[oai(
        path = "/materials/:code/colours/:colour",
        method = "put",
        operation_id = "colour_prices_put"
    )]
    async fn put_colour_price(
        &self,
        auth: TenantAuth,
        code: Path<String>,
        colour: Path<String>,
        body: JsonBody<ColourPriceInput>,
    ) -> ApiResult<ColourPriceAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        profile(&mut tx, &code.0).await?;
        if !colours(&mut tx).await?.iter().any(|c| c.code == colour.0) {
            return Err(ApiError::not_found(
                "colour_not_found",
                format!("no colour {} in this tenant's catalogue", colour.0),
            ));
        }
        let tenant = tx.tenant();
        sqlx::query(
            r#"INSERT INTO colour_prices (tenant_id, material_code, colour_code, price)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (tenant_id, material_code, colour_code) DO UPDATE
                  SET price = EXCLUDED.price, updated_at = now()"#,
        )
        .bind(tenant)
        .bind(&code.0)
        .bind(&colour.0)
        .bind(body.price)
        .execute(tx.conn())
        .await?;
        self.done(ctx, tx).await?;
        Ok(ColourPriceAnswer::Ok(Json(ColourPrice {
            colour: colour.0,
            price: body.price,
            source: Source::Tenant,
        })))
    }

    /// Remove the tenant's own price of a profile in a colour (admins only); the
    /// default price, if any, applies again.
    #[oai(
        path = "/materials/:code/colours/:colour",
        method = "delete",
        operation_id = "colour_prices_delete"
    )]
    async fn delete_colour_price(
        &self,
        auth: TenantAuth,
        code: Path<String>,
        colour: Path<String>,
    ) -> ApiResult<Removed> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let tenant = tx.tenant();
        let done = sqlx::query(
            "DELETE FROM colour_prices WHERE tenant_id = $1 AND material_code = $2 AND colour_code = $3",
        )
        .bind(tenant)
        .bind(&code.0)
        .bind(&colour.0)
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(ApiError::not_found(
                "colour_price_not_found",
                format!(
                    "this tenant has no price of its own for {} in {}",
                    code.0, colour.0
                ),
            ));
        }
        self.done(ctx, tx).await?;
        Ok(Removed::NoContent)
    }

    /// Tax rates by code, each with the day it took effect; `current` marks the one in
    /// force today. The defaults of a code apply until the tenant's first rate of it.
    #[oai(path = "/tax-rates", method = "get", operation_id = "tax_rates_list")]
    async fn list_tax_rates(&self, auth: TenantAuth) -> ApiResult<TaxRateList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let rows = repo::effective_tax_rates(&mut tx).await?;
        let today = super::store::today(&mut tx).await?;
        tx.commit().await?;
        let mut views: Vec<TaxRateView> = Vec::with_capacity(rows.len());
        for (code, t, source) in rows {
            views.push(TaxRateView {
                rate: Rate::try_from_decimal(t.rate)
                    .map_err(|m| ApiError::internal("stored tax rate", anyhow::anyhow!(m)))?,
                code,
                name: t.name,
                valid_from: t.valid_from,
                current: false,
                source,
            });
        }
        // Rows come oldest first per code: the current one is the last started.
        for i in 0..views.len() {
            let started = views[i].valid_from <= today;
            let next_started = views
                .get(i + 1)
                .is_some_and(|n| n.code == views[i].code && n.valid_from <= today);
            views[i].current = started && !next_started;
        }
        Ok(TaxRateList::Ok(Json(views)))
    }

    /// Add a tax rate from a day on (admins only), e.g. a new IVA rate from next
    /// month: the default stays in force until then. A tenant's rate replaces the
    /// defaults of its code from its day on. A rate already starting that day is 409.
    #[oai(
        path = "/tax-rates",
        method = "post",
        operation_id = "tax_rates_create"
    )]
    async fn create_tax_rate(
        &self,
        auth: TenantAuth,
        body: JsonBody<TaxRateInput>,
    ) -> ApiResult<TaxRateCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        check_colour_code("code", &body.code).map_err(|_| {
            ApiError::invalid_field(
                "code",
                format!(
                    "{:?} is not a tax code (1 to 16 of A-Z, 0-9, _ and -)",
                    body.code
                ),
            )
        })?;
        let name = check_name("name", &body.name)?;
        if body.rate.amount() > Decimal::ONE {
            return Err(ApiError::invalid_field(
                "rate",
                "a tax rate is at most 1 (100 %)",
            ));
        }
        let mut tx = ctx.tx(&self.state).await?;
        let tenant = tx.tenant();
        let inserted = sqlx::query(
            r#"INSERT INTO tax_rates (tenant_id, code, valid_from, name, rate) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT DO NOTHING"#,
        )
        .bind(tenant)
        .bind(&body.code)
        .bind(body.valid_from)
        .bind(name)
        .bind(body.rate)
        .execute(tx.conn())
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(ApiError::conflict(
                "tax_rate_exists",
                format!(
                    "{} already has a rate from {}; remove it first",
                    body.code, body.valid_from
                ),
            ));
        }
        let today = super::store::today(&mut tx).await?;
        let current = repo::effective_tax_rates(&mut tx)
            .await?
            .iter()
            .rfind(|(c, t, _)| *c == body.code && t.valid_from <= today)
            .is_some_and(|(_, t, s)| *s == Source::Tenant && t.valid_from == body.valid_from);
        self.done(ctx, tx).await?;
        Ok(TaxRateCreated::Created(Json(TaxRateView {
            code: body.code.clone(),
            name: name.to_owned(),
            rate: body.rate,
            valid_from: body.valid_from,
            current,
            source: Source::Tenant,
        })))
    }

    /// Remove one of the tenant's tax rates (admins only). When a code has no rates
    /// of the tenant's left, its defaults apply again.
    #[oai(
        path = "/tax-rates/:code/:valid_from",
        method = "delete",
        operation_id = "tax_rates_delete"
    )]
    async fn delete_tax_rate(
        &self,
        auth: TenantAuth,
        code: Path<String>,
        valid_from: Path<NaiveDate>,
    ) -> ApiResult<Removed> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let tenant = tx.tenant();
        let done = sqlx::query(
            "DELETE FROM tax_rates WHERE tenant_id = $1 AND code = $2 AND valid_from = $3",
        )
        .bind(tenant)
        .bind(&code.0)
        .bind(valid_from.0)
        .execute(tx.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(ApiError::not_found(
                "tax_rate_not_found",
                format!(
                    "this tenant has no rate of its own for {} from {}",
                    code.0, valid_from.0
                ),
            ));
        }
        // The tenant's default tax code must keep a rate in force.
        let settings = crate::settings::quotes::repo::load(&mut tx).await?;
        if settings.tax_code.as_deref() == Some(code.0.as_str()) {
            let today = super::store::today(&mut tx).await?;
            let in_force = repo::effective_tax_rates(&mut tx)
                .await?
                .iter()
                .any(|(c, t, _)| *c == code.0 && t.valid_from <= today);
            if !in_force {
                return Err(ApiError::conflict(
                    "tax_code_in_use",
                    format!(
                        "{} is the tenant's default tax code and would have no rate in force; change the quote settings first",
                        code.0
                    ),
                ));
            }
        }
        self.done(ctx, tx).await?;
        Ok(Removed::NoContent)
    }

    /// Labour rates per window type, the tenant's over the defaults.
    #[oai(
        path = "/labour-rates",
        method = "get",
        operation_id = "labour_rates_list"
    )]
    async fn list_labour(&self, auth: TenantAuth) -> ApiResult<LabourList> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let mut tx = ctx.tx(&self.state).await?;
        let list = labour_rates(&mut tx).await?;
        tx.commit().await?;
        Ok(LabourList::Ok(Json(list)))
    }

    /// Set the tenant's labour rate for a window type (admins only).
    #[oai(
        path = "/labour-rates/:window_type",
        method = "put",
        operation_id = "labour_rates_put"
    )]
    async fn put_labour(
        &self,
        auth: TenantAuth,
        window_type: Path<String>,
        body: JsonBody<LabourRateInput>,
    ) -> ApiResult<LabourAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let window_type = parse_window_type(&window_type.0)?;
        if body.complexity.amount() <= Decimal::ZERO {
            return Err(ApiError::invalid_field("complexity", "must be more than 0"));
        }
        let mut tx = ctx.tx(&self.state).await?;
        let tenant = tx.tenant();
        sqlx::query(
            r#"INSERT INTO labour_rates (tenant_id, window_type, rate, complexity)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (tenant_id, window_type) DO UPDATE
                  SET rate = EXCLUDED.rate, complexity = EXCLUDED.complexity, updated_at = now()"#,
        )
        .bind(tenant)
        .bind(window_type.as_str())
        .bind(body.rate_per_m2)
        .bind(body.complexity)
        .execute(tx.conn())
        .await?;
        self.done(ctx, tx).await?;
        Ok(LabourAnswer::Ok(Json(LabourRate {
            window_type,
            rate_per_m2: body.rate_per_m2,
            complexity: body.complexity,
            source: Source::Tenant,
        })))
    }

    /// Remove the tenant's labour rate for a window type (admins only); the default
    /// applies again.
    #[oai(
        path = "/labour-rates/:window_type",
        method = "delete",
        operation_id = "labour_rates_delete"
    )]
    async fn delete_labour(
        &self,
        auth: TenantAuth,
        window_type: Path<String>,
    ) -> ApiResult<Removed> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteCatalog)?;
        let window_type = parse_window_type(&window_type.0)?;
        let mut tx = ctx.tx(&self.state).await?;
        let tenant = tx.tenant();
        let done =
            sqlx::query("DELETE FROM labour_rates WHERE tenant_id = $1 AND window_type = $2")
                .bind(tenant)
                .bind(window_type.as_str())
                .execute(tx.conn())
                .await?;
        if done.rows_affected() == 0 {
            return Err(ApiError::not_found(
                "labour_rate_not_found",
                format!(
                    "this tenant has no labour rate of its own for {}",
                    window_type.as_str()
                ),
            ));
        }
        self.done(ctx, tx).await?;
        Ok(Removed::NoContent)
    }
}
