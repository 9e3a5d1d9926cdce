//! Exporting every event that matches the filters, as CSV, JSON Lines, or NDJSON in OCSF or ECS
//! (the shapes `audit-archive export` writes, from the same functions:
//! [`audit_model::normalize`]).
//!
//! Pages are fetched at the largest size with a few in flight, written in order as they arrive
//! into Blob parts (the browser may keep those out of the JS heap), and the run can be cancelled
//! at once through one abort signal. The end of the range is pinned when the export starts, so
//! events arriving meanwhile cannot shift pages and duplicate rows.

use std::borrow::Cow;

use audit_model::query::MAX_SIZE;
use audit_model::time::format_api;
use audit_model::{AuditEvent, EventQuery};

/// Pages requested at once.
pub const IN_FLIGHT: usize = 4;
/// Exports larger than this ask for confirmation first.
pub const CONFIRM_ABOVE: u64 = 20_000;

/// The file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a fixed header.
    Csv,
    /// One API event object per line.
    Jsonl,
    /// One OCSF 1.2 object per line (Authentication, Account Change or API Activity).
    Ocsf,
    /// One Elastic Common Schema document per line.
    Ecs,
}

impl Format {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Ocsf => "ocsf.jsonl",
            Format::Ecs => "ecs.jsonl",
        }
    }

    /// MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Csv => "text/csv;charset=utf-8",
            Format::Jsonl | Format::Ocsf | Format::Ecs => "application/x-ndjson",
        }
    }

    /// The schema each line follows, with its version, where it is not the Audit API's own.
    pub fn schema(self) -> Option<String> {
        match self {
            Format::Csv | Format::Jsonl => None,
            Format::Ocsf => Some(format!("OCSF {}", audit_model::normalize::OCSF_VERSION)),
            Format::Ecs => Some(format!("ECS {}", audit_model::normalize::ECS_VERSION)),
        }
    }

    /// Every format, in the order the export menu offers them.
    pub const ALL: [Format; 4] = [Format::Csv, Format::Jsonl, Format::Ocsf, Format::Ecs];

    /// The value the export menu's option carries.
    pub fn key(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Ocsf => "ocsf",
            Format::Ecs => "ecs",
        }
    }

    /// The format an option's value names (CSV for anything else).
    pub fn from_key(key: &str) -> Format {
        Format::ALL
            .into_iter()
            .find(|f| f.key() == key)
            .unwrap_or(Format::Csv)
    }

    /// What the export menu calls it.
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Jsonl => "JSON Lines",
            Format::Ocsf => "OCSF (NDJSON)",
            Format::Ecs => "ECS (NDJSON)",
        }
    }

    /// The file text for a run of events; `first` is the file's first run (CSV's header).
    pub fn chunk(self, events: &[AuditEvent], first: bool) -> String {
        match self {
            Format::Csv => csv_chunk(events, first),
            Format::Jsonl => jsonl_chunk(events),
            Format::Ocsf => lines_of(events, audit_model::normalize::ocsf),
            Format::Ecs => lines_of(events, audit_model::normalize::ecs),
        }
    }
}

/// One line per event, each `shape(event)` as JSON.
fn lines_of(events: &[AuditEvent], shape: fn(&AuditEvent) -> serde_json::Value) -> String {
    let mut out = String::new();
    for ev in events {
        out.push_str(&shape(ev).to_string());
        out.push('\n');
    }
    out
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 11] = [
    "time_utc",
    "event_type",
    "description",
    "user_email",
    "user_id",
    "source",
    "source_description",
    "source_ip",
    "source_country",
    "id",
    "context_json",
];

/// Makes a cell safe to open in a spreadsheet: one that starts like a formula gets a leading
/// apostrophe, so it is shown as text instead of being evaluated.
pub fn neutralize(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

fn csv_record(ev: &AuditEvent) -> [String; 11] {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        ev.created_at.clone(),
        ev.event_type.clone(),
        s(&ev.event_type_description),
        s(&ev.user_email),
        ev.user_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        s(&ev.source),
        s(&ev.source_description),
        s(&ev.source_ip),
        s(&ev.source_country),
        ev.id.clone(),
        ev.context
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    ]
}

/// The CSV text for a run of events (with the header line first when asked).
pub fn csv_chunk(events: &[AuditEvent], header: bool) -> String {
    let mut out = String::new();
    if header {
        csv_line(&mut out, CSV_COLUMNS);
    }
    for ev in events {
        let record = csv_record(ev);
        csv_line(&mut out, record.iter().map(|c| neutralize(c)));
    }
    out
}

/// One CSV record (RFC 4180, CRLF after it): a cell holding a comma, a quote or a line break
/// is quoted, its quotes doubled.
///
/// Written here rather than with the csv crate: its writer decides quoting at run time and so
/// links in its numeric check, which parses every cell as a float, and with it core's float
/// parser and its 10 kB table of powers of five: 16 kB of the brotli wasm (416.5 to 400.2 kB)
/// for a check the export never asks for. The tests read what this writes with the csv crate's reader.
fn csv_line<S: AsRef<str>>(out: &mut String, cells: impl IntoIterator<Item = S>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = cell.as_ref();
        if cell.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

/// The CSV of a security overview's places (countries or IPs): every place, not only those shown.
pub fn places_csv(places: &[crate::insight::Place]) -> String {
    let mut out = String::new();
    csv_line(
        &mut out,
        [
            "where",
            "logins",
            "users",
            "first_login_utc",
            "first_seen",
            "new_for_users",
        ],
    );
    for p in places {
        let record = [
            p.name.clone(),
            p.logins.to_string(),
            p.users.to_string(),
            format_api(p.first),
            p.first_seen.to_string(),
            p.new_for_users.join(" "),
        ];
        csv_line(&mut out, record.iter().map(|c| neutralize(c)));
    }
    out
}

/// Size and SHA-256 of a file's text, with its row count, for a manifest.
pub fn written(text: &str, rows: u64) -> Written {
    use sha2::Digest;
    Written {
        bytes: text.len() as u64,
        sha256: format!("{:x}", sha2::Sha256::digest(text.as_bytes())),
        events: rows,
    }
}

/// The JSON Lines text for a run of events: each event exactly as decoded (unknown fields kept).
pub fn jsonl_chunk(events: &[AuditEvent]) -> String {
    let mut out = String::new();
    for ev in events {
        if let Ok(line) = serde_json::to_string(ev) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Where an export's events came from, as the manifest names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The Audit API through a proxy, for an account (its API key; never the secret).
    Api {
        /// The proxy's base URL.
        base: String,
        /// The API key.
        key: String,
    },
    /// A file opened offline.
    File {
        /// Its name.
        name: String,
    },
}

impl Origin {
    /// Where `session`'s events come from now: the open file, or the API base and the
    /// account's key (never the secret). Untracked.
    pub fn of(session: &crate::session::Session) -> Origin {
        use leptos::prelude::GetUntracked;
        match (
            session.offline.get_untracked(),
            session.credentials.get_untracked(),
        ) {
            (Some(f), _) => Origin::File {
                name: f.name.clone(),
            },
            (None, c) => Origin::Api {
                base: session.api_base_untracked(),
                key: c.map(|c| c.key).unwrap_or_default(),
            },
        }
    }
}

/// What an export produced: the file's size, fingerprint and event count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    /// Bytes in the file.
    pub bytes: u64,
    /// SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// Events (rows) in it.
    pub events: u64,
}

/// The evidence manifest written beside an export (JSON): the query as sent and its range, who
/// was asked and when, how many events came back, and the file's SHA-256, so an auditor can show
/// the file is the one the query produced.
pub fn manifest(
    q: &EventQuery,
    format: Format,
    file: &str,
    written: &Written,
    origin: &Origin,
    generated_at_ms: i64,
) -> String {
    let source = match origin {
        Origin::Api { base, key } => serde_json::json!({
            "kind": "audit-api",
            "api_base_url": base,
            "account_api_key": key,
            "request": format!("GET {}?{}", audit_model::EVENTS_PATH, q.to_query_string()),
        }),
        Origin::File { name } => serde_json::json!({ "kind": "file", "file_name": name }),
    };
    let search = q
        .search_text
        .as_deref()
        .map(audit_model::query::unescape_search_text);
    let value = serde_json::json!({
        "manifest_version": 1,
        "file": {
            "name": file,
            "format": format.key(),
            "schema": format.schema(),
            "bytes": written.bytes,
            "sha256": written.sha256,
        },
        "events": written.events,
        "query": {
            "event_types": q.event_types,
            "date_from": q.date_from,
            "date_to": q.date_to,
            "search_text": search,
            // Applied by the app to the events the query returned (the API has no such
            // parameter): the file holds only those that match.
            "exact_qualifiers": q.filter,
            "query_string": q.to_query_string(),
        },
        "source": source,
        "generated_at": format!("{}Z", format_api(generated_at_ms)),
        "app": { "name": crate::browser::APP_TITLE, "version": env!("CARGO_PKG_VERSION") },
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// The manifest's file name: the export's, with `.manifest.json`.
pub fn manifest_name(file: &str) -> String {
    format!("{file}.manifest.json")
}

/// What a printed page holds: the events of a query, or one event.
#[derive(Clone, Debug, PartialEq)]
pub enum Printed {
    /// A list or overview of the events `EventQuery` selects.
    Query(EventQuery),
    /// One event, by its id.
    Event(String),
}

/// What a printed page says it is, above its content, as (label, value): where the events come
/// from, the query in words (for a list), the request as sent, and when it was printed
/// (UTC). A page in an evidence binder then stands on its own, as an export does with its
/// manifest.
pub fn print_statement(
    what: &Printed,
    origin: &Origin,
    printed_at_ms: i64,
) -> Vec<(&'static str, String)> {
    let source = match origin {
        Origin::Api { base, key } => format!("the Audit API through {base}, account {key}"),
        Origin::File { name } => format!("the file {name}, opened offline"),
    };
    let (mut out, request) = match what {
        Printed::Query(q) => {
            let types = match q.event_types.as_slice() {
                [] => "all".to_string(),
                types => types.join(", "),
            };
            let mut out = vec![
                ("Events from", source),
                ("Event types", types),
                (
                    "From",
                    q.date_from.clone().unwrap_or_else(|| "not set".into()),
                ),
                (
                    "To",
                    q.date_to.clone().unwrap_or_else(|| "not set (now)".into()),
                ),
            ];
            if let Some(text) = &q.search_text {
                out.push((
                    "Text search",
                    audit_model::query::unescape_search_text(text),
                ));
            }
            if let Some(filter) = &q.filter {
                out.push(("Exact qualifiers", filter.clone()));
            }
            let request = format!("{}?{}", audit_model::EVENTS_PATH, q.to_query_string());
            (out, request)
        }
        // The event's fields, its id first, follow on the page.
        Printed::Event(id) => (vec![("Event from", source)], crate::api::event_api_path(id)),
    };
    if matches!(origin, Origin::Api { .. }) {
        out.push(("Request", format!("GET {request}")));
    }
    out.push((
        "Printed",
        format!("{} UTC", format_api(printed_at_ms).replace('T', " ")),
    ));
    out
}

/// The query an export runs: the user's filters, the largest page, the end pinned to `now`
/// unless the user set one.
pub fn export_query(q: &EventQuery, now_ms: i64) -> EventQuery {
    EventQuery {
        page: 1,
        size: MAX_SIZE,
        date_to: q
            .date_to
            .clone()
            .or_else(|| Some(format_api(now_ms - now_ms.rem_euclid(1000)))),
        ..q.clone()
    }
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// A file name that says what is inside: types (or "all-types"), search, and the range.
pub fn file_name(q: &EventQuery, format: Format) -> String {
    let types = match q.event_types.len() {
        0 => "all-types".to_string(),
        1..=3 => q.event_types.join("+").to_lowercase(),
        n => format!("{n}-types"),
    };
    let mut parts = vec!["audit-events".to_string(), types];
    if let Some(s) = q.search_text.as_deref().filter(|s| !s.is_empty()) {
        let s: String = audit_model::query::unescape_search_text(s)
            .chars()
            .take(24)
            .collect();
        parts.push(format!("search-{}", slug(&s)));
    }
    if let Some(f) = q.filter.as_deref().filter(|f| !f.is_empty()) {
        let f: String = f.chars().take(24).collect();
        parts.push(format!("where-{}", slug(&f)));
    }
    let day = |d: &Option<String>| {
        d.as_deref()
            .map(|d| slug(&d.replace(':', "")))
            .unwrap_or_default()
    };
    parts.push(format!(
        "{}_to_{}",
        if q.date_from.is_some() {
            day(&q.date_from)
        } else {
            "start".into()
        },
        if q.date_to.is_some() {
            day(&q.date_to)
        } else {
            "now".into()
        }
    ));
    format!("{}.{}", parts.join("_"), format.extension())
}

/// Seconds left, from the pace so far.
pub fn eta_secs(done: u64, total: u64, elapsed_ms: f64) -> Option<u64> {
    (done > 0 && total > done)
        .then(|| ((elapsed_ms / done as f64) * (total - done) as f64 / 1000.0).ceil() as u64)
}

/// Shared progress of a running export.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    /// Pages written.
    pub pages_done: u32,
    /// Pages in all.
    pub pages_total: u32,
    /// Events written.
    pub events_done: u64,
    /// Events in all.
    pub events_total: u64,
    /// Milliseconds since the start.
    pub elapsed_ms: f64,
}

/// The browser side: Blob parts, download.
pub mod run {
    use super::*;
    use crate::api::ApiError;
    use crate::source::{for_each_page, Source};
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue};

    fn blob_of(text: &str, mime: &str) -> Option<web_sys::Blob> {
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type(mime);
        web_sys::Blob::new_with_str_sequence_and_options(
            &js_sys::Array::of1(&JsValue::from_str(text)),
            &opts,
        )
        .ok()
    }

    /// Fetches every page of `q` (already an [`export_query`]) and returns the file as a Blob,
    /// each page becoming a Blob part as it arrives (in page order).
    pub async fn export(
        source: Source,
        q: EventQuery,
        format: Format,
        progress: RwSignal<Progress>,
        signal: web_sys::AbortSignal,
    ) -> Result<(web_sys::Blob, Written), ApiError> {
        use sha2::Digest;
        let started = js_sys::Date::now();
        let parts = js_sys::Array::new();
        let mut pages_done = 0u32;
        let mut events_done = 0u64;
        // The file is the UTF-8 of the chunks in order, which is what is hashed.
        let mut hash = sha2::Sha256::new();
        let mut bytes = 0u64;
        for_each_page(&source, &q, IN_FLIGHT, &signal, |page, info| {
            let text = format.chunk(page.events(), pages_done == 0);
            hash.update(text.as_bytes());
            bytes += text.len() as u64;
            if let Some(b) = blob_of(&text, format.mime()) {
                parts.push(&b);
            }
            pages_done += 1;
            events_done += page.events().len() as u64;
            // try_: the view may be gone by the time a page lands.
            progress.try_set(Progress {
                pages_done,
                pages_total: info.total_pages.max(1) as u32,
                events_done,
                events_total: info.total_elements,
                elapsed_ms: js_sys::Date::now() - started,
            });
        })
        .await?;
        let opts = web_sys::BlobPropertyBag::new();
        opts.set_type(format.mime());
        let blob = web_sys::Blob::new_with_blob_sequence_and_options(&parts, &opts)
            .map_err(|_| ApiError::Malformed("the browser could not assemble the file".into()))?;
        let written = Written {
            bytes,
            sha256: format!("{:x}", hash.finalize()),
            events: events_done,
        };
        Ok((blob, written))
    }

    /// Hands text to the browser as a download.
    pub fn download_text(text: &str, name: &str, mime: &str) {
        if let Some(blob) = blob_of(text, mime) {
            download(&blob, name);
        }
    }

    /// Hands a Blob to the browser as a download.
    pub fn download(blob: &web_sys::Blob, name: &str) {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
            return;
        };
        if let Ok(a) = doc.create_element("a") {
            if let Ok(a) = a.dyn_into::<web_sys::HtmlAnchorElement>() {
                a.set_href(&url);
                a.set_download(name);
                a.click();
            }
        }
        // Revoke later: the download needs the URL a moment longer than the click.
        leptos::prelude::set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            },
            std::time::Duration::from_secs(60),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The origin of a list read through a proxy.
    fn proxy_origin() -> Origin {
        Origin::Api {
            base: "https://proxy.example".into(),
            key: "a1b2c3d4".into(),
        }
    }
    /// The origin of a list opened from a file.
    fn file_origin() -> Origin {
        Origin::File {
            name: "evidence.jsonl".into(),
        }
    }
    /// A statement's line by its label.
    fn get(statement: &[(&str, String)], label: &str) -> Option<String> {
        statement
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn a_printed_list_states_its_source_query_and_time() {
        let api = proxy_origin();
        let all = print_statement(
            &Printed::Query(EventQuery::default()),
            &api,
            1_764_000_000_000,
        );
        assert_eq!(
            get(&all, "Events from").as_deref(),
            Some("the Audit API through https://proxy.example, account a1b2c3d4")
        );
        assert_eq!(get(&all, "Event types").as_deref(), Some("all"));
        assert_eq!(get(&all, "From").as_deref(), Some("not set"));
        assert_eq!(get(&all, "Text search"), None, "no search, no line");
        assert_eq!(
            get(&all, "Printed").as_deref(),
            Some("2025-11-24 16:00:00 UTC")
        );

        let q = EventQuery {
            event_types: vec!["USER_LOGIN".into(), "APP_UPDATE".into()],
            date_from: Some("2026-11-01T00:00:00+01:00".into()),
            search_text: Some(audit_model::query::escape_search_text("a\"b")),
            filter: Some("country:BR".into()),
            page: 3,
            ..Default::default()
        };
        let some = print_statement(&Printed::Query(q.clone()), &api, 0);
        assert_eq!(
            get(&some, "Event types").as_deref(),
            Some("USER_LOGIN, APP_UPDATE")
        );
        assert_eq!(
            get(&some, "From").as_deref(),
            Some("2026-11-01T00:00:00+01:00")
        );
        assert_eq!(
            get(&some, "Text search").as_deref(),
            Some("a\"b"),
            "as typed, not escaped"
        );
        assert_eq!(
            get(&some, "Exact qualifiers").as_deref(),
            Some("country:BR")
        );
        let request = get(&some, "Request").expect("the request line");
        assert!(request.starts_with("GET /beta/audit/events?"), "{request}");
        assert!(
            request.contains("event_type=USER_LOGIN%2CAPP_UPDATE") && request.contains("page=3"),
            "{request}"
        );

        let file = file_origin();
        let offline = print_statement(&Printed::Query(q), &file, 0);
        assert_eq!(
            get(&offline, "Events from").as_deref(),
            Some("the file evidence.jsonl, opened offline")
        );
        assert_eq!(get(&offline, "Request"), None, "no request was made");
    }

    #[test]
    fn a_printed_event_states_its_source_request_and_time() {
        let api = proxy_origin();
        let one = print_statement(&Printed::Event("ev 1/2?#".into()), &api, 0);
        assert_eq!(
            get(&one, "Event from").as_deref(),
            Some("the Audit API through https://proxy.example, account a1b2c3d4")
        );
        assert_eq!(
            get(&one, "Request").as_deref(),
            Some("GET /beta/audit/events/ev%201%2F2%3F%23"),
            "as sent: the id one path segment"
        );
        assert_eq!(get(&one, "Event types"), None, "no query to state");
        assert_eq!(
            get(&one, "Printed").as_deref(),
            Some("1970-01-01 00:00:00 UTC")
        );
        let file = file_origin();
        let offline = print_statement(&Printed::Event("x".into()), &file, 0);
        assert_eq!(get(&offline, "Request"), None, "no request was made");
    }

    #[test]
    fn security_sections_as_csv_with_their_fingerprint() {
        let places = [crate::insight::Place {
            name: "=BR".into(),
            logins: 14,
            users: 1,
            first: 1_764_000_000_000,
            first_seen: true,
            new_for_users: vec!["a@x".into(), "b@x".into()],
        }];
        let text = places_csv(&places);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            r.headers().expect("header").iter().collect::<Vec<_>>(),
            [
                "where",
                "logins",
                "users",
                "first_login_utc",
                "first_seen",
                "new_for_users"
            ]
        );
        let row = r.records().next().expect("row").expect("record");
        assert_eq!(&row[0], "'=BR", "a formula-like cell is neutralised");
        assert_eq!(&row[1], "14");
        assert_eq!(&row[3], "2025-11-24T16:00:00");
        assert_eq!(&row[4], "true");
        assert_eq!(&row[5], "a@x b@x");
        let w = written("abc", 1);
        assert_eq!(w.bytes, 3);
        assert_eq!(
            w.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "SHA-256 of 'abc' (FIPS 180-2 test vector)"
        );
    }

    #[test]
    fn the_manifest_names_query_source_count_and_fingerprint() {
        let q = EventQuery {
            event_types: vec!["USER_LOGIN".into()],
            date_from: Some("2026-11-01T00:00:00".into()),
            date_to: Some("2026-11-22T12:00:00".into()),
            search_text: Some(audit_model::query::escape_search_text("198.51.100.77")),
            filter: Some("country:BR".into()),
            page: 1,
            size: 100,
        };
        let written = Written {
            bytes: 1234,
            sha256: "ab".repeat(32),
            events: 14,
        };
        let origin = Origin::Api {
            base: "http://127.0.0.1:8787".into(),
            key: "demo".into(),
        };
        let text = manifest(
            &q,
            Format::Csv,
            "f.csv",
            &written,
            &origin,
            1_764_000_000_000,
        );
        let m: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(m["file"]["name"], "f.csv");
        assert_eq!(m["file"]["format"], "csv");
        assert_eq!(m["file"]["bytes"], 1234);
        assert_eq!(m["file"]["sha256"], "ab".repeat(32));
        assert_eq!(m["events"], 14);
        assert_eq!(m["query"]["event_types"][0], "USER_LOGIN");
        assert_eq!(m["query"]["date_to"], "2026-11-22T12:00:00");
        assert_eq!(m["query"]["search_text"], "198.51.100.77");
        assert_eq!(m["query"]["exact_qualifiers"], "country:BR");
        assert_eq!(m["source"]["account_api_key"], "demo");
        assert!(m["source"]["request"]
            .as_str()
            .expect("request")
            .starts_with("GET /beta/audit/events?event_type=USER_LOGIN"));
        assert_eq!(m["generated_at"], "2025-11-24T16:00:00Z");
        assert_eq!(m["app"]["version"], env!("CARGO_PKG_VERSION"));
        assert!(
            !text.contains("secret"),
            "the secret is never in a manifest"
        );
        let file = manifest(
            &q,
            Format::Jsonl,
            "f.jsonl",
            &written,
            &Origin::File {
                name: "x.jsonl".into(),
            },
            0,
        );
        let m: serde_json::Value = serde_json::from_str(&file).expect("JSON");
        assert_eq!(m["source"]["kind"], "file");
        assert_eq!(manifest_name("f.csv"), "f.csv.manifest.json");
    }

    fn ev(id: &str, email: &str) -> AuditEvent {
        audit_model::testing::event(id)
            .user(email)
            .user_id(7)
            .context(serde_json::json!({"a": "b,\"c\"\nd"}))
            .extra("new_field", serde_json::json!(1))
            .build()
    }

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralize(bad).starts_with('\''), "{bad}");
        }
        assert_eq!(neutralize("alice@example.org"), "alice@example.org");
        assert_eq!(neutralize(""), "");
    }

    #[test]
    fn csv_quotes_and_keeps_columns_stable() {
        let text = csv_chunk(
            &[ev("a", "=HYPERLINK(\"http://x\")"), ev("b", "bob@x")],
            true,
        );
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            r.headers().expect("header").iter().collect::<Vec<_>>(),
            CSV_COLUMNS
        );
        let rows: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][3], "'=HYPERLINK(\"http://x\")");
        assert_eq!(
            &rows[1][10], r#"{"a":"b,\"c\"\nd"}"#,
            "context JSON survives quoting"
        );
        assert_eq!(&rows[1][4], "7");
    }

    #[test]
    fn csv_lines_read_back_cell_for_cell() {
        // Every awkward cell, read back by the csv crate's own reader.
        let cells = [
            "",
            "plain",
            "a,b",
            "say \"hi\"",
            "\"",
            "\"\"",
            "line\nbreak",
            "cr\rlf\r\n",
            " padded ",
            "日本語, ünïcode",
            "#hash",
            "'quoted'",
            ",",
            "\r\n",
        ];
        let mut text = String::new();
        csv_line(&mut text, cells);
        csv_line(&mut text, cells.iter().rev());
        assert!(text.ends_with("\r\n"));
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].iter().collect::<Vec<_>>(), cells);
        assert_eq!(
            rows[1].iter().collect::<Vec<_>>(),
            cells.iter().rev().copied().collect::<Vec<_>>()
        );
        // Quoted only where needed: a plain cell stays as it was.
        assert!(text.starts_with(",plain,\"a,b\",\"say \"\"hi\"\"\","));
    }

    #[test]
    fn ocsf_and_ecs_write_one_normalised_line_per_event() {
        let typed = |id: &str, t: &str| audit_model::testing::event(id).of_type(t).build();
        let events = [typed("a", "USER_LOGIN"), typed("b", "APP_CREATE")];
        let ocsf = Format::Ocsf.chunk(&events, true);
        let lines: Vec<serde_json::Value> = ocsf
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["metadata"]["uid"], "a");
        assert_eq!(lines[0]["class_uid"], 3002);
        assert_eq!(lines[1]["class_uid"], 6003);
        let ecs = Format::Ecs.chunk(&events, false);
        let docs: Vec<serde_json::Value> = ecs
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(docs[1]["event"]["action"], "APP_CREATE");
        assert!(ocsf.ends_with('\n') && ecs.ends_with('\n'));
        for f in Format::ALL {
            assert_eq!(Format::from_key(f.key()), f);
        }
        assert_eq!(
            file_name(&EventQuery::default(), Format::Ocsf),
            "audit-events_all-types_start_to_now.ocsf.jsonl"
        );
        assert_eq!(Format::Ecs.schema().as_deref(), Some("ECS 9.4.0"));
        assert_eq!(Format::Csv.schema(), None);
    }

    #[test]
    fn jsonl_keeps_unknown_fields() {
        let text = jsonl_chunk(&[ev("a", "x")]);
        let v: serde_json::Value = serde_json::from_str(text.trim()).expect("json");
        assert_eq!(v["new_field"], 1);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn export_pins_the_end_and_uses_full_pages() {
        let q = EventQuery {
            page: 7,
            size: 10,
            ..Default::default()
        };
        let e = export_query(&q, 1_714_564_800_500);
        assert_eq!((e.page, e.size), (1, 100));
        assert_eq!(e.date_to.as_deref(), Some("2024-05-01T12:00:00"));
        let q = EventQuery {
            date_to: Some("2024-01-01".into()),
            ..Default::default()
        };
        assert_eq!(export_query(&q, 0).date_to.as_deref(), Some("2024-01-01"));
    }

    #[test]
    fn file_names_say_what_is_inside() {
        let q = EventQuery {
            event_types: vec!["USER_LOGIN".into(), "APP_CREATE".into()],
            date_from: Some("2024-05-01T00:00:00".into()),
            date_to: Some("2024-05-31T23:59:59".into()),
            search_text: Some("198.51.100.77".into()),
            ..Default::default()
        };
        assert_eq!(
            file_name(&q, Format::Csv),
            "audit-events_user_login+app_create_search-198-51-100-77_2024-05-01T000000_to_2024-05-31T235959.csv"
        );
        assert_eq!(
            file_name(&EventQuery::default(), Format::Jsonl),
            "audit-events_all-types_start_to_now.jsonl"
        );
        let exact = EventQuery {
            filter: Some("country:US".into()),
            ..Default::default()
        };
        assert_eq!(
            file_name(&exact, Format::Csv),
            "audit-events_all-types_where-country-US_start_to_now.csv"
        );
    }

    #[test]
    fn eta_from_pace() {
        assert_eq!(eta_secs(10, 30, 2000.0), Some(4));
        assert_eq!(eta_secs(0, 30, 2000.0), None);
        assert_eq!(eta_secs(30, 30, 2000.0), None);
    }
}
