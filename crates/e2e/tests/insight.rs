//! The security overview finds the demo account's planted patterns.

use e2e::*;

#[tokio::test]
async fn security_overview_finds_the_planted_patterns() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let app = stack.app_url.clone();
        let proxy = stack.proxy_url.clone();
        c.goto(&format!("{app}/security?range=90d")).await.expect("overview");
        wait_text(&c, testid::SECURITY_SUMMARY, |t| t.ends_with("security events read.")).await;

        // The login burst from a country the account never used.
        let br = js(&c, &format!("const r = document.querySelector('{}[data-name=\"BR\"]'); return r ? [r.dataset.new, r.textContent] : null", tid(&testid::in_section(testid::COUNTRIES, "row")))).await;
        assert_eq!(br[0], "true", "BR is marked first seen: {br}");
        assert!(br[1].as_str().is_some_and(|t| t.contains("14")), "14 logins: {br}");
        let gb = js(&c, &format!("return document.querySelector('{}[data-name=\"GB\"]').dataset.new", tid(&testid::in_section(testid::COUNTRIES, "row")))).await;
        assert_eq!(gb, "false", "a country used all along is not");
        let ip = js(&c, &format!("const r = document.querySelector('{}[data-name=\"198.51.100.77\"]'); return r && r.dataset.new", tid(&testid::in_section(testid::IPS, "row")))).await;
        assert_eq!(ip, "true");

        // The secret created at 03:12 UTC is a change at an unusual hour.
        let unusual = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).map(e => [e.dataset.type, e.textContent])", tid(&testid::in_section(testid::UNUSUAL, "item")))).await;
        let items = unusual.as_array().expect("items");
        assert!(items.iter().any(|i| i[0] == "ACCOUNT_SECRET_CREATE" && i[1].as_str().is_some_and(|t| t.contains(" 03:12:"))), "{unusual}");
        assert!(find(&c, testid::UNUSUAL_HOURS).await.text().await.expect("t").contains("03"));

        // Key and secret changes, newest first, include the whitelist-then-keys sequence.
        let keys = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).map(e => e.textContent)", tid(&testid::in_section(testid::KEY_CHANGES, "item")))).await;
        let keys: Vec<String> = serde_json::from_value(keys).expect("keys");
        assert!(keys.iter().any(|k| k.contains("203.0.113.99")), "{keys:?}");
        let mut sorted = keys.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(keys, sorted, "newest first");
        // A long list shows its newest, the rest one keypress away.
        assert!(keys.len() > 8, "the demo has many key changes: {}", keys.len());
        let shown = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).filter(e => e.checkVisibility()).length", tid(&testid::in_section(testid::KEY_CHANGES, "item")))).await;
        assert_eq!(shown, 8, "the newest 8 shown");
        let summary = c.find(fantoccini::Locator::Css(&format!("{} > summary", tid(&testid::in_section(testid::KEY_CHANGES, "more"))))).await.expect("more");
        assert_eq!(summary.text().await.expect("text"), format!("Show all {}", keys.len()));
        js(&c, &format!("document.querySelector('{} > summary').focus()", tid(&testid::in_section(testid::KEY_CHANGES, "more")))).await;
        c.active_element().await.expect("active").send_keys(&fantoccini::key::Key::Enter.to_string()).await.expect("enter");
        let shown = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).filter(e => e.checkVisibility()).length", tid(&testid::in_section(testid::KEY_CHANGES, "item")))).await;
        assert_eq!(shown, keys.len(), "Enter on the summary shows them all");

        // Findings link to the events behind them.
        let link = js(&c, &format!("return document.querySelector('{}[data-name=\"BR\"] a').getAttribute('href')", tid(&testid::in_section(testid::COUNTRIES, "row")))).await;
        c.goto(&format!("{app}{}", link.as_str().expect("href"))).await.expect("follow");
        wait_text(&c, testid::SHOWING, |t| t.ends_with("of 14")).await;
        c.goto(&format!("{app}/security?range=90d")).await.expect("overview");
        wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
        // A finding's address lists everything from it in the range, exactly.
        let href = js(&c, &format!("const a = Array.from(document.querySelectorAll('{}')).find(a => a.textContent === '203.0.113.99'); return a && a.getAttribute('href')", tid(&testid::in_section(testid::KEY_CHANGES, "ip")))).await;
        let href = href.as_str().expect("an address link").to_string();
        assert!(href.contains("where=ip%3A203.0.113.99"), "{href}");
        c.goto(&format!("{app}{href}")).await.expect("follow");
        wait_rows(&c).await;
        let (range, _) = audit_model::EventQuery::parse_app(href.split_once('?').map(|(_, q)| q).unwrap_or_default()).expect("parses");
        let in_range = api_all(&c, &proxy, &format!("date_from={}&date_to={}", range.date_from.clone().unwrap_or_default(), range.date_to.clone().unwrap_or_default())).await;
        let expected = in_range.iter().filter(|e| e["source_ip"] == "203.0.113.99").count() as u64;
        assert!(expected > 0);
        assert_eq!(showing_total(&c).await, expected);
        c.goto(&format!("{app}/security?range=90d")).await.expect("overview");
        wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
        js(&c, &format!("document.querySelector('{}[data-type=\"ACCOUNT_SECRET_CREATE\"] a').click()", tid(&testid::in_section(testid::UNUSUAL, "item")))).await;
        assert_eq!(wait_text(&c, testid::DETAIL_TYPE, |t| !t.is_empty()).await, "ACCOUNT_SECRET_CREATE");

        if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            c.goto(&format!("{app}/security?range=90d")).await.expect("overview");
            wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;
            let png = c.screenshot().await.expect("shot");
            std::fs::write(root().join("docs/screenshots/security.png"), png).expect("write");
        }
    })
    .await;
}

#[tokio::test]
async fn timeline_counts_match_the_table_and_a_bar_narrows_the_range() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let app = stack.app_url.clone();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
        let to = audit_model::time::format_api(now - now % 1000);
        let from = audit_model::time::format_api(now - now % 1000 - 7 * 86_400_000);
        c.goto(&format!("{app}/?date_from={from}&date_to={to}&event_type=USER_LOGIN")).await.expect("range");
        wait_rows(&c).await;
        let bars = wait_until(&c, "timeline drawn", || async {
            let v = js(&c, &format!("const f = document.querySelector('{}'); if (!f || f.getAttribute('aria-busy') !== 'false') return null; return Array.from(document.querySelectorAll('{}')).map(b => [Number(b.dataset.count), b.dataset.from, b.dataset.to])", tid(testid::TIMELINE), tid(testid::TIMELINE_BAR))).await;
            v.as_array().filter(|a| !a.is_empty()).cloned()
        })
        .await;
        assert!((56..=57).contains(&bars.len()), "7 days in 3-hour bars (one more when not aligned): {}", bars.len());
        let sum: u64 = bars.iter().map(|b| b[0].as_u64().expect("count")).sum();
        let showing = find(&c, testid::SHOWING).await.text().await.expect("t");
        assert!(showing.ends_with(&format!("of {}", audit_model::page::thousands(sum))), "{showing} vs {sum}");
        let summary = find(&c, testid::TIMELINE_SUMMARY).await.text().await.expect("t");
        assert!(summary.contains("one bar per 3 h"), "{summary}");

        // Clicking a bar narrows the range (and the URL) to it; the table agrees with its count.
        let (i, bar) = bars.iter().enumerate().max_by_key(|(_, b)| b[0].as_u64()).expect("a bar");
        let count = bar[0].as_u64().expect("count");
        let bars_sel = tid(testid::TIMELINE_BAR);
        js(&c, &format!("const b = document.querySelectorAll('{bars_sel}')[{i}]; b.dispatchEvent(new MouseEvent('mousedown', {{bubbles: true}})); b.dispatchEvent(new MouseEvent('mouseup', {{bubbles: true}}))")).await;
        let bfrom = bar[1].as_str().expect("from").replace(':', "%3A");
        wait_until(&c, "URL narrowed", || async { location(&c).await.contains(&format!("date_from={bfrom}")).then_some(()) }).await;
        wait_text(&c, testid::SHOWING, |t| t.ends_with(&format!("of {}", audit_model::page::thousands(count)))).await;
        assert!(location(&c).await.contains("event_type=USER_LOGIN"), "other filters kept");

        // Dragging across bars selects their whole range.
        c.back().await.expect("back");
        let bars = wait_until(&c, "timeline drawn again", || async {
            let v = js(&c, &format!("const f = document.querySelector('{}'); if (!f || f.getAttribute('aria-busy') !== 'false') return null; return Array.from(document.querySelectorAll('{}')).map(b => [Number(b.dataset.count), b.dataset.from, b.dataset.to])", tid(testid::TIMELINE), tid(testid::TIMELINE_BAR))).await;
            v.as_array().filter(|a| a.len() > 20).cloned()
        })
        .await;
        let (a, b) = (3usize, 10usize);
        let want: u64 = bars[a..=b].iter().map(|x| x[0].as_u64().expect("n")).sum();
        let bars_sel = tid(testid::TIMELINE_BAR);
        js(&c, &format!("const bs = document.querySelectorAll('{bars_sel}');             bs[{a}].dispatchEvent(new MouseEvent('mousedown', {{bubbles: true}}));             for (let i = {a} + 1; i <= {b}; i++) bs[i].dispatchEvent(new MouseEvent('mouseenter'));             bs[{b}].dispatchEvent(new MouseEvent('mouseup', {{bubbles: true}}));")).await;
        let to = bars[b][2].as_str().expect("to").replace(':', "%3A");
        wait_until(&c, "URL spans the drag", || async { location(&c).await.contains(&format!("date_to={to}")).then_some(()) }).await;
        wait_text(&c, testid::SHOWING, |t| t.ends_with(&format!("of {}", audit_model::page::thousands(want)))).await;

        // The keyboard alone: one tab stop, End to the last bar, Left to the one before, Enter
        // narrows the list to it.
        c.back().await.expect("back");
        let bars = wait_until(&c, "timeline drawn once more", || async {
            let v = js(&c, &format!("const f = document.querySelector('{}'); if (!f || f.getAttribute('aria-busy') !== 'false') return null; return Array.from(document.querySelectorAll('{}')).map(b => [Number(b.dataset.count), b.dataset.from, b.dataset.to, b.getAttribute('tabindex')])", tid(testid::TIMELINE), tid(testid::TIMELINE_BAR))).await;
            v.as_array().filter(|a| a.len() > 20).cloned()
        })
        .await;
        let stops = bars.iter().filter(|b| b[3] == "0").count();
        assert_eq!(stops, 1, "one tab stop for the timeline");
        use fantoccini::key::Key;
        let first = find_all(&c, testid::TIMELINE_BAR).await[0].clone();
        first.send_keys(&Key::End.to_string()).await.expect("end");
        let n = bars.len();
        let active = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).indexOf(document.activeElement)", tid(testid::TIMELINE_BAR))).await;
        assert_eq!(active.as_u64(), Some(n as u64 - 1), "End goes to the last bar");
        c.active_element().await.expect("active").send_keys(&Key::Left.to_string()).await.expect("left");
        c.active_element().await.expect("active").send_keys(&Key::Enter.to_string()).await.expect("enter");
        let bar = &bars[n - 2];
        let bfrom = bar[1].as_str().expect("from").replace(':', "%3A");
        wait_until(&c, "URL narrowed by Enter", || async { location(&c).await.contains(&format!("date_from={bfrom}")).then_some(()) }).await;
        let count = bar[0].as_u64().expect("count");
        if count > 0 {
            wait_text(&c, testid::SHOWING, |t| t.ends_with(&format!("of {}", audit_model::page::thousands(count)))).await;
        } else {
            find(&c, testid::EMPTY).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_table_that_fits_the_person() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        use fantoccini::key::Key;
        let proxy = stack.proxy_url.clone();
        let active_row = || async {
            js(&c, &format!("const a = document.activeElement; return a && a.matches('{0}') ? Array.from(document.querySelectorAll('{0}')).indexOf(a) : -1", tid(testid::EVENT_ROW))).await.as_i64().unwrap_or(-1)
        };
        let press = |k: String| {
            let c = c.clone();
            async move { c.active_element().await.expect("active").send_keys(&k).await.expect("key") }
        };
        // Keyboard: j/k and arrows move between rows, Enter opens, Esc closes, / searches, ? helps.
        js(&c, "document.activeElement.blur()").await;
        press("j".into()).await;
        assert_eq!(active_row().await, 0);
        press("j".into()).await;
        press(Key::Down.to_string()).await;
        assert_eq!(active_row().await, 2);
        press("k".into()).await;
        assert_eq!(active_row().await, 1);
        let id = js(&c, "return document.activeElement.dataset.id").await;
        press(Key::Enter.to_string()).await;
        assert_eq!(Some(wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await.as_str()), id.as_str());
        press(Key::Escape.to_string()).await;
        wait_rows(&c).await;
        press("/".into()).await;
        assert_eq!(js(&c, "return document.activeElement.id").await, "search-text");
        js(&c, "document.activeElement.blur()").await;
        press("?".into()).await;
        find(&c, testid::SHORTCUTS).await;
        press(Key::Escape.to_string()).await;
        assert!(find_all(&c, testid::SHORTCUTS).await.is_empty());

        // Sorting the page by a column.
        click(&c, &testid::sort("user")).await;
        let users = column(&c, &testid::cell("user")).await;
        let mut sorted = users.clone();
        sorted.sort_by_key(|u| u.to_lowercase());
        assert_eq!(users, sorted);

        // Columns, density and theme are remembered.
        click(&c, testid::COLUMNS).await;
        click(&c, &testid::column("ip")).await;
        click(&c, testid::COMPACT).await;
        find(&c, testid::THEME).await.select_by_value("dark").await.expect("theme");
        c.refresh().await.expect("reload");
        wait_rows(&c).await;
        let hidden = js(&c, &format!("return getComputedStyle(document.querySelector('{}')).display", tid(&testid::cell("ip")))).await;
        assert_eq!(hidden, "none", "the IP column stays hidden after a reload");
        assert_eq!(js(&c, &format!("return document.querySelector('{}').classList.contains('compact')", tid(testid::EVENTS_TABLE))).await, true);
        assert_eq!(js(&c, "return document.documentElement.dataset.theme").await, "dark");
        let bg = js(&c, "return getComputedStyle(document.body).backgroundColor").await;
        assert_eq!(bg, "rgb(18, 21, 26)", "dark background");

        // Counts by type for the current range and search, busiest first, zero greyed.
        find(&c, testid::PRESET).await.select_by_value("24h").await.expect("preset");
        click(&c, testid::APPLY).await;
        wait_until(&c, "range applied", || async { location(&c).await.contains("date_from").then_some(()) }).await;
        wait_rows(&c).await;
        click(&c, testid::TYPE_SUMMARY).await;
        let prefix = testid::type_count("");
        let len = prefix.len();
        let read_counts = || async {
            let v = js(&c, &format!("return Array.from(document.querySelectorAll('[data-testid^=\"{prefix}\"]')).map(e => [e.dataset.testid.slice({len}), Number(e.textContent.replace(/,/g, '')), e.closest('li').classList.contains('zero')])")).await;
            v.as_array().filter(|a| a.len() >= 29).cloned()
        };
        let first = wait_until(&c, "type counts", read_counts).await;
        // The order is fixed when the list is drawn (options never move under the pointer); the
        // counts are then known, so the list opened again is busiest first at once.
        click(&c, testid::TYPE_SUMMARY).await;
        click(&c, testid::TYPE_SUMMARY).await;
        let counts = wait_until(&c, "the list again, busiest first", || async {
            read_counts().await.filter(|v| {
                v.windows(2)
                    .all(|w| w[0][1].as_u64() >= w[1][1].as_u64())
            })
        })
        .await;
        assert_eq!(first.len(), counts.len());
        let nums: Vec<u64> = counts.iter().map(|c| c[1].as_u64().expect("n")).collect();
        assert!(nums.windows(2).all(|w| w[0] >= w[1]), "busiest first: {nums:?}");
        assert!(counts.iter().all(|c| (c[1] == 0) == (c[2] == true)), "zero counts greyed");
        let l = location(&c).await;
        let qs = l.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
        let logins = counts.iter().find(|c| c[0] == "USER_LOGIN").expect("USER_LOGIN")[1].as_u64().expect("n");
        assert_eq!(logins, api_total(&c, &proxy, &format!("{qs}&event_type=USER_LOGIN&size=1")).await);
    })
    .await;
}

#[tokio::test]
async fn in_local_time_day_bars_hours_and_first_logins_follow_the_local_clock() {
    const DAY: i64 = 86_400_000;
    // UTC+05:30 all year: local midnight is 18:30 UTC.
    signed_in_using(
        StackOptions::default(),
        BrowserOptions { zone: Some("Asia/Kolkata".into()), ..Default::default() },
        move |c, stack| async move {
        let app = stack.app_url.clone();
        wait_rows(&c).await;
        let first_start = |c: fantoccini::Client| async move {
            // The second: the first starts where the range does.
            let bar = find_all(&c, testid::TIMELINE_BAR).await;
            let start = bar[1].attr("data-start").await.expect("attr").expect("start");
            start.parse::<i64>().expect("number")
        };
        // The default range is 90 days: one bar per day.
        wait_text(&c, testid::TIMELINE_SUMMARY, |t| t.contains("one bar per 1 day")).await;
        assert_eq!(first_start(c.clone()).await.rem_euclid(DAY), 0, "UTC days in UTC");
        click(&c, testid::ZONE_LOCAL).await;
        let local = wait_until(&c, "bars on local days", || async {
            let s = first_start(c.clone()).await;
            ((s + 330 * 60_000).rem_euclid(DAY) == 0).then_some(s)
        })
        .await;
        assert_eq!((local + 330 * 60_000).rem_euclid(DAY), 0);

        // The security overview reads hours and shows first logins on the same clock.
        c.goto(&format!("{app}/security?range=90d")).await.expect("overview");
        wait_text(&c, testid::SECURITY_SUMMARY, |t| t.ends_with("security events read.")).await;
        let hours = find(&c, testid::UNUSUAL_HOURS).await.text().await.expect("t");
        assert!(hours.contains("local time, UTC+05:30"), "{hours}");
        assert!(!hours.contains("(UTC)"), "{hours}");
        // The secret created at 03:12 UTC was made at 08:42 local time.
        let unusual = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).map(e => e.textContent).join('\\n')", tid(&testid::in_section(testid::UNUSUAL, "item")))).await;
        let unusual = unusual.as_str().unwrap_or_default().to_string();
        assert!(unusual.contains(" 08:42:") && unusual.contains("UTC+05:30"), "{unusual}");
        let first = js(&c, &format!("return document.querySelector('{} td:nth-child(4)').textContent", tid(&testid::in_section(testid::COUNTRIES, "row")))).await;
        assert!(first.as_str().is_some_and(|t| t.ends_with("(UTC+05:30)")), "{first}");
        let header = js(&c, &format!("return document.querySelector('{} thead').textContent", tid(testid::COUNTRIES))).await;
        assert!(!header.as_str().unwrap_or_default().contains("(UTC)"), "{header}");
    })
    .await;
}

#[tokio::test]
async fn first_seen_compares_a_short_range_with_the_logins_before_it() {
    const DAY: i64 = 86_400_000;
    signed_in(StackOptions::default(), move |c, stack| async move {
        let app = stack.app_url.clone();
        let proxy = stack.proxy_url.clone();
        c.goto(&format!("{app}/security?range=24h")).await.expect("overview");
        wait_text(&c, testid::SECURITY_SUMMARY, |t| t.ends_with("security events read.")).await;
        // An independent count: the countries of every login in the 90 days before the range.
        let now = js(&c, "return Date.now()").await.as_i64().expect("now");
        let from = audit_model::time::format_api(now - DAY - 90 * DAY);
        let to = audit_model::time::format_api(now - DAY - 1000);
        let earlier = api_all(
            &c,
            &proxy,
            &format!("event_type=USER_LOGIN&date_from={from}&date_to={to}"),
        )
        .await;
        let known: std::collections::HashSet<String> = earlier
            .iter()
            .filter_map(|e| e["source_country"].as_str().map(str::to_string))
            .collect();
        assert!(known.len() >= 3, "the demo's usual countries: {known:?}");
        let rows = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).map(r => [r.dataset.name, r.dataset.new])", tid(&testid::in_section(testid::COUNTRIES, "row")))).await;
        let rows: Vec<(String, String)> = serde_json::from_value(rows).expect("rows");
        assert!(!rows.is_empty(), "logins in the last 24 hours");
        for (name, new) in &rows {
            let expected = !known.contains(name);
            assert_eq!(new, &expected.to_string(), "{name}: known before the range: {}", !expected);
        }
    })
    .await;
}

#[tokio::test]
async fn around_this_event_lists_every_type_fifteen_minutes_either_side() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let app = stack.app_url.clone();
        let proxy = stack.proxy_url.clone();
        open_view(&c, &app, "/?event_type=ACCOUNT_SECRET_CREATE").await;
        let id = open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| t == id).await;
        click(&c, testid::AROUND).await;
        wait_rows(&c).await;
        let qs = js(&c, "return location.search.slice(1)").await;
        let qs = qs.as_str().expect("query").to_string();
        assert!(!qs.contains("event_type"), "every type: {qs}");
        let params = js(&c, "const p = new URL(location.href).searchParams; return [p.get('date_from'), p.get('date_to')]").await;
        let (from, to) = (params[0].as_str().expect("from"), params[1].as_str().expect("to"));
        let span = audit_model::time::parse_api_timestamp(to).expect("to")
            - audit_model::time::parse_api_timestamp(from).expect("from");
        assert_eq!(span, 30 * 60_000, "{from} .. {to}");
        // The list is the API's answer for that window, and holds the event itself.
        let total = api_total(&c, &proxy, &qs).await;
        wait_text(&c, testid::SHOWING, |t| t.ends_with(&format!("of {total}"))).await;
        let ids = js(&c, "return Array.from(document.querySelectorAll('tr[data-id]')).map(r => r.dataset.id)").await;
        assert!(ids.as_array().expect("ids").iter().any(|i| i == &serde_json::json!(id)), "{ids}");
    })
    .await;
}
