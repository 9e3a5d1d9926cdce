//! Screenshots of the list, the detail view, the facets beside a list narrowed by a qualifier,
//! and an update's "What changed", taken by the headless browser. They land in
//! `target/screenshots/`; with `UPDATE_SCREENSHOTS=1` they replace the guides' pictures in `docs/screenshots/`.

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
            js(&c, &format!("const f = document.querySelector('{}'); return f && f.getAttribute('aria-busy') === 'false' ? true : null", tid(testid::TIMELINE))).await.as_bool()
        })
        .await;
        let list = c.screenshot().await.expect("screenshot");
        open_row(&c, 0).await;
        wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
        let detail = c.screenshot().await.expect("screenshot");

        // The facets stand beside the table on a wide screen.
        c.set_window_size(1700, 1000).await.expect("size");
        c.goto(&format!("{app}/?event_type=USER_LOGIN&where=country%3AUS"))
            .await
            .expect("open");
        local_copy(&c, |s| s == "ready").await;
        wait_rows(&c).await;
        wait_until(&c, "facets counted", || async {
            (!find_all(&c, testid::FACET_INCLUDE).await.is_empty()).then_some(())
        })
        .await;
        let facets = c.screenshot().await.expect("screenshot");

        // An application update: what it changed, before and after.
        c.set_window_size(1400, 900).await.expect("size");
        c.goto(&format!("{app}/?where=type%3AAPP_UPDATE"))
            .await
            .expect("open");
        wait_rows(&c).await;
        open_row(&c, 0).await;
        find(&c, testid::DETAIL_CHANGES).await;
        let diff = c.screenshot().await.expect("screenshot");
        let update = std::env::var_os("UPDATE_SCREENSHOTS").is_some();
        let dir = if update {
            root().join("docs/screenshots")
        } else {
            root().join("target/screenshots")
        };
        std::fs::create_dir_all(&dir).expect("dir");
        for (name, png) in [
            ("list.png", list),
            ("detail.png", detail),
            ("facets.png", facets),
            ("changes.png", diff),
        ] {
            assert!(png.len() > 10_000, "{name} is a real picture");
            assert_eq!(&png[1..4], b"PNG");
            std::fs::write(dir.join(name), png).expect("write");
        }
    })
    .await;
    drop(stack);
}
