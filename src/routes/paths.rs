//! The app's pages and their paths, in one place: links to them, and which page a path shows
//! (the router's own table, in `lib.rs`, names the same paths).

use audit_model::EventQuery;
use percent_encoding::utf8_percent_encode;

use crate::api::ID_SEGMENT;

/// The security overview.
pub const SECURITY: &str = "/security";
/// Settings.
pub const SETTINGS: &str = "/settings";
/// An archive's alerts.
pub const ALERTS: &str = "/alerts";

/// The app path of the list for a query: `/?…`, or `/` when nothing is set.
pub fn list_href(q: &EventQuery) -> String {
    let qs = q.to_compact_query_string();
    if qs.is_empty() {
        "/".to_string()
    } else {
        format!("/?{qs}")
    }
}

/// The app path of an event's detail view, `/events/{id}`. Ids are UUIDs from the API, but an
/// opened file may hold any text; the router decodes the segment back into the id.
pub fn event_path(id: &str) -> String {
    format!("/events/{}", utf8_percent_encode(id, ID_SEGMENT))
}

/// The security overview of a range preset (`24h`, `7d`, …).
pub fn security_path(range: &str) -> String {
    format!("{SECURITY}?range={range}")
}

/// Which page a path (below the app's base) shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// The events list, `/`.
    List,
    /// One event, `/events/{id}`.
    Event,
    /// The security overview.
    Security,
    /// Settings.
    Settings,
    /// An archive's alerts.
    Alerts,
    /// Anything else (the not-found page).
    Other,
}

impl Page {
    /// The page `path` shows: `/`, `/events/…`, `/security`, `/settings`.
    pub fn of(path: &str) -> Page {
        let first = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        match first {
            "" => Page::List,
            "events" => Page::Event,
            s if s == &SECURITY[1..] => Page::Security,
            s if s == &SETTINGS[1..] => Page::Settings,
            s if s == &ALERTS[1..] => Page::Alerts,
            _ => Page::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_one_path_segment_whatever_they_hold() {
        assert_eq!(
            event_path("aaaaaaaa-bbbb-cccc-dddd-0123456789ab"),
            "/events/aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
        );
        assert_eq!(event_path("a/b?c#d"), "/events/a%2Fb%3Fc%23d");
        assert_eq!(event_path("50% off"), "/events/50%25%20off");
        assert_eq!(event_path("évé"), "/events/%C3%A9v%C3%A9");
        assert_eq!(event_path("x.y_z~1"), "/events/x.y_z~1");
    }

    #[test]
    fn a_path_names_its_page_and_back() {
        assert_eq!(Page::of("/"), Page::List);
        assert_eq!(Page::of(""), Page::List);
        assert_eq!(Page::of(&event_path("a/b")), Page::Event);
        assert_eq!(Page::of(SECURITY), Page::Security);
        assert_eq!(
            Page::of(&security_path("7d")),
            Page::Other,
            "a query is not a path"
        );
        assert_eq!(Page::of(SETTINGS), Page::Settings);
        assert_eq!(Page::of(ALERTS), Page::Alerts);
        assert_eq!(Page::of("/nowhere"), Page::Other);
        assert_eq!(list_href(&EventQuery::default()), "/");
        let q = EventQuery {
            event_types: vec!["USER_LOGIN".into()],
            ..Default::default()
        };
        assert!(list_href(&q).starts_with("/?"), "{}", list_href(&q));
    }
}
