//! Adding, renaming and removing the tenant's own colours: the rules the API and
//! the web app share (the code and name checks, the cache after a change).

use super::model::{check_colour_code, check_colour_name, Colour};
use super::repo;
use crate::auth::TenantCtx;
use crate::catalog::model::Source;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Every problem of a colour to write (422 `invalid_field`), in the order [`save`]
/// answers the first: `code`, `name`.
pub fn problems(code: &str, name: &str) -> Vec<ApiError> {
    [
        check_colour_code("code", code),
        check_colour_name(name).map(|_| ()),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect()
}

/// Adds or renames the tenant's own colour `code` after [`problems`] (the first
/// one is the answer); naming a default's code makes it the tenant's own. The
/// caller has checked `WriteCatalog`. The colour as written.
pub async fn save(state: &AppState, ctx: &TenantCtx, code: &str, name: &str) -> ApiResult<Colour> {
    if let Some(first) = problems(code, name).into_iter().next() {
        return Err(first);
    }
    let name = check_colour_name(name)?;
    let mut tx = ctx.tx(state).await?;
    repo::put(&mut tx, code, name).await?;
    ctx.commit_catalog_change(state, tx).await?;
    Ok(Colour {
        code: code.to_owned(),
        name: name.to_owned(),
        source: Source::Tenant,
    })
}

/// Removes the tenant's own colour `code` (a default of that code applies again):
/// 404 `colour_not_found` when it has none. The caller has checked `WriteCatalog`.
pub async fn remove(state: &AppState, ctx: &TenantCtx, code: &str) -> ApiResult<()> {
    let mut tx = ctx.tx(state).await?;
    if !repo::delete(&mut tx, code).await? {
        return Err(ApiError::not_found(
            "colour_not_found",
            format!("this tenant has no colour {code} of its own"),
        ));
    }
    ctx.commit_catalog_change(state, tx).await
}
