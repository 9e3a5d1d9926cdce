//! Accepting and serving connections: caps on connections in all and per client, one deadline
//! for the TLS handshake and the first request head, HTTP/2 or HTTP/1.1 chosen by ALPN, idle
//! keep-alive connections closed, HTTP/2 pings for dead peers, a client that stops reading
//! dropped after the send timeout, TCP keepalive, and one access-log line per request.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::time::{Instant, Sleep};

use crate::args::EdgeArgs;
use crate::client::{self, ClientInfo};
use crate::log::{log_path, param_names, Throttled};
use crate::tls::Tls;

/// The largest request head accepted (hyper's smallest read buffer): the calls served need far
/// less, and every connection's read buffer is bounded by it.
pub const MAX_REQUEST_HEAD_BYTES: usize = 8192;

/// How often an HTTP/2 connection pings a quiet peer, and how long it waits for the answer.
const H2_PING: Duration = Duration::from_secs(20);

/// File descriptors kept back from connections: the listener, the log, upstream connections
/// and files being served.
const FD_RESERVE: usize = 128;

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// (for at most `grace`). With `tls`, every connection is HTTPS and speaks HTTP/2 or HTTP/1.1 as
/// ALPN chose; without, HTTP/1.1 (browsers speak HTTP/2 only over TLS).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    args: &EdgeArgs,
    tls: Option<Tls>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let (stop_tx, stop_rx) = watch::channel(false);
    let max_total = effective_max_connections(args.max_connections, open_file_limit());
    if max_total < args.max_connections {
        tracing::info!(
            max_connections = max_total,
            "connections capped below --max-connections to fit the open-file limit"
        );
    }
    let shared = Arc::new(Shared {
        args: args.clone(),
        router,
        tls,
        conns: Arc::new(Conns::new(max_total, args.max_connections_per_client)),
        stop: stop_rx,
    });
    let accept_failed = Throttled::new(Duration::from_secs(10));
    let refused = Throttled::new(Duration::from_secs(10));
    let mut backoff = Duration::ZERO;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => {
                backoff = Duration::ZERO;
                a
            }
            Err(e) if is_transient(&e) => continue,
            Err(e) => {
                // Out of file descriptors or memory: pause accepting (new connections wait in
                // the kernel's queue) instead of spinning, longer each time it repeats.
                backoff = (backoff * 2).clamp(Duration::from_millis(10), Duration::from_secs(1));
                accept_failed.warn(|held| {
                    tracing::warn!(error = %e, pause = ?backoff, held_back = held, "accept failed; pausing");
                });
                tokio::select! {
                    () = tokio::time::sleep(backoff) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let ip = client::canonical(peer.ip());
        let counted = !client::is_trusted(args, ip);
        match shared.conns.admit(client::key(ip), counted) {
            Ok(guard) => {
                tokio::spawn(connection(stream, peer, shared.clone(), guard));
            }
            Err(full) => {
                drop(stream);
                refused.warn(|held| {
                    tracing::warn!(
                        client = %ip,
                        limit = full.limit,
                        held_back = held,
                        "connection refused: {}",
                        full.what
                    );
                });
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    if tokio::time::timeout(grace, shared.conns.all_closed())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {grace:?}; stopping anyway");
    }
}

/// Accept errors that concern one connection only (it was reset before it was accepted).
fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// What every connection task shares.
struct Shared {
    args: EdgeArgs,
    router: Router,
    tls: Option<Tls>,
    conns: Arc<Conns>,
    stop: watch::Receiver<bool>,
}

/// Connections open, in all and per client key.
struct Conns {
    max_total: usize,
    per_client: usize,
    total: AtomicUsize,
    by_client: Mutex<HashMap<IpAddr, usize>>,
    closed: Notify,
}

/// Why a connection was not taken.
struct Full {
    what: &'static str,
    limit: usize,
}

impl Conns {
    fn new(max_total: usize, per_client: usize) -> Self {
        Self {
            max_total,
            // Never more than half of all: one address can never take every place.
            per_client: per_client.min(max_total / 2).max(1),
            total: AtomicUsize::new(0),
            by_client: Mutex::default(),
            closed: Notify::new(),
        }
    }

    fn admit(self: &Arc<Self>, key: IpAddr, counted: bool) -> Result<ConnGuard, Full> {
        if self.total.load(Ordering::Relaxed) >= self.max_total {
            return Err(Full {
                what: "the server has --max-connections open",
                limit: self.max_total,
            });
        }
        if counted {
            let mut by = self.by_client.lock().unwrap_or_else(|e| e.into_inner());
            let n = by.entry(key).or_insert(0);
            if *n >= self.per_client {
                return Err(Full {
                    what: "this client has --max-connections-per-client open",
                    limit: self.per_client,
                });
            }
            *n += 1;
        }
        self.total.fetch_add(1, Ordering::Relaxed);
        Ok(ConnGuard {
            conns: self.clone(),
            key: counted.then_some(key),
        })
    }

    /// Resolves when no connection is open.
    async fn all_closed(&self) {
        loop {
            let notified = self.closed.notified();
            if self.total.load(Ordering::Acquire) == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// One open connection's place in [`Conns`], given back when the connection ends.
struct ConnGuard {
    conns: Arc<Conns>,
    key: Option<IpAddr>,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let mut by = self
                .conns
                .by_client
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(n) = by.get_mut(&key) {
                *n -= 1;
                if *n == 0 {
                    by.remove(&key);
                }
            }
        }
        if self.conns.total.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.conns.closed.notify_waiters();
        }
    }
}

/// `--max-connections`, lowered to fit the open-file limit with [`FD_RESERVE`] to spare.
fn effective_max_connections(asked: usize, open_files: Option<u64>) -> usize {
    let fit = open_files.map_or(usize::MAX, |n| {
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .saturating_sub(FD_RESERVE)
    });
    asked.min(fit).max(1)
}

/// The process's soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere
/// or when unlimited.
pub fn open_file_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// What a connection has in flight, and when it last had nothing.
struct Activity {
    started: AtomicBool,
    active: AtomicUsize,
    /// Milliseconds since the connection was accepted when its last answer was sent.
    last_ms: AtomicU64,
    born: Instant,
}

impl Activity {
    fn begin(self: &Arc<Self>) -> Busy {
        self.started.store(true, Ordering::Relaxed);
        self.active.fetch_add(1, Ordering::Relaxed);
        Busy(self.clone())
    }

    fn idle_since(&self) -> Option<Instant> {
        (self.active.load(Ordering::Relaxed) == 0)
            .then(|| self.born + Duration::from_millis(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// A request in flight on a connection, from its head until its answer's last byte is handed
/// to the socket.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let ms = self.0.born.elapsed().as_millis() as u64;
        self.0.last_ms.store(ms, Ordering::Relaxed);
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}

pin_project_lite::pin_project! {
    /// An answer's body that keeps its request counted as in flight until it is sent.
    pub struct Tracked {
        #[pin]
        inner: Body,
        busy: Option<Busy>,
    }
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = this.inner.poll_frame(cx);
        if matches!(frame, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            this.busy.take();
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

async fn connection(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, _place: ConnGuard) {
    let _ = stream.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive);
    let activity = Arc::new(Activity {
        started: AtomicBool::new(false),
        active: AtomicUsize::new(0),
        last_ms: AtomicU64::new(0),
        born: Instant::now(),
    });
    let first_deadline = activity.born + shared.args.header_timeout();
    let io = SendTimeout::new(stream, shared.args.send_timeout());
    let conn = Conn {
        peer,
        shared,
        activity,
        first_deadline,
    };
    match conn.shared.tls.as_ref().map(Tls::acceptor) {
        // Boxed: a plain connection's task then holds no TLS or HTTP/2 state, which keeps a
        // thousand idle connections small.
        Some(acceptor) => Box::pin(conn.serve_tls(acceptor, io)).await,
        None => conn.serve_h1(TokioIo::new(io), false).await,
    }
}

/// One accepted connection: who, what it shares with the others, and its deadlines.
struct Conn {
    peer: SocketAddr,
    shared: Arc<Shared>,
    activity: Arc<Activity>,
    first_deadline: Instant,
}

impl Conn {
    async fn serve_tls(self, acceptor: tokio_rustls::TlsAcceptor, io: SendTimeout<TcpStream>) {
        let peer = self.peer;
        let tls = match tokio::time::timeout_at(self.first_deadline, acceptor.accept(io)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "no TLS handshake within the header timeout; closed");
                return;
            }
        };
        if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
            Box::pin(self.serve_h2(TokioIo::new(tls))).await;
        } else {
            self.serve_h1(TokioIo::new(tls), true).await;
        }
    }

    /// The service hyper calls for each request on this connection.
    fn service(
        &self,
        tls: bool,
    ) -> impl hyper::service::Service<
        Request<Incoming>,
        Response = Response<Tracked>,
        Error = Infallible,
        Future = impl Future<Output = Result<Response<Tracked>, Infallible>> + Send,
    > + Clone {
        let (shared, activity, peer) = (self.shared.clone(), self.activity.clone(), self.peer);
        hyper::service::service_fn(move |req: Request<Incoming>| {
            let busy = activity.begin();
            answer(req, peer.ip(), tls, shared.clone(), busy)
        })
    }

    fn watch(&self) -> Watch<'_> {
        Watch {
            activity: &self.activity,
            first_deadline: self.first_deadline,
            idle: self.shared.args.idle_timeout(),
            drain: self.shared.args.send_timeout(),
            stop: self.shared.stop.clone(),
            peer: self.peer,
        }
    }

    async fn serve_h1<I>(self, io: I, tls: bool)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            // hyper runs this from the moment a connection waits for its next request head,
            // so it bounds both an idle keep-alive connection and a slow later head.
            .header_read_timeout(self.shared.args.idle_timeout())
            .max_buf_size(MAX_REQUEST_HEAD_BYTES)
            .keep_alive(true);
        let conn = http.serve_connection(io, self.service(tls));
        self.watch()
            .drive(conn, |c| {
                hyper::server::conn::http1::Connection::graceful_shutdown(c)
            })
            .await;
    }

    async fn serve_h2<I>(self, io: I)
    where
        I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let mut http = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        http.timer(TokioTimer::new())
            .max_concurrent_streams(self.shared.args.h2_max_streams)
            .keep_alive_interval(H2_PING)
            .keep_alive_timeout(H2_PING)
            .max_header_list_size(MAX_REQUEST_HEAD_BYTES as u32);
        let conn = http.serve_connection(io, self.service(true));
        self.watch()
            .drive(conn, |c| {
                hyper::server::conn::http2::Connection::graceful_shutdown(c)
            })
            .await;
    }
}

/// One request: who sent it, the router's answer, and the access-log line.
async fn answer(
    mut req: Request<Incoming>,
    peer: IpAddr,
    tls: bool,
    shared: Arc<Shared>,
    busy: Busy,
) -> Result<Response<Tracked>, Infallible> {
    let start = Instant::now();
    let client = client::resolve(peer, tls, req.headers(), &shared.args);
    req.extensions_mut().insert(client);
    // Copied out, not cloned: a clone would share the connection's read buffer and keep it
    // alive while the request waits, and hyper would then allocate a new one for the next read.
    let logged = tracing::enabled!(target: "access", tracing::Level::INFO).then(|| {
        (
            req.method().clone(),
            log_path(req.uri().path()).to_owned(),
            param_names(req.uri().query()),
        )
    });
    let mut router = shared.router.clone();
    let resp = match tower::Service::call(&mut router, req).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    if let Some((method, path, params)) = logged {
        access_line(&client, &method, &path, &params, &resp, start.elapsed());
    }
    Ok(resp.map(|inner| Tracked {
        inner,
        busy: Some(busy),
    }))
}

/// The access log's line: time (the subscriber's), client, method, path, parameter names (never
/// values), status, bytes and milliseconds to the answer's head. Never a header.
fn access_line(
    client: &ClientInfo,
    method: &axum::http::Method,
    path: &str,
    params: &str,
    resp: &Response<Body>,
    took: Duration,
) {
    let bytes = http_body::Body::size_hint(resp.body()).exact();
    tracing::info!(
        target: "access",
        client = %client.ip,
        method = %method,
        path = %path,
        params = %params,
        status = resp.status().as_u16(),
        bytes = %Counted(bytes),
        ms = %format_args!("{:.1}", took.as_secs_f64() * 1000.0),
    );
}

/// A byte count, or `-` when a streamed answer's length is not known in advance.
struct Counted(Option<u64>);

impl std::fmt::Display for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(n) => write!(f, "{n}"),
            None => f.write_str("-"),
        }
    }
}

/// The deadlines a connection is held to while hyper serves it.
struct Watch<'a> {
    activity: &'a Activity,
    first_deadline: Instant,
    idle: Duration,
    drain: Duration,
    stop: watch::Receiver<bool>,
    peer: SocketAddr,
}

impl Watch<'_> {
    /// Drives `conn` to its end, closing it when no request head came by the first deadline,
    /// closing it gracefully after the idle timeout or when the server stops, and dropping it
    /// when a graceful close has not finished within the drain time (a peer that reads nothing).
    async fn drive<C, E>(mut self, conn: C, graceful: fn(Pin<&mut C>))
    where
        C: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let mut conn = std::pin::pin!(conn);
        let mut draining: Option<Instant> = None;
        let mut stopping = *self.stop.borrow();
        loop {
            let wake = match draining {
                Some(since) => since + self.drain,
                None if !self.activity.started.load(Ordering::Relaxed) => self.first_deadline,
                None => match self.activity.idle_since() {
                    Some(since) => since + self.idle,
                    None => Instant::now() + self.idle,
                },
            };
            if stopping && draining.is_none() {
                graceful(conn.as_mut());
                draining = Some(Instant::now());
                continue;
            }
            tokio::select! {
                res = conn.as_mut() => {
                    if let Err(e) = res {
                        tracing::debug!(peer = %self.peer, error = %e, "connection ended with an error");
                    }
                    return;
                }
                () = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    if draining.is_some() {
                        tracing::debug!(peer = %self.peer, "connection still busy after the drain time; dropped");
                        return;
                    }
                    if !self.activity.started.load(Ordering::Relaxed) {
                        tracing::debug!(peer = %self.peer, "no request within the header timeout; closed");
                        return;
                    }
                    if self.activity.idle_since().is_some_and(|since| now >= since + self.idle) {
                        graceful(conn.as_mut());
                        draining = Some(now);
                    }
                }
                changed = self.stop.changed(), if !stopping => {
                    stopping = changed.is_err() || *self.stop.borrow();
                }
            }
        }
    }
}

/// A socket whose writes fail once they have waited `timeout` without progress: a client that
/// stops reading (a zero TCP window) cannot hold a connection, and its buffers, for ever.
pub struct SendTimeout<T> {
    inner: T,
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
    armed: bool,
}

impl<T> SendTimeout<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            armed: false,
        }
    }

    /// After a write that could not proceed: starts the clock, or fails when it has run out.
    fn stalled<R>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<R>> {
        if !self.armed {
            self.sleep.as_mut().reset(Instant::now() + self.timeout);
            self.armed = true;
        }
        match self.sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client took no data within the send timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn progressed<R>(
        &mut self,
        p: Poll<io::Result<R>>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<R>> {
        match p {
            Poll::Pending => self.stalled(cx),
            ready => {
                self.armed = false;
                ready
            }
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for SendTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for SendTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let p = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.progressed(p, cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let p = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.progressed(p, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let p = Pin::new(&mut self.inner).poll_flush(cx);
        self.progressed(p, cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let p = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.progressed(p, cx)
    }
}

/// Resolves at Ctrl-C or SIGTERM (systemd's stop), for a server's graceful shutdown.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_fit_the_open_file_limit() {
        assert_eq!(effective_max_connections(4096, Some(1024)), 896);
        assert_eq!(effective_max_connections(4096, Some(1_048_576)), 4096);
        assert_eq!(effective_max_connections(500, None), 500);
        assert_eq!(effective_max_connections(4096, Some(64)), 1);
    }

    #[test]
    fn the_open_file_limit_is_read() {
        if cfg!(target_os = "linux") {
            assert!(open_file_limit().is_some_and(|n| n > 0));
        }
    }

    #[tokio::test]
    async fn connections_are_capped_per_client_and_in_all() {
        let conns = Arc::new(Conns::new(4, 2));
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        let a1 = conns.admit(a, true).ok().expect("first");
        let _a2 = conns.admit(a, true).ok().expect("second");
        assert!(conns.admit(a, true).is_err(), "a third from one client");
        let b1 = conns.admit(b, true).ok().expect("another client");
        let _b2 = conns.admit(b, true).ok().expect("its second");
        let c: IpAddr = "192.0.2.3".parse().expect("ip");
        assert!(conns.admit(c, true).is_err(), "the total is reached");
        drop(a1);
        assert!(conns.admit(a, true).is_ok(), "a place given back");
        drop(b1);
        // A trusted proxy's connections count only towards the total.
        assert_eq!(Conns::new(4, 128).per_client, 2, "at most half of all");
        let t: IpAddr = "10.0.0.1".parse().expect("ip");
        let _t = conns.admit(t, false).ok().expect("trusted");
        assert_eq!(conns.by_client.lock().expect("lock").get(&t), None);
    }

    /// A writer that never accepts a byte: a client with a zero window.
    struct Stuck;
    impl AsyncWrite for Stuck {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Pending
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Pending
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_that_makes_no_progress_fails_after_the_send_timeout() {
        use tokio::io::AsyncWriteExt;
        let mut w = SendTimeout::new(Stuck, Duration::from_secs(30));
        let start = Instant::now();
        let err = w.write_all(b"answer").await.expect_err("times out");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }
}
