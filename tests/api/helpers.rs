//! Test harness: a migrated, seeded database per test, the app on port 0, and
//! clients for the API and for the database as the server's own runtime role.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::oneshot;
use uuid::Uuid;
use ventanas::auth::{repo as auth_repo, token};
use ventanas::config::{ExposeSecret as _, Settings};
use ventanas::db::{self, Db};
use ventanas::startup::Application;
use ventanas::state::AppState;
use ventanas::tenants::seed;

pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Settings for a test: `config/test.toml` (plus `VENTANAS__*` from the
/// environment, so CI can point at other servers), its own database and prefix.
pub fn test_settings(db_name: &str) -> Settings {
    let vars = std::env::vars().filter(|(k, _)| k.starts_with("VENTANAS__"));
    let mut settings = Settings::load_from(&repo_dir().join("config"), "test", vars)
        .expect("test settings load")
        .with_database_name(db_name);
    settings.redis.key_prefix = db_name.to_owned();
    settings
}

/// A running server with its own database.
pub struct TestApp {
    pub address: String,
    pub settings: Settings,
    pub db_name: String,
    pub client: reqwest::Client,
    pub platform_key: String,
    /// The server's shared state (its pools, cache, password hasher and PDF renderer).
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A tenant created through the onboarding API, with its admin logged in.
#[derive(Debug, Clone)]
pub struct TestTenant {
    pub id: Uuid,
    pub slug: String,
    pub admin_email: String,
    pub admin_password: String,
    pub admin_token: String,
}

pub const ADMIN_PASSWORD: &str = "correct horse battery";

/// A fresh test database's name: `vt_test_<unix seconds>_<random>`. The creation
/// time in the name lets `deploy/local/test` drop only the leftovers of interrupted
/// runs (old and unused), never the databases of a run going on beside it.
fn test_database_name() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("vt_test_{now}_{}", Uuid::new_v4().simple())
}

/// Creates a database, migrates and seeds it, then starts the app.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// As [`spawn_app`], with settings adjusted by `adjust` (after the database and
/// prefix are chosen).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let db_name = test_database_name();
    let mut settings = test_settings(&db_name);
    adjust(&mut settings);
    create_database(&settings, &db_name).await;
    migrate_seed_and_start(settings, db_name).await
}

/// A fresh test database's name (see [`spawn_app`]), for harnesses that create the
/// database themselves (tests/api/citus.rs).
pub fn new_database_name() -> String {
    test_database_name()
}

/// Migrates `settings`' database (created already; a migrated one is left as it
/// is), seeds the global catalogue and a platform key, then starts the app on it.
pub async fn migrate_seed_and_start(settings: Settings, db_name: String) -> TestApp {
    db::migrate(&settings.database.owner_url)
        .await
        .expect("migrations run");
    let database = Db::connect_lazy(&settings.database).expect("pools");
    let catalogue = seed::read_global(&repo_dir().join("tenants")).expect("global.toml");
    seed::sync_global(&database, &catalogue)
        .await
        .expect("global catalogue seeds");
    let platform_key = token::new_platform_key();
    auth_repo::insert_platform_key(
        &database.platform,
        ventanas::ids::PlatformKeyId::new_random(),
        "tests",
        &token::digest(&platform_key),
    )
    .await
    .expect("platform key");
    database.app.pg().close().await;
    database.platform.pg().close().await;
    let mut app = start_instance(settings, db_name).await;
    app.platform_key = platform_key;
    app
}

/// Starts another server process-equivalent against the same database and Redis
/// prefix (a second instance behind a load balancer).
pub async fn spawn_second_instance(first: &TestApp) -> TestApp {
    let mut app = start_instance(first.settings.clone(), first.db_name.clone()).await;
    app.platform_key = first.platform_key.clone();
    app
}

/// As [`spawn_second_instance`], with its settings adjusted by `adjust`.
pub async fn spawn_second_instance_with(
    first: &TestApp,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = first.settings.clone();
    adjust(&mut settings);
    let mut app = start_instance(settings, first.db_name.clone()).await;
    app.platform_key = first.platform_key.clone();
    app
}

/// An empty database named `name` beside `first`'s (dropped by the returned
/// instance's cleanup, once one is started on it with [`spawn_instance_on`]).
pub async fn create_empty_database(first: &TestApp, name: &str) {
    create_database(&first.settings, name).await;
}

/// A server on another database of the same cluster (e.g. a restored backup),
/// with `first`'s settings otherwise; its cleanup drops that database.
pub async fn spawn_instance_on(first: &TestApp, name: &str) -> TestApp {
    let settings = first.settings.clone().with_database_name(name);
    let mut app = start_instance(settings, name.to_owned()).await;
    app.platform_key = first.platform_key.clone();
    app
}

async fn start_instance(settings: Settings, db_name: String) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = app
            .run_until(async {
                let _ = stopped.await;
            })
            .await;
    });
    TestApp {
        address,
        settings,
        db_name,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client"),
        platform_key: String::new(),
        state,
        stop: Some(stop),
        server: Some(server),
    }
}

async fn owner_maintenance_connection(settings: &Settings) -> PgConnection {
    let url = settings
        .clone()
        .with_database_name("postgres")
        .database
        .owner_url;
    PgConnection::connect(url.expose_secret())
        .await
        .expect("owner connects to the postgres database")
}

/// A new database with the migrations up to `last` (inclusive) applied, as they were
/// before later ones, for migration tests. The caller drops it with
/// [`drop_database`].
pub async fn database_migrated_until(last: i64) -> Settings {
    let db_name = test_database_name();
    let settings = test_settings(&db_name);
    create_database(&settings, &db_name).await;
    let dir = std::env::temp_dir().join(format!("ventanas-migrations-{db_name}"));
    std::fs::create_dir_all(&dir).expect("temporary migrations folder");
    for entry in std::fs::read_dir(repo_dir().join("migrations")).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let version: i64 = name
            .split('_')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("version");
        if version <= last {
            std::fs::copy(&path, dir.join(&name)).expect("copy migration");
        }
    }
    let mut conn = PgConnection::connect(settings.database.owner_url.expose_secret())
        .await
        .expect("owner connects");
    sqlx::migrate::Migrator::new(dir.as_path())
        .await
        .expect("migrations read")
        .run(&mut conn)
        .await
        .expect("early migrations run");
    let _ = std::fs::remove_dir_all(&dir);
    settings
}

/// Drops a database made by [`database_migrated_until`].
pub async fn drop_database(settings: &Settings) {
    let name = settings
        .database
        .url
        .expose_secret()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut conn = owner_maintenance_connection(settings).await;
    let _ = sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
        .execute(&mut conn)
        .await;
}

async fn create_database(settings: &Settings, name: &str) {
    let mut conn = owner_maintenance_connection(settings).await;
    sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
        .execute(&mut conn)
        .await
        .expect("test database created");
}

impl TestApp {
    /// Stops the server and drops the database.
    pub async fn cleanup(mut self) {
        self.stop_server().await;
        let mut conn = owner_maintenance_connection(&self.settings).await;
        let dropped = sqlx::query(&format!(
            r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#,
            self.db_name
        ))
        .execute(&mut conn)
        .await;
        if let Err(err) = dropped {
            // Not a test failure; deploy/local/test sweeps leftovers later.
            eprintln!("test database {} not dropped: {err}", self.db_name);
        }
    }

    /// Stops the server only (for second instances sharing the database).
    pub async fn stop_server(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), server).await;
        }
    }

    /// This app's database URL for the backup role (deploy/db/roles.sql, created by
    /// the local and test clusters with this password): it reads every tenant's rows.
    pub fn backup_url(&self) -> String {
        let owner = self.settings.database.owner_url.expose_secret().to_owned();
        let mut url = url::Url::parse(&owner).expect("owner url");
        url.set_username("ventanas_backup").expect("user");
        url.set_password(Some("ventanas_backup_local"))
            .expect("password");
        url.to_string()
    }

    fn pool_options(&self, max: u32) -> PgPoolOptions {
        let options = PgPoolOptions::new().max_connections(max);
        if self.settings.database.citus {
            options.after_connect(|conn, _| Box::pin(db::repo::propagate_set_locally(conn)))
        } else {
            options
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A pool that logs in as the server's runtime role (row-level security applies).
    /// On Citus (`database.citus`), its connections forward `SET LOCAL` to the
    /// workers as the server's do.
    pub async fn runtime_pool(&self, max: u32) -> PgPool {
        self.pool_options(max)
            .connect(self.settings.database.url.expose_secret())
            .await
            .expect("runtime role connects")
    }

    /// A pool as the platform role.
    pub async fn platform_pool(&self) -> PgPool {
        self.pool_options(1)
            .connect(self.settings.database.platform_url.expose_secret())
            .await
            .expect("platform role connects")
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.client.request(method.clone(), self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        self.send(&method, path, req).await
    }

    /// Sends a request and checks the answer against the OpenAPI document (see
    /// `contract::answers`): every answer through these helpers is a contract check.
    pub async fn send(
        &self,
        method: &Method,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> reqwest::Response {
        let resp = req.send().await.expect("request sent");
        crate::contract::answers::checked(self, method, path, resp).await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    /// GET that must succeed; returns the JSON body.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let resp = self.get(path, token).await;
        expect_status(resp, StatusCode::OK, path).await
    }

    /// GET of a list that must succeed: checks the envelope (`items`, `total`,
    /// `next`) and returns the items as a JSON array.
    pub async fn get_items(&self, path: &str, token: &str) -> Value {
        let page = self.get_json(path, token).await;
        assert!(page["total"].is_i64(), "{path}: a list has a total: {page}");
        assert!(
            page["next"].is_null() || page["next"].is_string(),
            "{path}: a list has a next cursor or null: {page}"
        );
        let items = page["items"].clone();
        assert!(items.is_array(), "{path}: a list has items: {page}");
        items
    }

    /// PATCH with `If-Match`.
    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: Value,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(&body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        self.send(&Method::PATCH, path, req).await
    }

    /// Reads a material's ETag.
    pub async fn etag(&self, code: &str, token: &str) -> String {
        let resp = self.get(&format!("/api/v1/materials/{code}"), token).await;
        assert_eq!(resp.status(), StatusCode::OK, "GET material {code}");
        resp.headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .expect("ETag header")
            .to_owned()
    }

    /// Sets a material's price through the API (reading its ETag first).
    pub async fn set_price(&self, code: &str, token: &str, price: &str) -> Value {
        let tag = self.etag(code, token).await;
        let resp = self
            .patch(
                &format!("/api/v1/materials/{code}"),
                token,
                Some(&tag),
                json!({ "price": price }),
            )
            .await;
        expect_status(resp, StatusCode::OK, "PATCH price").await
    }

    /// Creates a client named `name`; returns its id.
    pub async fn new_client(&self, token: &str, name: &str) -> String {
        let resp = self
            .request(
                Method::POST,
                "/api/v1/clients",
                Some(token),
                Some(json!({ "name": name })),
            )
            .await;
        let body = expect_status(resp, StatusCode::CREATED, "client").await;
        body["id"].as_str().expect("client id").to_owned()
    }

    /// Saves a quote (`POST /api/v1/quotes` must answer 201); returns it.
    pub async fn create_quote(&self, token: &str, body: Value) -> Value {
        let resp = self
            .request(Method::POST, "/api/v1/quotes", Some(token), Some(body))
            .await;
        expect_status(resp, StatusCode::CREATED, "create quote").await
    }

    /// The effective price string of a code.
    pub async fn price_of(&self, code: &str, token: &str) -> String {
        let body = self
            .get_json(&format!("/api/v1/prices/{code}"), token)
            .await;
        body["price"].as_str().expect("price string").to_owned()
    }

    /// Onboards a tenant through the platform API and logs its admin in.
    pub async fn onboard(&self, slug: &str) -> TestTenant {
        let email = format!("admin@{slug}.example.mx");
        let resp = self
            .request(
                Method::POST,
                "/api/v1/platform/tenants",
                Some(&self.platform_key),
                Some(json!({ "slug": slug, "name": format!("Aluminios {slug}"),
                             "admin": { "email": email, "password": ADMIN_PASSWORD } })),
            )
            .await;
        let body = expect_status(resp, StatusCode::CREATED, "onboarding").await;
        let id: Uuid = body["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("tenant id");
        let admin_token = self.login(slug, &email, ADMIN_PASSWORD).await;
        TestTenant {
            id,
            slug: slug.to_owned(),
            admin_email: email,
            admin_password: ADMIN_PASSWORD.to_owned(),
            admin_token,
        }
    }

    /// Logs in; panics unless 200. Returns the token.
    pub async fn login(&self, slug: &str, email: &str, password: &str) -> String {
        let resp = self.try_login(slug, email, password).await;
        let body = expect_status(resp, StatusCode::OK, "login").await;
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn try_login(&self, slug: &str, email: &str, password: &str) -> reqwest::Response {
        self.request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "tenant": slug, "email": email, "password": password })),
        )
        .await
    }

    /// Creates a user with a role in the admin's tenant and logs it in.
    pub async fn user_token(&self, tenant: &TestTenant, role: &str) -> String {
        let email = format!(
            "{role}-{}@{}.example.mx",
            Uuid::new_v4().simple(),
            tenant.slug
        );
        let resp = self
            .request(
                Method::POST,
                "/api/v1/users",
                Some(&tenant.admin_token),
                Some(json!({ "email": email, "password": ADMIN_PASSWORD, "role": role })),
            )
            .await;
        expect_status(resp, StatusCode::CREATED, "create user").await;
        self.login(&tenant.slug, &email, ADMIN_PASSWORD).await
    }
}

/// Asserts the status (showing the body when it differs) and returns the JSON body
/// (`Null` for an empty one).
pub async fn expect_status(resp: reqwest::Response, status: StatusCode, what: &str) -> Value {
    let actual = resp.status();
    let text = resp.text().await.expect("body");
    assert_eq!(actual, status, "{what}: unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

/// Asserts an error answer: status, the shared envelope and its code.
pub async fn expect_error(
    resp: reqwest::Response,
    status: StatusCode,
    code: &str,
    what: &str,
) -> Value {
    let body = expect_status(resp, status, what).await;
    assert_eq!(body["code"], code, "{what}: error code; body: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: message; body: {body}"
    );
    body
}

/// A short unique slug.
pub fn slug(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..8])
}

/// Asserts an error answer in the shared envelope whose body names `named` (a field
/// or the offending value), as bad-input tables expect.
pub async fn expect_named_error(
    resp: reqwest::Response,
    status: StatusCode,
    named: &str,
    what: &str,
) -> Value {
    let body = expect_status(resp, status, what).await;
    assert!(
        body["code"].is_string() && body["message"].is_string(),
        "{what}: envelope {body}"
    );
    assert!(
        body.to_string().contains(named),
        "{what}: {named} not named in {body}"
    );
    body
}
