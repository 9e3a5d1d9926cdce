//! The floor of the crates audit-proxy is built on: a relay written straight on hyper's server
//! and hyper-util's pooled client, on one thread like audit-proxy, doing no more than passing
//! each GET to the upstream with its `Authorization` header and the answer back with a CORS
//! header. No routing, allow-list, validation, timeouts, tracing or limits: it is not a proxy
//! to run, it is the least CPU per request that hyper itself spends relaying. The benchmark
//! (`scripts/bench.sh`, section 4) measures it beside audit-proxy and nginx, so the share that
//! axum, reqwest and audit-proxy's own checks add, and the share no code above hyper can remove,
//! are both printed. Loopback only.
//!
//! `cargo run --release -p audit-proxy --example hyper_floor -- 127.0.0.1:9795 127.0.0.1:9797`

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

type Upstream = Client<HttpConnector, Full<Bytes>>;

async fn relay(
    client: Upstream,
    upstream: &'static str,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut out = Request::get(format!("http://{upstream}{path}"));
    if let Some(auth) = req.headers().get(AUTHORIZATION) {
        out = out.header(AUTHORIZATION, auth);
    }
    let answer = async {
        let resp = client.request(out.body(Full::default()).ok()?).await.ok()?;
        let status = resp.status();
        let content_type = resp.headers().get(CONTENT_TYPE).cloned();
        let body = resp.into_body().collect().await.ok()?.to_bytes();
        let mut r = Response::new(Full::new(body));
        *r.status_mut() = status;
        if let Some(ct) = content_type {
            r.headers_mut().insert(CONTENT_TYPE, ct);
        }
        Some(r)
    }
    .await;
    let mut r = answer.unwrap_or_else(|| {
        let mut r = Response::new(Full::default());
        *r.status_mut() = StatusCode::BAD_GATEWAY;
        r
    });
    r.headers_mut()
        .insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(r)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:9795".into());
    let upstream: &'static str = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:9797".into())
        .leak();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client: Upstream = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(64)
            .build(connector);
        let listener = tokio::net::TcpListener::bind(&listen).await.expect("bind");
        println!("hyper floor relay on http://{listen} to http://{upstream}");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let client = client.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req| relay(client.clone(), upstream, req));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
}
