//! Baselines for `benches/overhead.sh`: the least a poem server can do for each of
//! the service's paths, measured in the same run so the ratios mean something.
//!
//! - `GET /bare` and `GET /bare/{code}`: a fixed JSON answer the size of a price (no
//!   middleware, no I/O);
//! - `GET /redis/{code}`: one Redis `GET` of a prepared price, as JSON;
//! - `GET /sql/{code}`: one row-level-security transaction (begin, bind the tenant,
//!   select the material, commit) as the runtime role, as JSON.
//!
//! `cargo bench --bench baseline -- --serve ADDR` serves until killed, with
//! `BASELINE_DATABASE_URL`, `BASELINE_TENANT` and `BASELINE_REDIS_URL` /
//! `BASELINE_REDIS_KEY` set by the script. Under `cargo test` it only checks that
//! `/bare` answers.

use std::sync::Arc;

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Json, Path};
use poem::{get, handler, EndpointExt, Route, Server};
use serde_json::{json, Value};

struct Backends {
    redis: Option<redis::aio::ConnectionManager>,
    redis_key: String,
    db: Option<sqlx::PgPool>,
    tenant: String,
}

#[handler]
fn bare() -> Json<Value> {
    Json(json!({
        "code": "VID-CLARO-4", "name": "Vidrio Claro 4mm", "category": "glass", "unit": "m2",
        "price": "85.00", "currency": "MXN", "source": "tenant",
        "updated_at": "2026-12-02T10:00:00Z"
    }))
}

#[handler]
async fn from_redis(backends: Data<&Arc<Backends>>, code: Path<String>) -> Json<Value> {
    let Some(mut conn) = backends.redis.clone() else {
        return Json(json!({ "error": "no redis" }));
    };
    let key = format!("{}:{}", backends.redis_key, code.0);
    let raw: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap_or(None);
    Json(
        raw.and_then(|r| serde_json::from_str(&r).ok())
            .unwrap_or(Value::Null),
    )
}

#[handler]
async fn from_sql(backends: Data<&Arc<Backends>>, code: Path<String>) -> Json<Value> {
    let Some(db) = &backends.db else {
        return Json(json!({ "error": "no database" }));
    };
    let row: Result<Option<(String, rust_decimal::Decimal)>, sqlx::Error> = async {
        let mut tx = db.begin().await?;
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(&backends.tenant)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query_as("SELECT name, price FROM materials WHERE code = $1 AND active")
            .bind(&code.0)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }
    .await;
    Json(match row {
        Ok(Some((name, price))) => {
            json!({ "code": code.0, "name": name, "price": price.to_string() })
        }
        Ok(None) => Value::Null,
        Err(err) => json!({ "error": err.to_string() }),
    })
}

async fn backends() -> Backends {
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let redis = match env("BASELINE_REDIS_URL") {
        url if url.is_empty() => None,
        url => match redis::Client::open(url) {
            Ok(client) => redis::aio::ConnectionManager::new(client).await.ok(),
            Err(_) => None,
        },
    };
    let db = match env("BASELINE_DATABASE_URL") {
        url if url.is_empty() => None,
        url => sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .connect(&url)
            .await
            .ok(),
    };
    Backends {
        redis,
        redis_key: env("BASELINE_REDIS_KEY"),
        db,
        tenant: env("BASELINE_TENANT"),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let serve = args
        .iter()
        .position(|a| a == "--serve")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let app = Route::new()
        .at("/bare", get(bare))
        .at("/bare/:code", get(bare))
        .at("/redis/:code", get(from_redis))
        .at("/sql/:code", get(from_sql))
        .data(Arc::new(backends().await));
    let addr = serve.clone().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let acceptor = TcpListener::bind(addr).into_acceptor().await?;
    let port = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().map(|s| s.port()))
        .unwrap_or_default();
    if serve.is_some() {
        eprintln!("baseline serving on port {port}");
        return Server::new_with_acceptor(acceptor).run(app).await;
    }
    // Smoke test: serve briefly and ask /bare once.
    let server = tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    let answer = reqwest::get(format!("http://127.0.0.1:{port}/bare"))
        .await
        .and_then(|r| r.error_for_status());
    server.abort();
    match answer {
        Ok(_) => {
            println!("baseline: /bare answers");
            Ok(())
        }
        Err(err) => Err(std::io::Error::other(err)),
    }
}
