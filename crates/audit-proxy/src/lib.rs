//! `audit-proxy`: relays the three Vonage Audit API calls to one upstream and adds CORS, or with
//! `--demo` answers them from a built-in synthetic account.
//!
//! How a request flows: the outer layers mark `Authorization` as sensitive (so tracing never
//! prints it), log, and tell a CORS preflight from the real `OPTIONS` event-types call; the CORS
//! layer answers preflights and grants only configured origins; the one handler classifies the
//! request ([`classify`]), validates and rebuilds its query, and hands it to the backend — the
//! upstream client ([`relay`]) or the demo account ([`demo`]).

pub mod classify;
pub mod config;
pub mod demo;
pub mod error;
pub mod faults;
pub mod relay;
pub mod site;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, TraceLayer};

use classify::{classify, Call, Reject};
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
}

impl AppState {
    /// State over a backend, with at most `max_concurrency` requests in flight.
    pub fn new(backend: Backend, max_concurrency: usize) -> Self {
        Self {
            backend,
            permits: Arc::new(Semaphore::new(max_concurrency.max(1))),
        }
    }
}

/// Marks the real event-types call, which reaches the handler disguised as GET (see
/// [`split_options`]).
#[derive(Debug, Clone, Copy)]
struct EventTypesCall;

/// tower-http's CORS layer treats *every* OPTIONS request as a preflight. The Audit API uses
/// OPTIONS for a real call, so an OPTIONS without `Access-Control-Request-Method` is passed through
/// the CORS layer as a GET carrying a marker, which the handler turns back into the event-types
/// call. CORS headers are then added exactly as for any other actual request.
/// (A plain request map, not an async middleware: it needs no future of its own per request.)
fn split_options(mut req: Request) -> Request {
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

async fn handle(State(state): State<AppState>, req: Request) -> Response<Body> {
    let method = if req.extensions().get::<EventTypesCall>().is_some() {
        Method::OPTIONS
    } else {
        req.method().clone()
    };
    let call = match classify(&method, req.uri().path()) {
        Ok(call) => call,
        Err(Reject::NotFound) => return ProxyError::NotFound.into_response(),
        Err(Reject::MethodNotAllowed) => return ProxyError::MethodNotAllowed.into_response(),
    };
    let Ok(_permit) = state.permits.try_acquire() else {
        return ProxyError::Busy.into_response();
    };
    match respond(&state.backend, call, req).await {
        Ok(resp) => resp,
        Err(e) => {
            tracing::debug!(status = %e.status(), "refused: {e}");
            e.into_response()
        }
    }
}

async fn respond(
    backend: &Backend,
    call: Call,
    req: Request,
) -> Result<Response<Body>, ProxyError> {
    // The query string sent on is rebuilt from validated parameters; unknown ones are dropped.
    let query = match call {
        Call::ListEvents => {
            let (q, ignored) = audit_model::EventQuery::parse(req.uri().query().unwrap_or(""))?;
            q.validate()?;
            if !ignored.is_empty() {
                tracing::debug!(?ignored, "dropped unknown query parameters");
            }
            q.to_query_string()
        }
        _ => String::new(),
    };
    match backend {
        Backend::Relay(upstream) => {
            let headers = relay::forwarded(req.headers());
            // Nothing of the incoming request is held while waiting for the upstream.
            drop(req);
            upstream.send(call, &query, headers).await
        }
        Backend::Demo(demo) => {
            let body = demo.answer(call, &query, req.headers())?;
            Ok(Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap_or_default())
        }
    }
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
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
        // The Vary header is set by `app` as one static value ([`CORS_VARY`]): tower-http would
        // join the names into a new header value for every answer.
        .vary(Vec::<header::HeaderName>::new())
}

/// What every answer varies with, as tower-http's CORS layer would say it: the origin and the
/// preflight's request headers.
pub const CORS_VARY: &str = "origin, access-control-request-method, access-control-request-headers";

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
            let (demo, seed) = (demo.clone(), config.demo_seed);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(every));
                tick.tick().await;
                for n in 0u64.. {
                    tick.tick().await;
                    demo.push(demo::live_event(seed, n, now_millis()));
                }
            });
        }
    }
    let state = AppState::new(backend.clone(), config.max_concurrency);
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

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// (for at most `grace`).
///
/// HTTP/1.1 only (a browser talks plain-HTTP/1.1 to a proxy without TLS), with the smallest read
/// buffer hyper allows, a timeout for slow request heads, and `TCP_NODELAY`, so that a thousand
/// idle keep-alive connections cost little memory and small answers leave at once.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()>,
    grace: Duration,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .max_buf_size(MAX_REQUEST_HEAD_BYTES)
        .keep_alive(true);
    accept_until(listener, shutdown, grace, |stream, peer, graceful| {
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    })
    .await;
}

/// Like [`serve`], over TLS: each connection's handshake (bounded to 10 s) picks HTTP/2 or
/// HTTP/1.1 by ALPN, and the connection is then served with that protocol.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    router: Router,
    acceptor: tokio_rustls::TlsAcceptor,
    shutdown: impl std::future::Future<Output = ()>,
    grace: Duration,
) {
    let mut http =
        hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
    http.http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .max_buf_size(MAX_REQUEST_HEAD_BYTES)
        .keep_alive(true);
    http.http2()
        .timer(hyper_util::rt::TokioTimer::new())
        .max_header_list_size(MAX_REQUEST_HEAD_BYTES as u32);
    let http = Arc::new(http);
    accept_until(listener, shutdown, grace, |stream, peer, graceful| {
        let (acceptor, router, http, watcher) = (
            acceptor.clone(),
            router.clone(),
            http.clone(),
            graceful.watcher(),
        );
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                .await
            {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(router);
            let conn = http.serve_connection(hyper_util::rt::TokioIo::new(tls), service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    })
    .await;
}

/// Accepts connections (with `TCP_NODELAY`) and hands each to `on_conn` until `shutdown`
/// resolves; then stops listening and lets the connections `on_conn` watched finish, for at
/// most `grace`.
async fn accept_until(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
    grace: Duration,
    mut on_conn: impl FnMut(
        tokio::net::TcpStream,
        std::net::SocketAddr,
        &hyper_util::server::graceful::GracefulShutdown,
    ),
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        on_conn(stream, peer, &graceful);
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {grace:?}; stopping anyway");
    }
}

/// The largest request head accepted (hyper's minimum buffer size): the three allowed calls need
/// far less, and every connection's read buffer is bounded by it.
pub const MAX_REQUEST_HEAD_BYTES: usize = 8192;

/// Builds the backend the configuration asks for.
pub fn backend(config: &Config) -> Result<Backend, Box<dyn std::error::Error + Send + Sync>> {
    if !config.demo {
        let upstream = Upstream::new(
            &config.upstream,
            config.upstream_timeout(),
            config.max_body_bytes,
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
