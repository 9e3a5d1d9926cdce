//! Shared helpers: a recording fake upstream on loopback and request builders.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_proxy::config::Config;
use audit_proxy::relay::Upstream;
use audit_proxy::{app, AppState, Backend};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Response, StatusCode};
use axum::Router;
use clap::Parser;
use http_body_util::BodyExt;

/// A loopback port nothing listens on (the binary under test is told to listen there).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// What the fake upstream saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path_and_query: String,
    pub headers: HeaderMap,
}

/// A fake Audit API on loopback that records every request.
pub struct FakeUpstream {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeUpstream {
    pub async fn start() -> Self {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let log = seen.clone();
        let router = Router::new().fallback(move |req: Request| {
            let log = log.clone();
            async move {
                let path = req.uri().path().to_string();
                log.lock().expect("lock").push(Seen {
                    method: req.method().to_string(),
                    path_and_query: req
                        .uri()
                        .path_and_query()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    headers: req.headers().clone(),
                });
                let auth = req
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                fake_answer(&path, req.uri().query().unwrap_or(""), &auth).await
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { addr, seen }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

/// `Authorization` of credentials whose key starts with `guess` (what a credential tester sends).
fn is_guess(authorization: &str) -> bool {
    use base64::Engine;
    authorization
        .strip_prefix("Basic ")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .is_some_and(|raw| raw.starts_with(b"guess"))
}

async fn fake_answer(path: &str, query: &str, authorization: &str) -> Response<Body> {
    let builder = Response::builder()
        .header("content-type", "application/json")
        .header("set-cookie", "session=upstream-secret")
        .header("x-internal-host", "upstream-node-7")
        .header("www-authenticate", "Basic realm=\"api\"")
        // As an archive marks its answers: the relay passes it on from any upstream but Vonage's.
        .header("audit-archive", "1");
    if is_guess(authorization) {
        return builder
            .status(StatusCode::UNAUTHORIZED)
            .body(Body::from(
                r#"{"status":401,"error":"Unauthorized","message":"Full authentication is required"}"#,
            ))
            .expect("response");
    }
    if query.contains("search_text=lag") {
        // What a real API's answer takes, for tests of honest use.
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    if query.contains("search_text=slow") {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    if query.contains("search_text=ratelimit") {
        return builder
            .status(StatusCode::TOO_MANY_REQUESTS)
            .header("retry-after", "3")
            .body(Body::from(
                r#"{"status":429,"error":"Too Many Requests","message":"slow down"}"#,
            ))
            .expect("response");
    }
    if query.contains("search_text=redirect") {
        return builder
            .status(StatusCode::FOUND)
            .header("location", "/followed")
            .body(Body::empty())
            .expect("response");
    }
    if query.contains("search_text=huge") {
        return builder
            .status(200)
            .body(Body::from(vec![b' '; 3 * 1024 * 1024]))
            .expect("response");
    }
    if path.ends_with("/events/aaaaaaaa-bbbb-cccc-dddd-0123456789ab") {
        return builder
            .status(404)
            .body(Body::from(r#"{"status":404,"error":"Not Found","message":"Event with provided id: aaaaaaaa-bbbb-cccc-dddd-0123456789ab was not found"}"#))
            .expect("response");
    }
    builder
        .status(200)
        .body(Body::from(r#"{"page":{"size":30,"totalElements":0,"totalPages":0,"number":1},"_links":{"self":{"href":"http://api.nexmo.com/beta/audit/events"}}}"#))
        .expect("response")
}

/// A log sink that keeps everything written to it, for asserting on log lines.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// A subscriber that writes every level, without colours, into this sink.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let sink = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish()
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).to_string()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Configuration with test defaults and the given extra flags.
pub fn config(extra: &[&str]) -> Config {
    let mut args = vec!["audit-proxy"];
    args.extend_from_slice(extra);
    Config::parse_from(args)
}

/// The proxy's router relaying to `upstream`.
pub fn relay_router(upstream: &str, extra: &[&str]) -> Router {
    let cfg = config(extra);
    let up = Upstream::new(
        upstream,
        cfg.upstream_timeout(),
        cfg.max_body_bytes,
        cfg.upstream_per_client,
    )
    .expect("client");
    app(
        AppState::new(
            Backend::Relay(std::sync::Arc::new(up)),
            cfg.max_concurrency,
            audit_edge::RequestLimits::new(&cfg.edge),
        ),
        &cfg,
    )
}

/// The proxy's router over a small demo account with a fixed "now".
pub fn demo_router(extra: &[&str]) -> Router {
    let mut args = vec![
        "--demo",
        "--demo-events",
        "2000",
        "--demo-now",
        "2026-01-01T12:00:00",
    ];
    args.extend_from_slice(extra);
    audit_proxy::service(&config(&args)).expect("demo").0
}

pub const DEMO_AUTH: &str = "Basic ZGVtbzpkZW1v"; // demo:demo
pub const ORIGIN: &str = "http://127.0.0.1:8080";

pub async fn body_json(resp: Response<Body>) -> serde_json::Value {
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("JSON body, got {:?}", String::from_utf8_lossy(&bytes)))
}
