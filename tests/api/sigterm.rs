//! Drill: SIGTERM to the real `ventanas serve` process under load. What an
//! orchestrator does at every deploy: the requests in flight (readers, and an import
//! that takes a while) finish with their answers, nothing is answered 5xx or cut,
//! the process exits 0 within `server.shutdown_grace_seconds`, and then refuses
//! connections. (tests/api/drills.rs drives the same shutdown in-process.)

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use ventanas::config::ExposeSecret as _;

use crate::helpers::{repo_dir, slug, spawn_app_with, TestApp};

const GRACE_SECONDS: u64 = 10;

/// The service as its own process, on the test's database; killed if dropped
/// while still running.
struct Process {
    child: Child,
    url: String,
}

impl Process {
    async fn start(app: &TestApp) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let s = &app.settings;
        let child = Command::new(env!("CARGO_BIN_EXE_ventanas"))
            .arg("serve")
            .env("VENTANAS_ENV", "test")
            .env("VENTANAS_CONFIG_DIR", repo_dir().join("config"))
            .env("VENTANAS__SERVER__PORT", port.to_string())
            .env(
                "VENTANAS__SERVER__SHUTDOWN_GRACE_SECONDS",
                GRACE_SECONDS.to_string(),
            )
            // The default's drain (config/test.toml turns it off for the suite).
            .env("VENTANAS__SERVER__SHUTDOWN_DRAIN_IDLE_MS", "1000")
            .env("VENTANAS__SERVER__MAX_IMPORT_BYTES", "1000000")
            .env("VENTANAS__DATABASE__URL", s.database.url.expose_secret())
            .env(
                "VENTANAS__DATABASE__PLATFORM_URL",
                s.database.platform_url.expose_secret(),
            )
            .env(
                "VENTANAS__DATABASE__OWNER_URL",
                s.database.owner_url.expose_secret(),
            )
            .env("VENTANAS__REDIS__URL", s.redis.url.expose_secret())
            .env(
                "VENTANAS__REDIS__KEY_PREFIX",
                format!("{}_proc", s.redis.key_prefix),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ventanas serve starts");
        let process = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client
                .get(format!("{}/health", process.url))
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
            {
                return process;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("ventanas serve did not answer /health within 10 s");
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGTERM sent");
    }

    /// Waits for the process to exit, up to `limit`; its exit status.
    async fn exited_within(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "still running {limit:?} after SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the readers saw.
#[derive(Default)]
struct Seen {
    ok: AtomicUsize,
    /// Answers other than 200 (a 5xx would be a request cut by the shutdown).
    other: AtomicUsize,
    /// Requests that got no answer because the connection was refused or closed
    /// before the request went out: what a stopped server does, not a cut answer.
    refused: AtomicUsize,
    /// Requests that got no answer for another reason.
    broken: AtomicUsize,
}

async fn reader(client: reqwest::Client, url: String, token: String, seen: Arc<Seen>) {
    loop {
        match client.get(&url).bearer_auth(&token).send().await {
            Ok(resp) if resp.status() == StatusCode::OK => {
                let body: serde_json::Value = resp.json().await.expect("a whole JSON body");
                assert_eq!(body["price"], "85.00");
                seen.ok.fetch_add(1, Ordering::Relaxed);
            }
            Ok(_) => {
                seen.other.fetch_add(1, Ordering::Relaxed);
            }
            Err(err) if err.is_connect() => {
                seen.refused.fetch_add(1, Ordering::Relaxed);
                break;
            }
            Err(err) => {
                eprintln!("reader error: {err:?}");
                seen.broken.fetch_add(1, Ordering::Relaxed);
                break;
            }
        }
    }
}

#[tokio::test]
async fn sigterm_under_load_finishes_what_is_in_flight_and_exits_cleanly() {
    let app = spawn_app_with(|_| {}).await;
    let t = app.onboard(&slug("sigterm")).await;
    let mut process = Process::start(&app).await;

    // Readers on their own keep-alive connections, all along.
    let seen = Arc::new(Seen::default());
    let mut readers = Vec::new();
    for _ in 0..6 {
        readers.push(tokio::spawn(reader(
            reqwest::Client::new(),
            format!("{}/api/v1/prices/VID-CLARO-4", process.url),
            t.admin_token.clone(),
            Arc::clone(&seen),
        )));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(seen.ok.load(Ordering::Relaxed) > 0, "readers are served");

    // An import large enough to be still running when the signal arrives.
    let mut csv = String::from("code,name,category,unit,price\n");
    for i in 0..5_000 {
        csv.push_str(&format!(
            "CON-SIG-{i:05},Consumible {i},consumable,piece,{i}.25\n"
        ));
    }
    let import = tokio::spawn(
        reqwest::Client::new()
            .post(format!("{}/api/v1/materials/import", process.url))
            .bearer_auth(&t.admin_token)
            .header("Content-Type", "text/csv")
            .body(csv)
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let signalled = Instant::now();
    process.terminate();

    let resp = import
        .await
        .expect("joined")
        .expect("the import is answered");
    assert_eq!(resp.status(), StatusCode::OK, "finished, not cut");
    let report: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(report["created"].as_array().map(Vec::len), Some(5_000));

    let status = process
        .exited_within(Duration::from_secs(GRACE_SECONDS + 5))
        .await;
    assert!(status.success(), "exit status after SIGTERM: {status}");
    assert!(signalled.elapsed() < Duration::from_secs(GRACE_SECONDS));
    for r in readers {
        tokio::time::timeout(Duration::from_secs(5), r)
            .await
            .expect("readers stop once refused")
            .expect("reader ok");
    }
    assert_eq!(seen.other.load(Ordering::Relaxed), 0, "no answer but 200");
    assert_eq!(
        seen.broken.load(Ordering::Relaxed),
        0,
        "no request cut mid-way"
    );
    let after = reqwest::Client::new()
        .get(format!("{}/health", process.url))
        .send()
        .await;
    assert!(after.is_err(), "still serving after SIGTERM");

    // What the import answered for is in the database (read through the
    // in-process instance on the same database).
    let last = app
        .get_json("/api/v1/materials/CON-SIG-04999", &t.admin_token)
        .await;
    assert_eq!(last["price"], "4999.25", "{last}");
    app.cleanup().await;
}
