//! The proxy under attack: hundreds of crafted raw HTTP requests over real sockets, in front of a
//! recording fake upstream. Nothing but the three allowed calls may reach the upstream, with only
//! the allowed headers; the API secret carried by every request must not appear in any log line,
//! response header or upstream URL. Prints its figures.

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "S3CR3T-attack-9f2";
/// `Basic base64("key:S3CR3T-attack-9f2")`.
fn basic() -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("key:{SECRET}"))
    )
}

const ID: &str = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";

/// One raw request: the bytes after the request line's method and target are filled in here.
struct Crafted {
    what: String,
    bytes: Vec<u8>,
}

fn request(method: &str, target: &str, extra_headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {target} HTTP/1.1\r\nHost: proxy.test\r\nAuthorization: {}\r\nConnection: close\r\n", basic());
    for (k, v) in extra_headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty()
        && !extra_headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"))
    {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn corpus() -> Vec<Crafted> {
    let mut v = Vec::new();
    let mut add = |what: String, bytes: Vec<u8>| v.push(Crafted { what, bytes });

    // Path traversal in every spelling.
    let traversals = [
        "/beta/audit/events/../../v1/account",
        "/beta/audit/events/..",
        "/beta/audit/events/../events",
        "/beta/audit/../audit/events",
        "/beta/audit/events/%2e%2e/%2e%2e/account",
        "/beta/audit/events/%2E%2E/%2E%2E/account",
        "/beta/audit/events/%2e%2e%2f%2e%2e%2faccount",
        "/beta/audit/events/%252e%252e/%252e%252e/account",
        "/beta/audit/events/%25252e%25252e/account",
        "/beta/audit/events/..%2f..%2faccount",
        "/beta/audit/events/..%5c..%5caccount",
        "/beta/audit/events/..\\..\\account",
        "/beta/audit/events\\..\\..\\account",
        "/beta/audit/events/%c0%ae%c0%ae/account",
        "/beta/audit/events/%e0%80%ae%e0%80%ae/account",
        "/beta/audit/events/%u002e%u002e/account",
        "/beta/audit/events/./",
        "/beta/audit/./events",
        "/beta/./audit/events",
        "/./beta/audit/events",
        "/beta/audit/events/.",
        "/beta/audit/events/%2e",
        "/beta/audit/events;/../../account",
        "/beta/audit/events;jsessionid=1",
        "/beta/audit/events%00/../account",
        "/beta/audit/events%00",
        "/beta/audit/events/%00",
        "/beta/audit/events/.%2e/account",
        "/beta/audit/events/%2e./account",
        "/..;/beta/audit/events",
        "/beta/audit/events/..;/account",
        "/beta/audit/events/....//....//account",
        "/beta/audit/events/...",
        "/BETA/AUDIT/EVENTS",
        "/beta/audit/Events",
        "/beta/audit/events/",
        "/beta/audit/events//",
        "/beta/audit/events.json",
        "/beta/audit/events%2f",
        "/beta/audit/events%2F..%2F..%2Faccount",
        "/beta%2faudit%2fevents",
        "/account/get-balance",
        "/v1/account/numbers",
        "/",
        "/healthz/../beta/audit/events",
        "/beta/audit/events/aaaaaaaa-bbbb-cccc-dddd-0123456789ab/../../../account",
    ];
    for t in traversals {
        add(format!("traversal {t}"), request("GET", t, &[], b""));
    }

    // Absolute URLs and other hosts in the target.
    for t in [
        "//evil.example/beta/audit/events",
        "//127.0.0.1:1/beta/audit/events",
        "///evil.example/beta/audit/events",
        "/\\evil.example/beta/audit/events",
        "/%2f%2fevil.example/beta/audit/events",
        "/http://evil.example/beta/audit/events",
        "/https:/evil.example/beta/audit/events",
        "/beta/audit/events/http://evil.example",
        "/beta/audit/events/%68ttp://evil.example",
        "/beta/audit/events/@evil.example",
        "http://evil.example/beta/audit/events",
        "http://evil.example/account",
        "https://evil.example:443/beta/audit/events",
        "http://user:pass@evil.example/beta/audit/events",
        "http://127.0.0.1:1/beta/audit/events",
        "http://[::1]:1/beta/audit/events",
        "evil.example:80",
        "*",
    ] {
        add(format!("target {t}"), request("GET", t, &[], b""));
    }

    // Host and forwarding header tricks on an allowed path.
    let tricks: [(&str, &str); 16] = [
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-For", "127.0.0.1"),
        ("X-Forwarded-Proto", "gopher"),
        ("X-Forwarded-Port", "1"),
        ("Forwarded", "for=127.0.0.1;host=evil.example;proto=http"),
        ("X-Original-URL", "/v1/account"),
        ("X-Rewrite-URL", "/v1/account"),
        ("X-Override-URL", "http://evil.example/"),
        ("X-HTTP-Method-Override", "DELETE"),
        ("X-Host", "evil.example"),
        ("X-Real-IP", "10.0.0.1"),
        ("Cookie", "session=stolen"),
        ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
        ("Upgrade", "websocket"),
        ("TE", "trailers"),
        ("Max-Forwards", "0"),
    ];
    for (k, val) in tricks {
        add(
            format!("header {k}"),
            request(
                "GET",
                "/beta/audit/events?size=5",
                &[(k, val.to_string())],
                b"",
            ),
        );
    }
    add(
        "duplicate Host".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[("Host", "evil.example".into())],
            b"",
        ),
    );
    add(
        "Connection: names a header".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[("Connection", "X-Secret".into()), ("X-Secret", "1".into())],
            b"",
        ),
    );

    // CRLF in the path, the query and headers.
    add(
        "CRLF in path".into(),
        b"GET /beta/audit/events\r\nX-Injected: 1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            .to_vec(),
    );
    for q in [
        "event_type=A%0d%0aX-Injected:1",
        "search_text=a%0d%0aHost:%20evil.example",
        "search_text=%0d%0a%0d%0aGET%20/v1/account%20HTTP/1.1",
        "date_from=2024-01-01%0d%0aX:1",
        "size=5%0d%0aX:1",
        "page=1%0aX:1",
        "event_type=USER_LOGIN%00",
        "search_text=%00%01%02",
    ] {
        add(
            format!("CRLF query {q}"),
            request("GET", &format!("/beta/audit/events?{q}"), &[], b""),
        );
    }
    add("raw CR in header".into(), b"GET /beta/audit/events HTTP/1.1\r\nHost: x\r\nX-A: a\rX-B: b\r\nConnection: close\r\n\r\n".to_vec());
    add("header line folding".into(), b"GET /beta/audit/events HTTP/1.1\r\nHost: x\r\nX-A: a\r\n X-B: folded\r\nConnection: close\r\n\r\n".to_vec());
    add(
        "LF-only line ends".into(),
        b"GET /beta/audit/events HTTP/1.1\nHost: x\nConnection: close\n\n".to_vec(),
    );

    // Every method on each path.
    for m in [
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "PATCH",
        "OPTIONS",
        "TRACE",
        "CONNECT",
        "PROPFIND",
        "PROPPATCH",
        "MKCOL",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
        "PURGE",
        "LINK",
        "UNLINK",
        "SEARCH",
        "REPORT",
        "FOO",
    ] {
        for p in [
            "/beta/audit/events".to_string(),
            format!("/beta/audit/events/{ID}"),
            "/v1/account".to_string(),
        ] {
            add(format!("method {m} {p}"), request(m, &p, &[], b""));
        }
    }
    add(
        "OPTIONS preflight".into(),
        request(
            "OPTIONS",
            "/beta/audit/events",
            &[
                ("Origin", "http://127.0.0.1:8080".into()),
                ("Access-Control-Request-Method", "GET".into()),
            ],
            b"",
        ),
    );
    add(
        "OPTIONS preflight on another path".into(),
        request(
            "OPTIONS",
            "/v1/account",
            &[
                ("Origin", "http://127.0.0.1:8080".into()),
                ("Access-Control-Request-Method", "DELETE".into()),
            ],
            b"",
        ),
    );

    // Oversized headers.
    add(
        "one 100 KB header".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[("X-Big", "a".repeat(100_000))],
            b"",
        ),
    );
    let many: Vec<(&str, String)> = (0..300).map(|_| ("X-Many", "b".repeat(100))).collect();
    add(
        "300 headers".into(),
        request("GET", "/beta/audit/events", &many, b""),
    );
    add(
        "huge Authorization".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[("Authorization", format!("Basic {}", "A".repeat(60_000)))],
            b"",
        ),
    );

    // Bodies on GET, and smuggling shapes.
    add(
        "body on GET".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[],
            b"{\"url\":\"http://evil.example\"}",
        ),
    );
    add(
        "chunked body on GET".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[("Transfer-Encoding", "chunked".into())],
            b"5\r\nhello\r\n0\r\n\r\n",
        ),
    );
    add(
        "CL and TE together".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[
                ("Transfer-Encoding", "chunked".into()),
                ("Content-Length", "4".into()),
            ],
            b"0\r\n\r\nGET /v1/account HTTP/1.1\r\nHost: x\r\n\r\n",
        ),
    );
    add(
        "two Content-Lengths".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[
                ("Content-Length", "0".into()),
                ("Content-Length", "30".into()),
            ],
            b"",
        ),
    );
    add(
        "pipelined second request".into(),
        [
            request("GET", "/beta/audit/events?size=1", &[], b""),
            request("POST", "/v1/account", &[], b"x"),
        ]
        .concat(),
    );
    add(
        "TE: xchunked".into(),
        request(
            "GET",
            "/beta/audit/events",
            &[("Transfer-Encoding", "xchunked".into())],
            b"0\r\n\r\n",
        ),
    );

    // Huge and malformed query strings.
    add(
        "100 KB query".into(),
        request(
            "GET",
            &format!("/beta/audit/events?search_text={}", "q".repeat(100_000)),
            &[],
            b"",
        ),
    );
    add(
        "10 KB query".into(),
        request(
            "GET",
            &format!("/beta/audit/events?x={}", "q".repeat(10_000)),
            &[],
            b"",
        ),
    );
    for q in [
        "%zz",
        "%",
        "%%",
        "size=%",
        "size=1e9",
        "size=-0",
        "size=0x10",
        "page=99999999999999999999",
        "page=1.5",
        "size=30&size=0",
        "event_type=",
        "event_type=,,,",
        "event_type=USER_LOGIN,",
        "date_from=&date_to=",
        "date_from=2024-02-30",
        "date_to=9999-99-99T99:99:99",
        "&&&&",
        "=",
        "==&==",
        "a=b=c",
        "search_text=%22%7B%7D",
        "url=http://evil.example",
        "callback=alert",
        "upstream=http://evil.example",
        "event_type=USER_LOGIN&event_type=APP_CREATE",
        "page=1&page=2",
        "size=100",
        "size=101",
        "size=1",
        "page=0",
    ] {
        add(
            format!("query {q}"),
            request("GET", &format!("/beta/audit/events?{q}"), &[], b""),
        );
    }

    // Ids that are not UUIDs.
    for id in [
        "1",
        "0",
        "-1",
        "null",
        "undefined",
        "true",
        "%20",
        "aaaaaaaa-bbbb-cccc-dddd-0123456789a",
        "aaaaaaaa-bbbb-cccc-dddd-0123456789abc",
        "aaaaaaaabbbbccccdddd0123456789ab",
        "{aaaaaaaa-bbbb-cccc-dddd-0123456789ab}",
        "urn:uuid:aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
        "gggggggg-bbbb-cccc-dddd-0123456789ab",
        "aaaaaaaa_bbbb_cccc_dddd_0123456789ab",
        "aaaaaaaa-bbbb-cccc-dddd-0123456789ab%00",
        "%61aaaaaaa-bbbb-cccc-dddd-0123456789ab",
        "aaaaaaaa-bbbb-cccc-dddd-0123456789ab?x",
        "aaaaaaaa-bbbb-cccc-dddd-0123456789ab#frag",
        "..%2f..%2f",
        "'%20OR%201=1--",
        "<script>",
    ] {
        add(
            format!("id {id}"),
            request("GET", &format!("/beta/audit/events/{id}"), &[], b""),
        );
    }
    // A few allowed calls, to prove the fake upstream is reachable at all.
    add(
        "allowed list".into(),
        request(
            "GET",
            "/beta/audit/events?size=3&event_type=USER_LOGIN",
            &[],
            b"",
        ),
    );
    add(
        "allowed one".into(),
        request("GET", &format!("/beta/audit/events/{ID}"), &[], b""),
    );
    add(
        "allowed types".into(),
        request("OPTIONS", "/beta/audit/events", &[], b""),
    );
    v
}

async fn send_raw(addr: &str, bytes: &[u8]) -> Vec<u8> {
    let Ok(mut s) = TcpStream::connect(addr).await else {
        return Vec::new();
    };
    let _ = s.write_all(bytes).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    out
}

fn allowed_upstream_call(method: &str, path_and_query: &str) -> bool {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let path_ok = path == "/beta/audit/events"
        || path
            .strip_prefix("/beta/audit/events/")
            .is_some_and(|id| id.len() == 36 && uuid::Uuid::try_parse(id).is_ok());
    let method_ok = method == "GET" || (method == "OPTIONS" && path == "/beta/audit/events");
    let query_ok = form_keys(query).iter().all(|k| {
        [
            "event_type",
            "date_from",
            "date_to",
            "search_text",
            "page",
            "size",
        ]
        .contains(&k.as_str())
    });
    path_ok && method_ok && query_ok
}

fn form_keys(query: &str) -> Vec<String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split('=').next().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_requests_never_escape_and_the_secret_never_leaks() {
    let logs = CapturedLogs::default();
    let subscriber = logs.subscriber();
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only subscriber in this binary");

    let up = FakeUpstream::start().await;
    let cfg = config(&["--upstream", &up.url(), "--upstream-timeout-secs", "2"]);
    let (router, _) = audit_proxy::service(&cfg).expect("proxy");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        // The server loop the binary runs, with its buffer and header limits.
        audit_proxy::serve(listener, router, &cfg, None, std::future::pending()).await;
    });

    let corpus = corpus();
    assert!(
        corpus.len() >= 200,
        "only {} crafted requests",
        corpus.len()
    );
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    let mut responses = Vec::new();
    for c in &corpus {
        let resp = send_raw(&addr, &c.bytes).await;
        let status = String::from_utf8_lossy(&resp)
            .lines()
            .next()
            .and_then(|l| l.split(' ').nth(1).map(str::to_string))
            .unwrap_or_else(|| "closed".into());
        *statuses.entry(status).or_default() += 1;
        responses.push((c.what.clone(), resp));
    }
    // Request heads over 8 KB are refused before anything is relayed (the server loop bounds
    // every connection's read buffer).
    for big in [
        "one 100 KB header",
        "huge Authorization",
        "10 KB query",
        "100 KB query",
    ] {
        let (_, resp) = responses
            .iter()
            .find(|(what, _)| what == big)
            .expect("in the corpus");
        assert!(
            String::from_utf8_lossy(resp).starts_with("HTTP/1.1 431"),
            "{big}: {}",
            String::from_utf8_lossy(resp)
                .lines()
                .next()
                .unwrap_or("closed")
        );
    }
    // The proxy is still healthy.
    let health = send_raw(
        &addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(String::from_utf8_lossy(&health).starts_with("HTTP/1.1 200"));

    let seen = up.seen();
    let mut escaped = Vec::new();
    for s in &seen {
        let headers_ok = s
            .headers
            .keys()
            .all(|k| ["authorization", "accept", "host", "user-agent"].contains(&k.as_str()));
        let host_ok = s
            .headers
            .get("host")
            .is_some_and(|h| *h == up.addr.to_string());
        if !(allowed_upstream_call(&s.method, &s.path_and_query) && headers_ok && host_ok) {
            escaped.push(format!(
                "{} {} {:?}",
                s.method,
                s.path_and_query,
                s.headers.keys().collect::<Vec<_>>()
            ));
        }
        assert!(
            !s.path_and_query.contains(SECRET),
            "secret in an upstream URL"
        );
    }
    for (what, resp) in &responses {
        let text = String::from_utf8_lossy(resp);
        let head = text.split("\r\n\r\n").next().unwrap_or("");
        assert!(
            !head.contains(SECRET) && !head.contains(&basic()[6..]),
            "{what}: secret in a response header"
        );
    }
    let log_text = logs.text();
    assert!(
        log_text.contains("/beta/audit/events"),
        "logs were captured"
    );
    assert!(
        !log_text.contains(SECRET) && !log_text.contains(&basic()[6..]),
        "secret in a log line"
    );

    println!(
        "crafted requests: {} sent; answers by status: {statuses:?}; {} reached the upstream, all allowed calls; {} escaped",
        corpus.len(),
        seen.len(),
        escaped.len()
    );
    assert!(escaped.is_empty(), "escaped to the upstream: {escaped:#?}");
    assert!(seen.len() >= 3, "the allowed calls did reach the upstream");
}
