//! The viewer as a person uses it, in headless Chromium against `audit-proxy --demo`.

use std::time::Duration;

use audit_model::page::thousands;
use e2e::*;
use fantoccini::key::Key;

/// Chooses 100 rows per page and waits for the first 100 of the demo's 5,000.
async fn pages_of_100(c: &fantoccini::Client) {
    find(c, testid::PAGE_SIZE)
        .await
        .select_by_value("100")
        .await
        .expect("select");
    wait_text(c, testid::SHOWING, |t| t == "Showing 1–100 of 5,000").await;
    assert_eq!(wait_rows(c).await, 100);
}

#[tokio::test]
async fn demo_sign_in_is_kept_for_the_tab_and_sign_out_forgets_it() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        assert_eq!(find(&c, testid::API_SECRET).await.attr("type").await.expect("attr").as_deref(), Some("password"));
        click(&c, testid::TOGGLE_SECRET).await;
        assert_eq!(find(&c, testid::API_SECRET).await.attr("type").await.expect("attr").as_deref(), Some("text"));
        // "Try the demo" signs in with one click.
        click(&c, testid::TRY_DEMO).await;
        wait_rows(&c).await;
        assert_eq!(find(&c, testid::ACCOUNT).await.text().await.expect("text"), "Account demo");
        // No request of the first view failed (each would be an error in the console): the
        // question whether the server is an archive gets "no content" from the demo.
        wait_idle(&c).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let failed = js(&c, "return performance.getEntriesByType('resource').filter(r => r.responseStatus >= 400).map(r => r.name + ' ' + r.responseStatus)").await;
        assert_eq!(failed, serde_json::json!([]), "failed requests");
        let stored = js(&c, "return [sessionStorage.getItem('audit-viewer.credentials'), localStorage.getItem('audit-viewer.credentials')]").await;
        assert!(stored[0].as_str().is_some_and(|s| s.contains("demo")), "kept in sessionStorage: {stored}");
        assert!(stored[1].is_null(), "not in localStorage unless asked");
        assert!(!location(&c).await.contains("demo"), "credentials never in the URL");

        // What the person looked at (emails, addresses) goes with sign-out; their saved views stay.
        js(&c, "localStorage.setItem('audit-viewer.recent-queries', JSON.stringify(['where=user%3Acarol%40acme.example'])); localStorage.setItem('audit-viewer.saved-views', JSON.stringify([{name: 'Mine', query: 'size=50', hidden_columns: []}])); return null").await;
        c.refresh().await.expect("reload");
        wait_rows(&c).await;
        click(&c, testid::SIGN_OUT).await;
        find(&c, testid::SIGNIN_FORM).await;
        let stored = js(&c, "return [sessionStorage.getItem('audit-viewer.credentials'), localStorage.getItem('audit-viewer.credentials')]").await;
        assert!(stored[0].is_null() && stored[1].is_null(), "sign out clears both: {stored}");
        let kept = js(&c, "return [localStorage.getItem('audit-viewer.recent-queries'), localStorage.getItem('audit-viewer.saved-views')]").await;
        assert!(kept[0].is_null(), "sign out forgets the recent queries: {kept}");
        assert!(kept[1].as_str().is_some_and(|v| v.contains("Mine")), "saved views stay: {kept}");

        // Remember on this device: localStorage, after a plain warning.
        click(&c, testid::REMEMBER).await;
        let warning = find(&c, testid::REMEMBER_WARNING).await.text().await.expect("text");
        assert!(warning.contains("local storage"));
        type_into(&c, testid::API_KEY, "demo").await;
        type_into(&c, testid::API_SECRET, "demo").await;
        click(&c, testid::SIGN_IN).await;
        wait_rows(&c).await;
        let stored = js(&c, "return [sessionStorage.getItem('audit-viewer.credentials'), localStorage.getItem('audit-viewer.credentials')]").await;
        assert!(stored[0].is_null() && stored[1].as_str().is_some(), "remembered: {stored}");
        // Settings says how many saved views are kept and deletes them.
        c.goto(&format!("{app}/settings")).await.expect("settings");
        wait_text(&c, testid::SAVED_VIEWS_COUNT, |t| t.starts_with("1 saved view")).await;
        click(&c, testid::SAVED_VIEWS_DELETE).await;
        wait_text(&c, testid::SAVED_VIEWS_COUNT, |t| t.starts_with("No saved views")).await;
        let views = js(&c, "return localStorage.getItem('audit-viewer.saved-views')").await;
        assert!(views.is_null(), "{views}");
        click(&c, testid::SIGN_OUT).await;
        let stored = js(&c, "return localStorage.getItem('audit-viewer.credentials')").await;
        assert!(stored.is_null());
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_the_key_stays() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        type_into(&c, testid::API_KEY, "demo").await;
        type_into(&c, testid::API_SECRET, "not-the-secret").await;
        click(&c, testid::SIGN_IN).await;
        let msg = wait_text(&c, testid::SIGNIN_ERROR, |t| !t.is_empty()).await;
        assert!(msg.contains("rejected"), "{msg}");
        assert_eq!(input_value(&c, testid::API_KEY).await, "demo");
        assert_eq!(
            input_value(&c, testid::API_SECRET).await,
            "",
            "the wrong secret is cleared"
        );
        let focused = wait_until(&c, "focus on the secret", || async {
            let id = js(
                &c,
                "return document.activeElement && document.activeElement.id",
            )
            .await;
            (id.as_str() == Some("api-secret")).then_some(id)
        })
        .await;
        assert_eq!(
            focused.as_str(),
            Some("api-secret"),
            "typing goes on where it was wrong"
        );
        assert!(find_all(&c, testid::EVENTS_TABLE).await.is_empty());
        let stored = js(
            &c,
            "return sessionStorage.getItem('audit-viewer.credentials')",
        )
        .await;
        assert!(stored.is_null(), "a refused secret is not stored: {stored}");
    })
    .await;
    drop(stack);
}

/// The page's own sign-in form works before the app's code has started: what is typed is
/// taken over in place (same position, same focus and caret), and a form sent early signs in
/// as soon as the app starts. At a desktop's width and a phone's.
#[tokio::test]
async fn the_sign_in_form_works_before_the_app_has_started() {
    let stack = Stack::start(StackOptions {
        config_delay_ms: Some(2500),
        ..Default::default()
    })
    .await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        for (width, height) in [(1400u32, 1000u32), (390, 844)] {
            c.set_window_size(width, height).await.expect("size");
            c.goto(&app).await.expect("open");
            js(&c, "sessionStorage.clear()").await;
            c.goto(&app).await.expect("open");
            let early = c.find(fantoccini::Locator::Id("boot-key")).await.expect("the page's form");
            early.send_keys("dem").await.expect("type");
            let rect = |id: &'static str| {
                let c = c.clone();
                async move {
                    js(&c, &format!("const r = document.getElementById('{id}').getBoundingClientRect(); return [r.x, r.y, r.width]")).await
                }
            };
            let before = rect("boot-key").await;
            assert!(find_all(&c, testid::API_KEY).await.is_empty(), "the app has not started yet");
            // The app starts: the key field is the app's, in the same place, focused, with what
            // was typed and the caret after it.
            let app_key = find(&c, testid::API_KEY).await;
            assert_eq!(app_key.prop("value").await.expect("value").as_deref(), Some("dem"));
            assert_eq!(rect("api-key").await, before, "at {width} px the field did not move");
            let focused = wait_until(&c, "the key field focused", || async {
                let v = js(&c, "const a = document.activeElement; return a && a.id === 'api-key' ? a.selectionStart : null").await;
                v.as_u64()
            })
            .await;
            assert_eq!(focused, 3, "the caret stays after what was typed");
            assert!(
                js(&c, "return document.getElementById('boot') === null").await.as_bool() == Some(true),
                "the page's own form is gone"
            );
        }
        // Sent before the app started: signed in as soon as it does.
        c.goto(&app).await.expect("open");
        c.find(fantoccini::Locator::Id("boot-key")).await.expect("form").send_keys("demo").await.expect("type");
        let secret = c.find(fantoccini::Locator::Id("boot-secret")).await.expect("form");
        secret.send_keys("demo").await.expect("type");
        secret.send_keys(&fantoccini::key::Key::Enter.to_string()).await.expect("enter");
        let label = c.find(fantoccini::Locator::Id("boot-submit")).await.expect("button").text().await.expect("text");
        assert_eq!(label, "Signing in…");
        wait_rows(&c).await;
    })
    .await;
    drop(stack);
}

/// Sign in is one round trip: the list is asked for in the same moment as everything else, not
/// after a check of its own, and the credentials are stored only once an answer accepted them.
#[tokio::test]
async fn signing_in_asks_for_the_list_at_once_and_stores_only_what_was_accepted() {
    let stack = Stack::start(StackOptions::proxy(&["--fault-latency-ms", "300"])).await;
    let app = stack.app_url.clone();
    let proxy = stack.proxy_url.clone();
    with_browser(move |c| async move {
        instrument(&c, &app).await;
        c.goto(&app).await.expect("open");
        type_into(&c, testid::API_KEY, "demo").await;
        type_into(&c, testid::API_SECRET, "demo").await;
        click(&c, testid::SIGN_IN).await;
        // Before any answer has come back, nothing is stored.
        let stored = js(&c, "return sessionStorage.getItem('audit-viewer.credentials')").await;
        assert!(stored.is_null(), "stored before any answer: {stored}");
        wait_rows(&c).await;
        let timing = js(
            &c,
            &format!(
                "const rs = performance.getEntriesByType('resource').filter(r => r.name.startsWith('{proxy}/beta/'));
                 const list = rs.filter(r => r.name.includes('/events?'));
                 return [Math.min(...list.map(r => r.startTime)), Math.min(...rs.map(r => r.responseEnd)), rs.length];"
            ),
        )
        .await;
        let (first_list, first_answer) = (timing[0].as_f64().unwrap_or(f64::MAX), timing[1].as_f64().unwrap_or(0.0));
        assert!(
            first_list < first_answer,
            "the first list request ({first_list:.0} ms) waited for an answer ({first_answer:.0} ms): {timing}"
        );
        let stored = js(&c, "return sessionStorage.getItem('audit-viewer.credentials')").await;
        assert!(stored.as_str().is_some_and(|s| s.contains("demo")), "accepted, so kept for the tab: {stored}");
    })
    .await;
    drop(stack);
}

/// A proxy that has blocked this address after many different refused secrets (here a guesser
/// at the same address, as behind one NAT) says so at once, with how long, instead of retrying
/// behind a spinner.
#[tokio::test]
async fn a_proxy_block_after_many_refused_secrets_is_said_plainly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stack = Stack::start(StackOptions::proxy(&["--auth-refusals-per-minute", "2"])).await;
    let proxy = stack
        .proxy_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    // demo:guess-0, demo:guess-1, demo:guess-2: three different refused secrets.
    for guess in ["ZGVtbzpndWVzcy0w", "ZGVtbzpndWVzcy0x", "ZGVtbzpndWVzcy0y"] {
        let mut s = tokio::net::TcpStream::connect(&proxy)
            .await
            .expect("connect");
        let req = format!("GET /beta/audit/events HTTP/1.1\r\nHost: {proxy}\r\nAuthorization: Basic {guess}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.expect("write");
        let mut answer = String::new();
        s.read_to_string(&mut answer).await.expect("read");
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        type_into(&c, testid::API_KEY, "demo").await;
        type_into(&c, testid::API_SECRET, "demo").await;
        let start = std::time::Instant::now();
        click(&c, testid::SIGN_IN).await;
        let msg = wait_text(&c, testid::SIGNIN_ERROR, |t| !t.is_empty()).await;
        assert!(
            msg.contains("rate-limiting") && msg.contains("refuses its calls for"),
            "{msg}"
        );
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "shown at once, not after retries"
        );
        assert_eq!(
            input_value(&c, testid::API_KEY).await,
            "demo",
            "the key stays"
        );
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn filtering_by_two_event_types() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        click(&c, testid::TYPE_SUMMARY).await;
        type_into(&c, testid::TYPE_SEARCH, "login").await;
        // The event types arrive with their own request: wait for the list, then check it.
        let visible = wait_until(&c, "the event types", || async {
            let v = js(&c, &format!("return Array.from(document.querySelectorAll('[data-testid^=\"{}\"]')).map(e => e.dataset.testid)", testid::type_option(""))).await;
            v.as_array().is_some_and(|a| !a.is_empty()).then_some(v)
        })
        .await;
        assert_eq!(
            visible,
            serde_json::json!(["type-option-USER_LOGIN"]),
            "typing narrows the list"
        );
        click(&c, &testid::type_option("USER_LOGIN")).await;
        type_into(&c, testid::TYPE_SEARCH, "application created").await;
        click(&c, &testid::type_option("APP_CREATE")).await;
        assert_eq!(
            find(&c, testid::TYPE_SUMMARY)
                .await
                .text()
                .await
                .expect("t"),
            "2 event types"
        );
        click(&c, testid::APPLY).await;
        wait_until(&c, "URL has the types", || async {
            location(&c)
                .await
                .contains("event_type=APP_CREATE%2CUSER_LOGIN")
                .then_some(())
        })
        .await;
        wait_rows(&c).await;
        let types = column(&c, &testid::cell("type")).await;
        assert!(
            types.iter().all(|t| t == "USER_LOGIN" || t == "APP_CREATE"),
            "{types:?}"
        );
        let both = api_total(&c, &proxy, "event_type=USER_LOGIN,APP_CREATE&size=1").await;
        let logins = api_total(&c, &proxy, "event_type=USER_LOGIN&size=1").await;
        let apps = api_total(&c, &proxy, "event_type=APP_CREATE&size=1").await;
        assert_eq!(both, logins + apps);
        let showing = wait_text(&c, testid::SHOWING, |t| t.ends_with(&thousands(both))).await;
        assert!(showing.starts_with("Showing 1–30 of"));
        let title = js(
            &c,
            &format!("return document.querySelector('{}').title", tid(&testid::cell("type"))),
        )
        .await;
        assert!(
            title
                .as_str()
                .is_some_and(|t| t.contains("login") || t.contains("created")),
            "description on hover: {title}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_date_preset_limits_the_range() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        click(&c, testid::ZONE_UTC).await;
        find(&c, testid::PRESET)
            .await
            .select_by_value("24h")
            .await
            .expect("select");
        let from = input_value(&c, testid::DATE_FROM).await;
        let to = input_value(&c, testid::DATE_TO).await;
        assert!(
            !from.is_empty() && !to.is_empty() && from < to,
            "{from} .. {to}"
        );
        click(&c, testid::APPLY).await;
        wait_until(&c, "URL has the range", || async {
            let l = location(&c).await;
            (l.contains("date_from=") && l.contains("date_to=")).then_some(())
        })
        .await;
        wait_rows(&c).await;
        let from_api = from.replace(' ', "T");
        assert_eq!(
            input_value(&c, testid::PRESET).await,
            "24h",
            "the applied preset stays named"
        );
        // And after a reload, where nothing but the URL is left.
        c.refresh().await.expect("reload");
        wait_rows(&c).await;
        assert_eq!(
            input_value(&c, testid::PRESET).await,
            "24h",
            "named after a reload"
        );
        let times = column(&c, &testid::cell("time")).await;
        for t in &times {
            let t = t.replace(' ', "T");
            assert!(
                t >= from_api && t <= to.replace(' ', "T"),
                "{t} outside {from} .. {to}"
            );
        }
        let l = location(&c).await;
        let qs = l
            .split_once('?')
            .map(|(_, q)| q.to_string())
            .unwrap_or_default();
        let expected = api_total(&c, &proxy, &qs).await;
        assert!(expected > 0 && expected < 5000);
        wait_text(&c, testid::SHOWING, |t| {
            t.ends_with(&format!("of {}", thousands(expected)))
        })
        .await;
        assert_eq!(
            find(&c, testid::ZONE_LABEL).await.text().await.expect("t"),
            "UTC"
        );
    })
    .await;
}

#[tokio::test]
async fn a_date_alone_covers_its_whole_day() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        click(&c, testid::ZONE_UTC).await;
        // Yesterday (UTC), a whole day inside the demo's 90 days.
        let day = js(
            &c,
            "return new Date(Date.now() - 86400000).toISOString().slice(0, 10)",
        )
        .await
        .as_str()
        .expect("date")
        .to_string();
        type_into(&c, testid::DATE_FROM, &day).await;
        type_into(&c, testid::DATE_TO, &day).await;
        let hint = find(&c, testid::DATE_HINT)
            .await
            .text()
            .await
            .expect("text");
        assert_eq!(
            hint,
            format!("From {day} 00:00:00 through {day} 23:59:59."),
            "the form says what a date alone means"
        );
        click(&c, testid::APPLY).await;
        wait_until(&c, "URL has the whole day", || async {
            let search = js(&c, "return decodeURIComponent(location.search)").await;
            search
                .as_str()
                .is_some_and(|s| s.contains(&format!("date_to={day}T23:59:59")))
                .then_some(())
        })
        .await;
        let expected = api_total(
            &c,
            &proxy,
            &format!("date_from={day}T00:00:00&date_to={day}T23:59:59"),
        )
        .await;
        assert!(expected > 0, "the demo has events yesterday");
        wait_text(&c, testid::SHOWING, |t| {
            t.ends_with(&format!("of {}", thousands(expected)))
        })
        .await;
        // The form now shows the bounds it stands for.
        assert_eq!(
            input_value(&c, testid::DATE_TO).await,
            format!("{day} 23:59:59")
        );
    })
    .await;
}

#[tokio::test]
async fn wrong_addresses_say_what_is_wrong_and_offer_what_helps() {
    signed_in(StackOptions::default(), move |c, _stack| async move {
        let app = origin(&c).await;
        // A page past the last: said so, with a way to the last page.
        c.goto(&format!("{app}/?page=9999")).await.expect("open");
        let text = wait_text(&c, testid::PAST_LAST, |t| !t.is_empty()).await;
        assert!(
            text.contains("Page 9,999 is past the last page of these events (167)."),
            "{text}"
        );
        assert!(
            find_all(&c, testid::EMPTY).await.is_empty(),
            "not 'no events match'"
        );
        click(&c, testid::GO_LAST).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 4,981–5,000 of 5,000").await;
        let title = js(&c, "return document.title").await;
        assert_eq!(
            title, "Events, page 167 — Audit Events Viewer",
            "the tab names the view"
        );

        // A size the API does not allow: the app's own refusal, no useless Retry, a reset.
        c.goto(&format!("{app}/?size=500")).await.expect("open");
        let msg = wait_text(&c, testid::ERROR_MESSAGE, |t| !t.is_empty()).await;
        assert!(
            msg.contains("does not allow") && msg.contains("1 to 100"),
            "{msg}"
        );
        assert!(!msg.contains("API refused"), "{msg}");
        assert!(find_all(&c, testid::RETRY).await.is_empty(), "no Retry");
        click(&c, testid::RESET_FILTERS).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–30 of 5,000").await;
        assert!(find_all(&c, testid::ERROR_BANNER).await.is_empty());

        // A detail address that cannot be an event: said plainly, nothing to retry or copy.
        c.goto(&format!("{app}/events/not-a-uuid"))
            .await
            .expect("open");
        let msg = wait_text(&c, testid::ERROR_MESSAGE, |t| !t.is_empty()).await;
        assert!(msg.contains("“not-a-uuid” is not an event id"), "{msg}");
        assert!(!msg.contains("proxy relays"), "{msg}");
        assert!(find_all(&c, testid::RETRY).await.is_empty(), "no Retry");
        assert!(
            find_all(&c, testid::COPY_JSON).await.is_empty(),
            "nothing to copy"
        );
        let title = js(&c, "return document.title").await;
        assert_eq!(title, "Event not shown — Audit Events Viewer");

        // Nothing matches: nothing to export.
        c.goto(&format!("{app}/?search_text=no-such-text-anywhere"))
            .await
            .expect("open");
        find(&c, testid::EMPTY).await;
        let export = find(&c, testid::EXPORT).await;
        assert_eq!(export.text().await.expect("t"), "Export all 0");
        assert!(
            !export.is_enabled().await.expect("enabled"),
            "an empty export is not offered"
        );
    })
    .await;
}

#[tokio::test]
async fn search_finds_the_planted_login_burst() {
    signed_in(StackOptions::default(), move |c, _stack| async move {
        type_into(&c, testid::SEARCH_TEXT, "198.51.100.77").await;
        find(&c, testid::SEARCH_TEXT)
            .await
            .send_keys(&Key::Enter.to_string())
            .await
            .expect("enter");
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–14 of 14").await;
        assert!(location(&c).await.contains("search_text=198.51.100.77"));
        let countries = column(&c, &testid::cell("country")).await;
        assert_eq!(countries.len(), 14);
        assert!(countries.iter().all(|c| c == "BR"));

        // Quotes and braces are escaped as the API requires, and the search still works.
        type_into(&c, testid::SEARCH_TEXT, "\"{no such}\"").await;
        click(&c, testid::APPLY).await;
        let empty = find(&c, testid::EMPTY).await.text().await.expect("t");
        assert!(empty.contains("No events match these filters"));
        // The card stands alone: no table header under it.
        let header = js(&c, "const t = document.querySelector('table.event-list'); return !!t && t.getClientRects().length > 0").await;
        assert_eq!(header, serde_json::json!(false), "no orphan header");
        assert!(location(&c)
            .await
            .contains("search_text=%5C%22%5C%7Bno+such%5C%7D%5C%22"));
        click(&c, testid::EMPTY_RESET).await;
        wait_text(&c, testid::SHOWING, |t| t.ends_with("of 5,000")).await;
        assert_eq!(input_value(&c, testid::SEARCH_TEXT).await, "");
    })
    .await;
}

#[tokio::test]
async fn paging_to_the_last_page_and_back_and_changing_size() {
    signed_in(StackOptions::default(), move |c, _stack| async move {
        click(&c, testid::LAST).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 4,981–5,000 of 5,000").await;
        assert_eq!(
            find(&c, testid::PAGE_OF).await.text().await.expect("t"),
            "Page 167 of 167"
        );
        assert!(location(&c).await.contains("page=167"));
        assert_eq!(wait_rows(&c).await, 20);
        assert!(!find(&c, testid::NEXT)
            .await
            .is_enabled()
            .await
            .expect("enabled"));
        click(&c, testid::PREV).await;
        wait_text(&c, testid::PAGE_OF, |t| t == "Page 166 of 167").await;
        click(&c, testid::FIRST).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–30 of 5,000").await;

        // What is typed is taken whole or refused, never rearranged.
        let here = location(&c).await;
        for bad in ["2.5", "-3", "1e2", "168"] {
            type_into(&c, testid::JUMP_PAGE, bad).await;
            click(&c, testid::JUMP_GO).await;
            let msg = wait_text(&c, testid::JUMP_ERROR, |t| !t.is_empty()).await;
            assert_eq!(msg, "Type a whole page number from 1 to 167.", "{bad}");
            assert_eq!(
                input_value(&c, testid::JUMP_PAGE).await,
                bad,
                "what was typed stays"
            );
            assert_eq!(location(&c).await, here, "{bad} went nowhere");
        }
        type_into(&c, testid::JUMP_PAGE, "10").await;
        assert_eq!(
            find(&c, testid::JUMP_ERROR).await.text().await.expect("t"),
            "",
            "typing again clears the message"
        );
        click(&c, testid::JUMP_GO).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 271–300 of 5,000").await;

        pages_of_100(&c).await;
        assert_eq!(
            find(&c, testid::PAGE_OF).await.text().await.expect("t"),
            "Page 1 of 50"
        );
        assert!(location(&c).await.contains("size=100"));
        c.refresh().await.expect("reload");
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–100 of 5,000").await;
    })
    .await;
}

#[tokio::test]
async fn a_page_switch_never_paints_old_and_new_rows_together_on_screen() {
    signed_in(StackOptions::default(), move |c, _stack| async move {
        pages_of_100(&c).await;
        // The middle of the table on screen; every frame until the switch has settled records
        // how many rows on screen, and in the whole table, still show the old page.
        let y = js(
            &c,
            &r#"const rows = [...document.querySelectorAll('$ROW')];
               rows[45].scrollIntoView({block: 'start'});
               window.__old = new Set(rows.map(r => r.dataset.id));
               window.__frames = [];
               window.__stop = false;
               const tick = () => {
                 const all = [...document.querySelectorAll('$ROW')];
                 const seen = all.filter(r => {
                   const b = r.getBoundingClientRect();
                   return b.bottom > 0 && b.top < innerHeight;
                 });
                 const old = rs => rs.filter(r => __old.has(r.dataset.id)).length;
                 __frames.push([seen.length, old(seen), old(all)]);
                 if (!__stop) requestAnimationFrame(tick);
               };
               requestAnimationFrame(tick);
               document.querySelector('$NEXT').click();
               return scrollY;"#
            .replace("$ROW", &tid(testid::EVENT_ROW))
            .replace("$NEXT", &tid(testid::NEXT)),
        )
        .await
        .as_f64()
        .expect("scrollY");
        wait_text(&c, testid::SHOWING, |t| t == "Showing 101–200 of 5,000").await;
        assert_eq!(wait_rows(&c).await, 100);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let frames: Vec<[u64; 3]> =
            serde_json::from_value(js(&c, "window.__stop = true; return __frames;").await)
                .expect("frames");
        // Enough rows on screen for a mix to show (the page's top holds the filters, the
        // local copy's line, the timeline and the toolbars above them).
        assert!(
            frames.iter().all(|f| f[0] >= 4),
            "rows on screen: {frames:?}"
        );
        // On screen, a frame shows the old page or the new one, never a mix.
        assert!(
            frames.iter().all(|&[seen, old, _]| old == 0 || old == seen),
            "{frames:?}"
        );
        // The rows on screen came first: some frame had them new and rows off screen still old.
        assert!(
            frames
                .iter()
                .any(|&[_, old_seen, old_all]| old_seen == 0 && old_all > 0),
            "{frames:?}"
        );
        assert_eq!(frames.last().expect("frames")[2], 0, "{frames:?}");
        let ids = js(&c, &format!("return [...document.querySelectorAll('{}')].filter(r => __old.has(r.dataset.id)).length", tid(testid::EVENT_ROW))).await;
        assert_eq!(ids.as_u64(), Some(0));
        // The place on the page stays where it was.
        let after = js(&c, "return scrollY").await.as_f64().expect("scrollY");
        assert!((after - y).abs() < 1.0, "scrolled from {y} to {after}");
    })
    .await;
}

#[tokio::test]
async fn a_row_opens_the_detail_view_which_reloads_and_goes_back() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        click(&c, testid::NEXT).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
        let list_url = location(&c).await;
        js(&c, "window.scrollTo(0, 400)").await;
        let rows = find_all(&c, testid::EVENT_ROW).await;
        let id = rows[5].attr("data-id").await.expect("attr").expect("id");
        // Keyboard: focus the row and press Enter.
        js(
            &c,
            &format!(
                "document.querySelectorAll('{}')[5].focus()",
                tid(testid::EVENT_ROW)
            ),
        )
        .await;
        c.active_element()
            .await
            .expect("active")
            .send_keys(&Key::Enter.to_string())
            .await
            .expect("enter");
        let shown = wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        assert_eq!(shown, id);
        let url = location(&c).await;
        assert!(url.starts_with(&format!("/events/{id}")), "{url}");
        for field in [
            "detail-time",
            "detail-email",
            "detail-user-id",
            "detail-source",
            "detail-ip",
            "detail-country",
            "detail-account",
        ] {
            assert!(
                !find(&c, field)
                    .await
                    .text()
                    .await
                    .expect("t")
                    .trim()
                    .is_empty(),
                "{field} shown"
            );
        }
        find(&c, testid::JSON_TREE).await;
        let api = api_json(&c, &format!("{proxy}/beta/audit/events/{id}")).await;
        assert_eq!(
            find(&c, testid::DETAIL_TYPE).await.text().await.expect("t"),
            api["event_type"].as_str().expect("type")
        );

        // A deep link survives a reload.
        c.refresh().await.expect("reload");
        assert_eq!(
            wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await,
            id
        );

        // Back returns to the same list and page.
        click(&c, testid::BACK).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
        assert_eq!(location(&c).await, list_url);

        // Click opens too; Esc closes, and the scroll position comes back.
        js(&c, "window.scrollTo(0, 400)").await;
        let y_before = js(&c, "return window.scrollY").await.as_f64().expect("y");
        open_row(&c, 3).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        c.active_element()
            .await
            .expect("active")
            .send_keys(&Key::Escape.to_string())
            .await
            .expect("esc");
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
        let y_after = wait_until(&c, "scroll restored", || async {
            let y = js(&c, "return window.scrollY")
                .await
                .as_f64()
                .unwrap_or(0.0);
            (y > 0.0).then_some(y)
        })
        .await;
        assert!(
            (y_after - y_before).abs() < 2.0,
            "scroll {y_before} → {y_after}"
        );
    })
    .await;
}

#[tokio::test]
async fn back_and_forward_move_between_views() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        type_into(&c, testid::SEARCH_TEXT, "USER_LOGOUT").await;
        click(&c, testid::APPLY).await;
        let filtered = wait_text(&c, testid::SHOWING, |t| {
            !t.ends_with("of 5,000") && t.starts_with("Showing 1–")
        })
        .await;
        click(&c, testid::NEXT).await;
        wait_text(&c, testid::PAGE_OF, |t| t.starts_with("Page 2 of")).await;
        c.back().await.expect("back");
        wait_text(&c, testid::SHOWING, |t| t == filtered).await;
        assert_eq!(input_value(&c, testid::SEARCH_TEXT).await, "USER_LOGOUT");
        c.back().await.expect("back");
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–30 of 5,000").await;
        assert_eq!(
            input_value(&c, testid::SEARCH_TEXT).await,
            "",
            "the form follows the URL"
        );
        c.forward().await.expect("forward");
        wait_text(&c, testid::SHOWING, |t| t == filtered).await;
        assert_eq!(input_value(&c, testid::SEARCH_TEXT).await, "USER_LOGOUT");
        // The plain API is no archive: the Alerts view's address says where alerts come from,
        // and the top bar names no archive and offers no Alerts link.
        c.goto(&format!("{}/alerts", stack.app_url))
            .await
            .expect("alerts");
        let none = wait_text(&c, testid::ALERTS_NONE, |t| !t.is_empty()).await;
        assert!(none.contains("audit-archive --rules"), "{none}");
        assert!(find_all(&c, testid::NAV_ALERTS).await.is_empty());
        assert!(find_all(&c, testid::SOURCE_NAME).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn invalid_dates_get_an_inline_message_and_send_nothing() {
    signed_in(StackOptions::default(), move |c, _stack| async move {
        let before = location(&c).await;
        let requests = || async {
            js(&c, "return performance.getEntriesByType('resource').filter(e => e.name.includes('/beta/audit/events?') && e.name.includes('size=30')).length").await
        };
        let n_before = requests().await;
        type_into(&c, testid::DATE_FROM, "2024-13-45").await;
        click(&c, testid::APPLY).await;
        let msg = wait_text(&c, testid::FILTER_ERROR, |t| !t.is_empty()).await;
        assert!(msg.contains("From") && msg.contains("ISO-8601"), "{msg}");
        type_into(&c, testid::DATE_FROM, "2025-06-02 00:00").await;
        type_into(&c, testid::DATE_TO, "2025-06-01 00:00").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::FILTER_ERROR, |t| t.contains("after")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(location(&c).await, before);
        assert_eq!(requests().await, n_before, "nothing was sent");
    })
    .await;
}

#[tokio::test]
async fn a_slow_answer_never_overwrites_a_newer_query() {
    let opts = StackOptions {
        proxy_args: vec![
            "--fault-latency-ms".into(),
            "2500".into(),
            "--fault-match".into(),
            "slowpoke&page=1&size=30".into(),
        ],
        // The list must ask the API (a local copy answers at once).
        local_max_events: Some(0),
        ..Default::default()
    };
    signed_in(opts, move |c, _stack| async move {
        type_into(&c, testid::SEARCH_TEXT, "slowpoke").await;
        click(&c, testid::APPLY).await;

        // While it loads, the old rows stay, dimmed.
        wait_until(&c, "dimmed rows", || async {
            js(&c, &format!("return !!document.querySelector('.table-wrap.stale') && document.querySelectorAll('{}').length", tid(testid::EVENT_ROW))).await
                .as_u64()
                .filter(|n| *n == 30)
        })
        .await;
        type_into(&c, testid::SEARCH_TEXT, "198.51.100.77").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–14 of 14").await;
        tokio::time::sleep(Duration::from_millis(3000)).await;
        assert_eq!(
            find(&c, testid::SHOWING).await.text().await.expect("t"),
            "Showing 1–14 of 14"
        );
        assert_eq!(column(&c, &testid::cell("country")).await.len(), 14);
        assert!(find_all(&c, testid::ERROR_BANNER).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn signing_in_to_a_proxy_that_is_not_there_names_it() {
    // A port held for the whole test but never listened on: connecting is refused, and no
    // other process of a parallel run can take it meanwhile (a port only looked up free could
    // be, and then the proxy answered).
    let held = tokio::net::TcpSocket::new_v4().expect("socket");
    held.bind(([127, 0, 0, 1], 0).into()).expect("bind");
    let dead = format!("http://{}", held.local_addr().expect("a"));
    let stack = Stack::start(StackOptions {
        api_base: Some(dead.clone()),
        ..Default::default()
    })
    .await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        click(&c, testid::TRY_DEMO).await;
        let msg = wait_text(&c, testid::SIGNIN_ERROR, |t| !t.is_empty()).await;
        assert!(
            msg.contains("Could not reach the proxy") && msg.contains(&dead),
            "{msg}"
        );
    })
    .await;
    drop(stack);
    drop(held);
}

#[tokio::test]
async fn settings_test_connection_tells_the_failures_apart() {
    let stack = Stack::start(StackOptions::default()).await;
    let refusing = Stack::start(StackOptions {
        allow_origin: Some("http://elsewhere.example".into()),
        ..Default::default()
    })
    .await;
    let app = stack.app_url.clone();
    let proxy = stack.proxy_url.clone();
    let refusing_url = refusing.proxy_url.clone();
    with_browser(move |c| async move {
        // Not signed in yet: the proxy answers, but without valid credentials.
        c.goto(&format!("{app}/settings"))
            .await
            .expect("open settings");
        click(&c, testid::TEST_CONNECTION).await;
        let msg = wait_text(&c, testid::CONNECTION_RESULT, |t| !t.is_empty()).await;
        assert!(msg.contains("credentials were rejected"), "{msg}");
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        click_link(&c, "Settings").await;
        assert_eq!(input_value(&c, testid::API_BASE).await, proxy);
        let dead = "http://127.0.0.1:9";
        for (url, expect) in [
            (proxy.as_str(), "OK"),
            (refusing_url.as_str(), "refuses this page's origin"),
            (dead, "Nothing answered"),
        ] {
            type_into(&c, testid::API_BASE, url).await;
            click(&c, testid::TEST_CONNECTION).await;
            let msg = wait_text(&c, testid::CONNECTION_RESULT, |t| !t.is_empty()).await;
            assert!(msg.contains(expect), "{url}: {msg}");
        }
        // Not URLs a proxy can have: explained under the field, neither tested nor saved.
        for (bad, expect) in [
            (
                "127.0.0.1:8787",
                "has no scheme: write http://127.0.0.1:8787",
            ),
            ("ftp://x", "must start with http:// or https://"),
            ("javascript:alert(1)", "must start with http:// or https://"),
        ] {
            type_into(&c, testid::API_BASE, bad).await;
            click(&c, testid::TEST_CONNECTION).await;
            let msg = wait_text(&c, testid::API_BASE_ERROR, |t| !t.is_empty()).await;
            assert!(msg.contains(expect), "{bad}: {msg}");
            assert_eq!(
                find(&c, testid::CONNECTION_RESULT)
                    .await
                    .text()
                    .await
                    .expect("t"),
                "",
                "{bad} was not tested"
            );
            click(&c, testid::SAVE_SETTINGS).await;
            assert!(
                find_all(&c, testid::SAVED).await.is_empty(),
                "{bad} was not saved"
            );
        }
        c.refresh().await.expect("reload");
        assert_eq!(
            input_value(&c, testid::API_BASE).await,
            proxy,
            "nothing bad was kept"
        );
        // Saving an override is remembered and used: the list now asks the dead address, and
        // the rows the old proxy gave are not shown under its error.
        type_into(&c, testid::API_BASE, dead).await;
        click(&c, testid::SAVE_SETTINGS).await;
        click_link(&c, "Events").await;
        let msg = wait_text(&c, testid::ERROR_MESSAGE, |t| !t.is_empty()).await;
        assert!(msg.contains(dead), "{msg}");
        assert!(
            find_all(&c, testid::EVENT_ROW).await.is_empty(),
            "no old rows"
        );
        c.goto(&format!("{app}/settings")).await.expect("settings");
        assert_eq!(input_value(&c, testid::API_BASE).await, dead);
        click(&c, testid::USE_CONFIG).await;
        assert_eq!(input_value(&c, testid::API_BASE).await, proxy);
    })
    .await;
    drop(refusing);
    drop(stack);
}

#[tokio::test]
async fn a_401_mid_session_returns_to_sign_in_and_then_to_the_same_view() {
    signed_in(StackOptions::default(), move |c, _stack| async move {
        click(&c, testid::NEXT).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
        let url = location(&c).await;
        // The secret is revoked while the tab is open.
        js(&c, "sessionStorage.setItem('audit-viewer.credentials', JSON.stringify({key: 'demo', secret: 'revoked'}))").await;
        c.refresh().await.expect("reload");
        let notice = wait_text(&c, testid::SIGNIN_NOTICE, |t| !t.is_empty()).await;
        assert!(notice.contains("Sign in again"), "{notice}");
        assert_eq!(location(&c).await, url, "the view is kept");
        sign_in_demo(&c).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
    })
    .await;
}

#[tokio::test]
async fn deep_links_work_under_a_sub_path() {
    let stack = Stack::start(StackOptions {
        sub_path: Some("/sub".into()),
        ..Default::default()
    })
    .await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.goto(&format!("{app}/")).await.expect("open");
        sign_in_demo(&c).await;
        click(&c, testid::NEXT).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
        let list = location(&c).await;
        assert!(
            list.starts_with("/sub?") || list.starts_with("/sub/?"),
            "{list}"
        );
        c.refresh().await.expect("reload the list");
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
        open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        let url = location(&c).await;
        assert!(url.starts_with("/sub/events/"), "{url}");
        c.refresh().await.expect("reload");
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        click(&c, testid::BACK).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
        assert!(location(&c).await.starts_with("/sub"));
        // Every link of the app stays under the sub-path, on every view, and the navigation's
        // links lead to their pages there (leptos_router's <A> puts no base before an href that
        // starts with "/"; before app_href they led to /settings, /security, / on the host).
        let outside = "return [...document.querySelectorAll('a[href]')].map(a => new URL(a.href)) \
            .filter(u => u.origin === location.origin && !u.pathname.startsWith('/sub')) \
            .map(u => u.pathname + u.search)";
        let links = |what: &'static str| {
            let c = c.clone();
            async move {
                let n = js(&c, "return document.querySelectorAll('a[href]').length").await;
                assert!(n.as_u64() > Some(3), "{what}: links to check: {n}");
                let out = js(&c, outside).await;
                assert_eq!(out, serde_json::json!([]), "{what}: links out of the app");
            }
        };
        links("the list").await;
        open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        wait_until(&c, "the detail's links", || async {
            (!find_all(&c, testid::AROUND).await.is_empty()).then_some(())
        })
        .await;
        links("the detail").await;
        click_link(&c, "Security overview").await;
        wait_until(&c, "the security overview", || async {
            (location(&c).await == "/sub/security"
                && !find_all(&c, &testid::in_section(testid::COUNTRIES, "row"))
                    .await
                    .is_empty())
            .then_some(())
        })
        .await;
        links("the security overview").await;
        click_link(&c, "Settings").await;
        wait_until(&c, "settings", || async {
            (location(&c).await == "/sub/settings"
                && !find_all(&c, testid::API_BASE).await.is_empty())
            .then_some(())
        })
        .await;
        links("settings").await;
        click_link(&c, "Events").await;
        wait_until(&c, "the list again", || async {
            location(&c).await.starts_with("/sub").then_some(())
        })
        .await;
        wait_rows(&c).await;
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn dropdowns_close_outside_and_on_esc_and_focus_returns_where_it_came_from() {
    use fantoccini::key::Key;
    signed_in(StackOptions::default(), move |c, _stack| async move {
        let open = |id: &'static str| {
            let c = c.clone();
            async move {
                js(
                    &c,
                    &format!("return document.querySelector('{}').open", tid(id)),
                )
                .await
                .as_bool()
                .unwrap_or(false)
            }
        };
        // The type list closes on a click outside it.
        click(&c, testid::TYPE_SUMMARY).await;
        assert!(open("type-filter").await);
        click(&c, testid::SEARCH_TEXT).await;
        assert!(!open("type-filter").await, "an outside click closes it");

        // Columns: Esc closes it and the focus goes back to its summary.
        js(
            &c,
            &format!("document.querySelector('{} summary').click()", tid(testid::COLUMNS)),
        )
        .await;
        assert!(open("columns").await);
        find(&c, &testid::column("ip"))
            .await
            .send_keys(&Key::Escape.to_string())
            .await
            .expect("esc");
        assert!(!open("columns").await, "Esc closes it");
        let focused = js(&c, &format!("return document.activeElement.closest('{}') !== null && document.activeElement.tagName", tid(testid::COLUMNS))).await;
        assert_eq!(focused, "SUMMARY", "focus back on what opened it");

        // Every column but one may be hidden; the last one cannot be.
        js(
            &c,
            &format!("document.querySelector('{} summary').click()", tid(testid::COLUMNS)),
        )
        .await;
        for key in ["type", "user", "source", "ip", "country", "details"] {
            click(&c, &format!("column-{key}")).await;
        }
        assert!(
            !find(&c, &testid::column("time"))
                .await
                .is_enabled()
                .await
                .expect("enabled"),
            "the last column stays"
        );
        for key in ["type", "user", "source", "ip", "country", "details"] {
            click(&c, &format!("column-{key}")).await;
        }
        assert!(find(&c, &testid::column("time"))
            .await
            .is_enabled()
            .await
            .expect("enabled"));
        click(&c, testid::SHOWING).await;

        // A row opened from the keyboard; Esc in the detail view returns to that row.
        let rows = find_all(&c, testid::EVENT_ROW).await;
        let row = rows[3].clone();
        let id = row.attr("data-id").await.expect("attr").expect("id");
        row.send_keys(&Key::Enter.to_string()).await.expect("enter");
        wait_text(&c, testid::DETAIL_ID, |t| t == id).await;
        js(
            &c,
            "document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))",
        )
        .await;
        wait_rows(&c).await;
        let back = wait_until(&c, "focus on the row", || async {
            let v = js(&c, "return document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.id : null").await;
            v.as_str().map(str::to_string)
        })
        .await;
        assert_eq!(
            back, id,
            "focus returned to the row that opened the detail view"
        );
    })
    .await;
}

#[tokio::test]
async fn any_iana_zone_shows_and_reads_times_in_it_and_is_remembered() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        // Any IANA zone is chosen in Settings (the filters link there).
        click_link(&c, "Other zone…").await;
        find(&c, testid::ZONE_NAME)
            .await
            .select_by_value("America/New_York")
            .await
            .expect("select");
        // Late November: Eastern Standard Time.
        let label = wait_text(&c, testid::ZONE_LABEL, |t| t.starts_with("America/")).await;
        assert_eq!(label, "America/New_York, UTC-05:00");
        click_link(&c, "Events").await;
        wait_rows(&c).await;
        let label = wait_text(&c, testid::ZONE_LABEL, |t| t.starts_with("America/")).await;
        assert_eq!(label, "America/New_York, UTC-05:00");
        assert!(find(&c, testid::ZONE_NAMED)
            .await
            .is_selected()
            .await
            .expect("s"));
        // The newest event's time, as the API gives it, shown on New York's clock.
        let newest = api_json(&c, &format!("{proxy}/beta/audit/events?size=1")).await;
        let at = newest["_embedded"]["events"][0]["created_at"]
            .as_str()
            .expect("created_at");
        let ts = audit_model::time::parse_api_timestamp(at).expect("time");
        let expected = audit_model::time::format_display(ts, -300);
        wait_until(&c, "the first row in New York time", || async {
            let first = column(&c, &testid::cell("time")).await;
            (first.first() == Some(&expected)).then_some(())
        })
        .await;
        // A date typed alone is that day on New York's clock: 05:00 UTC.
        type_into(&c, testid::DATE_FROM, "2026-11-20").await;
        click(&c, testid::APPLY).await;
        let from = wait_until(&c, "date_from in the URL", || async {
            js(
                &c,
                "return new URL(location.href).searchParams.get('date_from')",
            )
            .await
            .as_str()
            .map(str::to_string)
        })
        .await;
        assert!(from.starts_with("2026-11-20T05:00:00"), "{from}");
        // Remembered across a reload.
        c.refresh().await.expect("reload");
        wait_rows(&c).await;
        assert!(find(&c, testid::ZONE_NAMED)
            .await
            .is_selected()
            .await
            .expect("s"));
        assert_eq!(
            find(&c, testid::ZONE_LABEL).await.text().await.expect("t"),
            "America/New_York, UTC-05:00"
        );
        assert_eq!(
            input_value(&c, testid::DATE_FROM).await,
            "2026-11-20 00:00:00"
        );
    })
    .await;
}

#[tokio::test]
async fn a_change_shows_what_it_changed_in_the_row_and_the_detail_view() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        type_into(&c, testid::SEARCH_TEXT, "type:APP_UPDATE").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| !t.ends_with("of 5,000")).await;
        wait_rows(&c).await;
        let summary = column(&c, &testid::cell("details")).await;
        assert!(summary[0].starts_with("event_url: "), "{summary:?}");
        assert!(summary[0].contains(" → "), "{summary:?}");
        open_row(&c, 0).await;
        let id = wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        let ev = api_json(&c, &format!("{proxy}/beta/audit/events/{id}")).await;
        let change = &ev["context"]["changes"]["event_url"];
        let rows = js(&c, &format!("return Array.from(document.querySelectorAll('{} tbody tr')).map(r => [r.dataset.kind, ...Array.from(r.children).map(c => c.textContent)])", tid(testid::DETAIL_CHANGES))).await;
        let rows = rows.as_array().expect("rows").clone();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0][0], "changed");
        assert_eq!(rows[0][1], "changes.event_url");
        assert_eq!(
            rows[0][2].as_str(),
            Some(change["old"].to_string().as_str())
        );
        let after = rows[0][3].as_str().expect("after");
        assert!(
            after.starts_with(&change["new"].to_string()),
            "{after} vs {change}"
        );
    })
    .await;
}

#[tokio::test]
async fn views_are_saved_opened_renamed_deleted_and_imported() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let proxy = stack.proxy_url.clone();
        let app = origin(&c).await;
        c.goto(&format!(
            "{app}/?event_type=USER_LOGIN&where=country%3ABR&size=100"
        ))
        .await
        .expect("open");
        wait_rows(&c).await;
        let saved_at = location(&c).await;
        click(&c, testid::COLUMNS).await;
        click(&c, &testid::column("source")).await;
        click(&c, testid::COLUMNS).await;
        click(&c, testid::VIEWS).await;
        type_into(&c, testid::VIEW_NAME, "BR logins").await;
        click(&c, testid::VIEW_SAVE).await;
        wait_text(&c, testid::VIEW_NOTE, |t| t.contains("Saved")).await;
        click(&c, testid::VIEWS).await;
        // Elsewhere, after a reload, with the column back: the view brings both back.
        click(&c, testid::COLUMNS).await;
        click(&c, &testid::column("source")).await;
        click(&c, testid::COLUMNS).await;
        let hidden = || async {
            js(
                &c,
                &format!(
                    "return localStorage.getItem('{}') || ''",
                    storage::HIDDEN_COLUMNS
                ),
            )
            .await
            .as_str()
            .unwrap_or_default()
            .contains("source")
        };
        assert!(!hidden().await);
        c.goto(&format!("{app}/?page=3")).await.expect("open");
        wait_rows(&c).await;
        click(&c, testid::VIEWS).await;
        c.find(fantoccini::Locator::Css(
            &format!("{}[data-name=\"BR logins\"]", tid(testid::VIEW_LINK)),
        ))
        .await
        .expect("saved view")
        .click()
        .await
        .expect("open it");
        wait_until(&c, "the saved view", || async {
            (location(&c).await == saved_at).then_some(())
        })
        .await;
        wait_rows(&c).await;
        assert!(hidden().await, "its columns too");
        // The recent queries offer it as well.
        let recent = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).map(a => a.getAttribute('href'))", tid(testid::RECENT_LINK))).await;
        assert!(
            recent.to_string().contains("where=country%3ABR"),
            "{recent}"
        );
        // Rename, then delete (the dropdown closed on the way to the view).
        let unfolded = js(
            &c,
            &format!("return document.querySelector('{}').open", tid(testid::VIEWS)),
        )
        .await;
        if unfolded != serde_json::json!(true) {
            click(&c, testid::VIEWS).await;
        }
        click(&c, testid::VIEW_RENAME).await;
        let input = c
            .find(fantoccini::Locator::Id("view-rename-input"))
            .await
            .expect("input");
        input.clear().await.expect("clear");
        input.send_keys("Brazil logins\n").await.expect("type");
        c.find(fantoccini::Locator::Css(
            &format!("{}[data-name=\"Brazil logins\"]", tid(testid::VIEW_LINK)),
        ))
        .await
        .expect("renamed");
        click(&c, testid::VIEW_DELETE).await;
        wait_text(&c, testid::VIEW_NOTE, |t| t.contains("Deleted")).await;
        assert!(find_all(&c, testid::VIEW_LINK).await.is_empty());
        // A views file imports.
        let file = std::env::temp_dir().join(format!("views-{}.json", std::process::id()));
        std::fs::write(
            &file,
            r#"{"kind": "audit-viewer saved views", "views": [{"name": "Secrets", "query": "event_type=ACCOUNT_SECRET_CREATE,ACCOUNT_SECRET_DELETE"}]}"#,
        )
        .expect("write");
        find(&c, testid::VIEWS_IMPORT)
            .await
            .send_keys(&file.display().to_string())
            .await
            .expect("choose");
        wait_text(&c, testid::VIEW_NOTE, |t| t.contains("Imported")).await;
        c.find(fantoccini::Locator::Css(
            &format!("{}[data-name=\"Secrets\"]", tid(testid::VIEW_LINK)),
        ))
        .await
        .expect("imported view")
        .click()
        .await
        .expect("open");
        wait_rows(&c).await;
        assert_eq!(
            showing_total(&c).await,
            api_total(
                &c,
                &proxy,
                "event_type=ACCOUNT_SECRET_CREATE,ACCOUNT_SECRET_DELETE"
            )
            .await
        );
        let _ = std::fs::remove_file(file);
    })
    .await;
}

#[tokio::test]
async fn the_events_link_returns_to_the_list_as_it_was_left() {
    signed_in(StackOptions::default(), move |c, _stack| async move {
        let app = c
            .current_url()
            .await
            .expect("url")
            .origin()
            .ascii_serialization();
        let nav = |c: fantoccini::Client| async move {
            let v = js(
                &c,
                &format!(
                    "const a = document.querySelector('{}'); \
                     return [a.getAttribute('href'), a.getAttribute('aria-current')]",
                    tid(testid::NAV_EVENTS)
                ),
            )
            .await;
            (
                v[0].as_str().unwrap_or_default().to_string(),
                v[1].as_str().map(str::to_string),
            )
        };
        // An investigation: logins only, page 2.
        c.goto(&format!("{app}/?event_type=USER_LOGIN"))
            .await
            .expect("open");
        wait_rows(&c).await;
        click(&c, testid::NEXT).await;
        wait_text(&c, testid::SHOWING, |t| t.starts_with("Showing 31–60 of")).await;
        let showing = find(&c, testid::SHOWING).await.text().await.expect("text");
        let list = location(&c).await;
        assert!(
            list.contains("USER_LOGIN") && list.contains("page=2"),
            "{list}"
        );
        assert_eq!(nav(c.clone()).await, (list.clone(), Some("page".into())));

        // Over to the security overview: the link is no longer current, and still leads back.
        click_link(&c, "Security overview").await;
        wait_until(&c, "the security overview", || async {
            (location(&c).await == "/security").then_some(())
        })
        .await;
        assert_eq!(nav(c.clone()).await, (list.clone(), None));
        click(&c, testid::NAV_EVENTS).await;
        wait_until(&c, "the list as it was", || async {
            (location(&c).await == list).then_some(())
        })
        .await;
        wait_text(&c, testid::SHOWING, |t| t == showing).await;

        // On an event opened from the list the link is current and leads to that list.
        open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        assert_eq!(nav(c.clone()).await, (list.clone(), Some("page".into())));

        // Signing out forgets it: the next sign-in starts from the whole list.
        click(&c, testid::SIGN_OUT).await;
        find(&c, testid::SIGNIN_FORM).await;
        assert_eq!(nav(c.clone()).await.0, "/");
    })
    .await;
}
