//! Checks of text fields shared by every area; errors are 422s naming the field.

use crate::error::{ApiError, ApiResult};

/// A trimmed display name of 1 to 200 characters, or a 422 naming the field.
pub fn check_name<'a>(field: &str, raw: &'a str) -> Result<&'a str, ApiError> {
    let name = raw.trim();
    match name.chars().count() {
        0 => Err(ApiError::invalid_field(field, "must not be blank")),
        n if n > 200 => Err(ApiError::invalid_field(
            field,
            "must be at most 200 characters",
        )),
        _ => Ok(name),
    }
}

/// Trims an optional text field; empty means absent; too long is a 422.
pub fn optional_text(field: &str, value: Option<&String>, max: usize) -> ApiResult<Option<String>> {
    let Some(text) = value.map(|v| v.trim()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(ApiError::invalid_field(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(Some(text.to_owned()))
}
