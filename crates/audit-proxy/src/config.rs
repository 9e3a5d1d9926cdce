//! Command-line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// A CORS relay for the Vonage Audit API, so a browser app can call it. It relays only the three
/// Audit API calls to its one upstream; it is not a general proxy. With --demo it answers from a
/// built-in synthetic account instead (credentials: demo / demo).
#[derive(Debug, Clone, Parser)]
#[command(name = "audit-proxy", version, about, long_about = None)]
pub struct Config {
    /// Address to listen on. On loopback by default; to serve a team, give --tls-cert and --tls-key
    /// (or put a TLS reverse proxy in front and name it with --trusted-proxy).
    #[arg(long, env = "AUDIT_PROXY_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,

    /// The one upstream API base URL. Requests go only here; no client can choose another target.
    #[arg(
        long,
        env = "AUDIT_PROXY_UPSTREAM",
        default_value = "https://api.nexmo.com"
    )]
    pub upstream: String,

    /// Browser origin allowed to call the proxy (exact match, scheme://host[:port]). Repeat the
    /// flag, or give a comma list in the environment variable. Never a wildcard.
    #[arg(
        long = "allow-origin",
        env = "AUDIT_PROXY_ALLOW_ORIGIN",
        value_delimiter = ',',
        default_values_t = vec!["http://127.0.0.1:8080".to_string(), "http://localhost:8080".to_string()]
    )]
    pub allow_origins: Vec<String>,

    /// Seconds a whole request may take before the proxy answers 504.
    #[arg(long, env = "AUDIT_PROXY_REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Seconds to wait for the upstream (connect and response) before answering 504.
    #[arg(long, env = "AUDIT_PROXY_UPSTREAM_TIMEOUT", default_value_t = 20)]
    pub upstream_timeout_secs: u64,

    /// Requests to the upstream one client address may have in flight; its others wait their
    /// turn, so one client cannot take all of the upstream slots (16).
    #[arg(long, env = "AUDIT_PROXY_UPSTREAM_PER_CLIENT", default_value_t = 8)]
    pub upstream_per_client: usize,

    /// Requests handled at once; more are refused with 503 rather than queued without bound.
    #[arg(long, env = "AUDIT_PROXY_MAX_CONCURRENCY", default_value_t = 2048)]
    pub max_concurrency: usize,

    /// Largest upstream response body relayed, in bytes; a larger one becomes a 502.
    #[arg(long, env = "AUDIT_PROXY_MAX_BODY_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Also serve the built app from this folder (the `dist/` of `bash scripts/build.sh`): one
    /// process and one origin for the app and its API, no CORS needed. Client routes fall back
    /// to index.html; `.br`/`.gz` files beside assets are sent to browsers that accept them.
    #[arg(long, env = "AUDIT_PROXY_APP", value_name = "DIR")]
    pub app: Option<PathBuf>,

    /// With --app: the path the app is served under, as given to `trunk build --public-url`.
    #[arg(
        long,
        env = "AUDIT_PROXY_PUBLIC_URL",
        default_value = "/",
        requires = "app"
    )]
    pub public_url: String,

    /// Serve HTTPS with this certificate chain (PEM), with --tls-key. Browsers then speak HTTP/2,
    /// and the API key and secret never cross a network in clear.
    #[arg(
        long,
        env = "AUDIT_PROXY_TLS_CERT",
        value_name = "PEM",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(
        long,
        env = "AUDIT_PROXY_TLS_KEY",
        value_name = "PEM",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Serve the built-in demo account instead of relaying (key "demo", secret "demo").
    #[arg(long, env = "AUDIT_PROXY_DEMO")]
    pub demo: bool,

    /// Seed of the generated demo account; the same seed gives the same events.
    #[arg(long, env = "AUDIT_PROXY_DEMO_SEED", default_value_t = 42)]
    pub demo_seed: u64,

    /// Number of generated demo events, spread over the 90 days before now.
    #[arg(long, env = "AUDIT_PROXY_DEMO_EVENTS", default_value_t = 5000)]
    pub demo_events: usize,

    /// Load the demo account from a JSON Lines file (one API event object per line) instead of
    /// generating it. A malformed line stops start-up with its line number.
    #[arg(long, env = "AUDIT_PROXY_DEMO_DATA")]
    pub demo_data: Option<PathBuf>,

    /// Fault injection (testing).
    #[command(flatten)]
    pub faults: crate::faults::FaultArgs,

    /// Add a new demo event every this many milliseconds (0: never), to watch live tail work.
    #[arg(long, env = "AUDIT_PROXY_DEMO_LIVE_EVERY_MS", default_value_t = 0)]
    pub demo_live_every_ms: u64,

    /// With --demo-live-every-ms: stop adding events after this many, so a demo left running
    /// does not grow without bound.
    #[arg(long, env = "AUDIT_PROXY_DEMO_LIVE_MAX", default_value_t = 10_000)]
    pub demo_live_max: u64,

    /// Connections, limits and logging, shared with every server of the product.
    #[command(flatten)]
    pub edge: audit_edge::EdgeArgs,

    /// The demo account's "now", ISO-8601 (default: the current time). Tests pin it.
    #[arg(long, env = "AUDIT_PROXY_DEMO_NOW", hide = true)]
    pub demo_now: Option<String>,
}

impl Config {
    /// Whole-request bound.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }

    /// Upstream bound.
    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_secs(self.upstream_timeout_secs.max(1))
    }

    /// Whether the proxy serves HTTPS.
    pub fn tls(&self) -> bool {
        self.tls_cert.is_some() && self.tls_key.is_some()
    }

    /// A configuration for tests: defaults, no flags read.
    pub fn for_tests() -> Self {
        Config::parse_from(["audit-proxy"])
    }
}
