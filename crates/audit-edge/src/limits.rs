//! Per-client request limits for API calls: a sustained rate with a burst (governor's GCRA, keyed
//! by client), and a block for an address that has had many different credentials refused — a
//! credential tester — so that it stops reaching the upstream, whose own block would land on the
//! whole team behind this server's one address.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::args::EdgeArgs;
use crate::client::ClientInfo;

/// Why an API call was refused before it went anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The client asked faster than its rate and burst allow.
    Rate {
        /// Whole seconds until a request would be admitted.
        retry_after_secs: u64,
    },
    /// The client had too many different credentials refused and is blocked for a while.
    Blocked {
        /// Whole seconds until the block ends.
        retry_after_secs: u64,
    },
}

/// What the client is told: what happened and when to try again.
impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Rate { retry_after_secs } => write!(
                f,
                "too many requests from your address; try again in {retry_after_secs} s"
            ),
            Refusal::Blocked { retry_after_secs } => write!(
                f,
                "too many different API keys or secrets were refused from your address, so the \
                 server refuses its calls for {retry_after_secs} s more; check the key and \
                 secret, then try again"
            ),
        }
    }
}

impl Refusal {
    /// Seconds to put into `Retry-After`.
    pub fn retry_after_secs(&self) -> u64 {
        match self {
            Refusal::Rate { retry_after_secs } | Refusal::Blocked { retry_after_secs } => {
                *retry_after_secs
            }
        }
    }
}

/// A keyed hash of a call's credentials ([`RequestLimits::fingerprint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(u64);

/// One client's refused credentials: a keyed hash of each (never the credentials) and when.
#[derive(Debug, Default)]
struct Refused {
    recent: VecDeque<(u64, Instant)>,
    blocked_until: Option<Instant>,
}

/// The limits every API call passes, shared by all connections.
#[derive(Debug)]
pub struct RequestLimits {
    rate: Option<DefaultKeyedRateLimiter<IpAddr>>,
    refusals_per_minute: usize,
    block: Duration,
    refused: Mutex<HashMap<IpAddr, Refused>>,
    hasher: RandomState,
    calls: AtomicU64,
}

const MINUTE: Duration = Duration::from_secs(60);
/// Every this many admitted calls, state of clients not seen lately is dropped.
const PRUNE_EVERY: u64 = 4096;

impl RequestLimits {
    /// Limits as the flags set them.
    pub fn new(args: &EdgeArgs) -> Self {
        let rate = NonZeroU32::new(args.rate_per_client).map(|per_sec| {
            let burst =
                NonZeroU32::new(args.rate_burst.max(args.rate_per_client)).unwrap_or(per_sec);
            RateLimiter::keyed(Quota::per_second(per_sec).allow_burst(burst))
        });
        Self {
            rate,
            refusals_per_minute: args.auth_refusals_per_minute as usize,
            block: Duration::from_secs(args.auth_block_secs.max(1)),
            refused: Mutex::default(),
            hasher: RandomState::new(),
            calls: AtomicU64::new(0),
        }
    }

    /// Whether an API call from `client` may go on; a refused one is answered 429 and goes
    /// nowhere.
    pub fn admit(&self, client: &ClientInfo) -> Result<(), Refusal> {
        let key = client.key();
        if self.refusals_per_minute > 0 {
            let now = Instant::now();
            let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(until) = refused.get(&key).and_then(|r| r.blocked_until) {
                if until > now {
                    return Err(Refusal::Blocked {
                        retry_after_secs: ceil_secs(until - now),
                    });
                }
            }
        }
        if self.calls.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.prune();
        }
        match &self.rate {
            Some(rate) => rate.check_key(&key).map_err(|not_until| Refusal::Rate {
                retry_after_secs: ceil_secs(
                    not_until.wait_time_from(governor::clock::Clock::now(rate.clock())),
                )
                .max(1),
            }),
            None => Ok(()),
        }
    }

    /// The credentials a call carries, as a keyed hash: taken before the call goes on, so that
    /// nothing of the request (whose header values share its connection's read buffer) is held
    /// while it waits, and the credentials themselves are never kept.
    pub fn fingerprint(&self, authorization: Option<&HeaderValue>) -> Fingerprint {
        Fingerprint(
            self.hasher
                .hash_one(authorization.map_or(&b""[..], HeaderValue::as_bytes)),
        )
    }

    /// Notes an API call's outcome: a 401 counts the credentials it carried against `client`.
    /// Returns `true` when this refusal blocked the client.
    pub fn record(
        &self,
        client: &ClientInfo,
        status: StatusCode,
        credentials: Fingerprint,
    ) -> bool {
        if status != StatusCode::UNAUTHORIZED || self.refusals_per_minute == 0 {
            return false;
        }
        self.record_refusal_at(client.key(), credentials, Instant::now())
    }

    fn record_refusal_at(&self, key: IpAddr, credentials: Fingerprint, now: Instant) -> bool {
        let hash = credentials.0;
        let mut all = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        let r = all.entry(key).or_default();
        if r.blocked_until.is_some_and(|until| until > now) {
            return false;
        }
        r.blocked_until = None;
        while r.recent.front().is_some_and(|(_, at)| now - *at >= MINUTE) {
            r.recent.pop_front();
        }
        if let Some(seen) = r.recent.iter_mut().find(|(h, _)| *h == hash) {
            seen.1 = now;
            return false;
        }
        r.recent.push_back((hash, now));
        if r.recent.len() > self.refusals_per_minute {
            r.recent.clear();
            r.blocked_until = Some(now + self.block);
            return true;
        }
        false
    }

    /// Forgets clients with nothing recent: no refusal within the minute, no block in force,
    /// and rate state back to full.
    fn prune(&self) {
        let now = Instant::now();
        self.refused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, r| {
                r.blocked_until.is_some_and(|u| u > now)
                    || r.recent.back().is_some_and(|(_, at)| now - *at < MINUTE)
            });
        if let Some(rate) = &self.rate {
            rate.retain_recent();
            rate.shrink_to_fit();
        }
    }

    /// How long a block lasts.
    pub fn block(&self) -> Duration {
        self.block
    }
}

/// Why an API call is turned away at the gate, before its server looks at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turned {
    /// The path is not one of the API's.
    NotFound,
    /// The path is, the method is not.
    MethodNotAllowed,
    /// The client's rate, or its block for trying many credentials.
    Limited(Refusal),
}

/// An API call through the gate: which call, from whom, and the fingerprint of the credentials
/// it carried (to count a refusal by, never the credentials themselves).
#[derive(Debug, Clone)]
pub struct Gated {
    /// The call.
    pub call: crate::calls::Call,
    /// Who it comes from.
    pub client: ClientInfo,
    credentials: Fingerprint,
}

impl RequestLimits {
    /// The gate every server's API handler puts a request through: which of the API's calls it
    /// is ([`crate::front::call_of`]), then the client's rate and block ([`admit`]).
    ///
    /// [`admit`]: Self::admit
    pub fn gate<B>(&self, req: &axum::http::Request<B>) -> Result<Gated, Turned> {
        let call = crate::front::call_of(req).map_err(|r| match r {
            crate::calls::Reject::NotFound => Turned::NotFound,
            crate::calls::Reject::MethodNotAllowed => Turned::MethodNotAllowed,
        })?;
        let client = ClientInfo::of(req);
        self.admit(&client).map_err(Turned::Limited)?;
        let credentials = self.fingerprint(req.headers().get(axum::http::header::AUTHORIZATION));
        Ok(Gated {
            call,
            client,
            credentials,
        })
    }

    /// After the answer: a 401 counts the call's credentials against its client ([`record`]),
    /// and a client this blocks is logged.
    ///
    /// [`record`]: Self::record
    pub fn settle(&self, gated: Gated, status: StatusCode) {
        if self.record(&gated.client, status, gated.credentials) {
            tracing::warn!(
                client = %gated.client.ip,
                block_secs = self.block().as_secs(),
                "client blocked: too many different credentials refused within a minute; \
                 its API calls get 429 until the block ends"
            );
        }
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    fn limits(flags: &[&str]) -> RequestLimits {
        RequestLimits::new(&crate::args::for_tests(flags))
    }

    fn client(ip: &str) -> ClientInfo {
        ClientInfo {
            ip: ip.parse().expect("ip"),
            scheme: "http",
        }
    }

    fn auth(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).expect("value")
    }

    #[test]
    fn different_refused_credentials_block_the_address_and_no_other() {
        let l = limits(&["--auth-refusals-per-minute", "3", "--auth-block-secs", "60"]);
        let (bad, good) = (client("192.0.2.66"), client("192.0.2.7"));
        let t0 = Instant::now();
        for i in 0..3 {
            let cred = auth(&format!("Basic guess{i}"));
            assert!(!l.record_refusal_at(bad.key(), l.fingerprint(Some(&cred)), t0));
        }
        assert!(l.admit(&bad).is_ok(), "three refusals are allowed");
        assert!(l.record_refusal_at(bad.key(), l.fingerprint(Some(&auth("Basic guess3"))), t0));
        match l.admit(&bad) {
            Err(Refusal::Blocked { retry_after_secs }) => {
                assert!((59..=60).contains(&retry_after_secs), "{retry_after_secs}")
            }
            other => panic!("not blocked: {other:?}"),
        }
        assert!(
            l.admit(&good).is_ok(),
            "a colleague's address is not blocked"
        );
    }

    #[test]
    fn the_same_refused_credentials_again_do_not_count() {
        let l = limits(&["--auth-refusals-per-minute", "2"]);
        let c = client("2001:db8::1");
        let stale = auth("Basic c3RhbGU6c2VjcmV0");
        let t0 = Instant::now();
        for _ in 0..50 {
            assert!(!l.record_refusal_at(c.key(), l.fingerprint(Some(&stale)), t0));
        }
        assert!(l.admit(&c).is_ok());
    }

    #[test]
    fn refusals_older_than_a_minute_are_forgotten() {
        let l = limits(&["--auth-refusals-per-minute", "2"]);
        let c = client("192.0.2.66");
        let t0 = Instant::now();
        assert!(!l.record_refusal_at(c.key(), l.fingerprint(Some(&auth("a"))), t0));
        assert!(!l.record_refusal_at(c.key(), l.fingerprint(Some(&auth("b"))), t0));
        let later = t0 + Duration::from_secs(61);
        assert!(!l.record_refusal_at(c.key(), l.fingerprint(Some(&auth("c"))), later));
        assert!(!l.record_refusal_at(c.key(), l.fingerprint(Some(&auth("d"))), later));
        assert!(l.record_refusal_at(c.key(), l.fingerprint(Some(&auth("e"))), later));
    }

    #[test]
    fn the_rate_allows_a_burst_then_refuses_with_a_retry_after() {
        let l = limits(&["--rate-per-client", "1", "--rate-burst", "5"]);
        let c = client("192.0.2.66");
        for i in 0..5 {
            assert!(l.admit(&c).is_ok(), "request {i} of the burst");
        }
        assert_eq!(
            l.admit(&c),
            Err(Refusal::Rate {
                retry_after_secs: 1
            })
        );
        // Another address has its own allowance; an IPv6 neighbour in the same /64 shares one.
        assert!(l.admit(&client("192.0.2.67")).is_ok());
        let l = limits(&["--rate-per-client", "1", "--rate-burst", "1"]);
        assert!(l.admit(&client("2001:db8::1")).is_ok());
        assert!(l.admit(&client("2001:db8::2")).is_err());
        assert!(limits(&["--rate-per-client", "0"]).admit(&c).is_ok());
    }
}
