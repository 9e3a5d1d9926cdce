//! Times filtered, paged queries over a generated demo account (default 100,000 events).
//!
//! `cargo run --release -p audit-proxy --example demo_query_bench [-- EVENTS]`
//! Prints p50 / p99 per query shape, each over repeated runs, and the store build time.

use std::time::{Duration, Instant};

use audit_model::{EventQuery, EventStore};
use audit_proxy::demo::{generate, DemoSpec};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let now = 1_767_268_800_000; // 2026-01-01T12:00:00Z, fixed so runs compare
    let t = Instant::now();
    let events = generate(DemoSpec {
        seed: 42,
        events: n,
        now,
    });
    let generated = t.elapsed();
    let t = Instant::now();
    let store = EventStore::new(events);
    let built = t.elapsed();
    println!("demo store: {n} events, generated in {generated:.2?}, indexed in {built:.2?}");
    println!(
        "{:<58} {:>10} {:>10} {:>9}",
        "query", "p50", "p99", "matches"
    );
    let shapes = [
        "size=100",
        "size=100&page=500",
        "event_type=USER_LOGIN&size=100&page=3",
        "event_type=USER_LOGIN,APP_CREATE,ACCOUNT_SECRET_CREATE&size=100",
        "date_from=2025-12-01&date_to=2025-12-15&size=100",
        "date_from=2025-12-01&date_to=2025-12-15&event_type=USER_LOGIN&size=30",
        "search_text=198.51.100.77&size=100",
        "search_text=hooks.acme.example&event_type=APP_CREATE&size=100",
        "search_text=no+such+text+anywhere&size=100",
    ];
    for qs in shapes {
        let q = EventQuery::parse_valid(qs).expect("valid query");
        let mut times = Vec::with_capacity(200);
        let mut total = 0;
        for _ in 0..200 {
            let t = Instant::now();
            let page = store.page(&q, "http://127.0.0.1:8787").expect("query");
            let json = serde_json::to_vec(&page).expect("json");
            times.push(t.elapsed());
            total = page.info().total_elements;
            std::hint::black_box(json);
        }
        times.sort();
        println!(
            "{qs:<58} {:>10.2?} {:>10.2?} {total:>9}",
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
    }
}
