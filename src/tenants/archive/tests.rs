use serde_json::json;

use super::*;

const TENANT: &str = "6b1f0a52-3c57-4a55-9a4e-0c6f5ae8a001";

fn archive() -> Archive {
    Archive {
        format: FORMAT.to_owned(),
        version: VERSION,
        schema: 20261205000200,
        exported_at: Utc::now(),
        tenant: json!({ "id": TENANT, "slug": "norte", "name": "Norte" }),
        tables: TABLES
            .iter()
            .map(|name| TableRows {
                name: (*name).to_owned(),
                rows: vec![json!({ "tenant_id": TENANT, "id": 1 })],
            })
            .collect(),
    }
}

fn refusal(archive: &Archive) -> String {
    check(archive).expect_err("refused").to_string()
}

#[test]
fn a_well_formed_archive_names_its_tenant() {
    let (id, slug) = check(&archive()).expect("accepted");
    assert_eq!(id.0.to_string(), TENANT);
    assert_eq!(slug, "norte");
}

#[test]
fn archives_of_another_kind_version_or_layout_are_refused() {
    let mut a = archive();
    a.format = "something-else".to_owned();
    assert!(refusal(&a).contains("not a tenant archive"));

    let mut a = archive();
    a.version = VERSION + 1;
    assert!(refusal(&a).contains("newer than this release reads"));

    let mut a = archive();
    a.tables.swap(0, 1);
    assert!(refusal(&a).contains("expected"));

    let mut a = archive();
    a.tenant = json!({ "slug": "norte" });
    assert!(refusal(&a).contains("no id"));
}

#[test]
fn rows_of_another_tenant_are_refused() {
    let mut a = archive();
    a.tables[3]
        .rows
        .push(json!({ "tenant_id": "00000000-0000-0000-0000-000000000000" }));
    assert_eq!(
        refusal(&a),
        "not a tenant archive: price_batches holds rows of another tenant"
    );
}

#[test]
fn only_columns_that_exist_and_that_rows_carry_are_set() {
    let present = ["tenant_id", "id", "name", "added_later"].map(String::from);
    let rows = [json!({ "tenant_id": TENANT, "id": 1, "name": "a" })];
    assert_eq!(
        columns_for("t", &present, &rows).expect("columns"),
        ["tenant_id", "id", "name"]
    );
    let rows = [json!({ "tenant_id": TENANT, "dropped": 1 })];
    let err = columns_for("t", &present, &rows).expect_err("unknown column");
    assert_eq!(
        err.to_string(),
        "table t: column dropped does not exist here"
    );
}

#[test]
fn the_format_round_trips_through_json_and_refuses_unknown_fields() {
    let a = archive();
    let text = serde_json::to_string(&a).expect("serialises");
    assert_eq!(serde_json::from_str::<Archive>(&text).expect("reads"), a);
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    value["extra"] = json!(1);
    assert!(serde_json::from_value::<Archive>(value).is_err());
}
