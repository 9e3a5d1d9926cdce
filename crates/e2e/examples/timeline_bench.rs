//! A 90-day timeline without a local copy (the server mode a range above the bound gets): how
//! many count requests it makes and how long they take, in headless Chromium against the demo
//! proxy (read from Resource Timing entries).
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example timeline_bench`

use e2e::*;

#[tokio::main]
async fn main() {
    let stack = Stack::start(StackOptions {
        local_max_events: Some(0),
        ..Default::default()
    })
    .await;
    let browser = Browser::start().await;
    let c = browser.client.clone();
    c.goto(&stack.app_url).await.expect("open the app");
    sign_in_demo(&c).await;
    open_view(&c, &stack.app_url, "/").await;
    let v = wait_until(&c, "timeline drawn", || async {
        let v = js(&c, &format!("const f = document.querySelector('{}'); if (!f || f.getAttribute('aria-busy') !== 'false') return null; \
            const e = performance.getEntriesByType('resource').filter(r => r.name.includes('size=1&') || r.name.endsWith('size=1')); \
            if (!e.length) return null; \
            return [e.length, Math.max(...e.map(r => r.responseEnd)) - Math.min(...e.map(r => r.startTime)), document.querySelectorAll('{}').length]", tid(testid::TIMELINE), tid(testid::TIMELINE_BAR))).await;
        v.as_array().cloned()
    })
    .await;
    println!(
        "90-day timeline: {} bars, {} count requests (6 in flight), {:.0} ms from the first request to the last answer",
        v[2], v[0], v[1].as_f64().unwrap_or(0.0)
    );
    browser.close().await;
}
