//! The local copy kept on this device, in IndexedDB, when the person asks for it ("Keep a local
//! copy on this device"). One record per account, keyed by the proxy address and the API key —
//! never the secret. Sign out, turning the choice off, and Settings' "Delete" remove every
//! record.
//!
//! IndexedDB's requests are callbacks; [`done`] turns one into a future.

use audit_model::workspace::{Range, Workspace};
use audit_model::{AuditEvent, EventQuery, EventType};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DB: &str = ui_names::storage::IDB_DATABASE;
const STORE: &str = "copies";
const VERSION: u32 = 1;

/// What is kept for one account.
#[derive(Serialize, Deserialize)]
pub struct Kept {
    /// The range held: `date_from` and `date_to` as the filters gave them.
    pub date_from: Option<String>,
    /// See `date_from`.
    pub date_to: Option<String>,
    /// When the copy was last brought up to date (ms).
    pub as_of: i64,
    /// The account's event types.
    pub types: Vec<EventType>,
    /// The events, oldest first.
    pub events: Vec<AuditEvent>,
}

impl Kept {
    /// What to keep of a complete copy.
    pub fn of(w: &Workspace, as_of: i64, types: Vec<EventType>) -> Kept {
        Kept {
            date_from: w.range().date_from.clone(),
            date_to: w.range().date_to.clone(),
            as_of,
            types,
            events: w.store().events().to_vec(),
        }
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

/// Resolves when `req` succeeds (with its result) or fails.
async fn done(req: &IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = req.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let failed = req.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let why = failed
                .error()
                .ok()
                .flatten()
                .map(|e| e.message())
                .unwrap_or_else(|| "IndexedDB request failed".into());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&why));
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| "IndexedDB failed".into()))
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser offers no IndexedDB")?;
    let req = factory
        .open_with_u32(DB, VERSION)
        .map_err(|_| "IndexedDB could not be opened")?;
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
        .map_err(|_| "IndexedDB gave no database".to_string())
}

fn store(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<web_sys::IdbObjectStore, String> {
    db.transaction_with_str_and_mode(STORE, mode)
        .and_then(|t| t.object_store(STORE))
        .map_err(|_| "IndexedDB refused the transaction".to_string())
}

/// Keeps `kept` for the account `key`, replacing what was kept.
pub async fn save(key: &str, kept: &Kept) -> Result<(), String> {
    let text = serde_json::to_string(kept).map_err(|e| e.to_string())?;
    let db = open().await?;
    let req = store(&db, IdbTransactionMode::Readwrite)?
        .put_with_key(&JsValue::from_str(&text), &JsValue::from_str(key))
        .map_err(|_| "IndexedDB refused the copy")?;
    done(&req).await.map(|_| ())
}

/// What is kept for the account `key`, if anything readable.
pub async fn load(key: &str) -> Option<Kept> {
    let db = open().await.ok()?;
    let req = store(&db, IdbTransactionMode::Readonly)
        .ok()?
        .get(&JsValue::from_str(key))
        .ok()?;
    let text = done(&req).await.ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

/// Removes every kept copy.
pub async fn clear() -> Result<(), String> {
    let db = open().await?;
    let req = store(&db, IdbTransactionMode::Readwrite)?
        .clear()
        .map_err(|_| "IndexedDB refused to clear")?;
    done(&req).await.map(|_| ())
}

/// Copies kept and their size (characters of JSON, about bytes).
pub async fn size() -> Result<(u32, u64), String> {
    let db = open().await?;
    let req = store(&db, IdbTransactionMode::Readonly)?
        .get_all()
        .map_err(|_| "IndexedDB refused to read")?;
    let all: js_sys::Array = done(&req).await?.unchecked_into();
    let bytes = all
        .iter()
        .filter_map(|v| v.as_string())
        .map(|s| s.len() as u64)
        .sum();
    Ok((all.length(), bytes))
}
