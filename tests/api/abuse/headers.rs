//! Incomplete request heads time out: a client that sends part of a request (or
//! nothing) is disconnected after `server.header_read_timeout_ms`.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_app_with, TestApp};

/// Only a guard against a hung test: the server must close well before it.
const GUARD: Duration = Duration::from_secs(20);

async fn connect(app: &TestApp) -> TcpStream {
    let addr = app.address.trim_start_matches("http://");
    TcpStream::connect(addr).await.expect("connects")
}

/// Reads until the server closes the connection; answers what it sent meanwhile.
async fn read_until_closed(stream: &mut TcpStream, what: &str) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(GUARD, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "{what}: the server kept the connection open");
    String::from_utf8_lossy(&received).into_owned()
}

#[tokio::test]
async fn a_connection_that_sends_an_incomplete_request_head_is_closed() {
    let app = spawn_app_with(|s| s.server.header_read_timeout_ms = 300).await;

    // Part of a request line and headers, then silence.
    let mut partial = connect(&app).await;
    partial
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .expect("writes");
    let answer = read_until_closed(&mut partial, "partial head").await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "nothing but a 408 is answered: {answer}"
    );

    // Nothing at all.
    let mut silent = connect(&app).await;
    read_until_closed(&mut silent, "silent connection").await;

    // A complete request is answered; a partial one after it on the same
    // connection is cut off too.
    let mut keep_alive = connect(&app).await;
    keep_alive
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\nGET /health HTTP/1.1\r\n")
        .await
        .expect("writes");
    let answer = read_until_closed(&mut keep_alive, "second, partial head").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1 200").count(), 1, "{answer}");
    app.cleanup().await;
}

/// The server loop that enforces the timeout also owns graceful shutdown: once
/// stopped it accepts no connection, and a request in flight still gets its answer.
#[tokio::test]
async fn stopping_lets_a_request_in_flight_finish_and_accepts_no_more() {
    let mut app = spawn_app_with(|_| {}).await;
    let t = app.onboard(&crate::helpers::slug("stop")).await;
    let id = super::new_quote(&app, &t.admin_token).await;
    let mut gate = super::Gate::install(&app, ventanas::documents::renderer::Work::Render);
    let request = app
        .client
        .get(app.url(&format!("/api/v1/quotes/{id}/pdf")))
        .bearer_auth(&t.admin_token);
    let in_flight = tokio::spawn(async move { request.send().await });
    gate.wait_entered().await;
    // Stop first (the future sends the signal on its first poll), then let the
    // render finish.
    tokio::join!(app.stop_server(), async { gate.release(1) });
    let resp = in_flight.await.expect("task").expect("answered");
    assert_eq!(resp.status(), reqwest::StatusCode::OK);
    assert!(resp.bytes().await.expect("body").starts_with(b"%PDF-"));
    let addr = app.address.trim_start_matches("http://").to_owned();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
    app.cleanup().await;
}
