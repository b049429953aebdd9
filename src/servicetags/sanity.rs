//! What a prefix of a Service Tags file must be before it becomes an allow rule or a route.
//!
//! The file's prefixes turn into firewall rules and routes unchecked by anyone else, so a
//! tampered or corrupt file could open everything (`0.0.0.0/0` in `AzureMachineLearning`) or
//! route around the firewall (a default route in `BatchNodeManagement.<Region>`). Microsoft's
//! real files hold only global unicast prefixes, none shorter than /14 (IPv4) or /39 (IPv6), all
//! with their host bits clear; anything else is refused, naming the tag and the prefix.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{Ipv4Addr, Ipv6Addr};

/// The shortest prefixes accepted: far wider than any real tag's, far narrower than "all".
pub const MIN_V4_LEN: u8 = 8;
pub const MIN_V6_LEN: u8 = 24;

/// Ranges that are never Azure's public addresses, with what they are.
const V4_NOT_GLOBAL: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "'this network' (0.0.0.0/8)"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private (10.0.0.0/8)"),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        "shared address space (100.64.0.0/10)",
    ),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback (127.0.0.0/8)"),
    (
        Ipv4Addr::new(169, 254, 0, 0),
        16,
        "link-local (169.254.0.0/16)",
    ),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private (172.16.0.0/12)"),
    (
        Ipv4Addr::new(192, 168, 0, 0),
        16,
        "private (192.168.0.0/16)",
    ),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast (224.0.0.0/4)"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved (240.0.0.0/4)"),
];

const V6_NOT_GLOBAL: &[(Ipv6Addr, u8, &str)] = &[
    (
        Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0),
        96,
        "unspecified, loopback or IPv4-compatible (::/96)",
    ),
    (
        Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0),
        96,
        "IPv4-mapped (::ffff:0:0/96)",
    ),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        "unique local (fc00::/7)",
    ),
    (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
        "link-local (fe80::/10)",
    ),
    (
        Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
        8,
        "multicast (ff00::/8)",
    ),
];

/// Why `net` (as the file wrote it) must not become a rule, or `None` when it may.
pub fn refusal(net: &IpNet) -> Option<String> {
    if net.trunc() != *net {
        return Some(format!(
            "host bits are set (the network is {})",
            net.trunc()
        ));
    }
    match net {
        IpNet::V4(n) => {
            if n.prefix_len() < MIN_V4_LEN {
                return Some(format!(
                    "/{} is wider than any real service tag prefix (the shortest accepted is /{MIN_V4_LEN})",
                    n.prefix_len()
                ));
            }
            V4_NOT_GLOBAL.iter().find_map(|&(addr, len, what)| {
                let range = Ipv4Net::new(addr, len).expect("valid constant");
                overlaps_v4(n, &range).then(|| format!("not a global address: {what}"))
            })
        }
        IpNet::V6(n) => {
            if n.prefix_len() < MIN_V6_LEN {
                return Some(format!(
                    "/{} is wider than any real service tag prefix (the shortest accepted is /{MIN_V6_LEN})",
                    n.prefix_len()
                ));
            }
            V6_NOT_GLOBAL.iter().find_map(|&(addr, len, what)| {
                let range = Ipv6Net::new(addr, len).expect("valid constant");
                overlaps_v6(n, &range).then(|| format!("not a global address: {what}"))
            })
        }
    }
}

fn overlaps_v4(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(b) || b.contains(a)
}

fn overlaps_v6(a: &Ipv6Net, b: &Ipv6Net) -> bool {
    a.contains(b) || b.contains(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(s: &str) -> Option<String> {
        refusal(&s.parse().unwrap())
    }

    #[test]
    fn real_prefixes_pass() {
        for ok in [
            "13.66.141.64/27",
            "20.0.0.0/14",
            "2603:1000::/39",
            "4.149.98.192/27",
        ] {
            assert_eq!(why(ok), None, "{ok}");
        }
    }

    #[test]
    fn dangerous_prefixes_are_refused_with_the_reason() {
        for (bad, word) in [
            ("0.0.0.0/0", "wider"),
            ("8.0.0.0/7", "wider"),
            ("::/0", "wider"),
            ("2603::/23", "wider"),
            ("10.0.0.0/24", "private"),
            ("172.20.0.0/16", "private"),
            ("192.168.1.0/24", "private"),
            ("127.0.0.1/32", "loopback"),
            ("169.254.169.254/32", "link-local"),
            ("224.0.0.0/8", "multicast"),
            ("100.64.0.0/16", "shared"),
            ("::1/128", "loopback"),
            ("::ffff:10.0.0.0/104", "IPv4-mapped"),
            ("fd00::/64", "unique local"),
            ("fe80::/64", "link-local"),
            ("ff02::/32", "multicast"),
            ("13.66.141.65/27", "host bits"),
            ("2603:1000::1/39", "host bits"),
        ] {
            let r = why(bad).unwrap_or_else(|| panic!("{bad} passed"));
            assert!(r.contains(word), "{bad}: {r}");
        }
    }
}
