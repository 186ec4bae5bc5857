//! What every page answer carries, and the forms' CSRF tokens.
//!
//! Headers: a strict Content-Security-Policy (only this origin's scripts, styles,
//! images and form targets; no inline script or style, which the templates never
//! use; no framing), `nosniff`, `Referrer-Policy: same-origin`, and `no-store` on
//! pages (they show one user's data; assets set their own caching).
//!
//! CSRF: two locks on every form post. The first is the API's own
//! Origin / Sec-Fetch-Site check ([`crate::auth::csrf`]). The second is a token in a
//! hidden field: for a signed-in user an HMAC of the session's id under a key
//! derived from `idempotency.secret` (nothing stored; it dies with the session); for
//! the login form, which has no session yet, an HMAC of a random nonce kept in a
//! short-lived `__Host-` cookie (a sibling subdomain can neither read nor set it).

use hmac::{Hmac, Mac};
use poem::http::{header, HeaderValue};
use poem::Response;
use rand::RngCore as _;
use sha2::Sha256;

use crate::config::{ExposeSecret as _, Settings};
use crate::ids::SessionId;

/// The policy every page answer carries. `connect-src 'self'` is htmx's: its
/// requests are fetches, which `default-src 'none'` alone would block.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
base-uri 'none'";

/// Cookie of the login form's nonce.
pub const LOGIN_COOKIE: &str = "__Host-ventanas_login";

/// Sets the security headers on an answer; pages (not assets) are never stored.
pub fn add_headers(resp: &mut Response) {
    let headers = resp.headers_mut();
    for (name, value) in [
        ("content-security-policy", CSP),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The key form tokens are made with.
pub struct CsrfKey(Hmac<Sha256>);

impl CsrfKey {
    /// Derives the key from `idempotency.secret` (whose length the login throttle
    /// already checks), apart from every other key derived from it.
    pub fn from_settings(settings: &Settings) -> Self {
        let secret = settings.idempotency.secret.expose_secret().as_bytes();
        let derive = |key: &[u8], label: &[u8]| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            mac.update(label);
            mac
        };
        let key = derive(secret, b"ventanas web csrf v1")
            .finalize()
            .into_bytes();
        Self(derive(&key, b""))
    }

    fn token(&self, purpose: &[u8], value: &[u8]) -> String {
        let mut mac = self.0.clone();
        mac.update(purpose);
        mac.update(value);
        hex::encode(mac.finalize().into_bytes())
    }

    fn verify(&self, purpose: &[u8], value: &[u8], token: &str) -> bool {
        let Ok(sent) = hex::decode(token.trim()) else {
            return false;
        };
        let mut mac = self.0.clone();
        mac.update(purpose);
        mac.update(value);
        mac.verify_slice(&sent).is_ok()
    }

    /// The token of a session's forms.
    pub fn session_token(&self, session: SessionId) -> String {
        self.token(b"session:", session.to_string().as_bytes())
    }

    /// Whether `token` is the session's.
    pub fn check_session(&self, session: SessionId, token: &str) -> bool {
        self.verify(b"session:", session.to_string().as_bytes(), token)
    }

    /// A fresh login nonce (for the cookie) and the form's token for it.
    pub fn new_login(&self) -> (String, String) {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let nonce = hex::encode(nonce);
        let token = self.token(b"login:", nonce.as_bytes());
        (nonce, token)
    }

    /// Whether `token` belongs to the login `nonce` of the cookie.
    pub fn check_login(&self, nonce: &str, token: &str) -> bool {
        !nonce.is_empty() && self.verify(b"login:", nonce.as_bytes(), token)
    }
}

/// The `Set-Cookie` of the login nonce: an hour, this host only, never to scripts.
pub fn login_cookie(nonce: &str) -> String {
    format!("{LOGIN_COOKIE}={nonce}; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Strict")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> CsrfKey {
        let mut settings = Settings::load_from(
            &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config"),
            "test",
            Vec::new(),
        )
        .expect("test settings");
        settings.idempotency.secret = secret.to_owned().into();
        CsrfKey::from_settings(&settings)
    }

    #[test]
    fn session_tokens_belong_to_one_session_and_one_secret() {
        let a = key("a-secret-of-at-least-thirty-two-bytes-1");
        let b = key("a-secret-of-at-least-thirty-two-bytes-2");
        let session = SessionId::new_random();
        let token = a.session_token(session);
        assert!(a.check_session(session, &token));
        assert!(
            !a.check_session(SessionId::new_random(), &token),
            "other session"
        );
        assert!(!b.check_session(session, &token), "other secret");
        assert!(!a.check_session(session, ""), "empty");
        assert!(!a.check_session(session, "zz"), "not hex");
    }

    #[test]
    fn login_tokens_belong_to_their_nonce() {
        let a = key("a-secret-of-at-least-thirty-two-bytes-1");
        let (nonce, token) = a.new_login();
        assert!(a.check_login(&nonce, &token));
        let (other, _) = a.new_login();
        assert!(!a.check_login(&other, &token));
        assert!(!a.check_login("", &token));
        assert!(
            !a.check_login(&nonce, &a.session_token(SessionId::new_random())),
            "a session token is no login token"
        );
    }
}
