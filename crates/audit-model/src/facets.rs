//! Facets: for the events matching a query, the most common values of the fields a person
//! narrows by — event type, user, source IP, country, source — with their counts, each value
//! ready to become an exact qualifier ([`crate::filter::qualifier`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

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

/// A field's value in an event, borrowed where the event holds it as text.
type Read = fn(&AuditEvent) -> Option<Cow<'_, str>>;

const FIELDS: &[(&str, &str, Read)] = &[
    ("type", "Event type", |e| Some(Cow::Borrowed(&e.event_type))),
    ("user", "User", |e| {
        e.user_email
            .as_deref()
            .filter(|u| !u.is_empty())
            .map(Cow::Borrowed)
            .or_else(|| e.user_id.as_ref().map(|u| Cow::Owned(u.to_string())))
    }),
    ("ip", "Source IP", |e| {
        e.source_ip.as_deref().map(Cow::Borrowed)
    }),
    ("country", "Country", |e| {
        e.source_country.as_deref().map(Cow::Borrowed)
    }),
    ("source", "Source", |e| {
        e.source.as_deref().map(Cow::Borrowed)
    }),
];

/// The value of `field` (a facet's name: `type`, `user`, `ip`, `country` or `source`) that the
/// qualifier `field:value` would match for `e`: what a click on the table's cell filters by.
pub fn value(field: &str, e: &AuditEvent) -> Option<String> {
    let (_, _, read) = FIELDS.iter().find(|(name, _, _)| *name == field)?;
    read(e).filter(|v| !v.is_empty()).map(Cow::into_owned)
}

/// How many context keys get a facet: the ones most events carry.
pub const CONTEXT_FACETS: usize = 3;

/// How deep into the context keys are looked for (`settings.mo_callback_url.new` is 3).
const CONTEXT_DEPTH: usize = 3;

/// The scalar values in a context, by dotted path, as `context.<path>:` compares them. Arrays
/// are not entered, and a key that could not be written in a qualifier (a space, a dot) is
/// left out.
fn context_leaves(v: &Value, path: &mut String, depth: usize, out: &mut Vec<(String, String)>) {
    each_leaf(v, path, depth, &mut |path, v| {
        out.push((path.to_string(), leaf_text(v).into_owned()))
    });
}

/// Calls `f` with each scalar value in a context and its dotted path, as [`context_leaves`]
/// lists them, copying neither.
fn each_leaf(v: &Value, path: &mut String, depth: usize, f: &mut impl FnMut(&str, &Value)) {
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
            Value::String(s) if !s.is_empty() => f(path, v),
            Value::Number(_) | Value::Bool(_) => f(path, v),
            Value::Object(_) if depth + 1 < CONTEXT_DEPTH => each_leaf(v, path, depth + 1, f),
            _ => {}
        }
        path.truncate(len);
    }
}

/// A scalar context value as a qualifier compares it.
fn leaf_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        other => Cow::Owned(other.to_string()),
    }
}

/// The field under which [`pairs`] names the context paths an event carries (its values are
/// paths, not a facet of their own): how the context keys most events carry are chosen from
/// counts alone.
pub const CARRIED: &str = "context";

/// The fields whose every value a facet needs: the five, and [`CARRIED`] (the context keys'
/// values are needed only for the keys shown, [`Tally::context_keys`]).
pub fn counted_first() -> impl Iterator<Item = &'static str> {
    FIELDS
        .iter()
        .map(|(field, _, _)| *field)
        .chain(std::iter::once(CARRIED))
}

/// Every value `e` adds to its facets, as (field, value): its type, user, source IP, country
/// and source when it has them, each context leaf as (`context.<path>`, value), and each of
/// those paths once as ([`CARRIED`], path). Counting these pairs over any events, in any
/// groups, gives their facets ([`Tally::count`]); the archive keeps them with each event.
pub fn pairs(e: &AuditEvent, out: &mut Vec<(String, String)>) {
    for (field, _, read) in FIELDS {
        if let Some(v) = read(e).filter(|v| !v.is_empty()) {
            out.push((field.to_string(), v.into_owned()));
        }
    }
    if let Some(ctx) = &e.context {
        let first = out.len();
        context_leaves(ctx, &mut String::new(), 0, out);
        for i in first..out.len() {
            let path = std::mem::take(&mut out[i].0);
            out[i].0 = format!("{CARRIED}.{path}");
            out.push((CARRIED.to_string(), path));
        }
    }
}

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
    crate::sorting::sort_by(&mut values, |a, b| {
        b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0))
    });
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
///
/// Counted as [`Tally::add`] counts each event's [`pairs`], but in groups: each field's
/// values borrowed from the events, and each context once however many events carry it (a
/// held copy shares equal contexts, [`crate::shared`]), its values only for the keys shown.
/// The facets of 200,000 held events are most of what a filter's first page waits for.
pub fn facets<'a>(events: impl IntoIterator<Item = &'a AuditEvent>, top: usize) -> Vec<Facet> {
    let mut fixed: Vec<HashMap<Cow<'a, str>, u64>> = vec![HashMap::new(); FIELDS.len()];
    let mut contexts: HashMap<*const Value, (&'a Value, u64)> = HashMap::new();
    let mut tally = Tally::default();
    for e in events {
        tally.events += 1;
        for ((_, _, read), values) in FIELDS.iter().zip(&mut fixed) {
            if let Some(v) = read(e).filter(|v| !v.is_empty()) {
                *values.entry(v).or_default() += 1;
            }
        }
        if let Some(ctx) = &e.context {
            contexts.entry(Arc::as_ptr(ctx)).or_insert((ctx, 0)).1 += 1;
        }
    }
    for ((field, _, _), values) in FIELDS.iter().zip(fixed) {
        for (v, n) in values {
            tally.count_ref(field, &v, n);
        }
    }
    // The paths each context carries, then the values of the keys most events carry.
    let mut path = String::new();
    for (ctx, n) in contexts.values() {
        each_leaf(ctx, &mut path, 0, &mut |p, _| {
            tally.count_ref(CARRIED, p, *n)
        });
    }
    let shown: Vec<(String, String)> = tally
        .context_keys()
        .into_iter()
        .map(|path| (format!("{CARRIED}.{path}"), path))
        .collect();
    for (ctx, n) in contexts.values() {
        each_leaf(ctx, &mut path, 0, &mut |p, v| {
            if let Some((field, _)) = shown.iter().find(|(_, shown)| shown == p) {
                tally.count_ref(field, &leaf_text(v), *n);
            }
        });
    }
    tally.facets(top)
}

/// Facets counted from [`pairs`]: one event at a time ([`add`](Tally::add)), so that events
/// streamed from a database need not all be held, or as counts of pairs already grouped
/// ([`count`](Tally::count)); then [`facets`](Tally::facets).
#[derive(Debug, Default)]
pub struct Tally {
    /// Per field, each value's events.
    counts: HashMap<String, HashMap<String, u64>>,
    /// The events counted one at a time or in groups: an event without a type (real data
    /// lacks fields) adds no `type` pair.
    events: u64,
    pairs: Vec<(String, String)>,
}

impl Tally {
    /// Counts one event.
    pub fn add(&mut self, e: &AuditEvent) {
        self.events += 1;
        let mut buf = std::mem::take(&mut self.pairs);
        pairs(e, &mut buf);
        for (field, value) in buf.drain(..) {
            self.count(&field, value, 1);
        }
        self.pairs = buf;
    }

    /// Counts `n` events having `value` for `field` (a pair of [`pairs`]).
    pub fn count(&mut self, field: &str, value: String, n: u64) {
        let values = match self.counts.get_mut(field) {
            Some(values) => values,
            None => self.counts.entry(field.to_string()).or_default(),
        };
        *values.entry(value).or_default() += n;
    }

    /// [`count`](Tally::count) for a value borrowed: copied only the first time it is seen.
    fn count_ref(&mut self, field: &str, value: &str, n: u64) {
        let values = match self.counts.get_mut(field) {
            Some(values) => values,
            None => self.counts.entry(field.to_string()).or_default(),
        };
        match values.get_mut(value) {
            Some(count) => *count += n,
            None => {
                values.insert(value.to_string(), n);
            }
        }
    }

    /// Every value counted for `field`, with how many events have it (in no order).
    pub fn values(&self, field: &str) -> impl Iterator<Item = (&str, u64)> {
        self.counts
            .get(field)
            .into_iter()
            .flatten()
            .map(|(value, n)| (value.as_str(), *n))
    }

    /// The events counted so far: those added, or those whose type was counted in pairs.
    pub fn events(&self) -> u64 {
        let typed = self.counts.get("type").map_or(0, |t| t.values().sum());
        self.events.max(typed)
    }

    /// The [`CONTEXT_FACETS`] context paths most of the events counted carry (ties by name):
    /// the only context fields [`facets`](Tally::facets) needs values of.
    pub fn context_keys(&self) -> Vec<String> {
        let mut keys: Vec<(&String, u64)> = self
            .counts
            .get(CARRIED)
            .into_iter()
            .flatten()
            .map(|(path, n)| (path, *n))
            .collect();
        crate::sorting::sort_by(&mut keys, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        keys.into_iter()
            .take(CONTEXT_FACETS)
            .map(|(path, _)| path.clone())
            .collect()
    }

    /// The facets of the events counted, each with its `top` most common values.
    pub fn facets(mut self, top: usize) -> Vec<Facet> {
        let total = self.events();
        let keys = self.context_keys();
        let carried = self.counts.remove(CARRIED).unwrap_or_default();
        let mut take = |field: &str| self.counts.remove(field).unwrap_or_default();
        let fixed: Vec<Facet> = FIELDS
            .iter()
            .map(|(field, label, _)| {
                let counts = take(field);
                let missing = total.saturating_sub(counts.values().sum::<u64>());
                facet(field.to_string(), label.to_string(), counts, missing, top)
            })
            .collect();
        let context = keys.into_iter().map(|path| {
            let n = carried.get(&path).copied().unwrap_or(0);
            facet(
                format!("{CARRIED}.{path}"),
                format!("Context: {path}"),
                take(&format!("{CARRIED}.{path}")),
                total.saturating_sub(n),
                top,
            )
        });
        fixed.into_iter().chain(context).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counted_in_groups_as_each_events_pairs_count() {
        let contexts: Vec<Arc<Value>> = [
            json!({"login_method": "sso", "two_factor": true}),
            json!({"appId": 7, "meta": {"agent": "x", "deep": {"a": {"b": 1}}}}),
            json!({"appId": "7", "name": "", "list": [1]}),
            json!({"login_method": "password", "appId": 8}),
            json!({"msisdn": "447700900123"}),
        ]
        .into_iter()
        .map(Arc::new)
        .collect();
        let events: Vec<AuditEvent> = (0..300u32)
            .map(|i| {
                let mut b = crate::testing::event(format!("e{i}"))
                    .of_type(["USER_LOGIN", "APP_UPDATE", "", "NUMBER_BUY"][i as usize % 4]);
                b = match i % 5 {
                    0 => b.user(format!("u{}@x.example", i % 7)),
                    1 => b.user_id(i64::from(i % 3)),
                    2 => b.user(""),
                    _ => b,
                };
                if i % 3 != 0 {
                    b = b.ip(["192.0.2.1", "2001:db8::1", ""][i as usize % 3]);
                }
                let mut e = b.country("GB").build();
                // Shared contexts, equal ones that are not shared, and none.
                e.context = match i % 4 {
                    0 => Some(Arc::clone(&contexts[i as usize % 5])),
                    1 => Some(Arc::new((*contexts[i as usize % 5]).clone())),
                    2 => Some(Arc::clone(&contexts[(i as usize / 2) % 5])),
                    _ => None,
                };
                e
            })
            .collect();
        // An event without a type is counted, as missing one.
        assert_eq!(facets(&events, 5)[0].missing, 75);
        for n in [0, 1, 17, 300] {
            let mut one_by_one = Tally::default();
            for e in &events[..n] {
                one_by_one.add(e);
            }
            for top in [1, 5] {
                assert_eq!(
                    facets(&events[..n], top),
                    Tally {
                        counts: one_by_one.counts.clone(),
                        events: one_by_one.events,
                        pairs: Vec::new()
                    }
                    .facets(top),
                    "{n} events, top {top}"
                );
            }
        }
    }

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
            e.context = Some(ctx.into());
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
