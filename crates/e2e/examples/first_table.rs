//! Cold load: from navigation to the first page of events rendered, in headless Chromium on
//! loopback against the demo proxy. Prints the median and range over repeated loads.
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example first_table [-- RUNS [SIZE]]`

use e2e::*;

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    let size: u32 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let stack = Stack::start(StackOptions::default()).await;
    let browser = bench_browser(&stack).await;
    let c = browser.client.clone();
    open_view(&c, &stack.app_url, "/").await;
    let url = format!("{}/?size={size}", stack.app_url);
    let mut times = Vec::new();
    for i in 0..=runs {
        c.goto(&url).await.expect("navigate");
        let t = wait_until(&c, "first rows mark", || async {
            js(&c, "const m = performance.getEntriesByName('audit:first-rows'); return m.length ? m[0].startTime : null").await.as_f64()
        })
        .await;
        let rows = find_all(&c, testid::EVENT_ROW).await.len();
        assert_eq!(rows, size as usize);
        if i > 0 {
            // The first load warms the HTTP cache and the wasm compile cache, as a return visit would.
            times.push(t);
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "cold load to {size} rows: median {median:.1} ms (min {:.1}, max {:.1}, {} runs)",
        times[0],
        times[times.len() - 1],
        times.len()
    );
    browser.close().await;
}
