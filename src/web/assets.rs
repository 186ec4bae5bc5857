//! The web app's static files, embedded in the binary and served under names that
//! carry a prefix of their SHA-256 (`/assets/app.3f2a9c1e0b7d.css`): a changed file
//! gets a new name, so every name may be cached for a year and never revalidated.
//! Nothing is loaded from anywhere else.

use std::sync::LazyLock;

use poem::http::{header, StatusCode};
use poem::web::Path;
use poem::{handler, Request, Response};
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
    /// The same file gzipped, when it is worth it (served to browsers that accept it).
    pub gzip: Option<&'static [u8]>,
}

impl Asset {
    fn new(stem: &str, ext: &str, content_type: &'static str, bytes: &'static [u8]) -> Self {
        let hash = hex::encode(Sha256::digest(bytes));
        Self {
            name: format!("{stem}.{}.{ext}", &hash[..12]),
            content_type,
            bytes,
            gzip: None,
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
    htmx: Asset {
        // The npm package's own gzip of the file (52 KB -> 17 KB).
        gzip: Some(include_bytes!("assets/vendor/htmx-2.0.11.min.js.gz")),
        ..Asset::new(
            "htmx-2.0.11",
            "js",
            "text/javascript; charset=utf-8",
            include_bytes!("assets/vendor/htmx-2.0.11.min.js"),
        )
    },
});

/// Whether the request accepts gzip (`Accept-Encoding: gzip`, not `gzip;q=0`).
fn accepts_gzip(req: &Request) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts.next() == Some("gzip") && !parts.any(|p| p.replace(' ', "") == "q=0")
        })
}

/// `GET /assets/<name>`: the file with its type and a year of caching (gzipped
/// when it has a gzip and the browser accepts it), or 404.
#[handler]
pub fn serve(req: &Request, Path(name): Path<String>) -> Response {
    match ASSETS.find(&name) {
        Some(asset) => {
            let builder = Response::builder()
                .header(header::CONTENT_TYPE, asset.content_type)
                .header(header::CACHE_CONTROL, IMMUTABLE)
                .header(header::VARY, "accept-encoding");
            match asset.gzip.filter(|_| accepts_gzip(req)) {
                Some(gzip) => builder.header(header::CONTENT_ENCODING, "gzip").body(gzip),
                None => builder.body(asset.bytes),
            }
        }
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

    #[test]
    fn the_gzip_of_htmx_is_of_the_same_file() {
        let htmx = &ASSETS.htmx;
        let gzip = htmx.gzip.expect("htmx has a gzip");
        assert_eq!(&gzip[..2], &[0x1f, 0x8b], "gzip magic");
        // The trailer's last field is the uncompressed size (mod 2^32).
        let size = u32::from_le_bytes(gzip[gzip.len() - 4..].try_into().expect("4 bytes"));
        assert_eq!(size as usize, htmx.bytes.len());
        // After the 10-byte header, the original file name (flag 8), NUL-ended.
        let mut start = 10;
        if gzip[3] & 8 != 0 {
            start += gzip[start..].iter().position(|&b| b == 0).expect("NUL") + 1;
        }
        let inflated = miniz_oxide::inflate::decompress_to_vec(&gzip[start..gzip.len() - 8]).ok();
        assert!(
            inflated.as_deref() == Some(htmx.bytes),
            "the gzip inflates to the file"
        );
    }
}
