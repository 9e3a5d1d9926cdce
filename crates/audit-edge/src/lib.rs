//! The edge every server of the product shares (the proxy and the archive): how connections are
//! accepted and served ([`conn`]), HTTPS ([`tls`]), who a request comes from ([`client`]),
//! per-client limits on API calls ([`limits`]), the access log and log format ([`log`]), the
//! flags that set them ([`args`]), which of the Audit API's calls a request is ([`calls`]), and
//! CORS and links ([`front`]).
//!
//! A server builds its axum `Router`, puts [`limits::RequestLimits`] into its API handler's
//! state, and hands the router to [`serve`]; every request then carries a
//! [`client::ClientInfo`] in its extensions.

pub mod args;
pub mod calls;
pub mod client;
pub mod conn;
pub mod front;
pub mod limits;
pub mod log;
pub mod tls;

pub use args::{EdgeArgs, LogFormat};
pub use client::ClientInfo;
pub use conn::{serve, MAX_REQUEST_HEAD_BYTES};
pub use limits::{Fingerprint, Gated, Refusal, RequestLimits, Turned};
pub use tls::Tls;
