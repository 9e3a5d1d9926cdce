//! The watch's rules: every shipped rule (`rules/` at the repository's root) fires on the events
//! its test file (`rules/tests/<rule file>.json`) says must fire it and stays quiet on the others;
//! a rule the watch cannot run is refused with its file and line.

use std::path::{Path, PathBuf};

use audit_archive::hit::Hit;
use audit_archive::store::{Held, Listed};
use audit_archive::testing::Cluster;
use audit_archive::watch::{RuleError, RuleSet, Watch, Watcher};
use audit_model::AuditEvent;
use serde_json::Value;

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules")
}

/// A scenario's events: each entry an event, or `{"repeat": n, "every_secs": s, "event": {…}}`
/// for n events s seconds apart. Events without an id get one.
fn events(list: &Value) -> Vec<AuditEvent> {
    let mut out = Vec::new();
    for entry in list.as_array().expect("a list of events") {
        let (n, every, event) = match entry.get("repeat") {
            Some(n) => (
                n.as_u64().expect("repeat"),
                entry["every_secs"].as_i64().expect("every_secs"),
                &entry["event"],
            ),
            None => (1, 0, entry),
        };
        let start = audit_model::time::parse_api_timestamp(
            event["created_at"].as_str().expect("created_at"),
        )
        .expect("a time");
        for i in 0..n as i64 {
            let mut e = event.clone();
            e["created_at"] = audit_model::time::format_api(start + i * every * 1000).into();
            if e.get("id").is_none() {
                e["id"] = format!("00000000-0000-4000-8000-{:012}", out.len()).into();
            }
            out.push(serde_json::from_value(e).expect("an event"));
        }
    }
    out
}

fn run(rules: &RuleSet, events: &[AuditEvent]) -> Vec<Hit> {
    run_after(rules, &[], events)
}

/// The rules over `events`, the first-seen rules remembering `history` first.
fn run_after(rules: &RuleSet, history: &[AuditEvent], events: &[AuditEvent]) -> Vec<Hit> {
    let mut watch = Watch::new(rules).expect("a watch");
    history.iter().for_each(|e| watch.remember(e));
    events.iter().flat_map(|e| watch.observe(e)).collect()
}

/// A scenario's history (events before it that the first-seen rules remember), if any.
fn history(scenario: &Value) -> Vec<AuditEvent> {
    match scenario.get("history") {
        Some(h) => events(h)
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                e.id = format!("00000000-0000-4000-a000-{i:012}");
                e
            })
            .collect(),
        None => Vec::new(),
    }
}

#[test]
fn every_shipped_rule_fires_on_its_events_and_not_on_the_others() {
    let rules = RuleSet::load(&shipped()).expect("the shipped rules load");
    let mut files: Vec<PathBuf> = rules.rules.iter().map(|r| r.file.clone()).collect();
    files.dedup();
    assert!(files.len() >= 8, "{files:?}");
    for file in files {
        let stem = file.file_stem().and_then(|s| s.to_str()).expect("a name");
        let test = shipped().join("tests").join(format!("{stem}.json"));
        let text = std::fs::read_to_string(&test)
            .unwrap_or_else(|e| panic!("{}: every rule file has a test: {e}", test.display()));
        let spec: Value = serde_json::from_str(&text).expect("JSON");
        let ids: Vec<&str> = rules
            .rules
            .iter()
            .filter(|r| r.file == file)
            .map(|r| r.id.as_str())
            .collect();
        let scenarios = |key: &str| spec[key].as_array().cloned().unwrap_or_default();
        assert!(
            !scenarios("quiet").is_empty(),
            "{stem}: a test says what must not fire it"
        );
        for s in scenarios("fires") {
            let evs = events(&s["events"]);
            let hits: Vec<Hit> = run_after(&rules, &history(&s), &evs)
                .into_iter()
                .filter(|h| ids.contains(&h.rule.as_str()))
                .collect();
            assert!(!hits.is_empty(), "{stem}: {} must fire it", s["name"]);
            // Each hit names events of the scenario, the one that completed it last.
            for h in &hits {
                assert!(!h.events.is_empty(), "{stem}: {h:?}");
                assert!(
                    h.events.iter().all(|id| evs.iter().any(|e| e.id == *id)),
                    "{stem}: {h:?}"
                );
                let last = evs.iter().find(|e| Some(&e.id) == h.events.last());
                assert_eq!(last.and_then(AuditEvent::timestamp), Some(h.at), "{stem}");
            }
        }
        for s in scenarios("quiet") {
            let hits: Vec<Hit> = run_after(&rules, &history(&s), &events(&s["events"]))
                .into_iter()
                .filter(|h| ids.contains(&h.rule.as_str()))
                .collect();
            assert!(
                hits.is_empty(),
                "{stem}: {} must not fire it: {hits:?}",
                s["name"]
            );
        }
    }
}

#[test]
fn a_burst_names_every_login_behind_it() {
    let rules = RuleSet::load(&shipped()).expect("rules");
    let spec: Value = serde_json::from_str(
        &std::fs::read_to_string(shipped().join("tests/login-burst.json")).expect("test"),
    )
    .expect("JSON");
    let evs = events(&spec["fires"][0]["events"]);
    let hits = run(&rules, &evs);
    let burst = hits
        .iter()
        .find(|h| h.title == "Burst of logins by one user")
        .expect("the burst");
    assert_eq!(burst.level, "high");
    assert_eq!(burst.events.len(), 10, "the ten logins that made it");
    assert_eq!(burst.events[0], evs[0].id);
    assert!(
        hits.iter().all(|h| h.title != "Dashboard login"),
        "a login alone never alerts: {hits:?}"
    );
}

/// Loads a folder holding one file with `text`.
fn load_one(text: &str) -> Result<RuleSet, RuleError> {
    let dir = std::env::temp_dir().join(format!(
        "audit-rules-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("rule.yml"), text).expect("write");
    let result = RuleSet::load(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

const GOOD: &str = "title: Secret created
id: t-1
logsource:
  product: vonage
  service: audit
detection:
  selection:
    event_type: ACCOUNT_SECRET_CREATE
  condition: selection
";

#[test]
fn a_rule_the_watch_cannot_run_is_refused_with_its_file_and_line() {
    assert!(load_one(GOOD).is_ok());
    // (the file, what must be said, on which line)
    let cases: [(String, &str, usize); 7] = [
        (
            format!("{GOOD}new_terms:\n  fields: [country]\n  history: 90d\n"),
            "new_terms: no event has the field \"country\"",
            1,
        ),
        (
            GOOD.replace("vonage", "windows"),
            "logsource: {product: vonage, service: audit}",
            1,
        ),
        (
            GOOD.replace("event_type:", "eventtype:"),
            "no event has the field \"eventtype\"",
            1,
        ),
        (
            format!("{GOOD}---\ntitle: Second\nid: t-1\nlogsource:\n  product: vonage\n  service: audit\ndetection:\n  s:\n    source: CD\n  condition: s\n"),
            "the id t-1 is already used by the rule at",
            11,
        ),
        (
            format!("{GOOD}---\n# a comment\ntitle: Sum\ncorrelation:\n  type: value_sum\n  rules: [t-1]\n  group-by: [user_email]\n  timespan: 1h\n  condition:\n    gte: 3\n    field: source_ip\n"),
            "value_sum is not supported",
            11,
        ),
        (
            format!("{GOOD}---\ntitle: Count\ncorrelation:\n  type: event_count\n  rules: [nowhere]\n  timespan: 1h\n  condition:\n    gte: 3\n"),
            "names the rule \"nowhere\"",
            11,
        ),
        (
            GOOD.replace("condition: selection", "condition: selection and ("),
            "",
            1,
        ),
    ];
    for (text, said, line) in cases {
        let e = load_one(&text).expect_err(&text);
        let msg = e.to_string();
        assert!(msg.contains(said), "{msg}");
        assert!(
            msg.contains(&format!("rule.yml:{line}: ")),
            "names the file and line {line}: {msg}"
        );
    }
    // Hostile files: an unknown modifier and bad YAML are refused with their place; a 10 MB
    // file is refused unread; a regex that would backtrack badly elsewhere runs in linear time
    // here (the engine's regex has no backtracking) and answers.
    for (text, said) in [
        (
            GOOD.replace("event_type:", "event_type|frobnicate:"),
            "frobnicate",
        ),
        (format!("{GOOD}  : [unclosed\n"), ""),
    ] {
        let msg = load_one(&text).expect_err(&text).to_string();
        assert!(msg.contains("rule.yml:") && msg.contains(said), "{msg}");
    }
    let huge = format!("{GOOD}# {}\n", "x".repeat(10 << 20));
    let msg = load_one(&huge).expect_err("10 MB").to_string();
    assert!(
        msg.contains("rule.yml:1: ") && msg.contains("at most 1048576"),
        "{msg}"
    );
    let greedy = GOOD.replace(
        "    event_type: ACCOUNT_SECRET_CREATE",
        "    event_type|re: '^(a+)+$'",
    );
    let rules = load_one(&greedy).expect("a regex rule loads");
    let mut watch = Watch::new(&rules).expect("a watch");
    let mut evil = audit_model::testing::event("evil")
        .at("2026-01-05T11:00:00")
        .build();
    evil.event_type = format!("{}b", "a".repeat(100_000));
    assert!(watch.observe(&evil).is_empty());
    evil.event_type = "a".repeat(100_000);
    assert_eq!(watch.observe(&evil).len(), 1);

    let empty = std::env::temp_dir().join(format!("audit-rules-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("dir");
    assert!(matches!(RuleSet::load(&empty), Err(RuleError::Empty(_))));
    let _ = std::fs::remove_dir_all(&empty);
    assert!(matches!(
        RuleSet::load(Path::new("/nonexistent/rules")),
        Err(RuleError::Unreadable { .. })
    ));
}

fn event(n: usize, ty: &str, at: &str) -> Listed {
    let e = serde_json::json!({
        "id": format!("00000000-0000-4000-9000-{n:012}"),
        "event_type": ty,
        "created_at": at,
        "user_email": "dave.dev@acme.example",
    });
    Listed::new(serde_json::from_value(e).expect("event"), 0)
}

fn held(to: &str, done: bool) -> Option<Held> {
    let t = audit_model::time::parse_api_timestamp(to).expect("time");
    Some(Held {
        from: 0,
        to: t,
        backfill_page: 1,
        backfill_done: done,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_alerts_once_on_what_is_new_and_carries_its_windows_across_a_restart() {
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let pool = audit_archive::db::pool(&cluster.url(), 4, None).expect("pool");
    audit_archive::db::migrate(&pool).await.expect("migrate");
    let db = audit_archive::store::Archive::new(pool);
    let rules = || RuleSet::load(&shipped()).expect("rules");

    // History, while the backfill runs: the watch waits, and never alerts on it.
    db.write(
        &[event(1, "ACCOUNT_SECRET_DELETE", "2026-01-01T10:00:00")],
        held("2026-01-01T10:00:00", false),
    )
    .await
    .expect("write");
    let mut watcher = Watcher::open(db.clone(), rules()).await.expect("open");
    assert!(watcher.round().await.expect("round").is_empty());
    db.write(
        &[event(2, "ACCOUNT_SECRET_DELETE", "2025-12-01T10:00:00")],
        held("2026-01-01T10:00:00", true),
    )
    .await
    .expect("write");
    assert!(
        watcher.round().await.expect("round").is_empty(),
        "history is for rules test"
    );
    assert!(db.hits(10).await.expect("hits").is_empty());

    // New events: a secret deleted alerts, once.
    db.write(
        &[event(3, "ACCOUNT_SECRET_DELETE", "2026-01-02T09:00:00")],
        held("2026-01-02T09:00:00", true),
    )
    .await
    .expect("write");
    let hits = watcher.round().await.expect("round");
    let titles: Vec<&str> = hits.iter().map(|h| h.title.as_str()).collect();
    assert!(titles.contains(&"API secret deleted"), "{titles:?}");
    assert!(hits
        .iter()
        .all(|h| h.events == ["00000000-0000-4000-9000-000000000003"]));
    assert!(
        watcher.round().await.expect("round").is_empty(),
        "nothing new, nothing again"
    );
    let stored = db.hits(10).await.expect("hits").len();
    assert_eq!(stored, hits.len());

    // An allow-list entry; then the archive restarts; then a secret within the hour: the
    // sequence rule fires, because the restored windows remember the entry.
    db.write(
        &[event(4, "IP_WHITELIST_CREATE", "2026-01-02T11:03:00")],
        held("2026-01-02T11:03:00", true),
    )
    .await
    .expect("write");
    assert!(
        !watcher.round().await.expect("round").is_empty(),
        "the entry alerts (low)"
    );
    drop(watcher);
    let mut watcher = Watcher::open(db.clone(), rules()).await.expect("reopen");
    assert!(
        watcher.round().await.expect("round").is_empty(),
        "a restart repeats nothing"
    );
    db.write(
        &[event(5, "ACCOUNT_SECRET_CREATE", "2026-01-02T11:23:00")],
        held("2026-01-02T11:23:00", true),
    )
    .await
    .expect("write");
    let hits = watcher.round().await.expect("round");
    let sequence = hits
        .iter()
        .find(|h| h.title == "Credentials changed within an hour of a new allow-list entry")
        .unwrap_or_else(|| panic!("the sequence across the restart: {hits:?}"));
    assert_eq!(
        sequence.events,
        [
            "00000000-0000-4000-9000-000000000004",
            "00000000-0000-4000-9000-000000000005"
        ]
    );
    // Stored once, newest first.
    let all = db.hits(100).await.expect("hits");
    assert_eq!(all[0].at, sequence.at);
    let keys: std::collections::HashSet<String> = all.iter().map(Hit::key).collect();
    assert_eq!(keys.len(), all.len());

    // The OCSF export ends with every hit as a Detection Finding; the other formats carry none.
    use audit_archive::export::{export, Format};
    let mut buf = Vec::new();
    let n = export(&db, Format::Ocsf, None, &mut buf)
        .await
        .expect("export");
    assert_eq!((n.events, n.findings), (5, all.len() as u64));
    let lines: Vec<Value> = String::from_utf8(buf)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let findings: Vec<&Value> = lines.iter().filter(|l| l["class_uid"] == 2004).collect();
    assert_eq!(findings.len(), all.len());
    let seq = findings
        .iter()
        .find(|f| f["finding_info"]["analytic"]["name"] == sequence.title)
        .expect("the sequence as a finding");
    assert_eq!(seq["severity_id"], 4);
    assert_eq!(
        seq["finding_info"]["related_events"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let mut buf = Vec::new();
    let n = export(&db, Format::Jsonl, None, &mut buf)
        .await
        .expect("export");
    assert_eq!((n.events, n.findings), (5, 0));

    // Served: the announcement names the rules and the alerts, newest first, as stored.
    let url = serve_with_rules(&db, &rules()).await;
    let get = |path: &str| {
        let url = format!("{url}{path}");
        async move {
            let resp = reqwest::Client::new()
                .get(url)
                .basic_auth("k", Some("s"))
                .send()
                .await
                .expect("answer");
            (
                resp.status().as_u16(),
                resp.json::<Value>().await.expect("JSON"),
            )
        }
    };
    let (status, about) = get("/beta/audit/archive").await;
    assert_eq!(status, 200, "{about}");
    assert_eq!(about["events"], 5);
    assert_eq!(about["complete"], true);
    assert_eq!(
        about["answers"],
        serde_json::json!(["where", "counts", "facets", "alerts", "related"])
    );
    assert_eq!(
        about["rules"].as_array().map(Vec::len),
        Some(rules().rules.len())
    );
    let secret = about["rules"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["title"] == "API secret deleted"))
        .expect("the rule announced");
    assert_eq!(secret["level"], "medium");
    assert_eq!(secret["tags"], serde_json::json!(["overview.key-changes"]));
    let (status, alerts) = get("/beta/audit/archive/alerts?size=2").await;
    assert_eq!(status, 200, "{alerts}");
    let served = alerts["alerts"].as_array().expect("alerts");
    assert_eq!(served.len(), 2);
    for (served, stored) in served.iter().zip(&all) {
        assert_eq!(served["title"], stored.title.as_str());
        assert_eq!(served["level"], stored.level.as_str());
        assert_eq!(
            served["at"],
            audit_model::time::format_api(stored.at).as_str()
        );
        assert_eq!(served["events"], serde_json::json!(stored.events));
    }
    assert_eq!(
        served[0]["at"],
        audit_model::time::format_api(sequence.at).as_str()
    );
    assert_eq!(served[0]["delivery"], "none");
    let (status, _) = get("/beta/audit/archive/alerts?size=1000").await;
    assert_eq!(status, 200);
    let refused = reqwest::Client::new()
        .get(format!("{url}/beta/audit/archive/alerts"))
        .basic_auth("k", Some("wrong"))
        .send()
        .await
        .expect("answer");
    assert_eq!(refused.status().as_u16(), 401);
}

/// `db` served on a loopback port by the archive's own service, announcing `rules`, with the
/// account key `k` and secret `s`; its URL.
async fn serve_with_rules(db: &audit_archive::store::Archive, rules: &RuleSet) -> String {
    use clap::Parser;
    let config = audit_archive::config::Config::parse_from([
        "audit-archive",
        "--database-url",
        "postgres://unused",
    ]);
    audit_archive::testing::serve_on_loopback(config, db.clone(), ("k", "s"), rules.summary()).await
}

/// Whether a receiver written in Python, following docs/archive.md (HMAC-SHA256 under the
/// secret of `<timestamp>.<raw body>`, compared in constant time), accepts a delivery.
fn python_verifies(secret: &str, ts: u64, signature: &str, body: &str) -> bool {
    use std::io::Write;
    const RECIPE: &str = "import hashlib, hmac, sys
secret, ts, signature = sys.argv[1:4]
body = sys.stdin.buffer.read()
mac = hmac.new(secret.encode(), ts.encode() + b'.' + body, hashlib.sha256).hexdigest()
sys.exit(0 if hmac.compare_digest('sha256=' + mac, signature) else 1)";
    let mut child = std::process::Command::new("python3")
        .args(["-c", RECIPE, secret, &ts.to_string(), signature])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (the receiver's language)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("body");
    child.wait().expect("python3").success()
}

/// What the test receiver got: (headers, body) per request.
type Received = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, String)>>>;

/// A webhook receiver on loopback that answers 500 to the first `failures` requests, then 200.
async fn receiver(failures: usize) -> (String, Received) {
    let got: Received = Received::default();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let got = got.clone();
            move |headers: axum::http::HeaderMap, body: String| {
                let got = got.clone();
                async move {
                    let mut got = got.lock().expect("lock");
                    got.push((headers, body));
                    if got.len() <= failures {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::NO_CONTENT
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, got)
}

fn webhook(url: &str, tries: u32) -> audit_archive::deliver::Webhook {
    audit_archive::deliver::Webhook {
        url: url.to_string(),
        secret: "s3cret".into(),
        body: audit_archive::deliver::Body::Json,
        attempts: tries,
        first_wait: std::time::Duration::from_millis(20),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_are_signed_retried_with_one_key_and_given_up_after_the_last_try() {
    use audit_archive::deliver::{sign, Deliverer};
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let pool = audit_archive::db::pool(&cluster.url(), 4, None).expect("pool");
    audit_archive::db::migrate(&pool).await.expect("migrate");
    let db = audit_archive::store::Archive::new(pool);
    let hit = |rule: &str, n: usize| Hit {
        rule: rule.into(),
        title: "API secret deleted".into(),
        level: "high".into(),
        events: vec![format!("00000000-0000-4000-9000-{n:012}")],
        at: 1_767_600_000_000,
    };
    db.save_watch(&[hit("r-1", 1)], 0, "r-1", "{}")
        .await
        .expect("store");

    // The receiver fails twice: the third try delivers, with the same key each time.
    let (url, got) = receiver(2).await;
    let deliver = Deliverer::new(db.clone(), webhook(&url, 5)).expect("client");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while deliver.round().await.expect("round") == 0 {
        assert!(std::time::Instant::now() < deadline, "never delivered");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(deliver.round().await.expect("round"), 0, "delivered once");
    let got = got.lock().expect("lock").clone();
    assert_eq!(got.len(), 3);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let key = hit("r-1", 1).key();
    for (headers, body) in &got {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).expect(name);
        assert_eq!(header("idempotency-key"), key);
        let ts: u64 = header("x-audit-timestamp").parse().expect("Unix seconds");
        assert!(now.abs_diff(ts) < 60);
        assert_eq!(header("x-audit-signature"), sign("s3cret", ts, body));
        assert_ne!(header("x-audit-signature"), sign("other", ts, body));
        // The documented recipe, as a receiver in another language follows it.
        for (secret, valid) in [("s3cret", true), ("other", false)] {
            assert_eq!(
                python_verifies(secret, ts, header("x-audit-signature"), body),
                valid
            );
        }
        let v: Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(v["id"], "r-1");
        assert_eq!(v["level"], "high");
        assert_eq!(v["ids"][0], "00000000-0000-4000-9000-000000000001");
        assert_eq!(v["at"], "2026-01-05T08:00:00.000Z");
    }

    // Nothing listens: after two tries the hit is dead, with the last error kept.
    db.save_watch(&[hit("r-2", 2)], 0, "r-2", "{}")
        .await
        .expect("store");
    let gone = format!("http://127.0.0.1:{}/hook", {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port()
    });
    let deliver = Deliverer::new(db.clone(), webhook(&gone, 2)).expect("client");
    let client = db.pool().get().await.expect("client");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        deliver.round().await.expect("round");
        let row = client
            .query_one(
                "SELECT dead_at IS NOT NULL, tries, last_error, delivered_at IS NULL FROM hits WHERE rule_id = 'r-2'",
                &[],
            )
            .await
            .expect("row");
        if row.get::<_, bool>(0) {
            assert_eq!(row.get::<_, i32>(1), 2);
            assert!(row
                .get::<_, Option<String>>(2)
                .is_some_and(|e| !e.is_empty()));
            assert!(row.get::<_, bool>(3));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never given up");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // A dead hit is not tried again.
    assert_eq!(db.due_hits(10).await.expect("due").len(), 0);
}

#[test]
fn a_slack_body_says_the_rule_and_its_events_in_one_line() {
    let hook = audit_archive::deliver::Webhook {
        body: audit_archive::deliver::Body::Slack,
        ..webhook("http://127.0.0.1:9/", 1)
    };
    let hit = Hit {
        rule: "r".into(),
        title: "Burst of logins by one user".into(),
        level: "high".into(),
        events: vec!["a".into(), "b".into()],
        at: 0,
    };
    let v: Value = serde_json::from_str(&hook.body(&hit)).expect("JSON");
    assert_eq!(
        v["text"],
        "[high] Burst of logins by one user — 2 events up to 1970-01-01T00:00:00.000Z: a, b"
    );
    // Waits double from the first, with jitter of a quarter either way, up to ten minutes.
    for (failures, ms) in [(1, 20), (2, 40), (3, 80)] {
        let w = hook.wait(failures).as_millis() as u64;
        assert!((ms * 3 / 4..=ms * 5 / 4).contains(&w), "{failures}: {w}");
    }
    assert!(hook.wait(40).as_secs() <= 750);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_seen_rules_remember_what_the_archive_held_before_the_watch_started() {
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let pool = audit_archive::db::pool(&cluster.url(), 4, None).expect("pool");
    audit_archive::db::migrate(&pool).await.expect("migrate");
    let db = audit_archive::store::Archive::new(pool);
    let login = |n: usize, at: &str, country: &str| {
        let mut l = event(n, "USER_LOGIN", at);
        l.event.source_country = Some(country.into());
        l
    };
    // History: GB logins, one long before the look-back.
    db.write(
        &[
            login(1, "2025-12-20T09:00:00", "GB"),
            login(2, "2025-06-01T09:00:00", "US"),
        ],
        held("2025-12-20T09:00:00", true),
    )
    .await
    .expect("write");
    let mut watcher = Watcher::open(db.clone(), RuleSet::load(&shipped()).expect("rules"))
        .await
        .expect("open");
    assert!(watcher.round().await.expect("start").is_empty());
    let first_seen = |hits: &[Hit]| {
        hits.iter()
            .filter(|h| h.title == "First login from a country new to the account")
            .count()
    };
    // GB again: seen within 90 days. US: seen, but 7 months ago. BR: never.
    for (n, at, country, new) in [
        (3, "2026-01-02T08:00:00", "GB", 0),
        (4, "2026-01-02T08:30:00", "US", 1),
        (5, "2026-01-02T09:00:00", "BR", 1),
        (6, "2026-01-02T09:05:00", "BR", 0),
    ] {
        db.write(&[login(n, at, country)], held(at, true))
            .await
            .expect("write");
        let hits = watcher.round().await.expect("round");
        assert_eq!(first_seen(&hits), new, "{country} at {at}: {hits:?}");
    }
    // A restart reads the look-back again: BR is no longer new.
    drop(watcher);
    let mut watcher = Watcher::open(db.clone(), RuleSet::load(&shipped()).expect("rules"))
        .await
        .expect("reopen");
    db.write(
        &[login(7, "2026-01-03T09:00:00", "BR")],
        held("2026-01-03T09:00:00", true),
    )
    .await
    .expect("write");
    assert_eq!(first_seen(&watcher.round().await.expect("round")), 0);
}

#[test]
fn rules_check_loads_a_folder_without_a_database_and_names_a_refused_rule() {
    let run = |dir: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_audit-archive"))
            .args(["rules", "check"])
            .arg(dir)
            .output()
            .expect("run audit-archive rules check")
    };
    let ok = run(&shipped());
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let out = String::from_utf8_lossy(&ok.stdout);
    let n = RuleSet::load(&shipped()).expect("rules").rules.len();
    assert!(out.contains(&format!("{n} rules load from")), "{out}");
    assert!(out.contains("secret-deleted.yml:1"), "{out}");
    let dir = std::env::temp_dir().join(format!("audit-rules-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("bad.yml"),
        GOOD.replace("event_type:", "eventtype:"),
    )
    .expect("write");
    let bad = run(&dir);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("bad.yml:1: ") && err.contains("eventtype"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
