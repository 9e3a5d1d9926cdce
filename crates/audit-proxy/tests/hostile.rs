//! Hostile clients against the real binary over real sockets, as an exposed proxy meets them:
//! the proxy on 127.0.0.1 under a small open-file limit, an attacker at 127.0.0.2, a colleague
//! at 127.0.0.3 (both loopback addresses on Linux). Each test names the defect it guards
//! against; the log the binary writes is read as an operator would read it.
//!
//! `HOSTILE_PROXY_BIN=/path/to/an/older/audit-proxy` runs the suite against another build (how
//! each test was seen to fail before the edge existed).

mod common;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{free_port, FakeUpstream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const ATTACKER: &str = "127.0.0.2";
const COLLEAGUE: &str = "127.0.0.3";

/// A folder of the test's own, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "hostile-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("scratch");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The binary, started as an operator would start it, with its log in a file.
struct Proxy {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    _scratch: Scratch,
}

impl Proxy {
    /// Starts `audit-proxy` with `args` under `ulimit -n nofile`, waiting until it answers.
    async fn start(nofile: u32, args: &[&str], env: &[(&str, &str)]) -> Proxy {
        let scratch = Scratch::new("log");
        let log = scratch.0.join("proxy.log");
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
        let child = Command::new("bash")
            .args(["-c", "ulimit -n \"$0\" && exec \"$@\"", &nofile.to_string()])
            .arg(
                std::env::var_os("HOSTILE_PROXY_BIN")
                    .unwrap_or_else(|| env!("CARGO_BIN_EXE_audit-proxy").into()),
            )
            .args(["--listen", &addr.to_string()])
            .args(args)
            .envs(env.iter().copied())
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("spawn audit-proxy");
        let proxy = Proxy {
            child,
            addr,
            log,
            _scratch: scratch,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).await.is_err() {
            assert!(
                Instant::now() < deadline,
                "proxy did not start: {}",
                proxy.log()
            );
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        proxy
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_none()
    }

    fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP connection from one of the loopback addresses.
async fn connect_from(src: &str, to: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    sock.bind(format!("{src}:0").parse().expect("source"))?;
    sock.connect(to).await
}

fn client_from(src: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(src.parse::<IpAddr>().expect("ip"))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client")
}

/// A GET from `src` with these credentials: its status, and how long the answer took.
async fn timed_get(src: &str, url: &str, key: &str, secret: &str) -> (u16, Duration) {
    let start = Instant::now();
    let resp = client_from(src)
        .get(url)
        .basic_auth(key, Some(secret))
        .send()
        .await
        .expect("answered");
    (resp.status().as_u16(), start.elapsed())
}

/// Reads until the server closes the connection; how long that took, or `None` if it was still
/// open after `within`.
async fn closed_within<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    within: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let left = within.checked_sub(start.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// A self-signed certificate for `localhost`, written as PEM files.
struct Pair {
    cert: PathBuf,
    key: PathBuf,
    der: Vec<u8>,
}

fn certificate(dir: &Path, name: &str) -> Pair {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, made.cert.pem()).expect("cert file");
    std::fs::write(&key, made.signing_key.serialize_pem()).expect("key file");
    Pair {
        cert,
        key,
        der: made.cert.der().to_vec(),
    }
}

/// A TLS client that trusts `roots` and offers `alpn`.
fn tls_connector(roots: &[&Pair], alpn: &[&[u8]]) -> tokio_rustls::TlsConnector {
    let mut store = rustls::RootCertStore::empty();
    for p in roots {
        store
            .add(rustls::pki_types::CertificateDer::from(p.der.clone()))
            .expect("root");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(store)
    .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn tls_from(
    src: &str,
    to: SocketAddr,
    connector: &tokio_rustls::TlsConnector,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = connect_from(src, to).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    connector.connect(name, tcp).await.expect("handshake")
}

const DEMO: [&str; 5] = [
    "--demo",
    "--demo-events",
    "300",
    "--demo-now",
    "2026-01-01T12:00:00",
];

/// Before: hyper chose the protocol by reading the first bytes with no deadline, so a TLS
/// connection that said nothing after its handshake stayed open; HTTP/2 allowed 200 streams and
/// had no idle timeout.
#[tokio::test]
async fn silent_and_idle_connections_are_let_go_and_http2_allows_100_streams() {
    let dir = Scratch::new("tls");
    let pair = certificate(&dir.0, "a");
    let mut args = DEMO.to_vec();
    let (cert, key) = (
        pair.cert.display().to_string(),
        pair.key.display().to_string(),
    );
    args.extend([
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--header-timeout-secs",
        "2",
        "--idle-timeout-secs",
        "2",
    ]);
    let proxy = Proxy::start(256, &args, &[]).await;
    let limit = Duration::from_secs(6);

    // A TCP connection that never starts its handshake.
    let mut tcp = connect_from(ATTACKER, proxy.addr).await.expect("connect");
    let took = closed_within(&mut tcp, limit).await.expect("closed");
    assert!(
        took >= Duration::from_millis(1500),
        "closed at the deadline, not at once: {took:?}"
    );

    // A finished handshake, then silence.
    let h1 = tls_connector(&[&pair], &[b"http/1.1"]);
    let mut tls = tls_from(ATTACKER, proxy.addr, &h1).await;
    closed_within(&mut tls, limit)
        .await
        .expect("a silent TLS connection is closed after the header timeout");

    // HTTP/1.1 over TLS: one answer, then the idle connection is closed.
    let mut tls = tls_from(COLLEAGUE, proxy.addr, &h1).await;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut head = [0u8; 12];
    tls.read_exact(&mut head).await.expect("answer");
    assert_eq!(&head, b"HTTP/1.1 200");
    closed_within(&mut tls, limit)
        .await
        .expect("an idle HTTP/1.1 connection is closed");

    // HTTP/2: the server's stream limit, one answer, then the idle connection goes away.
    let h2c = tls_connector(&[&pair], &[b"h2"]);
    let tls = tls_from(COLLEAGUE, proxy.addr, &h2c).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (client, conn) = h2::client::handshake(tls).await.expect("h2 handshake");
    let conn = tokio::spawn(conn);
    let mut client = client.ready().await.expect("ready");
    let req = axum::http::Request::get(format!("https://localhost:{}/healthz", proxy.addr.port()))
        .body(())
        .expect("request");
    let (resp, _) = client.send_request(req, true).expect("send");
    assert_eq!(resp.await.expect("answer").status(), 200);
    assert!(
        client.current_max_send_streams() <= 100,
        "the server allows {} streams",
        client.current_max_send_streams()
    );
    drop(client);
    let ended = tokio::time::timeout(limit, conn).await;
    assert!(
        ended.is_ok(),
        "an idle HTTP/2 connection is closed by the server"
    );
}

/// Before: nothing capped connections, and a thousand idle ones from one address left a
/// colleague with no answer while the log filled with "Too many open files".
#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    let proxy = Proxy::start(512, &DEMO, &[]).await;
    let mut held = Vec::new();
    for _ in 0..400 {
        if let Ok(s) = connect_from(ATTACKER, proxy.addr).await {
            held.push(s);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut open = 0;
    for s in &mut held {
        let mut b = [0u8; 1];
        match s.try_read(&mut b) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => open += 1,
            _ => {}
        }
    }
    assert!(
        (100..=128).contains(&open),
        "{open} of the attacker's 400 connections are held (the cap is 128)"
    );
    let (status, took) = timed_get(
        COLLEAGUE,
        &proxy.url("/beta/audit/events?size=1"),
        "demo",
        "demo",
    )
    .await;
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(2), "{took:?}");
    let log = proxy.log();
    let refused = log.matches("connection refused").count();
    assert!(
        (1..=2).contains(&refused),
        "{refused} log lines for 270 refused connections:\n{log}"
    );
    assert!(log.contains("client=127.0.0.2"), "{log}");
    assert!(!log.contains("Too many open files"), "{log}");
}

/// Before: a client that stopped reading held its connection, and the answer, for ever.
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_after_the_send_timeout() {
    let app = Scratch::new("app");
    std::fs::write(app.0.join("index.html"), "<!doctype html>").expect("index");
    let size = 8 << 20;
    std::fs::write(app.0.join("big.bin"), vec![7u8; size]).expect("big");
    let dir = app.0.display().to_string();
    let proxy = Proxy::start(
        256,
        &["--demo", "--app", &dir, "--send-timeout-secs", "2"],
        &[],
    )
    .await;
    let sock = TcpSocket::new_v4().expect("socket");
    sock.set_recv_buffer_size(4096).expect("small window");
    sock.bind(format!("{ATTACKER}:0").parse().expect("src"))
        .expect("bind");
    let mut s = sock.connect(proxy.addr).await.expect("connect");
    s.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    let start = Instant::now();
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => got += n,
            Err(_) => break false,
        }
        if start.elapsed() > Duration::from_secs(20) {
            break false;
        }
    };
    assert!(closed, "the connection is closed");
    assert!(
        got < size,
        "{got} of {size} bytes arrived: the answer was cut off"
    );
}

/// Before: every wrong secret reached the upstream (Vonage sees only the proxy's address), no
/// 429, and the default log had no line naming the client.
#[tokio::test]
async fn a_credential_tester_is_cut_off_and_a_colleague_is_not() {
    let up = FakeUpstream::start().await;
    let proxy = Proxy::start(256, &["--upstream", &up.url()], &[]).await;
    let attacker = client_from(ATTACKER);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    let mut retry_after = Vec::new();
    for i in 0..200 {
        let resp = attacker
            .get(proxy.url("/beta/audit/events"))
            .basic_auth(format!("guess{i}"), Some("hunter2"))
            .send()
            .await
            .expect("answer");
        *statuses.entry(resp.status().as_u16()).or_default() += 1;
        if let Some(v) = resp.headers().get("retry-after") {
            retry_after.push(v.to_str().expect("text").parse::<u64>().expect("seconds"));
        }
    }
    let reached = up
        .seen()
        .iter()
        .filter(|s| s.headers.get("authorization").is_some())
        .count();
    assert_eq!(
        reached, 11,
        "refusals that reached the upstream: {statuses:?}"
    );
    assert_eq!(statuses.get(&401), Some(&11), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&189), "{statuses:?}");
    assert!(
        retry_after.iter().all(|s| (590..=600).contains(s)),
        "{retry_after:?}"
    );

    let resp = client_from(COLLEAGUE)
        .get(proxy.url("/beta/audit/events"))
        .basic_auth("key", Some("secret"))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 200, "the colleague's address is not blocked");

    let log = proxy.log();
    assert!(
        log.contains("client blocked") && log.contains("client=127.0.0.2"),
        "{log}"
    );
    let access: Vec<&str> = log.lines().filter(|l| l.contains(" access: ")).collect();
    assert!(
        access
            .iter()
            .any(|l| l.contains("client=127.0.0.2") && l.contains("status=401")),
        "{log}"
    );
    assert!(
        access
            .iter()
            .any(|l| l.contains("client=127.0.0.2") && l.contains("status=429")),
        "{log}"
    );
    assert!(
        access
            .iter()
            .any(|l| l.contains("client=127.0.0.3") && l.contains("status=200")),
        "{log}"
    );
    for secret in ["hunter2", "Basic ", "Z3Vlc3", "c2VjcmV0", "a2V5OnNlY3JldA"] {
        assert!(!log.contains(secret), "the log holds {secret:?}");
    }
}

/// Before: one client's slow requests could hold all 16 upstream slots, and nothing limited
/// how fast one address asked.
#[tokio::test]
async fn one_client_cannot_hold_the_upstream_or_outpace_its_rate() {
    let up = FakeUpstream::start().await;
    let proxy = Proxy::start(
        256,
        &[
            "--upstream",
            &up.url(),
            "--rate-per-client",
            "20",
            "--rate-burst",
            "40",
        ],
        &[],
    )
    .await;
    let attacker = client_from(ATTACKER);
    let mut slow = Vec::new();
    for _ in 0..16 {
        let req = attacker
            .get(proxy.url("/beta/audit/events?search_text=slow"))
            .basic_auth("key", Some("secret"))
            .send();
        slow.push(tokio::spawn(req));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, took) =
        timed_get(COLLEAGUE, &proxy.url("/beta/audit/events"), "key", "secret").await;
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(2),
        "the colleague waited {took:?} behind the attacker's slow requests"
    );
    for s in slow {
        let _ = s.await;
    }

    // A flood from one address: past the burst, 429 with Retry-After, and nothing relayed.
    let before = up.seen().len();
    let mut limited = 0;
    for _ in 0..100 {
        let resp = attacker
            .get(proxy.url("/beta/audit/events"))
            .basic_auth("key", Some("secret"))
            .send()
            .await
            .expect("answer");
        if resp.status() == 429 {
            assert!(resp.headers().contains_key("retry-after"));
            limited += 1;
        }
    }
    let relayed = up.seen().len() - before;
    assert!(limited >= 50, "{limited} of 100 refused");
    assert_eq!(
        relayed + limited,
        100,
        "a refused request never reaches the upstream"
    );
}

/// The limits must not slow honest use: ten colleagues behind one NAT address each reading a
/// range into the tab (50 pages, five in flight) while one of them exports 20,000 events (200
/// pages, four in flight), against an upstream that takes 30 ms an answer.
#[tokio::test]
async fn ten_colleagues_behind_one_address_pass_unthrottled() {
    use futures_util::stream::{self, StreamExt};
    let up = FakeUpstream::start().await;
    let proxy = Proxy::start(256, &["--upstream", &up.url()], &[]).await;
    let office = client_from(COLLEAGUE);
    let read = |pages: usize, in_flight: usize| {
        let (office, url) = (office.clone(), proxy.url("/beta/audit/events"));
        async move {
            stream::iter(0..pages)
                .map(|page| {
                    office
                        .get(format!("{url}?search_text=lag&size=100&page={}", page + 1))
                        .basic_auth("key", Some("secret"))
                        .send()
                })
                .buffer_unordered(in_flight)
                .map(|r| r.map(|r| r.status().as_u16()).unwrap_or(0))
                .collect::<Vec<u16>>()
                .await
        }
    };
    let start = Instant::now();
    let mut work: Vec<_> = (0..10).map(|_| tokio::spawn(read(50, 5))).collect();
    work.push(tokio::spawn(read(200, 4)));
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for w in work {
        for s in w.await.expect("task") {
            *statuses.entry(s).or_default() += 1;
        }
    }
    assert_eq!(statuses.get(&200), Some(&700), "{statuses:?}");
    assert_eq!(up.seen().len(), 700);
    eprintln!(
        "700 honest requests from one address in {:?}",
        start.elapsed()
    );
}

/// Before: a link out of the app's folder and dotfiles were served, and `HEAD /%00` or a
/// 300-byte segment got a 500 and an ERROR line.
#[tokio::test]
async fn the_app_folder_serves_only_its_own_plain_files() {
    let outside = Scratch::new("outside");
    std::fs::write(outside.0.join("secret.txt"), "outside the app").expect("outside");
    let app = Scratch::new("app");
    std::fs::write(app.0.join("index.html"), "<!doctype html>").expect("index");
    std::fs::write(app.0.join(".env"), "AUDIT_API_SECRET=x").expect("dotfile");
    std::fs::create_dir_all(app.0.join("assets")).expect("assets");
    std::fs::write(app.0.join("assets/app.js"), "1").expect("asset");
    std::os::unix::fs::symlink(outside.0.join("secret.txt"), app.0.join("leak.txt"))
        .expect("symlink");
    std::os::unix::fs::symlink(&outside.0, app.0.join("elsewhere")).expect("dir symlink");
    let dir = app.0.display().to_string();
    let proxy = Proxy::start(
        256,
        &["--demo", "--app", &dir, "--public-url", "/sub/"],
        &[],
    )
    .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let long = "a".repeat(300);
    for (method, path, want) in [
        ("GET", "/sub/leak.txt", 404),
        ("GET", "/sub/elsewhere/secret.txt", 404),
        ("GET", "/sub/.env", 404),
        ("GET", "/sub/%2eenv", 404),
        ("GET", "/sub/assets/../.env", 404),
        ("HEAD", "/sub/%00", 400),
        ("GET", &format!("/sub/{long}"), 400),
        ("GET", "/sub/%ff%fe", 400),
        ("GET", "/sub/assets/app.js", 200),
    ] {
        let resp = client
            .request(method.parse().expect("method"), proxy.url(path))
            .send()
            .await
            .expect("answer");
        assert_eq!(resp.status(), want, "{method} {path}");
        assert!(
            resp.headers()
                .get_all("vary")
                .iter()
                .any(|v| v.to_str().unwrap_or("").contains("accept-encoding")),
            "{method} {path}: no Vary"
        );
        if want == 404 {
            let body = resp.text().await.unwrap_or_default();
            assert!(
                !body.contains("outside the app") && !body.contains("SECRET"),
                "{path}"
            );
        }
    }
    let resp = client
        .get(proxy.url("/sub/assets"))
        .send()
        .await
        .expect("answer");
    assert!(resp.status().is_redirection());
    assert_eq!(resp.headers()["location"], "/sub/assets/");
    let log = proxy.log();
    assert!(!log.contains("ERROR"), "{log}");
}

/// Before: SIGHUP ended the process; a renewed certificate needed a restart.
#[tokio::test]
async fn sighup_reloads_the_certificate_and_keeps_the_old_one_when_the_new_is_bad() {
    let dir = Scratch::new("reload");
    let live_cert = dir.0.join("live.crt");
    let live_key = dir.0.join("live.key");
    let first = certificate(&dir.0, "first");
    let second = certificate(&dir.0, "second");
    std::fs::copy(&first.cert, &live_cert).expect("copy");
    std::fs::copy(&first.key, &live_key).expect("copy");
    let (c, k) = (
        live_cert.display().to_string(),
        live_key.display().to_string(),
    );
    let mut args = DEMO.to_vec();
    args.extend(["--tls-cert", &c, "--tls-key", &k]);
    let mut proxy = Proxy::start(256, &args, &[]).await;
    let both = tls_connector(&[&first, &second], &[b"http/1.1"]);
    let served = |proxy_addr: SocketAddr| {
        let both = both.clone();
        async move {
            let s = tls_from(COLLEAGUE, proxy_addr, &both).await;
            s.get_ref().1.peer_certificates().expect("certificate")[0].to_vec()
        }
    };
    assert_eq!(served(proxy.addr).await, first.der);

    std::fs::copy(&second.cert, &live_cert).expect("copy");
    std::fs::copy(&second.key, &live_key).expect("copy");
    proxy.signal("-HUP");
    let deadline = Instant::now() + Duration::from_secs(5);
    while served(proxy.addr).await != second.der {
        assert!(
            Instant::now() < deadline,
            "the new certificate was not taken up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(proxy.alive());

    std::fs::write(&live_key, "not a key").expect("break the key");
    proxy.signal("-HUP");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(proxy.alive(), "a bad pair does not stop the proxy");
    assert_eq!(served(proxy.addr).await, second.der, "the old pair stays");
    let log = proxy.log();
    assert!(log.contains("certificate and key reloaded"), "{log}");
    assert!(log.contains("were not loaded, the old ones stay"), "{log}");
}

/// Before: the log went to stdout with terminal colour codes even into a file, the demo's links
/// named the listening address over plain HTTP even when served over TLS, and the live demo grew
/// without bound.
#[tokio::test]
async fn logs_are_plain_or_json_and_demo_links_follow_the_request() {
    let proxy = Proxy::start(256, &DEMO, &[]).await;
    let resp = reqwest::Client::new()
        .get(proxy.url("/beta/audit/events?search_text=carol%40acme.example&size=2"))
        .basic_auth("demo", Some("demo"))
        .header("host", format!("audit.example:{}", proxy.addr.port()))
        .send()
        .await
        .expect("answer");
    let page: serde_json::Value =
        serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
    let href = page["_links"]["self"]["href"].as_str().expect("self link");
    assert!(
        href.starts_with(&format!("http://audit.example:{}/", proxy.addr.port())),
        "{href}"
    );
    let log = proxy.log();
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a log file:\n{log}"
    );
    let line = log
        .lines()
        .find(|l| l.contains(" access: ") && l.contains("/beta/audit/events"))
        .unwrap_or_else(|| panic!("no access line:\n{log}"));
    for part in [
        "client=127.0.0.1",
        "method=GET",
        "path=/beta/audit/events",
        "params=search_text,size",
        "status=200",
        "bytes=",
        "ms=",
    ] {
        assert!(line.contains(part), "{part} missing from {line}");
    }
    assert!(
        !log.contains("carol") && !log.contains("ZGVtbzpkZW1v"),
        "{log}"
    );
    drop(proxy);

    let mut args = DEMO.to_vec();
    args.extend([
        "--log-format",
        "json",
        "--demo-live-every-ms",
        "20",
        "--demo-live-max",
        "3",
    ]);
    let proxy = Proxy::start(256, &args, &[("NO_COLOR", "1")]).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let page: serde_json::Value = reqwest::Client::new()
        .get(proxy.url("/beta/audit/events?size=1"))
        .basic_auth("demo", Some("demo"))
        .send()
        .await
        .expect("answer")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("json"))
        .expect("body");
    assert_eq!(
        page["page"]["totalElements"], 303,
        "300 events and 3 live ones"
    );
    let log = proxy.log();
    let mut access = 0;
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        if v["target"] == "access" {
            access += 1;
            assert_eq!(v["status"], 200, "{line}");
            assert_eq!(v["client"], "127.0.0.1", "{line}");
        }
    }
    assert_eq!(access, 1, "{log}");
}

/// Over TLS, the demo's links say https and the host the browser used.
#[tokio::test]
async fn demo_links_over_tls_say_https() {
    let dir = Scratch::new("links");
    let pair = certificate(&dir.0, "a");
    let (c, k) = (
        pair.cert.display().to_string(),
        pair.key.display().to_string(),
    );
    let mut args = DEMO.to_vec();
    args.extend(["--tls-cert", &c, "--tls-key", &k]);
    let proxy = Proxy::start(256, &args, &[]).await;
    let root =
        reqwest::Certificate::from_pem(&std::fs::read(&pair.cert).expect("pem")).expect("root");
    let client = reqwest::Client::builder()
        .add_root_certificate(root)
        .resolve("localhost", proxy.addr)
        .build()
        .expect("client");
    let base = format!("https://localhost:{}", proxy.addr.port());
    let page: serde_json::Value = client
        .get(format!("{base}/beta/audit/events?size=1"))
        .basic_auth("demo", Some("demo"))
        .send()
        .await
        .expect("answer")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("json"))
        .expect("body");
    let href = page["_links"]["self"]["href"].as_str().expect("self");
    assert!(
        href.starts_with(&format!("{base}/beta/audit/events")),
        "{href}"
    );
    let id = page["_embedded"]["events"][0]["id"].as_str().expect("id");
    let one: serde_json::Value = client
        .get(format!("{base}/beta/audit/events/{id}"))
        .basic_auth("demo", Some("demo"))
        .send()
        .await
        .expect("answer")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("json"))
        .expect("body");
    assert_eq!(
        one["_links"]["self"]["href"],
        format!("{base}/beta/audit/events/{id}")
    );
}
