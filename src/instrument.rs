//! Performance marks for the benchmarks. Off unless a benchmark switches them on (the
//! `audit-viewer.instrument` key in localStorage set to `on`, read once per page load), so
//! nothing here runs for users, and nothing in the request path knows about it: a list answer's
//! arrival is read from the browser's Resource Timing, not marked by the client.
//!
//! The marks, in order for one list page: `audit:list-response` (the answer's last byte, from
//! Resource Timing), `audit:list-decoded` (the page handed to the view), `audit:list-built` (the
//! rows on screen in the DOM), `audit:frame`, `audit:laid-out`, `audit:list-rendered` (painted,
//! every row in the DOM), measured as `audit:page-switch`, then `audit:offscreen-painted`.
//! `audit:first-rows` marks the first rows painted after a page load, `audit:kept-early` a kept
//! copy taken from the read `boot.js` began before the app started.

use wasm_bindgen::JsCast;

use crate::browser::after_next_paint;

/// The localStorage key a benchmark sets to `on`.
pub const SWITCH_KEY: &str = ui_names::storage::INSTRUMENT;
/// The mark at the list answer's arrival.
pub const LIST_RESPONSE_MARK: &str = "audit:list-response";
/// The mark when the list's page is handed to the view (decoded).
pub const LIST_DECODED_MARK: &str = "audit:list-decoded";

/// Whether a benchmark switched the marks on (the switch in localStorage, read when asked).
pub fn on() -> bool {
    crate::browser::load(crate::browser::Store::Local, SWITCH_KEY).as_deref() == Some("on")
}

/// Prepares a benchmark's page once, at the app's start, when the marks are on: room for every
/// request of a long run in Resource Timing (the default keeps 250), and the app's memory on
/// `window.__audit_wasm` for the benchmark to weigh the local copy.
pub fn start() {
    if !on() {
        return;
    }
    if let Some(p) = performance() {
        p.set_resource_timing_buffer_size(100_000);
    }
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(
            &w,
            &wasm_bindgen::JsValue::from_str("__audit_wasm"),
            &wasm_bindgen::memory(),
        );
    }
}

/// Whether the page's Performance timeline already holds a mark called `name` (the marks
/// themselves are what remembers them).
fn marked(name: &str) -> bool {
    performance().is_some_and(|p| p.get_entries_by_name_with_entry_type(name, "mark").length() > 0)
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window().and_then(|w| w.performance())
}

/// Sets a Performance API mark now.
fn mark(name: &str) {
    if let Some(p) = performance() {
        let _ = p.mark(name);
    }
}

/// Sets a mark once per page load, after the next frame is painted ("navigation → first
/// rows").
pub fn mark_once(name: &'static str) {
    if !on() || marked(name) {
        return;
    }
    after_next_paint(
        || {},
        move || {
            if !marked(name) {
                mark(name)
            }
        },
    );
}

/// The list's page for `url` (its request, when it came from the API) was handed to the view:
/// marks its arrival and decoding, then measures the page switch.
pub fn list_delivered(url: Option<&str>) {
    if !on() {
        return;
    }
    let Some(p) = performance() else { return };
    // A file read offline has no request: its page arrives when it is handed over.
    let handed_over = p.now();
    mark(LIST_DECODED_MARK);
    // The request's Resource Timing entry may be queued a moment after its body was read, so
    // it is looked up once the rows are painted.
    let url = url.map(str::to_string);
    measure_page_switch(move |p| {
        let at = url
            .and_then(|url| response_end(p, &url))
            .unwrap_or(handed_over);
        mark_at(p, LIST_RESPONSE_MARK, at);
    });
}

/// Sets a mark at an earlier moment: `performance.mark(name, {startTime})` (web-sys has it only
/// among its unstable APIs).
fn mark_at(p: &web_sys::Performance, name: &str, at: f64) {
    use wasm_bindgen::JsValue;
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(
        &opts,
        &JsValue::from_str("startTime"),
        &JsValue::from_f64(at),
    );
    if let Ok(mark) = js_sys::Reflect::get(p, &JsValue::from_str("mark")) {
        if let Ok(mark) = mark.dyn_into::<js_sys::Function>() {
            let _ = mark.call2(p, &JsValue::from_str(name), &opts);
        }
    }
}

/// When the last request for `url` finished arriving, from Resource Timing. (The entry's name
/// may carry more than `url`: gloo-net ends a URL that has a query with `&`.)
fn response_end(p: &web_sys::Performance, url: &str) -> Option<f64> {
    let entries = p.get_entries_by_type("resource");
    (0..entries.length())
        .rev()
        .filter_map(|i| {
            entries
                .get(i)
                .dyn_into::<web_sys::PerformanceResourceTiming>()
                .ok()
        })
        .find(|e| e.name().starts_with(url))
        .map(|e| e.response_end())
}

/// Marks `audit:list-built` once the queued rendering tasks have run (the rows on screen are in
/// the DOM), `audit:frame` when the next frame starts, `audit:laid-out` after its style and
/// layout, and `audit:list-rendered` in the first task after that frame (its paint is done) once
/// every row of the page is in the DOM as well (rows off screen are written right after that
/// paint; see [`rows_pending`]), then measures `audit:page-switch` from the last
/// `audit:list-response`, which `arrival` sets first. The frame after that is marked
/// `audit:offscreen-painted`: by then the browser has also rendered the rows it keeps ready below
/// the fold.
fn measure_page_switch(arrival: impl FnOnce(&web_sys::Performance) + 'static) {
    leptos::task::spawn_local(async {
        mark("audit:list-built");
        after_next_paint(
            || {
                mark("audit:frame");
                // Style and layout now (the browser would do them a moment later in this
                // frame), so the benchmark can tell them from painting.
                if let Some(body) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.body())
                {
                    let _ = body.offset_height();
                }
                mark("audit:laid-out");
            },
            || {
                when_rows_written(|| {
                    if let Some(p) = performance() {
                        let _ = p.mark("audit:list-rendered");
                        arrival(&p);
                        let _ = p.measure_with_start_mark_and_end_mark(
                            "audit:page-switch",
                            LIST_RESPONSE_MARK,
                            "audit:list-rendered",
                        );
                    }
                    after_next_paint(|| {}, || mark("audit:offscreen-painted"));
                });
            },
        );
    });
}

/// The attribute the table carries while it has rows still to write.
const ROWS_PENDING: &str = "data-rows-pending";
/// The document event the table sends when it has written them.
const ROWS_WRITTEN: &str = "audit:rows-written";

/// The table `body` has rows left to write (`true`) or has written them all (`false`, which
/// tells whatever waits for that): kept on the element itself, so the state is the page's.
pub fn rows_pending(body: &web_sys::Element, pending: bool) {
    if !on() {
        return;
    }
    let _ = body.toggle_attribute_with_force(ROWS_PENDING, pending);
    if !pending {
        if let (Some(doc), Ok(ev)) = (
            web_sys::window().and_then(|w| w.document()),
            web_sys::Event::new(ROWS_WRITTEN),
        ) {
            let _ = doc.dispatch_event(&ev);
        }
    }
}

/// Runs `f` now, or when the table has written its pending rows.
fn when_rows_written(f: impl FnOnce() + 'static) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return f();
    };
    let pending = doc
        .query_selector(&format!("[{ROWS_PENDING}]"))
        .ok()
        .flatten()
        .is_some();
    if !pending {
        return f();
    }
    let once = web_sys::AddEventListenerOptions::new();
    once.set_once(true);
    let listener = wasm_bindgen::closure::Closure::once_into_js(move |_: web_sys::Event| f());
    let _ = doc.add_event_listener_with_callback_and_add_event_listener_options(
        ROWS_WRITTEN,
        listener.unchecked_ref(),
        &once,
    );
}
