//! When a phone can start: from navigation until the sign-in form takes typing, with the
//! network and CPU throttled as Lighthouse's mobile preset does (150 ms round trips, 1.6 Mbps
//! down, 750 kbps up, CPU 4× slower) and nothing cached, in headless Chromium. Read from the
//! page's own marks: `audit:sign-in-usable` (the page's first form, index.html and boot.js)
//! and `audit:app-sign-in` (the app's form, once its code has arrived and started); a build
//! without the first has only the second. The load event is printed beside them. Then a
//! signed-in revisit with the app's files cached, to the list's first rows, with the first
//! view's requests sent by `boot.js` and without, side by side.
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example sign_in_ready [-- RUNS]`

use e2e::*;
use serde_json::json;

fn median(mut v: Vec<f64>) -> String {
    if v.is_empty() {
        return "—".into();
    }
    v.sort_by(f64::total_cmp);
    format!(
        "{:.0} ms (min {:.0}, max {:.0})",
        v[v.len() / 2],
        v[0],
        v[v.len() - 1]
    )
}

/// When the list's first rows were painted, since navigation (the page's own mark).
async fn first_rows(c: &fantoccini::Client) -> f64 {
    wait_until(c, "the first rows", || async {
        js(
            c,
            "const m = performance.getEntriesByName('audit:first-rows'); return m.length ? m[0].startTime : null",
        )
        .await
        .as_f64()
    })
    .await
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let stack = Stack::start(StackOptions::default()).await;
    let browser = Browser::start().await;
    let c = browser.client.clone();
    instrument(&c, &stack.app_url).await;
    cdp(&c, "Network.enable", json!({})).await;
    cdp(
        &c,
        "Network.setCacheDisabled",
        json!({ "cacheDisabled": true }),
    )
    .await;
    cdp(
        &c,
        "Network.emulateNetworkConditions",
        json!({ "offline": false, "latency": 150, "downloadThroughput": 1_638_400 / 8, "uploadThroughput": 750_000 / 8 }),
    )
    .await;
    cdp(&c, "Emulation.setCPUThrottlingRate", json!({ "rate": 4 })).await;
    let (mut usable, mut app, mut load) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        js(&c, "sessionStorage.clear()").await;
        c.goto(&stack.app_url).await.expect("navigate");
        let app_mark = wait_until(&c, "the app's sign-in form", || async {
            // A build without the mark: the moment the app's field is first seen (polled).
            js(&c, &format!("const m = performance.getEntriesByName('audit:app-sign-in'); return m.length ? m[0].startTime : (document.querySelector('{}') ? performance.now() : null)", tid(testid::API_KEY))).await.as_f64()
        })
        .await;
        app.push(app_mark);
        if let Some(t) = js(&c, "const m = performance.getEntriesByName('audit:sign-in-usable'); return m.length ? m[0].startTime : null").await.as_f64() {
            usable.push(t);
        }
        if let Some(t) = js(&c, "const n = performance.getEntriesByType('navigation')[0]; return n ? n.loadEventEnd : null").await.as_f64() {
            load.push(t);
        }
    }
    // A signed-in revisit on the same phone, the app's files in the browser's cache (as on
    // any revisit; each is revalidated): the events list's first rows, with the first view's
    // requests sent by boot.js (kept by the load before) and without (their record removed
    // just before), alternately.
    cdp(
        &c,
        "Network.setCacheDisabled",
        json!({ "cacheDisabled": false }),
    )
    .await;
    store_demo_credentials(&c).await;
    c.goto(&stack.app_url).await.expect("navigate");
    first_rows(&c).await;
    let (mut early, mut late) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        c.goto(&stack.app_url).await.expect("navigate");
        early.push(first_rows(&c).await);
        js(
            &c,
            &format!("sessionStorage.removeItem('{}')", storage::FIRST_REQUESTS),
        )
        .await;
        c.goto(&stack.app_url).await.expect("navigate");
        late.push(first_rows(&c).await);
    }
    println!(
        "navigation → the page's sign-in form takes typing: {}",
        median(usable)
    );
    println!("navigation → the app's sign-in form: {}", median(app));
    println!("navigation → load event: {}", median(load));
    println!(
        "signed-in revisit → first table, first requests sent early: {}",
        median(early)
    );
    println!(
        "signed-in revisit → first table, the app asking: {}",
        median(late)
    );
    browser.close().await;
    drop(stack);
}
