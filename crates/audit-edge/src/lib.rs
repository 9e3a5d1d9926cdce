//! The edge every server of the product shares (the proxy today, the archive next): how
//! connections are accepted and served ([`conn`]), HTTPS ([`tls`]), who a request comes from
//! ([`client`]), per-client limits on API calls ([`limits`]), the access log and log format
//! ([`log`]), and the flags that set them ([`args`]).
//!
//! A server builds its axum `Router`, puts [`limits::RequestLimits`] into its API handler's
//! state, and hands the router to [`serve`]; every request then carries a
//! [`client::ClientInfo`] in its extensions.

pub mod args;
pub mod client;
pub mod conn;
pub mod limits;
pub mod log;
pub mod tls;

pub use args::{EdgeArgs, LogFormat};
pub use client::ClientInfo;
pub use conn::{serve, MAX_REQUEST_HEAD_BYTES};
pub use limits::{Fingerprint, Refusal, RequestLimits};
pub use tls::Tls;
