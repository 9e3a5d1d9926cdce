//! The Vonage Audit API's wire model, shared by the app and the proxy.
//!
//! - [`archive`]: what an archive answers beyond the API (its announcement, its alerts);
//! - [`event`]: an audit event and the event-type list;
//! - [`page`]: the HAL list page and the error bodies;
//! - [`query`]: the events query with its validation and query string;
//! - [`time`]: ISO-8601 parsing and display;
//! - [`changes`]: what an event changed (old → new), read from its context;
//! - [`facets`]: the most common values of the fields a person narrows by;
//! - [`ip`]: ordering source IPs by value (IPv4 and IPv6 in any spelling);
//! - [`shared`]: sharing the contexts a held copy repeats;
//! - [`sorting`]: stable sorts that share one compiled sort (the wasm's size);
//! - [`store`]: an in-memory store answering queries exactly as the API does (used by the demo
//!   account), and the JSON Lines reader;
//! - [`workspace`]: a complete local copy of one time range of an account, and its reading.
//!
//! No I/O lives here: everything is plain data and functions, tested natively.

pub mod archive;
pub mod catalog;
pub mod changes;
pub mod event;
pub mod facets;
pub mod filter;
pub mod ip;
pub mod marks;
pub mod normalize;
pub mod page;
pub mod query;
pub mod related;
pub mod shared;
pub mod sorting;
pub mod store;
pub mod suggest;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;
pub mod workspace;

pub use event::{AuditEvent, EventType, EventTypesResponse, UserId};
pub use page::{ApiErrorBody, EventsPage, PageInfo};
pub use query::{EventQuery, QueryError};
pub use store::EventStore;

/// The collection path, the same upstream and at the proxy.
pub const EVENTS_PATH: &str = "/beta/audit/events";
