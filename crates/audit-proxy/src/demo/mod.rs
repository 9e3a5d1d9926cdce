//! The built-in demo account: answers the three calls from an in-memory store, exactly as the
//! Audit API would, so the product runs without credentials or network.

mod generate;

use std::path::Path;
use std::sync::RwLock;

use audit_model::store::{parse_jsonl, EventStore};
use audit_model::{EventQuery, EventTypesResponse};
use axum::http::{header, HeaderMap};
use base64::Engine;

pub use generate::{generate, live_event, DemoSpec};

use crate::error::ProxyError;
use audit_edge::calls::Call;

/// API key of the demo account.
pub const DEMO_KEY: &str = "demo";
/// API secret of the demo account.
pub const DEMO_SECRET: &str = "demo";

/// The demo account.
#[derive(Debug)]
pub struct Demo {
    store: RwLock<EventStore>,
    /// Base of the absolute `_links` hrefs, as the real API writes its own host.
    base_url: String,
}

/// Why a demo data file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Some lines are not events.
    #[error("{path}: {count} malformed line(s); first: {first}")]
    Lines {
        /// The file.
        path: String,
        /// How many.
        count: usize,
        /// The first bad line, with its number.
        first: audit_model::store::LineError,
    },
}

/// Whether the Authorization header carries the demo credentials (HTTP Basic).
pub fn authorized(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .is_some_and(|pair| pair == format!("{DEMO_KEY}:{DEMO_SECRET}"))
}

impl Demo {
    /// A demo account over the given store.
    pub fn new(store: EventStore, base_url: String) -> Self {
        // At start-up, not in the first search's request.
        store.build_text_index();
        Self {
            store: RwLock::new(store),
            base_url,
        }
    }

    /// Loads a JSON Lines file; any malformed line refuses the whole file.
    pub fn load(path: &Path, base_url: String) -> Result<Self, LoadError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: shown.clone(),
            source,
        })?;
        let (events, errors) = parse_jsonl(&text);
        if let Some(first) = errors.first() {
            return Err(LoadError::Lines {
                path: shown,
                count: errors.len(),
                first: first.clone(),
            });
        }
        Ok(Self::new(EventStore::new(events), base_url))
    }

    /// Adds an event (the live demo's new arrivals).
    pub fn push(&self, ev: audit_model::AuditEvent) {
        self.store
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(ev);
    }

    /// Number of events in the account.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the account has no events.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, EventStore> {
        // A panic while holding the lock cannot leave the store half-written (writes are
        // single pushes), so a poisoned lock is still safe to read.
        self.store.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers one call with a JSON body, as the API would; its links start with `base` (the
    /// address the request was sent to, see [`audit_edge::front::request_base`]) or else the listening address.
    pub fn answer(
        &self,
        call: Call,
        raw_query: &str,
        headers: &HeaderMap,
        base: Option<&str>,
    ) -> Result<Vec<u8>, ProxyError> {
        if !authorized(headers) {
            return Err(ProxyError::Unauthorized);
        }
        let base = base.unwrap_or(&self.base_url);
        let store = self.read();
        let json = match call {
            Call::ListEvents => {
                let (query, _ignored) = EventQuery::parse(raw_query)?;
                serde_json::to_vec(&store.page(&query, base)?)
            }
            Call::GetEvent(id) => {
                let id = id.hyphenated().to_string();
                let mut ev = store.get(&id).ok_or(ProxyError::EventNotFound(id))?.clone();
                audit_model::store::add_self_link(&mut ev, base);
                serde_json::to_vec(&ev)
            }
            Call::EventTypes => serde_json::to_vec(&EventTypesResponse {
                event_types: store.event_type_list(),
            }),
            // The demo account is the API, not an archive.
            Call::ArchiveAbout
            | Call::ArchiveAlerts
            | Call::ArchiveCounts
            | Call::ArchiveFacets
            | Call::ArchiveRelated => return Err(ProxyError::NotFound),
        };
        // Serialising our own types cannot fail; an empty object is a safe answer if it did.
        Ok(json.unwrap_or_else(|_| b"{}".to_vec()))
    }
}
