//! What every server answering the Audit API's calls shares at its front: CORS by exact origin
//! (with the event-types `OPTIONS` call told apart from a preflight), and the address a request
//! was sent to, for the absolute links the API writes.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Marks the real event-types call, which reaches the handler disguised as GET (see
/// [`split_options`]).
#[derive(Debug, Clone, Copy)]
pub struct EventTypesCall;

/// tower-http's CORS layer treats *every* OPTIONS request as a preflight. The Audit API uses
/// OPTIONS for a real call, so an OPTIONS without `Access-Control-Request-Method` is passed through
/// the CORS layer as a GET carrying a marker, which the handler turns back into the event-types
/// call. CORS headers are then added exactly as for any other actual request.
/// (A plain request map, not an async middleware: it needs no future of its own per request.)
pub fn split_options(mut req: Request) -> Request {
    if req.method() == Method::OPTIONS
        && !req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        req.extensions_mut().insert(EventTypesCall);
        *req.method_mut() = Method::GET;
    }
    req
}

/// Which of the API's calls a request is, once through [`split_options`] and the CORS layer.
pub fn call_of<B>(
    req: &axum::http::Request<B>,
) -> Result<crate::calls::Call, crate::calls::Reject> {
    let method = if req.extensions().get::<EventTypesCall>().is_some() {
        &Method::OPTIONS
    } else {
        req.method()
    };
    crate::calls::classify(method, req.uri().path())
}

/// The CORS policy: exact origins only, never a wildcard, no credentials mode (the app sends
/// `Authorization` explicitly, which needs no cookies).
pub fn cors(origins: &[String]) -> CorsLayer {
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter(|o| o.as_str() != "*")
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(list))
        .allow_methods([Method::GET, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::ACCEPT])
        // Retry-After for the app's back-off; an archive's mark, so the app can tell it from
        // the plain API without asking ([`audit_model::archive::MARK_HEADER`]).
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static(audit_model::archive::MARK_HEADER),
        ])
        .max_age(Duration::from_secs(600))
        // The Vary header is set by `app` as one static value ([`CORS_VARY`]): tower-http would
        // join the names into a new header value for every answer.
        .vary(Vec::<header::HeaderName>::new())
}

/// What every answer varies with, as tower-http's CORS layer would say it: the origin and the
/// preflight's request headers.
pub const CORS_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

/// The address a request was sent to, for the links an answer writes: the scheme the browser used and the
/// host it named (HTTP/2's `:authority`, or `Host`). `None` when the host is missing or is not a
/// plain host name or address with an optional port (a forged Host must not write markup or a
/// path into the answer).
pub fn request_base<B>(scheme: &str, req: &axum::http::Request<B>) -> Option<String> {
    let host = match req.uri().authority() {
        Some(a) => a.as_str(),
        None => req.headers().get(axum::http::header::HOST)?.to_str().ok()?,
    };
    let plain = !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    plain.then(|| format!("{scheme}://{host}"))
}

#[cfg(test)]
mod base_tests {
    use super::request_base;

    fn req(uri: &str, host: Option<&str>) -> axum::http::Request<()> {
        let mut b = axum::http::Request::builder().uri(uri);
        if let Some(h) = host {
            b = b.header("host", h);
        }
        b.body(()).expect("request")
    }

    #[test]
    fn links_follow_the_address_the_browser_used() {
        assert_eq!(
            request_base(
                "https",
                &req("/beta/audit/events", Some("audit.example:8443"))
            )
            .as_deref(),
            Some("https://audit.example:8443")
        );
        // HTTP/2 names the host in the URI.
        assert_eq!(
            request_base("https", &req("https://[::1]:8443/beta/audit/events", None)).as_deref(),
            Some("https://[::1]:8443")
        );
        assert_eq!(request_base("http", &req("/x", None)), None);
        assert_eq!(request_base("http", &req("/x", Some("evil\"><b>"))), None);
        assert_eq!(request_base("http", &req("/x", Some("a/b"))), None);
    }
}
