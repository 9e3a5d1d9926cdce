//! The README's first command as a new user meets it: `bash scripts/demo.sh` in a fresh clone,
//! opened in Chromium. `scripts/fresh-clone-check.sh` clones the project, starts the command,
//! runs this test against it (`--ignored`), and then checks that the command stops cleanly.

use e2e::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[tokio::test]
#[ignore = "needs the README's first command running; scripts/fresh-clone-check.sh starts it"]
async fn demo_command_serves_the_app_signs_in_and_reloads_on_edit() {
    let app = std::env::var("E2E_DEMO_URL").unwrap_or_else(|_| "http://127.0.0.1:8080/".into());
    let checkout = PathBuf::from(
        std::env::var("E2E_DEMO_CHECKOUT").expect("E2E_DEMO_CHECKOUT names the fresh clone"),
    );
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open the app");
        let note = find(&c, testid::PROXY_URL).await.text().await.expect("text");
        assert_eq!(note, "http://127.0.0.1:8787", "config.json points at the demo proxy");

        // A new user: nothing stored, "Try the demo", then the table.
        let stored = js(&c, "return sessionStorage.length + localStorage.length").await;
        assert_eq!(stored.as_u64(), Some(0), "a new user has nothing stored");
        sign_in_demo(&c).await;
        let showing = find(&c, testid::SHOWING).await.text().await.expect("text");
        assert!(showing.ends_with("of 5,000"), "{showing}");

        // The page has no inline script (the policy forbids it); trunk's live-reload client is a
        // file from the same origin.
        let inline = js(&c, "return document.querySelectorAll('script:not([src])').length").await;
        assert_eq!(inline.as_u64(), Some(0), "no inline script in the served page");
        let reload = js(
            &c,
            "return performance.getEntriesByType('resource').some(e => e.name.endsWith('/trunk-live-reload.js'))",
        )
        .await;
        assert_eq!(reload, serde_json::json!(true), "live-reload client loaded");

        // Live reload: an edit in the checkout rebuilds and reloads the page by itself.
        js(&c, "window.__beforeEdit = true").await;
        let css = checkout.join("style/main.css");
        let mut text = std::fs::read_to_string(&css).expect("read main.css");
        text.push_str("\n/* edited by the demo-command test */\n");
        std::fs::write(&css, text).expect("edit main.css");
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            let v = c
                .execute("return window.__beforeEdit === true", vec![])
                .await;
            if matches!(v, Ok(serde_json::Value::Bool(false))) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the page did not reload within 240 s of an edit"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Still signed in (this tab's session), the table back.
        wait_rows(&c).await;
    })
    .await;
}
