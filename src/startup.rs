//! Builds the application from settings; knows its port; runs until stopped.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{IntoEndpoint, Route};
use poem_openapi::OpenApi as _;

use crate::auth::csrf::TrustedOrigins;
use crate::auth::login::Logins;
use crate::auth::password::Passwords;
use crate::auth::rbac::Authorizer;
use crate::cache::Cache;
use crate::config::Settings;
use crate::db::Db;
use crate::documents::renderer::Renderer;
use crate::http::front::{BodyLimits, Front};
use crate::http::split::{ApiPaths, Split};

/// The OpenAPI document's path (served by the route table, not the service).
const OPENAPI_PATH: &str = "/api/v1/openapi.json";
use crate::http::idempotency::Idempotency;
use crate::http::nul::PathTemplates;
use crate::http::server::{serve, AppEndpoint, ServerOptions};
use crate::state::{AppState, StateInner};
use crate::webhooks::secret::SigningKey;
use crate::webhooks::worker::{Worker, WorkerHandle};
use crate::webhooks::{RegistrationSecret, Webhooks};

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    acceptor: TcpAcceptor,
    endpoint: AppEndpoint,
    state: AppState,
    options: ServerOptions,
    worker: Option<Worker>,
}

impl Application {
    /// Connects, checks the database roles (refusing superuser, BYPASSRLS or table
    /// owners), loads the policy and binds the listener (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        crate::ops::metrics::install();
        let db = Db::connect_lazy(&settings.database)?;
        db.check_roles().await?;
        let cache = Cache::new(&settings.redis, &settings.cache)?;
        let authz = Authorizer::load()
            .await
            .context("loading the authorization policy")?;
        let passwords = Passwords::new(&settings.auth)?;
        let origins = TrustedOrigins::from_settings(&settings.server)?;
        let pdf = Renderer::new(&settings.pdf);
        let idempotency =
            Idempotency::new(&settings.idempotency, db.clone(), &crate::api::Apis::meta())?
                .with_secret_answer("webhooks_create", Arc::new(RegistrationSecret))?;
        let logins = Logins::new(&settings)?;
        let key = SigningKey::from_settings(&settings.webhooks)?;
        let worker = Worker::new(&settings.webhooks, &settings.database, &db, key.clone())?;
        let webhooks = Webhooks {
            key,
            allow_private_targets: settings.webhooks.allow_private_targets,
        };
        let addr = format!("{}:{}", settings.server.host, settings.server.port);
        let acceptor = TcpListener::bind(addr.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("binding {addr}"))?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .context("listener has no address")?;
        let options = ServerOptions {
            header_read_timeout: Duration::from_millis(settings.server.header_read_timeout_ms),
            grace: Duration::from_secs(settings.server.shutdown_grace_seconds),
            drain_idle: Duration::from_millis(settings.server.shutdown_drain_idle_ms),
        };
        let limits = BodyLimits {
            body: settings.server.max_body_bytes,
            import: settings.server.max_import_bytes,
        };
        let state = AppState::new(StateInner {
            settings,
            db,
            cache,
            authz,
            passwords,
            origins,
            logins,
            pdf,
            webhooks,
        });
        let endpoint = routes(&state, limits, Arc::new(idempotency));
        Ok(Self {
            port,
            acceptor,
            endpoint,
            state,
            options,
            worker,
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Shared state (tests use its pools and cache).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT/SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then lets in-flight requests finish. The
    /// webhook delivery worker (when enabled) runs alongside and stops after the
    /// server, letting its attempts in flight finish within the same grace period.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(port = self.port, "serving");
        let grace = self.options.grace;
        let worker: Option<WorkerHandle> = self.worker.map(Worker::spawn);
        let served = serve(self.acceptor, self.endpoint, stop, self.options).await;
        if let Some(worker) = worker {
            worker.stop(grace).await;
        }
        served
    }
}

/// All routes behind the front layer (`http::front`: request span, NUL characters
/// and body limits, shared state, idempotency keys, panics): the API's operations
/// straight to the poem-openapi service, the rest through the route table
/// (`http::split`).
pub fn routes(state: &AppState, limits: BodyLimits, idempotency: Arc<Idempotency>) -> AppEndpoint {
    let service = crate::api::service(state).server(state.settings.server.public_url.clone());
    let spec = crate::http::openapi::endpoint(&service.spec());
    let docs = service.swagger_ui();
    let meta = crate::api::Apis::meta();
    let templates = Arc::new(PathTemplates::from_meta(&meta));
    // `/health`, `/ready` and `/metrics`: operations outside `/api`.
    let paths = ApiPaths {
        outside: meta
            .iter()
            .flat_map(|api| &api.paths)
            .map(|p| p.path.to_owned())
            .filter(|p| !p.starts_with("/api/"))
            .collect(),
        excluded: vec![OPENAPI_PATH.to_owned()],
    };
    let service = Arc::new(service.into_endpoint());
    let rest = Route::new().at(OPENAPI_PATH, spec).nest("/docs", docs);
    let rest = crate::web::mount(rest, &state.settings);
    let split = Split::new(service, rest, paths);
    Front::new(split, state.clone(), limits, templates, idempotency)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
