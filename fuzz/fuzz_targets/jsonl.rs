//! The JSON Lines loader: never panics; every line is either an event or an error with its number;
//! good events load into the store and answer a query.
#![no_main]

use audit_model::store::parse_jsonl;
use audit_model::{EventQuery, EventStore};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (events, errors) = parse_jsonl(&text);
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(events.len() + errors.len(), lines);
    assert!(errors.iter().all(|e| e.line >= 1 && e.line <= text.lines().count()));
    let store = EventStore::new(events);
    let page = store.page(&EventQuery::default(), "http://x").expect("default query is valid");
    assert!(page.events().len() <= 30);
});
