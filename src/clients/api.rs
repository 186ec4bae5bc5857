//! `/api/v1/clients`: estimators and admins keep the shop's customers.

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::fields::merged;
use super::model::{Client, ClientInput, ClientList};
use super::repo;
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult};
use crate::http::optional_text;
use crate::http::ApiTags;
use crate::http::JsonBody;
use crate::http::PageRequest;
use crate::ids::ClientId;
use crate::state::AppState;

#[derive(ApiResponse)]
enum ClientListAnswer {
    /// A page of clients.
    #[oai(status = 200)]
    Ok(Json<ClientList>),
}

#[derive(ApiResponse)]
enum ClientAnswer {
    /// The client.
    #[oai(status = 200)]
    Ok(Json<Client>),
}

#[derive(ApiResponse)]
enum ClientCreated {
    /// Created (or, for a repeated `Idempotency-Key`, the first answer again).
    #[oai(status = 201)]
    Created(Json<Client>),
}

fn not_found(id: ClientId) -> ApiError {
    ApiError::not_found("client_not_found", format!("no client {id} in this tenant"))
}

/// Client endpoints.
pub struct ClientsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/clients", tag = "ApiTags::Quotes")]
impl ClientsApi {
    /// Clients by name, a page at a time.
    ///
    /// Any role may read them. `search` matches name, RFC or email; archived
    /// clients are left out unless `include_inactive=true`.
    ///
    /// Errors: 403 forbidden; 422 invalid_field.
    #[oai(path = "/", method = "get", operation_id = "clients_list")]
    async fn list(
        &self,
        auth: TenantAuth,
        /// Part of the name, RFC or email, any case, at most 100 characters, e.g.
        /// `pérez`.
        search: Query<Option<String>>,
        /// `true` adds archived clients (default `false`).
        include_inactive: Query<Option<bool>>,
        /// Clients per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The previous page's `next`, to read the page after it.
        cursor: Query<Option<String>>,
    ) -> ApiResult<ClientListAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let search = optional_text("search", search.0.as_ref(), 100)?;
        let include_inactive = include_inactive.0.unwrap_or(false);
        let mut tx = ctx.tx(&self.state).await?;
        let (rows, total) = repo::list(&mut tx, search.as_deref(), include_inactive, &page).await?;
        tx.commit().await?;
        let (items, next) = page.finish(rows, |c| c.id);
        Ok(ClientListAnswer::Ok(Json(ClientList {
            items,
            total,
            next,
        })))
    }

    /// Add a client (estimators and admins).
    ///
    /// Only `name` is needed; the rest can be filled in later with `PATCH`.
    ///
    /// Errors: 403 forbidden; 422 invalid_field.
    #[oai(path = "/", method = "post", operation_id = "clients_create")]
    async fn create(
        &self,
        auth: TenantAuth,
        /// Makes a retry safe: within 24 hours, the same request with the same key
        /// returns the first answer (`Idempotent-Replayed: true`) instead of creating
        /// again; another request with it is 422. 1 to 255 visible ASCII characters,
        /// e.g. a UUID.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<ClientInput>,
    ) -> ApiResult<ClientCreated> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let fields = merged(&body, None)?;
        let mut tx = ctx.tx(&self.state).await?;
        let client = repo::insert(&mut tx, &fields.borrow()).await?;
        tx.commit().await?;
        Ok(ClientCreated::Created(Json(client)))
    }

    /// One client.
    ///
    /// Archived or not; any role may read it.
    ///
    /// Errors: 403 forbidden; 404 client_not_found.
    #[oai(path = "/:id", method = "get", operation_id = "clients_get")]
    async fn get(
        &self,
        auth: TenantAuth,
        /// The client's id.
        id: Path<ClientId>,
    ) -> ApiResult<ClientAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadQuotes)?;
        let mut tx = ctx.tx(&self.state).await?;
        let client = repo::get(&mut tx, id.0)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        tx.commit().await?;
        Ok(ClientAnswer::Ok(Json(client)))
    }

    /// Change a client (estimators and admins).
    ///
    /// Absent fields stay as they are; `active: false` archives the client.
    /// Quotes already sent keep the client's details as they were printed.
    ///
    /// Errors: 403 forbidden; 404 client_not_found; 422 invalid_field.
    #[oai(path = "/:id", method = "patch", operation_id = "clients_update")]
    async fn update(
        &self,
        auth: TenantAuth,
        /// The client's id.
        id: Path<ClientId>,
        body: JsonBody<ClientInput>,
    ) -> ApiResult<ClientAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::WriteQuotes)?;
        let mut tx = ctx.tx(&self.state).await?;
        let current = repo::get(&mut tx, id.0)
            .await?
            .ok_or_else(|| not_found(id.0))?;
        let fields = merged(&body, Some(&current))?;
        let client = repo::update(&mut tx, id.0, &fields.borrow())
            .await?
            .ok_or_else(|| not_found(id.0))?;
        tx.commit().await?;
        Ok(ClientAnswer::Ok(Json(client)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::rfc_problem;

    #[test]
    fn rfcs_of_companies_and_people_are_accepted_and_others_refused() {
        for good in [
            "AAA010101AAA",
            "GODE561231GR8",
            "ÑAÑ010101AB1",
            "A&B010101AAA",
        ] {
            assert_eq!(rfc_problem(good), None, "{good}");
        }
        for bad in [
            "",
            "AA010101AAA",
            "AAAAA010101AAA",
            "AAA01010AAAA",
            "AAA01010AAA",
            "AAA010101aaa",
        ] {
            assert!(rfc_problem(bad).is_some(), "{bad:?}");
        }
    }
}
