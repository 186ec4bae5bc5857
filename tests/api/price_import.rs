//! CSV export and import: the round trip changes nothing, dry runs write nothing,
//! every problem is reported at once with nothing written, imports are batches
//! that revert, limits and roles hold, and shops never see each other's rows.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{expect_error, expect_status, slug, spawn_app, spawn_app_with, TestApp};

const HEADER: &str = "code,name,category,unit,price,currency,bar_length_m,active,source";

async fn export(app: &TestApp, token: &str) -> String {
    let resp = app.get("/api/v1/materials/export", token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    resp.text().await.expect("body")
}

async fn import(app: &TestApp, token: &str, csv: &str, dry_run: bool) -> reqwest::Response {
    let path = format!("/api/v1/materials/import?dry_run={dry_run}");
    let req = app
        .client
        .post(app.url(&path))
        .bearer_auth(token)
        .header("Content-Type", "text/csv; charset=utf-8")
        .body(csv.to_owned());
    app.send(&Method::POST, &path, req).await
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|c| c.as_str().expect("code"))
        .collect()
}

#[tokio::test]
async fn an_export_marks_own_and_inherited_rows_and_reimporting_it_changes_nothing() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("csv")).await;
    let file = export(&app, &t.admin_token).await;
    let mut lines = file.lines();
    assert_eq!(lines.next(), Some(HEADER));
    assert!(
        file.contains("\nVID-CLARO-4,Vidrio Claro 4mm,glass,m2,85.00,MXN,,true,tenant\n"),
        "{file}"
    );
    assert!(file.contains("\nHER-ROD-3,"), "inherited rows too");
    assert!(file
        .lines()
        .any(|l| l.starts_with("HER-ROD-3,") && l.ends_with(",15.00,MXN,,true,global")));
    assert!(
        file.lines()
            .any(|l| l.starts_with("PER-NAC3-RS,") && l.contains(",6.000,true,global")),
        "{file}"
    );
    let rows = file.lines().count() - 1;

    let resp = import(&app, &t.admin_token, &file, false).await;
    let report = expect_status(resp, StatusCode::OK, "re-import").await;
    assert_eq!(
        (report["created"].clone(), report["updated"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(codes(&report["unchanged"]).len(), rows);
    assert_eq!(report["batch_id"], Value::Null);
    assert_eq!(
        app.get_items("/api/v1/price-updates", &t.admin_token).await,
        json!([])
    );
    assert_eq!(export(&app, &t.admin_token).await, file, "nothing moved");
    app.cleanup().await;
}

#[tokio::test]
async fn an_import_creates_updates_and_withdraws_in_one_revertable_batch() {
    let app = spawn_app().await;
    an_import_creates_updates_and_withdraws_in_one_revertable_batch_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`an_import_creates_updates_and_withdraws_in_one_revertable_batch`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs).
pub(crate) async fn an_import_creates_updates_and_withdraws_in_one_revertable_batch_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("imp")).await;
    // Semicolons and a BOM, as a spreadsheet set to Spanish writes them.
    let csv = "\u{feff}code;name;category;unit;price;active\r\n\
               VID-CLARO-4;;;;90.00;\r\n\
               VID-NUEVO-8;\"Vidrio nuevo; 8 mm\";glass;m2;300.00;\r\n\
               HER-ROD-3;;;;16.00;\r\n\
               VID-BRONCE-4;;;;95.00;false\r\n\
               VID-CLARO-6;;;;120.00;\r\n";
    let resp = import(app, &t.admin_token, csv, true).await;
    let dry = expect_status(resp, StatusCode::OK, "dry run").await;
    assert_eq!(dry["dry_run"], true);
    assert_eq!(codes(&dry["created"]), ["VID-NUEVO-8", "HER-ROD-3"]);
    assert_eq!(codes(&dry["updated"]), ["VID-CLARO-4", "VID-BRONCE-4"]);
    assert_eq!(codes(&dry["unchanged"]), ["VID-CLARO-6"]);
    assert_eq!(
        app.price_of("VID-CLARO-4", &t.admin_token).await,
        "85.00",
        "dry run wrote"
    );
    let resp = app.get("/api/v1/prices/VID-NUEVO-8", &t.admin_token).await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "price_not_found",
        "dry run created",
    )
    .await;

    let resp = import(app, &t.admin_token, csv, false).await;
    let done = expect_status(resp, StatusCode::OK, "import").await;
    assert_eq!(
        (done["created"].clone(), done["updated"].clone()),
        (dry["created"].clone(), dry["updated"].clone())
    );
    let batch_id = done["batch_id"].as_str().expect("a batch").to_owned();
    for (code, price, source) in [
        ("VID-CLARO-4", "90.00", "tenant"),
        ("VID-NUEVO-8", "300.00", "tenant"),
        ("HER-ROD-3", "16.00", "tenant"),
        ("VID-BRONCE-4", "95.00", "global"),
    ] {
        let p = app
            .get_json(&format!("/api/v1/prices/{code}"), &t.admin_token)
            .await;
        assert_eq!(
            (p["price"].as_str(), p["source"].as_str()),
            (Some(price), Some(source)),
            "{code}"
        );
    }
    let nuevo = app
        .get_json("/api/v1/materials/VID-NUEVO-8", &t.admin_token)
        .await;
    assert_eq!(nuevo["name"], "Vidrio nuevo; 8 mm");
    let batch = app
        .get_json(&format!("/api/v1/price-updates/{batch_id}"), &t.admin_token)
        .await;
    assert_eq!(
        (&batch["kind"], &batch["count"]),
        (&json!("import"), &json!(4))
    );
    let history = app
        .get_items(
            &format!("/api/v1/price-history?batch_id={batch_id}"),
            &t.admin_token,
        )
        .await;
    assert!(history
        .as_array()
        .expect("items")
        .iter()
        .all(|h| h["kind"] == "import"));
    assert_eq!(history.as_array().map(Vec::len), Some(4));

    // The revert puts everything back as it was before the import.
    let resp = app
        .request(
            Method::POST,
            &format!("/api/v1/price-updates/{batch_id}/revert"),
            Some(&t.admin_token),
            None,
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "revert the import").await;
    for (code, price, source) in [
        ("VID-CLARO-4", "85.00", "tenant"),
        ("HER-ROD-3", "15.00", "global"),
        ("VID-BRONCE-4", "95.00", "tenant"),
    ] {
        let p = app
            .get_json(&format!("/api/v1/prices/{code}"), &t.admin_token)
            .await;
        assert_eq!(
            (p["price"].as_str(), p["source"].as_str()),
            (Some(price), Some(source)),
            "{code}"
        );
    }
    let resp = app.get("/api/v1/prices/VID-NUEVO-8", &t.admin_token).await;
    expect_error(resp, StatusCode::NOT_FOUND, "price_not_found", "withdrawn").await;
}

#[tokio::test]
async fn every_problem_of_a_file_is_reported_at_once_and_nothing_is_written() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("badcsv")).await;
    let csv = "code,name,category,unit,price\n\
               VID-CLARO-4,,,,99.00\n\
               VID-CLARO-6,,,,\"85,50\"\n\
               VID-X,Vidrio X,wood,m2,10.00\n\
               VID-Y,,,,10.00\n\
               HER-ROD-3,,glass,,10.00\n\
               bad code,x,glass,m2,1.00\n\
               VID-CLARO-4,,,,98.00\n";
    let resp = import(&app, &t.admin_token, csv, false).await;
    let body = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_csv",
        "bad file",
    )
    .await;
    let problems = body["details"]["problems"].as_array().expect("problems");
    let found: Vec<(i64, &str)> = problems
        .iter()
        .map(|p| {
            (
                p["line"].as_i64().expect("line"),
                p["column"].as_str().expect("column"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [(3, "price"), (4, "category"), (7, "code"), (8, "code")],
        "{body}"
    );
    let comma = &problems[0];
    assert_eq!(comma["value"], "85,50");
    assert!(
        comma["reason"]
            .as_str()
            .is_some_and(|r| r.contains("decimal comma")),
        "{comma}"
    );
    assert!(problems[3]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("line 2")));
    assert_eq!(
        app.price_of("VID-CLARO-4", &t.admin_token).await,
        "85.00",
        "nothing written"
    );

    // With the file's own problems fixed, the catalogue's are reported.
    let csv = "code,name,category,unit,price\n\
               VID-CLARO-4,,,,99.00\n\
               VID-Y,,,,10.00\n\
               HER-ROD-3,,glass,,10.00\n";
    let resp = import(&app, &t.admin_token, csv, false).await;
    let body = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_csv",
        "catalogue problems",
    )
    .await;
    let found: Vec<(i64, &str)> = body["details"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["line"].as_i64().expect("line"),
                p["column"].as_str().expect("column"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [(3, "name"), (3, "category"), (3, "unit"), (4, "category")],
        "{body}"
    );
    assert_eq!(
        app.price_of("VID-CLARO-4", &t.admin_token).await,
        "85.00",
        "nothing written"
    );
    assert_eq!(
        app.get_items("/api/v1/price-updates", &t.admin_token).await,
        json!([])
    );
    app.cleanup().await;
}

#[tokio::test]
async fn imports_have_their_own_size_limit_media_type_and_roles() {
    let app = spawn_app_with(|s| s.server.max_import_bytes = 200_000).await;
    let t = app.onboard(&slug("limits")).await;
    // Over the usual body limit (64 KiB) but within the import's: accepted.
    let mut csv = String::from("code,name,category,unit,price\n");
    for i in 0..2_000 {
        csv.push_str(&format!(
            "CON-LOTE-{i:05},Consumible de prueba {i},consumable,piece,{i}.25\n"
        ));
    }
    assert!(csv.len() > 65_536 && csv.len() < 200_000, "{}", csv.len());
    let resp = import(&app, &t.admin_token, &csv, false).await;
    let report = expect_status(resp, StatusCode::OK, "big import").await;
    assert_eq!(codes(&report["created"]).len(), 2_000);
    assert_eq!(
        app.price_of("CON-LOTE-01999", &t.admin_token).await,
        "1999.25"
    );
    let batch = report["batch_id"].as_str().expect("batch");
    let read = app
        .get_json(&format!("/api/v1/price-updates/{batch}"), &t.admin_token)
        .await;
    assert_eq!(read["count"], 2_000);

    let too_big = csv.repeat(3);
    let resp = import(&app, &t.admin_token, &too_big, false).await;
    expect_error(
        resp,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "over the limit",
    )
    .await;

    let resp = app
        .request(
            Method::POST,
            "/api/v1/materials/import",
            Some(&t.admin_token),
            Some(json!({})),
        )
        .await;
    expect_error(
        resp,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "json",
    )
    .await;

    let estimator = app.user_token(&t, "estimator").await;
    let resp = import(&app, &estimator, "code,price\nVID-CLARO-4,1.00\n", false).await;
    expect_error(
        resp,
        StatusCode::FORBIDDEN,
        "forbidden",
        "estimator imports",
    )
    .await;
    let viewer = app.user_token(&t, "viewer").await;
    assert!(
        export(&app, &viewer).await.contains("CON-LOTE-01999"),
        "viewers export"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_shops_import_is_its_own() {
    let app = spawn_app().await;
    a_shops_import_is_its_own_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`a_shops_import_is_its_own`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs).
pub(crate) async fn a_shops_import_is_its_own_on(app: &TestApp) {
    let a = app.onboard(&slug("ia")).await;
    let b = app.onboard(&slug("ib")).await;
    let csv =
        "code,name,category,unit,price\nVID-SOLO-A,Solo A,glass,m2,10.00\nVID-CLARO-4,,,,1.00\n";
    expect_status(
        import(app, &a.admin_token, csv, false).await,
        StatusCode::OK,
        "A imports",
    )
    .await;
    let b_file = export(app, &b.admin_token).await;
    assert!(!b_file.contains("VID-SOLO-A"), "{b_file}");
    assert_eq!(app.price_of("VID-CLARO-4", &b.admin_token).await, "85.00");
    assert_eq!(
        app.get_items("/api/v1/price-updates", &b.admin_token).await,
        json!([])
    );
}

#[tokio::test]
async fn an_import_of_more_rows_than_one_statement_binds_writes_every_row() {
    let app = spawn_app().await;
    an_import_of_more_rows_than_one_statement_binds_writes_every_row_on(&app).await;
    app.cleanup().await;
}

/// The scenario of [`an_import_of_more_rows_than_one_statement_binds_writes_every_row`]
/// on a running app (also run on Citus: tests/api/citus_writes.rs). 7,000 new rows:
/// the rows and their history go in as two multi-row `VALUES` statements each
/// (PostgreSQL takes at most 65,535 parameters a statement, ten a row).
pub(crate) async fn an_import_of_more_rows_than_one_statement_binds_writes_every_row_on(
    app: &TestApp,
) {
    let t = app.onboard(&slug("lote")).await;
    let mut csv = String::from("code,name,category,unit,price\n");
    for i in 0..7_000 {
        csv.push_str(&format!(
            "CON-LOTE-{i:05},Consumible de prueba {i},consumable,piece,{i}.25\n"
        ));
    }
    let resp = import(app, &t.admin_token, &csv, false).await;
    let report = expect_status(resp, StatusCode::OK, "big import").await;
    assert_eq!(codes(&report["created"]).len(), 7_000);
    for (code, price) in [
        ("CON-LOTE-00000", "0.25"),
        ("CON-LOTE-06552", "6552.25"),
        ("CON-LOTE-06553", "6553.25"),
        ("CON-LOTE-06999", "6999.25"),
    ] {
        let m = app
            .get_json(&format!("/api/v1/materials/{code}"), &t.admin_token)
            .await;
        assert_eq!(
            (
                m["price"].as_str(),
                m["source"].as_str(),
                m["category"].as_str()
            ),
            (Some(price), Some("tenant"), Some("consumable")),
            "{code}"
        );
    }
    let batch = report["batch_id"].as_str().expect("batch");
    let read = app
        .get_json(&format!("/api/v1/price-updates/{batch}"), &t.admin_token)
        .await;
    assert_eq!(read["count"], 7_000);
    let history = app
        .get_json(
            &format!("/api/v1/price-history?batch_id={batch}&limit=1"),
            &t.admin_token,
        )
        .await;
    assert_eq!(history["total"], 7_000);
    let exported = export(app, &t.admin_token).await;
    assert_eq!(exported.matches("CON-LOTE-").count(), 7_000);
}
