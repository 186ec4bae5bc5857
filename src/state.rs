//! Shared application state handed to every endpoint.

use std::sync::Arc;

use crate::auth::csrf::TrustedOrigins;
use crate::auth::login::Logins;
use crate::auth::password::Passwords;
use crate::auth::rbac::Authorizer;
use crate::cache::Cache;
use crate::config::Settings;
use crate::db::Db;
use crate::documents::renderer::Renderer;
use crate::webhooks::Webhooks;

/// Everything a request may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<StateInner>);

/// The contents of [`AppState`].
pub struct StateInner {
    pub settings: Settings,
    pub db: Db,
    pub cache: Cache,
    pub authz: Authorizer,
    pub passwords: Passwords,
    /// Origins besides a request's own that may send cookie-authenticated writes.
    pub origins: TrustedOrigins,
    pub logins: Logins,
    /// Bounds PDF renders and keeps logos decoded.
    pub pdf: Renderer,
    /// The webhook endpoints' signing key and target policy.
    pub webhooks: Webhooks,
}

impl AppState {
    /// Wraps the parts.
    pub fn new(inner: StateInner) -> Self {
        Self(Arc::new(inner))
    }
}

impl std::ops::Deref for AppState {
    type Target = StateInner;
    fn deref(&self) -> &StateInner {
        &self.0
    }
}
