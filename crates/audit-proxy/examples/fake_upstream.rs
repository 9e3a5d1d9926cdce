//! A fast fake Audit API for load tests and benchmarks: answers every request with one fixed
//! page of 30 demo events. Loopback only.
//!
//! `cargo run --release -p audit-proxy --example fake_upstream -- 127.0.0.1:9797`

use audit_model::{EventQuery, EventStore};
use audit_proxy::demo::{generate, DemoSpec};
use axum::http::header;
use axum::Router;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9797".into());
    let store = EventStore::new(generate(DemoSpec {
        seed: 1,
        events: 300,
        now: 1_767_268_800_000,
    }));
    let page = store
        .page(&EventQuery::default(), "https://api.nexmo.com")
        .expect("page");
    let body: &'static [u8] =
        Box::leak(serde_json::to_vec(&page).expect("json").into_boxed_slice());
    let app = Router::new()
        .fallback(move || async move { ([(header::CONTENT_TYPE, "application/json")], body) });
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    println!("fake upstream on http://{addr} ({} byte page)", body.len());
    axum::serve(listener, app).await.expect("serve");
}
