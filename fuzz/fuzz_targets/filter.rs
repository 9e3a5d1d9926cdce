//! The search box's qualifier parser: any input either parses or is refused with a message;
//! what parses writes a canonical form that parses back to the same filter; matching never
//! panics; completions of any input never panic.
#![no_main]

use audit_model::filter::Filter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Completions never panic, and each one keeps what was typed before the word it completes.
    let vocab = audit_model::suggest::Vocabulary {
        fields: vec![
            ("country".into(), vec!["US".into(), "Ünï, \"q\"".into()]),
            ("context.a.b".into(), vec!["x y".into()]),
        ],
    };
    for s in audit_model::suggest::suggest(text, &vocab, 5) {
        let kept = text
            .char_indices()
            .filter(|(_, c)| c.is_whitespace())
            .last()
            .map_or(0, |(i, c)| i + c.len_utf8());
        assert!(s.starts_with(&text[..kept]), "{text:?} → {s:?}");
    }
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
