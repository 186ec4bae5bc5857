//! The hosted web app over HTTP: pages, forms, cookies and headers, against the
//! real server (see `browser.rs` for the test browser).

mod admin;
mod admin_colours;
mod admin_company;
mod admin_labour;
mod admin_products;
mod admin_settings;
mod admin_taxes;
mod admin_webhooks;
mod browser;
mod catalog;
mod clients;
mod login;
mod pages;
mod price_admin;
mod prices;
mod quote_builder;
mod quote_edit;
mod quote_extras;
mod quote_pages;

use serde_json::json;

use crate::helpers::{expect_status, TestApp, TestTenant, ADMIN_PASSWORD};

/// Creates a user of `role` with a known email in the tenant; returns the email.
pub async fn add_user(app: &TestApp, tenant: &TestTenant, role: &str) -> String {
    let email = format!("web-{role}@{}.example.mx", tenant.slug);
    let resp = app
        .request(
            reqwest::Method::POST,
            "/api/v1/users",
            Some(&tenant.admin_token),
            Some(json!({ "email": email, "password": ADMIN_PASSWORD, "role": role })),
        )
        .await;
    expect_status(resp, reqwest::StatusCode::CREATED, "create user").await;
    email
}
