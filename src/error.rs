//! The one API error type. 4xx bodies explain the problem; 5xx bodies carry only a
//! reference id, and the cause chain goes to the log.

use std::borrow::Cow;
use std::sync::Arc;

use poem::http::StatusCode;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, Object};
use serde_json::Value;

/// The JSON envelope of every error answer.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
#[oai(rename = "Error")]
pub struct ErrorBody {
    /// Stable, machine-readable error code, e.g. `price_not_found`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// Structured context: the offending field, a reference id, ...
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<Value>,
}

/// An error answered to an API client.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: String,
    details: Option<Value>,
    headers: Vec<(&'static str, String)>,
    /// What the error was made from, for callers inside the app (the web pages
    /// word it in their language); never sent. A thin pointer (the box inside
    /// the `Arc`), so the error stays small enough to return by value.
    cause: Option<Arc<Box<dyn std::any::Any + Send + Sync>>>,
}

impl ApiError {
    /// An error with an explicit status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
            details: None,
            headers: Vec::new(),
            cause: None,
        }
    }

    /// Keeps what the error was made from (e.g. the engine's error with its
    /// kind), for [`ApiError::cause`]; the answer does not change.
    pub fn with_cause<T: std::any::Any + Send + Sync>(mut self, cause: T) -> Self {
        self.cause = Some(Arc::new(Box::new(cause)));
        self
    }

    /// What the error was made from, when it is a `T`.
    pub fn cause<T: std::any::Any>(&self) -> Option<&T> {
        let cause: &(dyn std::any::Any + Send + Sync) = self.cause.as_deref()?.as_ref();
        cause.downcast_ref()
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Adds a response header (e.g. `Retry-After`).
    pub fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// A response header set with [`ApiError::with_header`], by name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// 400: the request is malformed; `field` names the culprit.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422: well-formed but invalid; names the field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", message)
            .with_details(serde_json::json!({ "field": field }))
    }

    /// 401: no valid credentials.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "a valid session token or API key is required",
        )
    }

    /// 403: authenticated, but the role does not allow this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404 with a specific code.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409 with a specific code.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 503: a dependency is unavailable.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
            .with_header("Retry-After", "1".to_owned())
    }

    /// 500: logs the cause chain with a fresh reference id and returns an opaque error.
    pub fn internal(context: &str, err: impl Into<anyhow::Error>) -> Self {
        let reference = uuid::Uuid::new_v4();
        let err = err.into();
        tracing::error!(%reference, error = ?err.context(context.to_owned()), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an internal error occurred; quote the reference when reporting it",
        )
        .with_details(serde_json::json!({ "reference": reference.to_string() }))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The structured details, if any (a 500's `reference`, a 422's `field`).
    pub fn details(&self) -> Option<&Value> {
        self.details.as_ref()
    }

    /// The field a validation error names (`details.field`), if any.
    pub fn field(&self) -> Option<&str> {
        self.details.as_ref()?.get("field")?.as_str()
    }

    fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.to_string(),
            message: self.message.clone(),
            details: self.details.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::PoolTimedOut = err {
            return Self::unavailable("the database is busy; try again");
        }
        if database_unreachable(&err) {
            tracing::warn!(%err, "database unreachable");
            return Self::unavailable("the database is unreachable; try again shortly");
        }
        Self::internal("database query", err)
    }
}

/// Whether an error says the database cannot be reached now (down, restarting,
/// out of connections) rather than that a query is wrong: a retry may succeed.
fn database_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P01-57P03: shutting down, crashed,
            // starting up; 53300: too many connections.
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> poem::Response {
        let body = self.body().to_json().unwrap_or(Value::Null);
        let mut resp = poem::Response::builder()
            .status(self.status)
            .content_type("application/json; charset=utf-8")
            .body(body.to_string());
        for (name, value) in &self.headers {
            if let Ok(value) = poem::http::HeaderValue::from_str(value) {
                resp.headers_mut().insert(*name, value);
            }
        }
        resp
    }
}

impl ApiResponse for ApiError {
    fn meta() -> MetaResponses {
        let content = || {
            vec![MetaMediaType {
                content_type: "application/json; charset=utf-8",
                schema: ErrorBody::schema_ref(),
            }]
        };
        MetaResponses {
            responses: vec![
                MetaResponse {
                    description: "Client error: the body explains what to change",
                    status: None,
                    status_range: Some("4XX".to_owned()),
                    content: content(),
                    headers: vec![],
                },
                MetaResponse {
                    description: "Server error: the body carries a reference id",
                    status: None,
                    status_range: Some("5XX".to_owned()),
                    content: content(),
                    headers: vec![],
                },
            ],
        }
    }

    fn register(registry: &mut Registry) {
        ErrorBody::register(registry);
    }
}

/// Result of an API operation.
pub type ApiResult<T> = Result<T, ApiError>;

/// Renders any error leaving the endpoint in the shared envelope: our own errors as
/// they are, poem's and poem-openapi's (parse errors, 404 routes, 405, 413, ...) with
/// a code derived from the status and their message, which names the field.
pub fn render_error(err: poem::Error) -> poem::Response {
    if let Some(api) = err.downcast_ref::<ApiError>() {
        return poem::error::ResponseError::as_response(api);
    }
    let status = err.status();
    let api = if status.is_server_error() {
        ApiError::internal("request handling", anyhow::anyhow!("{err}"))
    } else {
        let code = match status {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::UNAUTHORIZED => "unauthenticated",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_field",
            _ => "client_error",
        };
        let message = match status {
            StatusCode::UNAUTHORIZED => ApiError::unauthenticated().message,
            StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_owned(),
            StatusCode::NOT_FOUND if err.to_string().is_empty() => "no such route".to_owned(),
            _ => err.to_string(),
        };
        ApiError::new(status, code, message)
    };
    poem::error::ResponseError::as_response(&api)
}

/// The name of the constraint a database error violated, if any.
pub fn violated_constraint(err: &sqlx::Error) -> Option<&str> {
    match err {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}
