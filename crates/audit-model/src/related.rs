//! One event's relatives among the events held (the local copy or an opened file): the previous
//! and next event of the same user, and the history of the resource it is about — every event
//! naming the same application, number, key or secret, oldest first.

use crate::filter::{qualifier, Filter};
use crate::store::EventStore;
use crate::AuditEvent;

/// Context keys that name the resource an event is about, in the order they are preferred.
pub const RESOURCE_KEYS: &[&str] = &[
    "appId",
    "application_id",
    "applicationId",
    "msisdn",
    "secret_id",
    "api_key",
    "number",
];

/// The resource `e` is about: the first of [`RESOURCE_KEYS`] its context holds at the top
/// level, with its value as text.
pub fn resource(e: &AuditEvent) -> Option<(&'static str, String)> {
    let ctx = e.context.as_ref()?;
    RESOURCE_KEYS.iter().find_map(|k| {
        let v = match ctx.get(*k)? {
            serde_json::Value::String(s) if !s.is_empty() => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some((*k, v))
    })
}

/// The qualifier that lists every event about `e`'s resource (`context.appId:978812f5`).
pub fn resource_qualifier(e: &AuditEvent) -> Option<String> {
    resource(e).map(|(key, value)| qualifier(&format!("context.{key}"), &value))
}

/// What the held events say around one event.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Related {
    /// The same user's event just before it.
    pub previous: Option<AuditEvent>,
    /// The same user's event just after it.
    pub next: Option<AuditEvent>,
    /// Events about the same resource, oldest first, at most [`HISTORY_SHOWN`] of them around
    /// this one (the event itself included when held).
    pub history: Vec<AuditEvent>,
    /// How many events about the resource are held in all.
    pub history_total: usize,
}

/// The longest history shown on one page; the rest is a list away.
pub const HISTORY_SHOWN: usize = 50;

/// `e`'s relatives in `store`. An event that is not in the store (opened from elsewhere) is
/// placed by its time.
pub fn related(store: &EventStore, e: &AuditEvent) -> Related {
    let events = store.events();
    let (at, held) = store.position(e);
    let user = crate::facets::value("user", e);
    let same_user = |o: &&AuditEvent| user.is_some() && crate::facets::value("user", o) == user;
    let after = if held { at + 1 } else { at };
    let previous = events[..at].iter().rev().find(same_user).cloned();
    let next = events[after.min(events.len())..]
        .iter()
        .find(same_user)
        .cloned();
    let filter = resource_qualifier(e).and_then(|q| Filter::parse(&q).ok());
    let (history, history_total) = match filter {
        Some(f) => {
            let all: Vec<usize> = (0..events.len())
                .filter(|&i| f.matches(&events[i]))
                .collect();
            // The window of HISTORY_SHOWN around this event's place.
            let here = all.partition_point(|&i| i < at);
            let start = here
                .saturating_sub(HISTORY_SHOWN / 2)
                .min(all.len().saturating_sub(HISTORY_SHOWN));
            let shown = all
                .iter()
                .skip(start)
                .take(HISTORY_SHOWN)
                .map(|&i| events[i].clone())
                .collect();
            (shown, all.len())
        }
        None => (Vec::new(), 0),
    };
    Related {
        previous,
        next,
        history,
        history_total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: &str, at: &str, user: &str, app: Option<&str>) -> AuditEvent {
        let b = crate::testing::event(id)
            .at(at)
            .user(user)
            .of_type("APP_UPDATE");
        match app {
            Some(app) => b.context(json!({"appId": app, "name": "x"})).build(),
            None => b.build(),
        }
    }

    #[test]
    fn the_same_users_neighbours_and_the_resources_history_oldest_first() {
        let store = EventStore::new(vec![
            ev("4", "2026-11-01T10:04:00Z", "ann@x.example", Some("app-1")),
            ev("1", "2026-11-01T10:01:00Z", "ann@x.example", Some("app-1")),
            ev("2", "2026-11-01T10:02:00Z", "bob@x.example", Some("app-2")),
            ev("3", "2026-11-01T10:03:00Z", "bob@x.example", Some("app-1")),
            ev("5", "2026-11-01T10:05:00Z", "bob@x.example", None),
        ]);
        let three = store.get("3").expect("held").clone();
        let r = related(&store, &three);
        assert_eq!(r.previous.map(|e| e.id).as_deref(), Some("2"));
        assert_eq!(r.next.map(|e| e.id).as_deref(), Some("5"));
        let ids: Vec<&str> = r.history.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["1", "3", "4"]);
        assert_eq!(r.history_total, 3);

        // The first and last of a user have no neighbour on that side.
        let one = related(&store, store.get("1").expect("held"));
        assert_eq!(one.previous, None);
        assert_eq!(one.next.map(|e| e.id).as_deref(), Some("4"));
        let four = related(&store, store.get("4").expect("held"));
        assert_eq!(four.next, None);

        // An event the store does not hold is placed by its time.
        let outside = ev("9", "2026-11-01T10:03:30Z", "bob@x.example", Some("app-2"));
        let r = related(&store, &outside);
        assert_eq!(r.previous.map(|e| e.id).as_deref(), Some("3"));
        assert_eq!(r.next.map(|e| e.id).as_deref(), Some("5"));
        assert_eq!(r.history.len(), 1, "app-2's one held event");

        // No user, no resource: nothing related.
        let bare = crate::testing::event("0")
            .at("2026-11-01T10:00:00Z")
            .build();
        assert_eq!(related(&store, &bare), Related::default());
    }

    #[test]
    fn a_long_history_shows_the_part_around_the_event() {
        let events: Vec<AuditEvent> = (0..200)
            .map(|i| {
                ev(
                    &i.to_string(),
                    &format!("2026-11-01T{:02}:{:02}:00Z", i / 60, i % 60),
                    "ann@x.example",
                    Some("app-1"),
                )
            })
            .collect();
        let store = EventStore::new(events);
        let r = related(&store, store.get("100").expect("held"));
        assert_eq!(r.history_total, 200);
        assert_eq!(r.history.len(), HISTORY_SHOWN);
        assert_eq!(r.history[0].id, "75");
        assert!(r.history.iter().any(|e| e.id == "100"));
        // Near the end, the window ends with the last.
        let r = related(&store, store.get("199").expect("held"));
        assert_eq!(r.history.last().map(|e| e.id.as_str()), Some("199"));
        assert_eq!(r.history.len(), HISTORY_SHOWN);
    }

    #[test]
    fn the_resource_is_the_first_key_present_with_a_value() {
        let e = crate::testing::event("e")
            .context(json!({"msisdn": 447700900001u64, "appId": "", "applicationId": "a-1"}))
            .build();
        assert_eq!(resource(&e), Some(("applicationId", "a-1".to_string())));
        assert_eq!(
            resource_qualifier(&e).as_deref(),
            Some("context.applicationId:a-1")
        );
        let n = crate::testing::event("n")
            .context(json!({"msisdn": 447700900001u64}))
            .build();
        assert_eq!(resource(&n), Some(("msisdn", "447700900001".to_string())));
    }
}
