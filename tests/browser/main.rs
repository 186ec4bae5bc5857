//! End-to-end tests in a real browser: headless Chromium driven through WebDriver
//! (Debian's `chromium` and `chromium-driver`) against the real server, PostgreSQL
//! and Redis. Run alone with `cargo test --test browser` (or `deploy/local/test
//! browser`, which installs Chromium first). Screenshots of the main pages land in
//! `target/screenshots/` (`docs/screenshots/` with `UPDATE_SCREENSHOTS=1`).

#![allow(clippy::too_many_lines)] // scenarios are spelt out in full

mod catalog;
mod contract;
#[allow(dead_code)] // the API suite's harness; these tests use part of it
#[path = "../api/helpers.rs"]
mod helpers;
mod isolation;
mod login;
mod pages;
mod prices;
mod quote;
mod support;
mod webdriver;
