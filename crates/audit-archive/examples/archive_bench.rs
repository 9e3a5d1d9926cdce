//! How fast the archive writes, beside a plain `COPY` of the same rows (the events and their
//! search text's pieces) into tables with the same indexes, in one run on one throwaway cluster
//! (the archive writes as it collects: a page of 100 events per transaction, with what is
//! held); then how long it takes to answer the
//! API's list call in the shapes the app asks, p50 and p95 of 20 each, and what the app asks
//! beyond it (the timeline's counts, the facets, an event's relatives).
//!
//!     cargo run --release -p audit-archive --example archive_bench -- [EVENTS]

use std::time::Instant;

use audit_archive::store::{Archive, Held, Listed};
use audit_archive::testing::Cluster;
use futures_util::SinkExt;

/// A value in COPY's text format.
fn field(out: &mut String, value: Option<&str>) {
    let Some(v) = value else {
        out.push_str("\\N");
        return;
    };
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let cluster = Cluster::start()?;
    let pool = audit_archive::db::pool(&cluster.url(), 4, None)?;
    audit_archive::db::migrate(&pool).await?;
    let now = audit_model::time::parse_api_timestamp("2026-01-01T12:00:00")?;
    let mut events = audit_proxy::demo::generate(audit_proxy::demo::DemoSpec {
        seed: 1,
        events: n,
        now,
    });
    events.reverse(); // newest first, as the API lists them
    let listed: Vec<Listed> = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| Listed::new(e, i as i64))
        .collect();

    // The same rows, COPYed in one statement each into tables like the archive's: the events,
    // and the distinct pieces of their search text.
    let client = pool.get().await?;
    client
        .batch_execute(
            "CREATE TABLE events_copy (LIKE events INCLUDING ALL); \
             CREATE TABLE search_shared_copy (LIKE search_shared INCLUDING ALL); \
             CREATE TABLE search_contexts_copy (LIKE search_contexts INCLUDING ALL)",
        )
        .await?;
    let started = Instant::now();
    let mut text = String::new();
    let hex = |key: &[u8]| {
        let digits: String = key.iter().map(|b| format!("{b:02x}")).collect();
        format!("\\x{digits}")
    };
    let mut pieces = audit_archive::search::Pieces::default();
    for (i, l) in listed.iter().enumerate() {
        let ms = l.created_ms.to_string();
        let pos = l.pos.to_string();
        let body = serde_json::to_string(&l.event)?;
        // The event's search text as the archive keeps it: its own lines and its pieces' keys.
        pieces.push(&l.event);
        let (shared, context) = (hex(&pieces.shared[i]), hex(&pieces.context[i]));
        let cells = [
            Some(l.event.id.as_str()),
            Some(ms.as_str()),
            Some(pos.as_str()),
            Some(l.event.event_type.as_str()),
            l.event.event_type_description.as_deref(),
            Some(body.as_str()),
            Some(pieces.own[i].as_str()),
            Some(shared.as_str()),
            Some(context.as_str()),
        ];
        for (i, c) in cells.into_iter().enumerate() {
            if i > 0 {
                text.push('\t');
            }
            field(&mut text, c);
        }
        text.push('\n');
    }
    let sink = client
        .copy_in(
            "COPY events_copy (id, created_ms, pos, event_type, type_description, body, own_text, \
                               shared_key, context_key) FROM STDIN",
        )
        .await?;
    futures_util::pin_mut!(sink);
    sink.send(bytes::Bytes::from(text)).await?;
    sink.finish().await?;
    for (table, distinct) in pieces.distinct() {
        let mut text = String::new();
        for (key, piece) in distinct {
            field(&mut text, Some(&hex(key)));
            text.push('\t');
            field(&mut text, Some(piece));
            text.push('\n');
        }
        let sink = client
            .copy_in(&format!("COPY {table}_copy (key, text) FROM STDIN"))
            .await?;
        futures_util::pin_mut!(sink);
        sink.send(bytes::Bytes::from(text)).await?;
        sink.finish().await?;
    }
    let copy = started.elapsed().as_secs_f64();

    // The archive's own writes: pages of 100, each with what is held.
    let archive = Archive::new(pool.clone());
    let started = Instant::now();
    for page in listed.chunks(100) {
        let held = Held {
            from: page.last().map_or(0, |l| l.created_ms),
            to: listed[0].created_ms,
            backfill_page: 1,
            backfill_done: false,
        };
        archive.write(page, Some(held)).await?;
    }
    let write = started.elapsed().as_secs_f64();
    assert_eq!(archive.count().await?, n as i64);
    // The facets' per-day and per-hour counts, which the archive brings up to date in the
    // background once writes pause (until then the facets read the events).
    let started = Instant::now();
    let days = archive.count_facet_days().await?;
    let count_days = started.elapsed().as_secs_f64();

    // The watch: the shipped rules over the same events, oldest first, as the archive runs
    // them on what it collects.
    let rules = audit_archive::watch::RuleSet::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../rules"
    )))?;
    let mut watch = audit_archive::watch::Watch::new(&rules)?;
    let started = Instant::now();
    let mut hits = 0usize;
    for l in listed.iter().rev() {
        hits += watch.observe(&l.event).len();
    }
    let evaluate = started.elapsed().as_secs_f64();

    // Every table analysed, the counts too: their plans depend on it (autovacuum would get to
    // them within minutes; the queries below start at once).
    client.batch_execute("VACUUM ANALYZE").await?;
    let base = "http://archive";
    let shapes = [
        ("newest page", "size=100"),
        ("a deep page", "size=100&page=400"),
        ("one type", "event_type=USER_LOGIN&size=100"),
        ("a week", "date_from=2025-12-01&date_to=2025-12-07&size=100"),
        (
            "search text, a fifth match",
            "search_text=carol.security&size=100",
        ),
        (
            "search text, many contexts match",
            "search_text=msisdn&size=100",
        ),
        (
            "type + week + text",
            "event_type=USER_LOGIN&date_from=2025-12-01&date_to=2025-12-07&search_text=US&size=100",
        ),
    ];
    // A needle few events hold: part of one event's id.
    let rare = format!("search_text={}&size=100", &listed[n / 2].event.id[..13]);
    let shapes = shapes
        .into_iter()
        .map(|(name, qs)| (name, qs.to_string()))
        .chain([
            ("search text, one match", rare),
            // The app's qualifiers (where=), answered in SQL.
            (
                "qualifier country:BR",
                "where=country:BR&size=100".to_string(),
            ),
            (
                "qualifiers ip range, not a login",
                "where=ip:203.0.113.0/24+-type:USER_LOGIN&size=100".to_string(),
            ),
        ]);
    let mut times = Vec::new();
    for (name, qs) in shapes {
        let (q, _) = audit_model::EventQuery::parse_app(&qs)?;
        let mut ms = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            archive.page(&q, base).await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        times.push((name, ms[ms.len() / 2], ms[ms.len() * 95 / 100]));
    }

    // What the app's timeline and facets ask of an archive, one answer each.
    let p50_p95 = |mut ms: Vec<f64>| {
        ms.sort_by(f64::total_cmp);
        (ms[ms.len() / 2], ms[ms.len() * 95 / 100])
    };
    let mut extension = Vec::new();
    for (name, qs, width_ms) in [
        (
            "timeline, 90 days by day",
            "date_from=2025-10-03T12:00:00&date_to=2026-01-01T12:00:00",
            86_400_000,
        ),
        (
            "timeline, logins over 90 days by day",
            "date_from=2025-10-03T12:00:00&date_to=2026-01-01T12:00:00&event_type=USER_LOGIN",
            86_400_000,
        ),
        (
            "timeline, country:BR over 90 days by day",
            "date_from=2025-10-03T12:00:00&date_to=2026-01-01T12:00:00&where=country:BR",
            86_400_000,
        ),
        (
            "timeline, a day by 15 min",
            "date_from=2025-12-31T12:00:00&date_to=2026-01-01T12:00:00",
            900_000,
        ),
        (
            "timeline, search text a fifth match by day",
            "search_text=carol.security",
            86_400_000,
        ),
    ] {
        let (q, _) = audit_model::EventQuery::parse_app(qs)?;
        let cut = audit_model::archive::Cut {
            width_ms,
            offset_minutes: 60,
        };
        let mut ms = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            archive.counts(&q, &cut).await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p95) = p50_p95(ms);
        extension.push(("timeline", name, p50, p95));
    }
    for (name, qs) in [
        ("facets, the newest day", "date_from=2025-12-31T12:00:00"),
        ("facets, country:BR", "where=country:BR"),
        ("facets, 90 days", "date_from=2025-10-03T12:00:00"),
        (
            "facets, logins over 90 days",
            "date_from=2025-10-03T12:00:00&event_type=USER_LOGIN",
        ),
        (
            "facets, search text a fifth match",
            "search_text=carol.security",
        ),
    ] {
        let (q, _) = audit_model::EventQuery::parse_app(qs)?;
        let mut ms = Vec::new();
        for _ in 0..20 {
            let t = Instant::now();
            archive.facets(&q, 5).await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p95) = p50_p95(ms);
        extension.push(("facets", name, p50, p95));
    }
    // What the detail view asks of an archive: the same user's events around one event and
    // its resource's history, for twenty events spread over the history.
    let mut ms = Vec::new();
    for l in listed.iter().step_by(n.div_ceil(20).max(1)) {
        let t = Instant::now();
        archive.related(&l.event.id, base).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50, p95) = p50_p95(ms);
    extension.push(("related", "an event's relatives", p50, p95));

    let rate = |secs: f64| n as f64 / secs;
    println!(
        "archive write, {n} events in pages of 100: {:.0} events/s ({write:.2} s)",
        rate(write)
    );
    println!(
        "plain COPY of the same rows: {:.0} events/s ({copy:.2} s)",
        rate(copy)
    );
    println!("ratio archive/COPY: {:.2} (budget ≥ 0.50)", copy / write);
    println!("facet counts of {days} days, in the background: {count_days:.1} s");
    let per_event_us = |secs: f64| secs * 1e6 / n as f64;
    println!(
        "watch: {} shipped rules per event {:.1} µs, the archive's write per event {:.1} µs ({hits} hits)",
        rules.rules.len(),
        per_event_us(evaluate),
        per_event_us(write)
    );
    println!("ratio watch/write: {:.2}", evaluate / write);
    for (name, p50, p95) in times {
        println!("list answer, {name}: p50 {p50:.1} ms, p95 {p95:.1} ms");
    }
    for (kind, name, p50, p95) in extension {
        println!("{kind} answer, {name}: p50 {p50:.1} ms, p95 {p95:.1} ms");
    }
    Ok(())
}
