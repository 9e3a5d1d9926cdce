//! Screenshots of the list and the detail view, taken by the headless browser. They land in
//! `target/screenshots/`; with `UPDATE_SCREENSHOTS=1` they replace the README's in `docs/`.

use e2e::*;

#[tokio::test]
async fn list_and_detail_screenshots() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    with_browser(move |c| async move {
        c.set_window_size(1400, 900).await.expect("size");
        c.goto(&app).await.expect("open");
        sign_in_demo(&c).await;
        click(&c, testid::ZONE_UTC).await;
        find(&c, testid::PRESET)
            .await
            .select_by_value("7d")
            .await
            .expect("preset");
        click(&c, testid::APPLY).await;
        wait_until(&c, "filtered", || async {
            location(&c).await.contains("date_from").then_some(())
        })
        .await;
        wait_rows(&c).await;
        wait_until(&c, "timeline drawn", || async {
            js(&c, "const f = document.querySelector('[data-testid=\"timeline\"]'); return f && f.getAttribute('aria-busy') === 'false' ? true : null").await.as_bool()
        })
        .await;
        let list = c.screenshot().await.expect("screenshot");
        find_all(&c, testid::EVENT_ROW).await[0]
            .click()
            .await
            .expect("open");
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        let detail = c.screenshot().await.expect("screenshot");
        let update = std::env::var_os("UPDATE_SCREENSHOTS").is_some();
        let dir = if update {
            root().join("docs/screenshots")
        } else {
            root().join("target/screenshots")
        };
        std::fs::create_dir_all(&dir).expect("dir");
        for (name, png) in [("list.png", list), ("detail.png", detail)] {
            assert!(png.len() > 10_000, "{name} is a real picture");
            assert_eq!(&png[1..4], b"PNG");
            std::fs::write(dir.join(name), png).expect("write");
        }
    })
    .await;
    drop(stack);
}
