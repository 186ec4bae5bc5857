//! The per-client-address limit on logins (`login_limit`): a keyed GCRA limiter
//! (governor) in front of password checks, for deployments without a proxy that
//! limits logins itself. The per-(shop, email) lockout is another matter (see
//! `auth::login`): this one bounds what a single address may try across all shops.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use poem::http::StatusCode;
use poem::Request;

use crate::config::LoginLimitSettings;
use crate::error::{ApiError, ApiResult};

/// Checks between two sweeps of the addresses whose budget is whole again: the
/// limiter keeps at most the addresses seen within one budget's refill, plus these.
const SWEEP_EVERY: u32 = 1024;

/// governor's keyed limiter, by address, on clock `C` (a fake one in unit tests).
type Limiter<C> =
    RateLimiter<IpAddr, DashMapStateStore<IpAddr>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Counts logins per client address; see `config/default.toml`, `[login_limit]`.
pub struct AddressLimiter<C: Clock = DefaultClock> {
    /// `None` when the limit is off (`per_minute = 0`).
    limiter: Option<Limiter<C>>,
    trusted: Vec<Network>,
    checks: AtomicU32,
}

impl AddressLimiter {
    /// Builds the limiter; refuses unparseable proxies and a zero burst.
    pub fn new(settings: &LoginLimitSettings) -> anyhow::Result<Self> {
        Self::with_clock(settings, DefaultClock::default())
    }

    /// Counts one login of the request's client: 429 `too_many_requests` with
    /// `Retry-After` once its budget is spent.
    pub fn check(&self, req: &Request) -> ApiResult<()> {
        if self.limiter.is_none() {
            return Ok(());
        }
        // Not a TCP peer (no address to count): nothing to limit by.
        let Some(peer) = req.remote_addr().as_socket_addr().map(|a| a.ip()) else {
            return Ok(());
        };
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = client_address(peer, &forwarded.join(","), &self.trusted);
        self.check_address(client).map_err(|wait| {
            metrics::counter!(crate::ops::metrics::LOGINS_REFUSED, "reason" => "address")
                .increment(1);
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let seconds = seconds.max(1);
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("too many logins from this address; try again in {seconds} seconds"),
            )
            .with_header("retry-after", seconds.to_string())
        })
    }
}

impl<C: Clock> AddressLimiter<C> {
    fn with_clock(settings: &LoginLimitSettings, clock: C) -> anyhow::Result<Self> {
        let trusted = settings
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Network::parse)
            .collect::<anyhow::Result<_>>()
            .context("login_limit.trusted_proxies")?;
        let limiter = match NonZeroU32::new(settings.per_minute) {
            None => None,
            Some(rate) => {
                let burst = NonZeroU32::new(settings.burst).context(
                    "login_limit.burst must be at least 1 (set login_limit.per_minute = 0 \
                     to turn the limit off)",
                )?;
                let quota = Quota::per_minute(rate).allow_burst(burst);
                Some(RateLimiter::dashmap_with_clock(quota, clock))
            }
        };
        Ok(Self {
            limiter,
            trusted,
            checks: AtomicU32::new(0),
        })
    }

    /// Counts one login of `client`; over the limit, how long until the next is allowed.
    fn check_address(&self, client: IpAddr) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter
            .check_key(&bucket(client))
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }

    /// How many addresses the limiter holds state for.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.limiter.as_ref().map_or(0, RateLimiter::len)
    }
}

/// The address a budget is kept for: an IPv6 client by its /64 (one customer's
/// network gets at least that many addresses), an IPv4-mapped one as IPv4.
fn bucket(client: IpAddr) -> IpAddr {
    match client.to_canonical() {
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !(u128::MAX >> 64);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        v4 => v4,
    }
}

/// The client of a request from `peer`: the peer itself unless it is a trusted
/// proxy; then the last address of `X-Forwarded-For` (each proxy appends the one it
/// saw) that is not a trusted proxy. What the client wrote further left is ignored.
fn client_address(peer: IpAddr, forwarded_for: &str, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    let mut client = peer;
    if !is_trusted(client) {
        return client;
    }
    for hop in forwarded_for.rsplit(',').map(str::trim) {
        // A hop that is not an address (a proxy's "unknown", a port) ends the chain:
        // the last good address is the best we know.
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// An address or CIDR block, e.g. `10.0.0.0/8`, `::1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    base: IpAddr,
    prefix: u32,
}

impl Network {
    fn parse(text: &str) -> anyhow::Result<Self> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let base: IpAddr = address
            .parse()
            .with_context(|| format!("{text:?} is not an address or CIDR block"))?;
        let base = base.to_canonical();
        let bits = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= bits)
                .with_context(|| format!("{text:?}: the prefix length is 0 to {bits}"))?,
        };
        Ok(Self { base, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self.base, ip.to_canonical()) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix).unwrap_or(0);
                u32::from(base) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix).unwrap_or(0);
                u128::from(base) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn settings(per_minute: u32, burst: u32, trusted_proxies: &str) -> LoginLimitSettings {
        LoginLimitSettings {
            per_minute,
            burst,
            trusted_proxies: trusted_proxies.to_owned(),
        }
    }

    fn networks(text: &str) -> Vec<Network> {
        let limiter = AddressLimiter::new(&settings(0, 0, text)).expect("parses");
        limiter.trusted
    }

    #[test]
    fn forwarded_for_counts_only_when_the_peer_is_a_trusted_proxy() {
        let proxies = networks("10.0.0.0/8, 127.0.0.1");
        let cases = [
            (
                "203.0.113.5",
                "198.51.100.1",
                "203.0.113.5",
                "an untrusted peer is the client",
            ),
            (
                "10.1.2.3",
                "198.51.100.1",
                "198.51.100.1",
                "a trusted proxy names the client",
            ),
            (
                "10.1.2.3",
                "1.1.1.1, 198.51.100.1",
                "198.51.100.1",
                "what the client wrote is ignored",
            ),
            (
                "10.1.2.3",
                "198.51.100.1, 10.9.9.9",
                "198.51.100.1",
                "a chain of trusted proxies",
            ),
            ("10.1.2.3", "", "10.1.2.3", "no header: the proxy itself"),
            ("10.1.2.3", "garbage", "10.1.2.3", "an unparseable hop"),
            ("127.0.0.1", "2001:db8::1", "2001:db8::1", "an IPv6 client"),
        ];
        for (peer, header, client, why) in cases {
            assert_eq!(
                client_address(ip(peer), header, &proxies),
                ip(client),
                "{why}"
            );
        }
    }

    #[test]
    fn proxies_are_addresses_or_cidr_blocks() {
        let proxies = networks("192.168.0.0/16, ::1, 2001:db8::/32");
        for (address, trusted) in [
            ("192.168.4.4", true),
            ("192.169.0.1", false),
            ("::1", true),
            ("::ffff:192.168.1.1", true),
            ("2001:db8:ffff::9", true),
            ("2001:db9::1", false),
        ] {
            let found = proxies.iter().any(|n| n.contains(ip(address)));
            assert_eq!(found, trusted, "{address}");
        }
        for bad in ["10.0.0.0/33", "localhost", "10.0.0.0/x", "::/129"] {
            assert!(AddressLimiter::new(&settings(0, 0, bad)).is_err(), "{bad}");
        }
        assert!(
            AddressLimiter::new(&settings(10, 0, "")).is_err(),
            "a zero burst with the limit on is refused"
        );
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64_prefix() {
        assert_eq!(bucket(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket(ip("::ffff:198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(bucket(ip("198.51.100.7")), ip("198.51.100.7"));
    }

    #[test]
    fn an_address_gets_its_burst_then_waits_and_others_are_untouched() {
        let clock = FakeRelativeClock::default();
        let limiter =
            AddressLimiter::with_clock(&settings(1, 2, ""), clock.clone()).expect("limiter");
        let a = ip("198.51.100.1");
        assert_eq!(limiter.check_address(a), Ok(()));
        assert_eq!(limiter.check_address(a), Ok(()));
        assert_eq!(limiter.check_address(a), Err(Duration::from_secs(60)));
        assert_eq!(limiter.check_address(ip("198.51.100.2")), Ok(()));
        clock.advance(Duration::from_secs(60));
        assert_eq!(limiter.check_address(a), Ok(()), "one login a minute");
    }

    #[test]
    fn addresses_whose_budget_is_whole_again_are_forgotten() {
        let clock = FakeRelativeClock::default();
        let limiter =
            AddressLimiter::with_clock(&settings(60, 5, ""), clock.clone()).expect("limiter");
        for i in 0..100u8 {
            assert_eq!(
                limiter.check_address(IpAddr::from([203, 0, 113, i])),
                Ok(())
            );
        }
        assert_eq!(limiter.tracked(), 100);
        clock.advance(Duration::from_secs(60));
        let last = ip("198.51.100.1");
        for _ in 100..SWEEP_EVERY {
            let _ = limiter.check_address(last);
        }
        assert_eq!(
            limiter.tracked(),
            1,
            "only the address still in use is kept"
        );
    }

    #[test]
    fn with_the_limit_off_nothing_is_counted() {
        let limiter = AddressLimiter::new(&settings(0, 0, "")).expect("limiter");
        for _ in 0..10_000 {
            assert_eq!(limiter.check_address(ip("198.51.100.1")), Ok(()));
        }
        assert_eq!(limiter.tracked(), 0);
    }
}
