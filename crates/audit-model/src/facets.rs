//! Facets: for the events matching a query, the most common values of the fields a person
//! narrows by — event type, user, source IP, country, source — with their counts, each value
//! ready to become an exact qualifier ([`crate::filter::qualifier`]).

use std::collections::HashMap;

use crate::AuditEvent;

/// One field's most common values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facet {
    /// The qualifier's name: `type`, `user`, `ip`, `country` or `source`.
    pub field: &'static str,
    /// What a person calls it.
    pub label: &'static str,
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

/// The facets of `events`, each with its `top` most common values.
pub fn facets<'a>(events: impl IntoIterator<Item = &'a AuditEvent>, top: usize) -> Vec<Facet> {
    let mut counts: Vec<HashMap<String, u64>> = vec![HashMap::new(); FIELDS.len()];
    let mut missing = vec![0u64; FIELDS.len()];
    for e in events {
        for (i, (_, _, read)) in FIELDS.iter().enumerate() {
            match read(e).filter(|v| !v.is_empty()) {
                Some(v) => *counts[i].entry(v).or_default() += 1,
                None => missing[i] += 1,
            }
        }
    }
    FIELDS
        .iter()
        .zip(counts)
        .zip(missing)
        .map(|(((field, label, _), counts), missing)| {
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
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_common_first_with_ties_by_value_and_what_is_missing() {
        let e = |id: &str, ty: &str, ip: Option<&str>| {
            let b = crate::testing::event(id).of_type(ty).user("a@x.example");
            match ip {
                Some(ip) => b.ip(ip).build(),
                None => b.build(),
            }
        };
        let events = [
            e("1", "USER_LOGIN", Some("192.0.2.1")),
            e("2", "USER_LOGIN", Some("192.0.2.2")),
            e("3", "APP_CREATE", Some("192.0.2.2")),
            e("4", "APP_DELETE", None),
            e("5", "USER_LOGIN", Some("192.0.2.3")),
        ];
        let f = facets(&events, 2);
        let ty = &f[0];
        assert_eq!((ty.field, ty.distinct, ty.missing), ("type", 3, 0));
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
        // Every value becomes a qualifier that selects exactly its events.
        for facet in &f {
            for (value, n) in &facet.top {
                let filter =
                    crate::filter::Filter::parse(&crate::filter::qualifier(facet.field, value))
                        .expect("parses");
                let hits = events.iter().filter(|e| filter.matches(e)).count() as u64;
                assert_eq!(hits, *n, "{}:{value}", facet.field);
            }
        }
    }
}
