//! `audit-proxy --app DIR`: the built app served from the proxy itself. Router-level tests of every
//! header and fallback rule, on a small stand-in for a release build.

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::Router;
use clap::Parser;
use tower::ServiceExt;

use audit_proxy::config::Config;

/// A folder shaped like `dist/`, with precompressed copies beside the wasm.
fn dist(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("site-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let files: [(&str, &[u8]); 7] = [
        ("index.html", b"<!DOCTYPE html><title>app</title>"),
        ("loader.js", b"import init from './audit-viewer.js';"),
        ("audit-viewer.js", b"export default function init() {}"),
        ("audit-viewer_bg.wasm", b"\0asm raw"),
        ("audit-viewer_bg.wasm.br", b"brotli bytes"),
        ("audit-viewer_bg.wasm.gz", b"gzip bytes"),
        ("main-0123456789abcdef.css", b"body{}"),
    ];
    for (f, body) in files {
        std::fs::write(dir.join(f), body).expect("write");
    }
    dir
}

fn router(dir: &std::path::Path, extra: &[&str]) -> Router {
    let mut args = vec![
        "audit-proxy",
        "--demo",
        "--app",
        dir.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let config = Config::parse_from(args);
    audit_proxy::service(&config).expect("service").0
}

async fn get(r: &Router, uri: &str, headers: &[(&str, &str)]) -> Response<Body> {
    let mut req = Request::builder().uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    r.clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("infallible")
}

async fn text(resp: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .expect("body");
    String::from_utf8_lossy(&bytes).into_owned()
}

const NAVIGATE: (&str, &str) = ("accept", "text/html,application/xhtml+xml,*/*;q=0.8");

fn header<'a>(resp: &'a Response<Body>, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn the_page_carries_the_security_headers_and_is_revalidated() {
    let dir = dist("headers");
    let r = router(&dir, &[]);
    let resp = get(&r, "/", &[NAVIGATE]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = header(&resp, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert_eq!(header(&resp, "referrer-policy"), "no-referrer");
    assert_eq!(header(&resp, "cache-control"), "no-cache");
    assert!(
        resp.headers().get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
    assert!(
        resp.headers().get("x-app-page").is_none(),
        "no internal marker leaks"
    );
    assert_eq!(text(resp).await, "<!DOCTYPE html><title>app</title>");
}

#[tokio::test]
async fn client_routes_get_the_page_and_missing_files_a_404() {
    let dir = dist("fallback");
    let r = router(&dir, &[]);
    for path in [
        "/events/aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
        "/events/evt%2F1%3Fx%23y",
        "/security?range=7d",
        "/settings",
    ] {
        let resp = get(&r, path, &[NAVIGATE]).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&resp, "cache-control"), "no-cache", "{path}");
        assert!(header(&resp, "content-security-policy").contains("frame-ancestors"));
        assert_eq!(
            text(resp).await,
            "<!DOCTYPE html><title>app</title>",
            "{path}"
        );
    }
    // A missing script or image is not answered with HTML.
    let resp = get(&r, "/missing.js", &[("accept", "*/*")]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&resp, "cache-control"), "no-store");
    // Nothing outside the folder.
    for path in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/..%2fCargo.toml"] {
        let resp = get(&r, path, &[("accept", "*/*")]).await;
        assert!(resp.status().is_client_error(), "{path}: {}", resp.status());
    }
    // Only reading.
    let resp = r
        .clone()
        .oneshot(
            Request::builder()
                .method("POST")
                .uri("/")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&resp, "allow"), "GET, HEAD");
}

#[tokio::test]
async fn precompressed_files_are_picked_by_accept_encoding() {
    let dir = dist("encoding");
    let r = router(&dir, &[]);
    let cases = [
        ("br, gzip", "br", "brotli bytes"),
        ("gzip", "gzip", "gzip bytes"),
        ("identity", "", "\0asm raw"),
    ];
    for (accept, encoding, body) in cases {
        let resp = get(&r, "/audit-viewer_bg.wasm", &[("accept-encoding", accept)]).await;
        assert_eq!(resp.status(), StatusCode::OK, "{accept}");
        assert_eq!(header(&resp, "content-encoding"), encoding, "{accept}");
        assert_eq!(
            header(&resp, "content-type"),
            "application/wasm",
            "{accept}"
        );
        assert!(
            header(&resp, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{accept}"
        );
        assert_eq!(text(resp).await, body, "{accept}");
    }
}

#[tokio::test]
async fn hashed_assets_are_kept_and_the_rest_revalidated() {
    let dir = dist("cache");
    let r = router(&dir, &[]);
    let resp = get(&r, "/main-0123456789abcdef.css", &[]).await;
    assert_eq!(
        header(&resp, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    for path in [
        "/loader.js",
        "/audit-viewer.js",
        "/index.html",
        "/config.json",
    ] {
        let resp = get(&r, path, &[]).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&resp, "cache-control"), "no-cache", "{path}");
    }
}

#[tokio::test]
async fn config_points_the_app_at_its_own_origin_and_the_api_still_answers() {
    let dir = dist("config");
    let r = router(&dir, &[]);
    let resp = get(&r, "/config.json", &[]).await;
    let body: serde_json::Value = serde_json::from_str(&text(resp).await).expect("json");
    assert_eq!(body["api_base_url"], "/");
    // The folder's own settings stay; only the API's address is this origin.
    std::fs::write(
        dir.join("config.json"),
        r#"{"api_base_url": "http://127.0.0.1:8787", "local_max_events": 20000, "request_timeout_secs": 60}"#,
    )
    .expect("config");
    let r = router(&dir, &[]);
    let body: serde_json::Value =
        serde_json::from_str(&text(get(&r, "/config.json", &[]).await).await).expect("json");
    assert_eq!(body["api_base_url"], "/");
    assert_eq!(body["local_max_events"], 20000);
    assert_eq!(body["request_timeout_secs"], 60);
    std::fs::write(dir.join("config.json"), "[1]").expect("config");
    let config = Config::parse_from([
        "audit-proxy",
        "--demo",
        "--app",
        dir.to_str().expect("utf-8"),
    ]);
    let err = audit_proxy::service(&config).expect_err("not an object");
    assert!(err.to_string().contains("is not a JSON object"), "{err}");
    std::fs::remove_file(dir.join("config.json")).expect("remove");
    let r = router(&dir, &[]);
    // The API beside it, unchanged: demo answers, no-store, JSON 404s for what it refuses.
    let resp = get(
        &r,
        "/beta/audit/events?size=2",
        &[("authorization", "Basic ZGVtbzpkZW1v")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "cache-control"), "no-store");
    let page: serde_json::Value = serde_json::from_str(&text(resp).await).expect("json");
    assert_eq!(page["page"]["size"], 2);
    let resp = get(&r, "/beta/other", &[NAVIGATE]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&resp, "content-type"), "application/json");
    let resp = get(&r, "/healthz", &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn under_a_public_url_only_that_path_is_the_app() {
    let dir = dist("sub");
    let r = router(&dir, &["--public-url", "/audit/"]);
    let resp = get(&r, "/audit/events/x", &[NAVIGATE]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(text(resp).await, "<!DOCTYPE html><title>app</title>");
    let resp = get(&r, "/audit/loader.js", &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = get(&r, "/audit/config.json", &[]).await;
    assert!(text(resp).await.contains("\"/\""));
    for (path, to) in [("/", "/audit/"), ("/audit", "/audit/")] {
        let resp = get(&r, path, &[NAVIGATE]).await;
        assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(header(&resp, "location"), to, "{path}");
    }
    let resp = get(&r, "/elsewhere", &[NAVIGATE]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    // The API stays at the root.
    let resp = get(&r, "/healthz", &[]).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[test]
fn a_folder_without_a_build_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("site-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = Config::parse_from([
        "audit-proxy",
        "--demo",
        "--app",
        dir.to_str().expect("utf-8"),
    ]);
    let err = audit_proxy::service(&config)
        .expect_err("refused")
        .to_string();
    assert!(err.contains("no index.html"), "{err}");
}
