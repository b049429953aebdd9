//! Prefixes as text, written without `core::fmt`.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Appends `net` as `Display` writes it (`192.0.2.0/24`, `2001:db8::/32`) without going through
/// `core::fmt`, which costs most of an export's time when it prints thousands of prefixes.
pub fn push_net(out: &mut String, net: &IpNet) {
    match net {
        IpNet::V4(n) => push_v4net(out, n),
        IpNet::V6(n) => push_v6net(out, n),
    }
}

/// `net.to_string()`, faster (see `push_net`).
pub fn net_string(net: &IpNet) -> String {
    let mut s = String::with_capacity(20);
    push_net(&mut s, net);
    s
}

/// `push_net` for an IPv4 prefix.
pub fn push_v4net(out: &mut String, n: &Ipv4Net) {
    let mut buf = [0u8; 18];
    let mut len = 0;
    for (i, o) in n.addr().octets().into_iter().enumerate() {
        if i > 0 {
            buf[len] = b'.';
            len += 1;
        }
        len += put_dec(&mut buf[len..], o);
    }
    buf[len] = b'/';
    len += 1;
    len += put_dec(&mut buf[len..], n.prefix_len());
    out.push_str(std::str::from_utf8(&buf[..len]).expect("ASCII"));
}

/// `push_net` for an IPv6 prefix: RFC 5952 as `std` prints it (lowercase, the longest run of
/// two or more zero groups, the first on a tie, written `::`).
pub fn push_v6net(out: &mut String, n: &Ipv6Net) {
    let seg = n.addr().segments();
    if seg[..5] == [0; 5] && seg[5] == 0xffff {
        // IPv4-mapped addresses have their own form; they do not occur in Service Tags files.
        out.push_str(&n.to_string());
        return;
    }
    let (mut best, mut best_len, mut cur, mut cur_len) = (0, 0, 0, 0);
    for (i, s) in seg.iter().enumerate() {
        if *s == 0 {
            if cur_len == 0 {
                cur = i;
            }
            cur_len += 1;
            if cur_len > best_len {
                best = cur;
                best_len = cur_len;
            }
        } else {
            cur_len = 0;
        }
    }
    let mut buf = [0u8; 43];
    let mut len = 0;
    let groups = |buf: &mut [u8; 43], len: &mut usize, part: &[u16]| {
        for (i, s) in part.iter().enumerate() {
            if i > 0 {
                buf[*len] = b':';
                *len += 1;
            }
            *len += put_hex(&mut buf[*len..], *s);
        }
    };
    if best_len > 1 {
        groups(&mut buf, &mut len, &seg[..best]);
        buf[len..len + 2].copy_from_slice(b"::");
        len += 2;
        groups(&mut buf, &mut len, &seg[best + best_len..]);
    } else {
        groups(&mut buf, &mut len, &seg);
    }
    buf[len] = b'/';
    len += 1;
    len += put_dec(&mut buf[len..], n.prefix_len());
    out.push_str(std::str::from_utf8(&buf[..len]).expect("ASCII"));
}

fn put_dec(buf: &mut [u8], v: u8) -> usize {
    if v >= 100 {
        buf[..3].copy_from_slice(&[b'0' + v / 100, b'0' + v / 10 % 10, b'0' + v % 10]);
        3
    } else if v >= 10 {
        buf[..2].copy_from_slice(&[b'0' + v / 10, b'0' + v % 10]);
        2
    } else {
        buf[0] = b'0' + v;
        1
    }
}

fn put_hex(buf: &mut [u8], v: u16) -> usize {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digits = (4 - v.leading_zeros() as usize / 4).max(1);
    for i in 0..digits {
        buf[i] = HEX[(v >> (4 * (digits - 1 - i)) & 0xf) as usize];
    }
    digits
}
