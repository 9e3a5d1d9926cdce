//! Harness for browser end-to-end tests, in three layers:
//!
//! - [`stack`]: the servers a test talks to — the built app (`dist/`, from `trunk build`) on a
//!   static server and `audit-proxy` (in this process, demo or relay) on another port, so every
//!   API call is cross-origin, as in production;
//! - [`browser`]: headless Chromium through chromedriver, kept between tests where isolation
//!   allows;
//! - [`page`]: what a test does in the page — elements found by `data-testid`, through the names
//!   the app shares in `ui-names`.
//!
//! A test that needs a signed-in browser asks [`signed_in`]; one that tests signing in itself
//! starts a [`Stack`] and takes a browser with [`with_browser`].

pub mod browser;
pub mod hostile;
pub mod page;
pub mod stack;

pub use browser::{with_browser, with_browser_using, Browser, BrowserOptions};
pub use page::*;
pub use stack::{dist, root, Stack, StackOptions};
/// The names the app and these tests share: test ids and storage keys.
pub use ui_names::{storage, testid};

use fantoccini::Client;

/// The one way a test gets a signed-in browser: a demo stack started with `opts`, an ordinary
/// browser at the app, "Try the demo" clicked and the first table loaded. The test is given the
/// stack, for its URLs or to stop its proxy.
pub async fn signed_in<F, Fut>(opts: StackOptions, test: F)
where
    F: FnOnce(Client, Stack) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    signed_in_using(opts, BrowserOptions::default(), test).await;
}

/// [`signed_in`] with a browser as `browser` asks.
pub async fn signed_in_using<F, Fut>(opts: StackOptions, browser: BrowserOptions, test: F)
where
    F: FnOnce(Client, Stack) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let stack = Stack::start(opts).await;
    with_browser_using(browser, move |c| async move {
        c.goto(&stack.app_url).await.expect("open the app");
        sign_in_demo(&c).await;
        // Kept running for the whole test, whatever the test does with its handle.
        let running = stack.clone();
        test(c, stack).await;
        drop(running);
    })
    .await;
}
