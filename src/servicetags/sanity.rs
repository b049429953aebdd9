//! What a prefix of a Service Tags file must be before it becomes an allow rule or a route.
//!
//! The file's prefixes turn into firewall rules and routes unchecked by anyone else, so a
//! tampered or corrupt file could open everything (`0.0.0.0/0` in `AzureMachineLearning`) or
//! route around the firewall (a default route in `BatchNodeManagement.<Region>`). Microsoft's
//! real files hold only global unicast prefixes, none shorter than /14 (IPv4) or /39 (IPv6), all
//! with their host bits clear; anything else is refused, naming the tag and the prefix.

use ipnet::IpNet;
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
///
/// Called for every prefix of every tag used: on integers, not through `ipnet`'s `trunc` and
/// `contains` (which build networks and compare both ends: half the time of parsing the
/// prefixes of `amlfw tags` with 11 tags, issue 21). A test compares it with them.
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
            let addr = u32::from(n.addr());
            V4_NOT_GLOBAL.iter().find_map(|&(range, len, what)| {
                overlaps(
                    addr.into(),
                    n.prefix_len(),
                    u32::from(range).into(),
                    len,
                    32,
                )
                .then(|| format!("not a global address: {what}"))
            })
        }
        IpNet::V6(n) => {
            if n.prefix_len() < MIN_V6_LEN {
                return Some(format!(
                    "/{} is wider than any real service tag prefix (the shortest accepted is /{MIN_V6_LEN})",
                    n.prefix_len()
                ));
            }
            let addr = u128::from(n.addr());
            V6_NOT_GLOBAL.iter().find_map(|&(range, len, what)| {
                overlaps(addr, n.prefix_len(), range.into(), len, 128)
                    .then(|| format!("not a global address: {what}"))
            })
        }
    }
}

/// Whether the networks `a/a_len` and `b/b_len` (addresses of `bits` bits, host bits clear)
/// share an address: two CIDR blocks do exactly when one holds the other, that is when they
/// agree on the bits of the shorter prefix.
fn overlaps(a: u128, a_len: u8, b: u128, b_len: u8, bits: u32) -> bool {
    let len = u32::from(a_len.min(b_len));
    // The top `len` bits of a `bits`-wide address, in a u128 (`len` 0 keeps none).
    let mask = u128::MAX.checked_shl(bits - len).unwrap_or(0) & (u128::MAX >> (128 - bits));
    (a ^ b) & mask == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipnet::{Ipv4Net, Ipv6Net};

    fn why(s: &str) -> Option<String> {
        refusal(&s.parse().unwrap())
    }

    /// `overlaps` is `ipnet`'s "one contains the other", for every pair of lengths and
    /// addresses near the edges of the ranges.
    #[test]
    fn overlaps_is_containment_either_way() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            let high = crate::servicetags::tests::xorshift(&mut seed);
            u128::from(high) << 64 | u128::from(crate::servicetags::tests::xorshift(&mut seed))
        };
        for _ in 0..20_000 {
            let (x, y) = (next(), next());
            // Often share a long common start, so that both answers occur.
            let y = if x % 3 == 0 { x ^ (y >> (x % 128)) } else { y };
            let (la, lb) = ((x % 33) as u8, (y % 33) as u8);
            let a = Ipv4Net::new(Ipv4Addr::from(x as u32), la).unwrap().trunc();
            let b = Ipv4Net::new(Ipv4Addr::from(y as u32), lb).unwrap().trunc();
            let fast = overlaps(
                u32::from(a.addr()).into(),
                la,
                u32::from(b.addr()).into(),
                lb,
                32,
            );
            assert_eq!(fast, a.contains(&b) || b.contains(&a), "{a} {b}");
            let (la, lb) = ((x % 129) as u8, (y % 129) as u8);
            let a = Ipv6Net::new(Ipv6Addr::from(x), la).unwrap().trunc();
            let b = Ipv6Net::new(Ipv6Addr::from(y), lb).unwrap().trunc();
            let fast = overlaps(a.addr().into(), la, b.addr().into(), lb, 128);
            assert_eq!(fast, a.contains(&b) || b.contains(&a), "{a} {b}");
        }
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
