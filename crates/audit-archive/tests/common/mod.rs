//! What the archive's tests share: a demo account as the upstream (the proxy's, in process), the
//! `audit-archive` binary as an operator runs it, and the archive's database read directly.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use audit_archive::store::Archive;
use clap::Parser;

pub const DEMO_NOW: &str = "2026-01-01T12:00:00";

/// The demo account served on loopback, as `audit-proxy --demo <flags>` would.
pub struct DemoUpstream {
    pub url: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl DemoUpstream {
    pub async fn start(flags: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let listen = addr.to_string();
        let mut args = vec![
            "audit-proxy",
            "--demo",
            "--demo-now",
            DEMO_NOW,
            "--listen",
            &listen,
            "--rate-per-client",
            "0",
        ];
        args.extend_from_slice(flags);
        let config = audit_proxy::config::Config::parse_from(args);
        let (router, _) = audit_proxy::service(&config).expect("demo");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            audit_proxy::serve(listener, router, &config, None, async {
                let _ = stopped.await;
            })
            .await;
        });
        Self {
            url: format!("http://{addr}"),
            _stop: stop,
        }
    }
}

/// A loopback port nothing listens on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// The `audit-archive` binary, running; killed (`SIGKILL`) when dropped.
pub struct Running {
    pub child: Child,
    pub url: String,
    pub log: std::path::PathBuf,
}

impl Running {
    /// Starts the archive with the demo's credentials in the environment.
    pub fn start(database_url: &str, upstream: &str, extra: &[&str]) -> Self {
        let port = free_port();
        let log = std::env::temp_dir().join(format!(
            "audit-archive-test-{}-{port}.log",
            std::process::id()
        ));
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_audit-archive"))
            .args([
                "--database-url",
                database_url,
                "--upstream",
                upstream,
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--rate-per-client",
                "0",
            ])
            .args(extra)
            .env("AUDIT_API_KEY", "demo")
            .env("AUDIT_API_SECRET", "demo")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("spawn audit-archive");
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// Waits for `/healthz`.
    pub async fn ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if reqwest::get(format!("{}/healthz", self.url))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("audit-archive exited ({status}): {}", self.log_text());
            }
            assert!(Instant::now() < deadline, "not ready: {}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The archive's database, read as the tests check it.
pub fn archive(database_url: &str) -> Archive {
    Archive::new(audit_archive::db::pool(database_url, 2, None).expect("pool"))
}

/// One page of the list, asked again when the answer is cut (the tests' upstream cuts some).
async fn list_page(http: &reqwest::Client, upstream: &str, page: u64) -> serde_json::Value {
    for _ in 0..20 {
        let answer = http
            .get(format!("{upstream}/beta/audit/events?size=100&page={page}"))
            .basic_auth("demo", Some("demo"))
            .send()
            .await;
        if let Ok(resp) = answer {
            if let Ok(body) = resp.json().await {
                return body;
            }
        }
    }
    panic!("page {page} of {upstream} never arrived whole");
}

/// Every id the API lists for the account (reading its pages newest first), sorted.
pub async fn upstream_ids(upstream: &str) -> Vec<String> {
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for page in 1.. {
        let body = list_page(&http, upstream, page).await;
        let events = body["_embedded"]["events"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        ids.extend(
            events
                .iter()
                .filter_map(|e| e["id"].as_str().map(String::from)),
        );
        if page >= body["page"]["totalPages"].as_u64().unwrap_or(0) {
            break;
        }
    }
    ids.sort();
    ids
}

/// Waits until the archive holds `n` events with its backfill done.
pub async fn until_held(db: &Archive, n: i64, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let held = db.held().await.ok().flatten();
        let len = db.count().await.unwrap_or(-1);
        if len == n && held.is_some_and(|h| h.backfill_done) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "holds {len} of {n} events ({held:?}) after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
