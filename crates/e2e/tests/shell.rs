//! The foundation's proof: the app, served on one origin, lists the event types and the first
//! page of events fetched cross-origin through `audit-proxy --demo` in headless Chromium.

use e2e::*;

#[tokio::test]
async fn shell_lists_event_types_and_events_cross_origin() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    let proxy = stack.proxy_url.clone();
    assert_ne!(app, proxy, "different origins");
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open app");
        let note = find(&c, testid::PROXY_URL).await.text().await.expect("text");
        assert_eq!(note, proxy, "config.json pointed the app at the proxy");
        // index.html's first paint (for the seconds the code takes on a slow network) is gone
        // once the app runs, and was never in the way of its controls.
        let boot = js(&c, "return document.getElementById('boot')").await;
        assert!(boot.is_null(), "the boot screen was removed: {boot}");
        sign_in_demo(&c).await;

        // The event-types call (a real OPTIONS after the browser's own preflight) filled the filter.
        click(&c, testid::TYPE_SUMMARY).await;
        let options = wait_until(&c, "event types listed", || async {
            let n = find_all(&c, testid::TYPE_OPTIONS).await;
            let opts = js(&c, &format!("return document.querySelectorAll('[data-testid^=\"{}\"]').length", testid::type_option(""))).await;
            (!n.is_empty() && opts.as_u64() >= Some(29)).then_some(opts)
        })
        .await;
        assert_eq!(options.as_u64(), Some(audit_model::catalog::EVENT_TYPES.len() as u64));
        let text = find(&c, testid::TYPE_OPTIONS).await.text().await.expect("text");
        assert!(text.contains("USER_LOGIN") && text.contains("User login into Customer dashboard"));

        // And the first page of events.
        let rows = wait_rows(&c).await;
        assert_eq!(rows, 30);
        let showing = find(&c, testid::SHOWING).await.text().await.expect("text");
        assert_eq!(showing, "Showing 1–30 of 5,000");
        let entries = js(&c, "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/beta/audit/events'))").await;
        let entries: Vec<String> = serde_json::from_value(entries).expect("names");
        assert!(entries.iter().all(|e| e.starts_with(&proxy)), "API calls went to the proxy: {entries:?}");
        assert!(entries.iter().all(|e| !e.contains("demo")), "no credentials in any URL");

        // The main navigation shows where you are: the router marks the link of the page in view,
        // and the style draws it as bold text, unlike the others.
        let nav = "return [...document.querySelectorAll('nav[aria-label=Main] a')].map(a => \
            [a.textContent, a.getAttribute('aria-current'), getComputedStyle(a).fontWeight])";
        let links = js(&c, nav).await;
        assert_eq!(links[0][0], "Events");
        assert_eq!(links[0][1], "page", "Events is current on the list: {links}");
        assert!(links[1][1].is_null() && links[2][1].is_null(), "only one current link: {links}");
        assert_eq!(links[0][2], "600", "the current link is bold: {links}");
        assert_eq!(links[1][2], "400", "the others are not: {links}");
        c.find(fantoccini::Locator::LinkText("Security overview")).await.expect("link").click().await.expect("click");
        let links = wait_until(&c, "Security overview current", || async {
            let l = js(&c, nav).await;
            (l[1][1] == "page").then_some(l)
        })
        .await;
        assert!(links[0][1].is_null(), "Events is no longer current: {links}");
        assert_eq!(links[1][2], "600");
    })
    .await;
    drop(stack);
}
