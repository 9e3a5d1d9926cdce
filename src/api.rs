//! The one place that knows the API's URLs and talks to it. Every call goes to the configured
//! proxy, with the credentials in the `Authorization` header, never in the URL.

use audit_model::{ApiErrorBody, AuditEvent, EventQuery, EventTypesResponse, EventsPage};
use base64::Engine;
use gloo_net::http::{Method, RequestBuilder};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use web_sys::AbortSignal;

use crate::browser::sleep_ms;

/// What stays as it is when an event id is put in a path segment, of the API's URL or the app's:
/// RFC 3986's unreserved characters. Everything else (`/`, `?`, `#`, `%`, spaces, …) is
/// percent-encoded.
pub const ID_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The API path of one event, `/beta/audit/events/{id}`.
pub fn event_api_path(id: &str) -> String {
    format!(
        "{}/{}",
        audit_model::EVENTS_PATH,
        utf8_percent_encode(id, ID_SEGMENT)
    )
}

/// The one bounded, ordered reader of pages (and counts): asks for each of `jobs` through `ask`,
/// at most `in_flight` at a time, and yields the answers in the jobs' order (`futures`'
/// `buffered`). A reader stops at the first error; aborting the signal its `ask` passes on ends
/// every request in flight. Export, counts, the security overview, and the local copy's read and
/// catch-up all read through it.
pub fn in_order<J, T, Fut>(
    jobs: impl IntoIterator<Item = J>,
    in_flight: usize,
    ask: impl FnMut(J) -> Fut,
) -> impl futures_util::Stream<Item = Result<T, ApiError>>
where
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    use futures_util::StreamExt;
    futures_util::stream::iter(jobs)
        .map(ask)
        .buffered(in_flight.max(1))
}

/// How often a 429 or 503 is retried before the error is shown.
pub const MAX_RETRIES: u32 = 3;
/// Longest wait honoured from a `Retry-After` header, in seconds.
pub const MAX_RETRY_AFTER_SECS: u32 = 30;
/// Longest a single request may take in the browser by default (the proxy's own bound is 30 s);
/// config.json's `request_timeout_secs` changes it.
pub const REQUEST_TIMEOUT_MS: u32 = 40_000;

/// An API key and secret.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    /// The API key (not secret; shown in the UI).
    pub key: String,
    /// The API secret.
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches a log line, not even a debug print.
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("secret", &"***")
            .finish()
    }
}

impl Credentials {
    /// The HTTP Basic `Authorization` header value.
    pub fn authorization(&self) -> String {
        let raw = format!("{}:{}", self.key, self.secret);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

/// Where the API is and who is calling it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// Proxy base URL, without a trailing slash, e.g. `http://127.0.0.1:8787`.
    pub base: String,
    /// The signed-in account.
    pub credentials: Credentials,
    /// Longest one request may take before it is aborted as [`ApiError::Timeout`].
    pub timeout_ms: u32,
    /// Told of every answer the API gave these credentials (2xx): the first confirms a sign-in,
    /// and says whether the server is an archive.
    pub on_accepted: Option<OnAccepted>,
}

/// What an answer that accepted the credentials said besides its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// It carried an archive's mark ([`audit_model::archive::MARK_HEADER`]).
    pub archive: bool,
}

/// A callback for answers that accepted the credentials. Clients compare equal whatever it is.
#[derive(Clone)]
pub struct OnAccepted(pub std::sync::Arc<dyn Fn(Accepted) + Send + Sync>);

impl PartialEq for OnAccepted {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for OnAccepted {}

impl std::fmt::Debug for OnAccepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnAccepted")
    }
}

/// What went wrong with a call, in terms a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No HTTP answer: the proxy is down, the URL is wrong, or CORS refused the answer.
    #[error("Could not reach the proxy at {url}. Check that it is running and that the API URL in Settings is right (a browser also reports this when the proxy refuses this page's origin).")]
    Unreachable {
        /// The proxy base URL.
        url: String,
    },
    /// An HTTP error status with the API's (or proxy's) explanation.
    #[error("{}", http_message(*status, body))]
    Http {
        /// The status code.
        status: u16,
        /// The decoded error body.
        body: ApiErrorBody,
    },
    /// The answer was not the JSON the API defines.
    #[error("The proxy answered with something that is not an Audit API response ({0}). Check the API URL in Settings, then retry.")]
    Malformed(String),
    /// The answer started but the connection broke before it ended.
    #[error("The connection to the proxy at {url} broke before the answer was complete. Retry.")]
    Interrupted {
        /// The proxy base URL.
        url: String,
    },
    /// No answer within the client's timeout ([`REQUEST_TIMEOUT_MS`] unless configured).
    #[error("The proxy at {url} did not answer in time. Retry; if it keeps happening, narrow the filters or check the proxy.")]
    Timeout {
        /// The proxy base URL.
        url: String,
    },
    /// The query (from the address or the form) breaks the API's limits: the app refuses it
    /// itself and sends nothing.
    #[error("This address asks for something the Audit API does not allow: {0}. Change the filters, or reset them.")]
    InvalidQuery(String),
    /// Exact qualifiers asked of a range the tab does not hold (above the bound, or its read
    /// failed): the API cannot answer them, so nothing is sent.
    #[error("Exact qualifiers (type:, user:, ip:, country:, source:, id:, context.…:) are answered from the events held in this tab, and this range is not held (the line under the filters says why). Narrow the dates so it can be, or search with plain text.")]
    NeedsLocalCopy,
    /// A detail address whose id cannot be an Audit API event id.
    #[error("“{0}” is not an event id: the Audit API's event ids are UUIDs such as aaaaaaaa-bbbb-cccc-dddd-0123456789ab. Open the event from the list.")]
    NotAnEventId(String),
    /// The file open offline holds no event with this id (no request was made: not an HTTP 404).
    #[error("The file “{file}” holds no event with the id “{id}”. Open the event from the list, or open the file that holds it.")]
    NotInFile {
        /// The id asked for.
        id: String,
        /// The file's name.
        file: String,
    },
    /// A file the user opened could not be read by the browser.
    #[error("“{0}” could not be read by the browser. Check that the file is still there and readable, and open it again.")]
    FileUnreadable(String),
    /// The request was cancelled because a newer one replaced it.
    #[error("cancelled")]
    Aborted,
}

fn http_message(status: u16, body: &ApiErrorBody) -> String {
    let detail = body.text();
    match status {
        400 => format!("The API refused these filters: {detail}. Change them and apply again."),
        401 => format!("The API key or secret was rejected ({detail}). Sign in again."),
        403 => format!(
            "This account may not read audit events ({detail}). Check the key's permissions."
        ),
        404 => format!("Not found: {detail}."),
        429 => format!("The API is rate-limiting requests ({detail}). Wait, then retry."),
        502..=504 => format!(
            "The proxy could not get an answer from the Audit API ({detail}). Retry in a moment."
        ),
        _ => format!(
            "The API answered with an error (HTTP {status}: {detail}). Retry, or check the proxy."
        ),
    }
}

/// A query the API would refuse (the app checks it first, and sends nothing).
impl From<audit_model::QueryError> for ApiError {
    fn from(e: audit_model::QueryError) -> Self {
        ApiError::InvalidQuery(e.to_string())
    }
}

impl ApiError {
    /// The HTTP status, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying the same request again may help (a passing fault), so Retry is offered.
    pub fn retryable(&self) -> bool {
        match self {
            ApiError::Unreachable { .. }
            | ApiError::Malformed(_)
            | ApiError::Interrupted { .. }
            | ApiError::Timeout { .. } => true,
            // 403: once the key's permissions are fixed, the same request succeeds.
            ApiError::Http { status, .. } => matches!(status, 403 | 408 | 429 | 500..=599),
            ApiError::InvalidQuery(_)
            | ApiError::NeedsLocalCopy
            | ApiError::NotAnEventId(_)
            | ApiError::FileUnreadable(_)
            | ApiError::NotInFile { .. }
            | ApiError::Aborted => false,
        }
    }

    /// Whether signing in again is the remedy.
    pub fn needs_sign_in(&self) -> bool {
        self.status() == Some(401)
    }

    /// Whether this answer to the first requests of a sign-in means the sign-in did not work:
    /// the credentials were refused, or the proxy could not be used with them (unreachable,
    /// too slow, blocking, failing, or not a proxy). Errors about what was asked (a bad filter,
    /// an id not found) say nothing about the credentials.
    pub fn refuses_sign_in(&self) -> bool {
        match self {
            ApiError::Unreachable { .. }
            | ApiError::Malformed(_)
            | ApiError::Interrupted { .. }
            | ApiError::Timeout { .. } => true,
            ApiError::Http { status, .. } => matches!(status, 401 | 403 | 408 | 429 | 500..=599),
            _ => false,
        }
    }

    /// What the sign-in form says about this error.
    pub fn sign_in_message(&self) -> String {
        match self {
            ApiError::Http {
                status: 401, body, ..
            } => format!(
                "The API key or secret was rejected. Check them and try again. ({})",
                body.text()
            ),
            other => other.to_string(),
        }
    }
}

/// Decodes a `Retry-After` value: delay-seconds, or an HTTP date (RFC 9110 §10.2.3, in any of its
/// three forms) counted from `now_ms`, milliseconds since the Unix epoch. A date already past or an
/// unreadable value means 1 s; the wait is capped at [`MAX_RETRY_AFTER_SECS`].
pub fn retry_after_secs(value: Option<&str>, now_ms: f64) -> u32 {
    requested_secs(value, now_ms)
        .unwrap_or(1)
        .clamp(1, u64::from(MAX_RETRY_AFTER_SECS)) as u32
}

/// The wait a `Retry-After` value asks for, uncapped; `None` when it cannot be read.
fn requested_secs(value: Option<&str>, now_ms: f64) -> Option<u64> {
    audit_model::time::retry_after_secs(value?, now_ms as i64)
}

/// Wait before retry number `attempt` (0-based): Retry-After when given, else 1 s, 2 s, 4 s.
/// `None` when the answer asks for a longer wait than [`MAX_RETRY_AFTER_SECS`] (a proxy that has
/// blocked this address for minutes): the error is shown at once, with its message, rather than
/// after retries that cannot succeed.
pub fn backoff_ms(attempt: u32, retry_after: Option<&str>, now_ms: f64) -> Option<u32> {
    match retry_after {
        Some(v)
            if requested_secs(Some(v), now_ms)
                .is_some_and(|s| s > u64::from(MAX_RETRY_AFTER_SECS)) =>
        {
            None
        }
        Some(v) => Some(retry_after_secs(Some(v), now_ms) * 1000),
        None => Some(1000 << attempt.min(4)),
    }
}

impl Client {
    /// A client for `base` with the default request timeout.
    pub fn new(base: String, credentials: Credentials) -> Client {
        Client {
            base,
            credentials,
            timeout_ms: REQUEST_TIMEOUT_MS,
            on_accepted: None,
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base, path_and_query)
    }

    /// Sends one request, retrying 429 and 503 a bounded number of times, and decodes the JSON
    /// (`None` for an empty answer).
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<Option<T>, ApiError> {
        match self.send_text(method, path_and_query, signal).await? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ApiError::Malformed(e.to_string())),
        }
    }

    /// [`send`](Self::send)'s request and retries, once in the wasm for every answer's type:
    /// the answer's text, `None` when it is empty.
    async fn send_text(
        &self,
        method: Method,
        path_and_query: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<Option<String>, ApiError> {
        let url = self.url(path_and_query);
        let mut attempt = 0;
        // Why a request failed: the caller gave up, the time ran out, or the other thing.
        let failed = |timer: &AbortSignal, otherwise: ApiError| {
            if signal.is_some_and(AbortSignal::aborted) {
                ApiError::Aborted
            } else if timer.aborted() {
                ApiError::Timeout {
                    url: self.base.clone(),
                }
            } else {
                otherwise
            }
        };
        loop {
            // Each attempt is bounded by the timeout, besides the caller's own abort.
            let timer = AbortSignal::timeout_with_u32(self.timeout_ms);
            let bounded = match signal {
                Some(s) => AbortSignal::any(&js_sys::Array::of2(s, &timer)),
                None => timer.clone(),
            };
            // The first attempt may have been sent by boot.js before the app started; either
            // way boot.js notes it, for the next load of the page ([`crate::early`]).
            let early = (attempt == 0)
                .then(|| {
                    let method = if method == Method::OPTIONS {
                        "OPTIONS"
                    } else {
                        "GET"
                    };
                    crate::early::take(method, &url, &self.credentials.key, &bounded)
                })
                .flatten();
            let response = match early {
                Some(answer) => wasm_bindgen_futures::JsFuture::from(answer)
                    .await
                    .and_then(wasm_bindgen::JsCast::dyn_into::<web_sys::Response>)
                    .map(gloo_net::http::Response::from)
                    .map_err(drop),
                None => RequestBuilder::new(&url)
                    .method(method.clone())
                    .header("Authorization", &self.credentials.authorization())
                    .header("Accept", "application/json")
                    .abort_signal(Some(&bounded))
                    .send()
                    .await
                    .map_err(drop),
            };
            let response = match response {
                Ok(r) => r,
                Err(()) => {
                    return Err(failed(
                        &timer,
                        ApiError::Unreachable {
                            url: self.base.clone(),
                        },
                    ))
                }
            };
            let status = response.status();
            let retry_after = response.headers().get("retry-after");
            let archive = response
                .headers()
                .get(audit_model::archive::MARK_HEADER)
                .is_some();
            let text = match response.text().await {
                Ok(t) => t,
                Err(_) => {
                    return Err(failed(
                        &timer,
                        ApiError::Interrupted {
                            url: self.base.clone(),
                        },
                    ))
                }
            };
            let wait = backoff_ms(attempt, retry_after.as_deref(), js_sys::Date::now());
            if let (true, Some(wait)) = (matches!(status, 429 | 503) && attempt < MAX_RETRIES, wait)
            {
                sleep_ms(wait).await;
                if signal.is_some_and(AbortSignal::aborted) {
                    return Err(ApiError::Aborted);
                }
                attempt += 1;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(ApiError::Http {
                    status,
                    body: ApiErrorBody::from_response(status, text.as_bytes()),
                });
            }
            // A 204 without an archive's mark may be the proxy's own "not an archive", which
            // asked no one: it says nothing of the credentials.
            if let (Some(OnAccepted(accepted)), true) =
                (&self.on_accepted, status != 204 || archive)
            {
                accepted(Accepted { archive });
            }
            if status == 204 || text.trim().is_empty() {
                return Ok(None);
            }
            return Ok(Some(text));
        }
    }

    /// `OPTIONS /beta/audit/events`: the event types. A 204 means an empty list.
    pub async fn event_types(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<EventTypesResponse, ApiError> {
        let body = self
            .send::<EventTypesResponse>(Method::OPTIONS, audit_model::EVENTS_PATH, signal)
            .await?;
        Ok(body.unwrap_or_default())
    }

    /// The list's path: the API's parameters, and `where=` when the query carries qualifiers
    /// (only an archive is asked for those; see [`crate::archive`]).
    fn page_path(query: &EventQuery) -> String {
        format!(
            "{}?{}",
            audit_model::EVENTS_PATH,
            query.to_archive_query_string()
        )
    }

    /// The URL [`page`](Self::page) requests for `query`.
    pub fn page_url(&self, query: &EventQuery) -> String {
        self.url(&Self::page_path(query))
    }

    /// `GET /beta/audit/events?…`: one page of events.
    pub async fn page(
        &self,
        query: &EventQuery,
        signal: Option<&AbortSignal>,
    ) -> Result<EventsPage, ApiError> {
        let body = self
            .send::<EventsPage>(Method::GET, &Self::page_path(query), signal)
            .await?;
        body.ok_or_else(|| ApiError::Malformed("empty body".into()))
    }

    /// `GET /beta/audit/archive`: what an archive says it holds and answers; `None` when the
    /// server says there is no such thing (no content: audit-proxy in front of the API or the
    /// demo; a 404: the API itself, or another proxy in front of it).
    pub async fn archive_about(
        &self,
        signal: Option<&AbortSignal>,
    ) -> Result<Option<audit_model::archive::About>, ApiError> {
        match self
            .send::<audit_model::archive::About>(
                Method::GET,
                audit_model::archive::ABOUT_PATH,
                signal,
            )
            .await
        {
            // No content (audit-proxy's answer in front of the API) or a 404: the plain API.
            Err(ApiError::Http { status: 404, .. }) => Ok(None),
            told => told,
        }
    }

    /// `GET /beta/audit/archive/alerts`: an archive's newest `size` alerts.
    pub async fn alerts(
        &self,
        size: u32,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<audit_model::archive::Alert>, ApiError> {
        let path = format!("{}?size={size}", audit_model::archive::ALERTS_PATH);
        let body = self
            .send::<audit_model::archive::Alerts>(Method::GET, &path, signal)
            .await?;
        Ok(body.map(|b| b.alerts).unwrap_or_default())
    }

    /// `GET /beta/audit/archive/counts`: an archive's count of the events matching `q` per
    /// bucket of `cut` (only buckets holding events).
    pub async fn archive_counts(
        &self,
        q: &EventQuery,
        cut: &audit_model::archive::Cut,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<audit_model::archive::BucketCount>, ApiError> {
        let path = format!(
            "{}?{}",
            audit_model::archive::COUNTS_PATH,
            audit_model::archive::counts_query(q, cut)
        );
        let body = self
            .send::<audit_model::archive::Counts>(Method::GET, &path, signal)
            .await?;
        Ok(body.map(|b| b.buckets).unwrap_or_default())
    }

    /// `GET /beta/audit/archive/facets`: an archive's facets of the events matching `q`, with
    /// `top` values each.
    pub async fn archive_facets(
        &self,
        q: &EventQuery,
        top: usize,
        signal: Option<&AbortSignal>,
    ) -> Result<Vec<audit_model::facets::Facet>, ApiError> {
        let path = format!(
            "{}?{}",
            audit_model::archive::FACETS_PATH,
            audit_model::archive::facets_query(q, top)
        );
        let body = self
            .send::<audit_model::archive::Facets>(Method::GET, &path, signal)
            .await?;
        Ok(body.map(|b| b.facets).unwrap_or_default())
    }

    /// `GET /beta/audit/archive/related`: what an archive says around the event `id`, over
    /// its whole history.
    pub async fn archive_related(
        &self,
        id: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<audit_model::related::Related, ApiError> {
        let path = format!(
            "{}?{}",
            audit_model::archive::RELATED_PATH,
            audit_model::archive::related_query(id)
        );
        let body = self
            .send::<audit_model::related::Related>(Method::GET, &path, signal)
            .await?;
        body.ok_or_else(|| ApiError::Malformed("empty body".into()))
    }

    /// `GET /beta/audit/events/{id}`: one event.
    pub async fn event(
        &self,
        id: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<AuditEvent, ApiError> {
        let path = event_api_path(id);
        let body = self.send::<AuditEvent>(Method::GET, &path, signal).await?;
        body.ok_or_else(|| ApiError::Malformed("empty body".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_reader_keeps_a_bound_and_the_jobs_order() {
        use futures_channel::oneshot;
        use futures_util::Stream;
        use std::cell::RefCell;
        use std::task::{Context, Poll};
        let senders = RefCell::new(Vec::new());
        let asked = RefCell::new(Vec::new());
        let reader = in_order(0..5u32, 2, |job| {
            let (tx, rx) = oneshot::channel::<Result<u32, ApiError>>();
            senders.borrow_mut().push(tx);
            asked.borrow_mut().push(job);
            async move { rx.await.unwrap_or(Err(ApiError::Aborted)) }
        });
        let mut reader = std::pin::pin!(reader);
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        let mut poll = || match reader.as_mut().poll_next(&mut cx) {
            Poll::Ready(item) => Some(item.map(|r| r.map_err(|e| e.to_string()))),
            Poll::Pending => None,
        };
        assert_eq!(poll(), None);
        assert_eq!(*asked.borrow(), [0, 1], "no more than two in flight");
        // The second answer first: nothing is handed on before the first.
        let send = |i: usize, v: Result<u32, ApiError>| {
            let tx = std::mem::replace(&mut senders.borrow_mut()[i], oneshot::channel().0);
            tx.send(v).ok();
        };
        send(1, Ok(11));
        assert_eq!(poll(), None);
        assert_eq!(
            asked.borrow().len(),
            2,
            "a finished answer still holds its place"
        );
        send(0, Ok(10));
        assert_eq!(poll(), Some(Some(Ok(10))));
        assert_eq!(poll(), Some(Some(Ok(11))));
        // Asked as places free up: job 2 when the first answer was handed on.
        assert_eq!(*asked.borrow(), [0, 1, 2]);
        send(2, Err(ApiError::Aborted));
        assert!(matches!(poll(), Some(Some(Err(_)))));
        assert_eq!(*asked.borrow(), [0, 1, 2, 3]);
    }

    #[test]
    fn basic_header_and_debug_hides_the_secret() {
        let c = Credentials {
            key: "demo".into(),
            secret: "demo".into(),
        };
        assert_eq!(c.authorization(), "Basic ZGVtbzpkZW1v");
        let c = Credentials {
            key: "k".into(),
            secret: "s3cret".into(),
        };
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(format!("{c:?}").contains("***"));
    }

    #[test]
    fn retry_waits() {
        // 2015-10-21T07:28:00Z, in milliseconds.
        let now = 1_445_412_480_000.0;
        assert_eq!(backoff_ms(0, None, now), Some(1000));
        assert_eq!(backoff_ms(2, None, now), Some(4000));
        assert_eq!(backoff_ms(0, Some("3"), now), Some(3000));
        assert_eq!(backoff_ms(0, Some(" 12 "), now), Some(12_000));
        assert_eq!(backoff_ms(0, Some("30"), now), Some(30_000));
        // A proxy that blocked this address for ten minutes: no retry, the message at once.
        assert_eq!(backoff_ms(0, Some("600"), now), None);
        assert_eq!(backoff_ms(0, Some("soon"), now), Some(1000));
    }

    #[test]
    fn retry_after_as_an_http_date() {
        let now = 1_445_412_480_000.0; // Wed, 21 Oct 2015 07:28:00 GMT
                                       // IMF-fixdate, and the two obsolete forms RFC 9110 asks recipients to accept.
        assert_eq!(
            retry_after_secs(Some("Wed, 21 Oct 2015 07:28:20 GMT"), now),
            20
        );
        assert_eq!(
            retry_after_secs(Some("Wednesday, 21-Oct-15 07:28:07 GMT"), now),
            7
        );
        assert_eq!(retry_after_secs(Some("Wed Oct 21 07:28:05 2015"), now), 5);
        // Part of a second still to wait rounds up; a date past or now means the least wait.
        assert_eq!(
            retry_after_secs(Some("Wed, 21 Oct 2015 07:28:03 GMT"), now - 500.0),
            4
        );
        assert_eq!(
            retry_after_secs(Some("Wed, 21 Oct 2015 07:27:00 GMT"), now),
            1
        );
        // Far in the future: capped.
        assert_eq!(
            retry_after_secs(Some("Thu, 22 Oct 2015 07:28:00 GMT"), now),
            30
        );
    }

    #[test]
    fn retry_is_offered_only_where_it_can_help() {
        let http = |status| ApiError::Http {
            status,
            body: ApiErrorBody::from_response(status, b"{}"),
        };
        assert!(http(503).retryable() && http(429).retryable() && http(500).retryable());
        assert!(
            http(403).retryable(),
            "after the key's permissions are fixed"
        );
        assert!(!http(400).retryable() && !http(404).retryable() && !http(401).retryable());
        assert!(!ApiError::InvalidQuery("size".into()).retryable());
        assert!(!ApiError::NotAnEventId("x".into()).retryable());
        assert!(ApiError::Timeout { url: "u".into() }.retryable());
        let e = ApiError::InvalidQuery("page size must be a whole number from 1 to 100".into());
        assert!(
            !e.to_string().contains("refused"),
            "not dressed up as the API's answer"
        );
    }

    #[test]
    fn messages_say_what_to_do() {
        let e = ApiError::Http {
            status: 401,
            body: ApiErrorBody::from_response(401, b"{}"),
        };
        assert!(e.to_string().contains("Sign in again"));
        assert!(e.needs_sign_in());
        let e = ApiError::Unreachable {
            url: "http://127.0.0.1:9".into(),
        };
        assert!(e.to_string().contains("http://127.0.0.1:9"));
    }
}
