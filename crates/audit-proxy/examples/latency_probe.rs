//! Latency at a person's pace: one request at a time every few milliseconds over one kept-alive
//! connection (open loop, so the machine is never saturated), printing p50 and p99 in ms.
//!
//! `cargo run --release -p audit-proxy --example latency_probe -- URL [REQUESTS] [EVERY_MS]`

use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .expect("usage: latency_probe URL [REQUESTS] [EVERY_MS]");
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let every: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("client");
    let mut tick = tokio::time::interval(Duration::from_millis(every));
    let mut times = Vec::with_capacity(n);
    // The first requests open the connection and warm caches; they are not counted.
    for i in 0..n + 50 {
        tick.tick().await;
        let start = Instant::now();
        let resp = client
            .get(&url)
            .header("Authorization", "Basic a2V5OnNlY3JldA==")
            .send()
            .await
            .expect("answer");
        assert!(resp.status().is_success(), "status {}", resp.status());
        resp.bytes().await.expect("body");
        if i >= 50 {
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!("{:.3} {:.3}", at(0.5), at(0.99));
}
