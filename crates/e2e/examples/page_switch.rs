//! Page switch: from the list response's arrival to 100 rows laid out, in headless Chromium,
//! read from the app's `audit:page-switch` Performance measure. Prints the median over pages.
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example page_switch [-- PAGES]`

use e2e::*;

#[tokio::main]
async fn main() {
    let pages: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let stack = Stack::start(StackOptions::default()).await;
    let browser = Browser::start().await;
    let c = browser.client.clone();
    open_signed_in(&c, &stack.app_url, "/?size=100").await;
    let count = "return performance.getEntriesByName('audit:page-switch').length";
    for _ in 0..pages {
        let before = js(&c, count).await.as_u64().unwrap_or(0);
        click(&c, "next").await;
        wait_until(&c, "page switch measured", || async {
            js(&c, count).await.as_u64().filter(|n| *n > before)
        })
        .await;
    }
    let v = js(
        &c,
        "return performance.getEntriesByName('audit:page-switch').map(e => e.duration)",
    )
    .await;
    let mut times: Vec<f64> = serde_json::from_value(v).expect("durations");
    // The first measure is the initial load; the rest are page switches.
    times.remove(0);
    times.sort_by(f64::total_cmp);
    println!(
        "page switch (response → 100 rows laid out): median {:.2} ms (min {:.2}, max {:.2}, {} switches)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
    browser.close().await;
}
