//! IP addresses as the API gives them (`source_ip`): text that is usually, but not always, an
//! IPv4 or IPv6 address.

use std::net::IpAddr;

/// A key that orders addresses by their numeric value: IPv4 first (IPv4-mapped IPv6 counts as
/// IPv4), then IPv6 in any spelling (`2001:db8::ff:1` and its expanded form are equal), then
/// anything that is not an address, as lower-case text. Text comparison of keys gives that order.
pub fn sort_key(raw: &str) -> String {
    let trimmed = raw.trim();
    // A zone index (`fe80::1%eth0`) is not part of the number.
    let (addr, zone) = trimmed.split_once('%').unwrap_or((trimmed, ""));
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => format!("4{:08x}", u32::from(v4)),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("4{:08x}", u32::from(v4)),
            None => format!("6{:032x}{}", u128::from(v6), zone.to_lowercase()),
        },
        Err(_) => format!("9{}", trimmed.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|s| (*s).to_string()).collect();
        v.sort_by_cached_key(|s| sort_key(s));
        v
    }

    #[test]
    fn ipv4_sorts_numerically() {
        assert_eq!(
            sorted(&["192.0.2.10", "192.0.2.9", "10.0.0.1", "198.51.100.77"]),
            ["10.0.0.1", "192.0.2.9", "192.0.2.10", "198.51.100.77"]
        );
    }

    #[test]
    fn ipv6_sorts_by_value_whatever_the_spelling() {
        // 2001:db8::ff:1 is 2001:db8:0:0:0:0:ff:1, which is above 2001:db8:0:0:0:0:1:0.
        assert_eq!(
            sorted(&["2001:db8::ff:1", "2001:db8:0:0:0:0:1:0", "2001:DB8::2"]),
            ["2001:DB8::2", "2001:db8:0:0:0:0:1:0", "2001:db8::ff:1"]
        );
        assert_eq!(sort_key("2001:db8::1"), sort_key("2001:0db8:0000::0001"));
        assert!(sort_key("::1") < sort_key("fe80::1"));
    }

    #[test]
    fn families_and_text() {
        assert_eq!(
            sorted(&[
                "not an ip",
                "2001:db8::1",
                "203.0.113.5",
                "",
                "::ffff:192.0.2.1"
            ]),
            [
                "::ffff:192.0.2.1",
                "203.0.113.5",
                "2001:db8::1",
                "",
                "not an ip"
            ]
        );
        assert!(sort_key("fe80::1%eth0") > sort_key("fe80::1"));
        assert!(sort_key("fe80::1%eth0") < sort_key("fe80::2"));
    }
}
