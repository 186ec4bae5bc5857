//! `/api/v1/price-history`: every recorded price change of the tenant, and the
//! platform's changes to the defaults it inherits. Read-only; any role may read it.

use chrono::{DateTime, Utc};
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use uuid::Uuid;

use super::model::PriceHistoryPage;
use super::repo::{self, HistoryFilter};
use crate::auth::rbac::Permission;
use crate::auth::TenantAuth;
use crate::catalog::{Category, MaterialCode};
use crate::error::{ApiError, ApiResult};
use crate::http::{ApiTags, PageRequest};
use crate::ids::{BatchId, UserId};
use crate::state::AppState;

#[derive(ApiResponse)]
enum HistoryAnswer {
    /// A page of price changes, newest first.
    #[oai(status = 200)]
    Ok(Json<PriceHistoryPage>),
}

/// Price history endpoints.
pub struct PriceHistoryApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1/price-history", tag = "ApiTags::PriceAdmin")]
impl PriceHistoryApi {
    /// Lists price changes.
    ///
    /// Every change of the tenant's prices (`edit`, `bulk`, `import`, `revert`,
    /// `seed`) and the platform's changes to defaults the tenant inherits
    /// (`platform`), newest first, paged (pass `next` back as `cursor`). The filters
    /// combine; `from` is inclusive, `to` exclusive. The history cannot be changed
    /// through the API. Any role may read it.
    ///
    /// Errors: 400 bad_request; 422 invalid_field.
    #[oai(path = "/", method = "get", operation_id = "price_history_list")]
    #[allow(clippy::too_many_arguments)] // one per documented query parameter
    async fn list(
        &self,
        auth: TenantAuth,
        /// Only changes of this material code.
        code: Query<Option<String>>,
        /// Only changes of materials of this category.
        category: Query<Option<Category>>,
        /// Only changes made by this user.
        user_id: Query<Option<Uuid>>,
        /// Only changes of this batch (bulk update, import or revert).
        batch_id: Query<Option<Uuid>>,
        /// Only changes made at or after this moment (RFC 3339, e.g.
        /// `2026-11-01T00:00:00Z`).
        from: Query<Option<DateTime<Utc>>>,
        /// Only changes made before this moment (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// Entries per page, 1 to 100 (default 50).
        limit: Query<Option<i64>>,
        /// The `next` of the previous page.
        cursor: Query<Option<String>>,
    ) -> ApiResult<HistoryAnswer> {
        let ctx = auth.ctx();
        ctx.require(Permission::ReadCatalog)?;
        let code = code
            .0
            .as_deref()
            .map(|c| MaterialCode::parse_field("code", c))
            .transpose()?;
        if let (Some(from), Some(to)) = (from.0, to.0) {
            if from >= to {
                return Err(ApiError::invalid_field("to", "must be after from"));
            }
        }
        let filter = HistoryFilter {
            code: code.map(|c| c.as_str().to_owned()),
            category: category.0,
            user_id: user_id.0.map(UserId),
            batch_id: batch_id.0.map(BatchId),
            from: from.0,
            to: to.0,
        };
        let page = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        let mut tx = ctx.tx(&self.state).await?;
        let (rows, total) = repo::history(&mut tx, &filter, &page).await?;
        tx.commit().await?;
        let (rows, next) = page.finish(rows, |(_, key)| key.clone());
        let items = rows.into_iter().map(|(entry, _)| entry).collect();
        Ok(HistoryAnswer::Ok(Json(PriceHistoryPage {
            items,
            total,
            next,
        })))
    }
}
