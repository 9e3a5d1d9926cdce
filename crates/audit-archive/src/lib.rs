//! `audit-archive`: keeps every audit event of one Vonage account in PostgreSQL while no browser
//! tab is open, and serves them back through the API's own contract.
//!
//! - [`db`]: the connection pool and the schema's migrations;
//! - [`store`]: the events table — idempotent writes with what is held, and the API's answers;
//! - [`search`]: the API's `search_text`, over each event's text kept in shared pieces;
//! - [`collect`]: the backfill and the polls that read the Audit API into the store;
//! - [`serve`]: the API's three calls answered from the store, behind the shared edge;
//! - [`export`]: `audit-archive export`, the events as OCSF, ECS or the API's JSON lines;
//! - [`config`]: the command line.
//!
//! The upstream is read by one collector per database; any number of archives may serve.

pub mod collect;
pub mod config;
pub mod db;
pub mod deliver;
pub mod export;
pub mod hit;
pub mod qualifiers;
pub mod rules;
pub mod search;
pub mod serve;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod viewers;
pub mod watch;
