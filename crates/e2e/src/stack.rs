//! The servers a test talks to: the built app on a static server and `audit-proxy` (in this
//! process, demo or relay) on another port, so every API call is cross-origin, as in production.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use clap::Parser;
use serde_json::json;
use tokio::net::TcpListener;
use tower_http::services::{ServeDir, ServeFile};

use crate::page::WAIT;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built app; `E2E_DIST` overrides.
pub fn dist() -> PathBuf {
    let dir = std::env::var_os("E2E_DIST").map_or_else(|| root().join("dist"), PathBuf::from);
    assert!(
        dir.join("index.html").exists(),
        "{} has no index.html: build the app first (scripts/test.sh does: trunk build --release)",
        dir.display()
    );
    dir
}

/// A loopback listener on a port this process has not handed out before. Browsers are kept
/// between tests (see [`crate::browser`]) and a page's storage belongs to its origin, so no test
/// may meet an earlier test's origin again.
async fn listener() -> (TcpListener, SocketAddr) {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let l = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let a = l.local_addr().expect("addr");
        if HANDED_OUT.lock().expect("ports").insert(a.port()) {
            return (l, a);
        }
    }
}

/// Options for a stack.
#[derive(Debug, Clone, Default)]
pub struct StackOptions {
    /// Extra `audit-proxy` flags (`--demo` is added unless `relay_to` is set).
    pub proxy_args: Vec<String>,
    /// Serve the app under this sub-path (e.g. "/sub"); the build must match (`E2E_DIST_SUB`).
    pub sub_path: Option<String>,
    /// config.json's API base; default: the proxy.
    pub api_base: Option<String>,
    /// The origin the proxy allows; default: the app's own.
    pub allow_origin: Option<String>,
    /// The proxy serves the app itself (`--app` with the built `dist/`): one origin for both.
    pub served_by_proxy: bool,
    /// config.json's `request_timeout_secs`; default: none (the app's own default).
    pub request_timeout_secs: Option<u32>,
    /// config.json's `local_max_events`; default: none (the app's own bound).
    pub local_max_events: Option<u64>,
    /// config.json answers after this long: the app waits for it, so the page's own first paint
    /// stays that long, as on a slow network before the app's code has arrived.
    pub config_delay_ms: Option<u64>,
}

impl StackOptions {
    /// The demo stack with these extra `audit-proxy` flags (latency, faults, live events…).
    pub fn proxy(args: &[&str]) -> Self {
        StackOptions {
            proxy_args: args.iter().map(|a| (*a).to_string()).collect(),
            ..Default::default()
        }
    }
}

/// The app and the proxy, running until the last clone of this handle is dropped.
#[derive(Clone)]
pub struct Stack {
    /// Where the app is served, e.g. `http://127.0.0.1:41234` (plus the sub-path, if any).
    pub app_url: String,
    /// Where the proxy listens.
    pub proxy_url: String,
    running: Arc<Running>,
}

struct Running {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stop_proxy: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Stack {
    /// Starts the demo proxy and the static server.
    pub async fn start(opts: StackOptions) -> Stack {
        let (app_l, app_addr) = listener().await;
        let (proxy_l, proxy_addr) = listener().await;
        let proxy_url = format!("http://{proxy_addr}");
        let app_origin = format!("http://{app_addr}");

        let mut args = vec![
            "audit-proxy".to_string(),
            "--listen".into(),
            proxy_addr.to_string(),
        ];
        args.extend([
            "--allow-origin".into(),
            opts.allow_origin
                .clone()
                .unwrap_or_else(|| app_origin.clone()),
        ]);
        if !opts.proxy_args.iter().any(|a| a == "--upstream") {
            args.push("--demo".into());
        }
        if opts.served_by_proxy {
            args.extend(["--app".into(), dist().display().to_string()]);
        }
        args.extend(opts.proxy_args.iter().cloned());
        let config = audit_proxy::config::Config::parse_from(args);
        let (proxy, _) = audit_proxy::service(&config).expect("proxy");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let proxy_task = tokio::spawn(async move {
            audit_proxy::serve(proxy_l, proxy, &config, None, async move {
                let _ = stop_rx.await;
            })
            .await;
        });

        let dir = match &opts.sub_path {
            Some(_) => std::env::var_os("E2E_DIST_SUB")
                .map_or_else(|| root().join("dist-sub"), PathBuf::from),
            None => dist(),
        };
        let api_base = opts.api_base.clone().unwrap_or_else(|| proxy_url.clone());
        let mut config = json!({ "api_base_url": api_base });
        if let Some(secs) = opts.request_timeout_secs {
            config["request_timeout_secs"] = json!(secs);
        }
        if let Some(max) = opts.local_max_events {
            config["local_max_events"] = json!(max);
        }
        let config_json = config.to_string();
        let delay = std::time::Duration::from_millis(opts.config_delay_ms.unwrap_or(0));
        // Unknown paths fall back to index.html, as docs/operating.md tells static hosts to do.
        let files = ServeDir::new(&dir).fallback(ServeFile::new(dir.join("index.html")));
        let app = Router::new().route(
            "/config.json",
            get({
                let config_json = config_json.clone();
                move || {
                    let body = config_json.clone();
                    async move {
                        tokio::time::sleep(delay).await;
                        ([("content-type", "application/json")], body)
                    }
                }
            }),
        );
        let (app, prefix) = match &opts.sub_path {
            Some(p) => (
                app.route(
                    &format!("{p}/config.json"),
                    get({
                        let body = config_json.clone();
                        move || {
                            let body = body.clone();
                            async move { ([("content-type", "application/json")], body) }
                        }
                    }),
                )
                .nest_service(p, files),
                p.clone(),
            ),
            None => (app.fallback_service(files), String::new()),
        };
        let app_task = tokio::spawn(async move {
            let _ = axum::serve(app_l, app).await;
        });
        Stack {
            app_url: if opts.served_by_proxy {
                proxy_url.clone()
            } else {
                format!("{app_origin}{prefix}")
            },
            proxy_url,
            running: Arc::new(Running {
                tasks: vec![proxy_task, app_task],
                stop_proxy: Mutex::new(Some(stop_tx)),
            }),
        }
    }

    /// Stops the proxy (closing its idle connections), so the app finds it unreachable.
    pub async fn stop_proxy(&self) {
        let stop = self.running.stop_proxy.lock().expect("stop").take();
        if let Some(tx) = stop {
            let _ = tx.send(());
        }
        let url = format!("{}/healthz", self.proxy_url);
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches("/healthz")
            .to_string();
        let deadline = Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(&addr).await.is_ok() {
            assert!(Instant::now() < deadline, "proxy did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
