//! The one way tests make events (feature `testing`, and this crate's own tests): start from a
//! plausible login and set only the fields the test is about.
//!
//! ```
//! use audit_model::testing::event;
//! let e = event("e1").at("2026-11-01T10:00:00Z").ip("192.0.2.9").build();
//! assert_eq!(e.event_type, "USER_LOGIN");
//! ```

use serde_json::Value;

use crate::event::{AuditEvent, UserId};
use crate::time::{format_api, Timestamp};

/// Builds an [`AuditEvent`].
#[derive(Clone, Debug)]
pub struct EventBuilder {
    event: AuditEvent,
}

/// A `USER_LOGIN` with id `id` at 2024-05-01T12:00:00 and nothing else set.
pub fn event(id: impl Into<String>) -> EventBuilder {
    EventBuilder {
        event: AuditEvent {
            id: id.into(),
            event_type: "USER_LOGIN".into(),
            created_at: "2024-05-01T12:00:00".into(),
            ..Default::default()
        },
    }
}

impl EventBuilder {
    /// `created_at` as given (any text: offsets, or nonsense a test wants to see handled).
    pub fn at(mut self, created_at: impl Into<String>) -> Self {
        self.event.created_at = created_at.into();
        self
    }

    /// `created_at` at this instant, in the API's format.
    pub fn at_ms(self, ts: Timestamp) -> Self {
        self.at(format_api(ts))
    }

    /// The event type.
    pub fn of_type(mut self, event_type: impl Into<String>) -> Self {
        self.event.event_type = event_type.into();
        self
    }

    /// The user's email.
    pub fn user(mut self, email: impl Into<String>) -> Self {
        self.event.user_email = Some(email.into());
        self
    }

    /// The user id.
    pub fn user_id(mut self, id: i64) -> Self {
        self.event.user_id = Some(UserId::Number(id));
        self
    }

    /// The source IP.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.event.source_ip = Some(ip.into());
        self
    }

    /// The source country.
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.event.source_country = Some(country.into());
        self
    }

    /// The source code and its description (`CD`, `Customer Dashboard`).
    pub fn source(mut self, code: impl Into<String>, description: impl Into<String>) -> Self {
        self.event.source = Some(code.into());
        self.event.source_description = Some(description.into());
        self
    }

    /// The context object.
    pub fn context(mut self, context: Value) -> Self {
        self.event.context = Some(context.into());
        self
    }

    /// A field the definition does not list.
    pub fn extra(mut self, name: impl Into<String>, value: Value) -> Self {
        self.event.extra.insert(name.into(), value);
        self
    }

    /// The event.
    pub fn build(self) -> AuditEvent {
        self.event
    }
}

impl From<EventBuilder> for AuditEvent {
    fn from(b: EventBuilder) -> AuditEvent {
        b.build()
    }
}

/// The consistency matrix: every combination of event types, date ranges (with and without
/// offsets), search texts (one of them the given user's address upper-cased, one an IP) and
/// page sizes, then the last page, one past it, and queries the API refuses — 367 query strings
/// for a second answerer (the local copy, the archive) to answer as the demo API does. Dates fit
/// a demo account whose "now" is 2026-01-01.
pub fn consistency_queries(user: &str, ip: &str) -> Vec<String> {
    let types = [
        "",
        "event_type=USER_LOGIN",
        "event_type=APP_CREATE,APP_UPDATE,APP_DELETE",
        "event_type=NOT_A_DOCUMENTED_TYPE",
    ];
    let dates = [
        "",
        "date_from=2025-12-01",
        "date_from=2025-11-15&date_to=2025-12-15",
        "date_from=2025-12-20T06:30:00&date_to=2025-12-20T18:00:00",
        "date_from=2025-12-24T00:00:00%2B05:30&date_to=2025-12-26T12:00:00-03:00",
        "date_to=2025-10-20",
    ];
    let texts = [
        String::new(),
        "search_text=US".to_string(),
        format!("search_text={ip}"),
        format!("search_text={}", user.to_uppercase()),
        "search_text=nothing-has-this".to_string(),
    ];
    let mut queries = Vec::new();
    for t in types {
        for d in dates {
            for s in &texts {
                for size in ["size=1", "size=7&page=2", "size=100"] {
                    let parts: Vec<&str> = [t, d, s.as_str(), size]
                        .into_iter()
                        .filter(|p| !p.is_empty())
                        .collect();
                    queries.push(parts.join("&"));
                }
            }
        }
    }
    queries.extend(
        [
            "size=30&page=67",
            "size=30&page=68",
            "size=100&page=20",
            "size=0",
            "size=101",
            "page=0",
            "date_from=2025-12-10&date_to=2025-12-01",
            // LIKE's wildcards, searched for as text.
            "search_text=_login&size=5",
            "search_text=%25&size=5",
        ]
        .map(str::to_string),
    );
    queries
}
