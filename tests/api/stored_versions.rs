//! Quote versions saved before they had a stored format of their own are brought
//! to format 1 by a migration and read back as they were.

use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use uuid::Uuid;
use ventanas::config::ExposeSecret as _;
use ventanas::db::{self, TenantTx};
use ventanas::ids::TenantId;
use ventanas::quotes::repo;

use crate::helpers::{database_migrated_until, drop_database, repo_dir};

/// The last migration before quote versions had a stored format.
const BEFORE_STORED_FORMATS: i64 = 20261128000014;

/// The format-1 fixture as an older server wrote it: without the fields the API
/// gained later (product and material names, cut plans, offcuts, tax codes, pieces).
fn legacy_version() -> (Value, Value, Value) {
    let path = repo_dir().join("tests/fixtures/stored/version-v1.json");
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    let mut result = v["result"].clone();
    let strip = |value: &mut Value, keys: &[&str]| {
        for key in keys {
            value.as_object_mut().expect("object").remove(*key);
        }
    };
    strip(&mut result, &["cut_plans"]);
    strip(&mut result["totals"], &["offcuts"]);
    strip(&mut result["rates"], &["tax_code"]);
    for item in result["items"].as_array_mut().expect("items") {
        strip(item, &["name", "glass_name", "colour_name"]);
        for line in item["lines"].as_array_mut().expect("lines") {
            strip(line, &["pieces"]);
        }
    }
    for item in result["material_items"]
        .as_array_mut()
        .expect("material items")
    {
        strip(item, &["name"]);
    }
    let mut request = v["request"].clone();
    strip(&mut request, &["tax_code"]);
    let mut document = v["document"].clone();
    strip(&mut document, &["logo_sha256"]);
    (request, result, document)
}

#[tokio::test]
async fn versions_saved_before_stored_formats_are_converted_and_read_back() {
    let settings = database_migrated_until(BEFORE_STORED_FORMATS).await;
    let tenant = Uuid::new_v4();
    let (quote, client) = (Uuid::new_v4(), Uuid::new_v4());
    let (request, result, document) = legacy_version();
    let platform = PgPoolOptions::new()
        .max_connections(1)
        .connect(settings.database.platform_url.expose_secret())
        .await
        .expect("platform role connects");
    sqlx::query("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, 'Aluminios del Norte')")
        .bind(tenant)
        .bind(format!("legacy-{}", &tenant.simple().to_string()[..8]))
        .execute(&platform)
        .await
        .expect("tenant");
    let runtime = PgPoolOptions::new()
        .max_connections(1)
        .connect(settings.database.url.expose_secret())
        .await
        .expect("runtime role connects");
    let mut tx = TenantTx::begin(&runtime, TenantId(tenant))
        .await
        .expect("bind");
    for (sql, json) in [
        ("INSERT INTO clients (tenant_id, id, name) VALUES ($1, $2, 'María Pérez Gómez')", None),
        (
            "INSERT INTO quotes (tenant_id, id, number, client_id, status, version, total, currency,
                                 created_by, valid_until)
             VALUES ($1, $3, 42, $2, 'sent', 1, 4705.98, 'MXN', $2, '2027-01-01')",
            None,
        ),
        (
            "INSERT INTO quote_versions (tenant_id, quote_id, version, request, result, document,
                                         total, priced_at, sent_at, valid_until, created_by)
             VALUES ($1, $3, 1, $4, $5, $6, 4705.98, now(), now(), '2027-01-01', $2)",
            Some(()),
        ),
    ] {
        let query = sqlx::query(sql).bind(tenant).bind(client).bind(quote);
        let query = match json {
            Some(()) => query.bind(&request).bind(&result).bind(&document),
            None => query,
        };
        query.execute(tx.conn()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    tx.commit().await.expect("legacy rows saved");

    db::migrate(&settings.database.owner_url)
        .await
        .expect("the remaining migrations run over legacy rows");

    let mut tx = TenantTx::begin(&runtime, TenantId(tenant))
        .await
        .expect("bind");
    let version = repo::version(&mut tx, ventanas::ids::QuoteId(quote), 1)
        .await
        .expect("the converted version decodes")
        .expect("the version is there");
    tx.commit().await.expect("commit");
    let stored = version.stored;
    assert_eq!(stored.result.totals.total.to_string(), "4705.98");
    assert_eq!(
        stored.result.totals.offcuts.to_string(),
        "0.00",
        "no offcuts then"
    );
    assert!(stored.result.cut_plans.is_empty(), "no cut plans then");
    assert_eq!(stored.result.items.len(), 2);
    assert!(
        stored.result.items.iter().all(|i| i.name.is_empty()),
        "names read as they always did: empty"
    );
    assert_eq!(stored.result.material_items[0].name, "");
    assert_eq!(stored.request.items[0].product, "VEN-CORR-NAC3");
    let doc = stored.document.expect("a sent version keeps its document");
    assert_eq!(doc.company.name, "Aluminios del Norte SA de CV");
    assert_eq!(doc.logo_sha256, None);
    let mut tx = TenantTx::begin(&runtime, TenantId(tenant))
        .await
        .expect("bind");
    let format: i16 = sqlx::query_scalar("SELECT format FROM quote_versions WHERE quote_id = $1")
        .bind(quote)
        .fetch_one(tx.conn())
        .await
        .expect("format");
    assert_eq!(format, 1, "the row is marked as format 1");
    drop(tx);
    runtime.close().await;
    platform.close().await;
    drop_database(&settings).await;
}
