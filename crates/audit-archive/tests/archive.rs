//! The archive as an operator runs it: the `audit-archive` binary against a throwaway
//! PostgreSQL cluster and the demo account as its upstream, over real sockets.

mod common;

use std::time::Duration;

use audit_archive::testing::Cluster;
use common::*;
use serde_json::Value;

/// A web page's origin allowed to call the archive.
const ORIGIN: &str = "http://app.example";

async fn get(url: &str, auth: Option<(&str, &str)>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some((k, s)) = auth {
        req = req.basic_auth(k, Some(s));
    }
    let resp = req.send().await.expect("answer");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn event_types(base: &str) -> Value {
    reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/beta/audit/events"),
        )
        .basic_auth("demo", Some("demo"))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json")
}

/// The same JSON with one base URL written as another (the links name the host that answered).
fn rebased(v: &Value, from: &str, to: &str) -> Value {
    serde_json::from_str(&v.to_string().replace(from, to)).expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_archive_answers_every_query_as_the_api_does() {
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let demo = DemoUpstream::start(&["--demo-events", "2000"]).await;
    let mut archive = Running::start(&cluster.url(), &demo.url, &["--allow-origin", ORIGIN]);
    archive.ready().await;
    let db = common::archive(&cluster.url());
    until_held(&db, 2000, Duration::from_secs(60)).await;
    assert_eq!(db.ids().await.expect("ids"), upstream_ids(&demo.url).await);

    // The consistency matrix (the local copy's test uses the same), answered by both.
    let (_, first) = get(
        &format!("{}/beta/audit/events?size=100", demo.url),
        Some(("demo", "demo")),
    )
    .await;
    let events = first["_embedded"]["events"].as_array().expect("events");
    let user = events[0]["user_email"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ip = events
        .iter()
        .find_map(|e| e["source_ip"].as_str())
        .expect("an event with an IP")
        .to_string();
    let queries = audit_model::testing::consistency_queries(&user, &ip);
    let mut nonempty = 0;
    for qs in &queries {
        let path = format!("/beta/audit/events?{qs}");
        let (want_status, want) = get(&format!("{}{path}", demo.url), Some(("demo", "demo"))).await;
        let (status, got) = get(&format!("{}{path}", archive.url), Some(("demo", "demo"))).await;
        assert_eq!(
            status,
            want_status,
            "{qs}: {got}\narchive's log: {}",
            archive.log_text()
        );
        if status == 200 {
            assert_eq!(got, rebased(&want, &demo.url, &archive.url), "{qs}");
            if want["page"]["totalElements"].as_u64().unwrap_or(0) > 0 {
                nonempty += 1;
            }
        } else {
            assert_eq!(got["status"], want["status"], "{qs}");
        }
    }
    assert!(
        nonempty * 2 > queries.len(),
        "{nonempty} of {}",
        queries.len()
    );

    // The app's qualifiers (`where=`), answered in SQL as the tab answers them.
    qualifiers_match_the_tabs_answers(&cluster).await;
    slot_counts_answer_as_the_events_do(&cluster).await;
    search_text_answers_as_the_tab_does(&cluster).await;
    let total = |v: &Value| v["page"]["totalElements"].as_u64().expect("total");
    let list_where = |w: &str| {
        reqwest::Url::parse_with_params(
            &format!("{}/beta/audit/events", archive.url),
            [("size", "100"), ("where", w)],
        )
        .expect("url")
        .to_string()
    };
    let (status, logins) = get(&list_where("type:user_login"), Some(("demo", "demo"))).await;
    assert_eq!(status, 200, "{logins}");
    let (_, others) = get(&list_where("-type:USER_LOGIN"), Some(("demo", "demo"))).await;
    assert!(total(&logins) > 0 && total(&others) > 0);
    assert_eq!(total(&logins) + total(&others), 2000);
    assert!(logins["_embedded"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .all(|e| e["event_type"] == "USER_LOGIN"));
    let (status, refused) = get(&list_where("colour:red"), Some(("demo", "demo"))).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("colour:") && m.contains("type:")),
        "{refused}"
    );

    // The timeline's counts in one answer: each day's count is the API's total for that day
    // (asked day by day, as the tab asks the plain API), in UTC+05:30 days.
    let (day, offset) = (86_400_000i64, 330);
    let newest =
        audit_model::time::parse_api_timestamp(events[0]["created_at"].as_str().expect("time"))
            .expect("time");
    let cut = audit_model::archive::Cut {
        width_ms: day,
        offset_minutes: offset,
    };
    let last = cut.start_of(newest);
    let first = last - 13 * day;
    let fourteen = audit_model::EventQuery {
        date_from: Some(audit_model::time::format_api(first)),
        date_to: Some(audit_model::time::format_api(last + day - 1000)),
        filter: Some("-type:USER_LOGIN".into()),
        ..Default::default()
    };
    let (status, counts) = get(
        &format!(
            "{}/beta/audit/archive/counts?{}",
            archive.url,
            audit_model::archive::counts_query(&fourteen, &cut)
        ),
        Some(("demo", "demo")),
    )
    .await;
    assert_eq!(status, 200, "{counts}");
    let counts: audit_model::archive::Counts = serde_json::from_value(counts).expect("counts");
    assert!(counts.buckets.len() > 7, "{counts:?}");
    for b in &counts.buckets {
        let (_, all) = get(
            &format!(
                "{}/beta/audit/events?size=1&date_from={}&date_to={}",
                demo.url,
                audit_model::time::format_api(b.start_ms),
                audit_model::time::format_api(b.start_ms + day - 1000)
            ),
            Some(("demo", "demo")),
        )
        .await;
        let (_, logins) = get(
            &format!(
                "{}/beta/audit/events?size=1&event_type=USER_LOGIN&date_from={}&date_to={}",
                demo.url,
                audit_model::time::format_api(b.start_ms),
                audit_model::time::format_api(b.start_ms + day - 1000)
            ),
            Some(("demo", "demo")),
        )
        .await;
        assert_eq!(
            b.count,
            total(&all) - total(&logins),
            "the day from {}",
            b.start_ms
        );
    }
    let (status, refused) = get(
        &format!("{}/beta/audit/archive/counts?bucket_ms=60000", archive.url),
        Some(("demo", "demo")),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("date_from")),
        "{refused}"
    );
    // The facets over the whole history: the logins' users sum to the logins.
    let (status, facets) = get(
        &format!(
            "{}/beta/audit/archive/facets?where=type:USER_LOGIN&top=100",
            archive.url
        ),
        Some(("demo", "demo")),
    )
    .await;
    assert_eq!(status, 200, "{facets}");
    let facets: audit_model::archive::Facets = serde_json::from_value(facets).expect("facets");
    assert_eq!(facets.events, total(&logins));
    let types = &facets.facets[0];
    assert_eq!(types.top, [("USER_LOGIN".to_string(), total(&logins))]);
    let users = facets
        .facets
        .iter()
        .find(|f| f.field == "user")
        .expect("users");
    assert_eq!(
        users.top.iter().map(|(_, n)| n).sum::<u64>() + users.missing,
        total(&logins)
    );

    // The announcement: all is held, qualifiers answered, no watch (no --rules) so no alerts.
    let (status, about) = get(
        &format!("{}/beta/audit/archive", archive.url),
        Some(("demo", "demo")),
    )
    .await;
    assert_eq!(status, 200, "{about}");
    assert_eq!(about["events"], 2000);
    assert_eq!(
        about["answers"],
        serde_json::json!(["where", "counts", "facets", "related"])
    );
    assert_eq!(about["newest"], events[0]["created_at"]);
    let (status, _) = get(&format!("{}/beta/audit/archive", archive.url), None).await;
    assert_eq!(status, 401);
    // Every answer is marked as an archive's, and a page of another origin may read the mark:
    // the app learns from its first list answer that there is an announcement to ask for.
    let listed = reqwest::Client::new()
        .get(format!("{}/beta/audit/events?size=1", archive.url))
        .basic_auth("demo", Some("demo"))
        .header("origin", ORIGIN)
        .send()
        .await
        .expect("answer");
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()[audit_model::archive::MARK_HEADER], "1");
    let exposed = listed.headers()["access-control-expose-headers"]
        .to_str()
        .expect("text");
    assert!(
        exposed.contains(audit_model::archive::MARK_HEADER),
        "{exposed}"
    );
    let plain = reqwest::Client::new()
        .get(format!("{}/beta/audit/events?size=1", demo.url))
        .basic_auth("demo", Some("demo"))
        .send()
        .await
        .expect("answer");
    assert_eq!(plain.status(), 200);
    assert!(plain
        .headers()
        .get(audit_model::archive::MARK_HEADER)
        .is_none());

    // The event types, one event, an unknown one.
    assert_eq!(
        event_types(&archive.url).await,
        event_types(&demo.url).await
    );
    let id = events[3]["id"].as_str().expect("id");
    let one = |base: &str| format!("{base}/beta/audit/events/{id}");
    let (status, got) = get(&one(&archive.url), Some(("demo", "demo"))).await;
    assert_eq!(status, 200);
    let (_, want) = get(&one(&demo.url), Some(("demo", "demo"))).await;
    assert_eq!(got, rebased(&want, &demo.url, &archive.url));
    let missing = "/beta/audit/events/aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
    let (status, body) = get(&format!("{}{missing}", archive.url), Some(("demo", "demo"))).await;
    assert_eq!(status, 404, "{body}");
    // An event's relatives: the same user's events around it, its resource's history (the
    // store's own answers are checked against the tab's in the slot test); an id that is none
    // is refused, one not held is not found.
    let related = |query: &str| format!("{}/beta/audit/archive/related?{query}", archive.url);
    let (status, got) = get(&related(&format!("id={id}")), Some(("demo", "demo"))).await;
    assert_eq!(status, 200, "{got}");
    let got: audit_model::related::Related = serde_json::from_value(got).expect("related");
    assert!(got.previous.is_some() || got.next.is_some(), "{got:?}");
    for e in got.previous.iter().chain(&got.next).chain(&got.history) {
        let link = e
            .links
            .as_ref()
            .and_then(|l| l.self_.as_ref())
            .expect("a link");
        assert!(link.href.starts_with(&archive.url), "{}", link.href);
    }
    let (status, body) = get(&related("id=1%27%20OR%201=1"), Some(("demo", "demo"))).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = get(
        &related("id=aaaaaaaa-bbbb-cccc-dddd-0123456789ab"),
        Some(("demo", "demo")),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(get(&related(&format!("id={id}")), None).await.0, 401);

    // Only the account's own key and secret read it.
    let list = format!("{}/beta/audit/events", archive.url);
    assert_eq!(get(&list, None).await.0, 401);
    let (status, body) = get(&list, Some(("demo", "wrong"))).await;
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|d| d.contains("API key and secret")),
        "{body}"
    );
    let log = archive.log_text();
    assert!(
        !log.contains("ZGVtbzpkZW1v") && !log.contains("demo:demo"),
        "{log}"
    );

    // `audit-archive export`: every event once, oldest first, in each format.
    let want = upstream_ids(&demo.url).await;
    let jsonl = export(&cluster.url(), &["--format", "jsonl"]);
    assert_eq!(jsonl.len(), want.len());
    let listed: Vec<audit_model::AuditEvent> = jsonl
        .iter()
        .map(|l| serde_json::from_str(l).expect("an event per line"))
        .collect();
    let mut ids: Vec<String> = listed.iter().map(|e| e.id.clone()).collect();
    let times: Vec<i64> = listed
        .iter()
        .map(|e| e.timestamp().expect("time"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    ids.sort();
    assert_eq!(ids, want);
    // As the API sent it (without the links that name the host).
    let (_, sent) = get(&one(&demo.url), Some(("demo", "demo"))).await;
    let line = listed.iter().find(|e| e.id == id).expect("the event");
    let mut sent: audit_model::AuditEvent = serde_json::from_value(sent).expect("event");
    sent.links = None;
    assert_eq!(*line, sent);
    for (format, uid) in [("ocsf", "/metadata/uid"), ("ecs", "/event/id")] {
        let lines = export(&cluster.url(), &["--format", format]);
        let mut got: Vec<String> = lines
            .iter()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("JSON per line");
                v.pointer(uid)
                    .and_then(Value::as_str)
                    .expect(uid)
                    .to_string()
            })
            .collect();
        got.sort();
        assert_eq!(got, want, "{format}");
    }
    let middle = times[times.len() / 2];
    let since = audit_model::time::format_api(middle);
    let later = export(&cluster.url(), &["--format", "ecs", "--since", &since]);
    let expected = times
        .iter()
        .filter(|t| **t >= middle - middle.rem_euclid(1000))
        .count();
    assert_eq!(later.len(), expected, "--since {since}");
    // The watch's backtest over the same events finds the demo's planted patterns on their days
    // (the demo's now is 2026-01-01 12:00).
    let rules_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_audit-archive"))
        .args(["rules", "test", rules_dir, "--database-url", &cluster.url()])
        .args(["--since", "2025-09-01"])
        .output()
        .expect("run audit-archive rules test");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("over 2,000 events"), "{report}");
    let days = |title: &str| -> Vec<String> {
        let mut lines = report.lines().skip_while(|l| !l.contains(title));
        let head = lines
            .next()
            .unwrap_or_else(|| panic!("{title} in {report}"));
        assert!(head.contains(".yml:"), "names its file: {head}");
        lines
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_string())
            .collect()
    };
    // The rules of level high and critical fire on the demo's three planted patterns and
    // nowhere else (its generator's facts: the burst and the new country 9 days before its now,
    // the allow-list entry then the key changes through the API from the new address 2 days
    // before).
    let planted: [(&str, &[&str]); 4] = [
        ("Burst of logins by one user", &["2025-12-23  1"]),
        (
            "Credentials changed within an hour of a new allow-list entry",
            &["2025-12-30  1"],
        ),
        (
            "A secret or key created, then the API used from a new address",
            &["2025-12-30  1"],
        ),
        (
            "First login from a country new to the account",
            &["2025-12-23  1"],
        ),
    ];
    for (title, want) in planted {
        assert_eq!(days(title), want, "{title} in {report}");
    }
    let severe: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("high ") || l.starts_with("critical "))
        .collect();
    assert_eq!(severe.len(), planted.len(), "{report}");
    for head in severe {
        assert!(
            planted.iter().any(|(t, _)| head.contains(t)),
            "only the planted patterns are severe: {head}"
        );
    }
    assert!(days("Credential or allow-list change between midnight")
        .iter()
        .any(|d| d.starts_with("2025-12-27")));
    assert!(
        days("Dashboard login").is_empty(),
        "a login alone never alerts"
    );
    assert!(days("First login from a country new to the account")
        .iter()
        .any(|d| d.starts_with("2025-12-23")));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_audit-archive"))
        .args([
            "rules",
            "test",
            "/nonexistent/rules",
            "--database-url",
            &cluster.url(),
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/rules"));
    // Told plainly what is wrong.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_audit-archive"))
        .args([
            "export",
            "--database-url",
            &cluster.url(),
            "--format",
            "xml",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ocsf, ecs, jsonl"));
    let gone = format!("postgres://postgres@127.0.0.1:{}/postgres", free_port());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_audit-archive"))
        .args(["export", "--database-url", &gone, "--format", "ocsf"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is PostgreSQL running"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `audit-archive export` with `args`: its lines.
fn export(database_url: &str, args: &[&str]) -> Vec<String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_audit-archive"))
        .args(["export", "--database-url", database_url])
        .args(args)
        .output()
        .expect("run audit-archive export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(String::from)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_it_ends_with_exactly_the_upstreams_events() {
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    // Slow answers, some connections cut mid-answer, and new events arriving while it runs.
    let demo = DemoUpstream::start(&[
        "--demo-events",
        "6000",
        "--fault-latency-ms",
        "25",
        "--fault",
        "drop",
        "--fault-rate",
        "0.05",
        "--demo-live-every-ms",
        "40",
        "--demo-live-max",
        "150",
    ])
    .await;
    let url = cluster.url();
    let db = common::archive(&url);
    let mut rng = fastrand::Rng::with_seed(7);
    let (mut kills, mut during_backfill) = (0, 0);
    while kills < 20 {
        let mut archive = Running::start(&url, &demo.url, &["--poll-secs", "1"]);
        tokio::time::sleep(Duration::from_millis(rng.u64(150..900))).await;
        archive.kill();
        kills += 1;
        if kills == 10 {
            // And once the database itself goes down hard.
            cluster.crash().expect("crash");
            cluster.up().expect("up");
        }
        if db
            .held()
            .await
            .expect("held")
            .is_none_or(|h| !h.backfill_done)
        {
            during_backfill += 1;
        }
    }
    assert!(
        during_backfill >= 5,
        "only {during_backfill} kills cut the backfill"
    );
    let mut archive = Running::start(&url, &demo.url, &["--poll-secs", "1"]);
    archive.ready().await;
    // All live events are in once the demo has added them all.
    tokio::time::sleep(Duration::from_millis(40 * 150)).await;
    let want = upstream_ids(&demo.url).await;
    assert_eq!(want.len(), 6150);
    until_held(&db, 6150, Duration::from_secs(60)).await;
    assert_eq!(
        db.ids().await.expect("ids"),
        want,
        "exactly the upstream's ids, once each"
    );

    // Events held from before the facet counts (their pairs not written) get them at the next
    // start, in the background, and the facets come out as they did.
    let everything = audit_model::EventQuery::default();
    let facets = db.facets(&everything, 5).await.expect("facets");
    assert_eq!(facets.events, 6150);
    archive.kill();
    let unpaired = db
        .pool()
        .get()
        .await
        .expect("connection")
        .execute(
            "UPDATE events SET facet_pairs = NULL WHERE created_ms % 2 = 0",
            &[],
        )
        .await
        .expect("unpair");
    assert!(unpaired > 1000, "{unpaired} unpaired");
    let mut archive = Running::start(&url, &demo.url, &["--poll-secs", "1"]);
    archive.ready().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !archive.log_text().contains("facet counts up to date") {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            archive.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(db.facets(&everything, 5).await.expect("facets"), facets);
    let stale: i64 = db
        .pool()
        .get()
        .await
        .expect("connection")
        .query_one("SELECT count(*) FROM facet_days_stale", &[])
        .await
        .expect("stale days")
        .get(0);
    assert_eq!(stale, 0, "every day counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_its_database_gone_it_says_so_and_recovers() {
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let demo = DemoUpstream::start(&["--demo-events", "300"]).await;
    let mut archive = Running::start(
        &cluster.url(),
        &demo.url,
        &["--poll-secs", "1", "--request-timeout-secs", "2"],
    );
    archive.ready().await;
    let db = common::archive(&cluster.url());
    until_held(&db, 300, Duration::from_secs(30)).await;
    let list = format!("{}/beta/audit/events?size=5", archive.url);

    // A question past the deadline is answered 504, and PostgreSQL stops working on it too:
    // here it waits for a lock another session holds until the end of this part.
    let mut locker = db.pool().get().await.expect("connection");
    let lock = locker.transaction().await.expect("transaction");
    lock.batch_execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let (status, body) = get(&list, Some(("demo", "demo"))).await;
    assert_eq!(status, 504, "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let waiting: i64 = lock
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() \
             AND wait_event_type = 'Lock' \
             AND query_start < clock_timestamp() - interval '3 seconds'",
            &[],
        )
        .await
        .expect("activity")
        .get(0);
    assert_eq!(waiting, 0, "statements still waiting past the deadline");
    lock.rollback().await.expect("unlock");
    drop(locker);

    cluster.crash().expect("crash");
    let (status, body) = get(&list, Some(("demo", "demo"))).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|d| d.contains("database is not answering")),
        "{body}"
    );
    cluster.up().expect("up");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get(&list, Some(("demo", "demo"))).await;
        if status == 200 {
            assert_eq!(body["page"]["totalElements"], 300);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(archive.log_text().contains("database"), "the log says why");
}

/// `audit-archive viewer NAME` with `password` on standard input.
fn viewer_line(name: &str, password: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_audit-archive"))
        .args(["viewer", name])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run audit-archive viewer");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write");
    child.wait_with_output().expect("output")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_viewers_sign_in_with_their_own_password() {
    let short = viewer_line("ana", "short");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("12 characters"));
    let made = viewer_line("ana", "a passphrase of ana's");
    assert!(made.status.success());
    let line = String::from_utf8(made.stdout).expect("UTF-8");
    assert!(line.starts_with("ana:$argon2id$"), "{line}");
    assert!(
        !line.contains("passphrase"),
        "the password itself is never printed"
    );

    let file = std::env::temp_dir().join(format!("viewers-{}.txt", std::process::id()));
    std::fs::write(&file, format!("# who may read\n{line}")).expect("write");
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let demo = DemoUpstream::start(&["--demo-events", "300"]).await;
    let file_arg = file.display().to_string();
    let mut archive = Running::start(&cluster.url(), &demo.url, &["--viewers", &file_arg]);
    archive.ready().await;
    let url = format!("{}/beta/audit/events?size=5", archive.url);
    let (status, page) = get(&url, Some(("ana", "a passphrase of ana's"))).await;
    assert_eq!(status, 200, "{page}");
    // Remembered for the next requests, and still refused with a wrong password.
    assert_eq!(
        get(&url, Some(("ana", "a passphrase of ana's"))).await.0,
        200
    );
    assert_eq!(get(&url, Some(("ana", "wrong"))).await.0, 401);
    assert_eq!(
        get(&url, Some(("bob", "a passphrase of ana's"))).await.0,
        401
    );
    assert_eq!(
        get(&url, Some(("demo", "demo"))).await.0,
        200,
        "the account still reads"
    );
    assert!(
        !archive.log_text().contains("passphrase"),
        "no password in the log"
    );
    drop(archive);

    // A file it cannot use stops the start, naming the line.
    std::fs::write(&file, "ana:not-a-hash\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_audit-archive"))
        .args(["--database-url", &cluster.url(), "--upstream", &demo.url])
        .args(["--viewers", &file_arg])
        .env("AUDIT_API_KEY", "demo")
        .env("AUDIT_API_SECRET", "demo")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{file_arg}:1:")), "{err}");
    let _ = std::fs::remove_file(&file);
}

/// Events as real accounts send them: folded and unfolded text, IPv6 with zones, IPv4 mapped into
/// IPv6, addresses that are not addresses, missing fields, ids as numbers and as text, contexts
/// of every JSON kind.
fn messy_events() -> Vec<audit_model::AuditEvent> {
    use audit_model::testing::event;
    use serde_json::json;
    let ips = [
        "198.51.100.7",
        " 198.51.100.8 ",
        "::ffff:198.51.100.9",
        "::FFFF:c633:640a",
        "2001:db8::1",
        "2001:DB8::2%eth0",
        "fe80::1%en0",
        "not-an-ip",
        "198.51.100.7/32",
        "010.1.2.3",
        "",
    ];
    let users = ["Ann@Example.com", "ann@example.com", "ÉLODIE@x.example"];
    let types = ["USER_LOGIN", "app_create", "APP_CREATE", "UNLISTED_THING"];
    let countries = ["US", "us", "GB"];
    let sources = [("CD", "Customer Dashboard"), ("API", "Vonage API")];
    let contexts = [
        json!({"application": {"id": "abc"}, "n": 5, "flag": true, "list": ["x", "y"]}),
        json!({"note": "two words", "nested": {"deep": {"k": "v"}}, "null": null}),
        json!({"application": {"id": "ABC"}, "n": "5", "flag": "true"}),
        json!(["not", "an", "object"]),
    ];
    let mut out = Vec::new();
    for i in 0..48usize {
        let mut e = event(format!("aaaaaaaa-0000-4000-8000-{i:012}"))
            .at_ms(1_767_000_000_000 + i as i64 * 60_000)
            .of_type(types[i % types.len()]);
        if i % 11 != 10 {
            e = e.ip(ips[i % ips.len()]);
        }
        if i % 5 != 4 {
            e = e.user(users[i % users.len()]);
        }
        if i % 7 == 0 {
            e = e.user_id(42);
        }
        if i % 4 != 3 {
            e = e.country(countries[i % countries.len()]);
        }
        if i % 3 != 2 {
            let (code, description) = sources[i % sources.len()];
            e = e.source(code, description);
        }
        if i % 6 != 5 {
            e = e.context(contexts[i % contexts.len()].clone());
        }
        let mut built = e.build();
        if i % 9 == 1 {
            built.user_id = Some(audit_model::UserId::Text("77".into()));
        }
        out.push(built);
    }
    out
}

/// The qualifiers answered in SQL give exactly what the tab's own filter gives, event for event
/// and in the list's order, over the messy events.
async fn qualifiers_match_the_tabs_answers(cluster: &Cluster) {
    let url = cluster.database("qualifiers").expect("database");
    // Every query planned in parallel where PostgreSQL may, as it plans them over a large
    // table: a function that cannot run in a parallel worker fails here, not in production.
    let admin = audit_archive::db::pool(&cluster.url(), 1, None).expect("pool");
    admin
        .get()
        .await
        .expect("connection")
        .batch_execute(
            "ALTER DATABASE qualifiers SET force_parallel_mode = on; \
             ALTER DATABASE qualifiers SET parallel_setup_cost = 0; \
             ALTER DATABASE qualifiers SET parallel_tuple_cost = 0; \
             ALTER DATABASE qualifiers SET min_parallel_table_scan_size = 0",
        )
        .await
        .expect("parallel plans");
    let pool = audit_archive::db::pool(&url, 2, None).expect("pool");
    // The archive's sessions run without JIT compilation, unless the URL's options say so.
    let jit = |pool: deadpool_postgres::Pool| async move {
        let row = pool
            .get()
            .await
            .expect("connection")
            .query_one("SHOW jit", &[])
            .await
            .expect("show jit");
        row.get::<_, String>(0)
    };
    assert_eq!(jit(pool.clone()).await, "off");
    let given =
        audit_archive::db::pool(&format!("{url}?options=-c%20jit%3Don"), 1, None).expect("pool");
    assert_eq!(jit(given).await, "on");
    // A server's sessions end statements at its deadline, but not the migrations, which may
    // take minutes: this one waits a second for another archive's migration lock.
    let bounded = audit_archive::db::pool(&url, 1, Some(Duration::from_millis(300))).expect("pool");
    let other = pool.get().await.expect("connection");
    other
        .execute("SELECT pg_advisory_lock(7215)", &[])
        .await
        .expect("lock");
    let waited = tokio::spawn(async move {
        let started = std::time::Instant::now();
        audit_archive::db::migrate(&bounded)
            .await
            .map(|()| started.elapsed())
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    other
        .execute("SELECT pg_advisory_unlock(7215)", &[])
        .await
        .expect("unlock");
    drop(other);
    let waited = waited
        .await
        .expect("task")
        .expect("migrate past the statement timeout");
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    audit_archive::db::migrate(&pool).await.expect("migrate");
    let db = audit_archive::store::Archive::new(pool);
    let events = messy_events();
    write_all(&db, &events).await;
    let filters = [
        "type:app_create",
        "type:APP_CREATE,UNLISTED_THING",
        "-type:APP_CREATE",
        "user:ann@example.com",
        "user:42",
        "user:77",
        "-user:ann@example.com",
        "user:élodie@x.example",
        "user:ÉLODIE@x.example",
        "ip:198.51.100.7",
        "ip:198.51.100.8",
        "ip:198.51.100.0/24",
        "ip:::ffff:198.51.100.9",
        "ip:198.51.100.10",
        "ip:2001:db8::/32",
        "ip:2001:db8::2",
        "ip:fe80::1",
        "ip:10.1.2.3",
        "ip:198.51.100.7/32",
        "-ip:198.51.100.0/24",
        "ip:::ffff:0:0/96",
        "ip:198.51.100.7,2001:db8::1",
        "country:us",
        "-country:US",
        "source:cd",
        "source:\"customer dashboard\"",
        "-source:API",
        "context.application.id:abc",
        "context.n:5",
        "context.flag:true",
        "context.list.0:x",
        "context.note:\"two words\"",
        "context.nested.deep.k:v",
        "context.null:null",
        "context.nested:v",
        "context.0:not",
        "-context.application.id:abc",
        "type:APP_CREATE country:US -ip:2001:db8::/32",
        "id:AAAAAAAA-0000-4000-8000-000000000003,aaaaaaaa-0000-4000-8000-000000000017",
        "-id:aaaaaaaa-0000-4000-8000-000000000003",
        "user:ann@example.com,42 -country:GB source:CD",
    ];
    // Twice: with the columns the archive writes with each event, then with the same columns
    // filled by migration 4's SQL, as for rows written before it.
    for pass in ["as written", "as the migration fills them"] {
        if pass != "as written" {
            db.pool()
                .get()
                .await
                .expect("connection")
                .batch_execute(
                    "UPDATE events SET q_user = NULL, q_user_id = NULL, q_country = NULL, \
                     q_source = NULL, q_source_description = NULL, q_ip = NULL, q_addr = NULL; \
                     SELECT audit_fill_qualifiers()",
                )
                .await
                .expect("refill");
        }
        compare_qualifiers(&db, &filters, &events, pass).await;
    }
}

/// The API's search text over the archive's pieces (migrations 10 and 11) gives exactly what
/// the tab's own search gives, for events held from before the pieces (split by the migration)
/// and events written after, whether the pieces holding the needle are named by their keys or
/// each candidate's pieces are looked up, and for needles that run from one piece into the
/// next: the total, the first page, and the timeline's counts.
async fn search_text_answers_as_the_tab_does(cluster: &Cluster) {
    use audit_model::testing::event;
    use serde_json::json;
    let url = cluster.database("search").expect("database");
    let pool = audit_archive::db::pool(&url, 2, None).expect("pool");
    audit_archive::db::migrate_to(&pool, 9)
        .await
        .expect("migrate to 9");
    let mut events = messy_events();
    let users = [
        "carol.security@example.com",
        "Dave@Example.com",
        "ÉLODIE@x.example",
    ];
    let contexts = [
        json!({"appId": "app-one", "note": "50%_off \\ sale"}),
        json!({"appId": "app-two", "label": "Ünïcode Straße"}),
        json!({"appId": "app-one", "note": "50%_off \\ sale"}),
        json!({"key": {"api_key": "abcd1234"}, "invited_by": "carol.security@example.com"}),
    ];
    for i in 0..40usize {
        let mut e = event(format!("bbbbbbbb-0000-4000-8000-{i:012}"))
            .at_ms(1_767_100_000_000 + i as i64 * 3_600_000)
            .of_type(["USER_LOGIN", "API_KEY_CREATE", "APP_UPDATE"][i % 3])
            .user(users[i % users.len()])
            .ip(["203.0.113.5", "2001:db8::7"][i % 2])
            .country("US");
        if i % 5 != 4 {
            e = e.context(contexts[i % contexts.len()].clone());
        }
        events.push(e.build());
    }
    // The first half held as version 9 wrote it (the whole text beside each event), and one
    // event whose JSON does not read.
    let (old, new) = events.split_at(events.len() / 2);
    let client = pool.get().await.expect("connection");
    let insert = "INSERT INTO events (id, created_ms, pos, event_type, type_description, body, \
                  haystack) VALUES ($1, $2, 0, $3, NULL, $4, $5)";
    for e in old {
        let ms = audit_model::time::parse_api_timestamp(&e.created_at).expect("time");
        let body = serde_json::to_string(e).expect("json");
        let hay = audit_model::store::search_text(e);
        client
            .execute(insert, &[&e.id, &ms, &e.event_type, &body, &hay])
            .await
            .expect("version 9's row");
    }
    client
        .execute(
            insert,
            &[
                &"unreadable",
                &1_700_000_000_000i64,
                &"USER_LOGIN",
                &"{not json",
                &"only-in-its-stored-text\n",
            ],
        )
        .await
        .expect("an unreadable row");
    audit_archive::db::migrate_to(&pool, 12)
        .await
        .expect("migrate to 12");
    let keyed = audit_archive::store::Archive::new(pool.clone());
    // Migration 12 counted the shared pieces of the events held, as counting each day does.
    let piece_counts = || async {
        client
            .query(
                "SELECT 'day', slot, shared_key, event_type, n FROM search_counts \
                 UNION ALL \
                 SELECT 'hour', slot, shared_key, event_type, n FROM search_counts_hourly \
                 ORDER BY 1, 2, 3, 4",
                &[],
            )
            .await
            .expect("piece counts")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect::<Vec<(String, i64, Vec<u8>, String, i64)>>()
    };
    let migrated = piece_counts().await;
    assert!(migrated.len() > 2, "{migrated:?}");
    assert!(keyed.count_facet_days().await.expect("count days") > 0);
    assert_eq!(piece_counts().await, migrated);
    // Migration 13 counted the shared pieces' facets of the events held (their pairs written
    // first), as counting each day does.
    assert!(keyed.fill_facet_pairs().await.expect("pairs") > 0);
    audit_archive::db::migrate(&pool).await.expect("migrate");
    let piece_facets = || async {
        client
            .query(
                "SELECT shared_key, slot, event_type, field, value, n FROM search_facet_counts \
                 ORDER BY 1, 2, 3, 4, 5",
                &[],
            )
            .await
            .expect("piece facets")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
            .collect::<Vec<(Vec<u8>, i64, String, String, String, i64)>>()
    };
    let migrated = piece_facets().await;
    assert!(migrated.len() > 20, "{migrated:?}");
    assert!(keyed.count_facet_days().await.expect("count days") > 0);
    assert_eq!(piece_facets().await, migrated);
    write_all(&keyed, new).await;
    let text_query = |text: &str| audit_model::EventQuery {
        search_text: Some(text.to_string()),
        size: 100,
        ..Default::default()
    };
    let found = keyed
        .page(&text_query("only-in-its-stored"), "http://archive.test")
        .await
        .expect("page");
    assert_eq!(
        found.info().total_elements,
        1,
        "the unreadable row is found"
    );
    client
        .execute("DELETE FROM events WHERE id = 'unreadable'", &[])
        .await
        .expect("delete");

    let store = audit_model::store::EventStore::new(events.clone());
    // Needles inside a line: a user's address in many events, a shared context, keys, a time,
    // an id, wildcards and a backslash, Unicode in other case, one character, nothing held.
    let [own, shared, context] = audit_model::store::text_parts(&events[5]);
    let across = |a: &str, b: &str| {
        let tail: String = a
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{tail}{}", b.chars().take(8).collect::<String>())
    };
    let mut needles = vec![
        "carol.security".to_string(),
        "CAROL.SECURITY@example.com".to_string(),
        "app-one".to_string(),
        "api_key".to_string(),
        "created_at".to_string(),
        "2026-01".to_string(),
        events[20].id[..13].to_string(),
        "50%_off".to_string(),
        "50_off".to_string(),
        "ünïcode straße".to_string(),
        "e".to_string(),
        "us".to_string(),
        "two words".to_string(),
        "nothing-holds-this".to_string(),
        // Across lines of one piece, and from one piece into the next.
        "note\ntwo words".to_string(),
        across(&own, &shared),
        across(&shared, &context),
    ];
    needles.push(format!("{}\n", &events[5].id));
    let every_way = [
        ("their keys", keyed.clone()),
        (
            "each candidate's pieces",
            audit_archive::store::Archive::new(pool.clone()).matching_pieces_up_to(0),
        ),
    ];
    let (first, last) = (
        1_767_000_000_000i64 - 3_600_000,
        1_767_100_000_000 + 41 * 3_600_000,
    );
    let mut some = 0;
    // With every day's counts stale (new events written since), then with every day counted
    // but two, whose counts are to be passed over: one whole in the third query's range, one
    // holding its last whole hours.
    for stale in ["every day", "two days"] {
        if stale == "two days" {
            keyed.count_facet_days().await.expect("count days");
            client
                .execute(
                    "INSERT INTO facet_days_stale (slot) VALUES ($1), ($2)",
                    &[&1_767_139_200_000i64, &1_767_225_600_000i64],
                )
                .await
                .expect("stale days");
        }
        for needle in &needles {
            for (way, db) in &every_way {
                for q in [
                    text_query(needle),
                    audit_model::EventQuery {
                        event_types: vec!["USER_LOGIN".into(), "APP_CREATE".into()],
                        date_from: Some(audit_model::time::format_api(1_767_050_000_000)),
                        ..text_query(needle)
                    },
                    // Parts of an hour at either end, whole hours, and a whole day between.
                    audit_model::EventQuery {
                        date_from: Some(audit_model::time::format_api(1_767_120_001_000)),
                        date_to: Some(audit_model::time::format_api(1_767_235_999_000)),
                        ..text_query(needle)
                    },
                ] {
                    let want = store.query(&q).expect("tab");
                    let page = db.page(&q, "http://archive.test").await.expect("page");
                    let ctx = format!("{needle:?} by {way}, {q:?}");
                    assert_eq!(page.info().total_elements as usize, want.total, "{ctx}");
                    let got = ids_of(page);
                    let want_ids: Vec<&str> = want.events.iter().map(|e| e.id.as_str()).collect();
                    assert_eq!(got, want_ids, "{ctx}");
                    some += usize::from(want.total > 0 && want.total < events.len());

                    // Days an hour off UTC (the pieces' hourly counts), UTC days (their daily
                    // counts), and a zone half an hour off (read from the events).
                    let ranged = audit_model::EventQuery {
                        date_from: Some(audit_model::time::format_api(first)),
                        date_to: Some(audit_model::time::format_api(last)),
                        ..q.clone()
                    };
                    for (offset_minutes, q) in [(60, &ranged), (0, &ranged), (0, &q), (330, &q)] {
                        let cut = audit_model::archive::Cut {
                            width_ms: 86_400_000,
                            offset_minutes,
                        };
                        let times = store
                            .matching(q)
                            .expect("tab")
                            .iter()
                            .map(|e| {
                                audit_model::time::parse_api_timestamp(&e.created_at).expect("t")
                            })
                            .collect::<Vec<_>>();
                        assert_eq!(
                            archive_counts(db, q, &cut).await,
                            bucketed(times, &cut),
                            "counts of {ctx} by {offset_minutes} minutes"
                        );
                    }
                    // The facets: the pieces' per-day counts for the whole days.
                    for q in [&q, &ranged] {
                        let matching = store.matching(q).expect("tab");
                        let got = db.facets(q, 5).await.expect("facets");
                        assert_eq!(
                            got.facets,
                            audit_model::facets::facets(matching.iter().copied(), 5),
                            "facets of {ctx}"
                        );
                        assert_eq!(got.events as usize, matching.len(), "facets of {ctx}");
                    }
                }
            }
        }
    }
    assert!(
        some > needles.len() * 2 * 3,
        "most needles find some events and not all ({some})"
    );
    // Each distinct piece is kept once (the unreadable row's empty pieces among them).
    for (table, part) in [("search_shared", 1), ("search_contexts", 2)] {
        let mut held: Vec<String> = client
            .query(&format!("SELECT text FROM {table}"), &[])
            .await
            .expect("pieces")
            .iter()
            .map(|r| r.get(0))
            .collect();
        held.sort();
        let mut want: Vec<String> = events
            .iter()
            .map(|e| audit_model::store::text_parts(e)[part].clone())
            .chain([String::new()])
            .collect();
        want.sort();
        want.dedup();
        assert_eq!(held, want, "{table}");
        // Fewer pieces than events: they are shared.
        assert!(want.len() < events.len(), "{} in {table}", want.len());
    }

    // A needle every shared piece holds (a field's name, part of one) is held by every event,
    // and is answered as the query without it; while a piece no event names (the unreadable
    // row's) does not hold it, it is searched for.
    use audit_archive::search::TextMatch;
    let everything = |needle: &'static str| {
        let client = &client;
        async move {
            TextMatch::find(&***client, needle, 2_000)
                .await
                .expect("find")
                == Some(TextMatch::Everything)
        }
    };
    assert!(!everything("event_type").await);
    client
        .execute(
            "DELETE FROM search_shared AS s \
             WHERE NOT EXISTS (SELECT 1 FROM events WHERE shared_key = s.key)",
            &[],
        )
        .await
        .expect("pieces no event names");
    for needle in ["event_type", "e", "t"] {
        assert!(everything(needle).await, "{needle}");
        for q in [
            text_query(needle),
            audit_model::EventQuery {
                event_types: vec!["USER_LOGIN".into()],
                date_from: Some(audit_model::time::format_api(1_767_120_001_000)),
                ..text_query(needle)
            },
        ] {
            let want = store.query(&q).expect("tab");
            let page = keyed.page(&q, "http://archive.test").await.expect("page");
            assert_eq!(page.info().total_elements as usize, want.total, "{q:?}");
            assert!(
                page.links
                    .self_
                    .as_ref()
                    .is_some_and(|l| l.href.contains("search_text")),
                "the links keep the search text: {:?}",
                page.links
            );
            let want_ids: Vec<&str> = want.events.iter().map(|e| e.id.as_str()).collect();
            assert_eq!(ids_of(page), want_ids, "{q:?}");
        }
    }
    assert!(!everything("carol").await);
}

/// Totals and timelines of dates and types, answered from migration 6's per-slot counts with the
/// events at either end of the range, equal what counting the events themselves gives: for
/// ranges that start and end inside a slot, on its edge and open; for the API's types and
/// `type:` qualifiers; for cuts of whole slots in zones a quarter or a half hour off UTC, and
/// for one that is not (read from the events). The counts follow the events through a second
/// write of the same events, a removal, and a recount.
async fn slot_counts_answer_as_the_events_do(cluster: &Cluster) {
    use audit_model::time::format_api;
    const SLOT: i64 = 900_000;
    let url = cluster.database("slots").expect("database");
    let pool = audit_archive::db::pool(&url, 2, None).expect("pool");
    audit_archive::db::migrate(&pool).await.expect("migrate");
    // Every ip: and country: total from the facet counts, as only a broad one is at scale.
    let db = audit_archive::store::Archive::new(pool).counting_from(0);
    // 600 events over about three days at uneven gaps, some on a slot's first or last
    // millisecond and some sharing one.
    let start = 1_767_225_600_000 - 7 * SLOT; // a slot's start
    let types = [
        "USER_LOGIN",
        "APP_CREATE",
        "app_create",
        "NUMBER_ASSIGN",
        "UNLISTED_THING",
    ];
    let mut t = start;
    let events: Vec<audit_model::AuditEvent> = (0..600usize)
        .map(|i| {
            t += match i % 7 {
                0 => 0,
                1 => SLOT - t.rem_euclid(SLOT),
                2 => SLOT - t.rem_euclid(SLOT) - 1,
                _ => (i as i64 * 7_919_000) % 1_800_000 + 1,
            };
            // Facet values as messy as real ones: some missing, an empty one, a value holding
            // the unit separator, numbers and booleans in the context, keys many events share.
            let mut e = audit_model::testing::event(format!("bbbbbbbb-0000-4000-8000-{i:012}"))
                .at_ms(t)
                .of_type(types[(i * 3 + i / 5) % types.len()]);
            e = match i % 5 {
                0 => e,
                1 => e.user_id(i as i64 % 3),
                _ => e.user(format!("u{}@x.example", i % 4)),
            };
            if i % 6 != 0 {
                e = e.ip(["192.0.2.1", "2001:db8::1", " 10.0.0.1 ", "a\u{1f}b"][i % 4]);
            }
            if i % 9 != 1 {
                e = e.country(["GB", "", "US"][i % 3]);
            }
            let context = match i % 4 {
                0 => serde_json::json!({"msisdn": format!("44{}", i % 37), "n": i % 3}),
                1 => serde_json::json!({"two_factor": i % 2 == 0, "meta": {"agent": "x"}}),
                2 => serde_json::json!({"msisdn": "447700900000", "odd key": 1}),
                _ => serde_json::json!([]),
            };
            e.context(context).build()
        })
        .collect();
    let times: Vec<i64> = events
        .iter()
        .map(|e| audit_model::time::parse_api_timestamp(&e.created_at).expect("time"))
        .collect();
    let (first, last) = (times[0], times[times.len() - 1]);
    assert!(last - first > 2 * 86_400_000, "about three days of events");
    let listed = |pos| {
        events
            .iter()
            .cloned()
            .map(|e| audit_archive::store::Listed::new(e, pos))
            .collect::<Vec<_>>()
    };
    db.write(&listed(0), None).await.expect("write");

    let ranges = [
        (None, None),
        (Some(first + 1), Some(last - 1)),
        (Some(start + 3 * SLOT), Some(start + 100 * SLOT - 1)),
        (Some(start + 3 * SLOT - 1), Some(start + 100 * SLOT)),
        (Some(first + 12_345_678), None),
        (None, Some(last - 98_765_432)),
        (
            Some(start + 10 * SLOT + 5),
            Some(start + 10 * SLOT + 500_000),
        ),
    ];
    // Dates and types, which the slots' counts answer; one field an event has one value of
    // (`ip:`, `country:`), whose total the facet counts answer, negated or not, with and
    // without types; and two such fields, which only the events answer.
    let kinds: [(&[&str], Option<&str>); 9] = [
        (&[], None),
        (&["APP_CREATE", "NUMBER_ASSIGN"], None),
        (&[], Some("type:app_create")),
        (&[], Some("-type:USER_LOGIN")),
        (&["USER_LOGIN", "app_create"], Some("-type:APP_CREATE")),
        (&[], Some("ip:192.0.2.0/24,10.0.0.1")),
        (&["APP_CREATE"], Some("-ip:2001:db8::/32 -type:USER_LOGIN")),
        (&[], Some("-country:gb")),
        (&[], Some("ip:192.0.2.1 country:GB")),
    ];
    let cuts = [
        (SLOT, 0),
        (3_600_000, 345),
        (86_400_000, -300),
        (86_400_000, 0),
        (3 * SLOT, 330),
        (60_000, 0),
    ];
    let check = |when: &'static str| {
        let db = db.clone();
        let (events, times) = (&events, &times);
        async move {
            for (from, to) in ranges {
                for (types, filter) in kinds {
                    let q = audit_model::EventQuery {
                        event_types: types.iter().map(ToString::to_string).collect(),
                        date_from: from.map(format_api),
                        date_to: to.map(format_api),
                        filter: filter.map(ToString::to_string),
                        size: 100,
                        ..Default::default()
                    };
                    let parsed = filter.map(|f| audit_model::filter::Filter::parse(f).expect(f));
                    // The bounds as the query means them (its dates are written to the second).
                    let range = q.validate().expect("valid");
                    let (from, to) = (range.from, range.to);
                    let mut listed: Vec<(i64, &str)> = events
                        .iter()
                        .zip(times)
                        .filter(|(e, &t)| {
                            from.is_none_or(|f| t >= f)
                                && to.is_none_or(|to| t <= to)
                                && (types.is_empty() || types.contains(&e.event_type.as_str()))
                                && parsed.as_ref().is_none_or(|f| f.matches(e))
                        })
                        .map(|(e, &t)| (t, e.id.as_str()))
                        .collect();
                    let matching: Vec<i64> = listed.iter().map(|(t, _)| *t).collect();
                    let want = audit_model::facets::facets(
                        events.iter().zip(times).filter_map(|(e, t)| {
                            listed
                                .iter()
                                .any(|(lt, id)| lt == t && *id == e.id)
                                .then_some(e)
                        }),
                        5,
                    );
                    let got = db.facets(&q, 5).await.expect("facets");
                    assert_eq!(got.facets, want, "facets {when}, {q:?}");
                    assert_eq!(got.events as usize, matching.len(), "facets {when}, {q:?}");
                    // Pages deep in the list start where the counts say, in the list's order.
                    listed.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
                    // The last two events, a page each: in the part of a slot before the whole
                    // ones when the range starts inside one.
                    let n = listed.len().max(2) as u32;
                    let pages = [
                        (2, 7),
                        (5, 7),
                        (13, 7),
                        (40, 7),
                        (86, 7),
                        (n - 1, 1),
                        (n, 1),
                    ];
                    for (page, size) in pages {
                        let q = audit_model::EventQuery {
                            page,
                            size,
                            ..q.clone()
                        };
                        let got = ids_of(db.page(&q, "http://archive.test").await.expect("page"));
                        let want: Vec<&str> = listed
                            .iter()
                            .skip((page - 1) as usize * size as usize)
                            .take(size as usize)
                            .map(|(_, id)| *id)
                            .collect();
                        assert_eq!(got, want, "page {page} {when}, {q:?}");
                    }
                    let page = db.page(&q, "http://archive.test").await.expect("page");
                    assert_eq!(
                        page.info().total_elements as usize,
                        matching.len(),
                        "total {when}, {q:?}"
                    );
                    for (width_ms, offset_minutes) in cuts {
                        let cut = audit_model::archive::Cut {
                            width_ms,
                            offset_minutes,
                        };
                        let want = bucketed(matching.iter().copied(), &cut);
                        let got = archive_counts(&db, &q, &cut).await;
                        assert_eq!(got, want, "counts {when}, {cut:?}, {q:?}");
                    }
                }
            }
        }
    };
    // As written, each day's facets are read from its events; once the days are counted, from
    // their counts.
    check("as written").await;
    let days = db.count_facet_days().await.expect("count days");
    assert!(days >= 3, "{days} days counted");
    check("with the days counted").await;
    let client = db.pool().get().await.expect("connection");
    // Two days changed since they were counted: their counts are passed over, their events read.
    client
        .execute(
            "INSERT INTO facet_days_stale (slot) VALUES ($1), ($2)",
            &[&1_767_225_600_000i64, &1_767_312_000_000i64],
        )
        .await
        .expect("stale days");
    check("with two days stale").await;
    assert_eq!(db.count_facet_days().await.expect("count days"), 2);
    // What the counts hold in all, and how many slots do not start on a quarter hour.
    async fn slots(client: &deadpool_postgres::Object) -> (i64, i64) {
        let row = client
            .query_one(
                "SELECT (SELECT coalesce(sum(n), 0)::int8 FROM event_counts), \
                        (SELECT count(*) FROM event_counts WHERE slot % 900000 <> 0)",
                &[],
            )
            .await
            .expect("slots");
        (row.get(0), row.get(1))
    }
    assert_eq!(slots(&client).await, (600, 0));

    // The same events again, listed in another order (their rows updated, not inserted): no
    // event is counted twice.
    db.write(&listed(1), None).await.expect("write again");
    assert_eq!(slots(&client).await, (600, 0));
    check("after a second write").await;

    // An event's relatives (the same user's events before and after it, its resource's history
    // with the window of 50 around it) are what the tab finds among the same events, held in
    // the archive's order: some users are only a user id, and one resource's history is 150
    // events long.
    let oldest_first: Vec<audit_model::AuditEvent> = db
        .oldest_first(i64::MIN, None, None, 10_000)
        .await
        .expect("all events")
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let store = audit_model::EventStore::new(oldest_first.clone());
    let unlinked = |mut r: audit_model::related::Related| {
        for e in r
            .previous
            .iter_mut()
            .chain(r.next.iter_mut())
            .chain(r.history.iter_mut())
        {
            e.links = None;
        }
        r
    };
    let (mut users, mut long) = (0, 0);
    for e in oldest_first.iter().step_by(7) {
        let want = audit_model::related::related(&store, e);
        let got = db
            .related(&e.id, "http://archive.test")
            .await
            .expect("related")
            .expect("held");
        assert_eq!(unlinked(got), want, "around {}", e.id);
        users +=
            usize::from(want.previous.is_some() && e.user_id.is_some() && e.user_email.is_none());
        long += usize::from(want.history_total > audit_model::related::HISTORY_SHOWN);
    }
    assert!(
        users > 3 && long > 10,
        "{users} by user id, {long} long histories"
    );
    // Events of one user about one resource in one millisecond: ordered as the list orders them
    // (the API's order within the millisecond, then the id).
    let ties = audit_archive::store::Archive::new({
        let pool = audit_archive::db::pool(&cluster.database("ties").expect("database"), 2, None)
            .expect("pool");
        audit_archive::db::migrate(&pool).await.expect("migrate");
        pool
    });
    let tied: Vec<audit_archive::store::Listed> =
        [(0, 'a'), (1, 'c'), (1, 'b'), (2, 'd'), (2, 'e')]
            .into_iter()
            .enumerate()
            .map(|(i, (pos, id))| {
                let e = audit_model::testing::event(format!(
                    "{}-0000-4000-8000-00000000000{i}",
                    id.to_string().repeat(8)
                ))
                .at_ms(start + if i == 4 { SLOT } else { 0 })
                .user("tie@x.example")
                .context(serde_json::json!({"appId": "app-tied"}))
                .build();
                audit_archive::store::Listed::new(e, pos)
            })
            .collect();
    ties.write(&tied, None).await.expect("write ties");
    let held: Vec<audit_model::AuditEvent> = ties
        .oldest_first(i64::MIN, None, None, 100)
        .await
        .expect("ties")
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let store = audit_model::EventStore::new(held.clone());
    for e in &held {
        let got = ties
            .related(&e.id, "http://archive.test")
            .await
            .expect("related");
        assert_eq!(
            got.map(unlinked),
            Some(audit_model::related::related(&store, e)),
            "around {}",
            e.id
        );
    }
    assert_eq!(
        db.related(
            "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
            "http://archive.test"
        )
        .await
        .expect("related"),
        None
    );
    assert_eq!(
        db.count_facet_days().await.expect("count days"),
        0,
        "rewriting events that are held changes no day's facets"
    );

    // Events removed by hand (an operator's retention) leave the counts with them.
    let removed = client
        .execute(
            "DELETE FROM events WHERE event_type = 'NUMBER_ASSIGN' OR created_ms < $1",
            &[&(first + 86_400_000)],
        )
        .await
        .expect("delete");
    assert!(removed > 100, "{removed} removed");
    assert_eq!(slots(&client).await.0, 600 - removed as i64);
    let kept: std::collections::HashSet<String> =
        db.ids().await.expect("ids").into_iter().collect();
    let (events, times): (Vec<_>, Vec<_>) = events
        .iter()
        .cloned()
        .zip(times.iter().copied())
        .filter(|(e, _)| kept.contains(&e.id))
        .unzip();
    let check = |when: &'static str| {
        let db = db.clone();
        let (events, times) = (&events, &times);
        async move {
            for (width_ms, offset_minutes) in [(SLOT, 0), (86_400_000, 330)] {
                let cut = audit_model::archive::Cut {
                    width_ms,
                    offset_minutes,
                };
                let want = bucketed(times.iter().copied(), &cut);
                let q = audit_model::EventQuery::default();
                let got = archive_counts(&db, &q, &cut).await;
                assert_eq!(got, want, "counts {when}, {cut:?}");
                let page = db.page(&q, "http://archive.test").await.expect("page");
                assert_eq!(page.info().total_elements as usize, events.len(), "{when}");
            }
            let q = audit_model::EventQuery {
                date_from: Some(format_api(times[0] + 1)),
                ..Default::default()
            };
            let from = q.validate().expect("valid").from.expect("from");
            let got = db.facets(&q, 5).await.expect("facets");
            let want = audit_model::facets::facets(
                events
                    .iter()
                    .zip(times)
                    .filter(|(_, &t)| t >= from)
                    .map(|(e, _)| e),
                5,
            );
            assert_eq!(got.facets, want, "facets {when}");
        }
    };
    check("after a removal").await;
    assert!(db.count_facet_days().await.expect("count days") >= 1);
    check("after a removal, counted").await;

    // A recount (the migration's fill for events held before it) gives the same counts.
    client
        .batch_execute(
            "UPDATE event_counts SET n = n + 1000; UPDATE facet_counts SET n = n + 1000; \
                 SELECT audit_recount()",
        )
        .await
        .expect("recount");
    check("after a recount").await;
    assert!(db.count_facet_days().await.expect("count days") >= 2);
    check("after a recount, counted").await;

    // Events held from before the facet counts (their pairs not yet written): the facets read
    // their JSON until the archive has filled the pairs in, and the counts then are those of
    // events written with their pairs.
    async fn facet_counts(client: &deadpool_postgres::Object) -> Vec<(String, i64, String, i64)> {
        client
            .query(
                "SELECT field || chr(31) || value, slot, event_type, n FROM facet_counts \
                 ORDER BY 1, 2, 3",
                &[],
            )
            .await
            .expect("facet counts")
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect()
    }
    let counted = facet_counts(&client).await;
    let of_type: i64 = counted
        .iter()
        .filter(|c| c.0.starts_with("type\u{1f}"))
        .map(|c| c.3)
        .sum();
    assert_eq!(
        of_type as usize,
        events.len(),
        "each event counted once by type"
    );
    let unpaired = client
        .execute(
            "UPDATE events SET facet_pairs = NULL WHERE created_ms % 3 = 0",
            &[],
        )
        .await
        .expect("unpair");
    assert!(unpaired > 50, "{unpaired} unpaired");
    check("with events waiting for their pairs").await;
    assert_eq!(db.fill_facet_pairs().await.expect("fill"), unpaired);
    check("with the pairs filled in").await;
    assert!(db.count_facet_days().await.expect("count days") >= 2);
    assert_eq!(facet_counts(&client).await, counted);
    check("after the pairs are filled in").await;
}

/// The ids of a page's events, in its order.
/// Writes `events` in one write, as a page of the API at its first place.
async fn write_all(db: &audit_archive::store::Archive, events: &[audit_model::AuditEvent]) {
    let listed: Vec<_> = events
        .iter()
        .cloned()
        .map(|e| audit_archive::store::Listed::new(e, 0))
        .collect();
    db.write(&listed, None).await.expect("write");
}

fn ids_of(page: audit_model::EventsPage) -> Vec<String> {
    page.embedded
        .map(|e| e.events)
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// Events at `times` counted per bucket of `cut`, as the tab counts them.
fn bucketed(
    times: impl IntoIterator<Item = i64>,
    cut: &audit_model::archive::Cut,
) -> std::collections::BTreeMap<i64, u64> {
    let mut counts = std::collections::BTreeMap::new();
    for t in times {
        *counts.entry(cut.start_of(t)).or_default() += 1;
    }
    counts
}

/// The archive's counts of `q` per bucket of `cut`.
async fn archive_counts(
    db: &audit_archive::store::Archive,
    q: &audit_model::EventQuery,
    cut: &audit_model::archive::Cut,
) -> std::collections::BTreeMap<i64, u64> {
    db.counts(q, cut)
        .await
        .expect("counts")
        .into_iter()
        .map(|b| (b.start_ms, b.count))
        .collect()
}

/// Each filter answered by the archive, against the tab's own filter over `events`.
async fn compare_qualifiers(
    db: &audit_archive::store::Archive,
    filters: &[&str],
    events: &[audit_model::AuditEvent],
    pass: &str,
) {
    let mut newest_first = events.to_vec();
    newest_first.reverse();
    let mut matched = 0;
    for &f in filters {
        let filter = audit_model::filter::Filter::parse(f).expect(f);
        let want: Vec<&str> = newest_first
            .iter()
            .filter(|e| filter.matches(e))
            .map(|e| e.id.as_str())
            .collect();
        let q = audit_model::EventQuery {
            filter: Some(f.to_string()),
            size: 100,
            ..Default::default()
        };
        let page = db.page(&q, "http://archive.test").await.expect(f);
        assert_eq!(
            page.info().total_elements as usize,
            want.len(),
            "where={f}, columns {pass}"
        );
        assert_eq!(ids_of(page), want, "where={f}, columns {pass}");

        // The facets and the timeline's counts over the same events are the tab's.
        let matching: Vec<&audit_model::AuditEvent> =
            events.iter().filter(|e| filter.matches(e)).collect();
        let facets = db.facets(&q, 5).await.expect(f);
        assert_eq!(facets.events, want.len() as u64, "facets where={f}");
        assert_eq!(
            facets.facets,
            audit_model::facets::facets(matching.iter().copied(), 5),
            "facets where={f}, columns {pass}"
        );
        let times: Vec<i64> = matching
            .iter()
            .map(|e| audit_model::time::parse_api_timestamp(&e.created_at).expect("time"))
            .collect();
        let (first, last) = (
            audit_model::time::parse_api_timestamp(&events[0].created_at).expect("time"),
            audit_model::time::parse_api_timestamp(&events[events.len() - 1].created_at)
                .expect("time"),
        );
        for (width_ms, offset_minutes) in [(420_000, 330), (86_400_000, -300), (60_000, 0)] {
            let cut = audit_model::archive::Cut {
                width_ms,
                offset_minutes,
            };
            let ranged = audit_model::EventQuery {
                date_from: Some(audit_model::time::format_api(first.min(last) - 3_600_000)),
                date_to: Some(audit_model::time::format_api(first.max(last) + 3_600_000)),
                ..q.clone()
            };
            let want = bucketed(times.iter().copied(), &cut);
            let got = archive_counts(db, &ranged, &cut).await;
            assert_eq!(got, want, "counts where={f} {cut:?}, columns {pass}");
        }

        if !want.is_empty() && want.len() < events.len() {
            matched += 1;
        }
    }
    assert!(
        matched * 4 > filters.len() * 3,
        "most filters pick some events and not all ({matched} of {})",
        filters.len()
    );
}

/// The watch's rounds and the deliveries' state are written with the events they read, so a
/// `kill -9` at any moment of a round neither loses an alert nor repeats one: every secret
/// deleted that reached the archive after the watch started has exactly one hit of its rule.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_watching_it_alerts_once_on_every_new_event() {
    const SECRET_DELETED: &str = "2b6c1e0a-5f4d-4c1b-9d0e-8a7f3c2d1e02";
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let demo = DemoUpstream::start(&[
        "--demo-events",
        "300",
        "--demo-live-every-ms",
        "25",
        "--demo-live-max",
        "700",
    ])
    .await;
    let url = cluster.url();
    let db = common::archive(&url);
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");
    let args = ["--poll-secs", "1", "--rules", rules];
    let sql = db.pool().get().await.expect("connection");
    let watch_seq = || async {
        sql.query_opt("SELECT seq FROM watch_state", &[])
            .await
            .ok()
            .flatten()
            .map(|r| r.get::<_, i64>(0))
    };

    // Where the watch starts: what is written from then on is new to it.
    let mut archive = Running::start(&url, &demo.url, &args);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let start = loop {
        if let Some(seq) = watch_seq().await {
            break seq;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            archive.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    archive.kill();
    // Killed at random moments while new events arrive and the watch's rounds run.
    let mut rng = fastrand::Rng::with_seed(11);
    for _ in 0..8 {
        let mut archive = Running::start(&url, &demo.url, &args);
        tokio::time::sleep(Duration::from_millis(rng.u64(300..1500))).await;
        archive.kill();
    }
    let mut archive = Running::start(&url, &demo.url, &args);
    archive.ready().await;
    until_held(&db, 1000, Duration::from_secs(60)).await;
    // Until the watch has read everything written.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let last: i64 = sql
            .query_one("SELECT max(seq) FROM events", &[])
            .await
            .expect("max")
            .get(0);
        if watch_seq().await == Some(last) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            archive.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut deleted: Vec<String> = sql
        .query(
            "SELECT id FROM events WHERE seq > $1 AND event_type = 'ACCOUNT_SECRET_DELETE'",
            &[&start],
        )
        .await
        .expect("events")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut alerted: Vec<String> = sql
        .query(
            "SELECT event_ids[1] FROM hits WHERE rule_id = $1",
            &[&SECRET_DELETED],
        )
        .await
        .expect("hits")
        .iter()
        .map(|r| r.get(0))
        .collect();
    deleted.sort();
    alerted.sort();
    assert!(
        deleted.len() >= 3,
        "too few secrets deleted while watched: {deleted:?}"
    );
    assert_eq!(
        alerted, deleted,
        "one alert per new secret deleted, none before the watch"
    );
}
