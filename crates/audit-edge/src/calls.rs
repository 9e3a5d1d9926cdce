//! Request classification: which of the Audit API's three calls a request is, or one of the
//! archive's extension calls ([`audit_model::archive`]). Every server of the product (the
//! proxy, the archive) answers exactly these.
//!
//! This is the whole allow-list, as a pure function of method and raw path, so that it can be
//! read in one screen and fuzzed. The path is matched byte for byte *before* any decoding: an
//! encoded `..`, a doubled slash or an absolute URL simply does not match.

use axum::http::Method;
use uuid::Uuid;

/// Which call a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `GET /beta/audit/events`: the filtered, paged list.
    ListEvents,
    /// `GET /beta/audit/events/{id}`: one event.
    GetEvent(Uuid),
    /// `OPTIONS /beta/audit/events` without `Access-Control-Request-Method`: the event types.
    EventTypes,
    /// `GET /beta/audit/archive`: an archive's announcement ([`audit_model::archive`]); not
    /// the API's, answered by `audit-archive` only.
    ArchiveAbout,
    /// `GET /beta/audit/archive/alerts`: an archive's alerts.
    ArchiveAlerts,
    /// `GET /beta/audit/archive/counts`: an archive's timeline counts.
    ArchiveCounts,
    /// `GET /beta/audit/archive/facets`: an archive's facets.
    ArchiveFacets,
    /// `GET /beta/audit/archive/related`: an event's relatives, from an archive.
    ArchiveRelated,
}

/// Why a request is refused; nothing is answered from the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// The path is not one of the API's.
    NotFound,
    /// The path exists, the method does not.
    MethodNotAllowed,
}

const EVENTS: &str = "/beta/audit/events";
use audit_model::archive::{ABOUT_PATH, ALERTS_PATH, COUNTS_PATH, FACETS_PATH, RELATED_PATH};

/// Classifies a request. `is_preflight` requests never get here: the CORS layer answers them.
pub fn classify(method: &Method, path: &str) -> Result<Call, Reject> {
    let (resource, allowed): (Call, &[Method]) = if path == ABOUT_PATH {
        (Call::ArchiveAbout, &[Method::GET])
    } else if path == ALERTS_PATH {
        (Call::ArchiveAlerts, &[Method::GET])
    } else if path == COUNTS_PATH {
        (Call::ArchiveCounts, &[Method::GET])
    } else if path == FACETS_PATH {
        (Call::ArchiveFacets, &[Method::GET])
    } else if path == RELATED_PATH {
        (Call::ArchiveRelated, &[Method::GET])
    } else if path == EVENTS {
        (Call::ListEvents, &[Method::GET, Method::OPTIONS])
    } else if let Some(id) = path.strip_prefix(EVENTS).and_then(|r| r.strip_prefix('/')) {
        // Only the 36-character hyphenated form: no braces, no URN, no simple form.
        if id.len() != 36 {
            return Err(Reject::NotFound);
        }
        match Uuid::try_parse(id) {
            Ok(uuid) if uuid.hyphenated().to_string().eq_ignore_ascii_case(id) => {
                (Call::GetEvent(uuid), &[Method::GET])
            }
            _ => return Err(Reject::NotFound),
        }
    } else {
        return Err(Reject::NotFound);
    };
    if !allowed.contains(method) {
        return Err(Reject::MethodNotAllowed);
    }
    Ok(match (resource, method) {
        (Call::ListEvents, &Method::OPTIONS) => Call::EventTypes,
        (call, _) => call,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";

    #[test]
    fn the_three_calls_and_health() {
        assert_eq!(classify(&Method::GET, EVENTS), Ok(Call::ListEvents));
        assert_eq!(classify(&Method::OPTIONS, EVENTS), Ok(Call::EventTypes));
        let id = Uuid::try_parse(ID).expect("uuid");
        assert_eq!(
            classify(&Method::GET, &format!("{EVENTS}/{ID}")),
            Ok(Call::GetEvent(id))
        );
        assert_eq!(
            classify(&Method::GET, &format!("{EVENTS}/{}", ID.to_uppercase())),
            Ok(Call::GetEvent(id))
        );
        assert_eq!(
            classify(&Method::GET, "/beta/audit/archive"),
            Ok(Call::ArchiveAbout)
        );
        assert_eq!(
            classify(&Method::GET, "/beta/audit/archive/alerts"),
            Ok(Call::ArchiveAlerts)
        );
        assert_eq!(
            classify(&Method::GET, "/beta/audit/archive/counts"),
            Ok(Call::ArchiveCounts)
        );
        assert_eq!(
            classify(&Method::GET, "/beta/audit/archive/facets"),
            Ok(Call::ArchiveFacets)
        );
        assert_eq!(
            classify(&Method::GET, "/beta/audit/archive/related"),
            Ok(Call::ArchiveRelated)
        );
        assert_eq!(
            classify(&Method::GET, "/beta/audit/archive/related/x"),
            Err(Reject::NotFound)
        );
        assert_eq!(
            classify(&Method::POST, "/beta/audit/archive/alerts"),
            Err(Reject::MethodNotAllowed)
        );
        assert_eq!(
            classify(&Method::GET, "/beta/audit/archive/alerts/"),
            Err(Reject::NotFound)
        );
        // Liveness is a route of its own, not an API call.
        assert_eq!(classify(&Method::GET, "/healthz"), Err(Reject::NotFound));
    }

    #[test]
    fn other_methods_are_refused() {
        for m in [
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::HEAD,
            Method::TRACE,
            Method::CONNECT,
        ] {
            assert_eq!(classify(&m, EVENTS), Err(Reject::MethodNotAllowed), "{m}");
            assert_eq!(
                classify(&m, &format!("{EVENTS}/{ID}")),
                Err(Reject::MethodNotAllowed),
                "{m}"
            );
        }
        assert_eq!(
            classify(&Method::OPTIONS, &format!("{EVENTS}/{ID}")),
            Err(Reject::MethodNotAllowed)
        );
        let custom = Method::from_bytes(b"PROPFIND").expect("method");
        assert_eq!(classify(&custom, EVENTS), Err(Reject::MethodNotAllowed));
    }

    #[test]
    fn anything_else_is_not_found() {
        let bad = [
            "/",
            "",
            "/beta/audit/events/",
            "/beta/audit/events/..",
            "/beta/audit/events/../../account",
            "/beta/audit/events/%2e%2e/%2e%2e/account",
            "/beta/audit/events/%252e%252e/x",
            "/beta/audit/%2e%2e/events",
            "/beta/audit/events/..%2f..%2faccount",
            "/beta/audit/events\\..\\x",
            "//evil.example/beta/audit/events",
            "/beta//audit/events",
            "/beta/audit/events//",
            "/beta/audit/./events",
            "/BETA/AUDIT/EVENTS",
            "/beta/audit/events.json",
            "/beta/audit/events;x=1",
            "http://evil.example/beta/audit/events",
            "/beta/audit/events/aaaaaaaa-bbbb-cccc-dddd-0123456789abc",
            "/beta/audit/events/aaaaaaaa-bbbb-cccc-dddd-0123456789a",
            "/beta/audit/events/aaaaaaaabbbbccccdddd0123456789ab",
            "/beta/audit/events/{aaaaaaaa-bbbb-cccc-dddd-0123456789ab}",
            "/beta/audit/events/urn:uuid:aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
            "/beta/audit/events/gggggggg-bbbb-cccc-dddd-0123456789ab",
            "/beta/audit/events/aaaaaaaa-bbbb-cccc-dddd-0123456789ab/",
            "/beta/audit/events/aaaaaaaa-bbbb-cccc-dddd-0123456789ab/..",
            "/beta/audit/events/1",
            "/beta/audit/events/%0d%0aHost:evil",
            "/beta/audit",
            "/v1/accounts",
            "/healthz/",
        ];
        for p in bad {
            assert_eq!(classify(&Method::GET, p), Err(Reject::NotFound), "{p}");
        }
        let long = format!("{EVENTS}/{}", "a".repeat(10_000));
        assert_eq!(classify(&Method::GET, &long), Err(Reject::NotFound));
    }
}
