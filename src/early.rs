//! The first view's requests, sent before the app's code has arrived.
//!
//! A page's first view asks the API the same questions at every load: the events list, the
//! event types, the copy's first page. The app can only ask them once its code has arrived and
//! started, about 100 ms on a desktop and seconds on a phone. So `boot.js` notes the requests
//! the app sends until its first answer ([`take`] hands each over). The first answer ([`settle`])
//! keeps them beside the credentials, under [`ui_names::storage::FIRST_REQUESTS`], with the
//! page's path and query, the API base and the API key. At the next load of that page, when the
//! API base is still the same (the Settings override, else config.json's), `boot.js` sends them
//! again with those credentials while the app's code is still arriving.
//!
//! When the app sends a request that `boot.js` already sent (same method and URL, same key),
//! [`take`] gives it that answer, so nothing is asked twice. At the first answer, the early
//! requests it did not take are aborted. A copy kept on this device answers the first view by
//! itself, so then nothing is kept.
//!
//! The record never holds the secret: `boot.js` reads that from where the app keeps the
//! credentials. Why the noting lives in `boot.js` rather than here: it has to be there to send
//! the requests, and a copy of it in the app cost a kilobyte of the wasm.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use crate::browser::{remove, Store};

/// What `boot.js` gives the app: `take(method, url, key, signal)` notes a request and gives the
/// answer's promise when it sent the same (once); `settle(base, key)` ends the noting at the
/// first answer; `restart()` notes afresh.
const EARLY: &str = "__auditEarly";

const RECORD_KEY: &str = ui_names::storage::FIRST_REQUESTS;

/// Calls `boot.js`'s `name`, if it gave the app anything (it does not where storage is refused).
fn call(name: &str, args: &Array) -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let early = Reflect::get(&window, &JsValue::from_str(EARLY)).ok()?;
    let f: Function = Reflect::get(&early, &JsValue::from_str(name))
        .ok()?
        .dyn_into()
        .ok()?;
    f.apply(&early, args).ok()
}

/// The app sends `method` `url` with `key`'s credentials: noted while the first view asks, and
/// the answer's promise if `boot.js` sent the same. From then on `signal` aborts it, as if the
/// app had sent it.
pub fn take(method: &str, url: &str, key: &str, signal: &AbortSignal) -> Option<Promise> {
    let args = Array::of4(&method.into(), &url.into(), &key.into(), signal);
    let answer = call("take", &args)?.dyn_into::<Promise>().ok()?;
    crate::instrument::mark_once("audit:first-requests-early");
    Some(answer)
}

/// An answer accepted the signed-in `key` at the API `base`. The first one keeps the requests
/// noted for it beside the credentials (unless a copy is kept on this device: it answers the
/// first view, and an earlier record is removed), with `base`: the next load sends them only
/// when the app's base is the same then. It also aborts what `boot.js` sent that the app did
/// not take. Later ones change nothing.
pub fn settle(base: &str, key: &str) {
    call("settle", &Array::of2(&base.into(), &key.into()));
}

/// A new sign-in: its first view's requests are noted afresh.
pub fn restart() {
    call("restart", &Array::new());
}

/// Signing out: no record is left, and the next sign-in's requests are noted.
pub fn forget() {
    remove(Store::Session, RECORD_KEY);
    remove(Store::Local, RECORD_KEY);
    restart();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boot_script_gives_what_this_module_calls_and_keeps_what_it_names() {
        let boot = include_str!("../boot.js");
        assert!(boot.contains(RECORD_KEY));
        assert!(boot.contains(ui_names::storage::CREDENTIALS));
        assert!(boot.contains(ui_names::storage::KEEP_COPY));
        assert!(boot.contains(&format!("window.{EARLY} =")));
        for name in ["take", "settle", "restart"] {
            assert!(
                boot.contains(&format!("{name}: function")),
                "boot.js gives {name}"
            );
        }
    }
}
