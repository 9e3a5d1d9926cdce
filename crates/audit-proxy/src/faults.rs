//! Fault injection, a testing aid: delays, error statuses, broken bodies and dropped connections,
//! for requests whose query string contains a given text, at a given rate, for a given count.
//! Everything is off unless a `--fault-*` flag turns it on; then [`inject`] is a layer in front
//! of the API handler (never in front of `/healthz` or the app's files).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Response, StatusCode};
use axum::middleware::Next;

/// The `--fault-*` flags, flattened into the proxy's configuration.
#[derive(clap::Args, Debug, Clone)]
pub struct FaultArgs {
    /// Testing aid: delay answers by this many milliseconds.
    #[arg(
        long,
        env = "AUDIT_PROXY_FAULT_LATENCY_MS",
        default_value_t = 0,
        help_heading = "Fault injection (testing)"
    )]
    pub fault_latency_ms: u64,

    /// Testing aid: add a random delay of up to this many milliseconds.
    #[arg(
        long,
        env = "AUDIT_PROXY_FAULT_JITTER_MS",
        default_value_t = 0,
        help_heading = "Fault injection (testing)"
    )]
    pub fault_jitter_ms: u64,

    /// Testing aid: fail requests with an HTTP status (e.g. 429, 503, 500), or with a
    /// `malformed` or `truncated` JSON body, or a `drop`ped connection.
    #[arg(
        long,
        env = "AUDIT_PROXY_FAULT",
        help_heading = "Fault injection (testing)"
    )]
    pub fault: Option<FaultKind>,

    /// Testing aid: the share of matching requests that fail, 0.0–1.0.
    #[arg(
        long,
        env = "AUDIT_PROXY_FAULT_RATE",
        default_value_t = 1.0,
        help_heading = "Fault injection (testing)"
    )]
    pub fault_rate: f64,

    /// Testing aid: fail only this many requests, then recover.
    #[arg(
        long,
        env = "AUDIT_PROXY_FAULT_COUNT",
        help_heading = "Fault injection (testing)"
    )]
    pub fault_count: Option<u64>,

    /// Testing aid: apply delays and faults only to requests whose query string contains this.
    #[arg(
        long,
        env = "AUDIT_PROXY_FAULT_MATCH",
        help_heading = "Fault injection (testing)"
    )]
    pub fault_match: Option<String>,

    /// Testing aid: the Retry-After seconds sent with injected 429 and 503 answers.
    #[arg(
        long,
        env = "AUDIT_PROXY_FAULT_RETRY_AFTER",
        default_value_t = 1,
        help_heading = "Fault injection (testing)"
    )]
    pub fault_retry_after: u64,
}

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
    /// The faults the flags ask for; `None` when they ask for none (no layer at all).
    pub fn from_args(args: &FaultArgs) -> Option<Self> {
        let faults = Self {
            latency: Duration::from_millis(args.fault_latency_ms),
            jitter: Duration::from_millis(args.fault_jitter_ms),
            kind: args.fault,
            rate: args.fault_rate.clamp(0.0, 1.0),
            remaining: args.fault_count.map(AtomicU64::new),
            matching: args.fault_match.clone().filter(|m| !m.is_empty()),
            retry_after: args.fault_retry_after,
        };
        let off = faults.kind.is_none() && faults.latency.is_zero() && faults.jitter.is_zero();
        (!off).then_some(faults)
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

/// The layer: delays a matching request, then answers it with an injected status, or lets the
/// handler answer and breaks a successful answer as the fault says.
pub async fn inject(State(faults): State<Arc<Faults>>, req: Request, next: Next) -> Response<Body> {
    let query = req.uri().query().unwrap_or("").to_string();
    if let Some(delay) = faults.delay_for(&query) {
        tokio::time::sleep(delay).await;
    }
    let Some(kind) = faults.pick(&query) else {
        return next.run(req).await;
    };
    if let Some(resp) = faults.status_response(kind) {
        return resp;
    }
    let resp = next.run(req).await;
    if !resp.status().is_success() {
        // A refusal (404, 405, 400…) stays what it is.
        return resp;
    }
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    break_body(kind, body.to_vec())
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

    /// Just the fault flags, as the proxy's command line takes them.
    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        faults: FaultArgs,
    }

    fn parse(args: &[&str]) -> Option<Faults> {
        let mut all = vec!["audit-proxy"];
        all.extend_from_slice(args);
        Faults::from_args(&Flags::parse_from(all).faults)
    }

    fn faults(args: &[&str]) -> Faults {
        parse(args).expect("faults asked for")
    }

    #[test]
    fn off_by_default_and_then_no_layer_at_all() {
        assert!(parse(&[]).is_none());
        assert!(
            parse(&["--fault-rate", "0.5"]).is_none(),
            "a rate alone injects nothing"
        );
        let slow = faults(&["--fault-latency-ms", "5"]);
        assert_eq!(slow.pick("x"), None);
        assert_eq!(slow.delay_for("x"), Some(Duration::from_millis(5)));
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
