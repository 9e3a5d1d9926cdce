//! Local views at the copy's largest bound: with every event of the demo account's 90 days held
//! in the tab (200,000 by default, `local_max_events` raised to match), what a person waits for
//! when they change the question: a type, a search text, the search box's qualifiers, a page far
//! down. In headless Chromium against the demo proxy on loopback.
//!
//! Each question is asked the way a click on a link asks it (the app's router), and timed from
//! that click to the list's rows painted (`audit:list-rendered`, src/instrument.rs), and to the
//! end of the last long task it caused (the timeline and facets are recomputed after the rows):
//! the time the page cannot answer a key or a click.
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example local_views [-- EVENTS ROUNDS]`
//!
//! Prints one line per shape and an `all shapes` line, `p50 X ms, p95 Y ms`, for scripts/bench.sh.

use std::time::{Duration, Instant};

use e2e::*;
use fantoccini::Client;

/// The questions, each a query string on the events list (`{n}` becomes the round's page, so
/// no round repeats an earlier one and no answer comes from the app's memory of pages shown).
const SHAPES: &[(&str, &str)] = &[
    ("one type", "event_type=USER_LOGIN&page={n}"),
    (
        "search text few events hold",
        "search_text=deploy-bot&page={n}",
    ),
    ("search text most events hold", "search_text=us&page={n}"),
    ("search text no event holds", "search_text=zz-none-{n}"),
    ("qualifier country", "where=country%3AIE&page={n}"),
    (
        "qualifier ip range without logins",
        "where=ip%3A203.0.113.0%2F24+-type%3AUSER_LOGIN&page={n}",
    ),
    (
        "type + search text",
        "event_type=USER_LOGIN&search_text=203.0.113&page={n}",
    ),
    ("a page far down", "page={p}"),
];

/// Waits up to `secs` for the page's mark `name`, and returns when it was set.
async fn mark(c: &Client, name: &str, secs: u64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let v = js(
            c,
            &format!("const m = performance.getEntriesByName('{name}'); return m.length ? m[0].startTime : null"),
        )
        .await;
        if let Some(at) = v.as_f64() {
            return at;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {name}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asks `query` through the app's router and returns (click → rows painted, click → the last
/// long task's end), in ms.
async fn ask(c: &Client, query: &str) -> (f64, f64) {
    let painted = ask_list(c, query).await;
    // What follows the rows (timeline, facets) has run once the page has been idle a while.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let busy = js(
        c,
        "const t0 = window.__e2e_t0; \
         return Math.max(0, ...window.__lv_long.filter(([s]) => s >= t0 - 1).map(([s, e]) => e - t0))",
    )
    .await
    .as_f64()
    .unwrap_or(0.0);
    (painted, busy.max(painted))
}

/// Bytes of the app's wasm memory (`window.__audit_wasm`, set when instrumented).
async fn wasm_memory(c: &Client) -> f64 {
    js(
        c,
        "return window.__audit_wasm ? window.__audit_wasm.buffer.byteLength : 0",
    )
    .await
    .as_f64()
    .unwrap_or(0.0)
}

fn line(name: &str, painted: &mut [f64], busy: &mut [f64]) {
    println!(
        "{name}: rows painted p50 {:.0} ms, p95 {:.0} ms; page busy p50 {:.0} ms, p95 {:.0} ms ({} questions)",
        percentile(painted, 0.5),
        percentile(painted, 0.95),
        percentile(busy, 0.5),
        percentile(busy, 0.95),
        painted.len()
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let events: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let stack = Stack::start(StackOptions {
        proxy_args: vec!["--demo-events".into(), events.to_string()],
        local_max_events: Some(events),
        ..Default::default()
    })
    .await;
    let browser = bench_browser(&stack).await;
    let c = browser.client.clone();
    c.goto(&format!("{}/", stack.app_url)).await.expect("open");
    let ready = mark(&c, "audit:local-ready", 300).await;
    println!("{events} events: navigation → local copy complete {ready:.0} ms");
    let (state, status) = local_copy(&c, |s| s != "reading").await;
    assert_eq!(state, "ready", "the copy holds every event: {status}");
    // What is built in the background once the copy is complete has had its time.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let held = wasm_memory(&c).await;
    js(
        &c,
        "window.__lv_long = []; new PerformanceObserver(l => l.getEntries().forEach(e => \
         window.__lv_long.push([e.startTime, e.startTime + e.duration]))).observe({type: 'longtask'});",
    )
    .await;
    // The first question pays for what is built once (the search text's index among it):
    // printed alone, and left out of the shapes' figures.
    let first = ask(&c, "search_text=first-question").await;
    println!(
        "{events} events: first search text after the copy: rows painted {:.0} ms, page busy {:.0} ms",
        first.0, first.1
    );
    let searched = wasm_memory(&c).await;
    println!(
        "{events} events: wasm memory {:.1} MB with the copy complete ({:.2} kB an event), {:.1} MB after a search",
        held / 1e6,
        held / events as f64 / 1e3,
        searched / 1e6
    );
    let pages = events / 100;
    let (mut all_painted, mut all_busy) = (Vec::new(), Vec::new());
    for (name, shape) in SHAPES {
        let (mut painted, mut busy) = (Vec::new(), Vec::new());
        for n in 1..=rounds {
            let far = pages * (n as u64 + 4) / (rounds as u64 + 5);
            let q = shape
                .replace("{n}", &n.to_string())
                .replace("{p}", &far.max(2).to_string());
            let (p, b) = ask(&c, &q).await;
            if std::env::var_os("LOCAL_VIEWS_EACH").is_some() {
                println!("  {q}: rows painted {p:.0} ms, page busy {b:.0} ms");
            }
            painted.push(p);
            busy.push(b);
        }
        line(&format!("{events} events: {name}"), &mut painted, &mut busy);
        all_painted.extend(painted);
        all_busy.extend(busy);
    }
    line(
        &format!("{events} events: all shapes"),
        &mut all_painted,
        &mut all_busy,
    );
    browser.close().await;
}
