//! The search box's qualifier parser: any input either parses or is refused with a message;
//! what parses writes a canonical form that parses back to the same filter; matching never
//! panics.
#![no_main]

use audit_model::filter::Filter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(filter) = Filter::parse(text) else { return };
    let canonical = filter.to_string();
    let again = Filter::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical form {canonical:?} of {text:?} refused: {e}"));
    assert_eq!(again, filter, "{text:?} → {canonical:?}");
    let event: audit_model::AuditEvent = serde_json::from_value(serde_json::json!({
        "id": "e", "event_type": "USER_LOGIN", "created_at": "2026-11-01T10:00:00Z",
        "user_email": "a@x.example", "user_id": 7, "source": "CD",
        "source_ip": "198.51.100.7", "source_country": "US",
        "context": {"a": {"b": [1, "two", true]}}
    }))
    .expect("event");
    let _ = filter.matches(&event);
});
