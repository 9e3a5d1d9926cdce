//! The servers' request classification (method + path → relay or reject): only the three calls and
//! health are ever accepted, whatever the bytes.
#![no_main]

use audit_edge::calls::{classify, Call};
use axum::http::Method;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&m, path)) = data.split_first() else { return };
    let method = match m % 6 {
        0 => Method::GET,
        1 => Method::OPTIONS,
        2 => Method::POST,
        3 => Method::HEAD,
        4 => Method::DELETE,
        _ => Method::from_bytes(b"FOO").expect("method"),
    };
    let Ok(path) = std::str::from_utf8(path) else { return };
    match classify(&method, path) {
        Ok(Call::ListEvents) => assert!(method == Method::GET && path == "/beta/audit/events"),
        Ok(Call::EventTypes) => assert!(method == Method::OPTIONS && path == "/beta/audit/events"),
        Ok(Call::GetEvent(id)) => {
            assert_eq!(method, Method::GET);
            let rest = path.strip_prefix("/beta/audit/events/").expect("prefix");
            assert!(rest.eq_ignore_ascii_case(&id.hyphenated().to_string()));
        }
        Err(_) => {}
    }
});
