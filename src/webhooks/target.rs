//! Which URLs a webhook may target, checked at registration and again at delivery.
//!
//! A URL must be `http` or `https`, carry no user or password, and name a host.
//! Unless `webhooks.allow_private_targets` is on, the host must be public: not
//! loopback, private (RFC 1918, unique-local `fc00::/7`), link-local (`169.254/16`
//! with the cloud metadata address `169.254.169.254`, `fe80::/10`), CGNAT
//! (`100.64/10`), unspecified, broadcast, multicast, reserved or documentation
//! space, nor such an IPv4 address inside IPv6 (`::ffff:10.0.0.1`, NAT64, 6to4).
//!
//! Registration checks what the URL says (an address, or a name like `localhost`)
//! without resolving it: DNS can change afterwards anyway. Delivery resolves the
//! name itself ([`VettedResolver`]) and lets the HTTP client connect only to the
//! addresses that pass, so a name that points (or is re-pointed) at an internal
//! address never reaches it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// Longest accepted URL, in characters.
pub const MAX_URL_CHARS: usize = 2048;

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Parses and checks a target URL: scheme, credentials, host, and (unless
/// `allow_private`) the host's address when the URL names one.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, Refused> {
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(Refused(format!(
            "a URL has at most {MAX_URL_CHARS} characters"
        )));
    }
    let url = Url::parse(raw).map_err(|e| Refused(format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused(format!(
            "the scheme must be https or http, not {}",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused(
            "a URL may not carry a user name or password".to_owned(),
        ));
    }
    let host = url
        .host()
        .ok_or_else(|| Refused("the URL names no host".to_owned()))?;
    if allow_private {
        return Ok(url);
    }
    match host {
        url::Host::Ipv4(ip) => check_ip(IpAddr::V4(ip))?,
        url::Host::Ipv6(ip) => check_ip(IpAddr::V6(ip))?,
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return Err(Refused(format!("{name} is a loopback name")));
            }
        }
    }
    Ok(url)
}

/// Refuses an address that is not public (see the module documentation).
pub fn check_ip(ip: IpAddr) -> Result<(), Refused> {
    match forbidden_kind(ip) {
        Some(kind) => Err(Refused(format!("{ip} is a {kind} address"))),
        None => Ok(()),
    }
}

/// What kind of non-public address `ip` is, if it is one.
fn forbidden_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_kind(v4),
        IpAddr::V6(v6) => v6_kind(v6),
    }
}

fn v4_kind(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let kind = match (a, b, c) {
        _ if ip == Ipv4Addr::new(169, 254, 169, 254) => "cloud metadata",
        _ if ip.is_broadcast() => "broadcast",
        (0, _, _) => "unspecified",
        (127, _, _) => "loopback",
        (10, _, _) | (192, 168, _) => "private",
        (172, 16..=31, _) => "private",
        (169, 254, _) => "link-local",
        (100, 64..=127, _) => "shared (CGNAT)",
        (192, 0, 0) => "IETF protocol",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "documentation",
        (198, 18..=19, _) => "benchmarking",
        (224..=239, _, _) => "multicast",
        (240..=255, _, _) => "reserved",
        _ => return None,
    };
    Some(kind)
}

fn v6_kind(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = embedded_v4(ip) {
        return v4_kind(v4);
    }
    let first = ip.segments()[0];
    let kind = match first {
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_loopback() => "loopback",
        _ if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254) => "cloud metadata",
        0xfc00..=0xfdff => "unique-local (private)",
        0xfe80..=0xfebf => "link-local",
        0xfec0..=0xfeff => "site-local",
        0xff00..=0xffff => "multicast",
        0x2001 if ip.segments()[1] == 0x0db8 => "documentation",
        0x0100 if ip.segments()[1..4] == [0, 0, 0] => "discard",
        _ => return None,
    };
    Some(kind)
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`),
/// IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:ab:cd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail()),
        [0, 0, 0, 0, 0, 0, _, _] if !ip.is_loopback() && !ip.is_unspecified() => Some(tail()),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail()),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new(
            (hi >> 8) as u8,
            hi as u8,
            (lo >> 8) as u8,
            lo as u8,
        )),
        _ => None,
    }
}

/// Looks a host name up: the system's resolver, or a fixed table in tests.
type Lookup = Arc<dyn Fn(String) -> LookupFuture + Send + Sync>;
type LookupFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<Vec<SocketAddr>>> + Send>>;

/// The HTTP client's resolver: looks the name up, then keeps only the addresses
/// [`check_ip`] accepts (all of them with `allow_private`). A name left with none
/// fails the connection with a [`Refused`] naming why. The client connects to
/// exactly the addresses kept, so what was checked is what is reached.
#[derive(Clone)]
pub struct VettedResolver {
    allow_private: bool,
    lookup: Lookup,
}

impl std::fmt::Debug for VettedResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VettedResolver")
            .field("allow_private", &self.allow_private)
            .finish_non_exhaustive()
    }
}

impl VettedResolver {
    /// With the system's resolver.
    pub fn system(allow_private: bool) -> Self {
        let lookup: Lookup = Arc::new(|host: String| {
            Box::pin(
                async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.collect()) },
            )
        });
        Self {
            allow_private,
            lookup,
        }
    }

    /// With a fixed table of names and their addresses, e.g. a name that points at
    /// an internal address (tests of DNS rebinding); other names do not resolve.
    pub fn fixed(allow_private: bool, table: Vec<(String, Vec<IpAddr>)>) -> Self {
        let table = Arc::new(table);
        let lookup: Lookup = Arc::new(move |host: String| {
            let found = table
                .iter()
                .find(|(name, _)| *name == host)
                .map(|(_, ips)| ips.iter().map(|ip| SocketAddr::new(*ip, 0)).collect());
            Box::pin(async move {
                found.ok_or_else(|| std::io::Error::other(format!("{host} is not in the table")))
            })
        });
        Self {
            allow_private,
            lookup,
        }
    }
}

impl Resolve for VettedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        let lookup = (self.lookup)(host.clone());
        Box::pin(async move {
            let (kept, refused): (Vec<_>, Vec<_>) = lookup
                .await?
                .into_iter()
                .partition(|addr: &SocketAddr| allow_private || check_ip(addr.ip()).is_ok());
            if kept.is_empty() {
                let reason = match refused.first().map(|addr| check_ip(addr.ip())) {
                    Some(Err(Refused(why))) => format!("{host} resolves to {why}"),
                    _ => format!("{host} resolves to no address"),
                };
                return Err(Box::new(Refused(reason)) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_refused_for_scheme_credentials_and_non_public_hosts() {
        let refused = [
            ("ftp://example.com/x", "scheme"),
            ("javascript:alert(1)", "scheme"),
            ("https://user:pw@example.com/", "user name"),
            ("https://user@example.com/", "user name"),
            ("http://127.0.0.1:8080/", "loopback"),
            ("http://localhost/", "loopback"),
            ("http://api.localhost./", "loopback"),
            ("http://0x7f.1/", "loopback"),
            ("http://2130706433/", "loopback"),
            ("http://10.1.2.3/", "private"),
            ("http://172.20.0.1/", "private"),
            ("http://192.168.1.1/", "private"),
            ("http://169.254.169.254/latest/meta-data", "metadata"),
            ("http://169.254.1.1/", "link-local"),
            ("http://100.64.0.1/", "CGNAT"),
            ("http://0.0.0.0/", "unspecified"),
            ("http://255.255.255.255/", "broadcast"),
            ("http://[::1]/", "loopback"),
            ("http://[::]/", "unspecified"),
            ("http://[fd00:ec2::254]/", "metadata"),
            ("http://[fc00::1]/", "unique-local"),
            ("http://[fe80::1]/", "link-local"),
            ("http://[::ffff:127.0.0.1]/", "loopback"),
            ("http://[::ffff:169.254.169.254]/", "metadata"),
            ("http://[::ffff:10.0.0.1]/", "private"),
            ("http://[64:ff9b::10.0.0.1]/", "private"),
            ("http://[2002:a00:1::]/", "private"),
            ("not a url", "not a URL"),
        ];
        for (url, why) in refused {
            let err = check_url(url, false).expect_err(url);
            assert!(err.0.contains(why), "{url}: {err}");
        }
        for url in [
            "https://erp.example.com/hooks/ventanas",
            "http://93.184.216.34:8080/x?y=1",
            "https://[2606:4700::1111]/",
        ] {
            assert!(check_url(url, false).is_ok(), "{url}");
        }
    }

    #[test]
    fn private_targets_pass_only_when_allowed_and_never_with_credentials() {
        assert!(check_url("http://127.0.0.1:9/", true).is_ok());
        assert!(check_url("http://u:p@127.0.0.1:9/", true).is_err());
        assert!(check_url("file:///etc/passwd", true).is_err());
    }

    #[tokio::test]
    async fn the_resolver_keeps_only_public_addresses() {
        let strict = VettedResolver::system(false);
        let name: Name = "localhost".parse().expect("name");
        let err = strict.resolve(name).await.err().expect("refused");
        assert!(err.to_string().contains("loopback"), "{err}");
        let lenient = VettedResolver::system(true);
        let name: Name = "localhost".parse().expect("name");
        let addrs: Vec<_> = lenient.resolve(name).await.expect("resolves").collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
