//! The audit event and event-type records, as the API definition describes them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::time::{parse_api_timestamp, Timestamp};

/// A link object in HAL form: `{"href": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Link {
    /// The target URL. Upstream sends absolute URLs (sometimes `http://`); the app never follows
    /// them, it only reads whether a link is present.
    #[serde(default)]
    pub href: String,
}

/// The `_links` object on a single event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EventLinks {
    /// Link to this event fetched on its own.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_: Option<Link>,
}

/// The user id of an event. The definition says integer, but a string must not break decoding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UserId {
    /// The documented form.
    Number(i64),
    /// Tolerated form.
    Text(String),
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserId::Number(n) => write!(f, "{n}"),
            UserId::Text(s) => f.write_str(s),
        }
    }
}

/// One audit event (`AuditEvent` in the API definition).
///
/// Every documented field is here. The definition marks none as required, so a missing field
/// decodes to its empty value. Fields the definition does not know are kept in `extra`, and
/// `context` stays a raw JSON value, so that an event re-serialises without loss.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AuditEvent {
    /// UUID of the event.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The event type; an open set (see `audit-event-types.md`), so a plain string.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub event_type: String,
    /// Human description of the event type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type_description: Option<String>,
    /// When the event happened, as sent: ISO-8601 without a zone, meaning UTC.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_at: String,
    /// Email of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_email: Option<String>,
    /// Id of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// The API key of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// `CD` (Customer Dashboard) or `DEVAPI` (Developer API); kept open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// IP address the change came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// Human description of `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_description: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_country: Option<String>,
    /// Event-specific details, of any JSON shape; shared between the events of a held copy
    /// that carry the same ([`crate::shared`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Arc<Value>>,
    /// HAL links of the event.
    #[serde(rename = "_links", default, skip_serializing_if = "Option::is_none")]
    pub links: Option<EventLinks>,
    /// Fields this version does not know, kept so nothing is lost.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// Whether `id` has the form of the API's event ids: a hyphenated UUID (8-4-4-4-12 hex digits).
/// Other ids occur only in files opened offline.
pub fn is_event_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl AuditEvent {
    /// `created_at` parsed (UTC when the string has no zone), or `None` if it does not parse.
    pub fn timestamp(&self) -> Option<Timestamp> {
        parse_api_timestamp(&self.created_at).ok()
    }

    /// A one-line summary of the context for table cells: `key: value` pairs of the first
    /// level, nested objects shown by their most telling scalar.
    pub fn context_summary(&self, max_chars: usize) -> String {
        let Some(ctx) = &self.context else {
            return String::new();
        };
        let mut out = String::new();
        summarize(ctx, &mut out, 0);
        truncate_chars(&out, max_chars)
    }
}

impl AuditEvent {
    /// The table's one line about the event: what it changed (`event_url: old → new`) when it
    /// records changes, else [`context_summary`](Self::context_summary).
    pub fn details_summary(&self, max_chars: usize) -> String {
        let changes = crate::changes::changes(self);
        if changes.is_empty() {
            self.context_summary(max_chars)
        } else {
            truncate_chars(&crate::changes::summary(&changes), max_chars)
        }
    }
}

fn summarize(value: &Value, out: &mut String, depth: usize) {
    match value {
        Value::Object(map) => {
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                if depth >= 1 && (v.is_object() || v.is_array()) {
                    out.push('…');
                } else {
                    summarize(v, out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                summarize(v, out, depth + 1);
            }
            out.push(']');
        }
        Value::String(s) => out.push_str(s),
        other => out.push_str(&other.to_string()),
    }
}

/// Cuts `s` to at most `max` characters, marking a cut with an ellipsis.
pub fn truncate_chars(s: &str, max: usize) -> String {
    let mut chars = s.char_indices();
    match chars.nth(max) {
        None => s.to_string(),
        Some((idx, _)) => {
            let cut = s[..idx].char_indices().last().map(|(i, _)| i).unwrap_or(0);
            format!("{}…", &s[..cut])
        }
    }
}

/// One entry of the event-types call (`AuditEventType`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EventType {
    /// The type name, e.g. `APP_CREATE`.
    #[serde(rename = "type", default)]
    pub name: String,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The body of `OPTIONS /beta/audit/events` (`AuditEventTypesResp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EventTypesResponse {
    /// The types the account can see. Missing (or a 204) means none were listed.
    #[serde(rename = "eventTypes", default)]
    pub event_types: Vec<EventType>,
}

/// Decodes the event-types call's answer: a 204 or an empty body means an empty list.
pub fn decode_event_types(
    status: u16,
    body: &[u8],
) -> Result<EventTypesResponse, serde_json::Error> {
    if status == 204 || body.iter().all(u8::is_ascii_whitespace) {
        return Ok(EventTypesResponse::default());
    }
    // As text, like every other JSON read here: one reader of JSON in the browser's code.
    serde_json::from_str(&String::from_utf8_lossy(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_hyphenated_uuids() {
        assert!(is_event_id("aaaaaaaa-bbbb-cccc-dddd-0123456789ab"));
        assert!(is_event_id("AAAAAAAA-BBBB-CCCC-DDDD-0123456789AB"));
        for bad in [
            "not-a-uuid",
            "",
            "aaaaaaaa-bbbb-cccc-dddd-0123456789a",
            "aaaaaaaabbbbccccdddd0123456789abcdef",
            "gaaaaaaa-bbbb-cccc-dddd-0123456789ab",
            "evt/1?x#y",
            "aaaaaaaa-bbbb-cccc-dddd-0123456789abc",
        ] {
            assert!(!is_event_id(bad), "{bad}");
        }
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let raw = r#"{"id":"x","event_type":"NEW_THING","created_at":"2024-01-01T00:00:00","brand_new":{"a":[1,2]}}"#;
        let ev: AuditEvent = serde_json::from_str(raw).expect("decodes");
        assert_eq!(ev.event_type, "NEW_THING");
        assert_eq!(ev.extra["brand_new"]["a"][1], 2);
        let back: Value = serde_json::to_value(&ev).expect("encodes");
        let orig: Value = serde_json::from_str(raw).expect("json");
        assert_eq!(back, orig);
    }

    #[test]
    fn missing_fields_and_string_user_id_are_tolerated() {
        let ev: AuditEvent = serde_json::from_str(r#"{"user_id":"77"}"#).expect("decodes");
        assert_eq!(ev.user_id, Some(UserId::Text("77".into())));
        assert!(ev.id.is_empty());
        assert_eq!(ev.timestamp(), None);
    }

    #[test]
    fn context_summary_is_one_line_and_bounded() {
        let ev = AuditEvent {
            context: Some(
                serde_json::json!({"msisdn":"447000123456","country":"GB","nested":{"a":{"b":1}}})
                    .into(),
            ),
            ..Default::default()
        };
        let s = ev.context_summary(200);
        // In the order the API wrote the keys.
        assert_eq!(s, "msisdn: 447000123456, country: GB, nested: a: …");
        assert_eq!(ev.context_summary(10).chars().count(), 10);
        assert!(!s.contains('\n'));
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_chars("ééééé", 3), "éé…");
        assert_eq!(truncate_chars("abc", 3), "abc");
    }

    #[test]
    fn event_types_204_is_empty() {
        assert!(decode_event_types(204, b"")
            .expect("ok")
            .event_types
            .is_empty());
        assert!(decode_event_types(200, b"  ")
            .expect("ok")
            .event_types
            .is_empty());
        let r = decode_event_types(
            200,
            br#"{"eventTypes":[{"type":"A","description":"d"},{"type":"B"}]}"#,
        )
        .expect("ok");
        assert_eq!(r.event_types.len(), 2);
        assert_eq!(r.event_types[1].description, None);
    }
}
