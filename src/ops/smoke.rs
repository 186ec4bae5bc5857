//! `ventanas smoke`: the post-deploy verification, over HTTP against a running
//! deployment, on a canary tenant (onboarded on first use):
//!
//! 1. `/ready` answers 200;
//! 2. the canary exists (else it is onboarded) and its admin logs in;
//! 3. its seven glass prices are served, each its own copy, with two decimals;
//! 4. a price change is visible at once, and restoring it too;
//! 5. the price history shows both changes;
//! 6. a quote is priced, then saved and its PDF rendered;
//! 7. `/ready` still answers 200.
//!
//! Each step is printed as it passes; the first failure stops the run and names the
//! step. The canary admin's password is derived from the platform key (an HMAC), so
//! any later run with the same key can log in, and nothing needs storing.

use std::time::Instant;

use anyhow::{anyhow, bail, ensure, Context as _};
use hmac::{Hmac, Mac as _};
use reqwest::{Method, StatusCode};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{json, Value};
use sha2::Sha256;

/// The glass codes every tenant is seeded with (DOMAIN.md).
pub const GLASS_CODES: [&str; 7] = [
    "VID-CLARO-4",
    "VID-CLARO-6",
    "VID-BRONCE-4",
    "VID-BRONCE-6",
    "VID-REFLECTIVO-6",
    "VID-LAMINADO-6",
    "VID-TEMPLADO-6",
];

/// The code whose price the run changes and restores.
const PROBE: &str = "VID-CLARO-4";
const CANARY_EMAIL: &str = "smoke@canary.invalid";
const CANARY_CLIENT: &str = "Cliente de verificación";

/// What to check, and as whom.
#[derive(Debug)]
pub struct Options {
    /// The deployment's base URL, e.g. `https://ventanas.example.com`.
    pub url: String,
    /// A platform API key (`vtp.`...).
    pub platform_key: SecretString,
    /// The canary tenant's slug.
    pub tenant: String,
}

/// One passed step: its name and how long it took.
#[derive(Debug, Clone)]
pub struct Passed {
    pub step: &'static str,
    pub millis: u128,
}

/// Runs every step in order, printing each as it passes; the first failure is
/// returned with the step's name in its message.
pub async fn run(options: &Options) -> anyhow::Result<Vec<Passed>> {
    let mut smoke = Smoke::new(options)?;
    let mut passed = Vec::new();
    macro_rules! step {
        ($name:literal, $call:expr) => {{
            let started = Instant::now();
            $call
                .await
                .with_context(|| format!("smoke step `{}` failed", $name))?;
            let done = Passed {
                step: $name,
                millis: started.elapsed().as_millis(),
            };
            println!("ok   {:<28} {:>6} ms", done.step, done.millis);
            passed.push(done);
        }};
    }
    step!("ready", smoke.ready());
    step!("canary tenant", smoke.canary());
    step!("canary login", smoke.login());
    step!("seven glass prices", smoke.glass_prices());
    step!("price change and restore", smoke.price_round_trip());
    step!("price history", smoke.history());
    step!("quote priced", smoke.preview());
    step!("quote saved and PDF", smoke.pdf());
    step!("ready afterwards", smoke.ready());
    Ok(passed)
}

/// The canary admin's password for a platform key: HMAC-SHA256 of a fixed label.
pub fn canary_password(platform_key: &SecretString) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(platform_key.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"ventanas smoke canary admin");
    hex::encode(&mac.finalize().into_bytes()[..16])
}

struct Smoke<'a> {
    options: &'a Options,
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// The probe's price before the run changed it.
    probe_price: Option<Decimal>,
}

impl<'a> Smoke<'a> {
    fn new(options: &'a Options) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            options,
            http,
            base: options.url.trim_end_matches('/').to_owned(),
            token: None,
            probe_price: None,
        })
    }

    /// Sends a request; `bearer` is the platform key or the canary's session.
    async fn send(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, String)],
    ) -> anyhow::Result<reqwest::Response> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(bearer) = bearer {
            req = req.bearer_auth(bearer);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        for (name, value) in headers {
            req = req.header(*name, value);
        }
        req.send()
            .await
            .with_context(|| format!("{method} {path}: no answer"))
    }

    /// The JSON body of an answer with the expected status, else an error with
    /// what came instead.
    async fn expect(
        resp: reqwest::Response,
        status: StatusCode,
        what: &str,
    ) -> anyhow::Result<Value> {
        let got = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if got != status {
            bail!("{what}: expected {status}, got {got}: {text}");
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).with_context(|| format!("{what}: the answer is not JSON"))
    }

    fn token(&self) -> anyhow::Result<&str> {
        self.token
            .as_deref()
            .ok_or_else(|| anyhow!("not logged in"))
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        let resp = self
            .send(Method::GET, path, Some(self.token()?), None, &[])
            .await?;
        Self::expect(resp, StatusCode::OK, &format!("GET {path}")).await
    }

    async fn ready(&mut self) -> anyhow::Result<()> {
        let resp = self.send(Method::GET, "/ready", None, None, &[]).await?;
        Self::expect(resp, StatusCode::OK, "GET /ready")
            .await
            .map(drop)
    }

    async fn canary(&mut self) -> anyhow::Result<()> {
        let key = self.options.platform_key.expose_secret();
        let slug = &self.options.tenant;
        let path = format!("/api/v1/platform/tenants/{slug}");
        let resp = self.send(Method::GET, &path, Some(key), None, &[]).await?;
        match resp.status() {
            StatusCode::OK => {
                let tenant = Self::expect(resp, StatusCode::OK, "the canary").await?;
                ensure!(
                    tenant["active"] != json!(false),
                    "the canary tenant {slug} is inactive"
                );
                Ok(())
            }
            StatusCode::NOT_FOUND => self.onboard().await,
            StatusCode::UNAUTHORIZED => bail!("the platform key was refused"),
            _ => Self::expect(resp, StatusCode::OK, "the canary")
                .await
                .map(drop),
        }
    }

    async fn onboard(&mut self) -> anyhow::Result<()> {
        let key = self.options.platform_key.expose_secret();
        let body = json!({
            "slug": self.options.tenant,
            "name": "Verificación (canario)",
            "admin": { "email": CANARY_EMAIL, "password": canary_password(&self.options.platform_key) },
        });
        let idempotency = [("Idempotency-Key", uuid::Uuid::new_v4().to_string())];
        let resp = self
            .send(
                Method::POST,
                "/api/v1/platform/tenants",
                Some(key),
                Some(body),
                &idempotency,
            )
            .await?;
        Self::expect(resp, StatusCode::CREATED, "onboarding the canary")
            .await
            .map(drop)
    }

    async fn login(&mut self) -> anyhow::Result<()> {
        let body = json!({
            "tenant": self.options.tenant,
            "email": CANARY_EMAIL,
            "password": canary_password(&self.options.platform_key),
        });
        let resp = self
            .send(Method::POST, "/api/v1/auth/login", None, Some(body), &[])
            .await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            bail!(
                "the canary admin {CANARY_EMAIL} was refused: the canary was onboarded with \
                 another platform key (its password derives from the key); run with that key \
                 or another --tenant"
            );
        }
        let session = Self::expect(resp, StatusCode::OK, "login").await?;
        let token = session["token"]
            .as_str()
            .ok_or_else(|| anyhow!("login answered no token"))?;
        self.token = Some(token.to_owned());
        Ok(())
    }

    async fn glass_prices(&mut self) -> anyhow::Result<()> {
        let list = self.get("/api/v1/prices?category=glass").await?;
        let items = list["items"]
            .as_array()
            .ok_or_else(|| anyhow!("no items in {list}"))?;
        for code in GLASS_CODES {
            let found = items
                .iter()
                .find(|p| p["code"] == code)
                .ok_or_else(|| anyhow!("{code} is missing from the glass prices"))?;
            ensure!(
                found["source"] == "tenant",
                "{code} is not the tenant's own copy: {found}"
            );
            let price = money(&found["price"]).context(code)?;
            ensure!(price > Decimal::ZERO, "{code} costs {price}");
            let one = self.get(&format!("/api/v1/prices/{code}")).await?;
            ensure!(
                one["price"] == found["price"],
                "{code}: the list and the lookup disagree"
            );
        }
        Ok(())
    }

    /// Sets the probe's price through the API, with the material's current ETag.
    async fn set_probe(&self, price: Decimal) -> anyhow::Result<()> {
        let path = format!("/api/v1/materials/{PROBE}");
        let resp = self
            .send(Method::GET, &path, Some(self.token()?), None, &[])
            .await?;
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| anyhow!("GET {path} sent no ETag"))?
            .to_owned();
        Self::expect(resp, StatusCode::OK, &format!("GET {path}")).await?;
        let body = json!({ "price": format!("{price:.2}") });
        let resp = self
            .send(
                Method::PATCH,
                &path,
                Some(self.token()?),
                Some(body),
                &[("If-Match", etag)],
            )
            .await?;
        Self::expect(resp, StatusCode::OK, &format!("PATCH {path}"))
            .await
            .map(drop)
    }

    async fn served_probe(&self) -> anyhow::Result<Decimal> {
        money(&self.get(&format!("/api/v1/prices/{PROBE}")).await?["price"])
    }

    async fn price_round_trip(&mut self) -> anyhow::Result<()> {
        let before = self.served_probe().await?;
        self.probe_price = Some(before);
        let changed = before + Decimal::ONE;
        self.set_probe(changed).await?;
        let seen = self.served_probe().await;
        // Restored whatever happened, so a failed run leaves the canary as it was.
        let restored = self.set_probe(before).await;
        let seen = seen?;
        ensure!(
            seen == changed,
            "after setting {changed}, {PROBE} was served at {seen}"
        );
        restored?;
        let back = self.served_probe().await?;
        ensure!(
            back == before,
            "after restoring {before}, {PROBE} was served at {back}"
        );
        Ok(())
    }

    async fn history(&mut self) -> anyhow::Result<()> {
        let before = self
            .probe_price
            .ok_or_else(|| anyhow!("the price step did not run"))?;
        let page = self
            .get(&format!("/api/v1/price-history?code={PROBE}"))
            .await?;
        let prices: Vec<Decimal> = page["items"]
            .as_array()
            .ok_or_else(|| anyhow!("no items in {page}"))?
            .iter()
            .take(2)
            .map(|entry| money(&entry["new"]))
            .collect::<anyhow::Result<_>>()?;
        let expected = [before, before + Decimal::ONE];
        ensure!(
            prices == expected,
            "newest history entries are {prices:?}, expected {expected:?}"
        );
        Ok(())
    }

    fn window() -> Value {
        json!({ "product": "VEN-CORR-NAC3", "width_cm": "150", "height_cm": "120",
                "quantity": 1, "glass": "VID-CLARO-6", "colour": "NAT" })
    }

    async fn preview(&mut self) -> anyhow::Result<()> {
        let body = json!({ "items": [Self::window()] });
        let resp = self
            .send(
                Method::POST,
                "/api/v1/quotes/preview",
                Some(self.token()?),
                Some(body),
                &[],
            )
            .await?;
        let quote = Self::expect(resp, StatusCode::OK, "POST /api/v1/quotes/preview").await?;
        let total = money(&quote["totals"]["total"])?;
        ensure!(total > Decimal::ZERO, "the quote's total is {total}");
        Ok(())
    }

    async fn pdf(&mut self) -> anyhow::Result<()> {
        let client = self.client_id().await?;
        let body = json!({ "client_id": client, "title": "Verificación posterior al despliegue",
                           "items": [Self::window()] });
        let key = [("Idempotency-Key", uuid::Uuid::new_v4().to_string())];
        let resp = self
            .send(
                Method::POST,
                "/api/v1/quotes",
                Some(self.token()?),
                Some(body),
                &key,
            )
            .await?;
        let quote = Self::expect(resp, StatusCode::CREATED, "POST /api/v1/quotes").await?;
        let id = quote["id"]
            .as_str()
            .ok_or_else(|| anyhow!("no quote id in {quote}"))?;
        let path = format!("/api/v1/quotes/{id}/pdf");
        let resp = self
            .send(Method::GET, &path, Some(self.token()?), None, &[])
            .await?;
        ensure!(
            resp.status() == StatusCode::OK,
            "GET {path}: {}",
            resp.status()
        );
        let pdf = resp.bytes().await?;
        ensure!(pdf.starts_with(b"%PDF-"), "GET {path} is not a PDF");
        ensure!(pdf.len() > 1000, "GET {path}: a PDF of {} bytes", pdf.len());
        Ok(())
    }

    /// The canary's client, created on first use.
    async fn client_id(&self) -> anyhow::Result<String> {
        let found = self.get("/api/v1/clients?search=verificaci").await?;
        if let Some(id) = found["items"]
            .as_array()
            .and_then(|items| items.iter().find(|c| c["name"] == CANARY_CLIENT))
            .and_then(|c| c["id"].as_str())
        {
            return Ok(id.to_owned());
        }
        let key = [("Idempotency-Key", uuid::Uuid::new_v4().to_string())];
        let body = json!({ "name": CANARY_CLIENT });
        let resp = self
            .send(
                Method::POST,
                "/api/v1/clients",
                Some(self.token()?),
                Some(body),
                &key,
            )
            .await?;
        let client = Self::expect(resp, StatusCode::CREATED, "POST /api/v1/clients").await?;
        client["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("no client id in {client}"))
    }
}

/// A money string with exactly two decimals, as the API writes every amount.
fn money(value: &Value) -> anyhow::Result<Decimal> {
    let text = value
        .as_str()
        .ok_or_else(|| anyhow!("{value} is not a money string"))?;
    let (_, decimals) = text.split_once('.').unwrap_or((text, ""));
    ensure!(decimals.len() == 2, "{text} does not have two decimals");
    text.parse()
        .with_context(|| format!("{text} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_needs_two_decimals() {
        assert_eq!(money(&json!("85.00")).ok(), Some(Decimal::new(8500, 2)));
        assert!(money(&json!("85")).is_err());
        assert!(money(&json!("85.5")).is_err());
        assert!(money(&json!(85.0)).is_err());
    }

    #[test]
    fn the_canary_password_depends_on_the_key_only() {
        let a = canary_password(&SecretString::from("vtp.one"));
        assert_eq!(a, canary_password(&SecretString::from("vtp.one")));
        assert_ne!(a, canary_password(&SecretString::from("vtp.two")));
        assert_eq!(a.len(), 32);
    }
}
