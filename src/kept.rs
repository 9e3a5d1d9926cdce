//! The local copy kept on this device, in IndexedDB, when the person asks for it ("Keep a local
//! copy on this device"). One record per account, keyed by the proxy address and the API key —
//! never the secret. Sign out, turning the choice off, and Settings' "Delete" remove every
//! record.
//!
//! IndexedDB's requests are callbacks; [`done`] turns one into a future, and [`committed`] a
//! transaction: a write resolves when its transaction has committed and fails when it aborts
//! (a full disk shows only then). Every connection is closed after its one use.

use audit_model::workspace::{Range, Workspace};
use audit_model::{AuditEvent, EventQuery, EventType};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

const DB: &str = ui_names::storage::IDB_DATABASE;
const STORE: &str = "copies";
const VERSION: u32 = 1;

/// What is kept for one account (written by [`Kept::encode`]).
#[derive(Deserialize)]
pub struct Kept {
    /// The range held: `date_from` and `date_to` as the filters gave them.
    pub date_from: Option<String>,
    /// See `date_from`.
    pub date_to: Option<String>,
    /// When the copy was last brought up to date (ms).
    pub as_of: i64,
    /// The account's event types.
    pub types: Vec<EventType>,
    /// The events, oldest first; equal contexts held once.
    #[serde(deserialize_with = "audit_model::shared::events")]
    pub events: Vec<AuditEvent>,
}

/// [`Kept`] as it is written, borrowing the copy: the events are encoded where they are held,
/// not copied first (the copy would otherwise be in memory twice, besides its text).
#[derive(Serialize)]
struct KeptRef<'a> {
    date_from: &'a Option<String>,
    date_to: &'a Option<String>,
    as_of: i64,
    types: &'a [EventType],
    events: &'a [AuditEvent],
}

impl Kept {
    /// What to keep of a complete copy, as the text [`save`] writes.
    pub fn encode(w: &Workspace, as_of: i64, types: &[EventType]) -> Result<String, KeptError> {
        serde_json::to_string(&KeptRef {
            date_from: &w.range().date_from,
            date_to: &w.range().date_to,
            as_of,
            types,
            events: w.store().events(),
        })
        .map_err(|e| KeptError::Failed(format!("encoding: {e}")))
    }

    /// The copy again; `None` when the kept range no longer parses.
    pub fn into_workspace(self) -> Option<(Workspace, i64, Vec<EventType>)> {
        let range = Range::of(&EventQuery {
            date_from: self.date_from,
            date_to: self.date_to,
            ..EventQuery::default()
        })
        .ok()?;
        Some((
            Workspace::from_kept(range, self.events),
            self.as_of,
            self.types,
        ))
    }
}

/// The record's key for an account.
pub fn key(base: &str, api_key: &str) -> String {
    format!("{base}|{api_key}")
}

/// Why the copy could not be kept, read or measured on this device.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeptError {
    /// No IndexedDB (some private windows turn it off).
    #[error("this browser offers no storage for it here (a private window may turn it off)")]
    Unavailable,
    /// The browser's storage for this site is full.
    #[error("the browser's storage for this site is full: free some space, or narrow the range")]
    Full,
    /// IndexedDB failed otherwise; its own words.
    #[error("the browser's storage failed ({0})")]
    Failed(String),
}

impl KeptError {
    /// What a thrown IndexedDB call says (its `DOMException`, or nothing).
    fn thrown(e: JsValue) -> KeptError {
        KeptError::of(e.dyn_into().ok())
    }

    fn of(e: Option<web_sys::DomException>) -> KeptError {
        match e {
            Some(e) if e.name() == "QuotaExceededError" => KeptError::Full,
            Some(e) => KeptError::Failed(format!("{}: {}", e.name(), e.message())),
            None => KeptError::Failed("no reason given".into()),
        }
    }
}

/// A future of an IndexedDB callback pair: `arm` sets the success and failure handlers; the
/// failure's value is the `DOMException` (or nothing).
async fn settle(
    arm: impl FnOnce(js_sys::Function, js_sys::Function),
) -> Result<JsValue, KeptError> {
    let mut arm = Some(arm);
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        if let Some(arm) = arm.take() {
            arm(resolve, reject);
        }
    });
    JsFuture::from(promise).await.map_err(KeptError::thrown)
}

/// Resolves when `req` succeeds (with its result) or fails.
async fn done(req: &IdbRequest) -> Result<JsValue, KeptError> {
    settle(|resolve, reject| {
        let ok = req.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = req.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let why = failed.error().ok().flatten().map(JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &why.unwrap_or(JsValue::NULL));
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    })
    .await
}

/// Resolves when `tx` has committed, and fails when it aborts: a write is kept only then (a
/// full disk shows at commit, after every request succeeded).
async fn committed(tx: &IdbTransaction) -> Result<(), KeptError> {
    settle(|resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = tx.clone();
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            let why = failed.error().map(JsValue::from);
            let _ = reject.call1(&JsValue::NULL, &why.unwrap_or(JsValue::NULL));
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    })
    .await
    .map(|_| ())
}

/// The database, open; closed when dropped.
struct Db(IdbDatabase);

impl Drop for Db {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl Db {
    async fn open() -> Result<Db, KeptError> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or(KeptError::Unavailable)?;
        let req = factory
            .open_with_u32(DB, VERSION)
            .map_err(KeptError::thrown)?;
        let upgrading = req.clone();
        let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
            if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
                if !db.object_store_names().contains(STORE) {
                    let _ = db.create_object_store(STORE);
                }
            }
        });
        req.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        let db = done(&req).await?;
        db.dyn_into::<IdbDatabase>()
            .map(Db)
            .map_err(|_| KeptError::Failed("no database was opened".into()))
    }

    fn transaction(
        &self,
        mode: IdbTransactionMode,
    ) -> Result<(IdbTransaction, IdbObjectStore), KeptError> {
        let tx = self
            .0
            .transaction_with_str_and_mode(STORE, mode)
            .map_err(KeptError::thrown)?;
        let store = tx.object_store(STORE).map_err(KeptError::thrown)?;
        Ok((tx, store))
    }

    /// Runs one write and resolves once it has committed.
    async fn write(
        &self,
        request: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
    ) -> Result<(), KeptError> {
        let (tx, store) = self.transaction(IdbTransactionMode::Readwrite)?;
        request(&store).map_err(KeptError::thrown)?;
        committed(&tx).await
    }

    /// Runs one read and resolves with its result.
    async fn read(
        &self,
        request: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
    ) -> Result<JsValue, KeptError> {
        let (_tx, store) = self.transaction(IdbTransactionMode::Readonly)?;
        let req = request(&store).map_err(KeptError::thrown)?;
        done(&req).await
    }
}

/// Keeps `text` (a [`Kept::encode`]d copy) for the account `key`, replacing what was kept;
/// resolves once it is committed.
pub async fn save(key: &str, text: String) -> Result<(), KeptError> {
    forget_early();
    Db::open()
        .await?
        .write(|s| s.put_with_key(&JsValue::from_str(&text), &JsValue::from_str(key)))
        .await
}

/// What is kept for the account `key`, if anything readable.
pub async fn load(key: &str) -> Option<Kept> {
    let text = match read_early(key).await {
        Some(text) => text,
        None => Db::open()
            .await
            .ok()?
            .read(|s| s.get(&JsValue::from_str(key)))
            .await
            .ok()?
            .as_string()?,
    };
    serde_json::from_str(&text).ok()
}

/// The window's property where `boot.js` leaves the read it began before the app started: a
/// promise of the first kept record's `[key, text]`, or of `null`.
const EARLY: &str = "__auditKeptEarly";

/// The record `boot.js` read early, if it is `key`'s. Taken once: a later load reads for itself.
async fn read_early(key: &str) -> Option<String> {
    let window = web_sys::window()?;
    let promise: js_sys::Promise = js_sys::Reflect::get(&window, &JsValue::from_str(EARLY))
        .ok()?
        .dyn_into()
        .ok()?;
    forget_early();
    let record: js_sys::Array = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    if record.get(0).as_string()? == key {
        crate::instrument::mark_once("audit:kept-early");
        record.get(1).as_string()
    } else {
        None
    }
}

/// Removes every kept copy; resolves once that is committed.
pub async fn clear() -> Result<(), KeptError> {
    forget_early();
    Db::open().await?.write(|s| s.clear()).await
}

/// Copies kept and their size (characters of JSON, about bytes).
pub async fn size() -> Result<(u32, u64), KeptError> {
    let all: js_sys::Array = Db::open()
        .await?
        .read(|s| s.get_all())
        .await?
        .unchecked_into();
    let bytes = all
        .iter()
        .filter_map(|v| v.as_string())
        .map(|s| s.len() as u64)
        .sum();
    Ok((all.length(), bytes))
}

/// Drops the early read, if not taken yet: after a write it may no longer be what is kept.
fn forget_early() {
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::delete_property(&window, &JsValue::from_str(EARLY));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `boot.js` reads the kept record before the app starts: it must name the same database,
    /// store, version, storage keys and hand-over property as this module.
    #[test]
    fn the_boot_scripts_early_read_names_what_this_module_does() {
        let boot = include_str!("../boot.js");
        for name in [
            format!("indexedDB.open('{DB}', {VERSION})"),
            format!("transaction('{STORE}', 'readonly')"),
            format!("window.{EARLY} = "),
            format!("'{}'", ui_names::storage::KEEP_COPY),
            format!("'{}'", ui_names::storage::CREDENTIALS),
        ] {
            assert!(boot.contains(&name), "boot.js does not say {name}");
        }
    }
}
