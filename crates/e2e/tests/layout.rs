//! Every screen, down to a phone: at 390 px no view's document is wider than the viewport (only a
//! table may scroll sideways, inside its own box), and the top bar's controls stay on screen.

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
                "const r = (id) => { const e = document.querySelector(`[data-testid=\"${id}\"]`); return e ? e.getBoundingClientRect().right : 0; }; \
                 return [document.documentElement.scrollWidth, innerWidth, r('theme'), r('sign-out')]",
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
                &format!("const p = document.querySelector('[data-testid=\"{menu}\"] .dropdown-panel').getBoundingClientRect(); \
                 return [document.documentElement.scrollWidth, innerWidth, p.left, p.right]"),
            )
            .await;
            let n = |i: usize| v[i].as_f64().unwrap_or(f64::NAN);
            assert!(n(0) <= n(1), "{menu} open: the page is {} px wide", n(0));
            assert!(n(2) >= 0.0 && n(3) <= n(1), "{menu}'s panel is off screen: {v}");
            click(&c, menu).await;
        }
        // Each row shows what matters without scrolling: time, type, user, IP and country.
        let right = js(&c, "const r = document.querySelector('[data-testid=\"event-row\"]'); \
            return ['time','type','user','ip','country'].map(c => r.querySelector(`[data-col=${c}]`).getBoundingClientRect().right)").await;
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
async fn type_names_are_never_broken_mid_word() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        // The longest listed type name, 27 characters.
        open_signed_in(&c, &app, "/?event_type=ACCOUNT_UPDATE_SETTINGS_API").await;
        assert!(wait_rows(&c).await > 0);
        let lines = js(&c, "return Array.from(document.querySelectorAll('[data-col=type] .type-name')).map(e => e.getClientRects().length)").await;
        let lines: Vec<u64> = serde_json::from_value(lines).expect("list");
        assert!(!lines.is_empty() && lines.iter().all(|n| *n == 1), "lines per name: {lines:?}");
    })
    .await;
    drop(stack);
}
