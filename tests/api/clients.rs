//! `/api/v1/clients`: records of the shop's customers, per tenant.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_named_error, expect_status, slug, spawn_app};

#[tokio::test]
async fn estimators_keep_clients_that_other_tenants_cannot_see_or_change() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("clients")).await;
    let other = app.onboard(&slug("clients-b")).await;
    let estimator = app.user_token(&t, "estimator").await;

    let mut ids = Vec::new();
    for (name, rfc) in [
        ("Constructora del Valle", "CDV010101AB1"),
        ("Ana López", "LOPA800101XY9"),
        ("Beto Ruiz", ""),
    ] {
        let resp = app
            .request(Method::POST, "/api/v1/clients", Some(&estimator),
                     Some(json!({ "name": name, "rfc": rfc.to_lowercase(), "email": "Ventas@Example.MX", "phone": " 81 1234 5678 " })))
            .await;
        let client = expect_status(resp, StatusCode::CREATED, name).await;
        assert_eq!(client["email"], "ventas@example.mx");
        assert_eq!(client["phone"], "81 1234 5678");
        assert_eq!(
            client["rfc"].as_str(),
            (!rfc.is_empty()).then_some(rfc),
            "RFC uppercased, empty means none"
        );
        ids.push(client["id"].as_str().expect("id").to_owned());
    }

    let names = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .expect("array")
            .iter()
            .map(|c| c["name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let all = app.get_items("/api/v1/clients", &estimator).await;
    assert_eq!(
        names(&all),
        ["Ana López", "Beto Ruiz", "Constructora del Valle"],
        "ordered by name"
    );
    // Pages follow each other by cursor, each naming the total.
    let first = app.get_json("/api/v1/clients?limit=2", &estimator).await;
    assert_eq!(names(&first["items"]), ["Ana López", "Beto Ruiz"]);
    assert_eq!(first["total"], 3);
    let next = first["next"].as_str().expect("a second page");
    let second = app
        .get_json(
            &format!("/api/v1/clients?limit=2&cursor={next}"),
            &estimator,
        )
        .await;
    assert_eq!(names(&second["items"]), ["Constructora del Valle"]);
    assert_eq!(
        (second["total"].as_i64(), second["next"].is_null()),
        (Some(3), true)
    );
    let found = app
        .get_items("/api/v1/clients?search=cdv0101", &estimator)
        .await;
    assert_eq!(
        names(&found),
        ["Constructora del Valle"],
        "search matches the RFC"
    );
    let literal = app
        .get_items("/api/v1/clients?search=%25", &estimator)
        .await;
    assert_eq!(
        names(&literal),
        Vec::<String>::new(),
        "% is a character, not a wildcard"
    );

    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/clients/{}", ids[2]),
            Some(&estimator),
            Some(json!({ "notes": "Paga a 30 días", "active": false })),
        )
        .await;
    let archived = expect_status(resp, StatusCode::OK, "archive").await;
    assert_eq!(
        (archived["name"].as_str(), archived["active"].as_bool()),
        (Some("Beto Ruiz"), Some(false)),
        "absent fields kept"
    );
    assert_eq!(
        names(&app.get_items("/api/v1/clients", &estimator).await).len(),
        2
    );
    assert_eq!(
        names(
            &app.get_items("/api/v1/clients?include_inactive=true", &estimator)
                .await
        )
        .len(),
        3
    );

    // Another tenant: nothing listed, 404 on read and write, and nothing changed.
    assert_eq!(
        names(&app.get_items("/api/v1/clients", &other.admin_token).await).len(),
        0
    );
    let resp = app
        .get(&format!("/api/v1/clients/{}", ids[0]), &other.admin_token)
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "client_not_found",
        "other tenant get",
    )
    .await;
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/clients/{}", ids[0]),
            Some(&other.admin_token),
            Some(json!({ "name": "Robado" })),
        )
        .await;
    expect_error(
        resp,
        StatusCode::NOT_FOUND,
        "client_not_found",
        "other tenant patch",
    )
    .await;
    let kept = app
        .get_json(&format!("/api/v1/clients/{}", ids[0]), &estimator)
        .await;
    assert_eq!(kept["name"], "Constructora del Valle");

    // Viewers read clients but do not write them.
    let viewer = app.user_token(&t, "viewer").await;
    assert_eq!(
        names(&app.get_items("/api/v1/clients", &viewer).await).len(),
        2
    );
    let resp = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(&viewer),
            Some(json!({ "name": "X" })),
        )
        .await;
    expect_error(resp, StatusCode::FORBIDDEN, "forbidden", "viewer").await;
    app.cleanup().await;
}

#[tokio::test]
async fn bad_client_input_is_refused_with_the_field_named() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("badclients")).await;
    let cases = [
        (
            json!({ "rfc": "AAA010101AAA" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({ "name": "  " }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({ "name": "X", "rfc": "NOT-AN-RFC" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rfc",
        ),
        (
            json!({ "name": "X", "email": "nope" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
        ),
        (
            json!({ "name": "X", "notes": "n".repeat(2001) }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "notes",
        ),
        (
            json!({ "name": "X", "vip": true }),
            StatusCode::BAD_REQUEST,
            "vip",
        ),
        (json!({ "name": 7 }), StatusCode::BAD_REQUEST, "name"),
    ];
    for (body, status, field) in cases {
        let resp = app
            .request(
                Method::POST,
                "/api/v1/clients",
                Some(&t.admin_token),
                Some(body),
            )
            .await;
        expect_named_error(resp, status, field, field).await;
    }
    for query in ["limit=0", "limit=101"] {
        let resp = app
            .get(&format!("/api/v1/clients?{query}"), &t.admin_token)
            .await;
        expect_error(
            resp,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            query,
        )
        .await;
    }
    let resp = app.get("/api/v1/clients?cursor=nope", &t.admin_token).await;
    expect_error(
        resp,
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
        "a forged cursor",
    )
    .await;
    let resp = app.get("/api/v1/clients/not-a-uuid", &t.admin_token).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get_items("/api/v1/clients?include_inactive=true", &t.admin_token)
            .await,
        json!([]),
        "nothing created"
    );
    app.cleanup().await;
}
