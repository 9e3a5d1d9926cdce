//! A newer question always wins, under injected latency: leaving a view aborts what it was
//! loading (no panic, no request sent after leaving), and a range switched while the previous
//! read is pending never shows the older answer.

use std::time::Duration;

use e2e::*;

/// Records console errors and uncaught errors (a Rust panic in the app logs through
/// console.error, then traps as a RuntimeError).
const WATCH_ERRORS: &str = "window.__errors = []; \
    const orig = console.error; \
    console.error = (...a) => { window.__errors.push(a.map(String).join(' ')); orig.apply(console, a); }; \
    addEventListener('error', e => window.__errors.push('uncaught: ' + e.message));";

async fn errors(c: &fantoccini::Client) -> Vec<String> {
    serde_json::from_value(js(c, "return window.__errors || []").await).unwrap_or_default()
}

#[tokio::test]
async fn leaving_a_filtered_list_aborts_its_loads_without_a_panic() {
    // Every count request of the timeline waits 150 ms, so most are pending when we leave.
    let stack = Stack::start(StackOptions::proxy(&[
        "--fault-latency-ms",
        "150",
        "--fault-match",
        "size=1",
    ]))
    .await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        for start in ["/?event_type=USER_LOGIN", "/?page=2"] {
            c.goto(&format!("{app}{start}")).await.expect("open the list");
            js(&c, WATCH_ERRORS).await;
            wait_rows(&c).await;
            // Leave for Settings through the app's own link while the timeline counts.
            let left = js(
                &c,
                "const t = performance.now(); \
                 [...document.querySelectorAll('a')].find(a => a.textContent === 'Settings').click(); \
                 return t;",
            )
            .await
            .as_f64()
            .expect("time");
            find(&c, "api-base").await;
            tokio::time::sleep(Duration::from_millis(2500)).await;
            let after = js(
                &c,
                &format!(
                    "return performance.getEntriesByType('resource') \
                       .filter(e => e.name.includes('/beta/audit/events') && e.startTime > {left} + 5).map(e => e.name)"
                ),
            )
            .await;
            let after: Vec<String> = serde_json::from_value(after).expect("names");
            assert!(
                after.is_empty(),
                "{start}: {} requests were sent after leaving: {:?}",
                after.len(),
                after.iter().take(3).collect::<Vec<_>>()
            );
            let errs = errors(&c).await;
            assert!(errs.is_empty(), "{start}: errors after leaving: {errs:?}");
        }
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn a_range_switched_while_reading_shows_the_newer_range_only() {
    // Each security read of 90 days takes many pages at 150 ms; 24 hours takes one.
    let stack = Stack::start(StackOptions::proxy(&["--fault-latency-ms", "150"])).await;
    let app = stack.app_url.clone();
    let proxy = stack.proxy_url.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        c.goto(&format!("{app}/security?range=90d"))
            .await
            .expect("overview");
        js(&c, WATCH_ERRORS).await;
        find(&c, "security-loading").await;
        // Switch to 24 hours while the 90-day read is still going.
        find(&c, "security-range")
            .await
            .select_by_value("24h")
            .await
            .expect("switch");
        let summary = wait_text(&c, "security-summary", |t| !t.is_empty()).await;
        // Long enough for the abandoned 90-day read to have finished, had it gone on.
        tokio::time::sleep(Duration::from_millis(4000)).await;
        let later = find(&c, "security-summary")
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
    drop(stack);
}
