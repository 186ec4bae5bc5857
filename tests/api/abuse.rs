//! Resource abuse (issue #8): PDF renders bounded and logos decoded once, logo
//! decoding off the async workers, NUL characters refused with a 400 naming the
//! field, and incomplete request headers timed out.

mod headers;
mod nul;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use ventanas::documents::renderer::Work;

use crate::company::png;
use crate::helpers::{
    expect_status, slug, spawn_app, spawn_app_with, spawn_second_instance, TestApp,
};

/// How long a parked piece of work waits for the test to release it: a guard
/// against a hung test, never part of what is asserted.
const GUARD: Duration = Duration::from_secs(20);

/// Parks every piece of `kind` work the server starts until the test releases it.
pub(crate) struct Gate {
    entered: UnboundedReceiver<Work>,
    release: mpsc::Sender<()>,
    /// Set once a parked piece of work has gone on (released, or the guard ran out).
    went_on: Arc<AtomicBool>,
}

impl Gate {
    pub(crate) fn install(app: &TestApp, kind: Work) -> Self {
        let (entered_tx, entered) = unbounded_channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let release_rx = Mutex::new(release_rx);
        let went_on = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&went_on);
        app.state.pdf.set_hook(Some(Arc::new(move |work| {
            if work != kind {
                return;
            }
            let _ = entered_tx.send(work);
            if let Ok(rx) = release_rx.lock() {
                let _ = rx.recv_timeout(GUARD);
            }
            flag.store(true, Ordering::SeqCst);
        })));
        Self {
            entered,
            release,
            went_on,
        }
    }

    pub(crate) async fn wait_entered(&mut self) {
        tokio::time::timeout(GUARD, self.entered.recv())
            .await
            .expect("work started within the guard")
            .expect("hook alive");
    }

    pub(crate) fn release(&self, n: usize) {
        for _ in 0..n {
            let _ = self.release.send(());
        }
    }
}

async fn put_logo(app: &TestApp, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/settings/company/logo"))
        .bearer_auth(token)
        .header("Content-Type", "image/png")
        .body(bytes)
        .send()
        .await
        .expect("request sent")
}

/// A saved quote's id.
pub(crate) async fn new_quote(app: &TestApp, token: &str) -> String {
    let resp = app
        .request(
            Method::POST,
            "/api/v1/clients",
            Some(token),
            Some(json!({ "name": "Cliente" })),
        )
        .await;
    let client = expect_status(resp, StatusCode::CREATED, "client").await;
    let resp = app
        .request(
            Method::POST,
            "/api/v1/quotes",
            Some(token),
            Some(json!({ "client_id": client["id"], "items": [
                { "product": "VEN-FIJA-NAC3", "width_cm": "100", "height_cm": "100", "quantity": 1 }
            ] })),
        )
        .await;
    let quote = expect_status(resp, StatusCode::CREATED, "quote").await;
    quote["id"].as_str().expect("id").to_owned()
}

async fn pdf_with_logo(app: &TestApp, token: &str, id: &str) {
    let resp = app.get(&format!("/api/v1/quotes/{id}/pdf"), token).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.expect("pdf");
    let image = b"/Subtype /Image";
    assert!(
        bytes.windows(image.len()).any(|w| w == image),
        "the logo is printed"
    );
}

#[tokio::test]
async fn a_logo_over_the_pixel_limit_is_refused_naming_the_logo_and_its_size() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("big")).await;
    for (w, h) in [(2001, 1), (1, 2001)] {
        let resp = put_logo(&app, &t.admin_token, png(w, h)).await;
        let body = expect_status(resp, StatusCode::UNPROCESSABLE_ENTITY, "too large").await;
        assert_eq!(body["code"], "invalid_field", "{body}");
        assert_eq!(body["details"]["field"], "logo", "{body}");
        assert_eq!(body["details"]["width_px"], w, "{body}");
        assert_eq!(body["details"]["height_px"], h, "{body}");
        assert_eq!(body["details"]["max_width_px"], 2000, "{body}");
        let message = body["message"].as_str().expect("message");
        assert!(message.contains(&format!("{w}×{h} px")), "{message}");
        assert!(message.contains("2000×2000 px"), "{message}");
    }
    let resp = app
        .get("/api/v1/settings/company/logo", &t.admin_token)
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND, "nothing was stored");

    // The limit is the server's setting.
    let small = spawn_app_with(|s| s.pdf.max_logo_width_px = 100).await;
    let t2 = small.onboard(&slug("small")).await;
    let resp = put_logo(&small, &t2.admin_token, png(101, 10)).await;
    let body = expect_status(resp, StatusCode::UNPROCESSABLE_ENTITY, "over 100").await;
    assert_eq!(body["details"]["max_width_px"], 100, "{body}");
    let resp = put_logo(&small, &t2.admin_token, png(100, 10)).await;
    expect_status(resp, StatusCode::OK, "fits").await;
    small.cleanup().await;
    app.cleanup().await;
}

#[tokio::test]
async fn a_logo_is_decoded_once_at_upload_and_never_again_by_renders() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("once")).await;
    let id = new_quote(&app, &t.admin_token).await;
    let before = app.state.pdf.decodes();
    let resp = put_logo(&app, &t.admin_token, png(300, 100)).await;
    expect_status(resp, StatusCode::OK, "logo").await;
    assert_eq!(app.state.pdf.decodes(), before + 1, "the upload decodes it");
    for _ in 0..3 {
        pdf_with_logo(&app, &t.admin_token, &id).await;
    }
    assert_eq!(
        app.state.pdf.decodes(),
        before + 1,
        "renders did not decode"
    );

    // Another instance never saw the upload: its first renders decode the stored
    // logo once between them, later ones not at all.
    let second = spawn_second_instance(&app).await;
    let renders: Vec<_> = (0..2)
        .map(|_| pdf_with_logo(&second, &t.admin_token, &id))
        .collect();
    futures_util::future::join_all(renders).await;
    pdf_with_logo(&second, &t.admin_token, &id).await;
    assert_eq!(
        second.state.pdf.decodes(),
        1,
        "decoded once on the other instance"
    );
    let mut second = second;
    second.stop_server().await;
    app.cleanup().await;
}

#[tokio::test]
async fn at_most_the_configured_number_of_pdfs_render_at_once_and_a_long_wait_is_503() {
    let app = spawn_app_with(|s| {
        s.pdf.max_concurrent_renders = 2;
        s.pdf.queue_timeout_ms = 300;
    })
    .await;
    let t = app.onboard(&slug("slots")).await;
    let id = new_quote(&app, &t.admin_token).await;
    let mut gate = Gate::install(&app, Work::Render);
    let url = app.url(&format!("/api/v1/quotes/{id}/pdf"));
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let req = app.client.get(&url).bearer_auth(&t.admin_token);
        requests.spawn(async move { req.send().await.expect("sent") });
    }
    // Two renders start and stay parked: the third request cannot render, and is
    // refused once it has waited the queue timeout.
    gate.wait_entered().await;
    gate.wait_entered().await;
    let first = requests
        .join_next()
        .await
        .expect("a request")
        .expect("task");
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        first
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body: serde_json::Value = first.json().await.expect("envelope");
    assert_eq!(body["code"], "pdf_busy", "{body}");
    assert!(gate.entered.try_recv().is_err(), "no third render started");
    assert!(!gate.went_on.load(Ordering::SeqCst), "both still parked");

    gate.release(2);
    while let Some(done) = requests.join_next().await {
        assert_eq!(done.expect("task").status(), StatusCode::OK);
    }
    // The slots are free again.
    gate.release(1);
    let resp = app
        .get(&format!("/api/v1/quotes/{id}/pdf"), &t.admin_token)
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    app.state.pdf.set_hook(None);
    app.cleanup().await;
}

/// One async worker (the test's current-thread runtime runs the server too): if a
/// logo were decoded on it, nothing else could be answered meanwhile.
#[tokio::test(flavor = "current_thread")]
async fn logo_uploads_decode_off_the_async_workers_so_health_answers_meanwhile() {
    let app = spawn_app().await;
    let t = app.onboard(&slug("blk")).await;
    let mut gate = Gate::install(&app, Work::Decode);
    let upload = {
        let req = app
            .client
            .put(app.url("/api/v1/settings/company/logo"))
            .bearer_auth(&t.admin_token)
            .header("Content-Type", "image/png")
            .body(png(64, 64));
        tokio::spawn(async move { req.send().await.expect("sent") })
    };
    gate.wait_entered().await;
    let resp = app.request(Method::GET, "/health", None, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        !gate.went_on.load(Ordering::SeqCst),
        "/health answered only after the decode let go of the worker"
    );
    gate.release(1);
    let resp = upload.await.expect("upload task");
    assert_eq!(resp.status(), StatusCode::OK);
    app.state.pdf.set_hook(None);
    app.cleanup().await;
}
