//! `audit-proxy`: relays the three Vonage Audit API calls to one upstream and adds CORS, or with
//! `--demo` answers them from a built-in synthetic account.
//!
//! How a request flows: the outer layers mark `Authorization` as sensitive (so tracing never
//! prints it), log, and tell a CORS preflight from the real `OPTIONS` event-types call; the CORS
//! layer answers preflights and grants only configured origins; the one handler classifies the
//! request ([`classify`]), validates and rebuilds its query, and hands it to the backend — the
//! upstream client ([`relay`]) or the demo account ([`demo`]).

pub mod config;
pub mod demo;
pub mod error;
pub mod faults;
pub mod relay;
pub mod site;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, TraceLayer};

use audit_edge::calls::Call;
use audit_edge::front::{cors, split_options, CORS_VARY};
use audit_edge::{ClientInfo, RequestLimits};
use config::Config;
use demo::Demo;
use error::ProxyError;
pub use faults::Faults;
use relay::Upstream;

/// Where answers come from.
#[derive(Debug, Clone)]
pub enum Backend {
    /// The real API (shared: the handler's state is cloned for every request).
    Relay(Arc<Upstream>),
    /// The built-in demo account.
    Demo(Arc<Demo>),
}

/// Shared state of the handler.
#[derive(Debug, Clone)]
pub struct AppState {
    backend: Backend,
    permits: Arc<Semaphore>,
    limits: Arc<RequestLimits>,
}

impl AppState {
    /// State over a backend, with at most `max_concurrency` requests in flight and the edge's
    /// per-client limits on every API call.
    pub fn new(backend: Backend, max_concurrency: usize, limits: RequestLimits) -> Self {
        Self {
            backend,
            permits: Arc::new(Semaphore::new(max_concurrency.max(1))),
            limits: Arc::new(limits),
        }
    }
}

async fn handle(State(state): State<AppState>, req: Request) -> Response<Body> {
    let gated = match state.limits.gate(&req) {
        Ok(g) => g,
        Err(turned) => return ProxyError::from(turned).into_response(),
    };
    let Ok(_permit) = state.permits.try_acquire() else {
        return ProxyError::Busy.into_response();
    };
    let resp = match respond(&state.backend, gated.call, &gated.client, req).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::debug!(status = %e.status(), "refused: {e}");
            e.into_response()
        }
    };
    state.limits.settle(gated, resp.status());
    resp
}

async fn respond(
    backend: &Backend,
    call: Call,
    client: &ClientInfo,
    req: Request,
) -> Result<Response<Body>, ProxyError> {
    // The query string sent on is rebuilt from validated parameters; unknown ones are dropped.
    let to_archive = matches!(backend, Backend::Relay(u) if u.may_be_archive());
    let raw = req.uri().query().unwrap_or("");
    let query = match call {
        Call::ListEvents if to_archive => {
            // An archive also takes the app's qualifiers, rebuilt in canonical form.
            let (q, ignored) = audit_model::EventQuery::parse_app(raw)?;
            q.validate()?;
            if !ignored.is_empty() {
                tracing::debug!(?ignored, "dropped unknown query parameters");
            }
            q.to_archive_query_string()
        }
        Call::ListEvents => {
            let (q, ignored) = audit_model::EventQuery::parse(raw)?;
            q.validate()?;
            if !ignored.is_empty() {
                tracing::debug!(?ignored, "dropped unknown query parameters");
            }
            q.to_query_string()
        }
        Call::ArchiveAlerts => audit_model::archive::alerts_query(raw),
        Call::ArchiveCounts if to_archive => {
            let (q, cut) = audit_model::archive::counts_request(raw)?;
            audit_model::archive::counts_query(&q, &cut)
        }
        Call::ArchiveFacets if to_archive => {
            let (q, top) = audit_model::archive::facets_request(raw)?;
            audit_model::archive::facets_query(&q, top)
        }
        Call::ArchiveRelated if to_archive => {
            audit_model::archive::related_query(&audit_model::archive::related_request(raw)?)
        }
        _ => String::new(),
    };
    if matches!(call, Call::ArchiveAbout) && !to_archive {
        // "Not an archive", said without asking anyone (Vonage's API has no such path, the
        // demo is the API): no content, where a 404 would be an error in every browser
        // console. It says nothing of the credentials, and the app does not take it as
        // their acceptance.
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    match backend {
        Backend::Relay(upstream) => {
            let headers = relay::forwarded(req.headers());
            // Nothing of the incoming request is held while waiting for the upstream.
            drop(req);
            upstream.send(call, &query, headers, client.key()).await
        }
        Backend::Demo(demo) => {
            let base = audit_edge::front::request_base(client.scheme, &req);
            let body = demo.answer(call, &query, req.headers(), base.as_deref())?;
            Ok(Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap_or_default())
        }
    }
}

/// Liveness, answered locally.
async fn health() -> Response<Body> {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({"status": "ok"})),
    )
        .into_response()
}

/// The whole service: allow-list handler (behind the fault layer when faults are asked for),
/// `/healthz`, CORS, limits and logging.
pub fn app(state: AppState, config: &Config) -> Router {
    let mut api = Router::new().fallback(handle).with_state(state);
    if let Some(faults) = Faults::from_args(&config.faults) {
        api = api.layer(axum::middleware::from_fn_with_state(
            Arc::new(faults),
            faults::inject,
        ));
    }
    Router::new()
        .route("/healthz", axum::routing::get(health))
        .merge(api)
        .layer(
            ServiceBuilder::new()
                .layer(SetSensitiveRequestHeadersLayer::new([
                    header::AUTHORIZATION,
                    header::COOKIE,
                ]))
                // Headers go into the span at debug level; Authorization shows as "Sensitive".
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(DefaultMakeSpan::new().include_headers(true)),
                )
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::GATEWAY_TIMEOUT,
                    config.request_timeout(),
                ))
                .map_request(split_options)
                .layer(SetResponseHeaderLayer::appending(
                    header::VARY,
                    HeaderValue::from_static(CORS_VARY),
                ))
                .layer(cors(&config.allow_origins))
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store"),
                )),
        )
}

/// The whole proxy as the configuration describes it: backend, limits, faults and middleware.
pub fn service(
    config: &Config,
) -> Result<(Router, Backend), Box<dyn std::error::Error + Send + Sync>> {
    let backend = backend(config)?;
    if let (Backend::Demo(demo), every) = (&backend, config.demo_live_every_ms) {
        if every > 0 {
            let (demo, seed, max) = (demo.clone(), config.demo_seed, config.demo_live_max);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(every));
                tick.tick().await;
                for n in 0..max {
                    tick.tick().await;
                    demo.push(demo::live_event(seed, n, now_millis()));
                }
                tracing::info!(
                    added = max,
                    "the live demo has added --demo-live-max events and adds no more"
                );
            });
        }
    }
    let state = AppState::new(
        backend.clone(),
        config.max_concurrency,
        RequestLimits::new(&config.edge),
    );
    let api = app(state, config);
    let router = match &config.app {
        Some(dir) => with_site(
            api,
            &site::Site::new(dir, &config.public_url, config.tls())?,
        ),
        None => api,
    };
    let router = if config.tls() {
        // Over TLS, browsers are told to keep using it for this host.
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(site::HSTS),
        ))
    } else {
        router
    };
    Ok((router, backend))
}

/// Whether a path belongs to the API side (the relay's allow-list decides the rest): the Audit
/// API's paths and the health check. Everything else is the app's.
fn is_api_path(path: &str) -> bool {
    path == "/healthz" || path == "/beta" || path.starts_with("/beta/")
}

/// The API and the built app on one origin: API paths go to `api`, the rest to the site.
pub fn with_site(api: Router, site: &site::Site) -> Router {
    use tower::ServiceExt;
    let files = site.router();
    Router::new().fallback_service(tower::service_fn(move |req: Request| {
        let (api, files) = (api.clone(), files.clone());
        async move {
            if is_api_path(req.uri().path()) {
                api.oneshot(req).await
            } else {
                files.oneshot(req).await
            }
        }
    }))
}

/// Serves `router` on `listener` with the edge's connection handling and limits (see
/// `audit_edge`), over HTTPS when `tls` is given, until `shutdown` resolves; requests in flight
/// then have the request timeout to finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    config: &Config,
    tls: Option<audit_edge::Tls>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    audit_edge::serve(
        listener,
        router,
        &config.edge,
        tls,
        shutdown,
        config.request_timeout(),
    )
    .await;
}

/// The certificate and key the configuration names, read once (and again on
/// [`audit_edge::Tls::reload`]).
pub fn tls(config: &Config) -> Result<Option<audit_edge::Tls>, String> {
    match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => audit_edge::Tls::load(cert, key).map(Some),
        _ => Ok(None),
    }
}

/// Builds the backend the configuration asks for.
pub fn backend(config: &Config) -> Result<Backend, Box<dyn std::error::Error + Send + Sync>> {
    if !config.demo {
        let upstream = Upstream::new(
            &config.upstream,
            config.upstream_timeout(),
            config.max_body_bytes,
            config.upstream_per_client,
        )?;
        return Ok(Backend::Relay(Arc::new(upstream)));
    }
    let base = format!("http://{}", config.listen);
    let demo = match &config.demo_data {
        Some(path) => Demo::load(path, base)?,
        None => {
            let now = match &config.demo_now {
                Some(s) => audit_model::time::parse_api_timestamp(s)?,
                None => now_millis(),
            };
            let spec = demo::DemoSpec {
                seed: config.demo_seed,
                events: config.demo_events,
                now,
            };
            Demo::new(audit_model::EventStore::new(demo::generate(spec)), base)
        }
    };
    Ok(Backend::Demo(Arc::new(demo)))
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
