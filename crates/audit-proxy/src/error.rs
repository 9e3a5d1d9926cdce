//! The one error type of the proxy, answered as the Audit API's own error body.

use audit_model::ApiErrorBody;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Everything the proxy itself can answer with instead of a relayed response. Messages say what
/// happened and what to do, without internal detail (which goes to the log).
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// Not one of the relayed paths.
    #[error("not found: this proxy relays only /beta/audit/events and /beta/audit/events/{{id}}")]
    NotFound,
    /// A relayed path with the wrong method.
    #[error("method not allowed: use GET (or OPTIONS on /beta/audit/events for the event types)")]
    MethodNotAllowed,
    /// Query parameters that fail validation.
    #[error("{0}")]
    BadQuery(#[from] audit_model::QueryError),
    /// A per-client limit refused the call before it went anywhere.
    #[error("{0}")]
    Limited(audit_edge::Refusal),
    /// Too many requests in flight.
    #[error("the proxy is busy; retry in a moment")]
    Busy,
    /// Upstream did not answer in time.
    #[error("the Audit API did not answer within {0} s; try again")]
    UpstreamTimeout(u64),
    /// Upstream could not be reached or broke the exchange.
    #[error("the Audit API could not be reached from the proxy; try again, or check the proxy's --upstream")]
    UpstreamUnreachable,
    /// Upstream answer exceeds the configured cap.
    #[error("the Audit API's answer was larger than the proxy allows (--max-body-bytes)")]
    UpstreamTooLarge,
    /// The demo account's credentials check failed.
    #[error("Full authentication is required: use API key \"demo\" and secret \"demo\" for the demo account")]
    Unauthorized,
    /// No event with that id.
    #[error("Event with provided id: {0} was not found")]
    EventNotFound(String),
}

impl ProxyError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::NotFound | ProxyError::EventNotFound(_) => StatusCode::NOT_FOUND,
            ProxyError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProxyError::BadQuery(_) => StatusCode::BAD_REQUEST,
            ProxyError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ProxyError::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
            ProxyError::UpstreamTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::UpstreamUnreachable | ProxyError::UpstreamTooLarge => {
                StatusCode::BAD_GATEWAY
            }
            ProxyError::Unauthorized => StatusCode::UNAUTHORIZED,
        }
    }
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ApiErrorBody::new(
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error"),
            self.to_string(),
        );
        let mut resp = (status, Json(body)).into_response();
        match self {
            ProxyError::MethodNotAllowed => {
                resp.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, OPTIONS"));
            }
            ProxyError::Busy => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            ProxyError::Limited(refusal) => {
                resp.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(refusal.retry_after_secs()),
                );
            }
            _ => {}
        }
        resp
    }
}

impl From<audit_edge::Turned> for ProxyError {
    fn from(t: audit_edge::Turned) -> Self {
        match t {
            audit_edge::Turned::NotFound => ProxyError::NotFound,
            audit_edge::Turned::MethodNotAllowed => ProxyError::MethodNotAllowed,
            audit_edge::Turned::Limited(r) => ProxyError::Limited(r),
        }
    }
}
