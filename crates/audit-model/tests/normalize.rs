//! The OCSF and ECS shapes validate: every event of the demo's kinds, every documented type, an
//! unlisted type and a messy one (no user, an address that is not an IP, a time that does not
//! parse, an unknown field) is checked against the schemas' own requirements, kept in
//! `tests/fixtures/` as extracted from ocsf/ocsf-schema v1.2.0 and elastic/ecs v9.4.0 (each
//! fixture names its commit).

use audit_model::normalize::{detection_finding, ecs, ocsf, Finding, ECS_VERSION, OCSF_VERSION};
use audit_model::AuditEvent;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("JSON")
}

/// Events as the API sends them, and as real data has them.
fn events() -> Vec<AuditEvent> {
    let mut out = Vec::new();
    let types: Vec<String> = audit_model::catalog::EVENT_TYPES
        .iter()
        .map(|(t, _)| t.to_string())
        .collect();
    assert!(
        types.len() >= 25,
        "the documented types were read: {types:?}"
    );
    for (i, t) in types
        .iter()
        .chain(["SOMETHING_NEW".to_string()].iter())
        .enumerate()
    {
        out.push(
            serde_json::from_value(json!({
                "id": format!("aaaaaaaa-bbbb-4ccc-8ddd-{i:012}"),
                "event_type": t,
                "event_type_description": "described",
                "created_at": "2026-11-20T08:30:00",
                "user_email": "ana@example.com",
                "user_id": 42,
                "account_id": "abcd1234",
                "source": "CD",
                "source_ip": if i % 2 == 0 { "203.0.113.9" } else { "2001:db8::7" },
                "source_country": "GB",
                "context": { "key": "value", "nested": { "n": 1 } },
            }))
            .expect("event"),
        );
    }
    // Messy: nothing but a type and an id, an address that is not one, a time with an offset,
    // and a field no version of the API documents.
    out.push(
        serde_json::from_value(json!({
            "id": "odd/id with spaces",
            "event_type": "USER_LOGIN",
            "created_at": "2026-11-20T08:30:00+05:30",
            "source_ip": "unknown",
            "brand_new_field": [1, 2],
        }))
        .expect("event"),
    );
    out.push(
        serde_json::from_value(json!({ "event_type": "APP_UPDATE", "created_at": "yesterday" }))
            .expect("event"),
    );
    out
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// An OCSF object `value` of `object` satisfies its requirements (and `at_least_one`).
fn check_object(schema: &Value, object: &str, value: &Value, what: &str) {
    let rules = &schema["objects"][object];
    assert!(rules.is_object(), "the fixture knows {object}");
    assert!(value.is_object(), "{what}: {object} is an object: {value}");
    for req in rules["required"].as_array().expect("list") {
        let req = req.as_str().expect("name");
        assert!(
            value.get(req).is_some(),
            "{what}: {object} needs {req}: {value}"
        );
    }
    let one: Vec<&str> = rules["at_least_one"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if !one.is_empty() {
        assert!(
            one.iter().any(|k| value.get(*k).is_some()),
            "{what}: {object} needs one of {one:?}: {value}"
        );
    }
}

#[test]
fn ocsf_output_has_every_attribute_its_class_requires() {
    let schema = fixture("ocsf-1.2.0.json");
    assert_eq!(schema["version"], OCSF_VERSION);
    let mut classes = std::collections::BTreeSet::new();
    for ev in events() {
        let out = ocsf(&ev);
        let what = format!("{} {}", ev.event_type, ev.id);
        for req in schema["base_required"].as_array().expect("list") {
            let req = req.as_str().expect("name");
            assert!(
                out.get(req).is_some(),
                "{what}: every event needs {req}: {out}"
            );
        }
        // The cloud profile it declares, and its requirements.
        assert_eq!(out["metadata"]["profiles"], json!(["cloud"]));
        for req in schema["profiles"]["cloud"].as_array().expect("list") {
            assert!(
                out.get(req.as_str().expect("name")).is_some(),
                "{what}: {out}"
            );
        }
        let class = out["class_uid"].as_u64().expect("class_uid is an integer");
        let rules = &schema["classes"][class.to_string()];
        assert!(
            rules.is_object(),
            "{what}: class {class} is one of the three"
        );
        classes.insert(class);
        for req in rules["required"].as_array().expect("list") {
            let req = req.as_str().expect("name");
            assert!(
                out.get(req).is_some(),
                "{what}: class {class} needs {req}: {out}"
            );
        }
        let activity = out["activity_id"]
            .as_u64()
            .expect("activity_id is an integer");
        assert!(
            rules["activities"]
                .as_array()
                .expect("list")
                .contains(&json!(activity)),
            "{what}: activity {activity} is one of class {class}'s"
        );
        assert_eq!(out["type_uid"], json!(class * 100 + activity), "{what}");
        let category = &schema["categories"][rules["category"].as_str().expect("name")];
        assert_eq!(out["category_uid"], *category, "{what}");
        assert!(
            out["time"].is_i64(),
            "{what}: time is a timestamp_t (ms): {out}"
        );
        assert!(out["severity_id"].is_u64(), "{what}");
        check_object(&schema, "metadata", &out["metadata"], &what);
        check_object(&schema, "product", &out["metadata"]["product"], &what);
        check_object(&schema, "cloud", &out["cloud"], &what);
        check_object(&schema, "network_endpoint", &out["src_endpoint"], &what);
        if let Some(user) = out.get("user") {
            check_object(&schema, "user", user, &what);
        }
        if class == 6003 {
            check_object(&schema, "api", &out["api"], &what);
            check_object(&schema, "actor", &out["actor"], &what);
        }
        if !ev.id.is_empty() {
            assert_eq!(out["metadata"]["uid"], json!(ev.id), "{what}");
        }
        // Nothing is lost: the context and unknown fields ride along.
        assert_eq!(
            out["unmapped"].get("context"),
            ev.context.as_deref(),
            "{what}"
        );
        for (k, v) in &ev.extra {
            assert_eq!(out["unmapped"].get(k), Some(v), "{what}");
        }
    }
    assert_eq!(
        classes.len(),
        3,
        "all three classes are written: {classes:?}"
    );
}

#[test]
fn a_rule_hit_is_a_detection_finding_with_what_its_class_requires() {
    let schema = fixture("ocsf-1.2.0.json");
    let events = vec!["e-1".to_string(), "e-2".to_string()];
    for (level, severity) in [
        ("informational", 1),
        ("low", 2),
        ("medium", 3),
        ("high", 4),
        ("critical", 5),
    ] {
        let out = detection_finding(&Finding {
            key: "r|e-1|e-2|2",
            rule: "r",
            title: "Credentials changed within an hour of a new allow-list entry",
            level,
            events: &events,
            at: 1_767_600_000_000,
        });
        for req in schema["base_required"].as_array().expect("list") {
            let req = req.as_str().expect("name");
            assert!(out.get(req).is_some(), "needs {req}: {out}");
        }
        let rules = &schema["classes"]["2004"];
        for req in rules["required"].as_array().expect("list") {
            assert!(out.get(req.as_str().expect("name")).is_some(), "{out}");
        }
        assert_eq!(out["class_uid"], 2004);
        assert_eq!(out["type_uid"], 200401);
        assert_eq!(out["category_uid"], schema["categories"]["findings"]);
        assert!(rules["activities"]
            .as_array()
            .expect("list")
            .contains(&out["activity_id"]));
        assert_eq!(out["severity_id"], severity, "{level}");
        check_object(&schema, "metadata", &out["metadata"], level);
        check_object(&schema, "product", &out["metadata"]["product"], level);
        check_object(&schema, "finding_info", &out["finding_info"], level);
        check_object(&schema, "analytic", &out["finding_info"]["analytic"], level);
        let related = out["finding_info"]["related_events"]
            .as_array()
            .expect("list");
        assert_eq!(related.len(), 2);
        for r in related {
            check_object(&schema, "related_event", r, level);
        }
        assert_eq!(out["finding_info"]["uid"], "r|e-1|e-2|2");
        assert!(out["time"].is_i64());
    }
}

/// Whether `value` has ECS's field type `ty`.
fn ecs_type_ok(ty: &str, value: &Value) -> bool {
    match ty {
        "keyword" | "match_only_text" | "text" | "wildcard" => value.is_string(),
        "ip" => value
            .as_str()
            .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok()),
        "date" => value.as_str().is_some_and(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
        }),
        "long" | "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

/// Every leaf of `v` with its dotted path (arrays are the field's values).
fn leaves(v: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(v, &path, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

#[test]
fn ecs_output_has_ecs_types_and_allowed_categories() {
    let schema = fixture("ecs-9.4.0.json");
    assert_eq!(schema["version"], ECS_VERSION);
    for ev in events() {
        let out = ecs(&ev);
        let what = format!("{} {}", ev.event_type, ev.id);
        for req in schema["required"].as_array().expect("list") {
            let req = req.as_str().expect("name");
            // An event whose time does not parse has no @timestamp to give (its text is in
            // event.original); every other has one.
            if req == "@timestamp" && ev.timestamp().is_none() {
                assert!(out.get("@timestamp").is_none(), "{what}");
                continue;
            }
            assert!(
                out.get(req).is_some() || get(&out, req).is_some(),
                "{what}: needs {req}: {out}"
            );
        }
        let mut all = Vec::new();
        leaves(&out, "", &mut all);
        for (path, value) in all {
            // Custom fields live under their own namespace, as ECS asks.
            if path.starts_with("vonage.") {
                continue;
            }
            let field = &schema["fields"][&path];
            assert!(
                field.is_object(),
                "{what}: {path} is an ECS field the fixture lists"
            );
            let ty = field["type"].as_str().expect("type");
            let values: Vec<Value> = match value {
                Value::Array(a) => {
                    assert!(
                        field["array"].as_bool() == Some(true) || a.len() == 1,
                        "{what}: {path}"
                    );
                    a
                }
                v => vec![v],
            };
            for v in values {
                assert!(ecs_type_ok(ty, &v), "{what}: {path} = {v} is not {ty}");
            }
        }
        assert_eq!(out["event"]["kind"], "event");
        let categories = out["event"]["category"].as_array().expect("array");
        for c in categories {
            let expected = schema["category"][c.as_str().expect("name")]
                .as_array()
                .unwrap_or_else(|| panic!("{what}: {c} is an allowed category"));
            for t in out["event"]["type"].as_array().expect("array") {
                assert!(
                    schema["type"].as_array().expect("list").contains(t),
                    "{what}: {t} is an allowed type"
                );
                assert!(expected.contains(t), "{what}: {t} is expected with {c}");
            }
        }
        // The whole event rides along as sent.
        let original: AuditEvent =
            serde_json::from_str(out["event"]["original"].as_str().expect("text")).expect("JSON");
        assert_eq!(original, ev, "{what}");
    }
}
