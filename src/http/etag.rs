//! Optimistic concurrency: `If-Match` against the current entity tag.

use crate::error::{ApiError, ApiResult};

/// Compares `If-Match` (required) with the current tag of `what` (e.g. "material");
/// `*` matches anything.
pub fn check_if_match(what: &str, if_match: Option<&str>, current: &str) -> ApiResult<()> {
    let Some(if_match) = if_match else {
        return Err(ApiError::new(
            poem::http::StatusCode::PRECONDITION_REQUIRED,
            "if_match_required",
            format!(
                "send the {what}'s ETag in If-Match so concurrent edits cannot overwrite each other"
            ),
        ));
    };
    let matches = if_match.trim() == "*"
        || if_match
            .split(',')
            .any(|tag| tag.trim().trim_start_matches("W/") == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::new(
            poem::http::StatusCode::PRECONDITION_FAILED,
            "version_mismatch",
            format!("the {what} changed since you read it; read it again and retry"),
        )
        .with_details(serde_json::json!({ "current_etag": current })))
    }
}
