//! The local workspace as a person meets it: rows before the copy is full, then views that ask
//! the API nothing, totals equal to the API's, Live and "Check for new events" adding to the
//! copy, the bound falling back to asking the API with its message, a failed read that says so
//! and keeps working, and Sign out forgetting the copy.

use std::time::Duration;

use e2e::*;

/// The event count in the copy's status line.
fn held(text: &str) -> u64 {
    text.split_whitespace()
        .next()
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("no count in {text:?}"))
}

/// Next, then waits for page 2's rows.
async fn to_page_2(c: &fantoccini::Client) {
    click(c, testid::NEXT).await;
    wait_until(c, "page 2", || async {
        location(c).await.contains("page=2").then_some(())
    })
    .await;
    wait_rows(c).await;
}

#[tokio::test]
async fn rows_show_before_the_copy_is_full_then_views_ask_the_api_nothing() {
    // Slow enough answers that the read is seen under way.
    let stack = Stack::start(StackOptions::proxy(&["--fault-latency-ms", "250"])).await;
    let app = stack.app_url.clone();
    let proxy = stack.proxy_url.clone();
    with_browser(move |c| async move {
        instrument(&c, &app).await;
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        // The first table is there while the copy still reads (50 pages at 250 ms, 5 at a time).
        let (state, text) = local_copy(&c, |_| true).await;
        assert_eq!(state, "reading", "{text}");
        assert!(text.contains("of 5,000 events"), "{text}");
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        assert!(text.starts_with("5,000 events"), "{text}");
        let before = requests_to(&c, &proxy).await;

        // Another page, a text search, a type filter, a detail view and back, the security
        // overview: all answered in the tab.
        to_page_2(&c).await;
        type_into(&c, testid::SEARCH_TEXT, "carol.security").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| !t.ends_with("of 5,000")).await;
        let carol = showing_total(&c).await;
        open_row(&c, 0).await;
        find(&c, testid::BACK).await.click().await.expect("back");
        wait_rows(&c).await;
        click_link(&c, "Security overview").await;
        wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
        let sent = js(
            &c,
            &format!("return performance.getEntriesByType('resource').filter(r => r.name.startsWith('{proxy}/')).slice({before}).map(r => r.name)"),
        )
        .await;
        assert_eq!(sent, serde_json::json!([]), "no request once the copy is complete");

        // The same totals as the API gives (asked only now, so they are not counted above).
        assert_eq!(
            carol,
            api_total(&c, &proxy, "search_text=carol.security").await
        );
        c.goto(&format!(
            "{app}/?event_type=USER_LOGIN,APP_UPDATE&size=7&page=3"
        ))
        .await
        .expect("open");
        local_copy(&c, |s| s == "ready").await;
        wait_rows(&c).await;
        assert_eq!(
            showing_total(&c).await,
            api_total(&c, &proxy, "event_type=USER_LOGIN,APP_UPDATE").await
        );
    })
    .await;
    drop(stack);
}

/// A bookmarked security overview in a new tab asks the API for what it shows, not for the
/// whole copy first; the copy the other views use is read after its findings.
#[tokio::test]
async fn the_security_overview_in_a_new_tab_reads_what_it_shows_first() {
    let stack = Stack::start(StackOptions::proxy(&["--fault-latency-ms", "100"])).await;
    let app = stack.app_url.clone();
    let proxy = stack.proxy_url.clone();
    with_browser(move |c| async move {
        instrument(&c, &app).await;
        store_demo_credentials(&c).await;
        c.goto(&format!("{app}/security")).await.expect("open");
        // Each section is painted when what it needs is in: the key and secret changes (one
        // page) while the logins (many pages) are still being read, which each section says.
        let at_first = wait_until(&c, "the key and secret changes painted", || async {
            let state = js(
                &c,
                &format!(
                    "const keys = document.querySelector('{keys}');
                     const pending = document.querySelector('{pending}');
                     return keys ? [keys.querySelectorAll('li').length, pending && pending.textContent,
                       !!document.querySelector('{summary}')] : null",
                    keys = tid(testid::KEY_CHANGES),
                    pending = tid(&testid::in_section(testid::COUNTRIES, "pending")),
                    summary = tid(testid::SECURITY_SUMMARY)
                ),
            )
            .await;
            (!state.is_null()).then_some(state)
        })
        .await;
        assert!(at_first[0].as_u64().is_some_and(|n| n > 0), "key changes listed: {at_first}");
        assert!(
            at_first[1].as_str().is_some_and(|t| t.starts_with("Reading the logins")),
            "the logins are still being read, and the section says so: {at_first}"
        );
        assert_eq!(at_first[2], false, "no summary before everything is in: {at_first}");
        let summary = wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
        assert!(summary.contains("security events read"), "{summary}");
        assert_eq!(
            js(
                &c,
                &format!(
                    "return document.querySelectorAll('[data-testid$=\"{}\"]').length",
                    testid::in_section("", "pending")
                )
            )
            .await,
            0,
            "every section painted"
        );
        let before = js(
            &c,
            &format!(
                "const f = performance.getEntriesByName('audit:findings')[0].startTime;
                 return performance.getEntriesByType('resource')
                   .filter(r => r.name.startsWith('{proxy}/beta/audit/events?') && r.startTime <= f)
                   .map(r => r.name)"
            ),
        )
        .await;
        let before: Vec<&str> = before
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(!before.is_empty(), "the overview asked the API");
        assert!(
            before.iter().all(|u| u.contains("event_type=")),
            "only the types the overview shows before its findings: {before:#?}"
        );
        assert!(
            before.len() < 50,
            "fewer pages than the whole copy's 50: {}",
            before.len()
        );
        // Then the copy of the whole range is read, for the other views.
        wait_until(&c, "the copy's read after the findings", || async {
            let n = js(
                &c,
                &format!(
                    "return performance.getEntriesByType('resource').filter(r => r.name.startsWith('{proxy}/beta/audit/events?') && !r.name.includes('event_type=')).length"
                ),
            )
            .await;
            (n.as_u64().unwrap_or(0) > 0).then_some(())
        })
        .await;
        click_link(&c, "Events").await;
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        assert!(text.starts_with("5,000 events"), "{text}");

        // The overview's requests were dated by the clock (the last 90 days until now): the
        // next load would not ask them again, so none is kept for it.
        let first_requests = format!(
            "return JSON.parse(sessionStorage.getItem('{}'))",
            storage::FIRST_REQUESTS
        );
        assert_eq!(js(&c, &first_requests).await, serde_json::Value::Null);

        // The events list opened in this tab: its first requests are kept beside the
        // credentials (never the secret), so opening it again sends them before the app has
        // started, and the app takes them over instead of asking again.
        c.goto(&format!("{app}/?event_type=USER_LOGIN")).await.expect("open the list");
        wait_rows(&c).await;
        let record = js(&c, &first_requests).await;
        let route = js(&c, "return location.pathname + location.search").await;
        assert_eq!(record["route"], route, "{record}");
        assert_eq!(record["key"], "demo", "{record}");
        assert_eq!(record["base"], proxy.as_str(), "{record}");
        assert!(record.get("secret").is_none(), "{record}");
        let kept: Vec<String> = record["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .filter_map(|r| r[1].as_str().map(String::from))
            .collect();
        assert!(
            kept.iter().any(|u| u.contains("event_type=USER_LOGIN")),
            "the list's own request: {kept:#?}"
        );
        c.refresh().await.expect("open it again");
        wait_rows(&c).await;
        assert_eq!(
            js(&c, "return performance.getEntriesByName('audit:first-requests-early').length").await,
            1,
            "the app took over what the page sent early"
        );
        let sent = js(
            &c,
            "return performance.getEntriesByType('resource').map(r => [r.name, r.startTime])",
        )
        .await;
        let sent = sent.as_array().expect("entries");
        for url in &kept {
            let each: Vec<&serde_json::Value> =
                sent.iter().filter(|e| e[0] == url.as_str()).collect();
            assert_eq!(each.len(), 1, "{url} asked once: {sent:?}");
        }
        assert_eq!(
            showing_total(&c).await,
            api_total(&c, &proxy, "event_type=USER_LOGIN").await
        );

        // Pointed at another proxy in Settings: the credentials go nowhere else, so nothing is
        // sent early to the proxy of the record. Every fetch of the page is listed, from
        // before boot.js runs (a request whose answer nobody reads may never reach the
        // resource timings).
        js(
            &c,
            &format!(
                "localStorage.setItem('{}', 'http://127.0.0.3:9')",
                storage::API_BASE
            ),
        )
        .await;
        let watch = cdp(
            &c,
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": "window.__fetched = []; const fetched = window.fetch; \
                window.fetch = function (url) { window.__fetched.push(String(url && url.url || url)); \
                return fetched.apply(this, arguments); };" }),
        )
        .await;
        c.refresh().await.expect("open it again");
        let fetched = wait_until(&c, "the app's requests", || async {
            let all = js(&c, "return window.__fetched").await;
            all.as_array()
                .filter(|a| {
                    a.iter()
                        .any(|u| u.as_str().is_some_and(|u| u.starts_with("http://127.0.0.3:9/")))
                })
                .cloned()
        })
        .await;
        cdp(
            &c,
            "Page.removeScriptToEvaluateOnNewDocument",
            serde_json::json!({ "identifier": watch["identifier"] }),
        )
        .await;
        assert!(
            !fetched
                .iter()
                .any(|u| u.as_str().is_some_and(|u| u.starts_with(&format!("{proxy}/")))),
            "nothing sent to the proxy of the record: {fetched:?}"
        );
        js(
            &c,
            &format!("localStorage.removeItem('{}')", storage::API_BASE),
        )
        .await;
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn live_and_check_for_new_events_add_to_the_copy() {
    signed_in(StackOptions::proxy(&["--demo-live-every-ms", "700"]), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        let first = held(&text);
        live_every_second(&c).await;
        wait_text(&c, testid::LIVE_COUNT, |t| !t.starts_with("0 ")).await;
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        let after_live = held(&text);
        assert!(after_live > first, "{first} → {text}");
        // The newest row is the API's newest event (events keep arriving: it is among the
        // newest few by the time the API is asked).
        click(&c, testid::LIVE).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        click(&c, testid::LOCAL_CHECK).await;
        wait_text(&c, testid::LOCAL_COPY, |t| t.contains("new event")).await;
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        assert!(held(&text) > after_live, "{text}");
        wait_rows(&c).await;
        let top = js(
            &c,
            "const r = document.querySelector('table.event-list tbody tr[data-id]'); return r ? r.dataset.id : null",
        )
        .await;
        let newest = api_json(&c, &format!("{proxy}/beta/audit/events?size=5")).await;
        let ids: Vec<&str> = newest["_embedded"]["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["id"].as_str())
            .collect();
        let row = top.as_str().expect("a first row");
        assert!(ids.contains(&row), "{row} among {ids:?}");
    })
    .await;
}

#[tokio::test]
async fn above_the_bound_every_view_asks_the_api_and_says_why() {
    let stack = Stack::start(StackOptions {
        local_max_events: Some(1000),
        ..Default::default()
    })
    .await;
    let app = stack.app_url.clone();
    let proxy = stack.proxy_url.clone();
    with_browser(move |c| async move {
        instrument(&c, &app).await;
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        let (_, text) = local_copy(&c, |s| s == "too-many").await;
        assert!(
            text.contains("5,000 events, more than the 1,000 kept"),
            "{text}"
        );
        assert!(text.contains("Narrow the dates"), "{text}");
        let before = requests_to(&c, &proxy).await;
        to_page_2(&c).await;
        assert!(
            requests_to(&c, &proxy).await > before,
            "page 2 came from the API"
        );
        assert_eq!(showing_total(&c).await, 5000);
        // Exact qualifiers need the events in the tab: said, with what to do, and nothing sent.
        c.goto(&format!("{app}/?where=country%3AUS")).await.expect("open");
        local_copy(&c, |s| s == "too-many").await;
        let msg = wait_text(&c, testid::ERROR_MESSAGE, |t| !t.is_empty()).await;
        assert!(
            msg.contains("Exact qualifiers") && msg.contains("Narrow the dates"),
            "{msg}"
        );
        assert_eq!(
            js(&c, "return performance.getEntriesByType('resource').filter(r => r.name.includes('where') || r.name.includes('country')).length").await,
            serde_json::json!(0)
        );
        // A range within the bound is read into the tab.
        let from = api_json(&c, &format!("{proxy}/beta/audit/events?size=1&page=400")).await;
        let from = from["_embedded"]["events"][0]["created_at"]
            .as_str()
            .expect("time")
            .to_string();
        type_into(&c, testid::DATE_FROM, &from.replace('T', " ")).await;
        click(&c, testid::APPLY).await;
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        assert!(held(&text) <= 1000 && held(&text) >= 400, "{text}");
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn a_failed_read_says_so_keeps_the_list_and_can_be_tried_again() {
    // Page 3 of the read fails every time until two failures (and the client's retries) pass.
    signed_in(
        StackOptions::proxy(&[
            "--fault",
            "500",
            "--fault-match",
            "page=3&size=100",
            "--fault-count",
            "1",
        ]),
        move |c, _stack| async move {
            let (_, text) = local_copy(&c, |s| s == "failed").await;
            assert!(text.contains("could not be read into this tab"), "{text}");
            assert!(text.contains("500"), "{text}");
            // The list still works, from the API.
            assert_eq!(wait_rows(&c).await, 30);
            click(&c, testid::LOCAL_RETRY).await;
            let (_, text) = local_copy(&c, |s| s == "ready").await;
            assert!(text.starts_with("5,000 events"), "{text}");
        },
    )
    .await;
}

#[tokio::test]
async fn with_the_proxy_gone_the_copy_still_answers_and_checking_says_why_not() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        local_copy(&c, |s| s == "ready").await;
        stack.stop_proxy().await;
        click(&c, testid::NEXT).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
        assert!(find_all(&c, testid::ERROR_BANNER).await.is_empty());
        click(&c, testid::LOCAL_CHECK).await;
        let text = wait_text(&c, testid::LOCAL_COPY, |t| t.contains("Could not check")).await;
        assert!(
            text.contains("Could not reach the proxy") && text.contains(&proxy),
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn sign_out_forgets_the_copy() {
    signed_in(
        StackOptions::proxy(&["--fault-latency-ms", "150"]),
        move |c, _stack| async move {
            local_copy(&c, |s| s == "ready").await;
            click(&c, testid::SIGN_OUT).await;
            // Nothing of the account's first requests is left for the next load.
            assert_eq!(
                js(
                    &c,
                    &format!(
                        "return [sessionStorage.getItem('{0}'), localStorage.getItem('{0}')]",
                        storage::FIRST_REQUESTS
                    )
                )
                .await,
                serde_json::json!([null, null])
            );
            sign_in_demo(&c).await;
            // Read again from the API, not found in memory.
            let (state, text) = local_copy(&c, |_| true).await;
            assert_eq!(state, "reading", "{text}");
            local_copy(&c, |s| s == "ready").await;
        },
    )
    .await;
}

/// Copies kept in the app's IndexedDB (0 when it has none; it is never created here).
async fn kept_copies(c: &fantoccini::Client) -> i64 {
    let script = "const done = arguments[0]; const r = indexedDB.open('audit-viewer'); \
        r.onupgradeneeded = () => r.transaction.abort(); \
        r.onerror = () => done(0); \
        r.onsuccess = () => { const db = r.result; \
          if (!db.objectStoreNames.contains('copies')) { db.close(); done(0); return; } \
          const n = db.transaction('copies').objectStore('copies').count(); \
          n.onsuccess = () => { db.close(); done(n.result); }; n.onerror = () => done(-1); };";
    c.execute_async(script, vec![])
        .await
        .expect("IndexedDB count")
        .as_i64()
        .unwrap_or(-1)
}

#[tokio::test]
async fn a_kept_copy_makes_a_revisit_one_request_and_sign_out_deletes_it() {
    let stack = Stack::start(StackOptions::proxy(&["--fault-latency-ms", "100"])).await;
    let app = stack.app_url.clone();
    let proxy = stack.proxy_url.clone();
    with_browser(move |c| async move {
        instrument(&c, &app).await;
        c.goto(&app).await.expect("open");
        assert_eq!(kept_copies(&c).await, 0);
        click(&c, testid::KEEP_COPY).await;
        sign_in_demo(&c).await;
        local_copy(&c, |s| s == "ready").await;
        wait_until(&c, "the copy kept", || async {
            (kept_copies(&c).await == 1).then_some(())
        })
        .await;

        // Tomorrow, or after a reload: the rows come from the device, and the API is asked once,
        // for what is newer than the newest event kept.
        c.refresh().await.expect("reload");
        wait_rows(&c).await;
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        assert!(text.starts_with("5,000 events"), "{text}");
        tokio::time::sleep(Duration::from_millis(800)).await;
        let sent = js(
            &c,
            &format!("return performance.getEntriesByType('resource').filter(r => r.name.startsWith('{proxy}/')).map(r => r.name)"),
        )
        .await;
        let sent: Vec<String> = serde_json::from_value(sent).expect("names");
        // One request, for what is new. Its answer carries no archive's mark, so the app does
        // not ask whether the server is one.
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(sent[0].contains("date_from="), "{sent:?}");
        // The copy came from the read the page began before the app's code had arrived.
        let early = js(
            &c,
            "return performance.getEntriesByName('audit:kept-early').length",
        )
        .await;
        assert_eq!(early, 1, "the app read the copy itself");
        // The timeline, from the kept copy too.
        wait_text(&c, testid::TIMELINE_SUMMARY, |t| t.contains("5,000 events in")).await;

        // Opened at Settings, where the copy is not read, and deleted there: the read the page
        // began early is not used afterwards, and the list asks the API.
        c.goto(&format!("{app}/settings")).await.expect("settings");
        wait_text(&c, testid::KEPT_SIZE, |t| t.contains("MB for 1 account")).await;
        click(&c, testid::KEPT_DELETE).await;
        wait_until(&c, "the kept copy deleted", || async {
            (kept_copies(&c).await == 0).then_some(())
        })
        .await;
        click_link(&c, "Events").await;
        wait_rows(&c).await;
        let early = js(&c, "return performance.getEntriesByName('audit:kept-early').length").await;
        assert_eq!(early, 0, "a deleted copy was read");
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        assert!(text.starts_with("5,000 events"), "{text}");
        // Kept again, since the choice is still on.
        wait_until(&c, "the copy kept again", || async {
            (kept_copies(&c).await == 1).then_some(())
        })
        .await;

        // Settings shows what is kept; Sign out deletes it.
        click_link(&c, "Settings").await;
        let size = wait_text(&c, testid::KEPT_SIZE, |t| !t.is_empty()).await;
        assert!(size.contains("MB for 1 account"), "{size}");
        click(&c, testid::SIGN_OUT).await;
        wait_until(&c, "the kept copy deleted", || async {
            (kept_copies(&c).await == 0).then_some(())
        })
        .await;
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn a_full_disk_is_said_and_the_copy_stays_in_the_tab() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        // This site may store 200 kB: far less than the demo account's 5,000 events. The
        // browser refuses the write when its transaction commits.
        let origin = app.trim_end_matches('/').to_string();
        cdp(
            &c,
            "Storage.overrideQuotaForOrigin",
            serde_json::json!({ "origin": origin, "quotaSize": 200_000 }),
        )
        .await;
        click(&c, testid::KEEP_COPY).await;
        sign_in_demo(&c).await;
        let (_, text) = local_copy(&c, |s| s == "ready").await;
        assert!(text.starts_with("5,000 events"), "{text}");
        let said = wait_text(&c, testid::KEPT_FAILED, |t| !t.is_empty()).await;
        assert!(said.contains("storage for this site is full"), "{said}");
        assert!(said.contains("This tab still holds the range"), "{said}");
        assert_eq!(kept_copies(&c).await, 0, "nothing half-written is kept");
        // The views still answer from the tab.
        wait_rows(&c).await;
        click_link(&c, "Settings").await;
        let size = wait_text(&c, testid::KEPT_SIZE, |t| !t.is_empty()).await;
        assert!(size.contains("could not be kept on this device"), "{size}");
        assert!(size.contains("Nothing is kept on this device."), "{size}");

        // With room again, keeping it (off, then on) works and Settings measures it at once.
        cdp(
            &c,
            "Storage.overrideQuotaForOrigin",
            serde_json::json!({ "origin": origin }),
        )
        .await;
        click(&c, testid::KEEP_COPY).await;
        wait_text(&c, testid::KEPT_SIZE, |t| {
            t == "Nothing is kept on this device."
        })
        .await;
        click(&c, testid::KEEP_COPY).await;
        let size = wait_text(&c, testid::KEPT_SIZE, |t| t.contains("for 1 account")).await;
        assert!(!size.contains("could not"), "{size}");
        assert_eq!(kept_copies(&c).await, 1);
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn exact_qualifiers_count_exactly_what_they_name() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        local_copy(&c, |s| s == "ready").await;
        // The security overview's country link opens the logins from that country, not every
        // login that mentions its code somewhere.
        click_link(&c, "Security overview").await;
        find(&c, testid::SECURITY_RANGE)
            .await
            .select_by_value("90d")
            .await
            .expect("90 days");
        wait_text(&c, testid::SECURITY_SUMMARY, |t| {
            t.ends_with("security events read.")
        })
        .await;
        js(
            &c,
            &format!("document.querySelector('{}[data-name=\"US\"] a').click()", tid(&testid::in_section(testid::COUNTRIES, "row"))),
        )
        .await;
        wait_rows(&c).await;
        let here = location(&c).await;
        assert!(here.contains("where=country%3AUS"), "{here}");
        let shown = showing_total(&c).await;
        // An independent count: every login of the same range from the API, counted here.
        let q = here.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let (range, _) = audit_model::EventQuery::parse_app(q).expect("parses");
        let api_query = format!(
            "event_type=USER_LOGIN&date_from={}&date_to={}",
            range.date_from.clone().unwrap_or_default(),
            range.date_to.clone().unwrap_or_default()
        );
        let logins = api_all(&c, &proxy, &api_query).await;
        let from_us = logins
            .iter()
            .filter(|e| e["source_country"] == "US")
            .count() as u64;
        let text_us = api_total(&c, &proxy, &format!("{api_query}&search_text=US")).await;
        assert_eq!(shown, from_us, "exactly the logins from the US");
        assert!(
            from_us > 0 && from_us < text_us,
            "{from_us} vs the text search's {text_us}"
        );
        // Every row says US, and the timeline's bars add up to the same total.
        let countries = column(&c, &testid::cell("country")).await;
        assert!(
            !countries.is_empty() && countries.iter().all(|t| t == "US"),
            "{countries:?}"
        );
        let bars = wait_until(&c, "timeline drawn", || async {
            let v = js(&c, &format!("const f = document.querySelector('{}'); if (!f || f.getAttribute('aria-busy') !== 'false') return null; return Array.from(document.querySelectorAll('{}')).map(b => Number(b.dataset.count))", tid(testid::TIMELINE), tid(testid::TIMELINE_BAR))).await;
            v.as_array().filter(|a| !a.is_empty()).cloned()
        })
        .await;
        let sum: u64 = bars.iter().filter_map(|b| b.as_u64()).sum();
        assert_eq!(sum, from_us, "timeline total");

        // Typed in the box: a range of addresses, excluded; the box keeps what was typed.
        assert_eq!(input_value(&c, testid::SEARCH_TEXT).await, "country:US");
        type_into(&c, testid::SEARCH_TEXT, "country:US -ip:198.51.100.0/24").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| {
            !t.ends_with(&format!("of {from_us}"))
        })
        .await;
        let outside = logins
            .iter()
            .filter(|e| e["source_country"] == "US")
            .filter(|e| {
                !e["source_ip"]
                    .as_str()
                    .is_some_and(|ip| ip.starts_with("198.51.100."))
            })
            .count() as u64;
        assert_eq!(showing_total(&c).await, outside);

        // A qualifier the language lacks: said beside the box, nothing changes.
        let before = location(&c).await;
        type_into(&c, testid::SEARCH_TEXT, "colour:red").await;
        click(&c, testid::APPLY).await;
        let msg = wait_text(&c, testid::FILTER_ERROR, |t| !t.is_empty()).await;
        assert!(
            msg.contains("not a qualifier") && msg.contains("country:"),
            "{msg}"
        );
        assert_eq!(location(&c).await, before);
    })
    .await;
}

#[tokio::test]
async fn pivots_from_an_event_list_the_same_user_address_and_resource() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        local_copy(&c, |s| s == "ready").await;
        // An application change: it has a user, an address and an application id.
        type_into(&c, testid::SEARCH_TEXT, "type:APP_UPDATE").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| !t.ends_with("of 5,000")).await;
        open_row(&c, 0).await;
        let email = wait_text(&c, testid::DETAIL_EMAIL, |t| !t.is_empty()).await;
        let ip = find(&c, testid::DETAIL_IP).await.text().await.expect("ip");
        let all = api_all(&c, &proxy, "").await;
        let count = |pred: &dyn Fn(&serde_json::Value) -> bool| {
            all.iter().filter(|e| pred(e)).count() as u64
        };
        for (link, expected) in [
            (
                testid::SAME_USER,
                count(&|e| e["user_email"] == email.as_str()),
            ),
            (testid::SAME_IP, count(&|e| e["source_ip"] == ip.as_str())),
        ] {
            click(&c, link).await;
            wait_rows(&c).await;
            assert_eq!(showing_total(&c).await, expected, "{link}");
            c.back().await.expect("back");
            wait_text(&c, testid::DETAIL_EMAIL, |t| !t.is_empty()).await;
        }
        let resource = find(&c, testid::SAME_RESOURCE)
            .await
            .text()
            .await
            .expect("t");
        assert!(resource.starts_with("Same resource (appId "), "{resource}");
        let app_id = resource
            .trim_start_matches("Same resource (appId ")
            .trim_end_matches(')')
            .to_string();
        click(&c, testid::SAME_RESOURCE).await;
        wait_rows(&c).await;
        let expected = count(&|e| e["context"]["appId"] == app_id.as_str());
        assert!(expected >= 1);
        assert_eq!(showing_total(&c).await, expected);
    })
    .await;
}

/// Opens the facets panel, folded above the table at the test's width.
async fn unfold_facets(c: &fantoccini::Client) {
    c.find(fantoccini::Locator::Css(&format!(
        "{} > summary",
        tid(testid::FACETS)
    )))
    .await
    .expect("summary")
    .click()
    .await
    .expect("unfold");
}

/// A facet value's count, from its button.
async fn facet_count(c: &fantoccini::Client, field: &str, value: &str) -> u64 {
    wait_until(c, "facet value", || async {
        js(
            c,
            &format!("const b = document.querySelector('{}[data-field=\"{field}\"] {}[data-value=\"{value}\"]'); return b ? Number(b.dataset.count) : null", tid(testid::FACET), tid(testid::FACET_INCLUDE)),
        )
        .await
        .as_u64()
    })
    .await
}

#[tokio::test]
async fn facets_count_the_whole_range_and_narrow_or_exclude() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        local_copy(&c, |s| s == "ready").await;
        let all = api_all(&c, &proxy, "").await;
        let us = all.iter().filter(|e| e["source_country"] == "US").count() as u64;
        unfold_facets(&c).await;
        assert_eq!(facet_count(&c, "country", "US").await, us);
        // Narrow to it: the list and every facet now count the US events only.
        js(&c, &format!("document.querySelector('{}[data-field=\"country\"] {}[data-value=\"US\"]').click()", tid(testid::FACET), tid(testid::FACET_INCLUDE))).await;
        wait_text(&c, testid::SHOWING, |t| !t.ends_with("of 5,000")).await;
        assert!(location(&c).await.contains("where=country%3AUS"));
        assert_eq!(showing_total(&c).await, us);
        let ip = js(&c, &format!("return document.querySelector('{}[data-field=\"ip\"] {}').dataset.value", tid(testid::FACET), tid(testid::FACET_INCLUDE))).await;
        let ip = ip.as_str().expect("a top IP").to_string();
        let from_ip = all
            .iter()
            .filter(|e| e["source_country"] == "US" && e["source_ip"] == ip.as_str())
            .count() as u64;
        assert_eq!(facet_count(&c, "ip", &ip).await, from_ip);
        // Exclude that address: by keyboard, as a person without a mouse would.
        let exclude = c
            .find(fantoccini::Locator::Css(&format!(
                "{}[data-field=\"ip\"] {}[aria-label=\"Exclude ip:{ip}\"]",
                tid(testid::FACET),
                tid(testid::FACET_EXCLUDE)
            )))
            .await
            .expect("exclude button");
        exclude
            .send_keys(&fantoccini::key::Key::Enter.to_string())
            .await
            .expect("enter");
        wait_text(&c, testid::SHOWING, |t| {
            !t.ends_with(&format!("of {}", audit_model::page::thousands(us)))
        })
        .await;
        assert_eq!(showing_total(&c).await, us - from_ip);
        assert_eq!(
            input_value(&c, testid::SEARCH_TEXT).await,
            format!("country:US -ip:{ip}")
        );
    })
    .await;
}

/// Waits for the list to show a total other than `before` and returns it.
async fn new_total(c: &fantoccini::Client, before: u64) -> u64 {
    let before = format!("of {}", audit_model::page::thousands(before));
    wait_text(c, testid::SHOWING, |t| !t.ends_with(&before)).await;
    wait_rows(c).await;
    showing_total(c).await
}

/// The first row's value button in a column.
async fn first_value(c: &fantoccini::Client, col: &str) -> fantoccini::elements::Element {
    c.find(fantoccini::Locator::Css(&format!(
        "tr[data-id] {} button.cell-filter",
        tid(&testid::cell(col))
    )))
    .await
    .unwrap_or_else(|e| panic!("{col} value: {e}"))
}

#[tokio::test]
async fn a_cells_value_filters_alt_click_excludes_and_the_keyboard_does_both() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        local_copy(&c, |s| s == "ready").await;
        let all = api_all(&c, &proxy, "").await;
        wait_rows(&c).await;
        // A click on the first row's country: only that country, counted exactly.
        let country = first_value(&c, "country").await;
        let name = country.text().await.expect("country");
        country.click().await.expect("click");
        let shown = new_total(&c, all.len() as u64).await;
        assert!(location(&c)
            .await
            .contains(&format!("where=country%3A{name}")));
        let in_country: Vec<&serde_json::Value> = all
            .iter()
            .filter(|e| e["source_country"] == name.as_str())
            .collect();
        assert_eq!(shown, in_country.len() as u64, "country:{name}");
        assert!(column(&c, &testid::cell("country"))
            .await
            .iter()
            .all(|t| *t == name));

        // Alt-click on an address excludes it.
        let ip = first_value(&c, "ip").await.text().await.expect("ip");
        js(
            &c,
            &format!("document.querySelector('tr[data-id] {} button').dispatchEvent(new MouseEvent('click', {{bubbles: true, altKey: true}}))", tid(&testid::cell("ip"))),
        )
        .await;
        let without = new_total(&c, shown).await;
        let expected = in_country
            .iter()
            .filter(|e| e["source_ip"] != ip.as_str())
            .count() as u64;
        assert_eq!(without, expected, "-ip:{ip}");
        assert!(!column(&c, &testid::cell("ip")).await.contains(&ip));

        // The keyboard: the first row, → to its type, Enter.
        let ty = first_value(&c, "type").await.text().await.expect("type");
        js(&c, "document.querySelector('tr[data-id]').focus()").await;
        c.active_element()
            .await
            .expect("row")
            .send_keys(&fantoccini::key::Key::Right.to_string())
            .await
            .expect("right");
        let focused = js(&c, "return document.activeElement.textContent").await;
        assert_eq!(focused.as_str(), Some(ty.as_str()), "→ reaches the type");
        c.active_element()
            .await
            .expect("type")
            .send_keys(&fantoccini::key::Key::Enter.to_string())
            .await
            .expect("enter");
        let typed = new_total(&c, without).await;
        let expected = in_country
            .iter()
            .filter(|e| e["source_ip"] != ip.as_str() && e["event_type"] == ty.as_str())
            .count() as u64;
        assert_eq!(typed, expected, "type:{ty} too");
        assert_eq!(
            input_value(&c, testid::SEARCH_TEXT).await,
            format!("country:{name} -ip:{ip} type:{ty}")
        );
    })
    .await;
}

/// The text `context.<path>:` compares, read from an event's JSON.
fn context_text(e: &serde_json::Value, path: &str) -> Option<String> {
    let v = e["context"].pointer(&format!("/{}", path.replace('.', "/")))?;
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[tokio::test]
async fn context_facets_and_completions_come_from_the_events_held() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        local_copy(&c, |s| s == "ready").await;
        let all = api_all(&c, &proxy, "").await;
        unfold_facets(&c).await;
        // The context keys most events carry, each value counted exactly.
        let fields = wait_until(&c, "context facets", || async {
            let v = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).map(f => f.dataset.field).filter(f => f.startsWith('context.'))", tid(testid::FACET))).await;
            v.as_array().filter(|a| !a.is_empty()).cloned()
        })
        .await;
        assert_eq!(fields.len(), 3, "{fields:?}");
        for field in &fields {
            let path = field
                .as_str()
                .expect("field")
                .trim_start_matches("context.");
            let top = js(&c, &format!("return Array.from(document.querySelectorAll('{}[data-field=\"context.{path}\"] {}')).map(b => [b.dataset.value, Number(b.dataset.count)])", tid(testid::FACET), tid(testid::FACET_INCLUDE))).await;
            for pair in top.as_array().expect("values") {
                let value = pair[0].as_str().expect("value");
                let n = all
                    .iter()
                    .filter(|e| context_text(e, path).as_deref() == Some(value))
                    .count() as u64;
                assert_eq!(pair[1].as_u64(), Some(n), "context.{path}:{value}");
            }
        }

        // Completions: the qualifier names, then a field's values as the whole box.
        let options = || async {
            js(&c, "return Array.from(document.querySelectorAll('#search-completions option')).map(o => o.value)").await
        };
        type_into(&c, testid::SEARCH_TEXT, "sso co").await;
        let names = wait_until(&c, "names offered", || async {
            options()
                .await
                .as_array()
                .filter(|a| !a.is_empty())
                .cloned()
        })
        .await;
        assert!(names.iter().any(|o| o == "sso country:"), "{names:?}");
        assert!(names.iter().any(|o| o == "sso context."), "{names:?}");
        type_into(&c, testid::SEARCH_TEXT, "country:").await;
        let values = wait_until(&c, "values offered", || async {
            options()
                .await
                .as_array()
                .filter(|a| {
                    a.iter()
                        .any(|o| o != "country:" && o.as_str().is_some_and(|s| s.len() > 8))
                })
                .cloned()
        })
        .await;
        assert!(values
            .iter()
            .all(|o| o.as_str().is_some_and(|s| s.starts_with("country:"))));
        // The most common country comes first, and choosing it lists exactly its events.
        let first = values[0].as_str().expect("option").to_string();
        let code = first.trim_start_matches("country:").to_string();
        let busiest = {
            let mut counts = std::collections::HashMap::<&str, usize>::new();
            for e in &all {
                if let Some(cc) = e["source_country"].as_str() {
                    *counts.entry(cc).or_default() += 1;
                }
            }
            counts
                .into_iter()
                .max_by_key(|(k, n)| (*n, std::cmp::Reverse(*k)))
                .map(|(k, _)| k.to_string())
        };
        assert_eq!(Some(code.clone()), busiest);
        type_into(&c, testid::SEARCH_TEXT, &first).await;
        click(&c, testid::APPLY).await;
        let shown = new_total(&c, all.len() as u64).await;
        let expected = all
            .iter()
            .filter(|e| e["source_country"] == code.as_str())
            .count() as u64;
        assert_eq!(shown, expected);
    })
    .await;
}

/// Every range of a CSS highlight, as text.
async fn highlighted(c: &fantoccini::Client, name: &str) -> Vec<String> {
    let v = js(
        c,
        &format!("const h = CSS.highlights.get('{name}'); return h ? Array.from(h).map(r => r.toString()) : []"),
    )
    .await;
    serde_json::from_value(v).unwrap_or_default()
}

#[tokio::test]
async fn what_the_query_looks_for_is_highlighted_in_rows_and_detail() {
    signed_in(StackOptions::default(), move |c, _stack| async move {
        local_copy(&c, |s| s == "ready").await;
        type_into(&c, testid::SEARCH_TEXT, "sso country:US").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| !t.ends_with("of 5,000")).await;
        wait_rows(&c).await;
        let marks = wait_until(&c, "rows highlighted", || async {
            let m = highlighted(&c, "audit-rows").await;
            (!m.is_empty()).then_some(m)
        })
        .await;
        assert!(
            marks
                .iter()
                .all(|m| m.eq_ignore_ascii_case("sso") || m == "US"),
            "{marks:?}"
        );
        let rows = find_all(&c, testid::EVENT_ROW).await.len();
        assert_eq!(
            marks.iter().filter(|m| *m == "US").count(),
            rows,
            "each row's country cell, and no 'us' inside other words"
        );
        assert!(marks.iter().any(|m| m.eq_ignore_ascii_case("sso")));
        // The text itself is unchanged: no element was added around a match.
        let marked = js(
            &c,
            "return document.querySelectorAll('table.event-list mark').length",
        )
        .await;
        assert_eq!(marked.as_u64(), Some(0));

        open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        let marks = wait_until(&c, "detail highlighted", || async {
            let m = highlighted(&c, "audit-detail").await;
            (!m.is_empty()).then_some(m)
        })
        .await;
        assert!(
            marks.iter().any(|m| m == "US"),
            "the country field: {marks:?}"
        );
        assert!(
            marks.iter().any(|m| m.eq_ignore_ascii_case("sso")),
            "the context: {marks:?}"
        );
        assert!(
            highlighted(&c, "audit-rows").await.is_empty(),
            "the list's marks went with it"
        );
    })
    .await;
}

#[tokio::test]
async fn an_event_shows_its_users_neighbours_and_its_resources_history() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        local_copy(&c, |s| s == "ready").await;
        let all = api_all(&c, &proxy, "").await;
        let time = |e: &serde_json::Value| {
            audit_model::time::parse_api_timestamp(e["created_at"].as_str().unwrap_or_default())
                .expect("time")
        };
        let by_id = |id: &str| {
            all.iter()
                .find(|e| e["id"] == id)
                .unwrap_or_else(|| panic!("{id} in the API's list"))
        };
        type_into(&c, testid::SEARCH_TEXT, "type:APP_UPDATE").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| !t.ends_with("of 5,000")).await;
        let id = open_row(&c, 3).await;
        let this = by_id(&id);
        let app_id = this["context"]["appId"]
            .as_str()
            .expect("appId")
            .to_string();

        // The history: every event about the application, oldest first, this one marked.
        let about: Vec<&serde_json::Value> = all
            .iter()
            .filter(|e| e["context"]["appId"] == app_id.as_str())
            .collect();
        let rows = wait_until(&c, "history", || async {
            let v = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).map(r => [r.dataset.id, r.getAttribute('aria-current')])", tid(testid::HISTORY_ROW))).await;
            v.as_array().filter(|a| !a.is_empty()).cloned()
        })
        .await;
        assert_eq!(rows.len(), about.len().min(50), "appId {app_id}");
        let times: Vec<i64> = rows
            .iter()
            .map(|r| time(by_id(r[0].as_str().expect("id"))))
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first");
        let current: Vec<&serde_json::Value> = rows.iter().filter(|r| r[1] == "true").collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0][0], id.as_str());
        assert!(rows
            .iter()
            .all(|r| by_id(r[0].as_str().expect("id"))["context"]["appId"] == app_id.as_str()));

        // The same user's previous event: theirs, earlier, and none of theirs in between.
        let user = this["user_email"].as_str().expect("email").to_string();
        let mine = |e: &&serde_json::Value| e["user_email"] == user.as_str();
        for (link, earlier) in [
            (testid::PREVIOUS_BY_USER, true),
            (testid::NEXT_BY_USER, false),
        ] {
            let from = wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
            let t0 = time(by_id(&from));
            click(&c, link).await;
            let to = wait_text(&c, testid::DETAIL_ID, |t| t != from).await;
            let other = by_id(&to);
            assert_eq!(other["user_email"], user.as_str(), "{link}");
            let t1 = time(other);
            let (lo, hi) = if earlier { (t1, t0) } else { (t0, t1) };
            assert!(lo <= hi, "{link}: {t1} vs {t0}");
            let between = all
                .iter()
                .filter(mine)
                .filter(|e| lo < time(e) && time(e) < hi)
                .count();
            assert_eq!(between, 0, "{link} skipped none of the user's events");
        }
    })
    .await;
}
