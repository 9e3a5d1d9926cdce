//! The app against the archive: `audit-proxy --app`-style stack whose upstream is
//! `audit-archive`, which collected the demo account into a throwaway PostgreSQL cluster. Once
//! the archive holds every event the demo is stopped, so everything the browser then shows came
//! from the archive.

use std::time::{Duration, Instant};

use audit_archive::collect::{Collector, Upstream};
use audit_archive::config::AccountCredentials;
use audit_archive::store::Archive;
use audit_archive::testing::Cluster;
use clap::Parser;
use e2e::*;

/// The archive in this process: collecting from `upstream` into `database_url`, answering on a
/// loopback port; returns its URL.
async fn archive(database_url: &str, upstream: &str) -> (String, Archive) {
    let config = audit_archive::config::Config::parse_from([
        "audit-archive",
        "--database-url",
        database_url,
        "--rate-per-client",
        "0",
    ]);
    let pool = audit_archive::db::pool(database_url, 8).expect("pool");
    audit_archive::db::migrate(&pool).await.expect("migrate");
    let store = Archive::new(pool);
    let from = Upstream::new(upstream, "demo".into(), "demo".into()).expect("client");
    tokio::spawn(Collector::new(store.clone(), from).run(Duration::from_secs(1)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let account = AccountCredentials {
        key: "demo".into(),
        secret: "demo".into(),
    };
    let app = audit_archive::serve::app(
        &config,
        store.clone(),
        &account,
        None,
        Vec::new(),
        url.clone(),
    );
    tokio::spawn(async move {
        audit_edge::serve(
            listener,
            app,
            &config.edge,
            None,
            std::future::pending(),
            config.request_timeout(),
        )
        .await;
    });
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

    signed_in(
        StackOptions::proxy(&["--upstream", &archive_url]),
        move |c, stack| async move {
            let app = stack.app_url.clone();
            let proxy = stack.proxy_url.clone();
            assert_eq!(wait_rows(&c).await, 30);
            wait_text(&c, testid::SHOWING, |t| t.ends_with("of 5,000")).await;
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
            // An event's detail view, by its address, from the archive.
            let id = open_row(&c, 0).await;
            assert_eq!(
                wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await,
                id
            );
            c.goto(&format!("{app}/security")).await.expect("security");
            wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
        },
    )
    .await;
    drop(cluster);
}
