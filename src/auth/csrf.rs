//! Cross-site request refusal for cookie-authenticated writes.
//!
//! A browser attaches the session cookie to any request to this service, whoever's
//! page sends it. `SameSite=Strict` stops that in current browsers; this check is
//! the second lock, and the one that holds for sibling subdomains (`same-site`, which
//! may be other shops) and for browsers that ignore `SameSite`.
//!
//! Writes (every method but GET, HEAD and OPTIONS) authenticated by the cookie are
//! refused with 403 `cross_site_request` when:
//! - `Sec-Fetch-Site` is `cross-site`, or `same-site` without a trusted `Origin`, or
//!   a value browsers do not send (`same-origin` and `none` pass);
//! - `Origin` is present and not trusted. Trusted: the request's own origin (its
//!   scheme, from `X-Forwarded-Proto` behind the proxy, else the connection's, and
//!   the `Host` header), the origin of `server.public_url`, and
//!   `server.allowed_origins`.
//!
//! A request with neither header does not come from a browser page (browsers send
//! `Origin` on every cross-origin write, and `Sec-Fetch-Site` on every request in
//! current versions), so it passes: such clients hold the token themselves. Bearer
//! tokens are not checked at all: a page cannot make a browser send one.

use std::fmt;

use poem::http::header::{HOST, ORIGIN};
use poem::http::uri::{Authority, Uri};
use poem::http::{HeaderMap, Method, StatusCode};
use poem::Request;

use crate::config::ServerSettings;
use crate::error::{ApiError, ApiResult};

const SEC_FETCH_SITE: &str = "sec-fetch-site";
const FORWARDED_PROTO: &str = "x-forwarded-proto";

/// A web origin, normalized: lowercase scheme and host, explicit port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// Parses `scheme://host[:port]` (what browsers send as `Origin`), with `http`
    /// or `https` as the scheme; a path of `/` is tolerated, nothing else is.
    pub fn parse(text: &str) -> Option<Self> {
        let uri: Uri = text.parse().ok()?;
        if uri.path_and_query().is_some_and(|pq| pq.as_str() != "/") {
            return None;
        }
        Self::of_uri(&uri)
    }

    /// The origin of an absolute `http(s)` URL, whatever its path.
    pub fn of_url(text: &str) -> Option<Self> {
        Self::of_uri(&text.parse().ok()?)
    }

    fn of_uri(uri: &Uri) -> Option<Self> {
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let authority = uri.authority()?;
        Self::new(&scheme, authority)
    }

    fn new(scheme: &str, authority: &Authority) -> Option<Self> {
        let default_port = match scheme {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        // Userinfo has no place in an origin.
        if authority.as_str().contains('@') || authority.host().is_empty() {
            return None;
        }
        Some(Self {
            scheme: scheme.to_owned(),
            host: authority.host().to_ascii_lowercase(),
            port: authority.port_u16().unwrap_or(default_port),
        })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// The origins other than a request's own that may send cookie-authenticated
/// writes: `server.public_url`'s and `server.allowed_origins`.
#[derive(Debug, Clone)]
pub struct TrustedOrigins(Vec<Origin>);

impl TrustedOrigins {
    /// Reads them from the settings; refuses an entry that is not an origin.
    pub fn from_settings(server: &ServerSettings) -> anyhow::Result<Self> {
        let mut list = Vec::with_capacity(server.allowed_origins.len() + 1);
        list.push(Origin::of_url(&server.public_url).ok_or_else(|| {
            anyhow::anyhow!(
                "server.public_url: {:?} is not an http(s) URL",
                server.public_url
            )
        })?);
        for entry in &server.allowed_origins {
            list.push(Origin::parse(entry).ok_or_else(|| {
                anyhow::anyhow!(
                    "server.allowed_origins: {entry:?} is not an origin \
                     (scheme://host[:port], e.g. https://app.example.com)"
                )
            })?);
        }
        Ok(Self(list))
    }

    fn contains(&self, origin: &Origin) -> bool {
        self.0.contains(origin)
    }
}

/// 403 `cross_site_request` when a cookie-authenticated request is a write sent
/// from a page that is not this service's (see the module documentation).
pub fn refuse_cross_site(req: &Request, trusted: &TrustedOrigins) -> ApiResult<()> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let headers = req.headers();
    let origin = single(headers, ORIGIN.as_str())?;
    match single(headers, SEC_FETCH_SITE)? {
        None | Some("same-origin" | "none") => {}
        Some("same-site") if origin.is_some() => {} // decided by the Origin below
        Some("same-site") => {
            return Err(refused(
                "Sec-Fetch-Site is same-site and no Origin says which site: a sibling host may be another shop",
            ))
        }
        Some("cross-site") => return Err(refused("Sec-Fetch-Site is cross-site")),
        Some(other) => {
            return Err(refused(format!(
                "Sec-Fetch-Site {other:?} is not one a browser sends"
            )))
        }
    }
    let Some(origin) = origin else {
        return Ok(());
    };
    let parsed = Origin::parse(origin);
    let own = own_origin(req);
    match parsed {
        Some(parsed) if own.as_ref() == Some(&parsed) || trusted.contains(&parsed) => Ok(()),
        _ => Err(refused(format!(
            "the Origin {origin:?} is not this service's origin{}",
            own.map(|o| format!(" ({o})")).unwrap_or_default()
        ))),
    }
}

/// The value of a header sent at most once, as text; several values, or one that
/// is not visible ASCII, are refused (a browser sends neither).
fn single<'a>(headers: &'a HeaderMap, name: &str) -> ApiResult<Option<&'a str>> {
    let mut values = headers.get_all(name).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    match (value.to_str(), values.next()) {
        (Ok(text), None) => Ok(Some(text.trim())),
        _ => Err(refused(format!("{name} must be sent once, as text"))),
    }
}

/// The origin the request was sent to: the scheme the client used (the proxy's
/// `X-Forwarded-Proto`, else the connection's) and the `Host` it named.
fn own_origin(req: &Request) -> Option<Origin> {
    let forwarded = req
        .headers()
        .get(FORWARDED_PROTO)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let scheme = forwarded.unwrap_or_else(|| req.scheme().as_str().to_ascii_lowercase());
    let authority = match req.headers().get(HOST) {
        Some(host) => host.to_str().ok()?.parse().ok()?,
        None => req.uri().authority()?.clone(),
    };
    Origin::new(&scheme, &authority)
}

fn refused(why: impl fmt::Display) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "cross_site_request",
        format!(
            "a write authenticated by the session cookie must come from this service's own pages: {why}; \
             other clients send the token as `Authorization: Bearer`"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_parsed_and_normalized() {
        let cases = [
            (
                "https://App.Example.com",
                Some("https://app.example.com:443"),
            ),
            (
                "https://app.example.com/",
                Some("https://app.example.com:443"),
            ),
            ("http://127.0.0.1:8000", Some("http://127.0.0.1:8000")),
            ("HTTP://[::1]:80", Some("http://[::1]:80")),
            ("null", None),
            ("", None),
            ("app.example.com", None),
            ("ftp://app.example.com", None),
            ("https://app.example.com/path", None),
            ("https://user@app.example.com", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                Origin::parse(text).map(|o| o.to_string()).as_deref(),
                expected,
                "{text:?}"
            );
        }
        assert_eq!(
            Origin::of_url("https://quotes.example.com/ventanas")
                .map(|o| o.to_string())
                .as_deref(),
            Some("https://quotes.example.com:443"),
            "a public URL's path is not part of its origin"
        );
    }
}
