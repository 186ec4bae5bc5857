//! Logins under attack: a flood for one shop leaves the others served, the lockout
//! counts attempts before it checks passwords, unknown shops are locked out like
//! known ones, and one client address gets a bounded number of tries.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{expect_error, expect_status, slug, spawn_app_with, TestApp, ADMIN_PASSWORD};

const LOGIN: &str = "/api/v1/auth/login";

/// Waits for a state the server reaches on its own (no wall-clock assertion: the
/// bound only turns a hang into a failure naming what never happened).
async fn wait_for(what: &str, mut reached: impl FnMut() -> bool) {
    let started = Instant::now();
    while !reached() {
        assert!(started.elapsed() < Duration::from_secs(20), "never: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The server's connections sitting idle inside a transaction (held, not working).
async fn idle_in_transaction(observer: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'ventanas'
            AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(observer)
    .await
    .expect("pg_stat_activity")
}

/// Status, error code and whether `Retry-After` was sent.
async fn outcome(resp: reqwest::Response) -> (StatusCode, String, bool) {
    let status = resp.status();
    let retry_after = resp.headers().contains_key("retry-after");
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    (status, code, retry_after)
}

/// A login sent from behind a proxy that names the client in `X-Forwarded-For`.
async fn login_forwarded_for(app: &TestApp, client: &str, email: &str) -> reqwest::Response {
    let req = app
        .client
        .post(app.url(LOGIN))
        .header("X-Forwarded-For", client)
        .json(&json!({ "tenant": "some-shop", "email": email, "password": "not it at all" }));
    app.send(&Method::POST, LOGIN, req).await
}

#[tokio::test]
async fn logins_queued_for_a_hashing_slot_hold_no_connection_so_other_shops_are_served() {
    const FLOOD: usize = 8;
    let app = spawn_app_with(|s| {
        s.auth.max_concurrent_hashes = 1;
        s.database.max_connections = 3;
        s.database.acquire_timeout_ms = 1000;
    })
    .await;
    let flooded = app.onboard(&slug("flooded")).await;
    let calm = app.onboard(&slug("calm")).await;
    let observer = app.runtime_pool(1).await;

    // The one hashing slot is taken: every login of the flood must queue for it.
    let held = app.state.passwords.slot().await.expect("hashing slot");
    let flood = join_all((0..FLOOD).map(|i| {
        let email = format!("guess-{i}@{}.example.mx", flooded.slug);
        let app = &app;
        let slug = flooded.slug.clone();
        async move { outcome(app.try_login(&slug, &email, "wrong password!").await).await }
    }));
    let meanwhile = async {
        wait_for(
            "every login of the flood queued for the hashing slot",
            || app.state.passwords.waiting() == FLOOD,
        )
        .await;
        let in_transaction = idle_in_transaction(&observer).await;
        let users = app.get("/api/v1/users", &calm.admin_token).await;
        let users = expect_status(users, StatusCode::OK, "the calm shop's users").await;
        drop(held);
        (in_transaction, users)
    };
    let (answers, (in_transaction, users)) = tokio::join!(flood, meanwhile);
    assert_eq!(
        in_transaction, 0,
        "queued logins hold no transaction (and so no pooled connection)"
    );
    assert_eq!(users["total"], 1, "the calm shop is answered: {users}");
    assert!(
        answers
            .iter()
            .all(|a| a.0 == StatusCode::UNAUTHORIZED && a.1 == "invalid_credentials"),
        "the flood is answered once the slot is free: {answers:?}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn concurrent_wrong_guesses_get_at_most_max_failed_logins_password_checks() {
    const GUESSES: usize = 40;
    let app = spawn_app_with(|s| {
        s.auth.max_failed_logins = 5;
        s.auth.lockout_seconds = 600;
    })
    .await;
    let t = app.onboard(&slug("guessed")).await;
    let checks_before = app.state.passwords.verifications();
    let answers = join_all((0..GUESSES).map(|i| {
        let (app, t) = (&app, &t);
        async move {
            let password = format!("guess number {i}");
            outcome(app.try_login(&t.slug, &t.admin_email, &password).await).await
        }
    }))
    .await;
    let checks = app.state.passwords.verifications() - checks_before;
    let refused = |code: &str| answers.iter().filter(|a| a.1 == code).count();
    assert_eq!(
        checks, 5,
        "password checks for {GUESSES} concurrent guesses"
    );
    assert_eq!(refused("invalid_credentials"), 5, "{answers:?}");
    assert_eq!(refused("too_many_attempts"), GUESSES - 5, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|a| a.1 == "too_many_attempts")
            .all(|a| a.0 == StatusCode::TOO_MANY_REQUESTS && a.2),
        "locked answers are 429 with Retry-After: {answers:?}"
    );
    // Locked: even the right password is not checked.
    let resp = app.try_login(&t.slug, &t.admin_email, ADMIN_PASSWORD).await;
    expect_error(
        resp,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        "locked",
    )
    .await;
    assert_eq!(app.state.passwords.verifications() - checks_before, 5);
    app.cleanup().await;
}

#[tokio::test]
async fn a_successful_login_forgets_the_failures_before_it() {
    let app = spawn_app_with(|s| {
        s.auth.max_failed_logins = 3;
        s.auth.lockout_seconds = 600;
    })
    .await;
    let t = app.onboard(&slug("forgets")).await;
    for _ in 0..2 {
        let resp = app
            .try_login(&t.slug, &t.admin_email, "wrong password!")
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    app.login(&t.slug, &t.admin_email, ADMIN_PASSWORD).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let resp = app
            .try_login(&t.slug, &t.admin_email, "wrong password!")
            .await;
        statuses.push(resp.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS
        ],
        "counting starts again after a success"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn unknown_shops_are_locked_out_exactly_like_known_ones() {
    let app = spawn_app_with(|s| {
        s.auth.max_failed_logins = 3;
        s.auth.lockout_seconds = 600;
    })
    .await;
    let t = app.onboard(&slug("known")).await;
    let unknown = slug("no-such-shop");
    let mut sequences = Vec::new();
    for (tenant, email) in [
        (t.slug.as_str(), t.admin_email.as_str()),
        (t.slug.as_str(), "ghost@example.mx"),
        (unknown.as_str(), t.admin_email.as_str()),
        (unknown.as_str(), "ghost@example.mx"),
    ] {
        let mut answers = Vec::new();
        for password in [
            "wrong password!",
            "wrong password!",
            "wrong password!",
            ADMIN_PASSWORD,
            "wrong password!",
        ] {
            answers.push(outcome(app.try_login(tenant, email, password).await).await);
        }
        sequences.push(((tenant, email), answers));
    }
    let expected: Vec<_> = [false, false, false, true, true]
        .into_iter()
        .map(|locked| match locked {
            false => (
                StatusCode::UNAUTHORIZED,
                "invalid_credentials".to_owned(),
                false,
            ),
            true => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts".to_owned(),
                true,
            ),
        })
        .collect();
    for (who, answers) in &sequences {
        assert_eq!(answers, &expected, "{who:?}");
    }
    // Nothing was created for the unknown shop.
    let platform = app.platform_pool().await;
    let tenants: i64 = sqlx::query_scalar("SELECT count(*) FROM tenants WHERE slug = $1")
        .bind(&unknown)
        .fetch_one(&platform)
        .await
        .expect("count");
    assert_eq!(tenants, 0);
    app.cleanup().await;
}

#[tokio::test]
async fn a_client_address_over_its_login_burst_gets_429_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.login_limit.per_minute = 1;
        s.login_limit.burst = 3;
    })
    .await;
    let t = app.onboard(&slug("limited")).await; // the admin's login is the first
    for i in 0..2 {
        let resp = app
            .try_login(&t.slug, &format!("user{i}@example.mx"), "wrong password!")
            .await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "login {i}");
    }
    let resp = app.try_login(&t.slug, &t.admin_email, ADMIN_PASSWORD).await;
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    expect_error(
        resp,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        "over the burst",
    )
    .await;
    assert!(
        retry_after.is_some_and(|s| (1..=60).contains(&s)),
        "Retry-After {retry_after:?}"
    );
    // Without a trusted proxy, X-Forwarded-For is the client's word: ignored.
    let resp = login_forwarded_for(&app, "203.0.113.9", "a@example.mx").await;
    expect_error(
        resp,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        "a forged X-Forwarded-For",
    )
    .await;
    app.cleanup().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = spawn_app_with(|s| {
        s.login_limit.per_minute = 1;
        s.login_limit.burst = 2;
        s.login_limit.trusted_proxies = "127.0.0.1".to_owned();
    })
    .await;
    let mut statuses = Vec::new();
    for client in ["203.0.113.7", "203.0.113.7", "203.0.113.7", "203.0.113.8"] {
        // The proxy appends what it saw; the client may have sent anything before.
        let chain = format!("198.51.100.1, {client}");
        statuses.push(
            login_forwarded_for(&app, &chain, "a@example.mx")
                .await
                .status(),
        );
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::UNAUTHORIZED
        ]
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_user_creation_queued_for_a_hashing_slot_holds_no_connection() {
    // No Redis and a fresh instance: the session is looked up in PostgreSQL, and
    // that lookup's transaction is left for the request, which must give it back
    // before queueing for the hashing slot.
    let first = spawn_app_with(|s| {
        s.auth.max_concurrent_hashes = 1;
        s.redis.url = ventanas::config::SecretString::default();
    })
    .await;
    let t = first.onboard(&slug("hashq")).await;
    let app = crate::helpers::spawn_second_instance(&first).await;
    let observer = app.runtime_pool(1).await;
    let held = app.state.passwords.slot().await.expect("hashing slot");
    let create = app.request(
        Method::POST,
        "/api/v1/users",
        Some(&t.admin_token),
        Some(
            json!({ "email": "queued@example.mx", "password": "long enough pw", "role": "viewer" }),
        ),
    );
    let meanwhile = async {
        wait_for("the creation queued for the hashing slot", || {
            app.state.passwords.waiting() == 1
        })
        .await;
        let in_transaction = idle_in_transaction(&observer).await;
        drop(held);
        in_transaction
    };
    let (created, in_transaction) = tokio::join!(create, meanwhile);
    assert_eq!(in_transaction, 0, "no transaction held while queueing");
    expect_status(
        created,
        StatusCode::CREATED,
        "created once the slot is free",
    )
    .await;
    first.cleanup().await;
}
