//! The local workspace at a realistic API latency: what a person waits for on the first view,
//! how many requests it costs, and the security overview, in headless Chromium against the
//! demo proxy answering every request after `LATENCY` ms. Then the time to read a range into
//! the tab, and the tab's memory, for 5,000 and 50,000 events on loopback.
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example workspace_bench [-- RUNS [LATENCY]]`
//!
//! Prints one line per figure, `name: median X (min, max)`, for scripts/bench.sh.

use e2e::*;
use fantoccini::Client;

/// Milliseconds since navigation of a mark, once it is set.
async fn mark(c: &Client, name: &str) -> f64 {
    wait_until(c, name, || mark_if_set(c, name)).await
}

/// When the page marked `name`, if it has.
async fn mark_if_set(c: &Client, name: &str) -> Option<f64> {
    js(
        c,
        &format!("const m = performance.getEntriesByName('{name}'); return m.length ? m[0].startTime : null"),
    )
    .await
    .as_f64()
}

/// Requests sent to the proxy so far.
async fn api_requests(c: &Client, proxy: &str) -> u64 {
    js(
        c,
        &format!("return performance.getEntriesByType('resource').filter(r => r.name.startsWith('{proxy}/')).length"),
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

/// Marks `name` when the next press (pointer or key) reaches the page: a mark set before
/// WebDriver's click would count its round trip (about 70 ms here), which no person waits for.
async fn mark_at_press(c: &Client, name: &str) {
    js(
        c,
        &format!(
            "const at = () => {{ if (!performance.getEntriesByName('{name}').length) performance.mark('{name}'); }}; \
             document.addEventListener('pointerdown', at, {{ capture: true, once: true }}); \
             document.addEventListener('keydown', at, {{ capture: true, once: true }});"
        ),
    )
    .await;
}

fn summary(name: &str, unit: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    println!(
        "{name}: median {:.0} {unit} (min {:.0}, max {:.0}, {} runs)",
        v[v.len() / 2],
        v[0],
        v[v.len() - 1],
        v.len()
    );
}

/// Bytes of the app's wasm memory and of the JS heap.
async fn memory(c: &Client) -> (f64, f64) {
    let v = js(
        c,
        "return [window.__audit_wasm ? window.__audit_wasm.buffer.byteLength : 0, performance.memory ? performance.memory.usedJSHeapSize : 0]",
    )
    .await;
    (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0))
}

/// What `/security` opened afresh costs, over the runs.
#[derive(Default)]
struct ColdSecurity {
    /// Navigation → the first section painted exact (the key and secret changes).
    first: Vec<f64>,
    /// Navigation → every section painted.
    all: Vec<f64>,
    /// The API requests sent until every section was painted.
    requests: Vec<f64>,
}

/// `/security` opened afresh, `runs` times.
async fn cold_security(c: &Client, stack: &Stack, runs: usize) -> ColdSecurity {
    let mut out = ColdSecurity::default();
    for _ in 0..runs {
        c.goto(&format!("{}/security", stack.app_url))
            .await
            .expect("open");
        let all = mark(c, "audit:findings").await;
        // A build that paints everything at once (before sections were painted as each is
        // exact) sets no first mark: its first findings are all of them.
        let first = mark_if_set(c, "audit:findings-first").await;
        out.first.push(first.unwrap_or(all));
        out.all.push(all);
        let sent = js(
            c,
            &format!(
                "return performance.getEntriesByType('resource').filter(r => r.name.startsWith('{}/') && r.startTime <= {all}).length",
                stack.proxy_url
            ),
        )
        .await;
        out.requests.push(sent.as_f64().unwrap_or(0.0));
    }
    out
}

/// Prints what [`cold_security`] measured, each line prefixed with `what`.
fn cold_summary(what: &str, cold: ColdSecurity) {
    summary(
        &format!("{what}security overview in a new tab → first findings"),
        "ms",
        cold.first,
    );
    summary(
        &format!("{what}security overview in a new tab → all findings"),
        "ms",
        cold.all,
    );
    summary(
        &format!("{what}security overview in a new tab: API requests until all findings"),
        "requests",
        cold.requests,
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let latency: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(150);

    let stack = Stack::start(StackOptions::proxy(&[
        "--fault-latency-ms",
        &latency.to_string(),
    ]))
    .await;
    let browser = bench_browser(&stack).await;
    let c = browser.client.clone();
    open_view(&c, &stack.app_url, "/").await;
    let (mut first, mut drawn, mut timeline, mut ready, mut requests, mut security) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for _ in 0..runs {
        // A fresh page: nothing in memory (the HTTP cache keeps the app's files, as on a revisit).
        c.goto(&format!("{}/", stack.app_url)).await.expect("open");
        first.push(mark(&c, "audit:first-rows").await);
        drawn.push(mark(&c, "audit:timeline-first-drawn").await);
        timeline.push(mark(&c, "audit:timeline-drawn").await);
        ready.push(mark(&c, "audit:local-ready").await);
        // The first view's requests: list, event types, the copy's read and the timeline.
        requests.push(api_requests(&c, &stack.proxy_url).await as f64);
        mark_at_press(&c, "bench:security-click").await;
        click_link(&c, "Security overview").await;
        let findings = mark(&c, "audit:findings").await;
        let clicked = js(
            &c,
            "return performance.getEntriesByName('bench:security-click')[0].startTime",
        )
        .await;
        security.push(findings - clicked.as_f64().unwrap_or(findings));
    }
    // The security overview opened in a new tab (a bookmark, a reload): no copy held.
    let cold = cold_security(&c, &stack, runs).await;
    // Signing in: from pressing Sign in (the key and secret typed) to the first table.
    let mut signin = Vec::new();
    for _ in 0..runs {
        js(&c, "sessionStorage.clear()").await;
        c.goto(&format!("{}/", stack.app_url)).await.expect("open");
        type_into(&c, testid::API_KEY, "demo").await;
        type_into(&c, testid::API_SECRET, "demo").await;
        mark_at_press(&c, "bench:sign-in").await;
        click(&c, testid::SIGN_IN).await;
        let rows = mark(&c, "audit:first-rows").await;
        let pressed = js(
            &c,
            "return performance.getEntriesByName('bench:sign-in')[0].startTime",
        )
        .await;
        signin.push(rows - pressed.as_f64().unwrap_or(rows));
    }
    // Then with the copy kept on this device: each run is a revisit.
    js(
        &c,
        &format!("localStorage.setItem('{}', 'on')", storage::KEEP_COPY),
    )
    .await;
    c.goto(&format!("{}/", stack.app_url)).await.expect("open");
    mark(&c, "audit:local-ready").await;
    // Saving runs after the copy completes: give it a moment, then every run opens it.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (mut kept_first, mut kept_requests) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        c.goto(&format!("{}/", stack.app_url)).await.expect("open");
        kept_first.push(mark(&c, "audit:first-rows").await);
        mark(&c, "audit:local-ready").await;
        tokio::time::sleep(std::time::Duration::from_millis(2 * latency + 300)).await;
        kept_requests.push(api_requests(&c, &stack.proxy_url).await as f64);
    }
    println!("at {latency} ms per API answer, 5,000 demo events, fresh tab each run:");
    summary("navigation → first table", "ms", first);
    summary("sign in → first table", "ms", signin);
    // Drawn: every bar is either exact or marked as not read yet (the newest come first).
    summary("navigation → timeline drawn", "ms", drawn);
    summary("navigation → timeline complete", "ms", timeline);
    summary("navigation → local copy complete", "ms", ready);
    summary("API requests for the first view", "requests", requests);
    summary("security overview, click → findings", "ms", security);
    cold_summary("", cold);
    summary("kept copy: navigation → first table", "ms", kept_first);
    summary(
        "kept copy: API requests for the first view",
        "requests",
        kept_requests,
    );
    browser.close().await;
    drop(stack);

    // The same for an account of 50,000 events in the range, at the same latency.
    let stack = Stack::start(StackOptions::proxy(&[
        "--fault-latency-ms",
        &latency.to_string(),
        "--demo-events",
        "50000",
    ]))
    .await;
    let browser = bench_browser(&stack).await;
    let c = browser.client.clone();
    open_view(&c, &stack.app_url, "/").await;
    cold_summary(
        "50000 events: ",
        cold_security(&c, &stack, runs.min(3)).await,
    );
    browser.close().await;
    drop(stack);

    // Reading into the tab on loopback, and what the copy weighs.
    for events in [5_000u64, 50_000] {
        let stack =
            Stack::start(StackOptions::proxy(&["--demo-events", &events.to_string()])).await;
        let browser = bench_browser(&stack).await;
        let c = browser.client.clone();
        open_view(&c, &stack.app_url, "/").await;
        let mut fill = Vec::new();
        let mut mem = (0.0, 0.0);
        for _ in 0..runs.min(3) {
            c.goto(&format!("{}/", stack.app_url)).await.expect("open");
            fill.push(mark(&c, "audit:local-ready").await);
            mem = memory(&c).await;
        }
        summary(
            &format!("{events} events: navigation → local copy complete (loopback)"),
            "ms",
            fill,
        );
        println!(
            "{events} events: wasm memory {:.1} MB, JS heap {:.1} MB",
            mem.0 / 1e6,
            mem.1 / 1e6
        );
        browser.close().await;
    }
}
