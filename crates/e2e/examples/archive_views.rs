//! The app pointed at an archive of a million events, side by side with the tab's own copy of
//! 50,000: what a person waits for when they change the question (a type, a qualifier, a search
//! text, a page far down), from the click to the list's rows painted, and how long each of the
//! archive's answers behind it took (the list, the timeline's counts, the facets: the browser's
//! resource timing, request started → answer read).
//!
//! The archive is filled directly (the demo account's generator, written a thousand events at a
//! time, its days counted), in a throwaway PostgreSQL cluster; it answers in this process, behind
//! the proxy as `--upstream`. The copy's figures come from the demo proxy holding 50,000 events
//! the tab reads whole. In headless Chromium on loopback.
//!
//! `bash scripts/build.sh && cargo run --release -p e2e --example archive_views [-- EVENTS HELD ROUNDS]`
//!
//! Prints per shape `archive: rows painted p50 X ms, p95 Y ms; answers p50 X ms, p95 Y ms` and
//! `copy: rows painted …`, then `all shapes` lines, for scripts/bench.sh.

use std::time::{Duration, Instant};

use audit_archive::store::{Archive, Held, Listed};
use audit_archive::testing::Cluster;
use clap::Parser;
use e2e::*;
use fantoccini::Client;

/// The questions: each shape's query strings on the events list, one a round in turn, so that
/// most rounds change the filters (the timeline and the facets are asked again, as when a
/// person changes the question). `{n}` is the round, `{p}` a page far down, `{id}` an event's
/// id.
const SHAPES: &[(&str, &[&str])] = &[
    (
        "one type",
        &[
            "event_type=USER_LOGIN",
            "event_type=APP_UPDATE",
            "event_type=NUMBER_UPDATED",
            "event_type=NUMBER_LINKED",
            "event_type=APP_CREATE",
        ],
    ),
    (
        "qualifier country",
        &[
            "where=country%3AGB",
            "where=country%3AUS",
            "where=country%3ADE",
            "where=country%3AIE",
            "where=country%3ABR",
        ],
    ),
    (
        "qualifier ip range without logins",
        &[
            "where=ip%3A203.0.113.0%2F24+-type%3AUSER_LOGIN",
            "where=ip%3A192.0.2.0%2F24+-type%3AUSER_LOGIN",
            "where=ip%3A198.51.100.0%2F24+-type%3AUSER_LOGIN",
            "where=ip%3A203.0.113.0%2F25+-type%3AUSER_LOGIN",
            "where=ip%3A192.0.2.0%2F25+-type%3AUSER_LOGIN",
        ],
    ),
    (
        "search text a fifth hold",
        &[
            "search_text=carol.security",
            "search_text=alice.owner",
            "search_text=bob.ops",
            "search_text=dave.dev",
            "search_text=deploy-bot",
        ],
    ),
    (
        "search text one event holds",
        &["search_text={id}&page={n}"],
    ),
    ("a page far down", &["page={p}"]),
];

/// The archive answering for `store` on a loopback port, the account's key and secret `demo`.
async fn serve(database_url: &str, store: Archive) -> String {
    let config = audit_archive::config::Config::parse_from([
        "audit-archive",
        "--database-url",
        database_url,
        "--rate-per-client",
        "0",
    ]);
    let rules = audit_archive::watch::RuleSet::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rules"
    )))
    .expect("the shipped rules");
    audit_archive::testing::serve_on_loopback(config, store, ("demo", "demo"), rules.summary())
        .await
}

/// A million demo events in the archive, their days counted; returns an event id from the
/// middle (a needle one event holds).
async fn fill(store: &Archive, events: usize) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let mut all = audit_proxy::demo::generate(audit_proxy::demo::DemoSpec {
        seed: 1,
        events,
        now,
    });
    all.reverse(); // newest first, as the API lists them
    let id = all[events / 2].id.clone();
    let listed: Vec<Listed> = all
        .into_iter()
        .enumerate()
        .map(|(i, e)| Listed::new(e, i as i64))
        .collect();
    let pages = listed.len().div_ceil(1000);
    for (i, page) in listed.chunks(1000).enumerate() {
        let held = Held {
            from: page.last().map_or(0, |l| l.created_ms),
            to: listed[0].created_ms,
            backfill_page: i as u32 + 1,
            backfill_done: i + 1 == pages,
        };
        store.write(page, Some(held)).await.expect("write");
    }
    store.count_facet_days().await.expect("count days");
    store
        .pool()
        .get()
        .await
        .expect("connection")
        .batch_execute("VACUUM ANALYZE")
        .await
        .expect("analyse");
    id
}

/// The kinds of answer behind a question, by the path asked.
const KINDS: [&str; 3] = ["list", "counts", "facets"];

/// Asks `query` through the app's router; returns click → rows painted and, once the page has
/// settled, how long each API answer since the click took (ms), by [`KINDS`] index.
/// `counted`: the question changes the filters, so the timeline and the facets are asked again
/// (the facets panel shows the last ones meanwhile: their answer is waited for).
async fn ask(c: &Client, query: &str, counted: bool) -> (f64, Vec<(usize, f64)>) {
    js(c, "performance.clearResourceTimings()").await;
    let painted = ask_list(c, query).await;
    // The timeline's and the facets' answers follow the rows: read once neither is waiting.
    let settled = format!(
        "const t = document.querySelector('{}'); \
         const facets = performance.getEntriesByType('resource').some(r => \
           r.startTime >= window.__e2e_t0 && r.name.includes('/archive/facets') && r.responseEnd > 0); \
         return (!t || t.getAttribute('aria-busy') === 'false') && ({} || facets)",
        tid(ui_names::testid::TIMELINE),
        !counted
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while js(c, &settled).await != serde_json::Value::Bool(true) {
        assert!(
            Instant::now() < deadline,
            "the timeline and facets of {query}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let v = js(
        c,
        "const t0 = window.__e2e_t0; \
         return performance.getEntriesByType('resource') \
           .filter(r => r.startTime >= t0 && r.name.includes('/beta/audit/') && r.responseEnd > 0) \
           .map(r => [r.name.includes('/archive/counts') ? 1 : r.name.includes('/archive/facets') ? 2 : 0, r.duration])",
    )
    .await;
    let answers: Vec<(usize, f64)> = v
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| Some((x[0].as_u64()? as usize, x[1].as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    (painted, answers)
}

/// `who, name: rows painted …; answers …` with each kind's p95.
fn line(who: &str, name: &str, painted: &mut [f64], answers: &[(usize, f64)]) {
    let mut all: Vec<f64> = answers.iter().map(|(_, d)| *d).collect();
    let kinds: Vec<String> = KINDS
        .iter()
        .enumerate()
        .filter_map(|(k, kind)| {
            let mut d: Vec<f64> = answers.iter().filter(|a| a.0 == k).map(|a| a.1).collect();
            (!d.is_empty()).then(|| format!("{kind} {:.1}", percentile(&mut d, 0.95)))
        })
        .collect();
    println!(
        "{who}, {name}: rows painted p50 {:.0} ms, p95 {:.0} ms; answers p50 {:.1} ms, p95 {:.1} ms ({} answers; p95 {})",
        percentile(painted, 0.5),
        percentile(painted, 0.95),
        percentile(&mut all, 0.5),
        percentile(&mut all, 0.95),
        all.len(),
        if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") }
    );
}

/// Asks every shape `rounds` times; prints a line a shape and one for all, prefixed `who`.
/// `archive`: the answers come from an archive (the tab's copy asks nothing).
async fn shapes(c: &Client, who: &str, id: &str, pages: u64, rounds: usize, archive: bool) {
    let (mut all_painted, mut all_answers) = (Vec::new(), Vec::new());
    for (name, variants) in SHAPES {
        let (mut painted, mut answers) = (Vec::new(), Vec::new());
        for n in 1..=rounds {
            let far = pages * (n as u64 + 4) / (rounds as u64 + 5);
            let q = variants[(n - 1) % variants.len()]
                .replace("{n}", &n.to_string())
                .replace("{p}", &far.max(2).to_string())
                .replace("{id}", id);
            // A question of new filters: its timeline and facets are asked too.
            let counted = archive && (n == 1 || variants.len() > 1);
            let (p, a) = ask(c, &q, counted).await;
            painted.push(p);
            answers.extend(a);
        }
        line(who, name, &mut painted, &answers);
        all_painted.extend(painted);
        all_answers.extend(answers);
    }
    line(who, "all shapes", &mut all_painted, &all_answers);
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let held: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);

    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let pool = audit_archive::db::pool(&cluster.url(), 8, None).expect("pool");
    audit_archive::db::migrate(&pool).await.expect("migrate");
    let store = Archive::new(pool);
    let t = Instant::now();
    let id = fill(&store, events).await;
    println!(
        "archive: {events} events written and counted in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let archive_url = serve(&cluster.url(), store).await;
    {
        // The tab holds no copy of its own: every answer is the archive's.
        let stack = Stack::start(StackOptions {
            local_max_events: Some(1000),
            ..StackOptions::proxy(&["--upstream", &archive_url])
        })
        .await;
        let browser = bench_browser(&stack).await;
        let c = browser.client.clone();
        let name = wait_text(&c, ui_names::testid::SOURCE_NAME, |t| !t.is_empty()).await;
        println!("archive: the app names it “{name}”");
        shapes(&c, "archive", &id, events as u64 / 100, rounds, true).await;
        browser.close().await;
    }
    {
        let stack = Stack::start(StackOptions {
            proxy_args: vec!["--demo-events".into(), held.to_string()],
            local_max_events: Some(held),
            ..Default::default()
        })
        .await;
        let browser = bench_browser(&stack).await;
        let c = browser.client.clone();
        let (state, status) = local_copy(&c, |s| s != "reading").await;
        assert_eq!(state, "ready", "the copy holds every event: {status}");
        let id = js(
            &c,
            "const r = document.querySelector('table.event-list tbody tr[data-id]'); \
             return r ? r.dataset.id : ''",
        )
        .await;
        let id = id
            .as_str()
            .filter(|s| !s.is_empty())
            .expect("a row")
            .to_string();
        // The first search builds the copy's text index: not one of the shapes.
        ask(&c, "search_text=first-question", false).await;
        shapes(
            &c,
            &format!("copy of {held}"),
            &id,
            held / 100,
            rounds,
            false,
        )
        .await;
        browser.close().await;
    }
}
