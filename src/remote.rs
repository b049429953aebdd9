//! `Remote`: the far end of a rule, decided once when `resolve` builds the rule.
//!
//! A remote is a service tag, a host name (wildcards allowed) or an IP address/CIDR. Every
//! exporter used to guess again from the text; now the kind of rule and the text are read
//! once here, and exporters match on the variant. The text is kept as the catalog or the
//! profile spelled it (exports print it unchanged); an address also carries the parsed net.

use crate::model::Kind;
use crate::shared::SharedStr;
use ipnet::IpNet;
use std::fmt;
use std::net::IpAddr;
use std::ops::Deref;

/// Longest service tag name accepted (Azure's resource-name limit; no real tag comes close).
pub const MAX_TAG_LEN: usize = 80;

/// The remote end of a rule: the destination of outbound rules and routes, the source of
/// inbound rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remote {
    /// A service tag (`Storage.EastUS2`). `well_formed`: letters, digits, `.`, `_` and `-`,
    /// starting with a letter; anything else (`--subscription=x`, `$(...)`) is not a tag name
    /// and targets that write commands refuse it.
    Tag { name: SharedStr, well_formed: bool },
    /// A host name or a `*.`-wildcard of one. `wildcard`: the name holds a `*`. `well_formed`:
    /// labels of letters, digits, `-` and `_`, at most one leading `*.` (line-based formats
    /// cannot hold anything else).
    Host {
        name: SharedStr,
        wildcard: bool,
        well_formed: bool,
    },
    /// An IP address or CIDR, as spelled (`text`) and parsed (`net`; a bare address is a
    /// host-length net).
    Address { text: SharedStr, net: IpNet },
}

/// The three sorts of remote end, for declaring what a target can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RemoteKind {
    Tag,
    Host,
    Address,
}

impl Remote {
    /// The remote of a rule of `kind` whose text is `text`. Tag kinds (service-tag, inbound,
    /// route) and network rules take an IP address or CIDR as an address; the rest of a tag
    /// kind is a tag, the rest of a network or application rule a host.
    pub fn new(kind: Kind, text: impl Into<SharedStr>) -> Remote {
        let text = text.into();
        if kind != Kind::FqdnApp {
            if let Some(net) = parse_address(&text) {
                return Remote::Address { text, net };
            }
        }
        match kind {
            Kind::ServiceTag | Kind::Inbound | Kind::Route => Remote::Tag {
                well_formed: is_tag_name(&text),
                name: text,
            },
            Kind::Network | Kind::FqdnApp => Remote::Host {
                wildcard: text.contains('*'),
                well_formed: is_host_pattern(&text),
                name: text,
            },
        }
    }

    pub fn kind(&self) -> RemoteKind {
        match self {
            Remote::Tag { .. } => RemoteKind::Tag,
            Remote::Host { .. } => RemoteKind::Host,
            Remote::Address { .. } => RemoteKind::Address,
        }
    }

    /// The text as the catalog or profile spelled it.
    pub fn as_str(&self) -> &str {
        self.shared()
    }

    pub fn shared(&self) -> &SharedStr {
        match self {
            Remote::Tag { name, .. } | Remote::Host { name, .. } => name,
            Remote::Address { text, .. } => text,
        }
    }

    pub fn is_tag(&self) -> bool {
        matches!(self, Remote::Tag { .. })
    }

    pub fn is_host(&self) -> bool {
        matches!(self, Remote::Host { .. })
    }

    pub fn is_address(&self) -> bool {
        matches!(self, Remote::Address { .. })
    }

    /// A host name that holds a `*`.
    pub fn is_wildcard(&self) -> bool {
        matches!(self, Remote::Host { wildcard: true, .. })
    }

    /// The service tag, when the remote is one with a well-formed name.
    pub fn tag_name(&self) -> Option<&str> {
        match self {
            Remote::Tag {
                name,
                well_formed: true,
            } => Some(name),
            _ => None,
        }
    }

    /// The host, when the remote is one with a well-formed name.
    pub fn host_pattern(&self) -> Option<&str> {
        match self {
            Remote::Host {
                name,
                well_formed: true,
                ..
            } => Some(name),
            _ => None,
        }
    }

    /// The parsed address or CIDR.
    pub fn net(&self) -> Option<IpNet> {
        match self {
            Remote::Address { net, .. } => Some(*net),
            _ => None,
        }
    }

    /// The address in canonical form: an address as `10.0.0.4` / `fd00::53`, a CIDR as
    /// `10.0.0.0/24` (targets that compare or normalise addresses print this).
    pub fn canonical_address(&self) -> Option<String> {
        match self {
            Remote::Address { text, net } if !text.contains('/') => Some(net.addr().to_string()),
            Remote::Address { net, .. } => Some(net.to_string()),
            _ => None,
        }
    }
}

/// An IP address or CIDR (a bare address as a host-length net); `None` for anything else.
pub fn parse_address(s: &str) -> Option<IpNet> {
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Service tag names are letters, digits and dots (`Storage.EastUS2`), plus `_` and `-`.
pub fn is_tag_name(s: &str) -> bool {
    let mut b = s.bytes();
    s.len() <= MAX_TAG_LEN
        && b.next().is_some_and(|c| c.is_ascii_alphabetic())
        && b.all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
}

/// A host name or a `*.`-wildcard of one: labels of letters, digits, `-` and `_`. Anything else
/// (spaces, quotes, `$(...)`, control characters, a bare `*pytorch.org`) cannot be a host, and
/// in line-based formats whitespace would start a new value.
pub fn is_host_pattern(host: &str) -> bool {
    let rest = host.strip_prefix("*.").unwrap_or(host);
    let ok_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    !rest.is_empty() && rest.len() <= 253 && rest.split('.').all(ok_label)
}

impl Deref for Remote {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Remote {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Remote {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Remote {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Remote {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Remote> for String {
    fn eq(&self, other: &Remote) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Remote> for &str {
    fn eq(&self, other: &Remote) -> bool {
        *self == other.as_str()
    }
}

/// Remotes order by their text (rules of one kind and catalog position sort by it).
impl PartialOrd for Remote {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Remote {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_and_the_text_decide_the_variant() {
        let tag = Remote::new(Kind::ServiceTag, "Storage.EastUS2");
        assert_eq!(tag.tag_name(), Some("Storage.EastUS2"));
        assert!(Remote::new(Kind::Inbound, "$(touch x)")
            .tag_name()
            .is_none());
        assert!(Remote::new(Kind::Route, "--subscription=x").is_tag());
        let host = Remote::new(Kind::Network, "*.ubuntu.com");
        assert!(host.is_wildcard() && host.host_pattern().is_some());
        assert!(Remote::new(Kind::FqdnApp, "a b").host_pattern().is_none());
        // An address in an application rule stays a host: HTTP rules name hosts.
        assert!(Remote::new(Kind::FqdnApp, "10.0.0.4").is_host());
        let dns = Remote::new(Kind::Network, "10.0.0.4");
        assert_eq!(dns.canonical_address().as_deref(), Some("10.0.0.4"));
        assert_eq!(dns.net().map(|n| n.prefix_len()), Some(32));
        let v6 = Remote::new(Kind::ServiceTag, "FD00::0/64");
        assert_eq!(v6.canonical_address().as_deref(), Some("fd00::/64"));
        // The text is kept as spelled.
        assert_eq!(v6.to_string(), "FD00::0/64");
        assert_eq!(v6, "FD00::0/64");
    }

    #[test]
    fn host_patterns() {
        for ok in ["pypi.org", "*.anaconda.com", "a-b_c.d"] {
            assert!(is_host_pattern(ok), "{ok}");
        }
        for bad in [
            "",
            "*pytorch.org",
            "a b",
            "a..b",
            "$(x).com",
            "*.",
            "a\nb",
            "x.com/path",
        ] {
            assert!(!is_host_pattern(bad), "{bad:?}");
        }
    }

    #[test]
    fn tag_names() {
        assert!(is_tag_name("Storage.EastUS2"));
        assert!(!is_tag_name("--subscription=x"));
        assert!(!is_tag_name("$(touch x)"));
        assert!(!is_tag_name(&"A".repeat(MAX_TAG_LEN + 1)));
    }
}
