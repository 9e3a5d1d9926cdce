//! Facets: for the events matching a query, the most common values of the fields a person
//! narrows by — event type, user, source IP, country, source — with their counts, each value
//! ready to become an exact qualifier ([`crate::filter::qualifier`]).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AuditEvent;

/// One field's most common values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    /// The qualifier's name: `type`, `user`, `ip`, `country`, `source` or `context.<path>`.
    pub field: String,
    /// What a person calls it.
    pub label: String,
    /// The most common values, with how many matching events have each; most first, then by
    /// value.
    pub top: Vec<(String, u64)>,
    /// How many different values there are in all.
    pub distinct: usize,
    /// Matching events without a value for the field.
    pub missing: u64,
}

type Read = fn(&AuditEvent) -> Option<String>;

const FIELDS: &[(&str, &str, Read)] = &[
    ("type", "Event type", |e| Some(e.event_type.clone())),
    ("user", "User", |e| {
        e.user_email
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| e.user_id.as_ref().map(ToString::to_string))
    }),
    ("ip", "Source IP", |e| e.source_ip.clone()),
    ("country", "Country", |e| e.source_country.clone()),
    ("source", "Source", |e| e.source.clone()),
];

/// The value of `field` (a facet's name: `type`, `user`, `ip`, `country` or `source`) that the
/// qualifier `field:value` would match for `e`: what a click on the table's cell filters by.
pub fn value(field: &str, e: &AuditEvent) -> Option<String> {
    let (_, _, read) = FIELDS.iter().find(|(name, _, _)| *name == field)?;
    read(e).filter(|v| !v.is_empty())
}

/// How many context keys get a facet: the ones most events carry.
pub const CONTEXT_FACETS: usize = 3;

/// How deep into the context keys are looked for (`settings.mo_callback_url.new` is 3).
const CONTEXT_DEPTH: usize = 3;

/// The scalar values in a context, by dotted path, as `context.<path>:` compares them. Arrays
/// are not entered, and a key that could not be written in a qualifier (a space, a dot) is
/// left out.
fn context_leaves(v: &Value, path: &mut String, depth: usize, out: &mut Vec<(String, String)>) {
    let Value::Object(map) = v else { return };
    for (k, v) in map {
        let plain = k.starts_with(|c: char| c.is_ascii_alphabetic())
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !plain {
            continue;
        }
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(k);
        match v {
            Value::String(s) if !s.is_empty() => out.push((path.clone(), s.clone())),
            Value::Number(n) => out.push((path.clone(), n.to_string())),
            Value::Bool(b) => out.push((path.clone(), b.to_string())),
            Value::Object(_) if depth + 1 < CONTEXT_DEPTH => {
                context_leaves(v, path, depth + 1, out)
            }
            _ => {}
        }
        path.truncate(len);
    }
}

/// A context key's counts: events carrying it, and each value's events.
type KeyCounts = (u64, HashMap<String, u64>);

/// A field's counted values as a facet.
fn facet(
    field: String,
    label: String,
    counts: HashMap<String, u64>,
    missing: u64,
    top: usize,
) -> Facet {
    let distinct = counts.len();
    let mut values: Vec<(String, u64)> = counts.into_iter().collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    values.truncate(top);
    Facet {
        field,
        label,
        top: values,
        distinct,
        missing,
    }
}

/// The facets of `events`, each with its `top` most common values: the five fields, then the
/// [`CONTEXT_FACETS`] context keys most events carry.
pub fn facets<'a>(events: impl IntoIterator<Item = &'a AuditEvent>, top: usize) -> Vec<Facet> {
    let mut tally = Tally::default();
    for e in events {
        tally.add(e);
    }
    tally.facets(top)
}

/// Facets counted one event at a time, so that events streamed from a database need not all be
/// held: [`add`](Tally::add) each, then [`facets`](Tally::facets).
#[derive(Debug, Default)]
pub struct Tally {
    counts: [HashMap<String, u64>; FIELDS.len()],
    missing: [u64; FIELDS.len()],
    /// Per context path: how many events carry it, and its values.
    context: HashMap<String, KeyCounts>,
    total: u64,
    leaves: Vec<(String, String)>,
}

impl Tally {
    /// Counts one event.
    pub fn add(&mut self, e: &AuditEvent) {
        self.total += 1;
        for (i, (_, _, read)) in FIELDS.iter().enumerate() {
            match read(e).filter(|v| !v.is_empty()) {
                Some(v) => *self.counts[i].entry(v).or_default() += 1,
                None => self.missing[i] += 1,
            }
        }
        if let Some(ctx) = &e.context {
            self.leaves.clear();
            context_leaves(ctx, &mut String::new(), 0, &mut self.leaves);
            for (path, value) in self.leaves.drain(..) {
                let (n, values) = self.context.entry(path).or_default();
                *n += 1;
                *values.entry(value).or_default() += 1;
            }
        }
    }

    /// The events counted so far.
    pub fn events(&self) -> u64 {
        self.total
    }

    /// The facets of the events counted, each with its `top` most common values.
    pub fn facets(self, top: usize) -> Vec<Facet> {
        let total = self.total;
        let mut keys: Vec<(String, KeyCounts)> = self.context.into_iter().collect();
        keys.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
        keys.truncate(CONTEXT_FACETS);
        FIELDS
            .iter()
            .zip(self.counts)
            .zip(self.missing)
            .map(|(((field, label, _), counts), missing)| {
                facet(field.to_string(), label.to_string(), counts, missing, top)
            })
            .chain(keys.into_iter().map(|(path, (n, values))| {
                facet(
                    format!("context.{path}"),
                    format!("Context: {path}"),
                    values,
                    total - n,
                    top,
                )
            }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn most_common_first_with_ties_by_value_and_what_is_missing() {
        let e = |id: &str, ty: &str, ip: Option<&str>| {
            let b = crate::testing::event(id).of_type(ty).user("a@x.example");
            match ip {
                Some(ip) => b.ip(ip).build(),
                None => b.build(),
            }
        };
        let mut events = [
            e("1", "USER_LOGIN", Some("192.0.2.1")),
            e("2", "USER_LOGIN", Some("192.0.2.2")),
            e("3", "APP_CREATE", Some("192.0.2.2")),
            e("4", "APP_DELETE", None),
            e("5", "USER_LOGIN", Some("192.0.2.3")),
        ];
        let contexts = [
            json!({"login_method": "sso", "two_factor": true, "meta": {"agent": "x"}}),
            json!({"login_method": "password", "two_factor": false, "meta": {"agent": "x"}}),
            json!({"appId": 7, "odd key": "a", "a.b": "c"}),
            json!({"appId": 7}),
            json!({"login_method": "sso", "two_factor": true, "list": [1, 2]}),
        ];
        for (e, ctx) in events.iter_mut().zip(contexts) {
            e.context = Some(ctx);
        }
        let f = facets(&events, 2);
        let ty = &f[0];
        assert_eq!((ty.field.as_str(), ty.distinct, ty.missing), ("type", 3, 0));
        assert_eq!(
            ty.top,
            [("USER_LOGIN".to_string(), 3), ("APP_CREATE".to_string(), 1)]
        );
        let ip = f.iter().find(|f| f.field == "ip").expect("ip facet");
        assert_eq!((ip.distinct, ip.missing), (3, 1));
        assert_eq!(ip.top[0], ("192.0.2.2".to_string(), 2));
        let user = f.iter().find(|f| f.field == "user").expect("user facet");
        assert_eq!(user.top, [("a@x.example".to_string(), 5)]);
        assert_eq!(value("ip", &events[1]).as_deref(), Some("192.0.2.2"));
        assert_eq!(value("ip", &events[3]), None, "no address");
        assert_eq!(value("colour", &events[0]), None, "not a facet");
        // The context keys most events carry, ties by name; odd keys and arrays left out.
        let context: Vec<(&str, u64)> = f[5..]
            .iter()
            .map(|f| (f.field.as_str(), f.missing))
            .collect();
        assert_eq!(
            context,
            [
                ("context.login_method", 2),
                ("context.two_factor", 2),
                ("context.appId", 3)
            ]
        );
        assert_eq!(f[5].top[0], ("sso".to_string(), 2));
        assert_eq!(f[5].label, "Context: login_method");
        // Every value becomes a qualifier that selects exactly its events.
        for facet in &f {
            for (value, n) in &facet.top {
                let filter =
                    crate::filter::Filter::parse(&crate::filter::qualifier(&facet.field, value))
                        .expect("parses");
                let hits = events.iter().filter(|e| filter.matches(e)).count() as u64;
                assert_eq!(hits, *n, "{}:{value}", facet.field);
            }
        }
    }
}
