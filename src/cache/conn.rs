//! The command connection to Redis: one server through a `ConnectionManager`, or a
//! Redis Cluster through the cluster client. Both multiplex every caller over one
//! connection (per node), reconnect by themselves and apply the response timeout;
//! neither connects before the first command, so the service starts (and serves
//! from PostgreSQL) while Redis is away.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};
use tokio::sync::OnceCell;

use crate::config::RedisTopology;

/// A cheap clone of the shared command connection.
#[derive(Clone)]
pub(super) enum Conn {
    Single(ConnectionManager),
    Cluster(LazyCluster),
}

/// The cluster connection, made by the first command that needs it (a failed
/// attempt leaves the cell empty, and the next command tries again).
#[derive(Clone)]
pub(super) struct LazyCluster(Arc<(ClusterClient, OnceCell<ClusterConnection>)>);

impl LazyCluster {
    async fn get(&self) -> redis::RedisResult<ClusterConnection> {
        let (client, cell) = &*self.0;
        let conn = cell
            .get_or_try_init(|| client.get_async_connection())
            .await?;
        Ok(conn.clone())
    }
}

/// What the cache needs to reach Redis: the command connection and, for the
/// pub/sub subscriber, plain clients of the nodes to subscribe through (in a
/// cluster a message published on any node reaches the subscribers of all).
pub(super) struct Endpoints {
    pub(super) conn: Conn,
    pub(super) subscribe_via: Vec<redis::Client>,
}

impl Endpoints {
    pub(super) fn open(
        topology: &RedisTopology,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> anyhow::Result<Self> {
        match topology {
            RedisTopology::None => anyhow::bail!("no Redis configured"),
            RedisTopology::Single(url) => {
                let client = redis::Client::open(url.as_str())?;
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_response_timeout(Some(timeout))
                    .set_connection_timeout(Some(connect_timeout))
                    .set_number_of_retries(1)
                    .set_max_delay(Duration::from_millis(100));
                let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
                Ok(Self {
                    conn: Conn::Single(conn),
                    subscribe_via: vec![client],
                })
            }
            RedisTopology::Cluster(nodes) => {
                let client = ClusterClient::builder(nodes.iter().map(String::as_str))
                    .response_timeout(timeout)
                    .connection_timeout(connect_timeout)
                    .retries(1)
                    .build()?;
                let subscribe_via = nodes
                    .iter()
                    .map(|node| redis::Client::open(node.as_str()))
                    .collect::<Result<_, _>>()?;
                Ok(Self {
                    conn: Conn::Cluster(LazyCluster(Arc::new((client, OnceCell::new())))),
                    subscribe_via,
                })
            }
        }
    }
}

impl Conn {
    /// Whether keys of different hash slots must go in separate commands (a
    /// cluster refuses a pipeline across slots).
    pub(super) fn is_cluster(&self) -> bool {
        matches!(self, Conn::Cluster(_))
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(conn) => conn.req_packed_command(cmd),
            Conn::Cluster(lazy) => Box::pin(async move {
                let mut conn = lazy.get().await?;
                conn.req_packed_command(cmd).await
            }),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(conn) => conn.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(lazy) => Box::pin(async move {
                let mut conn = lazy.get().await?;
                conn.req_packed_commands(pipeline, offset, count).await
            }),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(conn) => conn.get_db(),
            Conn::Cluster(_) => 0,
        }
    }
}
