//! Component tests in headless Chromium (wasm-bindgen-test): components mounted alone, asserted
//! on the DOM they produce.
#![cfg(target_arch = "wasm32")]

use audit_model::{AuditEvent, EventQuery, EventsPage};
use audit_viewer::components::json_tree::JsonTree;
use audit_viewer::components::pager::Pager;
use audit_viewer::components::table::EventsTable;
use audit_viewer::session::Session;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> web_sys::HtmlElement {
    let doc = web_sys::window()
        .expect("window")
        .document()
        .expect("document");
    let div = doc.create_element("div").expect("div");
    doc.body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    div.dyn_into().expect("html element")
}

/// The IP column's texts, top to bottom.
fn ips(el: &web_sys::HtmlElement) -> Vec<String> {
    let cells = el
        .query_selector_all("[data-testid=cell-ip]")
        .expect("query");
    (0..cells.length())
        .map(|i| {
            cells
                .get(i)
                .and_then(|c| c.text_content())
                .unwrap_or_default()
        })
        .collect()
}

const HOSTILE: &str = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=1</script>";

fn hostile_event() -> AuditEvent {
    audit_model::testing::event("aaaaaaaa-bbbb-cccc-dddd-0123456789ab")
        .of_type("<b>NEW</b>")
        .user(HOSTILE)
        .user_id(7)
        .source("CD", "Customer Dashboard")
        .ip("192.0.2.1")
        .country("GB")
        .context(serde_json::json!({"<k>": HOSTILE, "nested": {"deep": [1, true, null]}}))
        .build()
}

#[wasm_bindgen_test]
async fn json_tree_renders_values_as_text_and_folds() {
    let el = container();
    let value = (*hostile_event().context.expect("context")).clone();
    let _handle = leptos::mount::mount_to(el.clone(), move || view! { <JsonTree value=value/> });
    leptos::task::tick().await;
    let text = el.text_content().unwrap_or_default();
    // Strings appear as JSON literals, escapes and all: shown, never interpreted.
    let literal = serde_json::to_string(HOSTILE).expect("json");
    assert!(text.contains(&literal), "shown literally: {text}");
    assert!(text.contains("\"<k>\""));
    assert_eq!(
        el.query_selector_all("script, img")
            .expect("query")
            .length(),
        0
    );
    assert!(
        el.query_selector_all("details").expect("query").length() >= 2,
        "objects fold"
    );
}

#[wasm_bindgen_test]
async fn table_shows_every_column_as_text() {
    let el = container();
    let rows = vec![hostile_event()];
    let _handle = leptos::mount::mount_to(el.clone(), move || {
        provide_context(Session::restore());
        provide_context(audit_viewer::prefs::Prefs::restore());
        let rows = Signal::derive(move || rows.clone());
        view! { <EventsTable rows=rows descriptions=Signal::derive(Default::default) stale=Signal::derive(|| false) on_open=Callback::new(|_: String| {})/> }
    });
    leptos::task::tick().await;
    let row = el
        .query_selector("[data-testid=event-row]")
        .expect("query")
        .expect("row");
    let text = row.text_content().unwrap_or_default();
    assert!(text.contains("<b>NEW</b>"));
    assert!(text.contains(HOSTILE));
    assert!(
        text.contains("192.0.2.1") && text.contains("GB") && text.contains("Customer Dashboard")
    );
    assert_eq!(
        el.query_selector_all("script, img, b")
            .expect("query")
            .length(),
        0
    );
    let js_marker =
        js_sys::Reflect::get(&web_sys::window().expect("w"), &"__pwned".into()).expect("get");
    assert!(js_marker.is_undefined(), "no payload ran");
    // The details cell, cut short on screen, carries the context at length as its tooltip.
    let details = row
        .query_selector("[data-testid=cell-summary]")
        .expect("query")
        .expect("cell");
    let title = details.get_attribute("title").unwrap_or_default();
    assert!(
        !title.is_empty() && title.len() >= details.text_content().unwrap_or_default().len(),
        "{title:?}"
    );
}

#[wasm_bindgen_test]
async fn pager_reflects_page_metadata() {
    let el = container();
    let page: EventsPage = serde_json::from_value(serde_json::json!({
        "_embedded": {"events": (0..30).map(|i| serde_json::json!({"id": format!("id-{i}")})).collect::<Vec<_>>()},
        "_links": {"prev": {"href": "x"}, "next": {"href": "y"}},
        "page": {"size": 30, "totalElements": 1234, "totalPages": 42, "number": 2}
    }))
    .expect("page");
    let went = RwSignal::new(None::<EventQuery>);
    let _handle = leptos::mount::mount_to(el.clone(), move || {
        let q = EventQuery {
            page: 2,
            ..Default::default()
        };
        view! { <Pager page=Signal::derive(move || Some(page.clone())) query=Signal::derive(move || q.clone()) on_go=Callback::new(move |q| went.set(Some(q)))/> }
    });
    leptos::task::tick().await;
    let showing = el
        .query_selector("[data-testid=showing]")
        .expect("q")
        .expect("el")
        .text_content()
        .unwrap_or_default();
    assert_eq!(showing, "Showing 31–60 of 1,234");
    let next: web_sys::HtmlElement = el
        .query_selector("[data-testid=next]")
        .expect("q")
        .expect("el")
        .dyn_into()
        .expect("html");
    next.click();
    leptos::task::tick().await;
    assert_eq!(went.get_untracked().map(|q| q.page), Some(3));
    let last: web_sys::HtmlElement = el
        .query_selector("[data-testid=last]")
        .expect("q")
        .expect("el")
        .dyn_into()
        .expect("html");
    last.click();
    leptos::task::tick().await;
    assert_eq!(went.get_untracked().map(|q| q.page), Some(42));
}

fn plain_event(id: &str, ip: &str) -> AuditEvent {
    audit_model::testing::event(id).ip(ip).build()
}

#[wasm_bindgen_test]
async fn a_new_page_rewrites_the_same_rows_and_a_click_opens_the_right_one() {
    let el = container();
    let rows = RwSignal::new(vec![
        plain_event("a", "192.0.2.1"),
        plain_event("b", "192.0.2.2"),
    ]);
    let opened = RwSignal::new(Vec::<String>::new());
    let highlight = RwSignal::new(std::collections::HashSet::<String>::new());
    let _handle = leptos::mount::mount_to(el.clone(), move || {
        provide_context(Session::restore());
        provide_context(audit_viewer::prefs::Prefs::restore());
        view! { <EventsTable rows=rows descriptions=Signal::derive(Default::default) stale=Signal::derive(|| false)
        on_open=Callback::new(move |id: String| opened.update(|o| o.push(id))) highlight=highlight/> }
    });
    leptos::task::tick().await;
    let trs = |el: &web_sys::HtmlElement| {
        el.query_selector_all("[data-testid=event-row]")
            .expect("query")
    };
    assert_eq!(ips(&el), ["192.0.2.1", "192.0.2.2"]);
    let first = trs(&el).get(0).expect("first row");

    // The next page: the same row elements show the new events, one more is added.
    rows.set(vec![
        plain_event("c", "198.51.100.3"),
        plain_event("d", "198.51.100.4"),
        plain_event("e", "198.51.100.5"),
    ]);
    highlight.set(["d".to_string()].into());
    leptos::task::tick().await;
    assert_eq!(ips(&el), ["198.51.100.3", "198.51.100.4", "198.51.100.5"]);
    let now = trs(&el);
    assert!(
        now.get(0).expect("row").is_same_node(Some(&first)),
        "row reused"
    );
    let second: web_sys::HtmlElement = now.get(1).expect("row").dyn_into().expect("html");
    assert_eq!(second.get_attribute("data-id").as_deref(), Some("d"));
    assert!(second.class_list().contains("new"), "highlighted");
    assert!(!first
        .dyn_ref::<web_sys::Element>()
        .expect("el")
        .class_list()
        .contains("new"));

    // A click on a cell opens its row's event; a shorter page drops the extra rows.
    let cell: web_sys::HtmlElement = second
        .query_selector("[data-testid=cell-ip]")
        .expect("query")
        .expect("cell")
        .dyn_into()
        .expect("html");
    cell.click();
    assert_eq!(opened.get_untracked(), ["d"]);
    rows.set(vec![plain_event("f", "203.0.113.6")]);
    leptos::task::tick().await;
    assert_eq!(ips(&el), ["203.0.113.6"]);
}

#[wasm_bindgen_test]
async fn a_click_on_a_value_filters_by_it_alt_excludes_and_the_keys_reach_it() {
    let el = container();
    let rows = RwSignal::new(vec![
        audit_model::testing::event("a")
            .user("ann@example.com")
            .ip("2001:db8::7")
            .build(),
        plain_event("b", "192.0.2.2"),
    ]);
    let opened = RwSignal::new(Vec::<String>::new());
    let filtered = RwSignal::new(Vec::<(String, String, bool)>::new());
    let _handle = leptos::mount::mount_to(el.clone(), move || {
        provide_context(Session::restore());
        provide_context(audit_viewer::prefs::Prefs::restore());
        view! { <EventsTable rows=rows descriptions=Signal::derive(Default::default) stale=Signal::derive(|| false)
        on_open=Callback::new(move |id: String| opened.update(|o| o.push(id)))
        on_filter=Callback::new(move |f: (String, String, bool)| filtered.update(|v| v.push(f)))/> }
    });
    leptos::task::tick().await;
    let find = |sel: &str| -> web_sys::HtmlElement {
        el.query_selector(sel)
            .expect("query")
            .unwrap_or_else(|| panic!("{sel}"))
            .dyn_into()
            .expect("html")
    };
    let fire = js_sys::Function::new_with_args(
        "el, type, init",
        "el.dispatchEvent(type === 'click' ? new MouseEvent(type, init) : new KeyboardEvent(type, init))",
    );
    let send = |target: &web_sys::HtmlElement, kind: &str, init: &str| {
        let init = js_sys::JSON::parse(init).expect("init");
        fire.call3(&JsValue::NULL, target, &kind.into(), &init)
            .expect("dispatch");
    };
    let ip = find("tr[data-id=a] [data-testid=cell-ip] button");
    ip.click();
    send(&ip, "click", r#"{"bubbles": true, "altKey": true}"#);
    let user = find("tr[data-id=a] [data-testid=cell-user] button");
    user.click();
    assert_eq!(
        filtered.get_untracked(),
        [
            ("ip".to_string(), "2001:db8::7".to_string(), false),
            ("ip".to_string(), "2001:db8::7".to_string(), true),
            ("user".to_string(), "ann@example.com".to_string(), false),
        ]
    );
    assert!(
        opened.get_untracked().is_empty(),
        "a value's click does not open the row"
    );
    // Anywhere else in the row opens it.
    find("tr[data-id=b] [data-testid=cell-time]").click();
    assert_eq!(opened.get_untracked(), ["b"]);

    // The keyboard: from the row, → reaches its values in order (empty ones skipped), ← goes
    // back, "-" on a value excludes it.
    let row = find("tr[data-id=a]");
    row.focus().expect("focus");
    let active = || {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .and_then(|a| a.text_content())
            .unwrap_or_default()
    };
    send(&row, "keydown", r#"{"bubbles": true, "key": "ArrowRight"}"#);
    let first = active();
    assert_eq!(first, "USER_LOGIN", "the type is the first value");
    let focused = |_: ()| -> web_sys::HtmlElement {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .expect("focus")
            .dyn_into()
            .expect("html")
    };
    send(
        &focused(()),
        "keydown",
        r#"{"bubbles": true, "key": "ArrowRight"}"#,
    );
    assert_eq!(active(), "ann@example.com");
    send(&focused(()), "keydown", r#"{"bubbles": true, "key": "-"}"#);
    assert_eq!(
        filtered.get_untracked().last(),
        Some(&("user".to_string(), "ann@example.com".to_string(), true))
    );
    send(
        &focused(()),
        "keydown",
        r#"{"bubbles": true, "key": "ArrowLeft"}"#,
    );
    send(
        &focused(()),
        "keydown",
        r#"{"bubbles": true, "key": "ArrowLeft"}"#,
    );
    assert!(
        focused(()).is_same_node(Some(&row)),
        "back on the row itself"
    );
}

#[wasm_bindgen_test]
async fn rows_off_screen_are_written_after_the_next_paint_and_the_table_is_busy_until_then() {
    let el = container();
    // Far below the viewport.
    el.set_attribute("style", "margin-top: 300vh")
        .expect("style");
    let rows = RwSignal::new(vec![
        plain_event("a", "192.0.2.1"),
        plain_event("b", "192.0.2.2"),
    ]);
    let _handle = leptos::mount::mount_to(el.clone(), move || {
        provide_context(Session::restore());
        provide_context(audit_viewer::prefs::Prefs::restore());
        view! { <EventsTable rows=rows descriptions=Signal::derive(Default::default) stale=Signal::derive(|| false)
        on_open=Callback::new(|_: String| {})/> }
    });
    leptos::task::tick().await;
    let busy = || {
        el.query_selector(".table-wrap")
            .expect("query")
            .expect("table wrap")
            .get_attribute("aria-busy")
            .unwrap_or_default()
    };
    assert_eq!(ips(&el), ["192.0.2.1", "192.0.2.2"]);
    assert_eq!(busy(), "false");

    // A page of the same length: no row is on screen, so none is written before the frame.
    rows.set(vec![
        plain_event("c", "198.51.100.3"),
        plain_event("d", "198.51.100.4"),
    ]);
    leptos::task::tick().await;
    assert_eq!(ips(&el), ["192.0.2.1", "192.0.2.2"]);
    assert_eq!(busy(), "true");
    audit_viewer::browser::sleep_ms(200).await;
    assert_eq!(ips(&el), ["198.51.100.3", "198.51.100.4"]);
    assert_eq!(busy(), "false");

    // On screen, the next page's rows are written at once.
    el.scroll_into_view();
    rows.set(vec![
        plain_event("e", "203.0.113.5"),
        plain_event("f", "203.0.113.6"),
    ]);
    leptos::task::tick().await;
    assert_eq!(ips(&el), ["203.0.113.5", "203.0.113.6"]);
    assert_eq!(busy(), "false");
}

#[wasm_bindgen_test]
fn proxy_urls_are_checked_by_the_browsers_parser() {
    use audit_viewer::session::parse_api_base;
    assert_eq!(
        parse_api_base(" http://127.0.0.1:8787/ "),
        Ok("http://127.0.0.1:8787".to_string())
    );
    assert_eq!(
        parse_api_base("https://audit.example.com/proxy/"),
        Ok("https://audit.example.com/proxy".to_string())
    );
    assert_eq!(
        parse_api_base("HTTP://[::1]:8787"),
        Ok("http://[::1]:8787".to_string())
    );
    let err = |s: &str| parse_api_base(s).expect_err(s).0;
    assert!(err("127.0.0.1:8787").contains("has no scheme: write http://127.0.0.1:8787"));
    assert!(err("localhost:8787").contains("has no scheme"));
    assert!(err("ftp://x").contains("must start with http:// or https://, not ftp:"));
    assert!(err("javascript:alert(1)").contains("not javascript:"));
    assert!(err("").contains("Enter the proxy's URL"));
    assert!(err("http://user:pw@host").contains("Leave credentials out"));
    assert!(err("http://host/?x=1").contains("no ? or # part"));
}

#[wasm_bindgen_test]
fn a_path_in_config_json_means_this_pages_origin() {
    use audit_viewer::session::resolve_config_base;
    let origin = web_sys::window()
        .expect("window")
        .location()
        .origin()
        .expect("origin");
    assert_eq!(resolve_config_base("/"), origin);
    assert_eq!(resolve_config_base(" /api/ "), format!("{origin}/api"));
    assert_eq!(
        resolve_config_base("http://127.0.0.1:8787/"),
        "http://127.0.0.1:8787"
    );
}

/// A fetch for `load` that answers `ms` milliseconds later with its input, unless its signal
/// aborts first; it records each run's signal.
fn slow_echo(
    signals: std::rc::Rc<std::cell::RefCell<Vec<(u32, web_sys::AbortSignal)>>>,
) -> impl Fn(
    u32,
    web_sys::AbortSignal,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<u32, audit_viewer::api::ApiError>>>,
> {
    move |ms, signal| {
        signals.borrow_mut().push((ms, signal.clone()));
        Box::pin(async move {
            audit_viewer::browser::sleep_ms(ms).await;
            if signal.aborted() {
                Err(audit_viewer::api::ApiError::Aborted)
            } else {
                Ok(ms)
            }
        })
    }
}

/// What a mounted loader over [`slow_echo`] saw: each run's input and signal, and the answers
/// delivered.
struct Loader {
    signals: std::rc::Rc<std::cell::RefCell<Vec<(u32, web_sys::AbortSignal)>>>,
    delivered: std::rc::Rc<std::cell::RefCell<Vec<u32>>>,
    loading: audit_viewer::load::Loading,
    mount: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

/// Mounts a view whose only content is a `load` of `input` through [`slow_echo`].
async fn mount_loader(input: RwSignal<u32>) -> Loader {
    use std::cell::RefCell;
    use std::rc::Rc;
    let signals = Rc::new(RefCell::new(Vec::new()));
    let delivered = Rc::new(RefCell::new(Vec::<u32>::new()));
    let handle = Rc::new(RefCell::new(None));
    let (s, d, h) = (signals.clone(), delivered.clone(), handle.clone());
    let mount = leptos::mount::mount_to(container(), move || {
        let d = d.clone();
        let loading = audit_viewer::load::load(
            move || Some(input.get()),
            slow_echo(s.clone()),
            || {},
            move |r| d.borrow_mut().push(r.expect("answer")),
        );
        *h.borrow_mut() = Some(loading);
        view! { <p>"loader"</p> }.into_any()
    });
    leptos::task::tick().await;
    let loading = handle.borrow().expect("the loader ran");
    Loader {
        signals,
        delivered,
        loading,
        mount,
    }
}

#[wasm_bindgen_test]
async fn a_newer_question_always_wins_and_leaving_aborts() {
    let input = RwSignal::new(300u32);
    let Loader {
        signals,
        delivered,
        mount: handle,
        ..
    } = mount_loader(input).await;
    // A slow question, replaced at once by a fast one: only the fast answer arrives, and the
    // slow one's requests were aborted.
    input.set(20);
    leptos::task::tick().await;
    audit_viewer::browser::sleep_ms(450).await;
    assert_eq!(*delivered.borrow(), vec![20], "the late answer is dropped");
    assert!(
        signals.borrow()[0].1.aborted(),
        "the replaced run was aborted"
    );
    assert!(!signals.borrow()[1].1.aborted());

    // Leaving while a question is pending aborts it; nothing is delivered afterwards.
    input.set(200);
    leptos::task::tick().await;
    drop(handle);
    audit_viewer::browser::sleep_ms(300).await;
    assert_eq!(*delivered.borrow(), vec![20], "nothing after leaving");
    assert!(
        signals.borrow()[2].1.aborted(),
        "leaving aborted the pending run"
    );
}

#[wasm_bindgen_test]
async fn abort_stops_the_run_in_progress_and_nothing_is_delivered() {
    let input = RwSignal::new(200u32);
    let Loader {
        signals,
        delivered,
        loading,
        mount,
    } = mount_loader(input).await;
    // Cancel, as an export's Cancel does: the run's signal aborts and its answer never lands.
    loading.abort();
    audit_viewer::browser::sleep_ms(300).await;
    assert!(signals.borrow()[0].1.aborted(), "the run was aborted");
    assert!(
        delivered.borrow().is_empty(),
        "nothing delivered after abort"
    );
    // The next question runs as usual.
    input.set(10);
    leptos::task::tick().await;
    audit_viewer::browser::sleep_ms(100).await;
    assert_eq!(*delivered.borrow(), vec![10]);
    drop(mount);
}

#[wasm_bindgen_test]
fn any_iana_zone_has_its_offset_at_each_moment() {
    use audit_viewer::browser::zone_offset_minutes;
    let at = |s: &str| audit_model::time::parse_api_timestamp(s).expect("time");
    // Daylight saving time moves New York's offset; Kolkata has none; half and quarter hours.
    assert_eq!(
        zone_offset_minutes("America/New_York", at("2026-01-15T12:00:00Z")),
        Some(-300)
    );
    assert_eq!(
        zone_offset_minutes("America/New_York", at("2026-07-01T12:00:00Z")),
        Some(-240)
    );
    assert_eq!(
        zone_offset_minutes("Asia/Kolkata", at("2026-07-01T12:00:00Z")),
        Some(330)
    );
    assert_eq!(
        zone_offset_minutes("Asia/Kathmandu", at("2026-07-01T12:00:00Z")),
        Some(345)
    );
    assert_eq!(
        zone_offset_minutes("UTC", at("2026-07-01T12:00:00Z")),
        Some(0)
    );
    // Just before and after the 2026 spring change in New York (07:00 UTC on 8 March).
    assert_eq!(
        zone_offset_minutes("America/New_York", at("2026-03-08T06:59:59Z")),
        Some(-300)
    );
    assert_eq!(
        zone_offset_minutes("America/New_York", at("2026-03-08T07:00:00Z")),
        Some(-240)
    );
    // A zone the browser does not know is said, not guessed (and does not throw).
    assert_eq!(
        zone_offset_minutes("Mars/Olympus_Mons", at("2026-07-01T12:00:00Z")),
        None
    );
    let zones = audit_viewer::browser::time_zones();
    // Chromium lists ICU's canonical names (Asia/Calcutta rather than Asia/Kolkata); both work.
    assert!(zones.len() > 300, "{}", zones.len());
    assert!(zones.iter().any(|z| z == "America/New_York"));
    assert!(zones
        .iter()
        .any(|z| z == "Asia/Kolkata" || z == "Asia/Calcutta"));
}

/// A client of account `key` at a proxy that is not there (nothing listens on port 9): every
/// request fails at once, as an unreachable proxy does.
fn unreachable_client_of(key: &str) -> audit_viewer::api::Client {
    audit_viewer::api::Client::new(
        "http://127.0.0.1:9".into(),
        audit_viewer::api::Credentials {
            key: key.into(),
            secret: "s".into(),
        },
    )
}

fn unreachable_client() -> audit_viewer::api::Client {
    unreachable_client_of("k")
}

fn last_week() -> EventQuery {
    let now = js_sys::Date::now() as i64;
    EventQuery {
        date_from: Some(audit_model::time::format_api(now - 7 * 86_400_000)),
        date_to: Some(audit_model::time::format_api(now)),
        ..Default::default()
    }
}

#[wasm_bindgen_test]
async fn the_local_copy_says_a_failed_read_ends_its_waits_and_does_not_read_it_again() {
    use audit_viewer::workspace::{LocalCopy, Status};
    // Mounting starts the executor the copy's reads run on.
    let _mounted = leptos::mount::mount_to(container(), || view! { <p>"copy"</p> }.into_any());
    let owner = Owner::new();
    let copy = owner.with(|| LocalCopy::new(false));
    let (client, q) = (unreachable_client(), last_week());
    copy.ensure(client.clone(), &q);
    assert_eq!(
        copy.status.get_untracked(),
        Status::Reading { held: 0, total: 0 }
    );
    // A view waiting for the copy is let go when the read ends, whatever its end.
    copy.settled(&client, &q).await;
    match copy.status.get_untracked() {
        Status::Failed(why) => assert!(why.contains("127.0.0.1:9"), "{why}"),
        other => panic!("the read failed, and says so: {other:?}"),
    }
    assert!(!copy.covers(&client, &q));
    assert!(copy.answer(&client, &q).is_none(), "nothing to answer from");
    // The same range is not read again until asked ("Try again").
    copy.ensure(client.clone(), &q);
    assert!(matches!(copy.status.get_untracked(), Status::Failed(_)));
    copy.retry(client.clone(), &q);
    assert_eq!(
        copy.status.get_untracked(),
        Status::Reading { held: 0, total: 0 }
    );
    copy.settled(&client, &q).await;
    assert!(matches!(copy.status.get_untracked(), Status::Failed(_)));
}

#[wasm_bindgen_test]
async fn clearing_the_local_copy_aborts_its_read_and_lets_every_wait_go() {
    use audit_viewer::workspace::{LocalCopy, Status};
    // Mounting starts the executor the copy's reads run on.
    let _mounted = leptos::mount::mount_to(container(), || view! { <p>"copy"</p> }.into_any());
    let owner = Owner::new();
    let copy = owner.with(|| LocalCopy::new(false));
    let (client, q) = (unreachable_client(), last_week());
    copy.ensure(client.clone(), &q);
    let waits = futures_util::future::join(copy.settled(&client, &q), copy.settled(&client, &q));
    // Signed out while the read runs: both waits end, and the aborted read's failure, arriving
    // after, changes nothing.
    copy.clear();
    waits.await;
    assert_eq!(copy.status.get_untracked(), Status::Idle);
    audit_viewer::browser::sleep_ms(100).await;
    assert_eq!(copy.status.get_untracked(), Status::Idle, "no late answer");
    // Another account's copy is not this one's.
    let other = unreachable_client_of("other");
    copy.ensure(client.clone(), &q);
    copy.settled(&other, &q).await;
    assert_eq!(
        copy.status.get_untracked(),
        Status::Reading { held: 0, total: 0 },
        "its wait did not wait for another account's read"
    );
    copy.settled(&client, &q).await;
    assert!(matches!(copy.status.get_untracked(), Status::Failed(_)));
}

#[wasm_bindgen_test]
async fn a_screens_load_says_loading_then_its_error_and_retry_asks_again() {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    let asked = Rc::new(Cell::new(0u32));
    let arrived = Rc::new(RefCell::new(Vec::<u32>::new()));
    let handle = Rc::new(RefCell::new(None));
    let (a, got, h) = (asked.clone(), arrived.clone(), handle.clone());
    let mount = leptos::mount::mount_to(container(), move || {
        let (a, got) = (a.clone(), got.clone());
        let loaded = audit_viewer::load::load_screen(
            || Some(()),
            move |(), _signal| {
                let n = a.get() + 1;
                a.set(n);
                async move {
                    audit_viewer::browser::sleep_ms(50).await;
                    if n == 1 {
                        Err(audit_viewer::api::ApiError::Malformed("not JSON".into()))
                    } else {
                        Ok(n)
                    }
                }
            },
            None,
            move |v: &u32| got.borrow_mut().push(*v),
        );
        *h.borrow_mut() = Some(loaded);
        view! { <p>"screen"</p> }.into_any()
    });
    leptos::task::tick().await;
    let loaded = handle.borrow().expect("the loader ran");
    assert!(loaded.loading.get_untracked(), "a run is under way");
    audit_viewer::browser::sleep_ms(120).await;
    assert!(!loaded.loading.get_untracked());
    assert!(
        loaded.error.get_untracked().is_some(),
        "the first run failed"
    );
    assert_eq!(loaded.value.get_untracked(), None);
    // Retry: the error goes while the same question is asked again, and the answer lands.
    loaded.retry();
    leptos::task::tick().await;
    assert!(loaded.loading.get_untracked() && loaded.error.get_untracked().is_none());
    audit_viewer::browser::sleep_ms(120).await;
    assert_eq!(loaded.value.get_untracked(), Some(2));
    assert_eq!(*arrived.borrow(), vec![2], "told once, of the answer");
    assert_eq!(asked.get(), 2);
    drop(mount);
}

#[wasm_bindgen_test]
async fn a_handlers_work_ends_with_its_view() {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    let finished = Rc::new(Cell::new(false));
    let signal = Rc::new(RefCell::new(None::<web_sys::AbortSignal>));
    let (f, s) = (finished.clone(), signal.clone());
    let mount = leptos::mount::mount_to(container(), move || {
        let (f, s) = (f.clone(), s.clone());
        // What a click handler does, run here under the view's owner.
        audit_viewer::load::spawn_for_view(move |abort| {
            *s.borrow_mut() = Some(abort);
            async move {
                audit_viewer::browser::sleep_ms(200).await;
                f.set(true);
            }
        });
        view! { <p>"view"</p> }.into_any()
    });
    audit_viewer::browser::sleep_ms(50).await;
    drop(mount);
    let signal = signal.borrow().clone().expect("the work started");
    assert!(
        signal.aborted(),
        "leaving the view aborts the work's requests"
    );
    audit_viewer::browser::sleep_ms(300).await;
    assert!(
        !finished.get(),
        "nothing of the work runs after its view went"
    );
}
