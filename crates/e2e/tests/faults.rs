//! Faults injected by the demo proxy (`--fault …`): the app says what happened, keeps the
//! user's filters and place, retries 429/503 as promised, and recovers when the fault clears;
//! and a proxy that is gone altogether.

use std::time::Instant;

use e2e::*;

const MATCH: &str = "198.51.100.77";
/// Only the list request for that search: the timeline's and the type filter's count requests
/// (size=1) for the same filters must not use up the fault's budget.
const LIST_QUERY: &str = "search_text=198.51.100.77&page=1&size=30";

fn faulty(kind: &str, count: u32) -> StackOptions {
    StackOptions {
        proxy_args: [
            "--fault",
            kind,
            "--fault-count",
            &count.to_string(),
            "--fault-match",
            LIST_QUERY,
        ]
        .map(String::from)
        .to_vec(),
        // The list must ask the API for these faults to reach it: no local copy (its own
        // faults are tests/workspace.rs's).
        local_max_events: Some(0),
        ..Default::default()
    }
}

async fn search_for_burst(c: &fantoccini::Client) {
    type_into(c, testid::SEARCH_TEXT, MATCH).await;
    click(c, testid::APPLY).await;
}

#[tokio::test]
async fn rate_limits_are_retried_honouring_retry_after() {
    signed_in(faulty("429", 2), move |c, _stack| async move {
        let start = Instant::now();
        search_for_burst(&c).await;
        wait_text(&c, testid::SHOWING, |t| t == "Showing 1–14 of 14").await;
        let took = start.elapsed();
        assert!(
            took.as_millis() >= 1900,
            "two waits of Retry-After: 1 s each, took {took:?}"
        );
        assert!(
            find_all(&c, testid::ERROR_BANNER).await.is_empty(),
            "retried silently"
        );
    })
    .await;
}

#[tokio::test]
async fn each_fault_is_explained_the_view_kept_and_retry_recovers() {
    // (fault, failures before it clears, what the message must say)
    let cases = [
        ("429", 4, "rate-limiting"),
        ("503", 4, "could not get an answer"),
        ("500", 1, "HTTP 500"),
        ("403", 1, "may not read audit events"),
        ("malformed", 1, "not an Audit API response"),
        ("truncated", 1, "not an Audit API response"),
        ("drop", 1, "connection to the proxy"),
    ];
    for (kind, count, expected) in cases {
        signed_in(faulty(kind, count), move |c, _stack| async move {
            click(&c, testid::NEXT).await;
            wait_text(&c, testid::SHOWING, |t| t == "Showing 31–60 of 5,000").await;
            search_for_burst(&c).await;
            let msg = wait_text(&c, testid::ERROR_MESSAGE, |t| !t.is_empty()).await;
            assert!(msg.contains(expected), "{kind}: {msg}");
            assert_eq!(
                find(&c, testid::SEARCH_TEXT)
                    .await
                    .prop("value")
                    .await
                    .expect("prop")
                    .as_deref(),
                Some(MATCH),
                "{kind}: the filter is kept"
            );
            assert!(
                location(&c).await.contains("search_text=198.51.100.77"),
                "{kind}: the URL is kept"
            );
            assert!(
                !find_all(&c, testid::EVENT_ROW).await.is_empty(),
                "{kind}: the previous rows stay"
            );
            click(&c, testid::RETRY).await;
            wait_text(&c, testid::SHOWING, |t| t == "Showing 1–14 of 14").await;
            assert!(
                find_all(&c, testid::ERROR_BANNER).await.is_empty(),
                "{kind}: recovered"
            );
        })
        .await;
    }
}

#[tokio::test]
async fn a_proxy_gone_is_explained_and_the_view_kept() {
    // Without a local copy, every view needs the proxy (with one, see tests/workspace.rs).
    let opts = StackOptions {
        local_max_events: Some(0),
        ..Default::default()
    };
    signed_in(opts, move |c, stack| async move {
        type_into(&c, testid::SEARCH_TEXT, "USER_LOGIN").await;
        click(&c, testid::APPLY).await;
        wait_text(&c, testid::SHOWING, |t| !t.ends_with("of 5,000")).await;
        stack.stop_proxy().await;
        click(&c, testid::NEXT).await;
        let msg = wait_text(&c, testid::ERROR_MESSAGE, |t| !t.is_empty()).await;
        assert!(
            msg.contains("Could not reach the proxy") && msg.contains(&stack.proxy_url),
            "{msg}"
        );
        assert_eq!(
            input_value(&c, testid::SEARCH_TEXT).await,
            "USER_LOGIN",
            "filters kept"
        );
        assert!(
            !find_all(&c, testid::EVENT_ROW).await.is_empty(),
            "rows kept"
        );
        // … but not passed off as the answer.
        let note = find(&c, testid::ROWS_STALE).await.text().await.expect("t");
        assert!(note.contains("last ones that loaded"), "{note}");
        find(&c, testid::RETRY).await;
    })
    .await;
}
