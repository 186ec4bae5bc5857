//! `ventanas smoke` against a real server: every step passes on a fresh deployment
//! (onboarding the canary) and again on the next run (reusing it), leaves the probed
//! price as it found it, and a failure names its step.

use reqwest::Method;
use secrecy::SecretString;
use ventanas::ops::smoke::{self, Options, GLASS_CODES};

use crate::helpers::{expect_status, spawn_app, TestApp};

fn options(app: &TestApp, key: &str) -> Options {
    Options {
        url: app.address.clone(),
        platform_key: SecretString::from(key.to_owned()),
        tenant: "smoke-canary".to_owned(),
    }
}

const STEPS: [&str; 9] = [
    "ready",
    "canary tenant",
    "canary login",
    "seven glass prices",
    "price change and restore",
    "price history",
    "quote priced",
    "quote saved and PDF",
    "ready afterwards",
];

#[tokio::test]
async fn smoke_passes_twice_on_one_canary_and_leaves_its_prices_as_they_were() {
    let app = spawn_app().await;
    let first = smoke::run(&options(&app, &app.platform_key))
        .await
        .expect("first run passes");
    assert_eq!(first.iter().map(|p| p.step).collect::<Vec<_>>(), STEPS);
    let second = smoke::run(&options(&app, &app.platform_key))
        .await
        .expect("second run passes on the same canary");
    assert_eq!(second.len(), STEPS.len());

    // One canary tenant, with its seeded glass prices intact and two quotes.
    let tenants = app
        .request(
            Method::GET,
            "/api/v1/platform/tenants",
            Some(&app.platform_key),
            None,
        )
        .await;
    let tenants = expect_status(tenants, reqwest::StatusCode::OK, "tenants").await;
    let canaries: Vec<_> = tenants["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| t["slug"] == "smoke-canary")
        .collect();
    assert_eq!(canaries.len(), 1);
    let token = app
        .login(
            "smoke-canary",
            "smoke@canary.invalid",
            &smoke::canary_password(&SecretString::from(app.platform_key.clone())),
        )
        .await;
    assert_eq!(app.price_of("VID-CLARO-4", &token).await, "85.00");
    assert_eq!(GLASS_CODES.len(), 7);
    let quotes = app.get_items("/api/v1/quotes", &token).await;
    assert_eq!(quotes.as_array().expect("quotes").len(), 2);
    app.cleanup().await;
}

#[tokio::test]
async fn a_failure_names_its_step() {
    let app = spawn_app().await;
    let err = smoke::run(&options(&app, "vtp.not-a-key"))
        .await
        .expect_err("a wrong key fails");
    let message = format!("{err:#}");
    assert!(
        message.contains("`canary tenant`") && message.contains("platform key was refused"),
        "{message}"
    );

    let mut unreachable = options(&app, &app.platform_key);
    unreachable.url = "http://127.0.0.1:9".to_owned();
    let err = smoke::run(&unreachable).await.expect_err("nothing listens");
    assert!(format!("{err:#}").contains("`ready`"), "{err:#}");
    app.cleanup().await;
}
