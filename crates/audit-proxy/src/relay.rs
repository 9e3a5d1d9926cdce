//! Relaying the allowed calls to the one upstream.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, Uri};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::sync::Semaphore;

use crate::error::ProxyError;
use audit_edge::calls::Call;

/// Request headers passed upstream. Everything else (cookies, hop-by-hop, X-Forwarded-*, Host,
/// Origin) is dropped.
const FORWARDED_REQUEST: [header::HeaderName; 2] = [header::AUTHORIZATION, header::ACCEPT];
/// Response headers passed back. The status and body always are; no other upstream header is
/// copied (no Set-Cookie, no hop-by-hop, no WWW-Authenticate that would make a browser prompt).
const FORWARDED_RESPONSE: [header::HeaderName; 2] = [header::CONTENT_TYPE, header::RETRY_AFTER];

/// The request headers sent upstream ([`FORWARDED_REQUEST`]), copied into their own memory:
/// a header value shares the connection's read buffer, and a request waiting its turn for the
/// upstream would otherwise keep that whole buffer alive.
pub fn forwarded(headers: &HeaderMap) -> HeaderMap {
    // Room for the Host and User-Agent the relay adds, so the map is not grown (and copied) on
    // the way out (callgrind: about 2 of 71 thousand instructions a request).
    let mut out = HeaderMap::with_capacity(FORWARDED_REQUEST.len() + 2);
    for name in FORWARDED_REQUEST {
        if let Some(v) = headers.get(&name) {
            if let Ok(mut copy) = HeaderValue::from_bytes(v.as_bytes()) {
                copy.set_sensitive(v.is_sensitive());
                out.insert(name, copy);
            }
        }
    }
    out
}

/// Requests sent to the upstream at once.
const UPSTREAM_CONCURRENCY: usize = 16;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// The HTTP client to the upstream, built once so connections are pooled and reused.
///
/// hyper-util's pooled client with rustls (the ring provider and Mozilla's roots, as reqwest used
/// before): the relay needs one fixed request shape and no redirects, proxies or retries, and
/// reqwest's layers for those cost 4-5 µs of user time per request (a third of it).
#[derive(Debug, Clone)]
pub struct Upstream {
    client: Client<Connector, Empty<Bytes>>,
    /// Requests in flight to the upstream; the rest wait their turn, which bounds the number of
    /// upstream connections (and their buffers) however many clients are connected.
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
    /// Each client's share of those slots.
    shares: Arc<Shares>,
    /// `{scheme}://{authority}` and any path prefix of the base, then the events path: every
    /// call's URI is this, an optional `/{id}` and a rebuilt query.
    events: String,
    /// The base, when the upstream may be an archive (not Vonage's own API, which has no such
    /// paths): its extension calls ([`audit_model::archive`]) are relayed below it.
    archive: Option<String>,
    /// The Host header for every call, made once (the client would format it per request when
    /// the base names a port).
    host: HeaderValue,
    timeout: Duration,
    max_body: usize,
}

/// Whether `uri` is Vonage's own API (`*.nexmo.com`, `*.vonage.com`), which answers only the
/// API's calls: the archive's extension is never sent there.
fn is_vonage(uri: &Uri) -> bool {
    uri.host().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        ["nexmo.com", "vonage.com"]
            .iter()
            .any(|d| h == *d || h.ends_with(&format!(".{d}")))
    })
}

impl Upstream {
    /// Whether the upstream may be an archive: its extension calls and the app's `where=` are
    /// relayed to it (never to Vonage's own API).
    pub fn may_be_archive(&self) -> bool {
        self.archive.is_some()
    }

    /// A client for `base` (e.g. `https://api.nexmo.com`) that never follows redirects,
    /// trusting the usual web roots.
    pub fn new(
        base: &str,
        timeout: Duration,
        max_body: usize,
        per_client: usize,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Self::with_roots(base, timeout, max_body, per_client, roots)
    }

    /// As [`Upstream::new`], trusting only `roots` over HTTPS (a test's own authority).
    pub fn with_roots(
        base: &str,
        timeout: Duration,
        max_body: usize,
        per_client: usize,
        roots: rustls::RootCertStore,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let base = base.trim_end_matches('/');
        let uri: Uri = base.parse()?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
            return Err(format!("the upstream must be an http:// or https:// URL: {base}").into());
        }
        if uri.query().is_some() {
            return Err(format!("the upstream URL must not carry a query: {base}").into());
        }
        let host = host_header(&uri)?;
        let tls = rustls::ClientConfig::builder_with_provider(audit_edge::tls::provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .build(https);
        Ok(Self {
            client,
            in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(UPSTREAM_CONCURRENCY)),
            shares: Arc::new(Shares::new(per_client.clamp(1, UPSTREAM_CONCURRENCY))),
            events: format!("{base}{}", audit_model::EVENTS_PATH),
            archive: (!is_vonage(&uri)).then(|| base.to_string()),
            host,
            timeout,
            max_body,
        })
    }

    /// The upstream URI for a call: always the base, a fixed path and a query string that the
    /// caller rebuilt from validated parameters.
    pub fn url(&self, call: Call, query: &str) -> Result<Uri, ProxyError> {
        let mut url = match call {
            Call::GetEvent(id) => format!("{}/{}", self.events, id.hyphenated()),
            Call::ListEvents | Call::EventTypes => self.events.clone(),
            extension => {
                use audit_model::archive as a;
                let path = match extension {
                    Call::ArchiveAlerts => a::ALERTS_PATH,
                    Call::ArchiveCounts => a::COUNTS_PATH,
                    Call::ArchiveFacets => a::FACETS_PATH,
                    Call::ArchiveRelated => a::RELATED_PATH,
                    _ => a::ABOUT_PATH,
                };
                let base = self.archive.as_deref().ok_or(ProxyError::NotFound)?;
                format!("{base}{path}")
            }
        };
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url.parse().map_err(|_| ProxyError::UpstreamUnreachable)
    }

    /// Sends one allowed call with the headers [`forwarded`] picked, and relays the answer:
    /// status, JSON body and a few safe headers. The whole exchange, body included, is bounded
    /// by the upstream timeout, and the body by the size cap. `client` waits for its own share of
    /// the upstream slots first, so that one client cannot hold them all.
    pub async fn send(
        &self,
        call: Call,
        query: &str,
        headers: HeaderMap,
        client: std::net::IpAddr,
    ) -> Result<Response<Body>, ProxyError> {
        let method = match call {
            Call::EventTypes => Method::OPTIONS,
            _ => Method::GET,
        };
        let mut req = Request::new(Empty::new());
        *req.method_mut() = method;
        *req.uri_mut() = self.url(call, query)?;
        *req.headers_mut() = headers;
        req.headers_mut().insert(header::HOST, self.host.clone());
        req.headers_mut().insert(
            header::USER_AGENT,
            HeaderValue::from_static(concat!("audit-proxy/", env!("CARGO_PKG_VERSION"))),
        );
        let _share = self.shares.take(client).await;
        let _turn = self
            .in_flight
            .acquire()
            .await
            .map_err(|_| ProxyError::UpstreamUnreachable)?;
        match tokio::time::timeout(self.timeout, self.exchange(req)).await {
            Ok(answer) => answer,
            Err(_) => {
                tracing::warn!(timeout = ?self.timeout, "upstream request timed out");
                Err(ProxyError::UpstreamTimeout(self.timeout.as_secs()))
            }
        }
    }

    async fn exchange(&self, req: Request<Empty<Bytes>>) -> Result<Response<Body>, ProxyError> {
        let resp = self.client.request(req).await.map_err(|e| {
            // The error names the cause; the client gets neither it nor the URL.
            tracing::warn!(error = %e, "upstream request failed");
            ProxyError::UpstreamUnreachable
        })?;
        let declared = resp
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_body as u64) {
            return Err(ProxyError::UpstreamTooLarge);
        }
        let (parts, body) = resp.into_parts();
        // Room for the relayed headers and those the layers add (Vary, Cache-Control, CORS), so
        // the map is allocated once rather than grown on the way out.
        let mut headers = HeaderMap::with_capacity(8);
        for name in FORWARDED_RESPONSE {
            if let Some(v) = parts.headers.get(&name) {
                headers.insert(name, v.clone());
            }
        }
        // An archive's mark, so the app behind this proxy knows it too; never from Vonage.
        if self.archive.is_some() {
            if let Some(v) = parts.headers.get(audit_model::archive::MARK_HEADER) {
                headers.insert(audit_model::archive::MARK_HEADER, v.clone());
            }
        }
        // Read whole with a cap, so the body cannot grow without bound; a known length within
        // the cap lets the answer go out in one write and frees the upstream connection at once.
        let body = Limited::new(body, self.max_body)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    ProxyError::UpstreamTooLarge
                } else {
                    tracing::warn!(error = %e, "upstream body failed");
                    ProxyError::UpstreamUnreachable
                }
            })?
            .to_bytes();
        let mut out = Response::new(Body::from(body));
        *out.status_mut() = parts.status;
        *out.headers_mut() = headers;
        Ok(out)
    }
}

/// Each client's share of the upstream slots: a semaphore per client key, kept only while the
/// client has requests waiting or in flight.
#[derive(Debug)]
struct Shares {
    per_client: usize,
    by_client: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

/// A client's place in its share, given back (and its entry dropped when unused) on drop.
struct Share<'a> {
    shares: &'a Shares,
    client: IpAddr,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Shares {
    fn new(per_client: usize) -> Self {
        Self {
            per_client,
            by_client: Mutex::default(),
        }
    }

    async fn take(&self, client: IpAddr) -> Share<'_> {
        let sem = self
            .by_client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(client)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_client)))
            .clone();
        let mut share = Share {
            shares: self,
            client,
            permit: None,
        };
        // The semaphore is never closed, so acquiring cannot fail.
        share.permit = sem.acquire_owned().await.ok();
        share
    }
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut by = self
            .shares
            .by_client
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Clones are made only under this lock: one left means no one else waits or holds.
        if by
            .get(&self.client)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            by.remove(&self.client);
        }
    }
}

/// The Host header for an upstream URI: its host, and its port unless the scheme's default.
fn host_header(uri: &Uri) -> Result<HeaderValue, Box<dyn std::error::Error + Send + Sync>> {
    let host = uri.host().unwrap_or_default();
    let default_port = match uri.scheme_str() {
        Some("https") => 443,
        _ => 80,
    };
    let value = match uri.port_u16() {
        Some(port) if port != default_port => format!("{host}:{port}"),
        _ => host.to_string(),
    };
    Ok(HeaderValue::from_str(&value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_client_waits_for_its_own_share_and_others_do_not() {
        let shares = Shares::new(2);
        let (a, b): (IpAddr, IpAddr) = (
            "192.0.2.1".parse().expect("a"),
            "192.0.2.2".parse().expect("b"),
        );
        let a1 = shares.take(a).await;
        let _a2 = shares.take(a).await;
        let third = tokio::time::timeout(Duration::from_millis(50), shares.take(a)).await;
        assert!(third.is_err(), "a third request from one client waits");
        let _b1 = tokio::time::timeout(Duration::from_millis(50), shares.take(b))
            .await
            .expect("another client goes on");
        drop(a1);
        let _a3 = tokio::time::timeout(Duration::from_millis(50), shares.take(a))
            .await
            .expect("a place given back");
        drop((_a2, _a3, _b1));
        assert!(
            shares.by_client.lock().expect("lock").is_empty(),
            "unused entries are dropped"
        );
    }

    #[test]
    fn the_archive_extension_is_never_sent_to_vonage() {
        let archive = |base: &str| {
            Upstream::new(base, Duration::from_secs(1), 1024, 1)
                .expect("upstream")
                .may_be_archive()
        };
        assert!(!archive("https://api.nexmo.com"));
        assert!(!archive("https://API.Vonage.com/"));
        assert!(!archive("https://api-eu.vonage.com"));
        assert!(archive("http://127.0.0.1:8789"));
        assert!(archive("https://archive.example.com"));
        assert!(archive("https://notvonage.com"));
        let vonage = Upstream::new("https://api.nexmo.com", Duration::from_secs(1), 1024, 1)
            .expect("upstream");
        assert!(matches!(
            vonage.url(Call::ArchiveAbout, ""),
            Err(ProxyError::NotFound)
        ));
        let archive = Upstream::new(
            "http://127.0.0.1:8789/prefix",
            Duration::from_secs(1),
            1024,
            1,
        )
        .expect("upstream");
        assert_eq!(
            archive
                .url(Call::ArchiveAlerts, "size=5")
                .expect("url")
                .to_string(),
            "http://127.0.0.1:8789/prefix/beta/audit/archive/alerts?size=5"
        );
        assert_eq!(
            archive
                .url(Call::ArchiveCounts, "bucket_ms=60000")
                .expect("url")
                .to_string(),
            "http://127.0.0.1:8789/prefix/beta/audit/archive/counts?bucket_ms=60000"
        );
        assert_eq!(
            archive
                .url(Call::ArchiveRelated, "id=x")
                .expect("url")
                .to_string(),
            "http://127.0.0.1:8789/prefix/beta/audit/archive/related?id=x"
        );
        assert!(matches!(
            vonage.url(Call::ArchiveFacets, ""),
            Err(ProxyError::NotFound)
        ));
    }

    #[test]
    fn the_host_header_names_a_port_only_when_it_is_not_the_default() {
        let host = |u: &str| host_header(&u.parse().expect("uri")).expect("host");
        assert_eq!(host("https://api.nexmo.com"), "api.nexmo.com");
        assert_eq!(host("https://api.nexmo.com:443"), "api.nexmo.com");
        assert_eq!(host("http://127.0.0.1:80/base"), "127.0.0.1");
        assert_eq!(host("http://127.0.0.1:9797"), "127.0.0.1:9797");
        assert_eq!(host("https://localhost:8443"), "localhost:8443");
        assert_eq!(host("http://[::1]:9797"), "[::1]:9797");
    }
}
