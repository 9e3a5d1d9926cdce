//! Harness for browser end-to-end tests.
//!
//! Each test gets its own stack on loopback: the built app (`dist/`, from `trunk build`) served
//! by a static server on one port, `audit-proxy` (in-process, demo or relay) on another — so
//! every API call is cross-origin, as in production — and a headless Chromium driven through
//! chromedriver. Elements are found by `data-testid`.

pub mod hostile;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};
/// The names the app and these tests share: test ids and storage keys.
pub use ui_names::{storage, testid};

use axum::routing::get;
use axum::Router;
use clap::Parser;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tower_http::services::{ServeDir, ServeFile};

/// How long a wait for the page may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The built app; `E2E_DIST` overrides.
pub fn dist() -> PathBuf {
    let dir = std::env::var_os("E2E_DIST").map_or_else(|| root().join("dist"), PathBuf::from);
    assert!(
        dir.join("index.html").exists(),
        "{} has no index.html: build the app first (scripts/test.sh does: trunk build --release)",
        dir.display()
    );
    dir
}

async fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let a = l.local_addr().expect("addr");
    (l, a)
}

/// Options for a stack.
#[derive(Debug, Clone, Default)]
pub struct StackOptions {
    /// Extra `audit-proxy` flags (`--demo` is added unless `relay_to` is set).
    pub proxy_args: Vec<String>,
    /// Serve the app under this sub-path (e.g. "/sub"); the build must match (`E2E_DIST_SUB`).
    pub sub_path: Option<String>,
    /// config.json's API base; default: the proxy.
    pub api_base: Option<String>,
    /// The origin the proxy allows; default: the app's own.
    pub allow_origin: Option<String>,
    /// The proxy serves the app itself (`--app` with the built `dist/`): one origin for both.
    pub served_by_proxy: bool,
    /// config.json's `request_timeout_secs`; default: none (the app's own default).
    pub request_timeout_secs: Option<u32>,
    /// config.json's `local_max_events`; default: none (the app's own bound).
    pub local_max_events: Option<u64>,
    /// config.json answers after this long: the app waits for it, so the page's own first paint
    /// stays that long, as on a slow network before the app's code has arrived.
    pub config_delay_ms: Option<u64>,
}

impl StackOptions {
    /// The demo stack with these extra `audit-proxy` flags (latency, faults, live events…).
    pub fn proxy(args: &[&str]) -> Self {
        StackOptions {
            proxy_args: args.iter().map(|a| (*a).to_string()).collect(),
            ..Default::default()
        }
    }
}

/// Opens a file offline through the sign-in page's file picker.
pub async fn open_offline(c: &Client, path: &std::path::Path) {
    find(c, testid::OPEN_FILE)
        .await
        .send_keys(&path.display().to_string())
        .await
        .expect("choose a file");
}

/// The app and the proxy, running.
pub struct Stack {
    /// Where the app is served, e.g. `http://127.0.0.1:41234` (plus the sub-path, if any).
    pub app_url: String,
    /// Where the proxy listens.
    pub proxy_url: String,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stop_proxy: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Stack {
    /// Starts the demo proxy and the static server.
    pub async fn start(opts: StackOptions) -> Stack {
        let (app_l, app_addr) = listener().await;
        let (proxy_l, proxy_addr) = listener().await;
        let proxy_url = format!("http://{proxy_addr}");
        let app_origin = format!("http://{app_addr}");

        let mut args = vec![
            "audit-proxy".to_string(),
            "--listen".into(),
            proxy_addr.to_string(),
        ];
        args.extend([
            "--allow-origin".into(),
            opts.allow_origin
                .clone()
                .unwrap_or_else(|| app_origin.clone()),
        ]);
        if !opts.proxy_args.iter().any(|a| a == "--upstream") {
            args.push("--demo".into());
        }
        if opts.served_by_proxy {
            args.extend(["--app".into(), dist().display().to_string()]);
        }
        args.extend(opts.proxy_args.iter().cloned());
        let config = audit_proxy::config::Config::parse_from(args);
        let (proxy, _) = audit_proxy::service(&config).expect("proxy");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let proxy_task = tokio::spawn(async move {
            audit_proxy::serve(proxy_l, proxy, &config, None, async move {
                let _ = stop_rx.await;
            })
            .await;
        });

        let dir = match &opts.sub_path {
            Some(_) => std::env::var_os("E2E_DIST_SUB")
                .map_or_else(|| root().join("dist-sub"), PathBuf::from),
            None => dist(),
        };
        let api_base = opts.api_base.clone().unwrap_or_else(|| proxy_url.clone());
        let mut config = json!({ "api_base_url": api_base });
        if let Some(secs) = opts.request_timeout_secs {
            config["request_timeout_secs"] = json!(secs);
        }
        if let Some(max) = opts.local_max_events {
            config["local_max_events"] = json!(max);
        }
        let config_json = config.to_string();
        let delay = std::time::Duration::from_millis(opts.config_delay_ms.unwrap_or(0));
        // Unknown paths fall back to index.html, as docs/operating.md tells static hosts to do.
        let files = ServeDir::new(&dir).fallback(ServeFile::new(dir.join("index.html")));
        let app = Router::new().route(
            "/config.json",
            get({
                let config_json = config_json.clone();
                move || {
                    let body = config_json.clone();
                    async move {
                        tokio::time::sleep(delay).await;
                        ([("content-type", "application/json")], body)
                    }
                }
            }),
        );
        let (app, prefix) = match &opts.sub_path {
            Some(p) => (
                app.route(
                    &format!("{p}/config.json"),
                    get({
                        let body = config_json.clone();
                        move || {
                            let body = body.clone();
                            async move { ([("content-type", "application/json")], body) }
                        }
                    }),
                )
                .nest_service(p, files),
                p.clone(),
            ),
            None => (app.fallback_service(files), String::new()),
        };
        let app_task = tokio::spawn(async move {
            let _ = axum::serve(app_l, app).await;
        });
        Stack {
            app_url: if opts.served_by_proxy {
                proxy_url.clone()
            } else {
                format!("{app_origin}{prefix}")
            },
            proxy_url,
            tasks: vec![proxy_task, app_task],
            stop_proxy: Some(stop_tx),
        }
    }

    /// Stops the proxy (closing its idle connections), so the app finds it unreachable.
    pub async fn stop_proxy(&mut self) {
        if let Some(tx) = self.stop_proxy.take() {
            let _ = tx.send(());
        }
        let url = format!("{}/healthz", self.proxy_url);
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches("/healthz")
            .to_string();
        let deadline = Instant::now() + WAIT;
        while tokio::net::TcpStream::connect(&addr).await.is_ok() {
            assert!(Instant::now() < deadline, "proxy did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A headless Chromium session through its own chromedriver.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    /// Chromium's profile. Left to chromedriver, it would be a folder in /tmp that stays behind
    /// whenever chromedriver is stopped before it cleans up (about 90 MB per test).
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a session.
    pub async fn start() -> Browser {
        Self::start_with_downloads(None).await
    }

    /// Like [`start`](Self::start), saving downloads into `dir` without asking.
    pub async fn start_with_downloads(dir: Option<&std::path::Path>) -> Browser {
        Self::start_in(dir, None).await
    }

    /// Like [`start_with_downloads`](Self::start_with_downloads), with the browser's local time
    /// zone set to `zone` (an IANA name such as `Asia/Kolkata`) instead of the machine's.
    pub async fn start_in(dir: Option<&std::path::Path>, zone: Option<&str>) -> Browser {
        let port = free_port();
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let mut command = Command::new(&driver_bin);
        if let Some(zone) = zone {
            // Chromium, started by chromedriver, inherits it.
            command.env("TZ", zone);
        }
        let driver = command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {driver_bin}: {e} (scripts/setup.sh installs chromium-driver)")
            });
        let profile = tempfile::Builder::new()
            .prefix("audit-e2e-chromium-")
            .tempdir()
            .expect("a folder for Chromium's profile");
        let chrome = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chrome,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": {
                    "download.default_directory": dir.map(|d| d.display().to_string()).unwrap_or_default(),
                    "download.prompt_for_download": false,
                },
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!("WebDriver session failed: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser {
            client,
            driver,
            profile,
        }
    }

    /// Closes the session and stops chromedriver (and with it Chromium).
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
        let _ = self.profile.close();
    }
}

/// Runs a browser test and always closes the browser, even when the test panics.
pub async fn with_browser<F, Fut>(test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    with_browser_downloading(None, test).await;
}

/// [`with_browser`], saving downloads into `dir`.
pub async fn with_browser_downloading<F, Fut>(dir: Option<&std::path::Path>, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_in(Browser::start_with_downloads(dir).await, test).await;
}

/// [`with_browser`] in a browser whose local time zone is `zone` (an IANA name).
pub async fn with_browser_in_zone<F, Fut>(zone: &str, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    run_in(Browser::start_in(None, Some(zone)).await, test).await;
}

async fn run_in<F, Fut>(browser: Browser, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let outcome = tokio::spawn(test(browser.client.clone())).await;
    if outcome.is_err() {
        // Keep a screenshot of the failure for the CI log folder.
        if let Ok(png) = browser.client.screenshot().await {
            let dir = root().join("e2e-artifacts");
            let _ = std::fs::create_dir_all(&dir);
            let name = format!("failure-{}.png", std::process::id());
            let _ = std::fs::write(dir.join(name), png);
        }
    }
    browser.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
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
        &format!("return Array.from(document.querySelectorAll('[data-testid=\"{cell}\"]')).map(e => e.textContent)"),
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

/// For benchmarks: stores the demo credentials for the tab (as signing in does) and opens
/// `path` of the app, waiting for its rows.
pub async fn open_signed_in(c: &Client, app_url: &str, path: &str) {
    c.goto(app_url).await.expect("open app");
    js(
        c,
        &format!(
            "sessionStorage.setItem('{}', JSON.stringify({{key: 'demo', secret: 'demo'}}))",
            storage::CREDENTIALS
        ),
    )
    .await;
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
            "const busy = document.querySelector('.table-wrap[aria-busy=\"true\"]'); \
             const n = document.querySelectorAll('[data-testid=\"event-row\"]').length; \
             return busy ? -1 : n;",
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
    wait_until(c, "local copy state", || async {
        let v = js(
            c,
            &format!("const e = document.querySelector('{}'); return e ? [e.dataset.state, e.textContent] : null", tid(testid::LOCAL_COPY)),
        )
        .await;
        let state = v[0].as_str()?.to_string();
        pred(&state).then(|| (state, v[1].as_str().unwrap_or_default().to_string()))
    })
    .await
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
        let v = js(c, "return !document.querySelector('.table-wrap[aria-busy=\"true\"]') && !!document.querySelector('[data-testid=\"events-table\"]');").await;
        v.as_bool().filter(|b| *b)
    })
    .await;
}
