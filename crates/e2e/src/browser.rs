//! Headless Chromium, each through its own chromedriver, and the rule for keeping one.
//!
//! Starting Chromium is most of what a short test waits for, so a browser is kept after a test
//! that passed and lent to the next test of this process that asks for an ordinary one. Before it
//! is lent again it is put back as new: one window, 1400×1000, no emulated media, on
//! `about:blank`. A page's storage belongs to its origin and every stack's ports are new to this
//! process ([`crate::stack`]), so nothing a test stored is met again. A browser with its own
//! downloads folder or time zone is never kept, nor one whose test failed.
//!
//! Nothing closes the kept browsers when the test binary ends: each chromedriver runs under a
//! small shell that holds a pipe from this process, and when the pipe closes (the process has
//! ended, however it ended, or [`Browser::close`] closed it) the shell stops chromedriver and
//! every Chromium process it started, and removes the profile.
//!
//! A WebDriver client runs its session on the Tokio runtime it was made on, and each
//! `#[tokio::test]` has its own runtime that ends with the test; so browsers are made on one
//! background runtime of their own, and any test's runtime can talk to them.

use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::page::cdp;
use crate::stack::root;

/// What a test needs of its browser beyond the ordinary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BrowserOptions {
    /// Save downloads into this folder without asking.
    pub downloads: Option<PathBuf>,
    /// The browser's local time zone (an IANA name such as `Asia/Kolkata`) instead of the
    /// machine's.
    pub zone: Option<String>,
}

impl BrowserOptions {
    /// A browser that saves downloads into `dir` without asking.
    pub fn downloading(dir: &std::path::Path) -> Self {
        BrowserOptions {
            downloads: Some(dir.to_path_buf()),
            ..Default::default()
        }
    }

    fn ordinary(&self) -> bool {
        *self == Self::default()
    }
}

/// A headless Chromium session through its own chromedriver.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    /// The shell that watches over chromedriver (see the module's notes).
    watch: Child,
    /// Its end of the pipe: closing it stops chromedriver and Chromium.
    lifeline: ChildStdin,
}

/// Starts chromedriver in a process group of its own, with Chromium's profile in `$2`, then waits
/// for its standard input to close: it then stops the whole group and removes the profile. Left to
/// chromedriver, the profile would stay behind whenever chromedriver is stopped before it cleans
/// up (about 90 MB per test).
const WATCH: &str = r#"setsid "$0" --port="$1" >/dev/null 2>&1 &
group=$!
cat >/dev/null
kill -KILL "-$group" 2>/dev/null
sleep 0.3
rm -rf -- "$2""#;

/// Browsers kept for the next test.
static KEPT: Mutex<Vec<Browser>> = Mutex::new(Vec::new());

fn background() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("e2e-browsers")
            .enable_all()
            .build()
            .expect("the browsers' runtime")
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

impl Browser {
    /// A new ordinary browser, never kept (benchmarks measure a cold one); see [`start_with`].
    ///
    /// [`start_with`]: Self::start_with
    pub async fn start() -> Browser {
        Self::start_with(&BrowserOptions::default()).await
    }

    /// A new browser as `opts` asks, never kept. Close it with [`close`](Self::close).
    pub async fn start_with(opts: &BrowserOptions) -> Browser {
        background()
            .spawn(Self::launch(opts.clone()))
            .await
            .expect("start a browser")
    }

    /// A browser as `opts` asks: a kept one if it is ordinary and one is free, else a new one.
    async fn take(opts: &BrowserOptions) -> Browser {
        if opts.ordinary() {
            let kept = KEPT.lock().expect("kept browsers").pop();
            if let Some(b) = kept {
                return b;
            }
        }
        Self::start_with(opts).await
    }

    /// Starts chromedriver on a free loopback port and opens a session.
    async fn launch(opts: BrowserOptions) -> Browser {
        let driver_port = free_port();
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let profile = std::env::temp_dir().join(format!(
            "audit-e2e-chromium-{}-{driver_port}",
            std::process::id()
        ));
        // Chromium's own scratch folders (org.chromium.Chromium.*) go inside the profile too, so
        // they are removed with it instead of piling up in the system's temporary folder.
        let scratch = profile.join("tmp");
        std::fs::create_dir_all(&scratch).expect("a folder for Chromium's profile");
        let mut command = Command::new("sh");
        command
            .args(["-c", WATCH, &driver_bin, &driver_port.to_string()])
            .arg(&profile)
            .env("TMPDIR", &scratch)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(zone) = &opts.zone {
            // Chromium, started by chromedriver, inherits it.
            command.env("TZ", zone);
        }
        let mut watch = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sh for {driver_bin}: {e}"));
        let lifeline = watch.stdin.take().expect("the watch's stdin");
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
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": opts.downloads.as_ref().map(|d| d.display().to_string()).unwrap_or_default(),
                    "download.prompt_for_download": false,
                },
            }),
        );
        let url = format!("http://127.0.0.1:{driver_port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!(
                    "WebDriver session failed: {e} (is {driver_bin} installed? scripts/setup.sh installs chromium-driver)"
                ),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Browser {
            client,
            watch,
            lifeline,
        }
    }

    /// Puts the browser back as new, or says why it cannot be.
    async fn reset(&self) -> Result<(), fantoccini::error::CmdError> {
        let c = &self.client;
        let windows = c.windows().await?;
        for w in windows.iter().skip(1) {
            c.switch_to_window(w.clone()).await?;
            c.close_window().await?;
        }
        if let Some(first) = windows.first() {
            c.switch_to_window(first.clone()).await?;
        }
        c.goto("about:blank").await?;
        cdp(
            c,
            "Emulation.setEmulatedMedia",
            json!({"media": "", "features": []}),
        )
        .await;
        c.set_window_size(1400, 1000).await?;
        Ok(())
    }

    /// Keeps the browser for the next test, or closes it if it cannot be put back as new.
    async fn give_back(self) {
        match self.reset().await {
            Ok(()) => KEPT.lock().expect("kept browsers").push(self),
            Err(_) => self.close().await,
        }
    }

    /// Closes the session, then lets the watch stop chromedriver and Chromium and remove the
    /// profile.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        let Browser {
            mut watch,
            lifeline,
            ..
        } = self;
        drop(lifeline);
        tokio::task::spawn_blocking(move || watch.wait())
            .await
            .expect("wait for the watch")
            .ok();
    }
}

/// Runs a browser test in an ordinary browser; see [`with_browser_using`].
pub async fn with_browser<F, Fut>(test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    with_browser_using(BrowserOptions::default(), test).await;
}

/// Runs a browser test. A failure leaves a screenshot in `e2e-artifacts/` and its browser is
/// closed; after a pass an ordinary browser is kept for the next test.
pub async fn with_browser_using<F, Fut>(opts: BrowserOptions, test: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let browser = Browser::take(&opts).await;
    let outcome = tokio::spawn(test(browser.client.clone())).await;
    match outcome {
        Ok(()) if opts.ordinary() => browser.give_back().await,
        Ok(()) => browser.close().await,
        Err(e) => {
            if let Ok(png) = browser.client.screenshot().await {
                let dir = root().join("e2e-artifacts");
                let _ = std::fs::create_dir_all(&dir);
                let name = format!("failure-{}.png", std::process::id());
                let _ = std::fs::write(dir.join(name), png);
            }
            browser.close().await;
            std::panic::resume_unwind(e.into_panic());
        }
    }
}
