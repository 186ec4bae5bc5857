//! Opaque secrets: session tokens and platform API keys. Only their SHA-256 is stored.

use rand::RngCore as _;
use sha2::{Digest, Sha256};

use crate::ids::TenantId;

const SESSION_PREFIX: &str = "vts";
const PLATFORM_PREFIX: &str = "vtp";

fn random_hex() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a secret. The secrets are 256 random bits, so a fast hash is enough.
pub fn digest(secret: &str) -> Vec<u8> {
    digest_array(secret).to_vec()
}

/// [`digest`] as a fixed-size array, for keys kept inline (no heap pointer to chase
/// on every comparison).
pub fn digest_array(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A new session token for `tenant`: `vts.<tenant>.<64 hex>`. The tenant part tells
/// the server which tenant to bind before looking the session up (row-level
/// security hides sessions of every other tenant); it grants nothing by itself.
pub fn new_session_token(tenant: TenantId) -> String {
    format!("{SESSION_PREFIX}.{}.{}", tenant.0.simple(), random_hex())
}

/// The tenant a session token claims, if it is well-formed.
pub fn session_token_tenant(token: &str) -> Option<TenantId> {
    let mut parts = token.split('.');
    let (prefix, tenant, secret) = (parts.next()?, parts.next()?, parts.next()?);
    if prefix != SESSION_PREFIX || parts.next().is_some() || !is_hex64(secret) {
        return None;
    }
    tenant.parse().ok().map(TenantId)
}

/// A new platform API key: `vtp.<64 hex>`.
pub fn new_platform_key() -> String {
    format!("{PLATFORM_PREFIX}.{}", random_hex())
}

/// Whether a string looks like a platform key.
pub fn is_platform_key(key: &str) -> bool {
    key.strip_prefix("vtp.").is_some_and(is_hex64)
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_tokens_carry_their_tenant_and_are_unique() {
        let tenant = TenantId::new_random();
        let (a, b) = (new_session_token(tenant), new_session_token(tenant));
        assert_ne!(a, b);
        assert_eq!(session_token_tenant(&a), Some(tenant));
        assert_ne!(digest(&a), digest(&b));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let tenant = TenantId::new_random();
        let good = new_session_token(tenant);
        for bad in [
            "",
            "vts",
            "vts.x.y",
            &good[..good.len() - 1],
            &format!("{good}.x"),
            &good.replace("vts", "vtp"),
        ] {
            assert_eq!(session_token_tenant(bad), None, "{bad:?}");
        }
        assert!(is_platform_key(&new_platform_key()));
        assert!(!is_platform_key(&good));
    }
}
