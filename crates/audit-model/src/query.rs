//! The events query: what `GET /beta/audit/events` accepts, validated, and its query string.

use crate::time::{parse_bound, RangeEnd, Timestamp};

/// Smallest page size the API accepts.
pub const MIN_SIZE: u32 = 1;
/// Largest page size the API accepts.
pub const MAX_SIZE: u32 = 100;
/// Page size when none is given.
pub const DEFAULT_SIZE: u32 = 30;
/// Longest search text we send; the API gives no limit, this keeps URLs sane.
pub const MAX_SEARCH_CHARS: usize = 500;
/// Most event types in one filter.
pub const MAX_EVENT_TYPES: usize = 100;

/// A filtered, paged request for events. `page` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Event types to include; empty means all. Sent comma-joined.
    pub event_types: Vec<String>,
    /// Start of the range, ISO-8601, as the user gave it.
    pub date_from: Option<String>,
    /// End of the range, ISO-8601, as the user gave it.
    pub date_to: Option<String>,
    /// Text the event's JSON must contain, already escaped as the API requires.
    pub search_text: Option<String>,
    /// Exact qualifiers from the search box (`country:US ip:198.51.100.0/24`, see
    /// [`crate::filter`]), in canonical form. The app's own: answered from events held in the
    /// browser, kept in the app's address as `where`, and never sent to the API.
    pub filter: Option<String>,
    /// Page number, from 1.
    pub page: u32,
    /// Events per page, 1–100.
    pub size: u32,
}

impl Default for EventQuery {
    fn default() -> Self {
        Self {
            event_types: Vec::new(),
            date_from: None,
            date_to: None,
            search_text: None,
            filter: None,
            page: 1,
            size: DEFAULT_SIZE,
        }
    }
}

/// Why a query is refused. Each message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// `size` outside 1–100 or not a number.
    #[error("page size must be a whole number from 1 to 100 (got “{0}”)")]
    Size(String),
    /// `page` below 1 or not a number.
    #[error("page must be a whole number from 1 (got “{0}”)")]
    Page(String),
    /// A date that does not parse.
    #[error("{field}: {source}")]
    Date {
        /// `date_from` or `date_to`.
        field: &'static str,
        /// What was wrong with it.
        source: crate::time::DateError,
    },
    /// The range is backwards.
    #[error("date_from ({from}) is after date_to ({to}); swap them or widen the range")]
    RangeReversed {
        /// The start given.
        from: String,
        /// The end given.
        to: String,
    },
    /// An event type with characters no type has.
    #[error("“{0}” is not an event type name (letters, digits and _ only)")]
    EventType(String),
    /// Too many types.
    #[error("at most {MAX_EVENT_TYPES} event types can be selected")]
    TooManyTypes,
    /// Search text too long.
    #[error("search text is limited to {MAX_SEARCH_CHARS} characters")]
    SearchTooLong,
    /// Qualifiers that do not parse.
    #[error("{0}")]
    Filter(String),
    /// An archive's counts or facets asked with parameters it does not take
    /// ([`crate::archive`]).
    #[error("{0}")]
    Archive(String),
}

/// The parsed bounds of a valid query, in milliseconds, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    /// Earliest time included.
    pub from: Option<Timestamp>,
    /// Latest time included.
    pub to: Option<Timestamp>,
}

fn valid_type_name(t: &str) -> bool {
    !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl EventQuery {
    /// Checks every field against the API's limits and returns the parsed time range.
    pub fn validate(&self) -> Result<TimeRange, QueryError> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&self.size) {
            return Err(QueryError::Size(self.size.to_string()));
        }
        if self.page < 1 {
            return Err(QueryError::Page(self.page.to_string()));
        }
        if self.event_types.len() > MAX_EVENT_TYPES {
            return Err(QueryError::TooManyTypes);
        }
        if let Some(bad) = self.event_types.iter().find(|t| !valid_type_name(t)) {
            return Err(QueryError::EventType(bad.clone()));
        }
        if self
            .search_text
            .as_deref()
            .is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS)
        {
            return Err(QueryError::SearchTooLong);
        }
        if let Some(f) = self.filter.as_deref() {
            crate::filter::Filter::parse(f).map_err(|e| QueryError::Filter(e.0))?;
        }
        let bound = |field: &'static str, v: &Option<String>, end| {
            v.as_deref()
                .map(|s| parse_bound(s, end).map_err(|source| QueryError::Date { field, source }))
                .transpose()
        };
        let from = bound("date_from", &self.date_from, RangeEnd::Start)?;
        let to = bound("date_to", &self.date_to, RangeEnd::End)?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(QueryError::RangeReversed {
                    from: self.date_from.clone().unwrap_or_default(),
                    to: self.date_to.clone().unwrap_or_default(),
                });
            }
        }
        Ok(TimeRange { from, to })
    }

    /// Renders the query string (without `?`), percent-encoded. Empty filters are left out;
    /// `page` and `size` are always written, so the upstream never has to guess.
    pub fn to_query_string(&self) -> String {
        self.render(false)
    }

    /// [`to_query_string`](Self::to_query_string) and `where=` (the qualifiers, in canonical
    /// form): what an archive, which answers them, is asked ([`crate::archive`]).
    pub fn to_archive_query_string(&self) -> String {
        let mut out = self.to_query_string();
        let filter = self
            .filter
            .as_deref()
            .and_then(|f| crate::filter::Filter::parse(f).ok())
            .filter(|f| !f.clauses.is_empty());
        if let Some(f) = filter {
            // The qualifiers only: bare text is the API's `search_text`, sent on its own.
            let qualifiers = crate::filter::Filter {
                clauses: f.clauses,
                text: Vec::new(),
            };
            let mut ser = form_urlencoded::Serializer::new(String::new());
            ser.append_pair("where", &qualifiers.to_string());
            out.push('&');
            out.push_str(&ser.finish());
        }
        out
    }

    /// Like [`to_query_string`](Self::to_query_string) but also leaves out page 1 and the
    /// default size: the short form for the app's own address bar.
    pub fn to_compact_query_string(&self) -> String {
        self.render(true)
    }

    fn render(&self, compact: bool) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        if !self.event_types.is_empty() {
            ser.append_pair("event_type", &self.event_types.join(","));
        }
        for (k, v) in [
            ("date_from", &self.date_from),
            ("date_to", &self.date_to),
            ("search_text", &self.search_text),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                ser.append_pair(k, v);
            }
        }
        // The app's address carries the exact qualifiers; the API never sees them.
        if let Some(f) = self.filter.as_deref().filter(|f| compact && !f.is_empty()) {
            ser.append_pair("where", f);
        }
        if !compact || self.page != 1 {
            ser.append_pair("page", &self.page.to_string());
        }
        if !compact || self.size != DEFAULT_SIZE {
            ser.append_pair("size", &self.size.to_string());
        }
        ser.finish()
    }

    /// Parses a query string (with or without a leading `?`). Unknown parameters are ignored and
    /// reported in the second value; a repeated `event_type` adds to the list. The result is
    /// not yet validated beyond number syntax: call [`validate`](Self::validate).
    pub fn parse(query: &str) -> Result<(EventQuery, Vec<String>), QueryError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut q = EventQuery::default();
        let mut ignored = Vec::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let nonempty = || Some(v.to_string()).filter(|s| !s.trim().is_empty());
            match k.as_ref() {
                "event_type" => q.event_types.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(str::to_string),
                ),
                "date_from" => q.date_from = nonempty(),
                "date_to" => q.date_to = nonempty(),
                "search_text" => q.search_text = Some(v.to_string()).filter(|s| !s.is_empty()),
                "page" => {
                    q.page = v
                        .trim()
                        .parse()
                        .map_err(|_| QueryError::Page(v.to_string()))?
                }
                "size" => {
                    q.size = v
                        .trim()
                        .parse()
                        .map_err(|_| QueryError::Size(v.to_string()))?
                }
                other => ignored.push(other.to_string()),
            }
        }
        q.event_types.dedup();
        Ok((q, ignored))
    }

    /// Parses the app's own address: the API's parameters and `where`, the exact qualifiers.
    pub fn parse_app(query: &str) -> Result<(EventQuery, Vec<String>), QueryError> {
        let (mut q, ignored) = Self::parse(query)?;
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut rest = Vec::new();
        for name in ignored {
            if name != "where" {
                rest.push(name);
            }
        }
        q.filter = form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "where")
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty());
        Ok((q, rest))
    }

    /// Parses and validates in one step.
    pub fn parse_valid(query: &str) -> Result<EventQuery, QueryError> {
        let (q, _) = Self::parse(query)?;
        q.validate()?;
        Ok(q)
    }

    /// The same filters at another page.
    pub fn at_page(&self, page: u32) -> EventQuery {
        EventQuery {
            page,
            ..self.clone()
        }
    }
}

/// Escapes text for `search_text`: the definition says it "must be legal text for a JSON
/// attribute value, that is quotes and braces must be escaped". Backslash, quote and braces get a
/// backslash; everything else passes unchanged.
pub fn escape_search_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if matches!(c, '\\' | '"' | '{' | '}') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reverses [`escape_search_text`]: the text a person meant to find.
pub fn unescape_search_text(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> EventQuery {
        EventQuery {
            event_types: vec!["USER_LOGIN".into(), "APP_CREATE".into()],
            date_from: Some("2024-05-01T00:00:00+02:00".into()),
            date_to: Some("2024-05-31".into()),
            search_text: Some(escape_search_text(r#"a "quoted" {x} & 100% = ok"#)),
            filter: None,
            page: 3,
            size: 100,
        }
    }

    #[test]
    fn renders_with_real_percent_encoding() {
        let qs = full().to_query_string();
        assert_eq!(
            qs,
            "event_type=USER_LOGIN%2CAPP_CREATE&date_from=2024-05-01T00%3A00%3A00%2B02%3A00\
             &date_to=2024-05-31&search_text=a+%5C%22quoted%5C%22+%5C%7Bx%5C%7D+%26+100%25+%3D+ok\
             &page=3&size=100"
        );
    }

    #[test]
    fn round_trips() {
        for q in [
            full(),
            EventQuery::default(),
            EventQuery {
                page: 7,
                ..Default::default()
            },
        ] {
            for qs in [q.to_query_string(), q.to_compact_query_string()] {
                let (back, ignored) = EventQuery::parse(&qs).expect("parses");
                assert_eq!(back, q, "{qs}");
                assert!(ignored.is_empty());
            }
        }
        assert_eq!(EventQuery::default().to_compact_query_string(), "");
    }

    #[test]
    fn parse_accepts_repeats_and_reports_unknown_params() {
        let (q, ignored) =
            EventQuery::parse("?event_type=A,B&event_type=C&url=http://evil&size=5").expect("ok");
        assert_eq!(q.event_types, ["A", "B", "C"]);
        assert_eq!(q.size, 5);
        assert_eq!(ignored, ["url"]);
    }

    #[test]
    fn size_and_page_limits() {
        let err = |qs: &str| EventQuery::parse_valid(qs).expect_err(qs);
        assert_eq!(err("size=0"), QueryError::Size("0".into()));
        assert_eq!(err("size=101"), QueryError::Size("101".into()));
        assert_eq!(err("size=-1"), QueryError::Size("-1".into()));
        assert_eq!(err("page=0"), QueryError::Page("0".into()));
        assert_eq!(err("page=x"), QueryError::Page("x".into()));
        assert!(EventQuery::parse_valid("size=1&page=1").is_ok());
        assert!(EventQuery::parse_valid("size=100").is_ok());
        assert!(err("size=0").to_string().contains("1 to 100"));
    }

    #[test]
    fn dates_are_checked() {
        let e = EventQuery::parse_valid("date_from=2024-06-01&date_to=2024-05-01")
            .expect_err("reversed");
        assert!(matches!(e, QueryError::RangeReversed { .. }));
        assert!(e.to_string().contains("after"));
        let e = EventQuery::parse_valid("date_from=last+tuesday").expect_err("bad");
        assert!(matches!(
            e,
            QueryError::Date {
                field: "date_from",
                ..
            }
        ));
        // The same day as both ends is a whole day, not an empty range.
        let r = EventQuery::parse_valid("date_from=2024-05-01&date_to=2024-05-01")
            .expect("ok")
            .validate()
            .expect("ok");
        assert_eq!(r.to.expect("to") - r.from.expect("from"), 86_400_000 - 1);
    }

    #[test]
    fn event_type_names_are_checked() {
        assert!(matches!(
            EventQuery::parse_valid("event_type=A%26B"),
            Err(QueryError::EventType(_))
        ));
        assert!(EventQuery::parse_valid("event_type=NEW_TYPE_2").is_ok());
    }

    #[test]
    fn the_exact_qualifiers_live_in_the_apps_address_only() {
        let (q, ignored) =
            EventQuery::parse_app("?search_text=bob&where=country%3AUS+ip%3A198.51.100.0%2F24&x=1")
                .expect("parses");
        assert_eq!(q.filter.as_deref(), Some("country:US ip:198.51.100.0/24"));
        assert_eq!(ignored, ["x"]);
        assert!(q.validate().is_ok());
        let app = q.to_compact_query_string();
        assert!(app.contains("where=country%3AUS"), "{app}");
        let api = q.to_query_string();
        assert!(!api.contains("where") && !api.contains("country"), "{api}");
        // What the proxy parses never carries them.
        assert_eq!(EventQuery::parse(&app).expect("parses").0.filter, None);
        // An archive is asked them, in canonical form and without bare text (that is the
        // API's search_text, sent on its own).
        let with_text = EventQuery {
            filter: Some("-type:x  country:us \"two words\"".into()),
            ..q.clone()
        };
        let archive = with_text.to_archive_query_string();
        assert!(
            archive.starts_with(&with_text.to_query_string())
                && archive.ends_with("&where=-type%3Ax+country%3Aus"),
            "{archive}"
        );
        assert_eq!(
            EventQuery {
                filter: Some("just text".into()),
                ..q.clone()
            }
            .to_archive_query_string(),
            q.to_query_string()
        );
        assert_eq!(EventQuery::parse_app(&app).expect("parses").0, q.at_page(1));
        let bad = EventQuery {
            filter: Some("colour:red".into()),
            ..EventQuery::default()
        };
        assert!(
            matches!(bad.validate(), Err(QueryError::Filter(m)) if m.contains("not a qualifier"))
        );
    }

    #[test]
    fn search_escaping_round_trips() {
        let raw = r#"say "hi" {to} \ you"#;
        let esc = escape_search_text(raw);
        assert_eq!(esc, r#"say \"hi\" \{to\} \\ you"#);
        assert_eq!(unescape_search_text(&esc), raw);
    }
}
