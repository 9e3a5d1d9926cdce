//! The facts of the official API definition that the model must follow — the schema examples,
//! the event-type enum, the list call's parameters and limits — checked against the project's own
//! copy of them, `tests/fixtures/api-contract.json` (see `tests/fixtures/README.md` for where each
//! part comes from).
//!
//! The full definition is not part of the project. When it is present (`AUDIT_API_DEFINITION`
//! names it, or it sits at `../shared/vonage-audit-api.yml` beside the checkout), one more test
//! derives the same facts from it and checks that the fixture still says the same;
//! `UPDATE_CONTRACT_FIXTURE=1` rewrites the fixture from it instead.

use audit_model::query::{DEFAULT_SIZE, MAX_SIZE, MIN_SIZE};
use audit_model::{ApiErrorBody, AuditEvent, EventQuery, EventTypesResponse, EventsPage};
use serde_json::{json, Map, Value};
use serde_yaml::Value as Yaml;
use std::path::PathBuf;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/api-contract.json"
);

/// The schemas whose examples the fixture keeps.
const SCHEMAS: &[&str] = &[
    "AuditEvent",
    "AuditResp",
    "AuditEventTypesResp",
    "ErrorBadRequest",
    "ErrorUnauthorized",
    "ErrorForbidden",
    "ErrorNotFound",
    "NoContent",
];

fn contract() -> Value {
    let text = std::fs::read_to_string(FIXTURE).expect("the contract fixture is in the repository");
    serde_json::from_str(&text).expect("the contract fixture is JSON")
}

fn schema_example(name: &str) -> Value {
    let c = contract();
    let ex = c["examples"][name].clone();
    assert!(!ex.is_null(), "the fixture has no example for {name}");
    ex
}

fn documented_types() -> Vec<String> {
    contract()["event_types"]
        .as_array()
        .expect("event_types is a list")
        .iter()
        .map(|t| t.as_str().expect("a type name").to_string())
        .collect()
}

#[test]
fn audit_event_example_decodes_and_keeps_every_field() {
    let json = schema_example("AuditEvent");
    let ev: AuditEvent = serde_json::from_value(json.clone()).expect("decodes");
    assert_eq!(ev.id, "aaaaaaaa-bbbb-cccc-dddd-0123456789ab");
    assert_eq!(ev.event_type, "APP_CREATE");
    assert_eq!(ev.user_email.as_deref(), Some("user@example.org"));
    assert_eq!(
        ev.user_id.as_ref().map(ToString::to_string).as_deref(),
        Some("1234567")
    );
    assert_eq!(ev.source.as_deref(), Some("CD"));
    assert_eq!(ev.source_country.as_deref(), Some("GB"));
    assert_eq!(
        ev.timestamp(),
        Some(1_530_704_492_000),
        "2018-07-04T11:41:32 taken as UTC"
    );
    assert_eq!(
        ev.context.as_ref().expect("context")["created"]["answer_url"]["method"],
        "GET"
    );
    // Lossless: re-encoding gives back the same JSON.
    assert_eq!(serde_json::to_value(&ev).expect("encodes"), json);
}

#[test]
fn list_page_example_decodes() {
    let json = schema_example("AuditResp");
    let page: EventsPage = serde_json::from_value(json).expect("decodes");
    assert_eq!(page.events().len(), 1);
    let info = page.info();
    assert_eq!(
        (
            info.size,
            info.total_elements,
            info.total_pages,
            info.number
        ),
        (100, 120, 2, 1)
    );
    assert_eq!(
        page.links.next.expect("next").href,
        "http://api.nexmo.com/beta/audit/events?page=2&size=30"
    );
    assert!(page.links.prev.is_none());
}

#[test]
fn event_types_example_decodes() {
    let json = schema_example("AuditEventTypesResp");
    let types: EventTypesResponse = serde_json::from_value(json).expect("decodes");
    assert_eq!(types.event_types[0].name, "APP_CREATE");
    assert_eq!(
        types.event_types[0].description.as_deref(),
        Some("Application created.")
    );
}

#[test]
fn every_error_example_decodes() {
    for (name, status) in [
        ("ErrorBadRequest", 400),
        ("ErrorUnauthorized", 401),
        ("ErrorForbidden", 403),
        ("ErrorNotFound", 404),
        ("NoContent", 204),
    ] {
        let json = schema_example(name);
        let body = ApiErrorBody::from_response(status, json.to_string().as_bytes());
        assert_eq!(body.status, Some(status), "{name}");
        assert!(!body.text().is_empty());
        assert_eq!(body.message.as_deref(), json["message"].as_str());
    }
}

#[test]
fn every_documented_event_type_is_a_valid_filter() {
    let list = documented_types();
    assert!(list.len() >= 27);
    let q = EventQuery {
        event_types: list.clone(),
        ..Default::default()
    };
    q.validate().expect("every documented type is accepted");
    let (back, _) = EventQuery::parse(&q.to_query_string()).expect("parses");
    assert_eq!(back.event_types, list);
}

#[test]
fn catalog_covers_the_definition_enum() {
    for t in documented_types() {
        assert!(
            audit_model::catalog::describe(&t).is_some(),
            "{t} missing from the catalog"
        );
    }
}

#[test]
fn query_limits_follow_the_definition() {
    let c = contract();
    let size = &c["parameters"]["size"];
    assert_eq!(size["minimum"], json!(MIN_SIZE), "size minimum");
    assert_eq!(size["maximum"], json!(MAX_SIZE), "size maximum");
    assert_eq!(size["default"], json!(DEFAULT_SIZE), "size default");
    let bad_size = |s: u32| EventQuery {
        size: s,
        ..Default::default()
    };
    assert!(bad_size(MIN_SIZE - 1).validate().is_err());
    assert!(bad_size(MAX_SIZE + 1).validate().is_err());
    assert!(bad_size(MIN_SIZE).validate().is_ok());
    assert!(bad_size(MAX_SIZE).validate().is_ok());
    // "Page number starting with page 1."
    assert!(c["parameters"]["page"]["description"]
        .as_str()
        .expect("page description")
        .contains("page 1"));
    let page0 = EventQuery {
        page: 0,
        ..Default::default()
    };
    assert!(page0.validate().is_err());

    // The query string uses exactly the definition's parameter names.
    let names: Vec<&str> = c["parameters"]
        .as_object()
        .expect("parameters")
        .keys()
        .map(String::as_str)
        .collect();
    let full = EventQuery {
        event_types: vec!["USER_LOGIN".into()],
        date_from: Some("2026-01-01".into()),
        date_to: Some("2026-01-02".into()),
        search_text: Some("x".into()),
        // The app's own qualifiers are never a parameter the API is sent.
        filter: Some("country:US".into()),
        page: 2,
        size: 10,
    };
    for (k, _) in form_pairs(&full.to_query_string()) {
        assert!(
            names.contains(&k.as_str()),
            "{k} is not a documented parameter"
        );
    }
}

fn form_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

// ---- the extra cross-check against the full definition, when it is present ----

fn definition_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AUDIT_API_DEFINITION") {
        return Some(PathBuf::from(p));
    }
    let beside = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vonage-audit-api.yml"
    ));
    beside.exists().then_some(beside)
}

fn resolve<'a>(spec: &'a Yaml, node: &'a Yaml) -> &'a Yaml {
    match node.get("$ref").and_then(Yaml::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().expect("ref name");
            resolve(spec, &spec["components"]["schemas"][name])
        }
        None => node,
    }
}

/// A schema's example, assembled from its own and its properties' `example` values.
fn example(spec: &Yaml, node: &Yaml) -> Value {
    let node = resolve(spec, node);
    if let Some(ex) = node.get("example") {
        return serde_json::to_value(ex).expect("example to JSON");
    }
    if let Some(items) = node.get("items") {
        return Value::Array(vec![example(spec, items)]);
    }
    if let Some(props) = node.get("properties").and_then(Yaml::as_mapping) {
        let mut obj = Map::new();
        for (k, v) in props {
            obj.insert(k.as_str().expect("key").to_string(), example(spec, v));
        }
        return Value::Object(obj);
    }
    if let Some(first) = node
        .get("enum")
        .and_then(Yaml::as_sequence)
        .and_then(|s| s.first())
    {
        return serde_json::to_value(first).expect("enum");
    }
    Value::Null
}

/// The contract as the full definition states it, in the fixture's shape.
fn derive_contract(spec: &Yaml) -> Value {
    let mut examples = Map::new();
    for name in SCHEMAS {
        let node = spec["components"]["schemas"][*name].clone();
        examples.insert((*name).to_string(), example(spec, &node));
    }
    let types: Vec<Value> = spec["components"]["schemas"]["EventTypes"]["enum"]
        .as_sequence()
        .expect("enum")
        .iter()
        .map(|t| json!(t.as_str().expect("str")))
        .collect();
    let mut params = Map::new();
    for p in spec["paths"]["/events"]["get"]["parameters"]
        .as_sequence()
        .expect("parameters")
    {
        let name = p["name"].as_str().expect("parameter name").to_string();
        let schema = resolve(spec, &p["schema"]);
        let mut facts = Map::new();
        facts.insert(
            "description".into(),
            json!(p["description"].as_str().unwrap_or_default()),
        );
        for key in ["type", "minimum", "maximum", "default"] {
            if let Some(v) = schema.get(key) {
                facts.insert(key.into(), serde_json::to_value(v).expect("to JSON"));
            }
        }
        params.insert(name, Value::Object(facts));
    }
    json!({ "examples": examples, "event_types": types, "parameters": params })
}

#[test]
fn fixture_matches_the_full_definition_when_present() {
    let Some(path) = definition_path() else {
        eprintln!("no API definition beside the checkout: the fixture alone is checked");
        return;
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("AUDIT_API_DEFINITION {}: {e}", path.display()));
    let spec: Yaml = serde_yaml::from_str(&text).expect("valid YAML");
    let derived = derive_contract(&spec);
    let mut fixture = contract();
    if std::env::var_os("UPDATE_CONTRACT_FIXTURE").is_some() {
        let mut out = derived.as_object().expect("object").clone();
        out.insert("_about".into(), fixture["_about"].clone());
        let text = serde_json::to_string_pretty(&Value::Object(out)).expect("encodes") + "\n";
        std::fs::write(FIXTURE, text).expect("writes the fixture");
        return;
    }
    fixture.as_object_mut().expect("object").remove("_about");
    assert_eq!(
        fixture,
        derived,
        "tests/fixtures/api-contract.json no longer says what {} says; \
         rerun with UPDATE_CONTRACT_FIXTURE=1 and review the diff",
        path.display()
    );
}
