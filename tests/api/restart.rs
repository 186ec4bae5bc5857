//! Drill: PostgreSQL restarted under load. On a private PostgreSQL cluster the test
//! creates (Debian's binaries, its own data directory and port), writers create
//! clients without pause while the cluster restarts (`pg_ctl restart -m fast`). The
//! pool recovers by itself; every write that answered 201 is there afterwards, none
//! that answered an error is, and the errors are 503 with `Retry-After` (never 500).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use ventanas::config::ExposeSecret as _;

use crate::helpers::{spawn_app_with, TestApp};

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A throw-away PostgreSQL cluster on a free port, stopped and removed on drop.
struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
}

/// Runs a PostgreSQL binary as the `postgres` user when we are root (initdb and the
/// server refuse root), else as ourselves.
fn pg(binary: &str, args: &[&str]) -> std::process::Output {
    let path = format!("{BIN}/{binary}");
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        Command::new(&path)
    };
    command.args(args).output().expect("PostgreSQL binary runs")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn ok(output: std::process::Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl PrivatePostgres {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = std::env::temp_dir().join(format!("vt-pg-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("data directory");
        if is_root() {
            ok(
                Command::new("chown")
                    .args(["postgres:postgres", dir.to_str().expect("utf-8")])
                    .output()
                    .expect("chown"),
                "chown",
            );
        }
        let data = dir.join("data");
        let data = data.to_str().expect("utf-8");
        ok(
            pg(
                "initdb",
                &[
                    "-D",
                    data,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
            ),
            "initdb",
        );
        let cluster = Self { dir, port };
        cluster.ctl(&["start"]);
        let roles = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/db/roles.sql");
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ])
            .args(["-q", "-v", "ON_ERROR_STOP=1"])
            .args(["-v", "owner_password=ventanas_owner_local"])
            .args(["-v", "app_password=ventanas_app_local"])
            .args(["-v", "platform_password=ventanas_platform_local"])
            .arg("-f")
            .arg(&roles)
            .output()
            .expect("psql runs");
        ok(out, "roles.sql");
        cluster
    }

    fn ctl(&self, action: &[&str]) {
        ctl(&self.dir, self.port, action);
    }
}

/// `pg_ctl` on the cluster in `dir`, serving on `port`.
fn ctl(dir: &Path, port: u16, action: &[&str]) {
    let data = dir.join("data");
    let log = dir.join("log");
    let options = format!(
        "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
        dir.display()
    );
    let mut args = vec!["-D", data.to_str().expect("utf-8"), "-w", "-t", "60"];
    args.extend(["-o", &options, "-l", log.to_str().expect("utf-8")]);
    args.extend(action);
    ok(pg("pg_ctl", &args), "pg_ctl");
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = pg(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Points every database URL of the server at `port`.
fn on_port(settings: &mut ventanas::config::Settings, port: u16) {
    for url in [
        &mut settings.database.url,
        &mut settings.database.platform_url,
        &mut settings.database.owner_url,
    ] {
        let mut parsed = url::Url::parse(url.expose_secret()).expect("url");
        parsed.set_port(Some(port)).expect("port");
        *url = parsed.to_string().into();
    }
}

/// What the writers saw: names answered 201, names answered an error (status).
#[derive(Default)]
struct Outcomes {
    created: Vec<String>,
    failed: Vec<(String, u16, bool)>,
}

async fn writer(
    app: Arc<TestApp>,
    token: String,
    id: usize,
    until: Instant,
    seen: Arc<Mutex<Outcomes>>,
) {
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let name = format!("Cliente {id}-{n}");
        // Straight through the client: a transport error is an outcome here, not a panic.
        let resp = app
            .client
            .request(Method::POST, app.url("/api/v1/clients"))
            .bearer_auth(&token)
            .json(&json!({ "name": name }))
            .send()
            .await;
        let outcome = match resp {
            Ok(resp) if resp.status() == StatusCode::CREATED => Ok(name),
            Ok(resp) => {
                let retry = resp.headers().contains_key("retry-after");
                Err((name, resp.status().as_u16(), retry))
            }
            // No answer at all (the client's timeout): neither kind; not expected.
            Err(e) => Err((format!("{name}: {e}"), 0, false)),
        };
        {
            let mut seen = seen.lock().expect("outcomes");
            match outcome {
                Ok(name) => seen.created.push(name),
                Err(failed) => seen.failed.push(failed),
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_under_load_loses_no_acknowledged_write_and_keeps_no_refused_one() {
    let cluster = PrivatePostgres::start();
    let port = cluster.port;
    let app = Arc::new(spawn_app_with(|s| on_port(s, port)).await);
    let t = app.onboard("reinicio").await;

    let seen = Arc::new(Mutex::new(Outcomes::default()));
    let until = Instant::now() + Duration::from_secs(4);
    let writers: Vec<_> = (0..4)
        .map(|id| {
            tokio::spawn(writer(
                Arc::clone(&app),
                t.admin_token.clone(),
                id,
                until,
                Arc::clone(&seen),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let before = seen.lock().expect("outcomes").created.len();
    // Off the runtime's threads: the server and the writers keep running meanwhile.
    let dir = cluster.dir.clone();
    tokio::task::spawn_blocking(move || ctl(&dir, port, &["-m", "fast", "restart"]))
        .await
        .expect("restart");
    for w in writers {
        w.await.expect("writer");
    }

    let seen = std::mem::take(&mut *seen.lock().expect("outcomes"));
    eprintln!(
        "restart drill: {} created ({before} before the restart), {} refused",
        seen.created.len(),
        seen.failed.len()
    );
    assert!(before > 0, "writes went through before the restart");
    assert!(
        seen.created.len() > before,
        "the pool recovered by itself: writes succeeded after the restart"
    );
    for (name, status, retry) in &seen.failed {
        assert!(
            *status == 503 && *retry,
            "{name}: answered {status} (retry-after: {retry}); only 503 with Retry-After is right"
        );
    }
    let all = list_all_client_names(&app, &t.admin_token).await;
    for name in &seen.created {
        assert!(all.contains(name), "{name} answered 201 and is gone");
    }
    for (name, _, _) in &seen.failed {
        assert!(!all.contains(name), "{name} answered an error and is there");
    }
    assert_eq!(all.len(), seen.created.len(), "nothing else was written");
    if let Ok(app) = Arc::try_unwrap(app) {
        app.cleanup().await;
    }
    drop(cluster);
}

/// Every client's name, following the list's cursor.
async fn list_all_client_names(app: &TestApp, token: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut path = "/api/v1/clients?limit=100".to_owned();
    loop {
        let page = app.get_json(&path, token).await;
        for c in page["items"].as_array().expect("items") {
            names.push(c["name"].as_str().expect("name").to_owned());
        }
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/clients?limit=100&cursor={next}"),
            None => return names,
        }
    }
}
