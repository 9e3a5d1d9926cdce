//! Decodes examples built from the official API definition (`../shared/vonage-audit-api.yml`).
//! Each schema's example is assembled from its own and its properties' `example` values, so the
//! test follows the definition if it changes.

use audit_model::{ApiErrorBody, AuditEvent, EventTypesResponse, EventsPage};
use serde_json::{Map, Value};
use serde_yaml::Value as Yaml;

fn spec() -> Yaml {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/vonage-audit-api.yml"
    );
    let text = std::fs::read_to_string(path).expect("the API definition sits in ../shared");
    serde_yaml::from_str(&text).expect("valid YAML")
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

fn schema_example(name: &str) -> Value {
    let spec = spec();
    let node = spec["components"]["schemas"][name].clone();
    example(&spec, &node)
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
    let spec = spec();
    let types = spec["components"]["schemas"]["EventTypes"]["enum"]
        .as_sequence()
        .expect("enum");
    assert!(types.len() >= 27);
    let list: Vec<String> = types
        .iter()
        .map(|t| t.as_str().expect("str").to_string())
        .collect();
    let q = audit_model::EventQuery {
        event_types: list.clone(),
        ..Default::default()
    };
    q.validate().expect("every documented type is accepted");
    let (back, _) = audit_model::EventQuery::parse(&q.to_query_string()).expect("parses");
    assert_eq!(back.event_types, list);
}

#[test]
fn catalog_covers_the_definition_enum() {
    let spec = spec();
    for t in spec["components"]["schemas"]["EventTypes"]["enum"]
        .as_sequence()
        .expect("enum")
    {
        let t = t.as_str().expect("str");
        assert!(
            audit_model::catalog::describe(t).is_some(),
            "{t} missing from the catalog"
        );
    }
}
