//! What an event changed, read from its context: anywhere in the context, an object holding
//! `old` and/or `new` (`{"event_url": {"old": …, "new": …}}`, the shape Vonage uses for
//! application, number, settings and user updates) is one change at that path. A missing or
//! null `old` is an addition, a missing or null `new` a removal.

use serde_json::Value;

use crate::AuditEvent;

/// One change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Where in the context, dotted (`changes.event_url`).
    pub path: String,
    /// The value before (`None`: added).
    pub old: Option<Value>,
    /// The value after (`None`: removed).
    pub new: Option<Value>,
}

impl Change {
    /// `added`, `removed` or `changed`.
    pub fn kind(&self) -> &'static str {
        match (&self.old, &self.new) {
            (None, _) => "added",
            (_, None) => "removed",
            _ => "changed",
        }
    }

    /// Whether old and new are the same value (a change recorded that changed nothing).
    pub fn unchanged(&self) -> bool {
        self.old.is_some() && self.old == self.new
    }
}

/// A value in one line: strings as they are, the rest as JSON.
pub fn one_line(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_change(map: &serde_json::Map<String, Value>) -> bool {
    (map.contains_key("old") || map.contains_key("new"))
        && map.keys().all(|k| k == "old" || k == "new")
}

fn walk(v: &Value, path: &mut Vec<String>, out: &mut Vec<Change>) {
    match v {
        Value::Object(map) if is_change(map) => {
            let side = |k: &str| map.get(k).filter(|v| !v.is_null()).cloned();
            out.push(Change {
                path: path.join("."),
                old: side("old"),
                new: side("new"),
            });
        }
        Value::Object(map) => {
            for (k, v) in map {
                path.push(k.clone());
                walk(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The changes an event records, by path (the context's keys in order).
pub fn changes(e: &AuditEvent) -> Vec<Change> {
    let mut out = Vec::new();
    if let Some(ctx) = &e.context {
        walk(ctx, &mut Vec::new(), &mut out);
    }
    out
}

/// The changes in one line for a table cell: `event_url: GET https://… → POST https://…; +name`.
pub fn summary(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| {
            let name = c.path.rsplit('.').next().unwrap_or(&c.path);
            match (&c.old, &c.new) {
                (None, Some(n)) => format!("{name}: + {}", one_line(n)),
                (Some(o), None) => format!("{name}: − {}", one_line(o)),
                (Some(o), Some(n)) => format!("{name}: {} → {}", one_line(o), one_line(n)),
                (None, None) => format!("{name}: (nothing)"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with(ctx: Value) -> AuditEvent {
        crate::testing::event("e").context(ctx).build()
    }

    #[test]
    fn changes_are_found_at_any_depth_with_their_kind() {
        let e = with(json!({
            "appId": "978812f5",
            "changes": {
                "event_url": {"old": {"url": "https://a/event"}, "new": {"url": "https://a/v2/event"}},
                "voice": {"new": "sip"},
                "fallback": {"old": "https://b", "new": null}
            },
            "status": {"new": "ACTIVE", "old": "ACTIVE"},
            "note": {"old": 1, "new": 2, "by": "someone"}
        }));
        let c = changes(&e);
        let got: Vec<(&str, &str)> = c.iter().map(|c| (c.path.as_str(), c.kind())).collect();
        assert_eq!(
            got,
            [
                // In the order the API wrote them.
                ("changes.event_url", "changed"),
                ("changes.voice", "added"),
                ("changes.fallback", "removed"),
                ("status", "changed"),
            ],
            "an object with other keys than old/new is not a change"
        );
        assert!(c[3].unchanged());
        assert_eq!(summary(&c[1..3]), "voice: + sip; fallback: − https://b");
        assert!(summary(&c[..1]).starts_with("event_url: {\"url\":\"https://a/event\"} → "));
        assert!(changes(&with(json!({"reason": "user"}))).is_empty());
        assert!(changes(&crate::testing::event("x").build()).is_empty());
    }
}
