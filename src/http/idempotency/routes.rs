//! Which operations honour `Idempotency-Key`: exactly those that declare the header
//! in the OpenAPI document. Declaring it is the one switch, so the document and the
//! behaviour cannot drift apart; `tests/api/idempotency.rs` checks that every POST
//! either declares it or is on its short list of exceptions.

use poem::http::Method;
use poem_openapi::registry::{MetaApi, MetaOperation, MetaParamIn};

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// The credential an operation takes, which decides whose keys it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A tenant user's session (bearer token or cookie): the tenant's keys.
    Session,
    /// A platform API key: the platform's keys.
    PlatformKey,
}

/// One operation that honours the header.
#[derive(Debug)]
pub struct Route {
    pub operation_id: &'static str,
    pub credential: Credential,
    method: Method,
    /// The path template split at `/`; `None` stands for a `{parameter}`.
    segments: Vec<Option<String>>,
}

impl Route {
    fn matches(&self, method: &Method, path: &str) -> bool {
        let mut parts = split(path);
        *method == self.method
            && self
                .segments
                .iter()
                .all(|segment| match (segment, parts.next()) {
                    (Some(literal), Some(part)) => literal == part,
                    (None, Some(part)) => !part.is_empty(),
                    (_, None) => false,
                })
            && parts.next().is_none()
    }
}

/// The operations that honour the header, found in the API's metadata.
#[derive(Debug)]
pub struct Routes(Vec<Route>);

impl Routes {
    /// Every operation declaring the header. An operation that declares it without
    /// an operation id or a credential is a programming error: refuse to start.
    pub fn from_meta(apis: &[MetaApi]) -> anyhow::Result<Self> {
        let mut routes = Vec::new();
        for path in apis.iter().flat_map(|api| &api.paths) {
            for operation in path.operations.iter().filter(|op| declares_header(op)) {
                let operation_id = operation.operation_id.ok_or_else(|| {
                    anyhow::anyhow!("{} declares {HEADER} without an operation id", path.path)
                })?;
                let credential = credential(operation).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{operation_id} declares {HEADER} but takes no session or platform key"
                    )
                })?;
                routes.push(Route {
                    operation_id,
                    credential,
                    method: operation.method.clone(),
                    segments: split(&path.path)
                        .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                        .collect(),
                });
            }
        }
        Ok(Self(routes))
    }

    /// The operation a request is for, if it honours the header.
    pub fn find(&self, method: &Method, path: &str) -> Option<&Route> {
        self.0.iter().find(|route| route.matches(method, path))
    }

    /// The operation ids, for logs and tests.
    pub fn operation_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|route| route.operation_id)
    }
}

/// The segments of a path; a trailing `/` adds none.
fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_matches('/').split('/').filter(|s| !s.is_empty())
}

fn declares_header(operation: &MetaOperation) -> bool {
    operation
        .params
        .iter()
        .any(|p| p.in_type == MetaParamIn::Header && p.name.eq_ignore_ascii_case(HEADER))
}

/// The credential of an operation, by the security schemes it lists (see `auth`).
fn credential(operation: &MetaOperation) -> Option<Credential> {
    let schemes = || operation.security.iter().flat_map(|s| s.keys().copied());
    if schemes().any(|name| name == "platform_key") {
        Some(Credential::PlatformKey)
    } else if schemes().any(|name| name.starts_with("session_")) {
        Some(Credential::Session)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::OpenApi as _;

    use super::*;

    fn routes() -> Routes {
        Routes::from_meta(&crate::api::Apis::meta()).expect("routes")
    }

    #[test]
    fn creating_posts_are_found_by_method_and_path_with_their_credential() {
        let routes = routes();
        let id = "0b7c2a8e-6f5e-4d8a-9a57-3c1f2f9d1e20";
        let cases = [
            (
                Method::POST,
                "/api/v1/quotes".to_owned(),
                Some(("quotes_create", Credential::Session)),
            ),
            (
                Method::POST,
                "/api/v1/quotes/".to_owned(),
                Some(("quotes_create", Credential::Session)),
            ),
            (
                Method::POST,
                format!("/api/v1/quotes/{id}/duplicate"),
                Some(("quotes_duplicate", Credential::Session)),
            ),
            (
                Method::POST,
                "/api/v1/users".to_owned(),
                Some(("users_create", Credential::Session)),
            ),
            (
                Method::POST,
                "/api/v1/platform/tenants".to_owned(),
                Some(("platform_tenants_create", Credential::PlatformKey)),
            ),
            (Method::GET, "/api/v1/quotes".to_owned(), None),
            (Method::POST, "/api/v1/quotes/preview".to_owned(), None),
            (Method::POST, format!("/api/v1/quotes/{id}/send"), None),
            (Method::POST, "/api/v1/quotes//duplicate".to_owned(), None),
            (Method::POST, "/api/v1/auth/login".to_owned(), None),
            (
                Method::POST,
                "/api/v1/quotes/extra/segments".to_owned(),
                None,
            ),
        ];
        for (method, path, expected) in cases {
            let found = routes
                .find(&method, &path)
                .map(|route| (route.operation_id, route.credential));
            assert_eq!(found, expected, "{method} {path}");
        }
    }

    #[test]
    fn every_creating_operation_declares_the_header() {
        let mut ids: Vec<_> = routes().operation_ids().collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            [
                "clients_create",
                "materials_create",
                "platform_materials_create",
                "platform_tenants_create",
                "price_updates_apply",
                "price_updates_revert",
                "products_create",
                "quotes_create",
                "quotes_duplicate",
                "tax_rates_create",
                "users_create",
                "webhooks_create",
            ]
        );
    }
}
