//! Signing secrets and signatures.
//!
//! No secret is stored. A webhook keeps a random 32-byte nonce; its secret is
//! `"whsec_" + hex(HMAC-SHA256(server key, label || webhook id || nonce))` under the
//! server key `webhooks.signing_key`, derived again whenever a delivery is signed.
//! A copy of the database alone therefore yields no secret; rotating draws a new
//! nonce, and the old secret stops signing at once. (Whoever holds the database and
//! the server key can derive every secret: keep the key with the other secrets.)

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::{ExposeSecret as _, WebhookSettings};
use crate::ids::WebhookId;

/// Shortest accepted `webhooks.signing_key`, in bytes.
const MIN_KEY_BYTES: usize = 32;

/// Bytes of a webhook's nonce.
pub const NONCE_BYTES: usize = 32;

/// Separates this use of the key from any other.
const LABEL: &[u8] = b"ventanas webhook secret v1";

/// The server key secrets are derived from.
#[derive(Clone)]
pub struct SigningKey(Hmac<Sha256>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([REDACTED])")
    }
}

impl SigningKey {
    /// The key from the settings; refuses one shorter than 32 bytes.
    pub fn from_settings(settings: &WebhookSettings) -> anyhow::Result<Self> {
        let key = settings.signing_key.expose_secret().as_bytes();
        anyhow::ensure!(
            key.len() >= MIN_KEY_BYTES,
            "webhooks.signing_key must be at least {MIN_KEY_BYTES} bytes (or empty, to derive \
             it from idempotency.secret)"
        );
        Hmac::new_from_slice(key)
            .map(Self)
            .map_err(|e| anyhow::anyhow!("webhooks.signing_key: {e}"))
    }

    /// The secret of a webhook with this nonce.
    pub fn secret(&self, webhook: WebhookId, nonce: &[u8]) -> String {
        let mut mac = self.0.clone();
        mac.update(LABEL);
        mac.update(webhook.0.as_bytes());
        mac.update(nonce);
        format!("whsec_{}", hex::encode(mac.finalize().into_bytes()))
    }
}

/// A fresh random nonce.
pub fn new_nonce() -> Vec<u8> {
    use rand::RngCore as _;
    let mut nonce = vec![0u8; NONCE_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    nonce
}

/// The `X-Ventanas-Signature` value for `body` sent at unix time `t`:
/// `t=<t>,v1=<lowercase hex HMAC-SHA256 of "<t>.<body>" keyed with the secret's
/// UTF-8 bytes>`. The time is signed too, so a receiver can refuse old replays.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> SigningKey {
        SigningKey(Hmac::new_from_slice(text.as_bytes()).expect("key"))
    }

    #[test]
    fn secrets_depend_on_key_webhook_and_nonce() {
        let (a, b) = (key(&"a".repeat(32)), key(&"b".repeat(32)));
        let id = WebhookId::new_random();
        let nonce = new_nonce();
        let secret = a.secret(id, &nonce);
        assert!(
            secret.starts_with("whsec_") && secret.len() == 6 + 64,
            "{secret}"
        );
        assert_eq!(a.secret(id, &nonce), secret, "derived again, the same");
        assert_ne!(b.secret(id, &nonce), secret, "another server key");
        assert_ne!(a.secret(WebhookId::new_random(), &nonce), secret);
        assert_ne!(a.secret(id, &new_nonce()), secret, "a rotation");
    }

    #[test]
    fn the_signature_is_the_hmac_of_time_dot_body() {
        // Known answer, computed independently (openssl, Python's hmac):
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }
}
