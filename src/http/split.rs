//! The first turn of a request: the API's operations go straight to the
//! poem-openapi service, everything else (the web app's pages, the document and
//! its viewer) to the route table.
//!
//! The service is a route table of its own. Nested in the outer one (as
//! `nest_no_strip("/api", ..)`), each API request was matched twice, boxed once
//! more at the nesting, and had its path pattern formatted into a new string at
//! each level: work for nothing, since the prefix alone says where it goes.

use std::future::Future;
use std::sync::Arc;

use futures_util::future::Either;
use futures_util::FutureExt as _;
use poem::endpoint::BoxEndpoint;
use poem::{Endpoint, Request, Response, Route};

/// The service's own paths outside `/api` (`/health`, `/ready`, `/metrics`) and
/// the API paths the route table serves instead (the document).
#[derive(Debug, Clone, Default)]
pub struct ApiPaths {
    /// Exact paths outside `/api` that are operations of the service.
    pub outside: Vec<String>,
    /// Exact paths under `/api` that are not (they go to the route table).
    pub excluded: Vec<String>,
}

impl ApiPaths {
    /// Whether `path` is the service's.
    pub fn is_api(&self, path: &str) -> bool {
        let under_api = path == "/api" || path.starts_with("/api/");
        if under_api {
            !self.excluded.iter().any(|p| p == path)
        } else {
            self.outside.iter().any(|p| p == path)
        }
    }
}

/// The API service beside the route table for the rest.
pub struct Split {
    api: Arc<BoxEndpoint<'static, Response>>,
    rest: Route,
    paths: ApiPaths,
}

impl Split {
    pub fn new(api: Arc<BoxEndpoint<'static, Response>>, rest: Route, paths: ApiPaths) -> Self {
        Self { api, rest, paths }
    }
}

impl Endpoint for Split {
    type Output = Response;

    fn call(&self, req: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        if self.paths.is_api(req.uri().path()) {
            Either::Left(self.api.call(req))
        } else {
            Either::Right(self.rest.call(req).boxed())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> ApiPaths {
        ApiPaths {
            outside: vec!["/health".into(), "/metrics".into()],
            excluded: vec!["/api/v1/openapi.json".into()],
        }
    }

    #[test]
    fn api_paths_are_the_prefix_and_the_listed_ones_outside_it() {
        let paths = paths();
        for path in [
            "/api",
            "/api/",
            "/api/v1/prices/VID-CLARO-6",
            "/api/v2",
            "/health",
        ] {
            assert!(paths.is_api(path), "{path}");
        }
        for path in [
            "/api/v1/openapi.json",
            "/apis",
            "/",
            "/catalogo",
            "/docs",
            "/health/",
            "/ready",
        ] {
            assert!(!paths.is_api(path), "{path}");
        }
    }
}
