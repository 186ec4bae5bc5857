//! A small W3C WebDriver client over reqwest, enough for these tests: one
//! chromedriver shared by the tests running at a time, a headless Chromium session
//! per [`Session`], and the few commands the tests use (navigate, find by CSS,
//! click, type, read text and attributes, run a script to read the page, read the
//! browser's console, take screenshots).
//!
//! Clean-up happens on drop, also when a test panics: a session is deleted (its
//! Chromium quits), and chromedriver stops when the last session using it goes.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The element reference key of the W3C protocol.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long a wait for the page lasts before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// A running chromedriver on a free loopback port.
pub struct Driver {
    child: Child,
    port: u16,
}

/// The driver of the tests running now; started by the first, stopped after the last.
static SHARED: Mutex<Weak<Driver>> = Mutex::new(Weak::new());

impl Driver {
    /// The running chromedriver, started if none is (`CHROMEDRIVER` names the
    /// program; Debian's, from the `PATH`, by default).
    pub fn shared() -> Arc<Driver> {
        let mut shared = SHARED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(driver) = shared.upgrade() {
            return driver;
        }
        let driver = Arc::new(Self::start());
        *shared = Arc::downgrade(&driver);
        driver
    }

    fn start() -> Self {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "{program} did not start ({err}); `deploy/local/test browser` installs \
                     Debian's chromium and chromium-driver"
                )
            });
        let driver = Self { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        driver
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Asked first, so that it closes any browser it still has; then made sure of.
        let _ = raw_request(self.port, "GET", "/shutdown");
        let stopped = Instant::now();
        while stopped.elapsed() < Duration::from_secs(2) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bodiless HTTP/1.1 request over a plain socket, for `Drop`, which cannot await.
fn raw_request(port: u16, method: &str, path: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    // Read until the whole answer is in (chromedriver keeps the connection open).
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk)?;
        answer.extend_from_slice(&chunk[..read]);
        if read == 0 || answer_complete(&answer) {
            return Ok(());
        }
    }
}

/// Whether `answer` holds an HTTP answer's head and all the body its
/// `Content-Length` announces.
fn answer_complete(answer: &[u8]) -> bool {
    let Some(head_end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&answer[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or(0);
    answer.len() >= head_end + 4 + length
}

/// How a session's browser is set up.
#[derive(Clone, Copy)]
pub struct Options {
    /// Scripts on; off is the browser of someone with JavaScript disabled.
    pub javascript: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { javascript: true }
    }
}

/// A headless Chromium, deleted on drop.
pub struct Session {
    http: reqwest::Client,
    driver: Arc<Driver>,
    id: String,
}

/// An element of the current page.
pub struct Element<'s> {
    session: &'s Session,
    id: String,
}

/// A browser console entry.
#[derive(Debug, serde::Deserialize)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

impl Session {
    /// A new browser at desktop size (1280×800).
    pub async fn start() -> Self {
        Self::with(Options::default()).await
    }

    pub async fn with(options: Options) -> Self {
        let driver = Driver::shared();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        let mut chrome = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1280,800", "--hide-scrollbars"],
            "prefs": { "intl.accept_languages": "es-MX,es" },
        });
        if let Ok(binary) = std::env::var("CHROMIUM") {
            chrome["binary"] = json!(binary);
        }
        if !options.javascript {
            chrome["prefs"]["profile.managed_default_content_settings.javascript"] = json!(2);
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": chrome,
            "goog:loggingPrefs": { "browser": "ALL" },
        } } });
        let resp = http
            .post(driver.url("/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("chromedriver answers");
        let status = resp.status();
        let body: Value = resp.json().await.expect("chromedriver answers JSON");
        assert!(
            status.is_success(),
            "new session: {status} {}",
            body["value"]
        );
        let value = body["value"].clone();
        let id = value["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        let session = Self { http, driver, id };
        session.resize(1280, 800).await;
        session
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|error| panic!("{what}: WebDriver answered {error}"))
    }

    /// A command's `value`, or WebDriver's error as `Err` (its `value`).
    async fn try_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Value> {
        let url = self.driver.url(&format!("/session/{}{path}", self.id));
        let mut req = self.http.request(method.clone(), url);
        if let Some(body) = body {
            req = req.json(&body);
        } else if method == reqwest::Method::POST {
            req = req.json(&json!({}));
        }
        let resp = req.send().await.expect("chromedriver answers");
        let ok = resp.status().is_success();
        let body: Value = resp.json().await.expect("chromedriver answers JSON");
        if ok {
            Ok(body["value"].clone())
        } else {
            Err(body["value"].clone())
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// Sets the viewport to exactly `width`×`height` CSS pixels (a phone below
    /// 500 px wide, which a window cannot be), through Chrome's device emulation.
    pub async fn resize(&self, width: u32, height: u32) {
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
            } }),
        )
        .await;
    }

    /// Navigates and waits for the page to load.
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    pub async fn current_url(&self) -> String {
        self.get("/url").await.as_str().expect("url").to_owned()
    }

    /// The first element matching `css`; fails the test when there is none.
    pub async fn find(&self, css: &str) -> Element<'_> {
        let value = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await;
        self.element(&value)
    }

    /// Every element matching `css` (none is fine).
    pub async fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let value = self
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        value
            .as_array()
            .expect("a list of elements")
            .iter()
            .map(|v| self.element(v))
            .collect()
    }

    /// The element that has the focus.
    pub async fn active(&self) -> Element<'_> {
        let value = self.get("/element/active").await;
        self.element(&value)
    }

    fn element(&self, value: &Value) -> Element<'_> {
        Element {
            session: self,
            id: value[ELEMENT_KEY]
                .as_str()
                .unwrap_or_else(|| panic!("not an element: {value}"))
                .to_owned(),
        }
    }

    /// Waits until an element matching `css` exists and its text contains `text`;
    /// returns that text.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let started = Instant::now();
        loop {
            let found = self.read::<Option<String>>(
                "const e = document.querySelector(arguments[0]); return e && e.innerText;",
                json!([css]),
            );
            if let Some(shown) = found.await.filter(|shown| shown.contains(text)) {
                return shown;
            }
            if started.elapsed() > PATIENCE {
                let page: String = self
                    .read("return document.body.innerText;", json!([]))
                    .await;
                panic!(
                    "no {css} saying {text:?} on {}; the page says:\n{page}\nconsole: {:?}",
                    self.current_url().await,
                    self.console().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs a script that reads the page and returns its value (`arguments` are
    /// `args`); the tests change the page only by what a user does.
    pub async fn read<T: serde::de::DeserializeOwned>(&self, script: &str, args: Value) -> T {
        let value = self
            .post("/execute/sync", json!({ "script": script, "args": args }))
            .await;
        serde_json::from_value(value.clone())
            .unwrap_or_else(|err| panic!("script answered {value}: {err}"))
    }

    /// Runs a script that changes the page: what an attacker's tool would do, for
    /// the tests that must show the server refuses it.
    pub async fn tamper(&self, script: &str, args: Value) {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await;
    }

    /// Presses and releases keys (WebDriver key codes, e.g. `"\u{E004}"` for Tab)
    /// on whatever has the focus.
    pub async fn press(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|c| {
                let c = c.to_string();
                [
                    json!({ "type": "keyDown", "value": c }),
                    json!({ "type": "keyUp", "value": c }),
                ]
            })
            .collect();
        self.post(
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await;
        self.call(reqwest::Method::DELETE, "/actions", None).await;
    }

    /// The browser's cookies for the current page, HttpOnly ones included.
    pub async fn cookies(&self) -> Vec<Value> {
        self.get("/cookie")
            .await
            .as_array()
            .expect("a list of cookies")
            .clone()
    }

    /// The console entries since the last call (each read empties the log).
    pub async fn console(&self) -> Vec<LogEntry> {
        let value = self.post("/se/log", json!({ "type": "browser" })).await;
        serde_json::from_value(value).expect("log entries")
    }

    /// The viewport as a PNG.
    pub async fn screenshot(&self) -> Vec<u8> {
        let value = self.get("/screenshot").await;
        base64_decode(value.as_str().expect("base64 PNG"))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = raw_request(self.driver.port, "DELETE", &format!("/session/{}", self.id));
    }
}

impl Element<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    /// Clicks (what happens next is the page's: see [`Element::click_to_load`]).
    pub async fn click(&self) {
        self.session.post(&self.path("/click"), json!({})).await;
    }

    /// Clicks something that loads another page (a submit button, a link) and
    /// waits until that page has replaced this one and finished loading.
    /// WebDriver's own wait may return while a slow form post is still in flight.
    pub async fn click_to_load(&self) {
        self.click().await;
        let started = Instant::now();
        loop {
            let probe = self
                .session
                .try_call(reqwest::Method::GET, &self.path("/name"), None)
                .await;
            if let Err(error) = probe {
                // Gone with the old page: chromedriver says so as a stale element,
                // or, caught mid-navigation, as an inspector error about the node.
                let gone = error["error"] == "stale element reference"
                    || error["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("does not belong to the document"));
                assert!(gone, "waiting for the next page: {error}");
                break;
            }
            assert!(started.elapsed() < PATIENCE, "the click loaded no page");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        loop {
            let state: String = self
                .session
                .read("return document.readyState;", json!([]))
                .await;
            if state == "complete" {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "the next page did not load");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Types `text` into the element (after focusing it).
    pub async fn type_text(&self, text: &str) {
        self.session
            .post(&self.path("/value"), json!({ "text": text }))
            .await;
    }

    pub async fn clear(&self) {
        self.session.post(&self.path("/clear"), json!({})).await;
    }

    /// The rendered text.
    pub async fn text(&self) -> String {
        let value = self.session.get(&self.path("/text")).await;
        value.as_str().expect("text").to_owned()
    }

    /// A DOM property (`value`, `id`, `tagName`...), `None` when null.
    pub async fn property(&self, name: &str) -> Option<String> {
        let value = self
            .session
            .get(&self.path(&format!("/property/{name}")))
            .await;
        value.as_str().map(str::to_owned)
    }

    /// An HTML attribute as written in the page, `None` when absent.
    pub async fn attribute(&self, name: &str) -> Option<String> {
        let value = self
            .session
            .get(&self.path(&format!("/attribute/{name}")))
            .await;
        value.as_str().map(str::to_owned)
    }

    /// A computed style value (`outline-style`...).
    pub async fn css(&self, name: &str) -> String {
        let value = self.session.get(&self.path(&format!("/css/{name}"))).await;
        value.as_str().expect("css value").to_owned()
    }
}

/// Standard base64 (what WebDriver sends screenshots in).
fn base64_decode(text: &str) -> Vec<u8> {
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(sextet)
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, d)| acc | (u32::from(*d) << (18 - 6 * i)));
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes_with_and_without_padding() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
    assert_eq!(base64_decode(""), b"");
}
