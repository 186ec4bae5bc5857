//! The web app's static files, embedded in the binary and served under names that
//! carry a prefix of their SHA-256 (`/assets/app.3f2a9c1e0b7d.css`): a changed file
//! gets a new name, so every name may be cached for a year and never revalidated.
//! Nothing is loaded from anywhere else.

use std::sync::LazyLock;

use poem::http::{header, StatusCode};
use poem::web::Path;
use poem::{handler, Response};
use sha2::{Digest, Sha256};

/// URL prefix of the assets.
pub const PREFIX: &str = "/assets/";

/// How long browsers may keep an asset: a year, without asking again.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One embedded file.
pub struct Asset {
    /// The name it is served under, with its hash: `app.3f2a9c1e0b7d.css`.
    pub name: String,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

impl Asset {
    fn new(stem: &str, ext: &str, content_type: &'static str, bytes: &'static [u8]) -> Self {
        let hash = hex::encode(Sha256::digest(bytes));
        Self {
            name: format!("{stem}.{}.{ext}", &hash[..12]),
            content_type,
            bytes,
        }
    }

    /// The path pages link to.
    pub fn url(&self) -> String {
        format!("{PREFIX}{}", self.name)
    }
}

/// Every asset, hashed once at start-up.
pub struct Assets {
    pub css: Asset,
    /// htmx 2, from its npm package (`vendor/htmx-LICENSE`, Zero-Clause BSD).
    pub htmx: Asset,
}

impl Assets {
    fn all(&self) -> [&Asset; 2] {
        [&self.css, &self.htmx]
    }

    /// The asset served under `name`, if any.
    pub fn find(&self, name: &str) -> Option<&Asset> {
        self.all().into_iter().find(|a| a.name == name)
    }
}

/// The assets, hashed on first use.
pub static ASSETS: LazyLock<Assets> = LazyLock::new(|| Assets {
    css: Asset::new(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("assets/app.css"),
    ),
    htmx: Asset::new(
        "htmx-2.0.11",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/vendor/htmx-2.0.11.min.js"),
    ),
});

/// `GET /assets/<name>`: the file with its type and a year of caching, or 404.
#[handler]
pub fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.find(&name) {
        Some(asset) => Response::builder()
            .header(header::CONTENT_TYPE, asset.content_type)
            .header(header::CACHE_CONTROL, IMMUTABLE)
            .body(asset.bytes),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-store")
            .body("not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_a_prefix_of_the_contents_hash() {
        let css = &ASSETS.css;
        let hash = hex::encode(Sha256::digest(css.bytes));
        assert_eq!(css.name, format!("app.{}.css", &hash[..12]));
        assert!(ASSETS.find(&css.name).is_some());
        assert!(
            ASSETS.find("app.css").is_none(),
            "unhashed names are unknown"
        );
        assert!(ASSETS.htmx.name.starts_with("htmx-2.0.11."));
    }
}
