//! Real data at the edges: ids that are not UUIDs (holding `/`, `?`, `#`), event types the
//! definition does not list, missing optional fields, offsets and fractions in `created_at`, and
//! IPv6 addresses in compressed and expanded spellings — opened offline from a file, and served
//! by the demo proxy from `--demo-data`. Each is shown plainly, sorts where it belongs, and every
//! link to it opens it.

use e2e::*;
use serde_json::{json, Value};

/// The edge events. `odd_id` is the first event's id: any text in a file, a UUID through the
/// proxy (which relays only UUIDs, as the real API's ids are).
fn events(odd_id: &str) -> Vec<Value> {
    vec![
        json!({"id": odd_id, "event_type": "USER_LOGIN", "created_at": "2026-11-20T10:30:00+02:00",
               "user_email": "ann@example.com", "source": "CD", "source_ip": "2001:db8::ff:1",
               "source_country": "GB", "context": {"login_method": "password"}}),
        json!({"id": "00000000-0000-4000-8000-000000000002", "event_type": "BRAND_NEW_TYPE",
               "created_at": "2026-11-20T09:00:00.123456Z", "user_email": "bob@example.com",
               "source_ip": "2001:db8:0:0:0:0:1:0", "context": {"what": "not in the definition"}}),
        json!({"id": "00000000-0000-4000-8000-000000000003", "event_type": "APP_CREATE",
               "created_at": "2026-11-20T07:45:00-01:00"}),
        json!({"id": "00000000-0000-4000-8000-000000000004", "event_type": "USER_LOGOUT",
               "created_at": "2026-11-20T08:00:00Z", "user_email": "cy@example.com",
               "source_ip": "198.51.100.7"}),
    ]
}

fn write_jsonl(name: &str, events: &[Value]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("edges-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("edges.jsonl");
    let text: String = events.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(&path, text).expect("write");
    path
}

/// Row ids in table order.
async fn row_ids(c: &fantoccini::Client) -> Vec<String> {
    wait_idle(c).await;
    let v = js(
        c,
        &format!(
            "return Array.from(document.querySelectorAll('{}')).map(r => r.dataset.id)",
            tid(testid::EVENT_ROW)
        ),
    )
    .await;
    serde_json::from_value(v).expect("ids")
}

/// Sorts by a column ascending (one click; a second would reverse it).
async fn sort_ascending(c: &fantoccini::Client, key: &str) {
    click(c, &format!("sort-{key}")).await;
    wait_until(c, "sorted ascending", || async {
        let v = js(
            c,
            &format!("return document.querySelector('th.col-{key}').getAttribute('aria-sort')"),
        )
        .await;
        (v.as_str() == Some("ascending")).then_some(())
    })
    .await;
}

/// Sorts by IP and checks the order by value: the IPv4 event, then 2001:db8::1:0 (expanded)
/// before 2001:db8::ff:1 (compressed, the event `odd`), then the event without an IP.
async fn assert_ip_order(c: &fantoccini::Client, odd: &str) {
    sort_ascending(c, "ip").await;
    let ids = row_ids(c).await;
    assert_eq!(
        &ids[..3],
        [
            "00000000-0000-4000-8000-000000000004",
            "00000000-0000-4000-8000-000000000002",
            odd
        ]
    );
}

/// Opens the row with `id` by clicking it and checks the detail view shows that event.
async fn open_and_check(c: &fantoccini::Client, id: &str, ty: &str) {
    let sel = format!(
        "{}[data-id=\"{}\"]",
        tid(testid::EVENT_ROW),
        id.replace('\\', "\\\\").replace('"', "\\\"")
    );
    wait_until(c, "the row", || async {
        c.find(fantoccini::Locator::Css(&sel)).await.ok()
    })
    .await
    .click()
    .await
    .expect("click row");
    let shown = wait_text(c, testid::DETAIL_ID, |t| !t.is_empty()).await;
    assert_eq!(shown, id, "the detail view found the event");
    let heading = find(c, testid::DETAIL_TYPE)
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(heading, ty);
}

const ODD_ID: &str = "evt/1?x#y";

#[tokio::test]
async fn opened_file_with_edge_events_links_sorts_and_shows_them() {
    let stack = Stack::start(StackOptions::default()).await;
    let app = stack.app_url.clone();
    let file = write_jsonl("offline", &events(ODD_ID));
    with_browser(move |c| async move {
        c.goto(&app).await.expect("open");
        open_offline(&c, &file).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–4 of 4").await;

        // Newest first by the instant, not by the text: 08:30Z, 08:45Z (07:45-01:00), 08:00Z...
        let ids = row_ids(&c).await;
        assert_eq!(
            ids,
            [
                "00000000-0000-4000-8000-000000000002", // 09:00:00.123456Z
                "00000000-0000-4000-8000-000000000003", // 08:45Z
                ODD_ID,                                 // 08:30Z
                "00000000-0000-4000-8000-000000000004", // 08:00Z
            ]
        );

        // IPs by value: IPv4, then 2001:db8::1:0 before 2001:db8::ff:1, then none.
        assert_ip_order(&c, ODD_ID).await;

        // A type the definition does not list, and an event with only the required fields,
        // shown plainly.
        let types = column(&c, &testid::cell("type")).await;
        assert!(types.iter().any(|t| t == "BRAND_NEW_TYPE"), "{types:?}");

        // The id with '/', '?' and '#' is one path segment, and the detail view finds it.
        open_and_check(&c, ODD_ID, "USER_LOGIN").await;
        let path = location(&c).await;
        assert!(
            path.starts_with("/events/evt%2F1%3Fx%23y"),
            "encoded in the URL: {path}"
        );
        let time = find(&c, testid::DETAIL_TIME)
            .await
            .text()
            .await
            .expect("text");
        assert!(time.starts_with("2026-11-20 08:30:00"), "{time}");
        let title = js(&c, "return document.title").await;
        assert_eq!(
            title,
            "USER_LOGIN at 2026-11-20 08:30:00 — Audit Events Viewer"
        );
        click(&c, testid::BACK).await;
        wait_rows(&c).await;

        open_and_check(&c, "00000000-0000-4000-8000-000000000003", "APP_CREATE").await;
        let email = find(&c, testid::DETAIL_EMAIL)
            .await
            .text()
            .await
            .expect("text");
        assert!(
            email.is_empty() || email == "—",
            "a missing email shows as nothing: {email:?}"
        );

        // An id the file does not hold is said as such: no request was made, so no "HTTP 404".
        js(
            &c,
            "history.pushState(null, '', '/events/not-in-this-file'); \
             dispatchEvent(new PopStateEvent('popstate'));",
        )
        .await;
        let msg = wait_text(&c, testid::ERROR_MESSAGE, |t| !t.is_empty()).await;
        assert!(
            msg.contains("holds no event with the id “not-in-this-file”") && !msg.contains("404"),
            "{msg}"
        );
    })
    .await;
    drop(stack);
}

#[tokio::test]
async fn demo_data_with_edge_events_links_sorts_and_reloads() {
    let odd = "00000000-0000-4000-8000-000000000001";
    let file = write_jsonl("demo-data", &events(odd));
    signed_in(
        StackOptions {
            proxy_args: vec!["--demo-data".into(), file.display().to_string()],
            ..Default::default()
        },
        move |c, _stack| async move {
            wait_text(&c, testid::SHOWING, |t| t == "Showing 1–4 of 4").await;
            assert_ip_order(&c, odd).await;
            open_and_check(&c, "00000000-0000-4000-8000-000000000002", "BRAND_NEW_TYPE").await;
            // The link works on its own too: a reload finds the event again.
            c.refresh().await.expect("reload");
            let shown = wait_text(&c, testid::DETAIL_ID, |t| !t.is_empty()).await;
            assert_eq!(shown, "00000000-0000-4000-8000-000000000002");
            let time = find(&c, testid::DETAIL_TIME)
                .await
                .text()
                .await
                .expect("text");
            assert!(time.starts_with("2026-11-20 09:00:00"), "{time}");
        },
    )
    .await;
}
