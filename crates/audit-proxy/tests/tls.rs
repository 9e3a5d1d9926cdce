//! `--tls-cert` / `--tls-key`: HTTPS with a certificate made in the test. Browsers get HTTP/2 by
//! ALPN (one connection for all the app's parallel reads), HTTP/1.1 clients still work, every
//! answer tells the browser to keep using HTTPS, and plain HTTP gets no answer.

use std::net::SocketAddr;
use std::time::Duration;

use audit_proxy::config::Config;
use clap::Parser;

struct Pems {
    dir: std::path::PathBuf,
    cert_pem: String,
}

fn certificate(name: &str) -> Pems {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("cert");
    let dir = std::env::temp_dir().join(format!("tls-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cert_pem = made.cert.pem();
    std::fs::write(dir.join("cert.pem"), &cert_pem).expect("write");
    std::fs::write(dir.join("key.pem"), made.signing_key.serialize_pem()).expect("write");
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html><title>app</title>").expect("write");
    Pems { dir, cert_pem }
}

/// Starts the proxy over TLS (demo account, serving the stand-in app) and returns its address.
async fn start(p: &Pems) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let cert = p.dir.join("cert.pem");
    let key = p.dir.join("key.pem");
    let config = Config::parse_from([
        "audit-proxy",
        "--demo",
        "--app",
        p.dir.to_str().expect("utf-8"),
        "--tls-cert",
        cert.to_str().expect("utf-8"),
        "--tls-key",
        key.to_str().expect("utf-8"),
    ]);
    assert!(config.tls());
    let (router, _) = audit_proxy::service(&config).expect("service");
    let tls = audit_proxy::tls(&config).expect("certificate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        audit_proxy::serve(listener, router, &config, tls, async move {
            let _ = rx.await;
        })
        .await
    });
    (addr, tx)
}

fn client(p: &Pems, addr: SocketAddr, http1_only: bool) -> reqwest::Client {
    let root = reqwest::Certificate::from_pem(p.cert_pem.as_bytes()).expect("root");
    let mut b = reqwest::Client::builder()
        .add_root_certificate(root)
        .resolve("localhost", addr)
        .timeout(Duration::from_secs(10));
    if http1_only {
        b = b.http1_only();
    }
    b.build().expect("client")
}

#[tokio::test]
async fn https_with_http2_by_alpn_and_hsts_on_every_answer() {
    let p = certificate("serve");
    let (addr, stop) = start(&p).await;
    let base = format!("https://localhost:{}", addr.port());

    let h2 = client(&p, addr, false);
    let resp = h2
        .get(format!("{base}/events/x"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page over TLS");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), reqwest::Version::HTTP_2, "ALPN chose h2");
    assert_eq!(
        resp.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    assert!(resp.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .contains("frame-ancestors 'none'"));
    assert_eq!(
        resp.text().await.expect("body"),
        "<!DOCTYPE html><title>app</title>"
    );

    let resp = h2
        .get(format!("{base}/beta/audit/events?size=3"))
        .basic_auth("demo", Some("demo"))
        .send()
        .await
        .expect("API over TLS");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let page: serde_json::Value =
        serde_json::from_str(&resp.text().await.expect("body")).expect("json");
    assert_eq!(page["page"]["size"], 3);

    // An HTTP/1.1-only client is served too.
    let resp = client(&p, addr, true)
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("http/1.1 over TLS");
    assert_eq!(resp.version(), reqwest::Version::HTTP_11);
    assert_eq!(resp.status(), 200);

    // Plain HTTP to the TLS port: no answer, and the proxy goes on serving.
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    assert!(plain
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_err());
    let resp = h2
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("still serving");
    assert_eq!(resp.status(), 200);

    let _ = stop.send(());
    let _ = std::fs::remove_dir_all(&p.dir);
}

#[test]
fn a_key_that_does_not_match_or_a_missing_file_is_refused_at_start() {
    let p = certificate("refuse");
    let other = rcgen::generate_simple_self_signed(vec!["other".to_string()]).expect("cert");
    let wrong_key = p.dir.join("wrong-key.pem");
    std::fs::write(&wrong_key, other.signing_key.serialize_pem()).expect("write");
    let err = audit_edge::tls::acceptor(&p.dir.join("cert.pem"), &wrong_key)
        .err()
        .expect("refused");
    assert!(err.contains("do not make a pair"), "{err}");
    let err = audit_edge::tls::acceptor(&p.dir.join("missing.pem"), &wrong_key)
        .err()
        .expect("refused");
    assert!(err.contains("--tls-cert"), "{err}");
    // clap: one without the other is a usage error.
    assert!(Config::try_parse_from(["audit-proxy", "--tls-cert", "c.pem"]).is_err());
    let _ = std::fs::remove_dir_all(&p.dir);
}

/// The relay to an HTTPS upstream: here the upstream is the proxy itself over TLS with its demo
/// account. Trusting the test's certificate, calls go through (list, one event, event types);
/// with the usual web roots the same server is refused, so the certificate is checked.
#[tokio::test]
async fn relays_to_an_https_upstream_and_checks_its_certificate() {
    use audit_edge::calls::Call;
    use audit_proxy::relay::{forwarded, Upstream};
    const LOCAL: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    use axum::http::{header, HeaderMap, HeaderValue};

    let p = certificate("upstream");
    let (addr, _stop) = start(&p).await;
    let base = format!("https://localhost:{}", addr.port());
    let mut roots = rustls::RootCertStore::empty();
    use rustls::pki_types::pem::PemObject;
    let der = rustls::pki_types::CertificateDer::from_pem_slice(p.cert_pem.as_bytes())
        .expect("the test's certificate");
    roots.add(der).expect("a root");
    let timeout = Duration::from_secs(5);
    let upstream = Upstream::with_roots(&base, timeout, 1 << 20, 8, roots).expect("client");
    let mut incoming = HeaderMap::new();
    incoming.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Basic ZGVtbzpkZW1v"),
    );
    incoming.insert(header::COOKIE, HeaderValue::from_static("session=1"));
    let body = |resp: axum::http::Response<axum::body::Body>| async move {
        assert_eq!(resp.status(), 200);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        serde_json::from_slice::<serde_json::Value>(&bytes).expect("JSON")
    };
    let list = upstream
        .send(Call::ListEvents, "size=2", forwarded(&incoming), LOCAL)
        .await
        .expect("the list over HTTPS");
    let list = body(list).await;
    let events = list["_embedded"]["events"].as_array().expect("events");
    assert_eq!(events.len(), 2, "the query went through: {list}");
    let id: uuid::Uuid = events[0]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("a UUID");
    let one = upstream
        .send(Call::GetEvent(id), "", forwarded(&incoming), LOCAL)
        .await
        .expect("one event over HTTPS");
    assert_eq!(body(one).await["id"], id.to_string());
    let types = upstream
        .send(Call::EventTypes, "", forwarded(&incoming), LOCAL)
        .await
        .expect("the event types over HTTPS");
    assert!(body(types).await["eventTypes"].is_array());

    let strict = Upstream::new(&base, timeout, 1 << 20, 8).expect("client");
    let refused = strict
        .send(Call::ListEvents, "", forwarded(&incoming), LOCAL)
        .await
        .expect_err("a certificate no web root signed");
    assert_eq!(refused.status(), 502);
}
