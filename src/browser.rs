//! Browser helpers: the clock and local offset, timers, storage, the base path, focus, the
//! page title, and dropdown behaviour.

use wasm_bindgen::JsCast;

/// Milliseconds since the epoch, from the browser clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// The browser's UTC offset at a moment, in minutes east of UTC (DST-aware).
pub fn local_offset_minutes(at_ms: i64) -> i32 {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms as f64));
    -(d.get_timezone_offset() as i32)
}

/// The wall clock of one IANA zone, from the browser's `Intl` (DST-aware): one formatter made
/// once and asked for each moment.
#[derive(Clone, Debug)]
pub struct ZoneClock(js_sys::Intl::DateTimeFormat);

impl ZoneClock {
    /// The clock of `zone`; `None` when the browser does not know the zone (the formatter is
    /// constructed through Reflect, which turns its RangeError into `Err`).
    pub fn of(zone: &str) -> Option<ZoneClock> {
        use wasm_bindgen::JsValue;
        let opts = js_sys::Object::new();
        for (k, v) in [
            ("timeZone", zone),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ] {
            js_sys::Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v)).ok()?;
        }
        let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
        let ctor: js_sys::Function =
            js_sys::Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
                .ok()?
                .dyn_into()
                .ok()?;
        let args = js_sys::Array::of2(&js_sys::Array::of1(&JsValue::from_str("en-US")), &opts);
        js_sys::Reflect::construct(&ctor, &args)
            .ok()?
            .dyn_into()
            .ok()
            .map(ZoneClock)
    }

    /// The zone's offset at a moment, in minutes east of UTC.
    pub fn offset_minutes(&self, at_ms: i64) -> Option<i32> {
        let at = at_ms - at_ms.rem_euclid(1000);
        let parts = self
            .0
            .format_to_parts(&js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
                at as f64,
            )));
        let mut fields = [0i64; 6];
        for part in parts.iter() {
            let get = |k: &str| {
                js_sys::Reflect::get(&part, &wasm_bindgen::JsValue::from_str(k))
                    .ok()
                    .and_then(|v| v.as_string())
            };
            let slot = match get("type")?.as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            fields[slot] = get("value")?.parse().ok()?;
        }
        let [y, mo, d, h, mi, s] = fields;
        let wall = js_sys::Date::utc(y as f64, (mo - 1) as f64) as i64
            + (d - 1) * 86_400_000
            + h * 3_600_000
            + mi * 60_000
            + s * 1000;
        Some(((wall - at) / 60_000) as i32)
    }
}

/// The offset of an IANA zone at a moment, in minutes east of UTC (DST-aware, from the
/// browser's `Intl`); `None` for a zone the browser does not know.
pub fn zone_offset_minutes(zone: &str, at_ms: i64) -> Option<i32> {
    ZoneClock::of(zone)?.offset_minutes(at_ms)
}

/// The IANA zones the browser knows (empty where `Intl.supportedValuesOf` is missing).
pub fn time_zones() -> Vec<String> {
    use wasm_bindgen::JsValue;
    let Some(f) = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl"))
        .ok()
        .and_then(|intl| js_sys::Reflect::get(&intl, &JsValue::from_str("supportedValuesOf")).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return Vec::new();
    };
    f.call1(&JsValue::NULL, &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|v| v.dyn_into::<js_sys::Array>().ok())
        .map(|a| a.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default()
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Which store a value lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// This tab only; gone when it closes.
    Session,
    /// This browser, until removed.
    Local,
}

fn storage(which: Store) -> Option<web_sys::Storage> {
    let w = web_sys::window()?;
    match which {
        Store::Session => w.session_storage().ok().flatten(),
        Store::Local => w.local_storage().ok().flatten(),
    }
}

/// Reads a stored string.
pub fn load(which: Store, key: &str) -> Option<String> {
    storage(which)?.get_item(key).ok().flatten()
}

/// Stores a string (silently skipped when storage is unavailable, e.g. private mode quotas).
pub fn save(which: Store, key: &str, value: &str) {
    if let Some(s) = storage(which) {
        let _ = s.set_item(key, value);
    }
}

/// Removes a stored string.
pub fn remove(which: Store, key: &str) {
    if let Some(s) = storage(which) {
        let _ = s.remove_item(key);
    }
}

/// Copies text to the clipboard.
pub async fn copy_text(text: &str) -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    let promise = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// A path of this app ("/settings", "/?type=…", "/events/…") as a link's href: under the base
/// path the app is served from. The router's `<A>` uses an href that starts with "/" as it is
/// (leptos_router 0.8), while its `navigate` puts the base first; without this, a link under
/// `--public-url /sub/` led out of the app.
pub fn app_href(path: &str) -> String {
    format!("{}{path}", base_path())
}

/// The path part of the document's base URL without a trailing slash: "" at the root, or
/// "/sub" when the app is served under a sub-path (trunk's `--public-url` writes `<base href>`).
pub fn base_path() -> String {
    let href = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    let path = web_sys::Url::new(&href)
        .map(|u| u.pathname())
        .unwrap_or_default();
    path.trim_end_matches('/').to_string()
}

/// Runs `at_frame` when the next frame starts and `painted` in the first task after that frame,
/// when its style, layout and paint are done.
pub fn after_next_paint(at_frame: impl FnOnce() + 'static, painted: impl FnOnce() + 'static) {
    leptos::prelude::request_animation_frame(move || {
        at_frame();
        leptos::prelude::set_timeout(painted, std::time::Duration::ZERO);
    });
}

/// Returns once the next frame is painted, after the tasks queued for that moment
/// ([`after_next_paint`]'s, such as the list's mark that its rows are on screen). What counts
/// over every held event (the facets, the timeline) waits for it, so that a question's rows are
/// painted first.
pub async fn painted() {
    let (done, wait) = futures_channel::oneshot::channel();
    after_next_paint(
        || {},
        move || {
            leptos::prelude::set_timeout(
                move || {
                    let _ = done.send(());
                },
                std::time::Duration::ZERO,
            )
        },
    );
    let _ = wait.await;
}

/// Focuses an element by id, if present.
pub fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The app's name, the end of every page title.
pub const APP_TITLE: &str = "Audit Events Viewer";

/// Names the view in the tab's title (`What — Audit Events Viewer`), so tabs, history and screen
/// readers tell views apart; an empty `what` leaves the app's name alone.
pub fn set_title(what: &str) {
    if let Some(d) = web_sys::window().and_then(|w| w.document()) {
        if what.is_empty() {
            d.set_title(APP_TITLE);
        } else {
            d.set_title(&format!("{what} — {APP_TITLE}"));
        }
    }
}

/// Dropdowns (`<details class="dropdown">`) behave like menus: a click outside an open one closes
/// it, and Esc inside one closes it and puts the focus back on its summary, which opened it.
/// Installed once, for the whole app.
pub fn install_dropdown_behaviour() {
    let close_outside = leptos::prelude::window_event_listener(leptos::ev::click, |e| {
        let target = e.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        // A control the click itself replaced (Rename becoming a name field) is gone from the
        // page by now: the click was inside, not outside.
        if target.as_ref().is_some_and(|t| !t.is_connected()) {
            return;
        }
        for d in open_dropdowns() {
            if !target.as_ref().is_some_and(|t| d.contains(Some(t))) {
                d.set_open(false);
            }
        }
    });
    let esc = leptos::prelude::window_event_listener(leptos::ev::keydown, |e| {
        if e.key() != "Escape" {
            return;
        }
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .map(web_sys::Node::from);
        for d in open_dropdowns() {
            if active.as_ref().is_some_and(|a| d.contains(Some(a))) {
                d.set_open(false);
                if let Some(summary) = d
                    .query_selector("summary")
                    .ok()
                    .flatten()
                    .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = summary.focus();
                }
                // Handled here: the detail view's Esc (back to the list) must not fire too.
                e.stop_immediate_propagation();
            }
        }
    });
    // For the app's lifetime.
    std::mem::forget((close_outside, esc));
}

fn open_dropdowns() -> Vec<web_sys::HtmlDetailsElement> {
    let Some(list) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector_all("details.dropdown[open]").ok())
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlDetailsElement>().ok())
        .collect()
}

/// Marks what `marks` asks for in the text under `root`, as the highlight `name` of the CSS
/// Custom Highlight API (`::highlight(name)` in the style sheet). No element is added or
/// changed: the text stays exactly as the API sent it. Nothing happens where the browser lacks
/// the API; empty marks clear the highlight.
pub fn highlight(name: &str, root: &web_sys::Node, marks: &audit_model::marks::Marks) {
    use js_sys::{Array, Function, Reflect};
    let Some(window) = web_sys::window() else {
        return;
    };
    let registry = Reflect::get(&window, &"CSS".into())
        .and_then(|css| Reflect::get(&css, &"highlights".into()))
        .ok()
        .filter(|r| !r.is_undefined());
    let Some(registry) = registry else {
        return;
    };
    let call = |method: &str, args: &Array| {
        if let Ok(f) =
            Reflect::get(&registry, &method.into()).and_then(|f| f.dyn_into::<Function>())
        {
            let _ = Reflect::apply(&f, &registry, args);
        }
    };
    if marks.is_empty() {
        call("delete", &Array::of1(&name.into()));
        return;
    }
    let Some(doc) = window.document() else {
        return;
    };
    let ranges = Array::new();
    let mut stack = vec![root.clone()];
    while let Some(node) = stack.pop() {
        if node.node_type() == web_sys::Node::TEXT_NODE {
            let text = node.text_content().unwrap_or_default();
            for (start, end) in audit_model::marks::spans(&text, marks) {
                if let Ok(range) = doc.create_range() {
                    if range.set_start(&node, start).is_ok() && range.set_end(&node, end).is_ok() {
                        ranges.push(&range);
                    }
                }
            }
            continue;
        }
        let children = node.child_nodes();
        for i in (0..children.length()).rev() {
            if let Some(child) = children.get(i) {
                stack.push(child);
            }
        }
    }
    let Ok(ctor) =
        Reflect::get(&window, &"Highlight".into()).and_then(|c| c.dyn_into::<Function>())
    else {
        return;
    };
    if let Ok(h) = Reflect::construct(&ctor, &ranges) {
        call("set", &Array::of2(&name.into(), &h));
    }
}

/// What was typed into index.html's sign-in form before the app started (see `boot.js`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BootSignIn {
    /// The API key typed.
    pub key: String,
    /// The API secret typed.
    pub secret: String,
    /// *Remember on this device*.
    pub remember: bool,
    /// *Keep a local copy*.
    pub keep: bool,
    /// Sent already (Enter, *Sign in* or *Try the demo*): sign in at once.
    pub submitted: bool,
    /// The field that had the focus (the app's id for it) and its selection.
    pub focus: Option<(&'static str, u32, u32)>,
}

/// The state of index.html's sign-in form, while the page still shows it (the app's first
/// sign-in view takes it over); `None` once the app's own views replaced it, or when the page
/// showed the intro instead.
pub fn boot_sign_in() -> Option<BootSignIn> {
    let document = web_sys::window()?.document()?;
    let section = document.get_element_by_id("boot-signin")?;
    if section.has_attribute("hidden") {
        return None;
    }
    let input = |id: &str| {
        document
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    };
    let value = |id: &str| input(id).map(|i| i.value()).unwrap_or_default();
    let checked = |id: &str| input(id).is_some_and(|i| i.checked());
    let focus = document.active_element().and_then(|active| {
        let to = match active.id().as_str() {
            "boot-key" => "api-key",
            "boot-secret" => "api-secret",
            _ => return None,
        };
        let field = active.dyn_into::<web_sys::HtmlInputElement>().ok()?;
        let start = field.selection_start().ok().flatten().unwrap_or(0);
        let end = field.selection_end().ok().flatten().unwrap_or(start);
        Some((to, start, end))
    });
    Some(BootSignIn {
        key: value("boot-key"),
        secret: value("boot-secret"),
        remember: checked("boot-remember"),
        keep: checked("boot-keep"),
        submitted: document
            .get_element_by_id("boot-form")
            .is_some_and(|f| f.has_attribute("data-submitted")),
        focus,
    })
}

/// Removes index.html's first paint once the app shows its own views.
pub fn remove_boot() {
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
}

/// Focuses the input `id` and selects `start..end` in it.
pub fn focus_at(id: &str, start: u32, end: u32) {
    if let Some(field) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        let _ = field.focus();
        let _ = field.set_selection_range(start, end);
    }
}
