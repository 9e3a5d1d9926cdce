//! The app against the archive: `audit-proxy --app`-style stack whose upstream is
//! `audit-archive`, which collected the demo account into a throwaway PostgreSQL cluster. Once
//! the archive holds every event the demo is stopped, so everything the browser then shows came
//! from the archive.

use std::time::{Duration, Instant};

use audit_archive::collect::{Collector, Upstream};
use audit_archive::store::Archive;
use audit_archive::testing::Cluster;
use clap::Parser;
use e2e::*;

/// The shipped rules (`rules/` at the repository's root).
fn shipped_rules() -> audit_archive::watch::RuleSet {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");
    audit_archive::watch::RuleSet::load(std::path::Path::new(dir)).expect("the shipped rules")
}

/// The archive in this process: collecting from `upstream` into `database_url`, answering on a
/// loopback port and announcing the shipped rules; returns its URL.
async fn archive(database_url: &str, upstream: &str) -> (String, Archive) {
    let config = audit_archive::config::Config::parse_from([
        "audit-archive",
        "--database-url",
        database_url,
        "--rate-per-client",
        "0",
    ]);
    let pool = audit_archive::db::pool(database_url, 8, None).expect("pool");
    audit_archive::db::migrate(&pool).await.expect("migrate");
    let store = Archive::new(pool);
    let from = Upstream::new(upstream, "demo".into(), "demo".into()).expect("client");
    tokio::spawn(Collector::new(store.clone(), from).run(Duration::from_secs(1)));
    let url = audit_archive::testing::serve_on_loopback(
        config,
        store.clone(),
        ("demo", "demo"),
        shipped_rules().summary(),
    )
    .await;
    (url, store)
}

#[tokio::test]
async fn the_app_reads_the_archive_as_it_reads_the_api() {
    let cluster = Cluster::start().expect("throwaway PostgreSQL");
    let demo = Stack::start(StackOptions::default()).await;
    let (archive_url, store) = archive(&cluster.url(), &demo.proxy_url).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while store.count().await.unwrap_or(0) < 5000
        || !store
            .held()
            .await
            .ok()
            .flatten()
            .is_some_and(|h| h.backfill_done)
    {
        assert!(
            Instant::now() < deadline,
            "the archive did not collect the demo"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    demo.stop_proxy().await;
    // The watch, from here on: an API secret deleted now alerts.
    let mut watcher = audit_archive::watch::Watcher::open(store.clone(), shipped_rules())
        .await
        .expect("watch");
    assert!(watcher.round().await.expect("the watch starts").is_empty());
    let deleted = audit_model::testing::event("5ec2e7de-0000-4000-8000-00000000d31e")
        .of_type("ACCOUNT_SECRET_DELETE")
        .at("2026-01-01T11:59:00")
        .user("mallory@acme.example")
        .ip("2001:db8::66")
        .build();
    // And ten logins by one user within ten minutes: a burst, one alert behind ten events.
    let mut planted = vec![audit_archive::store::Listed::new(deleted, 0)];
    for i in 0..10 {
        let login = audit_model::testing::event(format!("b0257000-0000-4000-8000-{i:012}"))
            .at(format!("2026-01-01T11:4{i}:00"))
            .user("mallory@acme.example")
            .ip("2001:db8::66")
            .build();
        planted.push(audit_archive::store::Listed::new(login, 0));
    }
    store.write(&planted, None).await.expect("write");
    let hits = watcher.round().await.expect("a watch round");
    for title in ["API secret deleted", "Burst of logins by one user"] {
        assert!(hits.iter().any(|h| h.title == title), "{title}: {hits:?}");
    }

    signed_in(
        // The tab may hold only a fifth of the account: the qualifiers are the archive's to
        // answer.
        StackOptions {
            local_max_events: Some(1000),
            ..StackOptions::proxy(&["--upstream", &archive_url])
        },
        move |c, stack| async move {
            let app = stack.app_url.clone();
            let proxy = stack.proxy_url.clone();
            assert_eq!(wait_rows(&c).await, 30);
            wait_text(&c, testid::SHOWING, |t| t.ends_with("of 5,011")).await;
            // The archive names itself, and its watch's alerts are one link away.
            let name = wait_text(&c, testid::SOURCE_NAME, |t| !t.is_empty()).await;
            assert!(name.starts_with("Archive, 5,011 events since 20"), "{name}");
            click(&c, testid::NAV_ALERTS).await;
            let summary = wait_text(&c, testid::ALERTS_SUMMARY, |t| !t.is_empty()).await;
            assert!(summary.contains(&format!("{} alerts", hits.len())), "{summary}");
            let rows = find_all(&c, testid::ALERT_ROW).await;
            assert_eq!(rows.len(), hits.len());
            let mut texts = Vec::new();
            for row in &rows {
                texts.push(row.text().await.expect("row"));
            }
            assert!(
                texts
                    .iter()
                    .any(|t| t.contains("API secret deleted") && t.contains("medium")),
                "{texts:?}"
            );
            // Its events, in the list through the id: qualifier that the archive answers.
            find(&c, testid::ALERT_EVENTS).await.click().await.expect("click");
            wait_text(&c, testid::SHOWING, |t| t.ends_with("of 1")).await;
            assert_eq!(column(&c, &testid::cell("type")).await, ["ACCOUNT_SECRET_DELETE"]);
            let asked = js(
                &c,
                "return performance.getEntriesByType('resource').map(r => r.name).filter(n => n.includes('where='))",
            )
            .await;
            assert!(
                asked.as_array().is_some_and(|a| !a.is_empty()),
                "the qualifier was asked of the archive: {asked}"
            );
            // A burst's ten events, through one qualifier naming each.
            c.back().await.expect("back to the alerts");
            wait_text(&c, testid::ALERTS_SUMMARY, |t| !t.is_empty()).await;
            js(
                &c,
                &format!(
                    "Array.from(document.querySelectorAll('{}')).find(r => r.textContent.includes('Burst of logins')).querySelector('{}').click()",
                    tid(testid::ALERT_ROW),
                    tid(testid::ALERT_EVENTS)
                ),
            )
            .await;
            wait_text(&c, testid::SHOWING, |t| t.ends_with("of 10")).await;
            assert_eq!(
                column(&c, &testid::cell("user")).await,
                vec!["mallory@acme.example"; 10]
            );
            c.goto(&format!("{app}/")).await.expect("the list");
            wait_rows(&c).await;
            // A type filter: the archive's count (through the proxy) is what the list shows.
            let types = api_total(&c, &proxy, "event_type=USER_LOGIN").await;
            assert!(types > 0 && types < 5000, "{types}");
            c.goto(&format!("{app}/?event_type=USER_LOGIN"))
                .await
                .expect("filtered list");
            wait_text(&c, testid::SHOWING, |t| {
                t.ends_with(&format!("of {}", audit_model::page::thousands(types)))
            })
            .await;
            // The facets and the timeline count over the archive's whole history, each in one
            // answer: the type facet is the list's total, and the bars add up to the API's total
            // for the range they cover.
            let type_facet = format!(
                "return Array.from(document.querySelectorAll('{}[data-field=\"type\"] {}')).map(b => [b.dataset.value, b.dataset.count])",
                tid(testid::FACET),
                tid(testid::FACET_INCLUDE)
            );
            let facet_count = wait_until(&c, "the type facet", || async {
                let v = js(&c, &type_facet).await;
                (v[0][0] == "USER_LOGIN").then(|| v[0][1].clone())
            })
            .await;
            assert_eq!(facet_count, types.to_string(), "the facet counts the whole history");
            wait_text(&c, testid::TIMELINE_SUMMARY, |t| t.contains("events in")).await;
            let bars = js(
                &c,
                &format!(
                    "const b = Array.from(document.querySelectorAll('{}')); \
                     return [b.reduce((n, x) => n + Number(x.dataset.count), 0), b[0].dataset.from, b[b.length - 1].dataset.to]",
                    tid(testid::TIMELINE_BAR)
                ),
            )
            .await;
            let in_range = api_total(
                &c,
                &proxy,
                &format!(
                    "event_type=USER_LOGIN&date_from={}&date_to={}",
                    bars[1].as_str().expect("from"),
                    bars[2].as_str().expect("to")
                ),
            )
            .await;
            assert!(in_range > 0, "the range holds logins");
            assert_eq!(bars[0], in_range, "the bars add up: {bars}");
            let asked = js(
                &c,
                "return performance.getEntriesByType('resource').map(r => r.name)",
            )
            .await;
            let asked: Vec<&str> = asked
                .as_array()
                .expect("names")
                .iter()
                .filter_map(|n| n.as_str())
                .collect();
            for path in ["/beta/audit/archive/counts?", "/beta/audit/archive/facets?"] {
                assert!(asked.iter().any(|n| n.contains(path)), "{path} asked: {asked:?}");
            }
            assert!(
                !asked
                    .iter()
                    .any(|n| n.contains("size=1&") && n.contains("event_type=USER_LOGIN")),
                "no bar asked on its own: {asked:?}"
            );
            // An event's detail view, by its address, from the archive; the same user's
            // previous event is the archive's answer over the whole history (the tab holds no
            // copy), and its link opens it.
            let id = open_row(&c, 0).await;
            assert_eq!(
                wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await,
                id
            );
            let around = store
                .related(&id, "http://archive.test")
                .await
                .expect("related")
                .expect("held");
            let previous = around.previous.expect("the user's previous login").id;
            click(&c, testid::PREVIOUS_BY_USER).await;
            assert_eq!(
                wait_text(&c, testid::DETAIL_ID, |t| t != id).await,
                previous
            );
            let asked = js(
                &c,
                "return performance.getEntriesByType('resource').map(r => r.name)",
            )
            .await;
            assert!(
                asked
                    .as_array()
                    .expect("names")
                    .iter()
                    .any(|n| n.as_str().is_some_and(|n| n.contains("/beta/audit/archive/related?id="))),
                "the archive was asked: {asked}"
            );
            c.goto(&format!("{app}/security")).await.expect("security");
            wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
            // Each finding the watch alerts on says by which rules.
            let watched = wait_text(&c, &testid::in_section(testid::KEY_CHANGES, "rules"), |t| {
                !t.is_empty()
            })
            .await;
            assert!(watched.contains("API secret deleted"), "{watched}");
            let countries =
                wait_text(&c, &testid::in_section(testid::COUNTRIES, "rules"), |t| !t.is_empty()).await;
            assert!(
                countries.contains("First login from a country new to the account"),
                "{countries}"
            );
        },
    )
    .await;
    drop(cluster);
}
