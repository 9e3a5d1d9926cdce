//! A newer question always wins, under injected latency: leaving a view aborts what it was
//! loading (no panic, no request sent after leaving), and a range switched while the previous
//! read is pending never shows the older answer.

use std::time::Duration;

use e2e::*;

/// Leaves the list for Settings through the app's own link, waits `settle`, and returns the
/// API requests (whose URL contains `matching`) sent after leaving.
async fn requests_after_leaving(
    c: &fantoccini::Client,
    matching: &str,
    settle: Duration,
) -> Vec<String> {
    let left = js(
        c,
        "const t = performance.now(); \
         [...document.querySelectorAll('a')].find(a => a.textContent === 'Settings').click(); \
         return t;",
    )
    .await
    .as_f64()
    .expect("time");
    find(c, testid::API_BASE).await;
    tokio::time::sleep(settle).await;
    let after = js(
        c,
        &format!(
            "return performance.getEntriesByType('resource') \
               .filter(e => e.name.includes('{matching}') && e.startTime > {left} + 5).map(e => e.name)"
        ),
    )
    .await;
    serde_json::from_value(after).expect("names")
}

#[tokio::test]
async fn leaving_a_filtered_list_aborts_its_loads_without_a_panic() {
    // Every count request of the timeline waits 150 ms, so most are pending when we leave.
    // No local copy: the counts go to the API (with one they wait for it, then ask nothing).
    signed_in(
        StackOptions {
            local_max_events: Some(0),
            ..StackOptions::proxy(&["--fault-latency-ms", "150", "--fault-match", "size=1"])
        },
        move |c, stack| async move {
            let app = stack.app_url.clone();
            for start in ["/?event_type=USER_LOGIN", "/?page=2"] {
                c.goto(&format!("{app}{start}"))
                    .await
                    .expect("open the list");
                watch_errors(&c).await;
                wait_rows(&c).await;
                // Leave for Settings through the app's own link while the timeline counts.
                let after =
                    requests_after_leaving(&c, "/beta/audit/events", Duration::from_millis(2500))
                        .await;
                assert!(
                    after.is_empty(),
                    "{start}: {} requests were sent after leaving: {:?}",
                    after.len(),
                    after.iter().take(3).collect::<Vec<_>>()
                );
                let errs = errors(&c).await;
                assert!(errs.is_empty(), "{start}: errors after leaving: {errs:?}");
            }
        },
    )
    .await;
}

#[tokio::test]
async fn a_range_switched_while_reading_shows_the_newer_range_only() {
    // Each security read of 90 days takes many pages at 150 ms; 24 hours takes one.
    signed_in(StackOptions::proxy(&["--fault-latency-ms", "150"]), move |c, stack| async move {
        let app = stack.app_url.clone();
        let proxy = stack.proxy_url.clone();
        c.goto(&format!("{app}/security?range=90d"))
            .await
            .expect("overview");
        watch_errors(&c).await;
        find(&c, testid::SECURITY_LOADING).await;
        // Switch to 24 hours while the 90-day read is still going.
        find(&c, testid::SECURITY_RANGE)
            .await
            .select_by_value("24h")
            .await
            .expect("switch");
        let summary = wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
        // Long enough for the abandoned 90-day read to have finished, had it gone on.
        tokio::time::sleep(Duration::from_millis(4000)).await;
        let later = find(&c, testid::SECURITY_SUMMARY)
            .await
            .text()
            .await
            .expect("text");
        assert_eq!(later, summary, "an older answer replaced the newer one");
        // And it is the 24-hour answer: the same count the API gives for those types and hours.
        let q = js(&c, "return location.search").await;
        assert!(q.as_str().is_some_and(|s| s.contains("range=24h")), "{q}");
        let n: u64 = summary
            .split(' ')
            .next()
            .and_then(|n| n.replace(',', "").parse().ok())
            .expect("a count");
        let all_90d = api_total(
            &c,
            &proxy,
            "event_type=USER_LOGIN,IP_WHITELIST_CREATE,IP_WHITELIST_DELETE,ACCOUNT_SECRET_CREATE,ACCOUNT_SECRET_DELETE,USER_API_KEYS_UPDATE",
        )
        .await;
        assert!(n < all_90d / 10, "24 hours, not 90 days: {n} of {all_90d}");
        assert!(errors(&c).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_request_past_the_timeout_is_aborted_and_explained_and_the_view_kept() {
    // Page 2 takes 5 s; config.json allows 1 s per request.
    signed_in(StackOptions {
        request_timeout_secs: Some(1),
        ..StackOptions::proxy(&["--fault-latency-ms", "5000", "--fault-match", "page=2"])
    }, move |c, _stack| async move {
        wait_rows(&c).await;
        let started = std::time::Instant::now();
        click(&c, testid::NEXT).await;
        let msg = wait_text(&c, testid::ERROR_MESSAGE, |t| !t.is_empty()).await;
        let waited = started.elapsed();
        assert!(msg.contains("did not answer in time"), "{msg}");
        assert!(waited < Duration::from_millis(4000), "{waited:?}");
        assert!(!find_all(&c, testid::EVENT_ROW).await.is_empty(), "rows kept");
        find(&c, testid::RETRY).await;
        // The timed-out request was aborted, not left running: its entry ends long before the
        // proxy would have answered.
        let ended = js(&c, "const e = performance.getEntriesByType('resource').filter(r => r.name.includes('page=2')); \
            return e.length ? e[e.length - 1].duration : null").await;
        assert!(ended.as_f64().is_some_and(|ms| ms < 4000.0), "{ended}");
    })
    .await;
}

#[tokio::test]
async fn benchmark_marks_are_off_unless_switched_on_and_read_the_answer_from_resource_timing() {
    // Pages from the API, whose answers Resource Timing sees.
    let stack = Stack::start(StackOptions {
        local_max_events: Some(0),
        ..Default::default()
    })
    .await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        let switch_pages = |c: fantoccini::Client| async move {
            click(&c, testid::NEXT).await;
            wait_until(&c, "page 2", || async {
                js(&c, &format!("return document.querySelector('{}')?.textContent ?? ''", tid(testid::PAGE_OF)))
                    .await
                    .as_str()
                    .filter(|t| t.starts_with("Page 2"))
                    .map(|_| ())
            })
            .await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        c.goto(&app).await.expect("open the app");
        sign_in_demo(&c).await;
        switch_pages(c.clone()).await;
        let marks = js(&c, "return performance.getEntries().filter(e => e.name.startsWith('audit:')).length").await;
        assert_eq!(marks, serde_json::json!(0), "no marks for users");

        instrument(&c, &app).await;
        open_view(&c, &app, "/").await;
        switch_pages(c.clone()).await;
        let v = js(&c, "const m = n => performance.getEntriesByName(n).map(e => e.startTime); \
            const r = performance.getEntriesByType('resource').filter(e => e.name.includes('/beta/audit/events?') && e.name.includes('page=2') && e.name.includes('size=30')); \
            return [m('audit:list-response'), m('audit:list-decoded'), performance.getEntriesByName('audit:page-switch').length, r.length ? r[r.length - 1].responseEnd : null, r.map(e => e.name)]").await;
        let responses: Vec<f64> = serde_json::from_value(v[0].clone()).expect("marks");
        let decoded: Vec<f64> = serde_json::from_value(v[1].clone()).expect("marks");
        assert_eq!(v[2], serde_json::json!(2), "the first page and the switch are measured: {v}");
        let arrived = v[3].as_f64().expect("the page's resource entry");
        let last = *responses.last().expect("a response mark");
        assert!((last - arrived).abs() < 0.01, "the mark is the answer's arrival: {last} vs {arrived}: {v}");
        assert!(decoded.last().is_some_and(|d| *d >= last), "{v}");
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn leaving_the_list_during_an_export_aborts_it_without_a_panic() {
    // Every export page (size=100) waits 300 ms: 50 pages would take 15 s at 6 in flight… more
    // than the test waits.
    // No local copy, whose read would also ask for pages of 100.
    signed_in(
        StackOptions {
            local_max_events: Some(0),
            ..StackOptions::proxy(&["--fault-latency-ms", "300", "--fault-match", "size=100"])
        },
        move |c, _stack| async move {
            watch_errors(&c).await;
            // No confirmation dialog in the way: export a few hundred events.
            js(&c, "window.confirm = () => true").await;
            click(&c, testid::EXPORT).await;
            find(&c, testid::EXPORT_PROGRESS).await;
            tokio::time::sleep(Duration::from_millis(700)).await;
            let after = requests_after_leaving(&c, "size=100", Duration::from_millis(2000)).await;
            assert!(after.is_empty(), "export requests after leaving: {after:?}");
            let errs = errors(&c).await;
            assert!(errs.is_empty(), "errors after leaving: {errs:?}");
        },
    )
    .await;
}
