//! The last-admin guard under concurrency: two admins demoting or deactivating each
//! other at the same moment leave one admin.
//!
//! To make the moment the same every time, a transaction of the test holds both
//! admins' sessions locked. Each change revokes its target's sessions after its
//! last-admin check and before it commits, so the requests stop there; once both
//! are waiting on a lock (counted in `pg_stat_activity`, no clock), the test lets go.
//! Without a lock on the admin set both checks have passed by then, each seeing the
//! other admin still there, and both commit.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;
use ventanas::db::TenantTx;
use ventanas::ids::TenantId;

use crate::helpers::{
    expect_error, expect_status, slug, spawn_app, TestApp, TestTenant, ADMIN_PASSWORD,
};

const ROUNDS: usize = 4;

/// An admin: id, email and a live token.
struct Admin {
    id: Uuid,
    email: String,
    token: String,
}

async fn me(app: &TestApp, token: &str, email: &str) -> Admin {
    let me = app.get_json("/api/v1/auth/me", token).await;
    Admin {
        id: me["user_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("id"),
        email: email.to_owned(),
        token: token.to_owned(),
    }
}

async fn second_admin(app: &TestApp, t: &TestTenant) -> Admin {
    let email = format!("segundo@{}.example.mx", t.slug);
    let resp = app
        .request(
            Method::POST,
            "/api/v1/users",
            Some(&t.admin_token),
            Some(json!({ "email": email, "password": ADMIN_PASSWORD, "role": "admin" })),
        )
        .await;
    expect_status(resp, StatusCode::CREATED, "second admin").await;
    let token = app.login(&t.slug, &email, ADMIN_PASSWORD).await;
    me(app, &token, &email).await
}

async fn active_admins(pool: &PgPool, tenant: Uuid) -> i64 {
    let mut tx = TenantTx::begin(pool, TenantId(tenant)).await.expect("bind");
    let n = sqlx::query_scalar(
        r#"SELECT count(*) FROM users u
             JOIN memberships m ON m.tenant_id = u.tenant_id AND m.user_id = u.id
            WHERE u.active AND m.role = 'admin'"#,
    )
    .fetch_one(tx.conn())
    .await
    .expect("count");
    tx.commit().await.expect("commit");
    n
}

/// Waits until `n` backends of the test database wait on a lock.
async fn until_waiting(pool: &PgPool, n: i64) {
    for _ in 0..2_000 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(pool)
        .await
        .expect("pg_stat_activity");
        if waiting >= n {
            return;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("the two requests never both waited on a lock");
}

/// `a` changes `b` while `b` changes `a`, both held at their sessions' revocation
/// until both are in flight. Returns the two answers' statuses and bodies.
async fn cross_change(
    app: &TestApp,
    pool: &PgPool,
    tenant: Uuid,
    (a, b): (&Admin, &Admin),
    change: &Value,
) -> [(StatusCode, Value); 2] {
    let mut hold = TenantTx::begin(pool, TenantId(tenant)).await.expect("bind");
    let held: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM sessions WHERE user_id = ANY($1) AND revoked_at IS NULL FOR UPDATE",
    )
    .bind([a.id, b.id].as_slice())
    .fetch_all(hold.conn())
    .await
    .expect("sessions locked");
    assert!(held.len() >= 2, "both admins have a live session");
    let send = |actor: &Admin, target: &Admin| {
        let path = format!("/api/v1/users/{}", target.id);
        let (token, change) = (actor.token.clone(), change.clone());
        async move {
            let resp = app
                .request(Method::PATCH, &path, Some(&token), Some(change))
                .await;
            let status = resp.status();
            (status, resp.json::<Value>().await.expect("json"))
        }
    };
    let release = async {
        until_waiting(pool, 2).await;
        hold.commit().await.expect("release");
    };
    let (first, second, ()) = tokio::join!(send(a, b), send(b, a), release);
    [first, second]
}

#[tokio::test]
async fn admins_demoting_or_deactivating_each_other_at_once_always_leave_one_admin() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("race")).await;
    let pool = app.runtime_pool(2).await;
    let mut a = me(&app, &t.admin_token, &t.admin_email).await;
    let mut b = second_admin(&app, &t).await;
    let changes = [
        (json!({ "role": "estimator" }), json!({ "role": "admin" })),
        (json!({ "active": false }), json!({ "active": true })),
    ];
    for round in 0..ROUNDS * changes.len() {
        let (change, undo) = &changes[round % changes.len()];
        let what = format!("round {round}: {change}");
        let answers = cross_change(&app, &pool, t.id, (&a, &b), change).await;
        assert_eq!(active_admins(&pool, t.id).await, 1, "{what}: {answers:?}");
        let mut statuses: Vec<u16> = answers.iter().map(|(s, _)| s.as_u16()).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{what}: one wins: {answers:?}");
        let (_, refused) = answers
            .iter()
            .find(|(s, _)| *s == StatusCode::CONFLICT)
            .expect("a refusal");
        assert_eq!(refused["code"], "last_admin", "{what}: {refused}");
        // The survivor restores the other, who logs in again (sessions were revoked).
        let a_won = answers[0].0 == StatusCode::OK;
        let (winner, loser) = if a_won { (&a, &mut b) } else { (&b, &mut a) };
        let resp = app
            .request(
                Method::PATCH,
                &format!("/api/v1/users/{}", loser.id),
                Some(&winner.token),
                Some(undo.clone()),
            )
            .await;
        expect_status(resp, StatusCode::OK, "restore").await;
        loser.token = app.login(&t.slug, &loser.email, ADMIN_PASSWORD).await;
        assert_eq!(active_admins(&pool, t.id).await, 2, "{what}: restored");
    }
    // Sequentially the guard still answers, naming the error.
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/users/{}", a.id),
            Some(&a.token),
            Some(json!({ "role": "viewer" })),
        )
        .await;
    expect_status(
        resp,
        StatusCode::OK,
        "one admin may step down while another remains",
    )
    .await;
    let resp = app
        .request(
            Method::PATCH,
            &format!("/api/v1/users/{}", b.id),
            Some(&b.token),
            Some(json!({ "active": false })),
        )
        .await;
    expect_error(resp, StatusCode::CONFLICT, "last_admin", "the last one").await;
    pool.close().await;
    app.cleanup().await;
}
