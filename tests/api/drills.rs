//! Fault drills against a private Redis the test starts itself (so pausing or
//! killing it disturbs no other test): an edit made while Redis is slow or gone is
//! visible on every instance within `cache.l1_ttl_ms`, whatever Redis did, and
//! readers on two instances never see an error meanwhile.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{slug, spawn_app_with, spawn_second_instance};

/// A `redis-server` of our own on a free loopback port; killed when dropped.
struct PrivateRedis {
    child: Child,
    url: String,
}

impl PrivateRedis {
    async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let redis = Self {
            child: Self::spawn(port),
            url: format!("redis://127.0.0.1:{port}"),
        };
        redis.wait_up().await;
        redis
    }

    fn spawn(port: u16) -> Child {
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts (Debian's redis-server package)")
    }

    async fn wait_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.command(&["PING"]).await.is_err() {
            assert!(Instant::now() < deadline, "private redis never answered");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills the server (its data goes with it).
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again, empty, on the same port.
    async fn restart(&mut self) {
        let port = self
            .url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port");
        self.child = Self::spawn(port);
        self.wait_up().await;
    }

    async fn command(&self, args: &[&str]) -> redis::RedisResult<redis::Value> {
        let client = redis::Client::open(self.url.as_str())?;
        let mut conn = client.get_multiplexed_async_connection().await?;
        let mut cmd = redis::cmd(args[0]);
        for arg in &args[1..] {
            cmd.arg(*arg);
        }
        cmd.query_async(&mut conn).await
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn an_edit_made_while_redis_is_paused_reaches_every_instance_within_the_l1_ttl() {
    let redis = PrivateRedis::start().await;
    let l1_ttl = Duration::from_millis(1000);
    let url = redis.url.clone();
    let app = spawn_app_with(move |s| {
        s.redis.url = url.into();
        s.cache.l1_ttl_ms = 1000;
    })
    .await;
    let second = spawn_second_instance(&app).await;
    let t = app.onboard(&slug("drill")).await;
    // Both instances hold the price, in L1 and in Redis; the second's L1 entry is
    // fresh, so it outlives the pause.
    assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "85.00");
    tokio::time::sleep(l1_ttl).await;
    assert_eq!(
        second.price_of("VID-CLARO-4", &t.admin_token).await,
        "85.00"
    );

    // Redis stops answering for 400 ms: the edit's invalidation cannot go out.
    redis
        .command(&["CLIENT", "PAUSE", "400", "ALL"])
        .await
        .expect("pause");
    app.set_price("VID-CLARO-4", &t.admin_token, "99.00").await;
    let answered = Instant::now();

    // Within the L1 TTL, the other instance serves the new price, and never the old
    // one again afterwards. (Its L1 entry expires after the pause: it then reads
    // Redis, which answers again, and must not find the old price there.)
    let deadline = answered + l1_ttl + Duration::from_millis(100);
    loop {
        let seen = second.price_of("VID-CLARO-4", &t.admin_token).await;
        if seen == "99.00" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second instance still serves {seen} {:?} after the edit",
            answered.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..20 {
        assert_eq!(
            second.price_of("VID-CLARO-4", &t.admin_token).await,
            "99.00"
        );
        assert_eq!(app.price_of("VID-CLARO-4", &t.admin_token).await, "99.00");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut second = second;
    second.stop_server().await;
    app.cleanup().await;
}

/// Reads a price on an instance; `None` for any answer but 200 (counted by the
/// caller as a failure).
async fn read_price(app: &crate::helpers::TestApp, token: &str) -> Option<String> {
    let resp = app.get("/api/v1/prices/VID-CLARO-6", token).await;
    if resp.status() != reqwest::StatusCode::OK {
        return None;
    }
    let body: serde_json::Value = resp.json().await.ok()?;
    body["price"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn redis_killed_and_restarted_under_load_never_yields_an_error_or_a_stale_price() {
    let mut redis = PrivateRedis::start().await;
    let l1_ttl = Duration::from_millis(1000);
    let url = redis.url.clone();
    let app = spawn_app_with(move |s| {
        s.redis.url = url.into();
        s.cache.l1_ttl_ms = 1000;
    })
    .await;
    let second = spawn_second_instance(&app).await;
    let t = app.onboard(&slug("kill")).await;
    let token = t.admin_token.clone();

    // Readers on both instances all along; any non-200 is a failure.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let failures = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut readers = tokio::task::JoinSet::new();
    for instance in [app.url(""), second.url("")] {
        let (stop, failures, token) = (stop.clone(), failures.clone(), token.clone());
        readers.spawn(async move {
            let client = reqwest::Client::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let resp = client
                    .get(format!("{instance}/api/v1/prices/VID-CLARO-6"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                if !resp.is_ok_and(|r| r.status() == reqwest::StatusCode::OK) {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Redis dies; an edit during the outage reaches the other instance within the
    // L1 TTL (its reads fall back to PostgreSQL).
    redis.kill();
    app.set_price("VID-CLARO-6", &token, "131.00").await;
    let edited = Instant::now();
    let deadline = edited + l1_ttl + Duration::from_millis(200);
    while read_price(&second, &token).await.as_deref() != Some("131.00") {
        assert!(
            Instant::now() < deadline,
            "stale on the second instance during the outage"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Redis returns, empty; another edit; nothing stale afterwards on either instance.
    redis.restart().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.set_price("VID-CLARO-6", &token, "132.00").await;
    let deadline = Instant::now() + l1_ttl + Duration::from_millis(200);
    while read_price(&second, &token).await.as_deref() != Some("132.00") {
        assert!(
            Instant::now() < deadline,
            "stale on the second instance after Redis returned"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..10 {
        assert_eq!(read_price(&app, &token).await.as_deref(), Some("132.00"));
        assert_eq!(read_price(&second, &token).await.as_deref(), Some("132.00"));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    while readers.join_next().await.is_some() {}
    assert_eq!(
        failures.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "no read failed"
    );
    let mut second = second;
    second.stop_server().await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_shutdown_lets_requests_in_flight_finish() {
    let app = spawn_app_with(|s| s.server.max_import_bytes = 1_000_000).await;
    let t = app.onboard(&slug("term")).await;
    // An import large enough to be still running when the shutdown starts.
    let mut csv = String::from("code,name,category,unit,price\n");
    for i in 0..5_000 {
        csv.push_str(&format!(
            "CON-TERM-{i:05},Consumible {i},consumable,piece,{i}.50\n"
        ));
    }
    let request = app
        .client
        .post(app.url("/api/v1/materials/import"))
        .bearer_auth(&t.admin_token)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut app = app;
    let started = Instant::now();
    app.stop_server().await; // the same graceful shutdown as SIGTERM
    let resp = in_flight.await.expect("joined").expect("answered");
    assert_eq!(resp.status(), reqwest::StatusCode::OK, "finished, not cut");
    let report: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(report["created"].as_array().map(Vec::len), Some(5_000));
    assert!(started.elapsed() < Duration::from_secs(app.settings.server.shutdown_grace_seconds));
    // Stopped: new connections are refused.
    let after = app.client.get(app.url("/health")).send().await;
    assert!(after.is_err(), "still serving after shutdown");
    app.cleanup().await;
}

/// A TCP proxy to a Redis that delays every chunk it forwards: a slow Redis.
async fn slow_proxy(to: &str, delay: Duration) -> String {
    let target = to.trim_start_matches("redis://").to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("proxy binds");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::join!(
                    delayed_copy(client_read, server_write, delay),
                    delayed_copy(server_read, client_write, delay),
                );
            });
        }
    });
    format!("redis://127.0.0.1:{port}")
}

async fn delayed_copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        tokio::time::sleep(delay).await;
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
}

#[tokio::test]
async fn a_slow_redis_is_skipped_and_every_read_still_answers_right() {
    let redis = PrivateRedis::start().await;
    let slow = slow_proxy(&redis.url, Duration::from_millis(300)).await;
    let app = spawn_app_with(move |s| {
        s.redis.url = slow.into();
        // No in-process cache: every read asks Redis, which answers too late.
        s.cache.l1_ttl_ms = 0;
    })
    .await;
    let t = app.onboard(&slug("slow")).await;
    app.set_price("VID-CLARO-6", &t.admin_token, "125.00").await;
    for _ in 0..20 {
        assert_eq!(
            read_price(&app, &t.admin_token).await.as_deref(),
            Some("125.00")
        );
    }
    let stats = app.state.cache.stats();
    assert!(
        stats
            .redis_errors
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0,
        "Redis calls timed out and were skipped"
    );
    assert_eq!(
        stats.l2_hits.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "nothing came from the slow Redis"
    );
    app.cleanup().await;
}
