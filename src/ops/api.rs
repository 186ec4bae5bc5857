//! `/health`, `/ready` and `/metrics`: what load balancers, orchestrators and
//! Prometheus ask of the service.

use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::metrics;
use crate::http::ApiTags;
use crate::state::AppState;

/// Liveness.
#[derive(Debug, Object)]
pub struct Health {
    /// Always `ok`: the process answers.
    pub status: String,
    /// The server's version, e.g. `0.1.0`.
    pub version: String,
}

/// Readiness: the state of each dependency.
#[derive(Debug, Object)]
pub struct Readiness {
    /// `ready` when the database answers; Redis being down degrades, not fails.
    pub status: String,
    /// `up` or `down`.
    pub database: String,
    /// `up`, `down` or `disabled`.
    pub redis: String,
}

#[derive(ApiResponse)]
enum ReadyAnswer {
    /// Ready: the database answers (Redis may still be down).
    #[oai(status = 200)]
    Ready(Json<Readiness>),
    /// Not ready: the database does not answer; keep traffic away.
    #[oai(status = 503)]
    NotReady(Json<Readiness>),
}

#[derive(ApiResponse)]
enum HealthAnswer {
    /// Alive.
    #[oai(status = 200)]
    Ok(Json<Health>),
}

#[derive(ApiResponse)]
enum MetricsAnswer {
    /// The metrics, as Prometheus text.
    #[oai(status = 200)]
    Ok(PlainText<String>),
}

/// Operations endpoints.
pub struct OpsApi {
    pub state: AppState,
}

#[OpenApi(tag = "ApiTags::Operations")]
impl OpsApi {
    /// Liveness: answers without any I/O.
    ///
    /// For the orchestrator's liveness probe: a failure means the process is stuck.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> HealthAnswer {
        HealthAnswer::Ok(Json(Health {
            status: "ok".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }))
    }

    /// Readiness: checks PostgreSQL (required) and Redis (optional).
    ///
    /// The service keeps answering from PostgreSQL without Redis, so Redis being
    /// down is reported but does not fail the check. The database is given 2 s.
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self) -> ReadyAnswer {
        let database_up = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            crate::db::repo::ping(&self.state.db.app),
        )
        .await
        .is_ok_and(|r| r.is_ok());
        let redis = self.state.cache.redis_state().await;
        let body = Readiness {
            status: if database_up { "ready" } else { "not_ready" }.to_owned(),
            database: if database_up { "up" } else { "down" }.to_owned(),
            redis: redis.as_str().to_owned(),
        };
        if database_up {
            ReadyAnswer::Ready(Json(body))
        } else {
            ReadyAnswer::NotReady(Json(body))
        }
    }

    /// Prometheus metrics: requests by operation, method and status with their
    /// latency, pool size and acquire time, cache hits by tier, Redis errors, the
    /// password-hashing queue and PDF render times.
    ///
    /// In the Prometheus text exposition format, for scraping.
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self) -> MetricsAnswer {
        let db = &self.state.db;
        metrics::pool("app", db.app.pg().size(), db.app.pg().num_idle());
        metrics::pool(
            "platform",
            db.platform.pg().size(),
            db.platform.pg().num_idle(),
        );
        metrics::cache(self.state.cache.stats());
        MetricsAnswer::Ok(PlainText(metrics::render()))
    }
}
