//! Fault injection, a testing aid: delays, error statuses, broken bodies and dropped connections,
//! for requests whose query string contains a given text, at a given rate, for a given count.
//! Everything is off unless a `--fault-*` flag turns it on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Response, StatusCode};

use crate::config::Config;

/// What a failing request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// This HTTP status with the API's error body (and `Retry-After` for 429 and 503).
    Status(u16),
    /// A 200 whose body is not JSON.
    Malformed,
    /// A 200 whose JSON stops half-way.
    Truncated,
    /// The connection is cut before the body ends.
    Drop,
}

impl std::str::FromStr for FaultKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "malformed" => Ok(FaultKind::Malformed),
            "truncated" => Ok(FaultKind::Truncated),
            "drop" => Ok(FaultKind::Drop),
            other => other
                .parse::<u16>()
                .ok()
                .filter(|c| (400..600).contains(c))
                .map(FaultKind::Status)
                .ok_or_else(|| {
                    format!("“{other}”: use an HTTP status 400–599, malformed, truncated or drop")
                }),
        }
    }
}

/// The injected faults.
#[derive(Debug, Default)]
pub struct Faults {
    latency: Duration,
    jitter: Duration,
    kind: Option<FaultKind>,
    rate: f64,
    remaining: Option<AtomicU64>,
    matching: Option<String>,
    retry_after: u64,
}

impl Faults {
    /// The faults a configuration asks for.
    pub fn from_config(config: &Config) -> Self {
        Self {
            latency: Duration::from_millis(config.fault_latency_ms),
            jitter: Duration::from_millis(config.fault_jitter_ms),
            kind: config.fault,
            rate: config.fault_rate.clamp(0.0, 1.0),
            remaining: config.fault_count.map(AtomicU64::new),
            matching: config.fault_match.clone().filter(|m| !m.is_empty()),
            retry_after: config.fault_retry_after,
        }
    }

    fn applies(&self, query: &str) -> bool {
        self.matching.as_deref().is_none_or(|m| query.contains(m))
    }

    /// How long to wait before answering this request.
    pub fn delay_for(&self, query: &str) -> Option<Duration> {
        if !self.applies(query) || (self.latency.is_zero() && self.jitter.is_zero()) {
            return None;
        }
        let jitter = if self.jitter.is_zero() {
            0
        } else {
            fastrand::u64(..=self.jitter.as_millis() as u64)
        };
        Some(self.latency + Duration::from_millis(jitter))
    }

    /// The fault this request gets, if any (counting it against `--fault-count`).
    pub fn pick(&self, query: &str) -> Option<FaultKind> {
        let kind = self.kind?;
        if !self.applies(query) || (self.rate < 1.0 && fastrand::f64() >= self.rate) {
            return None;
        }
        if let Some(left) = &self.remaining {
            // Take one from the budget; none left means the fault has cleared.
            left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .ok()?;
        }
        Some(kind)
    }

    /// The response for a status fault, or `None` for faults that need the real answer.
    pub fn status_response(&self, kind: FaultKind) -> Option<Response<Body>> {
        let FaultKind::Status(code) = kind else {
            return None;
        };
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = audit_model::ApiErrorBody::new(
            code,
            status.canonical_reason().unwrap_or("Error"),
            "injected fault (audit-proxy --fault)",
        );
        let mut resp = Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "application/json");
        if matches!(code, 429 | 503) {
            resp = resp.header(header::RETRY_AFTER, self.retry_after.to_string());
        }
        resp.body(Body::from(serde_json::to_vec(&body).unwrap_or_default()))
            .ok()
    }
}

/// Breaks a real answer as the fault says.
pub fn break_body(kind: FaultKind, body: Vec<u8>) -> Response<Body> {
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json");
    let out = match kind {
        FaultKind::Malformed => builder.body(Body::from("<html>this is not JSON</html>")),
        FaultKind::Truncated => {
            let half = body.len() / 2;
            builder.body(Body::from(body[..half].to_vec()))
        }
        FaultKind::Drop => {
            // Announce the full length, send half, pause so it is on the wire, then fail the
            // stream: hyper cuts the connection mid-body (a browser cannot silently retry that).
            let half = body[..body.len() / 2].to_vec();
            let stream = futures_util::stream::unfold(Some(half), |state| async move {
                match state {
                    Some(chunk) => Some((Ok(chunk), None)),
                    None => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Some((Err(std::io::Error::other("injected connection drop")), None))
                    }
                }
            });
            builder
                .header(header::CONTENT_LENGTH, body.len().to_string())
                .body(Body::from_stream(stream))
        }
        FaultKind::Status(_) => builder.body(Body::from(body)),
    };
    out.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn faults(args: &[&str]) -> Faults {
        let mut all = vec!["audit-proxy"];
        all.extend_from_slice(args);
        Faults::from_config(&Config::parse_from(all))
    }

    #[test]
    fn off_by_default() {
        let f = faults(&[]);
        assert_eq!(f.pick("x"), None);
        assert_eq!(f.delay_for("x"), None);
    }

    #[test]
    fn count_and_match_limit_the_fault() {
        let f = faults(&[
            "--fault",
            "429",
            "--fault-count",
            "2",
            "--fault-match",
            "boom",
        ]);
        assert_eq!(f.pick("search_text=calm"), None);
        assert_eq!(f.pick("search_text=boom"), Some(FaultKind::Status(429)));
        assert_eq!(f.pick("search_text=boom"), Some(FaultKind::Status(429)));
        assert_eq!(f.pick("search_text=boom"), None, "cleared after two");
        let resp = f.status_response(FaultKind::Status(429)).expect("response");
        assert_eq!(resp.headers()["retry-after"], "1");
    }

    #[test]
    fn kinds_parse() {
        assert_eq!("503".parse(), Ok(FaultKind::Status(503)));
        assert_eq!("drop".parse(), Ok(FaultKind::Drop));
        assert!("200".parse::<FaultKind>().is_err());
        assert!("explode".parse::<FaultKind>().is_err());
    }
}
