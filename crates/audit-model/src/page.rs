//! The HAL list page returned by `GET /beta/audit/events`, and the error bodies.

use serde::{Deserialize, Deserializer, Serialize};

use crate::event::{AuditEvent, Link};

/// `_embedded` of a list page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Embedded {
    /// The events of this page, newest first.
    #[serde(default)]
    pub events: Vec<AuditEvent>,
}

/// `_links` of a list page; each link is present only where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PageLinks {
    /// This page.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_: Option<Link>,
    /// The first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Link>,
    /// The page before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<Link>,
    /// The page after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
    /// The last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Link>,
}

/// `1234567` → `1,234,567`: how counts are shown.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Accepts a number, a numeric string or null; the API's types have drifted before.
fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Num {
        N(u64),
        F(f64),
        S(String),
        Null(()),
    }
    Ok(match Num::deserialize(d)? {
        Num::N(n) => n,
        Num::F(f) if f >= 0.0 => f as u64,
        Num::S(s) => s.trim().parse().map_err(serde::de::Error::custom)?,
        Num::F(_) | Num::Null(()) => 0,
    })
}

/// `page` of a list page: the paging metadata. `number` counts from 1, as the `page` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PageInfo {
    /// Page size asked for.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub size: u64,
    /// Events across all pages.
    #[serde(rename = "totalElements", default, deserialize_with = "lenient_u64")]
    pub total_elements: u64,
    /// Number of pages.
    #[serde(rename = "totalPages", default, deserialize_with = "lenient_u64")]
    pub total_pages: u64,
    /// This page's number.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub number: u64,
}

/// A page of events (`AuditResp`). `_embedded` is absent when nothing matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EventsPage {
    /// The events, when any match.
    #[serde(rename = "_embedded", default, skip_serializing_if = "Option::is_none")]
    pub embedded: Option<Embedded>,
    /// Navigation links.
    #[serde(rename = "_links", default)]
    pub links: PageLinks,
    /// Paging metadata; missing means "derive it from what came".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageInfo>,
}

impl EventsPage {
    /// The events of the page (empty when `_embedded` is absent).
    pub fn events(&self) -> &[AuditEvent] {
        self.embedded.as_ref().map_or(&[], |e| e.events.as_slice())
    }

    /// Paging metadata, derived from the event count when the response lacks it.
    pub fn info(&self) -> PageInfo {
        self.page.unwrap_or_else(|| {
            let n = self.events().len() as u64;
            PageInfo {
                size: n,
                total_elements: n,
                total_pages: u64::from(n > 0),
                number: 1,
            }
        })
    }
}

/// An error body. The Audit API sends `{status, error, message}`; other Vonage APIs send RFC 7807
/// problem details (`type`, `title`, `detail`, `instance`). Both decode here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiErrorBody {
    /// HTTP status, as the body states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Short name, e.g. `Unauthorized`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Longer explanation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// RFC 7807 `type`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// RFC 7807 `title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// RFC 7807 `detail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ApiErrorBody {
    /// The Audit API's own shape.
    pub fn new(status: u16, error: &str, message: impl Into<String>) -> Self {
        Self {
            status: Some(status),
            error: Some(error.to_string()),
            message: Some(message.into()),
            ..Default::default()
        }
    }

    /// Decodes whatever came with an error status; a body that is not a known shape falls back to
    /// the status code alone.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        // As text, like every other JSON read here: one reader of JSON in the browser's code.
        let mut parsed: ApiErrorBody =
            serde_json::from_str(&String::from_utf8_lossy(body)).unwrap_or_default();
        if parsed.status.is_none() {
            parsed.status = Some(status);
        }
        parsed
    }

    /// The most specific text available: message, detail, error, title — or the status alone.
    pub fn text(&self) -> String {
        let pick = [&self.message, &self.detail, &self.error, &self.title]
            .into_iter()
            .flatten()
            .find(|s| !s.trim().is_empty());
        match (pick, self.status) {
            (Some(s), _) => s.clone(),
            (None, Some(code)) => format!("HTTP {code}"),
            (None, None) => "unknown error".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_without_embedded_is_empty() {
        let p: EventsPage = serde_json::from_str(
            r#"{"_links":{"self":{"href":"http://api.nexmo.com/beta/audit/events"}},
                "page":{"size":30,"totalElements":0,"totalPages":0,"number":1}}"#,
        )
        .expect("decodes");
        assert!(p.events().is_empty());
        assert_eq!(p.info().total_elements, 0);
        assert!(p.links.next.is_none());
    }

    #[test]
    fn page_numbers_may_be_strings() {
        let p: EventsPage = serde_json::from_str(
            r#"{"page":{"size":"30","totalElements":"120","totalPages":"4","number":"2"}}"#,
        )
        .expect("decodes");
        assert_eq!(
            p.info(),
            PageInfo {
                size: 30,
                total_elements: 120,
                total_pages: 4,
                number: 2
            }
        );
    }

    #[test]
    fn missing_page_info_is_derived() {
        let p: EventsPage =
            serde_json::from_str(r#"{"_embedded":{"events":[{"id":"a"},{"id":"b"}]}}"#)
                .expect("ok");
        assert_eq!(p.info().total_elements, 2);
        assert_eq!(p.info().total_pages, 1);
    }

    #[test]
    fn both_error_shapes_decode() {
        let audit = ApiErrorBody::from_response(
            401,
            br#"{"status":401,"error":"Unauthorized","message":"Full authentication is required."}"#,
        );
        assert_eq!(audit.text(), "Full authentication is required.");
        let problem = ApiErrorBody::from_response(
            401,
            br#"{"type":"https://developer.nexmo.com/api-errors#unauthorized","title":"Invalid credentials supplied","detail":"You did not provide correct credentials."}"#,
        );
        assert_eq!(problem.status, Some(401));
        assert_eq!(problem.text(), "You did not provide correct credentials.");
        let junk = ApiErrorBody::from_response(502, b"<html>Bad gateway</html>");
        assert_eq!(junk.text(), "HTTP 502");
    }
}
