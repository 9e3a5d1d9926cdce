//! Logs never carry credentials. Alone in its own test binary: tracing caches per-callsite
//! interest process-wide, so a capturing subscriber must not race other tests' threads.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use tower::ServiceExt;

async fn send(router: &axum::Router, req: Request<Body>) -> axum::http::Response<Body> {
    router.clone().oneshot(req).await.expect("infallible")
}

#[tokio::test]
async fn authorization_never_reaches_a_log_line() {
    let logs = CapturedLogs::default();
    let subscriber = logs.subscriber();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let up = FakeUpstream::start().await;
    let r = relay_router(&up.url(), &["--upstream-timeout-secs", "1"]);
    // user:s3cret-Pa55 in Basic form, and the raw secret in a bearer token.
    let basic = "Basic dXNlcjpzM2NyZXQtUGE1NQ==";
    for (uri, auth) in [
        ("/beta/audit/events?size=5", basic),
        ("/beta/audit/events?search_text=slow", basic),
        ("/beta/audit/events/nope", "Bearer s3cret-Pa55"),
        ("/beta/audit/events?size=0", basic),
    ] {
        let req = Request::builder()
            .uri(uri)
            .header("authorization", auth)
            .header("origin", ORIGIN)
            .body(Body::empty())
            .expect("req");
        let _ = send(&r, req).await;
    }
    let dead = relay_router("http://127.0.0.1:1", &[]);
    let req = Request::builder()
        .uri("/beta/audit/events")
        .header("authorization", basic)
        .body(Body::empty())
        .expect("req");
    let _ = send(&dead, req).await;

    let text = logs.text();
    assert!(
        text.contains("/beta/audit/events"),
        "logging was captured: {text}"
    );
    assert!(
        text.contains("Sensitive"),
        "headers are logged, marked sensitive"
    );
    for secret in ["dXNlcjpzM2NyZXQtUGE1NQ", "s3cret-Pa55"] {
        assert!(!text.contains(secret), "{secret} leaked into logs:\n{text}");
    }
}
