//! Export speed: 10,000 events exported through the app (pages fetched four at a time) versus
//! the same pages fetched one after another, with simulated latency on every page; and the tab's
//! JS heap during the export.
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example export_bench [-- LATENCY_MS]`

use std::time::{Duration, Instant};

use e2e::*;

#[tokio::main]
async fn main() {
    let latency: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50);
    let stack = Stack::start(StackOptions {
        proxy_args: vec![
            "--demo-events".into(),
            "10000".into(),
            "--fault-latency-ms".into(),
            latency.to_string(),
            "--fault-match".into(),
            "size=100".into(),
        ],
        // The export through the API is the one that needs the speed (a complete local copy
        // exports from memory), and a copy's read would compete for the same pages.
        local_max_events: Some(0),
        ..Default::default()
    })
    .await;
    let dir = std::env::temp_dir().join(format!("export-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let browser = Browser::start_with(&BrowserOptions::downloading(&dir)).await;
    let c = browser.client.clone();
    c.goto(&stack.app_url).await.expect("open the app");
    sign_in_demo(&c).await;
    open_view(&c, &stack.app_url, "/?date_to=2100-01-01").await;

    // Sequential baseline: the same 100 pages, one after another, from the same page.
    let seq = c
        .execute_async(
            "const [base, done] = arguments; const t0 = performance.now(); let n = 0; \
             (async () => { for (let p = 1; p <= 100; p++) { \
               const r = await fetch(`${base}/beta/audit/events?date_to=2100-01-01&page=${p}&size=100`, {headers: {Authorization: 'Basic ZGVtbzpkZW1v'}}); \
               const j = await r.json(); n += (j._embedded ? j._embedded.events.length : 0); } \
               done([performance.now() - t0, n]); })();",
            vec![serde_json::json!(stack.proxy_url)],
        )
        .await
        .expect("sequential fetch");
    let seq_ms = seq[0].as_f64().expect("ms");

    // The app's export, watching the JS heap while it runs.
    find(&c, testid::EXPORT_FORMAT)
        .await
        .select_by_value("jsonl")
        .await
        .expect("format");
    let heap = "return performance.memory ? performance.memory.usedJSHeapSize : 0";
    let heap_before = js(&c, heap).await.as_f64().unwrap_or(0.0);
    let start = Instant::now();
    click(&c, testid::EXPORT).await;
    let mut heap_peak = heap_before;
    loop {
        heap_peak = heap_peak.max(js(&c, heap).await.as_f64().unwrap_or(0.0));
        if !find_all(&c, testid::EXPORT_DONE).await.is_empty() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "export did not finish"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let app_ms = start.elapsed().as_secs_f64() * 1000.0;
    let done = find(&c, testid::EXPORT_DONE)
        .await
        .text()
        .await
        .expect("text");
    println!("{done}");
    println!(
        "export of 10,000 events with {latency} ms per page: app (4 in flight) {:.0} ms, one page after another {:.0} ms, speed-up {:.1}×",
        app_ms,
        seq_ms,
        seq_ms / app_ms
    );
    println!(
        "tab JS heap during the export: {:.1} MB before, {:.1} MB peak",
        heap_before / 1e6,
        heap_peak / 1e6
    );
    browser.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
