//! Hostile data in every string field: nothing runs, everything is shown literally — in the
//! table, the detail view and the filters.

use std::time::Duration;

use e2e::hostile::{payloads, MARKER};
use e2e::*;

async fn assert_nothing_ran(c: &fantoccini::Client, where_: &str) {
    let v = js(c, &format!(
        "return {{ marker: window.{MARKER} === undefined, csp: (window.__csp || []).length, \
          elements: Array.from(document.querySelectorAll('#main script, #main img, #main iframe, #main svg, #main object, #main embed, #main style, #main form button[formaction]')).filter(e => !e.closest('{timeline}')).length }}",
        timeline = tid(testid::TIMELINE)
    ))
    .await;
    assert_eq!(v["marker"], true, "{where_}: a payload ran");
    assert_eq!(
        v["csp"], 0,
        "{where_}: something tried to run and was blocked by the CSP"
    );
    assert_eq!(v["elements"], 0, "{where_}: API data became markup");
}

const WATCH_CSP: &str = "document.addEventListener('securitypolicyviolation', e => { window.__csp = (window.__csp || []).concat([e.violatedDirective]); });";

#[tokio::test]
async fn payloads_in_every_field_never_run_and_show_literally() {
    let list = payloads();
    assert!(list.len() >= 50, "{} payloads", list.len());
    let dir = std::env::temp_dir().join(format!("hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("hostile.jsonl");
    std::fs::write(&file, hostile::jsonl()).expect("write");
    let stack = Stack::start(StackOptions {
        proxy_args: vec!["--demo-data".into(), file.display().to_string()],
        ..Default::default()
    })
    .await;
    let app = stack.app_url.clone();
    let n = list.len();
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        js(&c, WATCH_CSP).await;
        sign_in_demo(&c).await;
        c.goto(&format!("{app}/?size=100")).await.expect("open list");
        js(&c, WATCH_CSP).await;
        let rows = wait_rows(&c).await;
        assert_eq!(rows, n);
        assert_nothing_ran(&c, "table").await;

        // Every payload appears literally in its row, tooltips included (the rows' texts reach
        // the page in one string per batch, cut at UTF-16 offsets: payloads outside the BMP,
        // NULs and combining marks must land whole in their own node).
        let shown = js(&c, &format!("return Array.from(document.querySelectorAll('{}')).map(r => [r.dataset.id, r.querySelector('{} div').textContent, r.querySelector('{}').textContent, r.querySelector('{}').textContent, r.querySelector('{}').textContent, r.querySelector('{}').title])", tid(testid::EVENT_ROW), tid(&testid::cell("user")), tid(&testid::cell("type")), tid(&testid::cell("ip")), tid(&testid::cell("source")), tid(&testid::cell("source")))).await;
        for row in shown.as_array().expect("rows") {
            let id = row[0].as_str().expect("id");
            let i: usize = id.rsplit('-').next().expect("n").parse().expect("index");
            for col in 1..=5 {
                assert_eq!(row[col].as_str(), Some(list[i].as_str()), "row {i} column {col}");
            }
        }

        // The detail view of every event.
        for (i, p) in list.iter().enumerate() {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            c.goto(&format!("{app}/events/{id}")).await.expect("open detail");
            js(&c, WATCH_CSP).await;
            let email = wait_text(&c, testid::DETAIL_EMAIL, |t| !t.is_empty()).await;
            let exact = js(&c, &format!("return document.querySelector('{}').textContent", tid(testid::DETAIL_EMAIL))).await;
            assert_eq!(exact.as_str(), Some(p.as_str()), "detail {i}: {email:.60}");
            let tree = find(&c, testid::JSON_TREE).await.text().await.expect("tree");
            assert!(!tree.is_empty());
            assert_nothing_ran(&c, &format!("detail {i}")).await;
        }

        // The filters: hostile event types are listed as text; searching for payloads runs nothing.
        c.goto(&app).await.expect("open");
        js(&c, WATCH_CSP).await;
        wait_rows(&c).await;
        click(&c, testid::TYPE_SUMMARY).await;
        let options = wait_until(&c, "type options", || async {
            let v = js(&c, &format!("return document.querySelectorAll('[data-testid^=\"{}\"]').length", testid::type_option(""))).await;
            v.as_u64().filter(|n| *n as usize >= list.len())
        })
        .await;
        assert!(options as usize >= list.len());
        type_into(&c, testid::TYPE_SEARCH, "<script>").await;
        assert_nothing_ran(&c, "type search").await;
        click(&c, testid::TYPE_SUMMARY).await;
        for p in list.iter().take(12) {
            type_into(&c, testid::SEARCH_TEXT, &p.chars().take(200).collect::<String>()).await;
            click(&c, testid::APPLY).await;
            tokio::time::sleep(Duration::from_millis(150)).await;
            wait_idle(&c).await;
            assert_nothing_ran(&c, &format!("search {p:.40}")).await;
        }
    })
    .await;
    drop(stack);
    let _ = std::fs::remove_dir_all(dir);
}
