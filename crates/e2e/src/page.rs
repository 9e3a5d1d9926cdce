//! What a test does in a page, as a person would: find by test id (the names the app shares
//! through `ui-names`), wait, click, type, read; plus the page's own script, CDP for what
//! WebDriver cannot do, and the API asked directly from the page to cross-check what is shown.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use ui_names::{storage, testid};

/// How long a wait for the page may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// Opens a file offline through the sign-in page's file picker.
pub async fn open_offline(c: &Client, path: &std::path::Path) {
    find(c, testid::OPEN_FILE)
        .await
        .send_keys(&path.display().to_string())
        .await
        .expect("choose a file");
}

/// `[data-testid="…"]`.
pub fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

/// Waits for an element by test id.
pub async fn find(c: &Client, id: &str) -> Element {
    let sel = tid(id);
    wait_until(c, &format!("element {id}"), || async {
        c.find(Locator::Css(&sel)).await.ok()
    })
    .await
}

/// All elements with a test id (possibly none).
pub async fn find_all(c: &Client, id: &str) -> Vec<Element> {
    c.find_all(Locator::Css(&tid(id))).await.unwrap_or_default()
}

/// Polls `probe` until it returns `Some`, or fails the test after [`WAIT`].
pub async fn wait_until<T, F, Fut>(_c: &Client, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element's text satisfies `pred`, and returns it.
pub async fn wait_text(c: &Client, id: &str, pred: impl Fn(&str) -> bool) -> String {
    let sel = tid(id);
    let mut last = String::new();
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(el) = c.find(Locator::Css(&sel)).await {
            if let Ok(t) = el.text().await {
                if pred(&t) {
                    return t;
                }
                last = t;
            }
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for text of {id}; last: {last:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Calls the API from the page (same origin rules as the app) with the demo credentials and
/// returns the JSON answer: a cross-check of what the app shows.
pub async fn api_json(c: &Client, url: &str) -> Value {
    let script = "const [url, done] = arguments; \
        fetch(url, {headers: {Authorization: 'Basic ZGVtbzpkZW1v'}}) \
          .then(r => r.json()).then(done, e => done({error: String(e)}));";
    c.execute_async(script, vec![json!(url)])
        .await
        .expect("fetch runs")
}

/// Every event the API returns for `query`, page by page.
pub async fn api_all(c: &Client, proxy: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let v = api_json(
            c,
            &format!("{proxy}/beta/audit/events?{query}&size=100&page={page}"),
        )
        .await;
        let Some(events) = v["_embedded"]["events"].as_array() else {
            break;
        };
        out.extend(events.iter().cloned());
        if v["_links"].get("next").is_none() {
            break;
        }
    }
    out
}

/// `page.totalElements` of a list query, asked of the API directly.
pub async fn api_total(c: &Client, proxy: &str, query: &str) -> u64 {
    let v = api_json(c, &format!("{proxy}/beta/audit/events?{query}")).await;
    v["page"]["totalElements"]
        .as_u64()
        .unwrap_or_else(|| panic!("no total in {v}"))
}

/// Runs JavaScript and returns its value.
pub async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.expect("script runs")
}

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute` endpoint, for
/// what WebDriver itself cannot do (e.g. `Emulation.setEmulatedMedia` to see the print style).
pub async fn cdp(c: &Client, cmd: &'static str, params: Value) -> Value {
    #[derive(Debug)]
    struct Cdp(&'static str, Value);
    impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
        fn endpoint(
            &self,
            base: &url::Url,
            session: Option<&str>,
        ) -> Result<url::Url, url::ParseError> {
            base.join(&format!(
                "session/{}/goog/cdp/execute",
                session.unwrap_or_default()
            ))
        }
        fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
            let body = serde_json::json!({ "cmd": self.0, "params": self.1 });
            (axum::http::Method::POST, Some(body.to_string()))
        }
    }
    c.issue_cmd(Cdp(cmd, params))
        .await
        .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
}

/// Starts recording console errors and uncaught errors on the page (a Rust panic in the app logs
/// through console.error, then traps as a RuntimeError); [`errors`] reads them. A navigation
/// that loads the page again ends the recording.
pub async fn watch_errors(c: &Client) {
    js(
        c,
        "window.__errors = []; \
         const orig = console.error; \
         console.error = (...a) => { window.__errors.push(a.map(String).join(' ')); orig.apply(console, a); }; \
         addEventListener('error', e => window.__errors.push('uncaught: ' + e.message));",
    )
    .await;
}

/// What [`watch_errors`] recorded so far.
pub async fn errors(c: &Client) -> Vec<String> {
    serde_json::from_value(js(c, "return window.__errors || []").await).unwrap_or_default()
}

/// The texts of the table rows' cells with the given test id, once the table is not busy (a
/// re-sorted or re-zoned page writes the rows off screen after the next paint).
pub async fn column(c: &Client, cell: &str) -> Vec<String> {
    wait_idle(c).await;
    let v = js(
        c,
        &format!(
            "return Array.from(document.querySelectorAll('{}')).map(e => e.textContent)",
            tid(cell)
        ),
    )
    .await;
    serde_json::from_value(v).unwrap_or_default()
}

/// Opens the table's row number `index` (from 0) by a click on its time, where no value that
/// filters is in the way, and returns the event's id.
pub async fn open_row(c: &Client, index: usize) -> String {
    let rows = find_all(c, ui_names::testid::EVENT_ROW).await;
    let row = rows.get(index).unwrap_or_else(|| panic!("no row {index}"));
    let id = row
        .attr("data-id")
        .await
        .expect("attr")
        .expect("a row has an id");
    row.find(Locator::Css(&tid(&ui_names::testid::cell("time"))))
        .await
        .expect("the row's time")
        .click()
        .await
        .expect("open the row");
    id
}

/// An input's current value (empty when it has none).
pub async fn input_value(c: &Client, id: &str) -> String {
    find(c, id)
        .await
        .prop("value")
        .await
        .expect("prop")
        .unwrap_or_default()
}

/// Types into an input, replacing its value.
pub async fn type_into(c: &Client, id: &str, text: &str) {
    let el = find(c, id).await;
    el.clear().await.expect("clear");
    if !text.is_empty() {
        el.send_keys(text).await.expect("type");
    }
}

/// Clicks an element by test id.
pub async fn click(c: &Client, id: &str) {
    find(c, id)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {id}: {e}"));
}

/// The current URL's path and query, relative to the app root.
pub async fn location(c: &Client) -> String {
    let u = c.current_url().await.expect("url");
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// Opens `path` of the app (e.g. `/?size=100`) with a full page load, as a bookmark or a reload
/// does, and waits for its rows.
pub async fn open_view(c: &Client, app_url: &str, path: &str) {
    c.goto(&format!("{app_url}{path}"))
        .await
        .expect("open view");
    wait_rows(c).await;
}

/// Follows the app's own link with this text (in-app navigation, no reload).
pub async fn click_link(c: &Client, text: &str) {
    c.find(Locator::LinkText(text))
        .await
        .unwrap_or_else(|e| panic!("link {text:?}: {e}"))
        .click()
        .await
        .expect("click");
}

/// Switches the app's benchmark marks on for this browser (`src/instrument.rs`): they are off
/// unless asked for, and read at each page load.
pub async fn instrument(c: &Client, app_url: &str) {
    c.goto(app_url).await.expect("open app");
    js(
        c,
        &format!("localStorage.setItem('{}', 'on')", storage::INSTRUMENT),
    )
    .await;
}

/// A browser for a benchmark: the app's marks switched on ([`instrument`]) and signed in to
/// the demo with "Try the demo".
pub async fn bench_browser(stack: &crate::Stack) -> crate::Browser {
    let browser = crate::Browser::start().await;
    let c = &browser.client;
    instrument(c, &stack.app_url).await;
    c.goto(&stack.app_url).await.expect("open the app");
    sign_in_demo(c).await;
    browser
}

/// Keeps the demo account's credentials in this tab, as a sign-in does: the next load opens
/// signed in, without the sign-in screen.
pub async fn store_demo_credentials(c: &Client) {
    js(
        c,
        &format!(
            "sessionStorage.setItem('{}', JSON.stringify({{key: 'demo', secret: 'demo'}}))",
            storage::CREDENTIALS
        ),
    )
    .await;
}

/// Signs in with "Try the demo" from the sign-in screen (one click) and waits for the table.
pub async fn sign_in_demo(c: &Client) {
    click(c, testid::TRY_DEMO).await;
    wait_rows(c).await;
}

/// Waits until the table has rows and is not busy (nothing loading, every row written), and
/// returns the row count.
pub async fn wait_rows(c: &Client) -> usize {
    wait_until(c, "rows loaded", || async {
        let v = js(
            c,
            &format!(
                "const busy = document.querySelector('.table-wrap[aria-busy=\"true\"]'); \
                 const n = document.querySelectorAll('{}').length; \
                 return busy ? -1 : n;",
                tid(testid::EVENT_ROW)
            ),
        )
        .await;
        v.as_i64().filter(|n| *n > 0).map(|n| n as usize)
    })
    .await
}

/// Switches Live on, polling every second, and waits for it to start.
pub async fn live_every_second(c: &Client) {
    type_into(c, testid::LIVE_EVERY, "1").await;
    click(c, testid::ZONE_UTC).await; // moves focus so the interval's change event fires
    click(c, testid::LIVE).await;
    wait_text(c, testid::LIVE_COUNT, |t| {
        t.ends_with("new since live started")
    })
    .await;
}

/// The local copy's state (`reading`, `ready`, `too-many`, `failed`) and its status text, once
/// `pred` holds for the state.
pub async fn local_copy(c: &Client, pred: impl Fn(&str) -> bool) -> (String, String) {
    let script = format!(
        "const e = document.querySelector('{}'); return e ? [e.dataset.state, e.textContent] : null",
        tid(testid::LOCAL_COPY)
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let v = js(c, &script).await;
        if let Some(state) = v[0].as_str().filter(|s| pred(s)) {
            return (
                state.to_string(),
                v[1].as_str().unwrap_or_default().to_string(),
            );
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the local copy's state; last: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Requests the page has sent to `proxy` so far (Resource Timing; [`instrument`] makes room for
/// more than the browser's default 250).
pub async fn requests_to(c: &Client, proxy: &str) -> u64 {
    js(
        c,
        &format!("return performance.getEntriesByType('resource').filter(r => r.name.startsWith('{proxy}/')).length"),
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

/// The page's origin (`http://127.0.0.1:…`).
pub async fn origin(c: &Client) -> String {
    js(c, "return location.origin")
        .await
        .as_str()
        .expect("origin")
        .to_string()
}

/// The number in "… of N" of the list's summary line.
pub async fn showing_total(c: &Client) -> u64 {
    let text = find(c, testid::SHOWING).await.text().await.expect("text");
    let n = text.rsplit("of ").next().unwrap_or_default();
    n.replace(',', "")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no total in {text:?}"))
}

/// Waits until loading has finished (rows or not).
pub async fn wait_idle(c: &Client) {
    wait_until(c, "loading finished", || async {
        let v = js(
            c,
            &format!(
                "return !document.querySelector('.table-wrap[aria-busy=\"true\"]') && !!document.querySelector('{}');",
                tid(testid::EVENTS_TABLE)
            ),
        )
        .await;
        v.as_bool().filter(|b| *b)
    })
    .await;
}

/// The `p` quantile (0.5 the median) of `v`, sorted in place; 0 for none: the benchmarks'
/// p50 and p95.
pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

/// Asks `query` of the events list through the app's router, as a link's click does, and
/// returns click → the list's rows painted (`audit:list-rendered`, src/instrument.rs) in ms.
/// The click's moment stays in `window.__e2e_t0` (`performance.now()`) for what is read after.
pub async fn ask_list(c: &Client, query: &str) -> f64 {
    js(
        c,
        &format!(
            "const a = document.createElement('a'); a.href = '/?{query}'; document.body.append(a); \
             window.__e2e_t0 = performance.now(); a.click(); a.remove();"
        ),
    )
    .await;
    wait_until(c, "the rows painted", || async {
        js(
            c,
            "const t0 = window.__e2e_t0; \
             const m = performance.getEntriesByName('audit:list-rendered').find(e => e.startTime > t0); \
             return m ? m.startTime - t0 : null",
        )
        .await
        .as_f64()
    })
    .await
}
