//! Who a request comes from: the peer's address, or behind a trusted reverse proxy the address
//! that proxy saw (`X-Forwarded-For`), and the scheme the browser used.

use std::net::{IpAddr, Ipv6Addr};

use axum::http::{HeaderMap, HeaderName};

use crate::args::EdgeArgs;

/// What the edge knows about a request's client, put into every request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address (behind a trusted proxy, the one it reported).
    pub ip: IpAddr,
    /// `https` when the browser's connection is encrypted (to this server, or to a trusted
    /// proxy that said so), else `http`.
    pub scheme: &'static str,
}

impl ClientInfo {
    /// Who a request is from when it did not come through the edge (a test calling a router
    /// directly): one unknown client.
    pub const UNKNOWN: ClientInfo = ClientInfo {
        ip: std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        scheme: "http",
    };

    /// The client a request carries (put there by the edge), or [`ClientInfo::UNKNOWN`].
    pub fn of<B>(req: &axum::http::Request<B>) -> ClientInfo {
        req.extensions()
            .get::<ClientInfo>()
            .copied()
            .unwrap_or(ClientInfo::UNKNOWN)
    }

    /// The key limits count by: the address, or for IPv6 its /64 (one host holds a whole /64).
    pub fn key(&self) -> IpAddr {
        key(self.ip)
    }
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`, a dual-stack socket's view) is the IPv4
/// address.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Whether a peer is one of the trusted reverse proxies (`--trusted-proxy`).
pub fn is_trusted(args: &EdgeArgs, ip: IpAddr) -> bool {
    let ip = canonical(ip);
    args.trusted_proxies.iter().any(|net| net.contains(&ip))
}

/// The key limits count by ([`ClientInfo::key`]).
pub fn key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");

/// The client of a request that arrived from `peer`. Only when `peer` is a trusted proxy is
/// `X-Forwarded-For` read: right to left, skipping trusted proxies, the first other address is
/// the client (entries further left were written by the client itself and prove nothing). An
/// entry that is not an address stops the walk at the last trusted hop.
pub fn resolve(peer: IpAddr, tls: bool, headers: &HeaderMap, args: &EdgeArgs) -> ClientInfo {
    let peer = canonical(peer);
    let direct = ClientInfo {
        ip: peer,
        scheme: if tls { "https" } else { "http" },
    };
    if args.trusted_proxies.is_empty() || !is_trusted(args, peer) {
        return direct;
    }
    let mut ip = peer;
    let hops = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(addr) => {
                ip = addr;
                if !is_trusted(args, addr) {
                    break;
                }
            }
            None => break,
        }
    }
    let scheme = if tls {
        "https"
    } else {
        match headers
            .get(X_FORWARDED_PROTO)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.rsplit(',').next().unwrap_or("").trim())
        {
            Some(p) if p.eq_ignore_ascii_case("https") => "https",
            _ => "http",
        }
    };
    ClientInfo { ip, scheme }
}

/// One `X-Forwarded-For` entry: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]:443` or
/// `192.0.2.1:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = hop.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    fn args(trusted: &[&str]) -> EdgeArgs {
        let flags: Vec<String> = trusted
            .iter()
            .map(|t| format!("--trusted-proxy={t}"))
            .collect();
        crate::args::for_tests(&flags.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_headers_count_only_from_a_trusted_peer() {
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
        ]);
        // No proxy trusted (the default): the peer is the client, whatever the header says.
        let c = resolve(ip("198.51.100.4"), false, &h, &args(&[]));
        assert_eq!((c.ip, c.scheme), (ip("198.51.100.4"), "http"));
        // A peer outside the trusted range is not believed either.
        let c = resolve(ip("198.51.100.4"), false, &h, &args(&["10.0.0.0/8"]));
        assert_eq!(c.ip, ip("198.51.100.4"));
        // From the trusted proxy, the forwarded client and scheme.
        let c = resolve(ip("10.1.2.3"), false, &h, &args(&["10.0.0.0/8"]));
        assert_eq!((c.ip, c.scheme), (ip("203.0.113.9"), "https"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let a = args(&["10.0.0.0/8", "192.0.2.10"]);
        // The client forged the leftmost entry; the trusted proxies appended the rest.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1, 203.0.113.9"),
            ("x-forwarded-for", "192.0.2.10"),
        ]);
        assert_eq!(resolve(ip("10.0.0.2"), false, &h, &a).ip, ip("203.0.113.9"));
        // Garbage stops the walk at the last trusted hop.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, not-an-ip, 192.0.2.10")]);
        assert_eq!(resolve(ip("10.0.0.2"), false, &h, &a).ip, ip("192.0.2.10"));
        // No header: the proxy itself.
        assert_eq!(
            resolve(ip("10.0.0.2"), true, &HeaderMap::new(), &a),
            ClientInfo {
                ip: ip("10.0.0.2"),
                scheme: "https"
            }
        );
        // Ports and brackets are tolerated.
        let h = headers(&[("x-forwarded-for", "[2001:db8::7]:443")]);
        assert_eq!(resolve(ip("10.0.0.2"), false, &h, &a).ip, ip("2001:db8::7"));
    }

    #[test]
    fn limits_count_ipv6_clients_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(key(ip("2001:db8:1:2:bbbb::9")), ip("2001:db8:1:2::"));
        assert_eq!(key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(key(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
