//! Every screen, down to a phone: at 390 px no view's document is wider than the viewport (only a
//! table may scroll sideways, inside its own box), and the top bar's controls stay on screen; and
//! on paper, the views print legibly in either theme, without their controls.

use e2e::*;

#[tokio::test]
async fn at_phone_width_nothing_but_a_table_scrolls_sideways() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.set_window_size(390, 844).await.expect("size");
        c.goto(&app).await.expect("open");
        let mut views = vec![("sign-in".to_string(), String::new())];
        for (name, path) in [
            ("list", "/?event_type=USER_LOGIN"),
            ("security", "/security"),
            ("settings", "/settings"),
            ("past the last page", "/?page=9999"),
            ("invalid address", "/?size=500"),
            ("not an event id", "/events/not-a-uuid"),
        ] {
            views.push((name.to_string(), path.to_string()));
        }
        for (i, (name, path)) in views.iter().enumerate() {
            if i == 1 {
                sign_in_demo(&c).await;
            }
            if i > 0 {
                c.goto(&format!("{app}{path}")).await.expect("open");
                find(&c, testid::ACCOUNT).await;
                tokio::time::sleep(std::time::Duration::from_millis(800)).await;
            }
            let v = js(
                &c,
                &format!(
                    "const r = (sel) => {{ const e = document.querySelector(sel); return e ? e.getBoundingClientRect().right : 0; }}; \
                     return [document.documentElement.scrollWidth, innerWidth, r('{}'), r('{}')]",
                    tid(testid::THEME),
                    tid(testid::SIGN_OUT)
                ),
            )
            .await;
            let (doc, vw) = (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0));
            assert!(doc <= vw, "{name}: the page is {doc} px wide in a {vw} px viewport");
            assert!(v[2].as_f64().unwrap_or(0.0) <= vw, "{name}: Theme is off screen");
            assert!(v[3].as_f64().unwrap_or(0.0) <= vw, "{name}: Sign out is off screen");
        }
        // A detail view, opened from the list.
        c.goto(&app).await.expect("open");
        wait_rows(&c).await;
        // The list's menus, open, stay on screen too (the views menu once reached past it).
        for menu in [testid::VIEWS, testid::COLUMNS] {
            click(&c, menu).await;
            let v = js(
                &c,
                &format!("const p = document.querySelector('{} .dropdown-panel').getBoundingClientRect(); \
                 return [document.documentElement.scrollWidth, innerWidth, p.left, p.right]", tid(menu)),
            )
            .await;
            let n = |i: usize| v[i].as_f64().unwrap_or(f64::NAN);
            assert!(n(0) <= n(1), "{menu} open: the page is {} px wide", n(0));
            assert!(n(2) >= 0.0 && n(3) <= n(1), "{menu}'s panel is off screen: {v}");
            click(&c, menu).await;
            // Closed before the next menu is clicked (an open panel covers what is below it).
            let open = format!("return document.querySelector('{}').open", tid(menu));
            wait_until(&c, "the menu closed", || async {
                (js(&c, &open).await == serde_json::Value::Bool(false)).then_some(())
            })
            .await;
        }
        // Each row shows what matters without scrolling: time, type, user, IP and country.
        let right = js(&c, &format!("const r = document.querySelector('{}'); \
            return ['time','type','user','ip','country'].map(c => r.querySelector(`[data-col=${{c}}]`).getBoundingClientRect().right)", tid(testid::EVENT_ROW))).await;
        for (col, r) in ["time", "type", "user", "ip", "country"].iter().zip(right.as_array().expect("list")) {
            assert!(r.as_f64().unwrap_or(f64::MAX) <= 390.0, "{col} ends at {r} px");
        }
        open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        let v = js(&c, "return [document.documentElement.scrollWidth, innerWidth]").await;
        assert!(v[0].as_f64() <= v[1].as_f64(), "detail: {v}");
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn type_and_source_names_are_never_broken() {
    signed_in(StackOptions::default(), move |c, stack| async move {
        let app = stack.app_url.clone();
        // The longest listed type name, 27 characters.
        open_view(&c, &app, "/?event_type=ACCOUNT_UPDATE_SETTINGS_API").await;
        assert!(wait_rows(&c).await > 0);
        let lines = js(&c, "return Array.from(document.querySelectorAll('[data-col=type] .type-name')).map(e => e.getClientRects().length)").await;
        let lines: Vec<u64> = serde_json::from_value(lines).expect("list");
        assert!(!lines.is_empty() && lines.iter().all(|n| *n == 1), "lines per name: {lines:?}");
        // Nor is the usual source's name, "Customer Dashboard", wrapped on a wide screen.
        open_view(&c, &app, "/?event_type=USER_LOGIN").await;
        assert!(wait_rows(&c).await > 0);
        let lines = js(&c, "return Array.from(document.querySelectorAll('[data-col=source] button')).map(e => { const r = document.createRange(); r.selectNodeContents(e); return [e.textContent, r.getClientRects().length]; })").await;
        let lines: Vec<(String, u64)> = serde_json::from_value(lines).expect("list");
        assert!(lines.iter().any(|(name, _)| name == "Customer Dashboard"), "{lines:?}");
        assert!(lines.iter().all(|(_, n)| *n == 1), "lines per source: {lines:?}");
    })
    .await;
}

#[tokio::test]
async fn on_paper_the_dark_theme_prints_dark_on_white_with_what_the_list_is_and_no_controls() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.set_window_size(800, 1000).await.expect("size");
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        find(&c, testid::THEME).await.select_by_value("dark").await.expect("theme");
        c.goto(&format!("{app}/?event_type=USER_LOGIN&search_text=acme"))
            .await
            .expect("open");
        wait_rows(&c).await;
        // What an element looks like: whether it is rendered at all (its own or an ancestor's
        // display: none), its text colour, and for a row its content-visibility.
        let look = |c: fantoccini::Client, selector: String| async move {
            let v = js(
                &c,
                &format!(
                    "const e = document.querySelector('{selector}'); const s = getComputedStyle(e); \
                     return [e.checkVisibility() ? 'shown' : 'none', s.color, s.contentVisibility]"
                ),
            )
            .await;
            let s = |i: usize| v[i].as_str().unwrap_or_default().to_string();
            (s(0), s(1), s(2))
        };
        let statement = tid(testid::PRINT_STATEMENT);
        let filters = tid(testid::FILTERS);
        // On screen: the dark theme's light text, the filters, no statement.
        assert_eq!(look(c.clone(), "body".into()).await.1, "rgb(230, 233, 238)");
        assert_ne!(look(c.clone(), filters.clone()).await.0, "none");
        assert_eq!(look(c.clone(), statement.clone()).await.0, "none");

        cdp(&c, "Emulation.setEmulatedMedia", serde_json::json!({ "media": "print" })).await;
        // Dark text whatever the theme: paper is white and backgrounds are not printed.
        assert_eq!(look(c.clone(), "body".into()).await.1, "rgb(27, 31, 36)");
        // No controls: the filters, the navigation's links, sign-out, the toolbars, the pager's
        // buttons, export.
        for hidden in [
            filters.clone(),
            "nav[aria-label=Main] a".into(),
            tid(testid::SIGN_OUT),
            tid(testid::NEXT),
            tid(testid::EXPORT_CONTROL),
            tid(testid::LIVE_CONTROL),
        ] {
            let (display, _, _) = look(c.clone(), hidden.clone()).await;
            assert_eq!(display, "none", "{hidden} is not printed");
        }
        // Instead, what the rows are; and every row is rendered, not only those on screen.
        assert_ne!(look(c.clone(), statement.clone()).await.0, "none");
        let text = find(&c, testid::PRINT_STATEMENT).await.text().await.expect("text");
        for part in ["Events from", "account demo", "Event types", "USER_LOGIN", "Text search", "acme", "Printed"] {
            assert!(text.contains(part), "the statement says {part:?}: {text}");
        }
        let showing = find(&c, testid::SHOWING).await.text().await.expect("text");
        assert!(showing.starts_with("Showing 1–30 of"), "{showing}");
        let last_row = format!("{}:last-child", tid(testid::EVENT_ROW));
        assert_eq!(look(c.clone(), last_row).await.2, "visible");
        let width = js(&c, "return [document.documentElement.scrollWidth, innerWidth]").await;
        assert!(width[0].as_f64() <= width[1].as_f64(), "the rows fit the page's width: {width}");
        // Each row prints as two lines, time, type, user and source above the address, the
        // country and the details, and every column starts where its header does, with no
        // cell's text running into the next.
        let cells = js(
            &c,
            &format!(
                "const row = document.querySelector('{}'); \
                 return ['time', 'type', 'user', 'source', 'ip', 'country', 'details'].map(k => {{ \
                   const h = document.querySelector('.event-list th.col-' + k).getBoundingClientRect(); \
                   const td = row.querySelector('[data-col=' + k + ']'); const d = td.getBoundingClientRect(); \
                   return [k, Math.round(h.left), Math.round(d.left), Math.round(d.top), td.scrollWidth - td.clientWidth]; }})",
                tid(testid::EVENT_ROW)
            ),
        )
        .await;
        let cells = cells.as_array().expect("cells");
        let top = |i: usize| cells[i][3].as_i64().unwrap_or_default();
        for cell in cells {
            assert_eq!(cell[1], cell[2], "the column lines up with its header: {cell}");
            assert!(cell[4].as_i64().unwrap_or(1) <= 0, "the cell's text stays inside it: {cell}");
        }
        assert!((0..4).all(|i| top(i) == top(0)) && (4..7).all(|i| top(i) == top(4)), "{cells:?}");
        assert!(top(4) > top(0), "the address, country and details on a second line: {cells:?}");

        // An event prints without the way back to the list.
        open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        let back = tid(testid::BACK);
        assert_eq!(look(c.clone(), back).await.0, "none");
        assert_eq!(look(c.clone(), "body".into()).await.1, "rgb(27, 31, 36)");
        // It says where it comes from, which event it is, the request and when it was printed.
        let id = find(&c, testid::DETAIL_ID).await.text().await.expect("id");
        let text = find(&c, testid::PRINT_STATEMENT).await.text().await.expect("text");
        let request = format!("GET /beta/audit/events/{id}");
        for part in ["Event from", "account demo", &id, &request, "Printed"] {
            assert!(text.contains(part), "the event's statement says {part:?}: {text}");
        }

        // The security overview says its range, source and time too.
        cdp(&c, "Emulation.setEmulatedMedia", serde_json::json!({ "media": "" })).await;
        click_link(&c, "Security overview").await;
        cdp(&c, "Emulation.setEmulatedMedia", serde_json::json!({ "media": "print" })).await;
        let text = wait_until(&c, "the overview's statement", || async {
            let t = js(&c, &format!("return document.querySelector('{statement}')?.innerText ?? ''")).await;
            let t = t.as_str().unwrap_or_default().to_string();
            t.contains("From").then_some(t)
        })
        .await;
        assert!(text.contains("USER_LOGIN, ACCOUNT_SECRET_CREATE") && text.contains("Printed"), "{text}");
        // Its range prints as the chosen words, not as a menu with an arrow and a border.
        let range = js(
            &c,
            &format!(
                "const s = getComputedStyle(document.querySelector('{}')); \
                 return [s.appearance, s.borderTopStyle]",
                tid(testid::SECURITY_RANGE)
            ),
        )
        .await;
        assert_eq!(range, serde_json::json!(["none", "none"]), "the range on paper");
    })
    .await;
    drop(stack);
}
