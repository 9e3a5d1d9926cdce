//! The edge's settings, as command-line flags and environment variables that a server flattens
//! into its own configuration. The defaults are safe for a server exposed to a network; the
//! anchors are nginx's (`client_header_timeout`, `keepalive_timeout`, `send_timeout`,
//! `limit_conn`, `limit_req`, `http2_max_concurrent_streams`) and Envoy's edge-proxy advice.

use std::time::Duration;

use ipnet::IpNet;

/// How the log is written.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One line of text per event; coloured only when stderr is a terminal and `NO_COLOR` is unset.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Connection, per-client and logging settings every server of the product shares.
#[derive(clap::Args, Debug, Clone)]
pub struct EdgeArgs {
    /// Seconds a new connection has for its TLS handshake and its first request head together;
    /// a connection that sends nothing is closed after this.
    #[arg(
        long,
        env = "AUDIT_EDGE_HEADER_TIMEOUT_SECS",
        default_value_t = 10,
        help_heading = "Edge: connections and limits"
    )]
    pub header_timeout_secs: u64,

    /// Seconds a keep-alive connection (HTTP/1.1 or HTTP/2) may stay open with no request in
    /// flight; also bounds a later request head on HTTP/1.1.
    #[arg(
        long,
        env = "AUDIT_EDGE_IDLE_TIMEOUT_SECS",
        default_value_t = 60,
        help_heading = "Edge: connections and limits"
    )]
    pub idle_timeout_secs: u64,

    /// Seconds a client may take no data while an answer waits to be sent (a full socket, or a
    /// closing connection's last answers); then the connection is dropped.
    #[arg(
        long,
        env = "AUDIT_EDGE_SEND_TIMEOUT_SECS",
        default_value_t = 30,
        help_heading = "Edge: connections and limits"
    )]
    pub send_timeout_secs: u64,

    /// Connections open at once, in all. Lowered at start to fit the open-file limit.
    #[arg(
        long,
        env = "AUDIT_EDGE_MAX_CONNECTIONS",
        default_value_t = 4096,
        help_heading = "Edge: connections and limits"
    )]
    pub max_connections: usize,

    /// Connections open at once from one client address (an IPv6 client: its /64). A browser
    /// opens at most 6 over HTTP/1.1 and 1 over HTTP/2, so 128 lets a team behind one NAT
    /// address through. Never more than half of --max-connections. Peers in --trusted-proxy are
    /// not counted.
    #[arg(
        long,
        env = "AUDIT_EDGE_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 128,
        help_heading = "Edge: connections and limits"
    )]
    pub max_connections_per_client: usize,

    /// HTTP/2 streams a connection may have open at once.
    #[arg(
        long,
        env = "AUDIT_EDGE_H2_MAX_STREAMS",
        default_value_t = 100,
        help_heading = "Edge: connections and limits"
    )]
    pub h2_max_streams: u32,

    /// API requests per second one client address may make, sustained (0: no limit). Past it
    /// (and the burst), the answer is 429 with Retry-After and nothing is relayed.
    #[arg(
        long,
        env = "AUDIT_EDGE_RATE_PER_CLIENT",
        default_value_t = 100,
        help_heading = "Edge: connections and limits"
    )]
    pub rate_per_client: u32,

    /// API requests one client address may make at once above its sustained rate.
    #[arg(
        long,
        env = "AUDIT_EDGE_RATE_BURST",
        default_value_t = 1000,
        help_heading = "Edge: connections and limits"
    )]
    pub rate_burst: u32,

    /// Different credentials refused (401) from one client address within a minute before that
    /// address is blocked (0: never). The same refused credentials again do not count: a stale
    /// tab is not a password guesser.
    #[arg(
        long,
        env = "AUDIT_EDGE_AUTH_REFUSALS_PER_MINUTE",
        default_value_t = 10,
        help_heading = "Edge: connections and limits"
    )]
    pub auth_refusals_per_minute: u32,

    /// Seconds a blocked address gets 429 (with Retry-After) for every API call.
    #[arg(
        long,
        env = "AUDIT_EDGE_AUTH_BLOCK_SECS",
        default_value_t = 600,
        help_heading = "Edge: connections and limits"
    )]
    pub auth_block_secs: u64,

    /// A reverse proxy or load balancer in front (address or CIDR; repeat, or a comma list).
    /// Only from these peers is the client address read from X-Forwarded-For (and the scheme
    /// from X-Forwarded-Proto). None by default.
    #[arg(
        long = "trusted-proxy",
        env = "AUDIT_EDGE_TRUSTED_PROXY",
        value_delimiter = ',',
        value_name = "CIDR",
        value_parser = parse_cidr,
        help_heading = "Edge: connections and limits"
    )]
    pub trusted_proxies: Vec<IpNet>,

    /// The log's format: `text`, or `json` for log shippers.
    #[arg(
        long,
        env = "AUDIT_EDGE_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        help_heading = "Edge: connections and limits"
    )]
    pub log_format: LogFormat,
}

/// An address (`10.0.0.5`, `::1`) or a range (`10.0.0.0/8`).
fn parse_cidr(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("not an address or CIDR range: {s:?} (e.g. 10.0.0.0/8 or ::1)"))
}

impl EdgeArgs {
    /// The deadline for the TLS handshake and the first request head.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs.max(1))
    }

    /// How long a connection with nothing in flight stays open.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs.max(1))
    }

    /// How long a client may leave an answer unread.
    pub fn send_timeout(&self) -> Duration {
        Duration::from_secs(self.send_timeout_secs.max(1))
    }
}

/// The edge's flags as a command line with only them would give (tests of the edge's parts).
#[cfg(test)]
pub(crate) fn for_tests(flags: &[&str]) -> EdgeArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        edge: EdgeArgs,
    }
    Cli::parse_from(std::iter::once("edge").chain(flags.iter().copied())).edge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        assert_eq!(
            parse_cidr("10.0.0.0/8").expect("cidr").to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(parse_cidr(" ::1 ").expect("ip").to_string(), "::1/128");
        assert_eq!(
            parse_cidr("192.0.2.7").expect("ip").to_string(),
            "192.0.2.7/32"
        );
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("proxy.example").is_err());
    }
}
