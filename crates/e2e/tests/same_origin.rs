//! The whole product from one process: `audit-proxy --demo --app dist` serves the built app and
//! the API on one origin. The proxy here grants CORS to no browser origin at all, so anything
//! that needed CORS would fail: the app works as a same-origin page.

use e2e::*;

#[tokio::test]
async fn the_proxy_serves_the_app_and_its_api_on_one_origin() {
    let stack = Stack::start(StackOptions {
        served_by_proxy: true,
        allow_origin: Some("http://no-such-origin.example".into()),
        ..Default::default()
    })
    .await;
    let app = stack.app_url.clone();
    assert_eq!(app, stack.proxy_url, "one origin");
    with_browser(move |c| async move {
        // A client route, loaded straight from the server: the page falls back to index.html.
        c.goto(&format!("{app}/security")).await.expect("open a client route");
        let note = find(&c, testid::PROXY_URL).await.text().await.expect("text");
        assert_eq!(note, app, "config.json's \"/\" is this page's origin");
        click(&c, testid::TRY_DEMO).await;
        wait_text(&c, testid::SECURITY_SUMMARY, |t| !t.is_empty()).await;

        c.goto(&format!("{app}/")).await.expect("open the list");
        assert_eq!(wait_rows(&c).await, 30);
        wait_text(&c, testid::SHOWING, |t| t.ends_with("of 5,000")).await;
        let calls = js(&c, "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/beta/audit/events'))").await;
        let calls: Vec<String> = serde_json::from_value(calls).expect("names");
        assert!(!calls.is_empty());
        assert!(
            calls.iter().all(|u| u.starts_with(&format!("{app}/beta/"))),
            "same-origin API calls: {calls:?}"
        );

        // The wasm came precompressed: fewer bytes on the wire than in memory.
        let wasm = js(&c, "const e = performance.getEntriesByType('resource').find(e => e.name.endsWith('_bg.wasm')); return e ? [e.encodedBodySize, e.decodedBodySize] : null").await;
        let (enc, dec) = (wasm[0].as_u64().unwrap_or(0), wasm[1].as_u64().unwrap_or(0));
        assert!(enc > 0 && dec > 2 * enc, "wasm sent compressed: {enc} of {dec} bytes");

        // A detail view, reloaded from the server by its address.
        let id = open_row(&c, 0).await;
        assert_eq!(wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await, id);
        c.refresh().await.expect("reload");
        assert_eq!(wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await, id);
    })
    .await;
    drop(stack);
}
