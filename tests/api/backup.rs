//! The backup procedure (deploy/backup/backup, then deploy/backup/restore into a new
//! database, as docs/runbook.md has it) restores every row, and a server started on
//! the restored database serves each shop its own data, sessions included, with
//! row-level security intact.

use std::process::Command;

use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret as _;
use serde_json::json;
use sqlx::{Connection as _, PgConnection};

use crate::helpers::{create_empty_database, spawn_app, spawn_instance_on};

fn script(name: &str, args: &[&str]) {
    let path = format!("{}/deploy/backup/{name}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(&path)
        .args(args)
        .output()
        .expect("script runs");
    assert!(
        out.status.success(),
        "{name} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every public table with its row count, read as the backup role (which sees
/// every tenant's rows).
async fn row_counts(url: &str) -> Vec<(String, i64)> {
    let mut conn = PgConnection::connect(url)
        .await
        .expect("backup role connects");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("tables");
    let mut counts = Vec::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(&format!(r#"SELECT count(*) FROM "{table}""#))
            .fetch_one(&mut conn)
            .await
            .expect("count");
        counts.push((table, n));
    }
    counts
}

#[tokio::test]
async fn a_backup_restores_every_row_and_the_restored_service_keeps_shops_apart() {
    let app = spawn_app().await;
    let a = app.onboard("respaldo-a").await;
    let b = app.onboard("respaldo-b").await;
    app.set_price("VID-CLARO-4", &a.admin_token, "91.00").await;
    let client = app.new_client(&a.admin_token, "Norte").await;
    let quote = app
        .create_quote(
            &a.admin_token,
            json!({ "client_id": client, "items": [{ "product": "VEN-CORR-NAC3",
                "width_cm": "150", "height_cm": "120", "quantity": 2,
                "glass": "VID-CLARO-4", "colour": "NAT" }] }),
        )
        .await;

    let file = std::env::temp_dir().join(format!("{}.dump", app.db_name));
    let file = file.to_str().expect("utf-8 path");
    script("backup", &[&app.backup_url(), file]);
    let restored = format!("{}_r", app.db_name);
    create_empty_database(&app, &restored).await;
    let restored_settings = app.settings.clone().with_database_name(&restored);
    let restored_owner = restored_settings.database.owner_url.expose_secret();
    script("restore", &[file, restored_owner]);
    std::fs::remove_file(file).expect("dump removed");
    let second = spawn_instance_on(&app, &restored).await;

    let source = row_counts(&app.backup_url()).await;
    let copy = row_counts(&second.backup_url()).await;
    assert!(
        source.iter().any(|(t, n)| t == "quotes" && *n == 1),
        "{source:?}"
    );
    assert_eq!(copy, source, "every table, every row");

    // The restored service: A's session still works and sees A's price and quote;
    // B sees its own default price and not A's quote.
    assert_eq!(
        second.price_of("VID-CLARO-4", &a.admin_token).await,
        "91.00"
    );
    assert_eq!(
        second.price_of("VID-CLARO-4", &b.admin_token).await,
        "85.00"
    );
    let path = format!("/api/v1/quotes/{}", quote["id"].as_str().expect("id"));
    let mine = second.get_json(&path, &a.admin_token).await;
    assert_eq!(mine["total"], quote["total"]);
    let theirs = second
        .request(Method::GET, &path, Some(&b.admin_token), None)
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);
    assert!(second.get_items("/api/v1/quotes", &b.admin_token).await == json!([]));

    second.cleanup().await;
    app.cleanup().await;
}
