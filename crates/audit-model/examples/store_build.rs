//! What a local copy costs to open (native): parsing the kept JSON, building the store, and the
//! first text search, which builds the search index.
//! `cargo run --release -p audit-model --example store_build [-- EVENTS]`
use std::time::Instant;
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    let events: Vec<audit_model::AuditEvent> = (0..n)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "id": format!("00000000-0000-4000-8000-{i:012}"),
                "event_type": "USER_LOGIN", "created_at": format!("2026-01-01T00:{:02}:{:02}", (i / 60) % 60, i % 60),
                "user_email": "carol.security@acme.example", "user_id": 1000003, "account_id": "a1b2c3d4",
                "source": "CD", "source_ip": "198.51.100.30", "source_description": "Customer Dashboard", "source_country": "US",
                "context": {"login_method": "password", "two_factor": true, "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0"},
                "_links": {"self": {"href": format!("https://api.nexmo.com/beta/audit/events/00000000-0000-4000-8000-{i:012}")}}
            }))
            .expect("event")
        })
        .collect();
    let text = serde_json::to_string(&events).expect("json");
    let t = Instant::now();
    let back: Vec<audit_model::AuditEvent> = serde_json::from_str(&text).expect("parse");
    println!(
        "{n} events: JSON parsed in {:?} ({} bytes)",
        t.elapsed(),
        text.len()
    );
    let t = Instant::now();
    let store = audit_model::EventStore::new(back);
    println!(
        "{n} events: store built in {:?} ({} held)",
        t.elapsed(),
        store.len()
    );
    let q = audit_model::EventQuery::parse_valid("search_text=carol").expect("query");
    let t = Instant::now();
    let first = store.query(&q).expect("search").total;
    let built = t.elapsed();
    let t = Instant::now();
    store.query(&q).expect("search");
    println!(
        "{n} events: first search {built:?} (index built), the next {:?}; {first} found",
        t.elapsed()
    );
}
