//! The query parser and validator: any input parses or fails cleanly, and a valid query renders
//! to a query string that parses back to the same query.
#![no_main]

use audit_model::EventQuery;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((q, _)) = EventQuery::parse(text) {
        if q.validate().is_ok() {
            for qs in [q.to_query_string(), q.to_compact_query_string()] {
                let back = EventQuery::parse_valid(&qs).expect("a rendered valid query parses back");
                assert_eq!(back, q, "round trip of {qs}");
            }
        }
    }
});
