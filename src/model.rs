//! Small value types shared by the catalog, profiles, rules and exporters:
//! clouds, rule kinds, protocols and port specifications.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the three Azure clouds the guidance covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    Public,
    Usgov,
    China,
}

impl Cloud {
    pub const ALL: [Cloud; 3] = [Cloud::Public, Cloud::Usgov, Cloud::China];

    /// The id used in profiles and on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::Usgov => "usgov",
            Cloud::China => "china",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Cloud::Public => "Azure public",
            Cloud::Usgov => "Azure Government",
            Cloud::China => "Azure China 21Vianet",
        }
    }

    /// The `cloud` field of Microsoft's Service Tags JSON file for this cloud.
    pub fn service_tags_name(self) -> &'static str {
        match self {
            Cloud::Public => "Public",
            Cloud::Usgov => "AzureGovernment",
            Cloud::China => "China",
        }
    }
}

impl fmt::Display for Cloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Cloud {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "public" | "azurecloud" => Ok(Cloud::Public),
            "usgov" | "azuregovernment" | "azureusgovernment" => Ok(Cloud::Usgov),
            "china" | "azurechina" | "azurechinacloud" => Ok(Cloud::China),
            _ => Err(format!(
                "unknown cloud '{s}' (allowed: public, usgov, china)"
            )),
        }
    }
}

/// What sort of rule a requirement becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Outbound network rule whose destination is a service tag.
    ServiceTag,
    /// Outbound non-HTTP network rule to a host name or an IP address.
    Network,
    /// Outbound HTTP/HTTPS rule by host name (wildcards allowed).
    FqdnApp,
    /// Inbound rule (NSG) to the compute subnet.
    Inbound,
    /// User-defined route (route table entry).
    Route,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::ServiceTag,
        Kind::Network,
        Kind::FqdnApp,
        Kind::Inbound,
        Kind::Route,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Kind::ServiceTag => "service-tag",
            Kind::Network => "network",
            Kind::FqdnApp => "fqdn-app",
            Kind::Inbound => "inbound",
            Kind::Route => "route",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::ServiceTag => "Outbound service tag",
            Kind::Network => "Outbound network (FQDN/IP)",
            Kind::FqdnApp => "Outbound FQDN (application)",
            Kind::Inbound => "Inbound",
            Kind::Route => "Route",
        }
    }

    /// A short label for tables: `tag`, `network`, `fqdn`, `inbound`, `route`.
    pub fn short(self) -> &'static str {
        match self {
            Kind::ServiceTag => "tag",
            Kind::Network => "network",
            Kind::FqdnApp => "fqdn",
            Kind::Inbound => "inbound",
            Kind::Route => "route",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Kind::Inbound => Direction::Inbound,
            Kind::Route => Direction::Route,
            _ => Direction::Outbound,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Outbound,
    Inbound,
    /// Not a filter rule but a route-table entry.
    Route,
}

impl Direction {
    pub fn id(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
            Direction::Route => "route",
        }
    }
}

/// How inbound traffic to compute is routed around a firewall (user-defined routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InboundRoutes {
    /// Routes whose address prefix is a service tag (preview in 2021).
    ServiceTags,
    /// One route per address prefix, read from the Service Tags file.
    IpPrefixes,
    /// No routes (no firewall on the compute subnet's default route).
    None,
}

impl InboundRoutes {
    pub const ALL: [InboundRoutes; 3] = [
        InboundRoutes::ServiceTags,
        InboundRoutes::IpPrefixes,
        InboundRoutes::None,
    ];

    pub fn id(self) -> &'static str {
        match self {
            InboundRoutes::ServiceTags => "service-tags",
            InboundRoutes::IpPrefixes => "ip-prefixes",
            InboundRoutes::None => "none",
        }
    }
}

impl fmt::Display for InboundRoutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for InboundRoutes {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InboundRoutes::ALL
            .into_iter()
            .find(|m| m.id() == s)
            .ok_or_else(|| {
                format!(
                    "unknown inbound routes mode '{s}' (allowed: service-tags, ip-prefixes, none)"
                )
            })
    }
}

/// The kinds of target an export belongs to. Warnings name the families they concern, so an
/// export carries only the caveats that matter to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    AzureFirewall,
    Nsg,
    RouteTable,
    /// Host lists, packet filters, proxies and the tabular formats.
    Generic,
    /// Outbound rules of a workspace's managed virtual network.
    ManagedNetwork,
}

impl Family {
    pub const ALL: [Family; 5] = [
        Family::AzureFirewall,
        Family::Nsg,
        Family::RouteTable,
        Family::Generic,
        Family::ManagedNetwork,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Family::AzureFirewall => "Azure Firewall",
            Family::Nsg => "Network security group",
            Family::RouteTable => "Route table",
            Family::Generic => "Generic",
            Family::ManagedNetwork => "Managed virtual network",
        }
    }

    /// The id used in the catalog and in JSON output.
    pub fn id(self) -> &'static str {
        match self {
            Family::AzureFirewall => "azure-firewall",
            Family::Nsg => "nsg",
            Family::RouteTable => "route-table",
            Family::Generic => "generic",
            Family::ManagedNetwork => "managed-network",
        }
    }
}

/// A document a data file (`assets/dns.toml`, `assets/managed-network.toml`) cites: where in
/// which repository, at which commit and revision date.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDocument {
    pub key: String,
    pub title: String,
    pub path: String,
    pub commit: String,
    pub revision: String,
}

/// Transport or application protocol of a port specification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Any,
    Http,
    Https,
}

impl Protocol {
    pub fn id(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Any => "any",
            Protocol::Http => "http",
            Protocol::Https => "https",
        }
    }

    /// Application protocols ride on TCP.
    pub fn transport(self) -> Protocol {
        match self {
            Protocol::Http | Protocol::Https => Protocol::Tcp,
            p => p,
        }
    }

    pub fn is_application(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Https)
    }
}

/// A port, a range of ports, or every port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PortRange {
    Any,
    Single(u16),
    Range(u16, u16),
}

impl PortRange {
    pub fn contains(self, port: u16) -> bool {
        match self {
            PortRange::Any => true,
            PortRange::Single(p) => p == port,
            PortRange::Range(a, b) => (a..=b).contains(&port),
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRange::Any => f.write_str("*"),
            PortRange::Single(p) => write!(f, "{p}"),
            PortRange::Range(a, b) => write!(f, "{a}-{b}"),
        }
    }
}

impl FromStr for PortRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let port = |p: &str| -> Result<u16, String> {
            match p.parse::<u16>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(format!("'{p}' is not a port (1-65535)")),
            }
        };
        if s == "*" {
            return Ok(PortRange::Any);
        }
        match s.split_once('-') {
            None => Ok(PortRange::Single(port(s)?)),
            Some((a, b)) => {
                let (a, b) = (port(a)?, port(b)?);
                if a >= b {
                    return Err(format!("port range '{s}' must go from low to high"));
                }
                Ok(PortRange::Range(a, b))
            }
        }
    }
}

/// `protocol:ports`, e.g. `tcp:443`, `udp:1194`, `https:8787`, `any:*`, `tcp:29876-29877`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortSpec {
    pub protocol: Protocol,
    pub ports: PortRange,
}

impl PortSpec {
    pub const fn new(protocol: Protocol, ports: PortRange) -> Self {
        PortSpec { protocol, ports }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.protocol.id(), self.ports)
    }
}

impl FromStr for PortSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (proto, ports) = s
            .split_once(':')
            .ok_or_else(|| format!("'{s}' is not protocol:ports (e.g. tcp:443, https:443)"))?;
        let protocol = match proto {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "any" => Protocol::Any,
            "http" => Protocol::Http,
            "https" => Protocol::Https,
            _ => {
                return Err(format!(
                    "unknown protocol '{proto}' in '{s}' (allowed: tcp, udp, any, http, https)"
                ))
            }
        };
        let ports = ports.parse::<PortRange>()?;
        if protocol.is_application() && ports == PortRange::Any {
            return Err(format!("'{s}': http/https need a concrete port"));
        }
        Ok(PortSpec { protocol, ports })
    }
}

impl Serialize for PortSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PortSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_specs_parse_and_print_the_same() {
        for s in [
            "tcp:443",
            "udp:1194",
            "any:*",
            "https:8787",
            "tcp:29876-29877",
            "http:80",
        ] {
            assert_eq!(s.parse::<PortSpec>().unwrap().to_string(), s);
        }
    }

    #[test]
    fn bad_port_specs_are_refused() {
        for s in [
            "tcp",
            "tcp:0",
            "tcp:70000",
            "ftp:21",
            "https:*",
            "tcp:9-3",
            "tcp:a",
        ] {
            assert!(s.parse::<PortSpec>().is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn clouds_parse_from_ids_and_service_tag_names() {
        assert_eq!("usgov".parse::<Cloud>().unwrap(), Cloud::Usgov);
        assert_eq!("AzureGovernment".parse::<Cloud>().unwrap(), Cloud::Usgov);
        assert!("mars".parse::<Cloud>().is_err());
    }
}
