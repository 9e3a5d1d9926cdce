//! The real binary on a real socket, in front of a fake upstream on loopback: what the upstream
//! receives, CORS on the wire, the demo's `curl -u demo:demo` answer, and a graceful stop.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, FakeUpstream};

struct Proxy {
    child: Child,
    base: String,
}

impl Proxy {
    async fn start(args: &[&str]) -> Proxy {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_audit-proxy"))
            .args(["--listen", &listen])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn audit-proxy");
        let base = format!("http://{listen}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.get(format!("{base}/healthz")).send().await.is_err() {
            assert!(Instant::now() < deadline, "proxy did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Proxy { child, base }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "no graceful stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn relays_over_real_sockets_and_stops_on_sigterm() {
    let up = FakeUpstream::start().await;
    let proxy = Proxy::start(&[
        "--upstream",
        &up.url(),
        "--allow-origin",
        "http://app.test:8080",
    ])
    .await;
    let client = reqwest::Client::new();
    let resp = client
        .get(format!("{}/beta/audit/events?size=3&evil=1", proxy.base))
        .basic_auth("key", Some("secret"))
        .header("origin", "http://app.test:8080")
        .header("cookie", "a=b")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://app.test:8080"
    );
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(resp.headers().get("set-cookie").is_none());

    let resp = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/beta/audit/events", proxy.base),
        )
        .basic_auth("key", Some("secret"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);

    let seen = up.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].path_and_query, "/beta/audit/events?page=1&size=3");
    assert!(seen[0].headers.get("cookie").is_none());
    assert_eq!(seen[1].method, "OPTIONS");

    let status = proxy.terminate();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
}

#[tokio::test]
async fn demo_answers_a_hal_page_like_the_readme_says() {
    let proxy = Proxy::start(&["--demo", "--demo-events", "500"]).await;
    let bytes = reqwest::Client::new()
        .get(format!("{}/beta/audit/events", proxy.base))
        .basic_auth("demo", Some("demo"))
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let page: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(page["page"]["totalElements"], 500);
    assert_eq!(
        page["_embedded"]["events"]
            .as_array()
            .expect("events")
            .len(),
        30
    );
    assert!(page["_links"]["self"]["href"]
        .as_str()
        .expect("self")
        .starts_with(&proxy.base));
}

#[test]
fn a_malformed_demo_file_stops_start_up_with_its_line_number() {
    let path = std::env::temp_dir().join(format!("bad-demo-{}.jsonl", std::process::id()));
    std::fs::write(
        &path,
        "{\"id\":\"a\",\"created_at\":\"2024-01-01T00:00:00\"}\n\nnot json\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_audit-proxy"))
        .args(["--demo", "--listen", "127.0.0.1:0", "--demo-data"])
        .arg(&path)
        .output()
        .expect("run");
    let _ = std::fs::remove_file(&path);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn help_explains_every_flag_and_its_environment_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_audit-proxy"))
        .arg("--help")
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--listen",
        "--upstream",
        "--allow-origin",
        "--demo",
        "--demo-seed",
        "--demo-events",
        "--demo-data",
        "--upstream-timeout-secs",
        "--max-concurrency",
        "AUDIT_PROXY_UPSTREAM",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}
