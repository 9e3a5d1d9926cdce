//! Sharing what events repeat, so that a held copy keeps it once: a login from the same browser
//! carries the same context as the one before it, and a copy of 50,000 events would otherwise
//! hold thousands of equal contexts, each a map of its own.
//!
//! Equal means equal as written: the same keys in the same order with the same values, so an
//! event shared this way still re-serialises exactly as the API sent it.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use serde_json::Value;

use crate::event::AuditEvent;

/// The contexts seen so far, by a hash of what they say. One per read: dropped with it.
#[derive(Debug, Default)]
pub struct Sharing {
    contexts: HashMap<u64, Vec<Arc<Value>>>,
    hasher: std::collections::hash_map::RandomState,
}

impl Sharing {
    /// Makes `ev`'s context the one already seen equal to it, if any (freeing its own), or
    /// remembers it for the events after.
    pub fn share(&mut self, ev: &mut AuditEvent) {
        let Some(context) = ev.context.as_mut() else {
            return;
        };
        let mut h = self.hasher.build_hasher();
        hash_value(context, &mut h);
        let seen = self.contexts.entry(h.finish()).or_default();
        match seen.iter().find(|s| same(s, context)) {
            Some(s) => *context = Arc::clone(s),
            None => seen.push(Arc::clone(context)),
        }
    }
}

/// Decodes a list of events, sharing their contexts as they come (for `deserialize_with`): the
/// list is never held unshared, so a large one does not first take its full size.
pub fn events<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<AuditEvent>, D::Error> {
    struct Events;
    impl<'de> serde::de::Visitor<'de> for Events {
        type Value = Vec<AuditEvent>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of events")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut sharing = Sharing::default();
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(mut ev) = seq.next_element::<AuditEvent>()? {
                sharing.share(&mut ev);
                out.push(ev);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Events)
}

/// Hashes `v` as written: an object's keys in their order.
fn hash_value(v: &Value, h: &mut impl Hasher) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, b).hash(h),
        Value::Number(n) => (2u8, n).hash(h),
        Value::String(s) => (3u8, s).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            items.iter().for_each(|v| hash_value(v, h));
        }
        Value::Object(map) => {
            (5u8, map.len()).hash(h);
            for (k, v) in map {
                k.hash(h);
                hash_value(v, h);
            }
        }
    }
}

/// Whether `a` and `b` are written alike (`==` on objects ignores their keys' order).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with(context: Value) -> AuditEvent {
        AuditEvent {
            context: Some(Arc::new(context)),
            ..AuditEvent::default()
        }
    }

    #[test]
    fn equal_contexts_are_held_once_and_others_apart() {
        let mut sharing = Sharing::default();
        let mut events = [
            with(json!({"login_method": "password", "two_factor": true})),
            with(json!({"login_method": "password", "two_factor": true})),
            with(json!({"login_method": "password", "two_factor": false})),
            with(json!({"two_factor": true, "login_method": "password"})),
            with(json!({"n": 1})),
            with(json!({"n": 1.0})),
            with(json!([{"a": null}, "b"])),
            with(json!([{"a": null}, "b"])),
            AuditEvent::default(),
        ];
        for ev in &mut events {
            sharing.share(ev);
        }
        let ctx = |i: usize| events[i].context.as_ref().expect("a context");
        assert!(Arc::ptr_eq(ctx(0), ctx(1)));
        assert!(!Arc::ptr_eq(ctx(0), ctx(2)), "a different value");
        // The same keys in another order are written differently: kept as written.
        assert!(!Arc::ptr_eq(ctx(0), ctx(3)));
        assert_eq!(
            serde_json::to_string(&events[3]).expect("json"),
            r#"{"context":{"two_factor":true,"login_method":"password"}}"#
        );
        assert!(!Arc::ptr_eq(ctx(4), ctx(5)), "1 and 1.0 are written apart");
        assert!(Arc::ptr_eq(ctx(6), ctx(7)));
        assert!(events[8].context.is_none());
    }

    #[test]
    fn a_decoded_list_shares_its_contexts_and_reads_back_the_same() {
        #[derive(serde::Deserialize)]
        struct Held {
            #[serde(deserialize_with = "events")]
            events: Vec<AuditEvent>,
        }
        let text = r#"{"events":[{"id":"a","context":{"k":"v"}},{"id":"b","context":{"k":"v"}},{"id":"c"}]}"#;
        let held: Held = serde_json::from_str(text).expect("decoded");
        let ctx = |i: usize| held.events[i].context.as_ref().expect("a context");
        assert!(Arc::ptr_eq(ctx(0), ctx(1)));
        assert_eq!(held.events[1].id, "b");
        assert!(held.events[2].context.is_none());
        assert_eq!(
            format!(
                r#"{{"events":{}}}"#,
                serde_json::to_string(&held.events).expect("json")
            ),
            text
        );
        assert!(serde_json::from_str::<Held>(r#"{"events":{}}"#).is_err());
    }
}
