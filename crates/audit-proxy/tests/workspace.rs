//! The app's local workspace against the API: a range is read through the demo's HTTP handlers
//! page by page (in a scrambled order, as concurrent requests finish), then many queries —
//! types, dates, search text, sizes, pages — are answered both by the local copy and by the API,
//! and every page must be the same: totals, page numbers, and the events themselves, in order.

mod common;

use audit_model::workspace::{Range, Reading, Workspace};
use audit_model::{EventQuery, EventsPage};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use tower::ServiceExt;

async fn api(router: &axum::Router, q: &EventQuery) -> (StatusCode, serde_json::Value) {
    let req = Request::builder()
        .uri(format!("/beta/audit/events?{}", q.to_query_string()))
        .header("origin", ORIGIN)
        .header("authorization", DEMO_AUTH)
        .body(Body::empty())
        .expect("request");
    let resp = router.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    (status, body_json(resp).await)
}

async fn page(router: &axum::Router, q: &EventQuery) -> EventsPage {
    let (status, body) = api(router, q).await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", q.to_query_string());
    serde_json::from_value(body).expect("a page")
}

/// Reads `range` as the app does, the pages after the first arriving in a scrambled order.
async fn read(router: &axum::Router, range: Range) -> Workspace {
    let first = page(router, &range.read_query(1)).await;
    let mut reading = Reading::start(range.clone(), &first, 50_000).expect("within the bound");
    let mut order: Vec<u32> = (2..=reading.pages()).collect();
    // A fixed shuffle: odd pages backwards, then even pages.
    order.sort_by_key(|p| (p % 2 == 0, std::cmp::Reverse(*p)));
    for p in order {
        let events = page(router, &range.read_query(p)).await;
        reading.add(p, events.events());
    }
    reading.finish().expect("complete")
}

fn q(qs: &str) -> EventQuery {
    EventQuery::parse(qs).expect("parses").0
}

/// Compares the local answer with the API's for `qs`; returns the total, so callers can check
/// the query was not trivially empty.
async fn same(router: &axum::Router, w: &Workspace, qs: &str) -> u64 {
    let query = q(qs);
    let (status, body) = api(router, &query).await;
    let local = w
        .answer(&query, "http://local")
        .unwrap_or_else(|| panic!("{qs}: not covered"));
    match local {
        Err(e) => {
            // The API refuses it too, with a client error.
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{qs}: local refused ({e}), API {body}"
            );
            0
        }
        Ok(local) => {
            assert_eq!(status, StatusCode::OK, "{qs}: API {body}");
            let remote: EventsPage = serde_json::from_value(body).expect("page");
            assert_eq!(local.info(), remote.info(), "{qs}: paging");
            let ids = |p: &EventsPage| p.events().iter().map(|e| e.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&local), ids(&remote), "{qs}: event order");
            assert!(local.events() == remote.events(), "{qs}: event contents");
            for rel in ["first", "prev", "next", "last"] {
                let has = |p: &EventsPage| {
                    serde_json::to_value(&p.links).expect("links")[rel].is_object()
                };
                assert_eq!(has(&local), has(&remote), "{qs}: link {rel}");
            }
            remote.info().total_elements
        }
    }
}

#[tokio::test]
async fn the_local_copy_answers_every_query_as_the_api_does() {
    let router = demo_router(&[]);
    let w = read(&router, Range::of(&q("")).expect("range")).await;
    assert_eq!(w.store().len(), 2000);
    let user = w.store().events()[0].user_email.clone().unwrap_or_default();
    let ip = w
        .store()
        .events()
        .iter()
        .find_map(|e| e.source_ip.clone())
        .expect("an event with an IP");
    let queries = audit_model::testing::consistency_queries(&user, &ip);
    assert_eq!(queries.len(), 369);
    let mut nonempty = 0;
    for qs in &queries {
        if same(&router, &w, qs).await > 0 {
            nonempty += 1;
        }
    }
    // Most of the matrix finds events: the comparison is not one of empty pages.
    assert!(
        nonempty * 2 > queries.len(),
        "{nonempty} of {}",
        queries.len()
    );
}

#[tokio::test]
async fn a_copy_of_a_bounded_range_answers_inside_it_and_only_there() {
    let router = demo_router(&[]);
    let range = Range::of(&q("date_from=2025-12-01&date_to=2025-12-15T12:00:00")).expect("range");
    let w = read(&router, range).await;
    let expected = page(
        &router,
        &q("date_from=2025-12-01&date_to=2025-12-15T12:00:00&size=1"),
    )
    .await
    .info()
    .total_elements;
    assert_eq!(w.store().len() as u64, expected);
    for qs in [
        "date_from=2025-12-01&date_to=2025-12-15T12:00:00&event_type=USER_LOGIN&size=100",
        "date_from=2025-12-03&date_to=2025-12-04&search_text=US",
        "date_from=2025-12-10T08:00:00Z&date_to=2025-12-10T20:00:00Z&size=3&page=2",
    ] {
        assert!(same(&router, &w, qs).await > 0, "{qs}");
    }
    for outside in [
        "",
        "date_from=2025-11-30&date_to=2025-12-02",
        "date_from=2025-12-02",
    ] {
        assert!(w.answer(&q(outside), "http://local").is_none(), "{outside}");
    }
    assert!(
        w.since(1).is_none(),
        "a range with an end takes no new events"
    );
}
