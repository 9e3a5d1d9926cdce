//! Router-level tests of the relay: the router is called directly (`oneshot`), in front of a
//! recording fake upstream on loopback, so every assertion is about what did or did not reach it.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use tower::ServiceExt;

const ID: &str = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";

fn get(uri: &str) -> axum::http::request::Builder {
    Request::builder()
        .method("GET")
        .uri(uri)
        .header("authorization", "Basic dXNlcjpzM2NyZXQ=")
        .header("origin", ORIGIN)
}

async fn send(router: &axum::Router, req: Request<Body>) -> axum::http::Response<Body> {
    router.clone().oneshot(req).await.expect("infallible")
}

#[tokio::test]
async fn list_call_is_relayed_with_a_rebuilt_query_and_only_allowed_headers() {
    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &[]);
    let req = get("/beta/audit/events?event_type=USER_LOGIN,APP_CREATE&size=10&page=2&callback=evil&url=http://x&search_text=a%20b")
        .header("accept", "application/json")
        .header("cookie", "session=browser")
        .header("x-forwarded-for", "10.0.0.1")
        .header("x-forwarded-host", "evil.example")
        .header("connection", "keep-alive, x-secret")
        .header("x-secret", "1")
        .body(Body::empty())
        .expect("request");
    let resp = send(&r, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    // Caches keep answers apart by origin and preflight headers: one Vary, said once.
    let vary: Vec<_> = h.get_all("vary").iter().collect();
    assert_eq!(vary, [audit_edge::front::CORS_VARY], "{vary:?}");
    assert!(h.get("set-cookie").is_none());
    assert!(h.get("x-internal-host").is_none());
    // An archive's mark reaches the app, which tells an archive from the API by it.
    assert_eq!(h["audit-archive"], "1");
    assert!(h.get("www-authenticate").is_none());
    assert_eq!(h["content-type"], "application/json");

    let seen = up.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(
        seen[0].path_and_query,
        "/beta/audit/events?event_type=USER_LOGIN%2CAPP_CREATE&search_text=a+b&page=2&size=10"
    );
    let names: Vec<&str> = seen[0].headers.keys().map(|k| k.as_str()).collect();
    for name in &names {
        assert!(
            ["authorization", "accept", "host", "user-agent"].contains(name),
            "header {name} reached the upstream"
        );
    }
    assert_eq!(seen[0].headers["authorization"], "Basic dXNlcjpzM2NyZXQ=");
    assert_eq!(seen[0].headers["host"], up.addr.to_string());
}

#[tokio::test]
async fn single_event_and_event_types_are_relayed() {
    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &[]);
    let resp = send(
        &r,
        get(&format!("/beta/audit/events/{}", ID.to_uppercase()))
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(
        resp.status(),
        StatusCode::NOT_FOUND,
        "upstream status passes through"
    );
    let body = body_json(resp).await;
    assert_eq!(body["error"], "Not Found");

    let opts = Request::builder()
        .method("OPTIONS")
        .uri("/beta/audit/events?ignored=1")
        .header("authorization", "Basic dXNlcjpzM2NyZXQ=")
        .header("origin", ORIGIN)
        .body(Body::empty())
        .expect("req");
    let resp = send(&r, opts).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["access-control-allow-origin"], ORIGIN);

    let seen = up.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path_and_query.as_str()),
        ("GET", &*format!("/beta/audit/events/{ID}"))
    );
    assert_eq!(
        (seen[1].method.as_str(), seen[1].path_and_query.as_str()),
        ("OPTIONS", "/beta/audit/events")
    );
}

#[tokio::test]
async fn a_preflight_is_answered_by_the_proxy_and_never_relayed() {
    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &[]);
    let pre = Request::builder()
        .method("OPTIONS")
        .uri("/beta/audit/events")
        .header("origin", ORIGIN)
        .header("access-control-request-method", "OPTIONS")
        .header("access-control-request-headers", "authorization")
        .body(Body::empty())
        .expect("req");
    let resp = send(&r, pre).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    let methods = h["access-control-allow-methods"]
        .to_str()
        .expect("ascii")
        .to_ascii_uppercase();
    assert!(methods.contains("GET") && methods.contains("OPTIONS") && !methods.contains("POST"));
    assert!(h["access-control-allow-headers"]
        .to_str()
        .expect("ascii")
        .contains("authorization"));
    assert!(h.get("access-control-allow-credentials").is_none());
    let vary: Vec<_> = h.get_all("vary").iter().collect();
    assert_eq!(
        vary,
        [audit_edge::front::CORS_VARY],
        "a preflight varies the same way: {vary:?}"
    );
    assert!(
        up.seen().is_empty(),
        "a preflight must not reach the upstream"
    );
}

#[tokio::test]
async fn cors_grants_only_configured_origins() {
    let up = FakeUpstream::start().await;
    let r = relay_router(
        &up.url(),
        &[
            "--allow-origin",
            "https://audit.acme.example",
            "--allow-origin",
            "*",
        ],
    );
    for (origin, granted) in [
        ("https://audit.acme.example", true),
        ("https://audit.acme.example.evil.example", false),
        ("http://audit.acme.example", false),
        ("https://evil.example", false),
        ("null", false),
        ("http://127.0.0.1:8080", false), // defaults replaced by the flag
    ] {
        for method in ["GET", "OPTIONS"] {
            let mut req = Request::builder()
                .method(method)
                .uri("/beta/audit/events")
                .header("origin", origin);
            if method == "OPTIONS" {
                req = req.header("access-control-request-method", "GET");
            }
            let resp = send(&r, req.body(Body::empty()).expect("req")).await;
            let allow = resp.headers().get("access-control-allow-origin");
            if granted {
                assert_eq!(allow.expect("granted"), origin);
            } else {
                assert!(allow.is_none(), "{origin} must not be granted ({method})");
            }
            assert!(resp
                .headers()
                .get("access-control-allow-credentials")
                .is_none());
            assert_ne!(
                allow.map(|v| v.as_bytes()),
                Some(&b"*"[..]),
                "never a wildcard"
            );
        }
    }
}

#[tokio::test]
async fn rejected_paths_and_methods_send_nothing_upstream() {
    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &[]);
    let not_found = [
        "/",
        "/beta/audit/events/",
        "/beta/audit/events/..",
        "/beta/audit/events/../../v1/accounts",
        "/beta/audit/events/%2e%2e/%2e%2e/account",
        "/beta/audit/events/%2E%2E%2Faccount",
        "/beta/audit/events/%252e%252e%252faccount",
        "/beta/audit/%2e%2e/%2e%2e/account/balance",
        "/beta/audit/events/..%5c..%5caccount",
        "//evil.example/beta/audit/events",
        "//127.0.0.1:1/beta/audit/events",
        "/beta//audit/events",
        "/beta/audit/./events",
        "/beta/audit/events/%2F%2Fevil.example",
        "/beta/audit/events/aaaaaaaa-bbbb-cccc-dddd-0123456789ab0",
        "/beta/audit/events/aaaaaaaa-bbbb-cccc-dddd-0123456789",
        "/beta/audit/events/not-a-uuid",
        "/beta/audit/events/1%20OR%201=1",
        "/beta/audit/redirect",
        "/account/get-balance",
    ];
    for path in not_found {
        let resp = send(&r, get(path).body(Body::empty()).expect("req")).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        let body = body_json(resp).await;
        assert_eq!(body["status"], 404, "{path}");
        assert!(body["message"]
            .as_str()
            .expect("message")
            .contains("relays only"));
    }
    let long_id = format!("/beta/audit/events/{}", "a".repeat(5000));
    assert_eq!(
        send(&r, get(&long_id).body(Body::empty()).expect("req"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    for method in [
        "POST", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "PROPFIND",
    ] {
        for path in [
            "/beta/audit/events".to_string(),
            format!("/beta/audit/events/{ID}"),
        ] {
            let req = Request::builder()
                .method(method)
                .uri(&path)
                .header("authorization", "Basic dXNlcjpzM2NyZXQ=")
                .body(Body::from("{\"x\":1}"))
                .expect("req");
            let resp = send(&r, req).await;
            assert_eq!(
                resp.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(resp.headers()["allow"], "GET, OPTIONS");
        }
    }
    // OPTIONS on a single event is not an Audit API call.
    let req = Request::builder()
        .method("OPTIONS")
        .uri(format!("/beta/audit/events/{ID}"))
        .body(Body::empty())
        .expect("req");
    assert_eq!(send(&r, req).await.status(), StatusCode::METHOD_NOT_ALLOWED);

    assert!(
        up.seen().is_empty(),
        "nothing may reach the upstream: {:?}",
        up.seen()
    );
}

#[tokio::test]
async fn absolute_form_targets_cannot_choose_the_upstream() {
    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &[]);
    let req = get("http://evil.example/beta/audit/events?size=5")
        .header("host", "evil.example")
        .body(Body::empty())
        .expect("req");
    let resp = send(&r, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let seen = up.seen();
    assert_eq!(
        seen.len(),
        1,
        "went to the configured upstream, not evil.example"
    );
    assert_eq!(seen[0].headers["host"], up.addr.to_string());
}

#[tokio::test]
async fn invalid_queries_are_refused_before_the_upstream() {
    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &[]);
    for q in [
        "size=0",
        "size=101",
        "page=0",
        "page=-3",
        "date_from=yesterday",
        "date_from=2024-06-01&date_to=2024-05-01",
        "event_type=A%0d%0aX:1",
    ] {
        let resp = send(
            &r,
            get(&format!("/beta/audit/events?{q}"))
                .body(Body::empty())
                .expect("req"),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{q}");
        let body = body_json(resp).await;
        assert_eq!(body["status"], 400);
        assert_eq!(body["error"], "Bad Request");
        assert!(!body["message"].as_str().expect("msg").is_empty());
    }
    assert!(up.seen().is_empty());
}

#[tokio::test]
async fn redirects_are_not_followed_and_errors_pass_through() {
    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &[]);
    let resp = send(
        &r,
        get("/beta/audit/events?search_text=ratelimit")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        resp.headers()["retry-after"],
        "3",
        "Retry-After reaches the app"
    );
    assert_eq!(
        resp.headers()["access-control-expose-headers"],
        "retry-after,audit-archive"
    );

    let resp = send(
        &r,
        get("/beta/audit/events?search_text=redirect")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert!(
        resp.headers().get("location").is_none(),
        "no Location is relayed"
    );
    let paths: Vec<String> = up.seen().into_iter().map(|s| s.path_and_query).collect();
    assert!(
        paths.iter().all(|p| p.starts_with("/beta/audit/events?")),
        "redirect not followed: {paths:?}"
    );
    assert_eq!(paths.len(), 2);
}

#[tokio::test]
async fn upstream_failures_become_502_and_504_without_internals() {
    let up = FakeUpstream::start().await;
    let r = relay_router(
        &up.url(),
        &[
            "--upstream-timeout-secs",
            "1",
            "--max-body-bytes",
            "1048576",
        ],
    );
    let start = Instant::now();
    let resp = send(
        &r,
        get("/beta/audit/events?search_text=slow")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    let took = start.elapsed();
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(
        took < Duration::from_millis(2500),
        "504 within the bound, took {took:?}"
    );
    let body = body_json(resp).await;
    assert_eq!(body["status"], 504);
    assert!(body["message"]
        .as_str()
        .expect("msg")
        .contains("within 1 s"));

    let resp = send(
        &r,
        get("/beta/audit/events?search_text=huge")
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);

    // Nothing listens on port 1.
    let dead = relay_router("http://127.0.0.1:1", &[]);
    let resp = send(
        &dead,
        get("/beta/audit/events").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    let text = body_json(resp).await.to_string();
    assert!(text.contains("could not be reached"));
    assert!(
        !text.contains("127.0.0.1") && !text.contains("onnection refused"),
        "no internals: {text}"
    );

    // Still healthy afterwards.
    let resp = send(&r, get("/healthz").body(Body::empty()).expect("req")).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn concurrency_cap_answers_503() {
    let up = FakeUpstream::start().await;
    let r = relay_router(
        &up.url(),
        &["--max-concurrency", "1", "--upstream-timeout-secs", "3"],
    );
    let slow = tokio::spawn({
        let r = r.clone();
        async move {
            send(
                &r,
                get("/beta/audit/events?search_text=slow")
                    .body(Body::empty())
                    .expect("req"),
            )
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let resp = send(
        &r,
        get("/beta/audit/events").body(Body::empty()).expect("req"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    let _ = slow.await;
}

#[tokio::test]
async fn the_plain_apis_archive_question_gets_no_content_and_asks_no_one() {
    use http_body_util::BodyExt;
    // In front of Vonage's own API and with --demo, "not an archive" is said by the proxy
    // itself, as a 204: a 404 would be an error in every browser console at every load. No
    // connection is made (nothing listens for api.nexmo.com here).
    for (name, r) in [
        ("vonage", relay_router("https://api.nexmo.com", &[])),
        ("demo", demo_router(&[])),
    ] {
        let req = get("/beta/audit/archive").body(Body::empty()).expect("req");
        let resp = send(&r, req).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{name}");
        assert_eq!(
            resp.headers()["access-control-allow-origin"],
            ORIGIN,
            "{name}"
        );
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        assert!(body.is_empty(), "{name}: {body:?}");
    }
    // The archive's other calls are still not there.
    let vonage = relay_router("https://api.nexmo.com", &[]);
    let req = get("/beta/audit/archive/alerts?size=5")
        .body(Body::empty())
        .expect("req");
    assert_eq!(send(&vonage, req).await.status(), StatusCode::NOT_FOUND);
    // In front of any other upstream (it may be an archive), the question is relayed.
    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &[]);
    let req = get("/beta/audit/archive").body(Body::empty()).expect("req");
    send(&r, req).await;
    let seen = up.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path_and_query, "/beta/audit/archive");
}
