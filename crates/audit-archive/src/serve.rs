//! Serving: the API's three calls answered from the archive, behind the edge the proxy uses
//! (connections, TLS, per-client limits, access log) and CORS by exact origin.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use audit_edge::calls::Call;
use audit_edge::front::{cors, split_options, CORS_VARY};
use audit_edge::RequestLimits;
use audit_model::{ApiErrorBody, EventQuery, EventTypesResponse};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use axum::{Json, Router};
use base64::Engine;
use sha2::Digest;
use subtle::ConstantTimeEq;

use crate::viewers::Viewers;
use tower::ServiceBuilder;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::store::{Archive, ReadError};

/// What the archive answers instead of an event or a page.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Not one of the API's paths.
    #[error("not found: the archive answers /beta/audit/events, /beta/audit/events/{{id}} and /beta/audit/archive")]
    NotFound,
    /// An API path with the wrong method.
    #[error("method not allowed: use GET (or OPTIONS on /beta/audit/events for the event types)")]
    MethodNotAllowed,
    /// No or wrong credentials.
    #[error("Full authentication is required: use the account's API key and secret")]
    Unauthorized,
    /// No event with that id.
    #[error("Event with provided id: {0} was not found")]
    EventNotFound(String),
    /// Parameters that fail validation.
    #[error("{0}")]
    BadQuery(#[from] audit_model::QueryError),
    /// A per-client limit refused the call.
    #[error("{0}")]
    Limited(audit_edge::Refusal),
    /// The database did not answer.
    #[error("the archive's database is not answering; try again in a moment")]
    Unavailable,
    /// The question ran past the request deadline (PostgreSQL ended it, or the edge did).
    #[error(
        "the question took longer than the archive's deadline; narrow its dates or search text"
    )]
    TooSlow,
}

impl ServeError {
    fn status(&self) -> StatusCode {
        match self {
            ServeError::NotFound | ServeError::EventNotFound(_) => StatusCode::NOT_FOUND,
            ServeError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ServeError::Unauthorized => StatusCode::UNAUTHORIZED,
            ServeError::BadQuery(_) => StatusCode::BAD_REQUEST,
            ServeError::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
            ServeError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ServeError::TooSlow => StatusCode::GATEWAY_TIMEOUT,
        }
    }
}

impl From<ReadError> for ServeError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Query(q) => ServeError::BadQuery(q),
            ReadError::Db(db) if db.timed_out() => ServeError::TooSlow,
            ReadError::Db(db) => {
                tracing::warn!("database: {db}");
                ServeError::Unavailable
            }
        }
    }
}

impl IntoResponse for ServeError {
    fn into_response(self) -> axum::response::Response {
        let status = self.status();
        let body = ApiErrorBody::new(
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error"),
            self.to_string(),
        );
        let mut resp = (status, Json(body)).into_response();
        let headers = resp.headers_mut();
        match &self {
            ServeError::MethodNotAllowed => {
                headers.insert(header::ALLOW, HeaderValue::from_static("GET, OPTIONS"));
            }
            ServeError::Unavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            ServeError::Limited(r) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(r.retry_after_secs()));
            }
            _ => {}
        }
        resp
    }
}

/// Who may read: the account's own key and secret (`key:secret`), and the read-only viewers of
/// `--viewers` (`name:password`).
#[derive(Clone)]
pub struct Credentials {
    account: Arc<[u8]>,
    viewers: Option<Arc<Viewers>>,
    /// SHA-256 of viewers' credentials that passed, and when: a password is checked once per
    /// [`VERIFIED_FOR`], not on every request of a page.
    verified: Arc<Mutex<HashMap<[u8; 32], Instant>>>,
}

/// How long a viewer's checked password is taken as checked.
const VERIFIED_FOR: Duration = Duration::from_secs(600);

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(…)")
    }
}

impl Credentials {
    /// The account's key and secret, and the viewers, if any.
    pub fn new(key: &str, secret: &str, viewers: Option<Viewers>) -> Self {
        Self {
            account: format!("{key}:{secret}").into_bytes().into(),
            viewers: viewers.map(Arc::new),
            verified: Arc::default(),
        }
    }

    /// Whether the request's HTTP Basic credentials are the account's (compared in constant
    /// time) or a viewer's (its Argon2 hash checked off the request's thread).
    async fn admit(&self, headers: &HeaderMap) -> bool {
        let Some((scheme, encoded)) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
        else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(given) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        if bool::from(given.as_slice().ct_eq(&self.account)) {
            return true;
        }
        let Some(viewers) = self.viewers.clone() else {
            return false;
        };
        let digest: [u8; 32] = sha2::Sha256::digest(&given).into();
        let now = Instant::now();
        {
            let verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
            if verified
                .get(&digest)
                .is_some_and(|at| now.duration_since(*at) < VERIFIED_FOR)
            {
                return true;
            }
        }
        let Ok(text) = String::from_utf8(given) else {
            return false;
        };
        let Some((name, password)) = text.split_once(':') else {
            return false;
        };
        let (name, password) = (name.to_string(), password.to_string());
        let ok = tokio::task::spawn_blocking(move || viewers.verify(&name, &password))
            .await
            .unwrap_or(false);
        if ok {
            let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
            if verified.len() >= 1000 {
                verified.retain(|_, at| now.duration_since(*at) < VERIFIED_FOR);
            }
            verified.insert(digest, now);
        }
        ok
    }
}

/// The handler's state.
#[derive(Debug, Clone)]
pub struct Served {
    archive: Archive,
    credentials: Credentials,
    limits: Arc<RequestLimits>,
    /// Links are written under this when the request names no usable host.
    base: Arc<str>,
    /// The watch's rules (none: no watch), and whether hits go to a webhook.
    watching: Arc<Watching>,
}

/// What the watch runs, as the announcement tells the app.
#[derive(Debug, Clone, Default)]
pub struct Watching {
    /// The rules loaded (none when the archive runs without `--rules`).
    pub rules: Vec<audit_model::archive::RuleInfo>,
    /// Whether hits are sent to a webhook.
    pub webhook: bool,
}

impl Served {
    /// Serving `archive` to holders of `credentials`, within the edge's per-client limits.
    pub fn new(
        archive: Archive,
        credentials: Credentials,
        limits: RequestLimits,
        base: String,
    ) -> Self {
        Self {
            archive,
            credentials,
            limits: Arc::new(limits),
            base: base.into(),
            watching: Arc::default(),
        }
    }

    /// The same, announcing the watch's rules and delivery.
    pub fn watching(mut self, watching: Watching) -> Self {
        self.watching = Arc::new(watching);
        self
    }
}

async fn handle(State(state): State<Served>, req: Request) -> axum::response::Response {
    let gated = match state.limits.gate(&req) {
        Ok(g) => g,
        Err(turned) => return ServeError::from(turned).into_response(),
    };
    // Only what the answer needs is taken from the request (a body is not shared across awaits).
    let admitted = state.credentials.admit(req.headers()).await;
    let base = audit_edge::front::request_base(gated.client.scheme, &req);
    let query = req.uri().query().unwrap_or("").to_string();
    drop(req);
    let resp = match answer(&state, gated.call, admitted, base, &query).await {
        Ok(resp) => resp,
        Err(e) => e.into_response(),
    };
    state.limits.settle(gated, resp.status());
    resp
}

impl From<audit_edge::Turned> for ServeError {
    fn from(t: audit_edge::Turned) -> Self {
        match t {
            audit_edge::Turned::NotFound => ServeError::NotFound,
            audit_edge::Turned::MethodNotAllowed => ServeError::MethodNotAllowed,
            audit_edge::Turned::Limited(r) => ServeError::Limited(r),
        }
    }
}

async fn answer(
    state: &Served,
    call: Call,
    admitted: bool,
    base: Option<String>,
    query: &str,
) -> Result<axum::response::Response, ServeError> {
    if !admitted {
        return Err(ServeError::Unauthorized);
    }
    let base = base.as_deref().unwrap_or(&state.base);
    let json = match call {
        Call::ListEvents => {
            // The API's parameters, and `where=`: the app's qualifiers, answered in SQL.
            let (q, _ignored) = EventQuery::parse_app(query)?;
            serde_json::to_vec(&state.archive.page(&q, base).await?)
        }
        Call::GetEvent(id) => {
            let id = id.hyphenated().to_string();
            match state.archive.event(&id, base).await? {
                Some(ev) => serde_json::to_vec(&ev),
                None => return Err(ServeError::EventNotFound(id)),
            }
        }
        Call::EventTypes => serde_json::to_vec(&EventTypesResponse {
            event_types: state.archive.event_types().await?,
        }),
        Call::ArchiveAbout => serde_json::to_vec(&about(state).await?),
        Call::ArchiveCounts => {
            let (q, cut) = audit_model::archive::counts_request(query)?;
            serde_json::to_vec(&audit_model::archive::Counts {
                buckets: state.archive.counts(&q, &cut).await?,
            })
        }
        Call::ArchiveFacets => {
            let (q, top) = audit_model::archive::facets_request(query)?;
            serde_json::to_vec(&state.archive.facets(&q, top).await?)
        }
        Call::ArchiveRelated => {
            let id = audit_model::archive::related_request(query)?;
            match state.archive.related(&id, base).await? {
                Some(related) => serde_json::to_vec(&related),
                None => return Err(ServeError::EventNotFound(id)),
            }
        }
        Call::ArchiveAlerts => {
            let size = audit_model::archive::alerts_size(query);
            let alerts = state
                .archive
                .alerts(i64::from(size), state.watching.webhook)
                .await
                .map_err(ReadError::from)?;
            serde_json::to_vec(&audit_model::archive::Alerts { alerts })
        }
    };
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json.unwrap_or_else(|_| b"{}".to_vec())))
        .unwrap_or_default())
}

/// The announcement: what is held, and what is answered beyond the API.
async fn about(state: &Served) -> Result<audit_model::archive::About, ServeError> {
    use audit_model::archive::{
        About, ANSWERS_ALERTS, ANSWERS_COUNTS, ANSWERS_FACETS, ANSWERS_RELATED, ANSWERS_WHERE,
    };
    let (events, oldest, newest, complete) = state
        .archive
        .held_summary()
        .await
        .map_err(ReadError::from)?;
    let mut answers: Vec<String> = [ANSWERS_WHERE, ANSWERS_COUNTS, ANSWERS_FACETS]
        .map(String::from)
        .to_vec();
    if !state.watching.rules.is_empty() {
        answers.push(ANSWERS_ALERTS.to_string());
    }
    // An event's relatives are found by their facet values: not until every event has them
    // (events held from before migration 7 get theirs in the background).
    if state.archive.pairs_ready().await.map_err(ReadError::from)? {
        answers.push(ANSWERS_RELATED.to_string());
    }
    Ok(About {
        events,
        oldest: oldest.map(audit_model::time::format_api),
        newest: newest.map(audit_model::time::format_api),
        complete,
        answers,
        rules: state.watching.rules.clone(),
    })
}

async fn health() -> axum::response::Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// The whole service: the API's calls, `/healthz`, CORS for `origins`, and the request
/// deadline; the edge adds the rest.
pub fn router(state: Served, origins: &[String], request_timeout: Duration) -> Router {
    let api = Router::new().fallback(handle).with_state(state);
    Router::new()
        .route("/healthz", axum::routing::get(health))
        .merge(api)
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([
                    header::AUTHORIZATION,
                    header::COOKIE,
                ]))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::GATEWAY_TIMEOUT,
                    request_timeout,
                ))
                .map_request(split_options)
                .layer(SetResponseHeaderLayer::appending(
                    header::VARY,
                    HeaderValue::from_static(CORS_VARY),
                ))
                .layer(cors(origins))
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::HeaderName::from_static(audit_model::archive::MARK_HEADER),
                    HeaderValue::from_static(audit_model::archive::MARK_VALUE),
                )),
        )
}

/// The service as the configuration describes it: `archive` served to holders of `account`'s
/// key and secret (and `viewers`), announcing `rules`, within the edge's limits, with links under `base` when a request names no
/// usable host.
pub fn app(
    config: &crate::config::Config,
    archive: Archive,
    account: &crate::config::AccountCredentials,
    viewers: Option<Viewers>,
    rules: Vec<audit_model::archive::RuleInfo>,
    base: String,
) -> Router {
    let served = Served::new(
        archive,
        Credentials::new(&account.key, &account.secret, viewers),
        RequestLimits::new(&config.edge),
        base,
    )
    .watching(Watching {
        rules,
        webhook: config.alert_webhook.is_some(),
    });
    router(served, &config.allow_origins, config.request_timeout())
}
