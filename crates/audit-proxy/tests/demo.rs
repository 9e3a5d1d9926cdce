//! The demo account against the contract: credentials, filters, paging, links, ids, errors.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use tower::ServiceExt;

async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    auth: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("origin", ORIGIN);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = router
        .clone()
        .oneshot(req.body(Body::empty()).expect("req"))
        .await
        .expect("infallible");
    let status = resp.status();
    (status, body_json(resp).await)
}

async fn list(router: &axum::Router, query: &str) -> serde_json::Value {
    let (status, body) = call(
        router,
        "GET",
        &format!("/beta/audit/events?{query}"),
        Some(DEMO_AUTH),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

#[tokio::test]
async fn credentials_are_required() {
    let r = demo_router(&[]);
    for auth in [
        None,
        Some("Basic ZGVtbzp3cm9uZw=="),
        Some("Bearer demo"),
        Some("Basic !!!"),
    ] {
        let (status, body) = call(&r, "GET", "/beta/audit/events", auth).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(body["status"], 401);
        assert_eq!(body["error"], "Unauthorized");
        assert!(body["message"]
            .as_str()
            .expect("msg")
            .contains("authentication"));
    }
    let (status, _) = call(&r, "OPTIONS", "/beta/audit/events", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn event_types_list_every_documented_type() {
    let r = demo_router(&[]);
    let (status, body) = call(&r, "OPTIONS", "/beta/audit/events", Some(DEMO_AUTH)).await;
    assert_eq!(status, StatusCode::OK);
    let types = body["eventTypes"].as_array().expect("array");
    assert_eq!(types.len(), audit_model::catalog::EVENT_TYPES.len());
    assert!(types
        .iter()
        .any(|t| t["type"] == "NUMBER_USER_CANCELED" && t["description"].is_string()));
}

#[tokio::test]
async fn paging_follows_the_hal_shape() {
    let r = demo_router(&[]);
    let first = list(&r, "size=30").await;
    assert_eq!(first["page"]["totalElements"], 2000);
    assert_eq!(first["page"]["totalPages"], 67);
    assert_eq!(first["page"]["number"], 1);
    assert_eq!(first["page"]["size"], 30);
    assert_eq!(
        first["_embedded"]["events"]
            .as_array()
            .expect("events")
            .len(),
        30
    );
    assert!(first["_links"]["next"]["href"]
        .as_str()
        .expect("next")
        .ends_with("/beta/audit/events?page=2&size=30"));
    assert!(first["_links"].get("prev").is_none());
    let last = list(&r, "size=30&page=67").await;
    assert_eq!(
        last["_embedded"]["events"]
            .as_array()
            .expect("events")
            .len(),
        20
    );
    assert!(last["_links"].get("next").is_none());
    assert!(last["_links"]["prev"]["href"]
        .as_str()
        .expect("prev")
        .contains("page=66"));

    // Newest first, and no event on two pages.
    let mut seen = std::collections::HashSet::new();
    let mut prev_time = String::from("9999");
    for page in 1..=20 {
        let body = list(&r, &format!("size=100&page={page}")).await;
        for ev in body["_embedded"]["events"].as_array().expect("events") {
            let t = ev["created_at"].as_str().expect("time").to_string();
            assert!(t <= prev_time, "newest first");
            prev_time = t;
            assert!(
                seen.insert(ev["id"].as_str().expect("id").to_string()),
                "duplicate"
            );
        }
    }
    assert_eq!(seen.len(), 2000);
    let beyond = list(&r, "size=100&page=21").await;
    assert!(
        beyond.get("_embedded").is_none(),
        "no _embedded when nothing is on the page"
    );
}

#[tokio::test]
async fn filters_match_the_contract() {
    let r = demo_router(&[]);
    let logins = list(&r, "event_type=USER_LOGIN&size=100").await;
    let two = list(&r, "event_type=USER_LOGIN,APP_CREATE&size=100").await;
    let apps = list(&r, "event_type=APP_CREATE&size=1").await;
    let n = |v: &serde_json::Value| v["page"]["totalElements"].as_u64().expect("n");
    assert!(n(&logins) > 100);
    assert_eq!(n(&two), n(&logins) + n(&apps));
    for ev in logins["_embedded"]["events"].as_array().expect("events") {
        assert_eq!(ev["event_type"], "USER_LOGIN");
    }

    let ranged = list(
        &r,
        "date_from=2025-12-25T00:00:00&date_to=2025-12-26T00:00:00&size=100",
    )
    .await;
    for ev in ranged["_embedded"]["events"].as_array().expect("events") {
        let t = ev["created_at"].as_str().expect("t");
        assert!(
            ("2025-12-25T00:00:00"..="2025-12-26T00:00:00").contains(&t),
            "{t}"
        );
    }
    assert!(n(&ranged) > 0);
    // A date-only end includes that whole day.
    let day = list(&r, "date_from=2025-12-25&date_to=2025-12-25&size=1").await;
    assert!(n(&day) > 0 && n(&day) < n(&ranged) + 1);

    let burst = list(&r, "search_text=198.51.100.77&size=100").await;
    assert_eq!(n(&burst), 14, "the planted login burst");
    for ev in burst["_embedded"]["events"].as_array().expect("events") {
        assert_eq!(ev["source_country"], "BR");
    }
    let ctx = list(
        &r,
        "search_text=hooks.acme.example&event_type=APP_CREATE&size=1",
    )
    .await;
    assert_eq!(n(&ctx), n(&apps), "search reaches into the context");
    let none = list(&r, "search_text=%5C%22no+such+thing%5C%22").await;
    assert_eq!(n(&none), 0);
    assert!(none.get("_embedded").is_none());
}

#[tokio::test]
async fn single_events_and_errors() {
    let r = demo_router(&[]);
    let page = list(&r, "size=1").await;
    let ev = &page["_embedded"]["events"][0];
    let id = ev["id"].as_str().expect("id");
    let (status, one) = call(
        &r,
        "GET",
        &format!("/beta/audit/events/{id}"),
        Some(DEMO_AUTH),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&one, ev);

    let missing = "00000000-0000-4000-8000-000000000000";
    let (status, body) = call(
        &r,
        "GET",
        &format!("/beta/audit/events/{missing}"),
        Some(DEMO_AUTH),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body["message"],
        format!("Event with provided id: {missing} was not found")
    );

    for q in ["size=0", "size=101", "page=0", "date_to=never"] {
        let (status, body) = call(
            &r,
            "GET",
            &format!("/beta/audit/events?{q}"),
            Some(DEMO_AUTH),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(body["status"], 400);
    }
}

#[test]
fn demo_data_files_load_or_are_refused_with_a_line_number() {
    let dir = std::env::temp_dir().join(format!("audit-proxy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let good = dir.join("good.jsonl");
    std::fs::write(
        &good,
        "{\"id\":\"aaaaaaaa-bbbb-cccc-dddd-0123456789ab\",\"event_type\":\"BRAND_NEW\",\"created_at\":\"2024-01-01T00:00:00\"}\n",
    )
    .expect("write");
    let demo = audit_proxy::demo::Demo::load(&good, "http://x".into()).expect("loads");
    assert_eq!(demo.len(), 1);

    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"id\":\"a\",\"created_at\":\"2024-01-01T00:00:00\"}\n{oops\n",
    )
    .expect("write");
    let err = audit_proxy::demo::Demo::load(&bad, "http://x".into()).expect_err("refused");
    assert!(err.to_string().contains("line 2"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn faults_are_a_layer_in_front_of_the_api_only() {
    let router = demo_router(&["--fault", "503", "--fault-match", "boom"]);
    // Liveness is never faulted.
    let (status, body) = call(&router, "GET", "/healthz", None).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, serde_json::json!({"status": "ok"}))
    );
    // A matching API call gets the injected status in the API's error shape, with CORS and
    // Retry-After, so the browser can read it.
    let resp = router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/beta/audit/events?search_text=boom")
                .header("origin", ORIGIN)
                .header("authorization", DEMO_AUTH)
                .body(Body::empty())
                .expect("req"),
        )
        .await
        .expect("infallible");
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert_eq!(resp.headers()["access-control-allow-origin"], ORIGIN);
    let body = body_json(resp).await;
    assert_eq!(body["status"], 503, "{body}");
    // Others pass untouched.
    let (status, _) = call(
        &router,
        "GET",
        "/beta/audit/events?search_text=calm",
        Some(DEMO_AUTH),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // A broken body breaks only a successful answer: a refusal stays a refusal.
    let router = demo_router(&["--fault", "malformed"]);
    let (status, body) = call(
        &router,
        "GET",
        "/beta/audit/events?size=500",
        Some(DEMO_AUTH),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}
