//! How long after an event reaches the API its alert reaches the webhook: the demo account
//! growing by an event every 300 ms, the archive collecting it every POLL seconds with the
//! shipped rules and a webhook on loopback, for a minute; each alert's arrival minus the time of
//! the event that made it (the demo's events carry the moment they were added).
//!
//!     cargo run --release -p audit-archive --example alert_latency -- [POLL_SECS]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use audit_archive::collect::{Collector, Upstream};
use audit_archive::deliver::{Body, Deliverer, Webhook};
use audit_archive::store::Archive;
use audit_archive::testing::Cluster;
use audit_archive::watch::{RuleSet, Watcher};
use clap::Parser;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let poll: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let cluster = Cluster::start()?;

    // The demo account, growing.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let upstream = format!("http://{}", listener.local_addr()?);
    let config = audit_proxy::config::Config::parse_from([
        "audit-proxy",
        "--demo",
        "--demo-events",
        "500",
        "--demo-live-every-ms",
        "300",
        "--rate-per-client",
        "0",
        "--listen",
        &listener.local_addr()?.to_string(),
    ]);
    let (router, _) = audit_proxy::service(&config).map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        audit_proxy::serve(listener, router, &config, None, std::future::pending()).await;
    });

    // The webhook: when each alert arrived, and the time of its last event.
    let arrived: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let hook = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook_url = format!("http://{}/hook", hook.local_addr()?);
    let got = arrived.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let got = got.clone();
            async move {
                let at = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["at"].as_str().map(str::to_string))
                    .unwrap_or_default();
                got.lock().expect("lock").push((now_ms(), at));
                "ok"
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(hook, app).await;
    });

    // The archive, as `audit-archive --poll-secs POLL --rules rules --alert-webhook URL` runs.
    let pool = audit_archive::db::pool(&cluster.url(), 4, None)?;
    audit_archive::db::migrate(&pool).await?;
    let archive = Archive::new(pool);
    let rules = RuleSet::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rules"
    )))?;
    let from = Upstream::new(&upstream, "demo".into(), "demo".into())?;
    tokio::spawn(Collector::new(archive.clone(), from).run(Duration::from_secs(poll)));
    let watcher = Watcher::open(archive.clone(), rules).await?;
    tokio::spawn(watcher.run(Duration::from_secs(5)));
    let deliverer = Deliverer::new(
        archive.clone(),
        Webhook {
            url: hook_url,
            secret: "s3cret".into(),
            body: Body::Json,
            attempts: 3,
            first_wait: Duration::from_secs(1),
        },
    )?;
    tokio::spawn(deliverer.run());
    tokio::time::sleep(Duration::from_secs(60)).await;

    let mut waits: Vec<f64> = arrived
        .lock()
        .expect("lock")
        .iter()
        .filter_map(|(got, at)| {
            let at = audit_model::time::parse_api_timestamp(at).ok()?;
            Some((got - at) as f64 / 1000.0)
        })
        .collect();
    waits.sort_by(f64::total_cmp);
    let Some(max) = waits.last().copied() else {
        println!("alert latency: no alert in a minute");
        return Ok(());
    };
    println!(
        "alert latency, event → webhook, polling every {poll} s: p50 {:.2} s, max {max:.2} s over {} alerts",
        waits[waits.len() / 2],
        waits.len()
    );
    println!("ratio max/poll: {:.2}", max / poll as f64);
    Ok(())
}
