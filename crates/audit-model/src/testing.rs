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
        self.event.context = Some(context);
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
