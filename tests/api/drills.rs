//! Fault drills against a private Redis the test starts itself (so pausing it
//! disturbs no other test): an edit made while Redis is slow is visible on every
//! instance within `cache.l1_ttl_ms`, whatever Redis did.

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
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts (Debian's redis-server package)");
        let url = format!("redis://127.0.0.1:{port}");
        let redis = Self { child, url };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.command(&["PING"]).await.is_err() {
            assert!(Instant::now() < deadline, "private redis never answered");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        redis
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
