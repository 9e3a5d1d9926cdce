//! An event in the shapes other engines ingest: OCSF 1.2 and the Elastic Common Schema (ECS
//! 9.x), one JSON object per event (NDJSON when written one per line). OpenSearch and
//! Elasticsearch `_bulk`, Splunk HEC and ClickHouse `JSONEachRow` take either.
//!
//! OCSF classes: logins and logouts are Authentication (3002), changes to users and to the
//! account's secrets Account Change (3001), and everything else the account's API and dashboard
//! did (applications, numbers, the IP allow-list, settings, searches, and event types not known
//! today) API Activity (6003). The Audit API's own fields that OCSF has no place for stay under
//! `unmapped`, so nothing is lost; ECS keeps the whole event in `event.original` and the context
//! under the custom `vonage.audit` namespace.

use serde_json::{json, Map, Value};

use crate::event::AuditEvent;

/// The OCSF schema version written in `metadata.version`.
pub const OCSF_VERSION: &str = "1.2.0";
/// The ECS version written in `ecs.version`.
pub const ECS_VERSION: &str = "9.4.0";
/// The vendor and product named in OCSF's `metadata.product` and ECS's `event.provider`.
const VENDOR: &str = "Vonage";
const PRODUCT: &str = "Audit API";

/// What kind of change an event type's name says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    Create,
    Read,
    Update,
    Delete,
    Other,
}

fn change_of(event_type: &str) -> Change {
    let last = event_type.rsplit('_').next().unwrap_or_default();
    match last {
        "CREATE" | "ASSIGN" => Change::Create,
        "DELETE" | "RELEASE" | "CANCELED" | "UNLINKED" => Change::Delete,
        "UPDATE" | "UPDATED" | "ENABLE" | "DISABLE" | "LINKED" | "STATUS" | "SETTINGS" | "API"
        | "SPAMMER" => Change::Update,
        "SEARCH" => Change::Read,
        _ => Change::Other,
    }
}

/// The OCSF class an event belongs to and its activity: (class_uid, activity_id, name).
fn ocsf_class(event_type: &str) -> (u32, u32, &'static str) {
    match event_type {
        "USER_LOGIN" => (3002, 1, "Logon"),
        "USER_LOGOUT" => (3002, 2, "Logoff"),
        "USER_CREATE" => (3001, 1, "Create"),
        "ACCOUNT_SECRET_CREATE" | "ACCOUNT_SECRET_DELETE" => (3001, 3, "Password Change"),
        t if t.starts_with("USER_") && t != "USER_PRODUCT_SEARCH" => (3001, 99, "Other"),
        t => match change_of(t) {
            Change::Create => (6003, 1, "Create"),
            Change::Read => (6003, 2, "Read"),
            Change::Update => (6003, 3, "Update"),
            Change::Delete => (6003, 4, "Delete"),
            Change::Other => (6003, 99, "Other"),
        },
    }
}

fn class_name(class_uid: u32) -> &'static str {
    match class_uid {
        3002 => "Authentication",
        3001 => "Account Change",
        _ => "API Activity",
    }
}

/// Puts `value` at `key` when it is there.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}

fn text(s: &Option<String>) -> Option<Value> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_string()))
}

/// The OCSF user an event names: its id and email (OCSF needs one of account, name, uid; an
/// event with neither says the user is unknown by name).
fn ocsf_user(ev: &AuditEvent) -> Value {
    let mut user = Map::new();
    put(
        &mut user,
        "uid",
        ev.user_id.as_ref().map(|u| json!(u.to_string())),
    );
    put(&mut user, "email_addr", text(&ev.user_email));
    put(&mut user, "name", text(&ev.user_email));
    if !user.contains_key("uid") && !user.contains_key("name") {
        user.insert("name".into(), json!("unknown"));
    }
    Value::Object(user)
}

/// Where the event came from: its address, and the dashboard or API it used (OCSF needs at
/// least one of them; an event with neither is named by its source, or "unknown").
fn ocsf_src_endpoint(ev: &AuditEvent) -> Value {
    let mut src = Map::new();
    let ip = ev
        .source_ip
        .as_deref()
        .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
    put(&mut src, "ip", ip.map(|ip| json!(ip)));
    put(&mut src, "svc_name", text(&ev.source));
    put(
        &mut src,
        "location",
        text(&ev.source_country).map(|c| json!({ "country": c })),
    );
    if !src.contains_key("ip") && !src.contains_key("svc_name") {
        src.insert("name".into(), json!("unknown"));
    }
    Value::Object(src)
}

/// A rule's hit, as the watch stores it, for [`detection_finding`].
#[derive(Debug, Clone, Copy)]
pub struct Finding<'a> {
    /// The hit's key (the rule and the events behind it).
    pub key: &'a str,
    /// The rule's id.
    pub rule: &'a str,
    /// The rule's title.
    pub title: &'a str,
    /// The rule's Sigma level (`informational` … `critical`).
    pub level: &'a str,
    /// The ids of the events behind the hit, oldest first.
    pub events: &'a [String],
    /// When the last of them happened.
    pub at: crate::time::Timestamp,
}

/// A rule's hit as an OCSF 1.2 Detection Finding (class 2004, activity Create): the rule as the
/// finding's analytic, the events behind it as related events, the level as the severity.
pub fn detection_finding(f: &Finding) -> Value {
    let (severity_id, severity) = match f.level {
        "informational" => (1, "Informational"),
        "low" => (2, "Low"),
        "high" => (4, "High"),
        "critical" => (5, "Critical"),
        _ => (3, "Medium"),
    };
    json!({
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "severity_id": severity_id,
        "severity": severity,
        "time": f.at,
        "message": f.title,
        "status_id": 1,
        "status": "New",
        "metadata": {
            "version": OCSF_VERSION,
            "product": { "vendor_name": VENDOR, "name": PRODUCT },
            "uid": f.key,
        },
        "finding_info": {
            "uid": f.key,
            "title": f.title,
            "analytic": { "uid": f.rule, "name": f.title, "type_id": 1, "type": "Rule" },
            "related_events": f.events.iter().map(|id| json!({ "uid": id })).collect::<Vec<_>>(),
            "last_seen_time": f.at,
        },
    })
}

/// `ev` as an OCSF 1.2 event of its class.
pub fn ocsf(ev: &AuditEvent) -> Value {
    let (class_uid, activity_id, activity_name) = ocsf_class(&ev.event_type);
    let category_uid = class_uid / 1000;
    let mut out = Map::new();
    out.insert("class_uid".into(), json!(class_uid));
    out.insert("class_name".into(), json!(class_name(class_uid)));
    out.insert("category_uid".into(), json!(category_uid));
    out.insert(
        "category_name".into(),
        json!(if category_uid == 3 {
            "Identity & Access Management"
        } else {
            "Application Activity"
        }),
    );
    out.insert("activity_id".into(), json!(activity_id));
    out.insert("activity_name".into(), json!(activity_name));
    out.insert("type_uid".into(), json!(class_uid * 100 + activity_id));
    out.insert("severity_id".into(), json!(1));
    out.insert("severity".into(), json!("Informational"));
    // OCSF's time is required: an event whose time does not parse keeps its text in unmapped.
    out.insert("time".into(), json!(ev.timestamp().unwrap_or(0)));
    put(
        &mut out,
        "message",
        ev.event_type_description
            .as_deref()
            .map(|d| json!(d))
            .or_else(|| Some(json!(ev.event_type))),
    );
    let mut metadata = Map::new();
    metadata.insert("version".into(), json!(OCSF_VERSION));
    metadata.insert(
        "product".into(),
        json!({ "vendor_name": VENDOR, "name": PRODUCT }),
    );
    metadata.insert("profiles".into(), json!(["cloud"]));
    put(
        &mut metadata,
        "uid",
        (!ev.id.is_empty()).then(|| json!(ev.id)),
    );
    metadata.insert("event_code".into(), json!(ev.event_type));
    out.insert("metadata".into(), Value::Object(metadata));
    let mut cloud = Map::new();
    cloud.insert("provider".into(), json!(VENDOR));
    put(
        &mut cloud,
        "account",
        text(&ev.account_id).map(|a| json!({ "uid": a })),
    );
    out.insert("cloud".into(), Value::Object(cloud));
    out.insert("src_endpoint".into(), ocsf_src_endpoint(ev));
    match class_uid {
        3002 | 3001 => {
            out.insert("user".into(), ocsf_user(ev));
        }
        _ => {
            out.insert("actor".into(), json!({ "user": ocsf_user(ev) }));
            out.insert(
                "api".into(),
                json!({ "operation": ev.event_type, "service": { "name": PRODUCT } }),
            );
        }
    }
    let mut unmapped = Map::new();
    put(&mut unmapped, "context", ev.context.as_deref().cloned());
    put(&mut unmapped, "created_at", Some(json!(ev.created_at)));
    put(&mut unmapped, "source", text(&ev.source));
    put(
        &mut unmapped,
        "source_description",
        text(&ev.source_description),
    );
    put(
        &mut unmapped,
        "source_ip",
        // An address that is not an IP (real data has them) is kept here as sent.
        text(&ev.source_ip).filter(|ip| {
            ip.as_str()
                .is_some_and(|ip| ip.parse::<std::net::IpAddr>().is_err())
        }),
    );
    for (k, v) in &ev.extra {
        unmapped.insert(k.clone(), v.clone());
    }
    out.insert("unmapped".into(), Value::Object(unmapped));
    Value::Object(out)
}

/// `ev` in the Elastic Common Schema.
pub fn ecs(ev: &AuditEvent) -> Value {
    let (category, kind) = match ocsf_class(&ev.event_type).0 {
        3002 => (
            "authentication",
            if ev.event_type == "USER_LOGOUT" {
                "end"
            } else {
                "start"
            },
        ),
        class => (
            if class == 3001 {
                "iam"
            } else {
                "configuration"
            },
            match change_of(&ev.event_type) {
                Change::Create => "creation",
                Change::Delete => "deletion",
                Change::Read => "access",
                Change::Update => "change",
                Change::Other => "info",
            },
        ),
    };
    let mut types = vec![json!(kind)];
    if category == "iam" {
        types.insert(0, json!("user"));
    }
    let mut event = Map::new();
    event.insert("kind".into(), json!("event"));
    event.insert("category".into(), json!([category]));
    event.insert("type".into(), Value::Array(types));
    event.insert("action".into(), json!(ev.event_type));
    event.insert("provider".into(), json!("vonage-audit"));
    event.insert("dataset".into(), json!("vonage.audit"));
    put(&mut event, "id", (!ev.id.is_empty()).then(|| json!(ev.id)));
    event.insert(
        "original".into(),
        json!(serde_json::to_string(ev).unwrap_or_default()),
    );
    let mut out = Map::new();
    put(
        &mut out,
        "@timestamp",
        ev.timestamp()
            .and_then(crate::time::format_rfc3339)
            .map(Value::String),
    );
    out.insert("ecs".into(), json!({ "version": ECS_VERSION }));
    out.insert("event".into(), Value::Object(event));
    put(
        &mut out,
        "message",
        ev.event_type_description.as_deref().map(|d| json!(d)),
    );
    let mut user = Map::new();
    put(
        &mut user,
        "id",
        ev.user_id.as_ref().map(|u| json!(u.to_string())),
    );
    put(&mut user, "email", text(&ev.user_email));
    put(&mut user, "name", text(&ev.user_email));
    if !user.is_empty() {
        out.insert("user".into(), Value::Object(user));
    }
    let mut source = Map::new();
    match ev.source_ip.as_deref().filter(|s| !s.is_empty()) {
        Some(ip) if ip.parse::<std::net::IpAddr>().is_ok() => {
            source.insert("ip".into(), json!(ip));
            source.insert("address".into(), json!(ip));
        }
        // Not an IP: ECS's `ip` type would refuse the document, so it is the address only.
        Some(other) => {
            source.insert("address".into(), json!(other));
        }
        None => {}
    }
    put(
        &mut source,
        "geo",
        text(&ev.source_country).map(|c| json!({ "country_iso_code": c })),
    );
    if !source.is_empty() {
        out.insert("source".into(), Value::Object(source));
    }
    let mut cloud = Map::new();
    cloud.insert("provider".into(), json!("vonage"));
    put(
        &mut cloud,
        "account",
        text(&ev.account_id).map(|a| json!({ "id": a })),
    );
    out.insert("cloud".into(), Value::Object(cloud));
    let mut audit = Map::new();
    put(&mut audit, "context", ev.context.as_deref().cloned());
    put(&mut audit, "source", text(&ev.source));
    put(
        &mut audit,
        "source_description",
        text(&ev.source_description),
    );
    if !audit.is_empty() {
        out.insert("vonage".into(), json!({ "audit": Value::Object(audit) }));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_documented_type_has_its_class_and_activity() {
        assert_eq!(ocsf_class("USER_LOGIN"), (3002, 1, "Logon"));
        assert_eq!(ocsf_class("USER_LOGOUT"), (3002, 2, "Logoff"));
        assert_eq!(ocsf_class("USER_CREATE"), (3001, 1, "Create"));
        assert_eq!(ocsf_class("USER_UPDATE").0, 3001);
        assert_eq!(
            ocsf_class("ACCOUNT_SECRET_DELETE"),
            (3001, 3, "Password Change")
        );
        assert_eq!(ocsf_class("APP_CREATE"), (6003, 1, "Create"));
        assert_eq!(ocsf_class("NUMBER_UNLINKED"), (6003, 4, "Delete"));
        assert_eq!(ocsf_class("IP_WHITELIST_DELETE"), (6003, 4, "Delete"));
        assert_eq!(ocsf_class("USER_PRODUCT_SEARCH"), (6003, 2, "Read"));
        assert_eq!(
            ocsf_class("ACCOUNT_UPDATE_SETTINGS_API"),
            (6003, 3, "Update")
        );
        // A type no list names today is still an event of the account's API activity.
        assert_eq!(ocsf_class("SOMETHING_NEW"), (6003, 99, "Other"));
    }
}
