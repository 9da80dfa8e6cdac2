//! Which server addresses a run may send queries to.
//!
//! An iterative resolver sends packets wherever the zones it walks tell it to: a domain's
//! owner chooses its NS names and their glue, so a checker exposed to the public (an HTTP
//! service checking any domain it is given) would let anyone make it send UDP and TCP to
//! `127.0.0.1`, to the private network it runs in, or to a cloud metadata service at
//! `169.254.169.254`. [`AddressPolicy::public_only`] refuses every address that is not a
//! public unicast one; [`AddressPolicy::any`] (the default of
//! [`super::ResolverConfig::address_policy`]) refuses nothing, for command-line use and labs.
//!
//! The decision is pure ([`special_range`] classifies an address; [`AddressPolicy::refuses`]
//! applies the policy): the driver calls it once before every query it sends, and a refused
//! server is reported as not asked ([`crate::transport::NotChecked::Refused`]), never as lame.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A kind of address a public DNS server cannot have: where a query must not be sent on a
/// stranger's word. IPv4-mapped (`::ffff:10.0.0.1`) and NAT64 (`64:ff9b::10.0.0.1`, RFC 6052)
/// IPv6 addresses are classified by the IPv4 address they carry, since a packet to them ends
/// there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialRange {
    /// `0.0.0.0/8`, `::`: "this host"; a packet to it reaches the local machine.
    Unspecified,
    /// `127.0.0.0/8`, `::1`: this machine.
    Loopback,
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918).
    Private,
    /// `fc00::/7` (RFC 4193 unique local addresses).
    UniqueLocal,
    /// `169.254.0.0/16` (cloud metadata services live here), `fe80::/10`.
    LinkLocal,
    /// `100.64.0.0/10`, shared address space of carrier-grade NAT (RFC 6598).
    SharedCgnat,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` (RFC 5737), `2001:db8::/32`
    /// (RFC 3849), `3fff::/20` (RFC 9637).
    Documentation,
    /// `198.18.0.0/15`, network benchmarking (RFC 2544).
    Benchmarking,
    /// `192.0.0.0/24` (IETF protocol assignments, RFC 6890), `240.0.0.0/4` (reserved),
    /// `255.255.255.255` (broadcast), and the deprecated IPv4-compatible IPv6 `::/96`.
    Reserved,
}

impl SpecialRange {
    /// The range in words, for a sentence: "a private address (RFC 1918)".
    pub fn describe(self) -> &'static str {
        match self {
            SpecialRange::Unspecified => "an unspecified address (0.0.0.0/8 or ::)",
            SpecialRange::Loopback => "a loopback address (this machine)",
            SpecialRange::Private => "a private address (RFC 1918)",
            SpecialRange::UniqueLocal => "a unique local IPv6 address (fc00::/7)",
            SpecialRange::LinkLocal => "a link-local address (169.254.0.0/16 or fe80::/10)",
            SpecialRange::SharedCgnat => "a carrier-grade NAT address (100.64.0.0/10, RFC 6598)",
            SpecialRange::Multicast => "a multicast address",
            SpecialRange::Documentation => "a documentation address (RFC 5737, RFC 3849)",
            SpecialRange::Benchmarking => "a benchmarking address (198.18.0.0/15)",
            SpecialRange::Reserved => "a reserved or broadcast address",
        }
    }
}

impl fmt::Display for SpecialRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The special range `ip` lies in, or `None` for a public unicast address (the only kind a
/// DNS server on the Internet can have).
pub fn special_range(ip: IpAddr) -> Option<SpecialRange> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<SpecialRange> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, _, _) => SpecialRange::Unspecified,
        (127, _, _) => SpecialRange::Loopback,
        (10, _, _) | (192, 168, _) => SpecialRange::Private,
        (172, 16..=31, _) => SpecialRange::Private,
        (169, 254, _) => SpecialRange::LinkLocal,
        (100, 64..=127, _) => SpecialRange::SharedCgnat,
        (224..=239, _, _) => SpecialRange::Multicast,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => SpecialRange::Documentation,
        (198, 18..=19, _) => SpecialRange::Benchmarking,
        (192, 0, 0) | (240..=255, _, _) => SpecialRange::Reserved,
        _ => return None,
    })
}

fn special_v6(ip: Ipv6Addr) -> Option<SpecialRange> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return special_v4(v4);
    }
    let segments = ip.segments();
    // NAT64's well-known prefix 64:ff9b::/96 (RFC 6052): a translator sends the packet on to
    // the IPv4 address in the last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return special_v4(v4);
    }
    if ip.is_unspecified() {
        return Some(SpecialRange::Unspecified);
    }
    if ip.is_loopback() {
        return Some(SpecialRange::Loopback);
    }
    // The deprecated IPv4-compatible ::/96 (RFC 4291 §2.5.5.1): not routed.
    if segments[..6] == [0; 6] {
        return Some(SpecialRange::Reserved);
    }
    Some(match segments[0] {
        0xfc00..=0xfdff => SpecialRange::UniqueLocal,
        0xfe80..=0xfebf => SpecialRange::LinkLocal,
        0xff00..=0xffff => SpecialRange::Multicast,
        0x2001 if segments[1] == 0x0db8 => SpecialRange::Documentation,
        0x3fff if segments[1] < 0x1000 => SpecialRange::Documentation,
        _ => return None,
    })
}

/// An address prefix (`127.53.0.0/16`, `fd00::/8`): a network an [`AddressPolicy`] makes an
/// exception for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    network: IpAddr,
    len: u8,
}

impl IpPrefix {
    /// The prefix of `len` bits of `address` (the bits after it are ignored); `None` when
    /// `len` is longer than the address.
    pub fn new(address: IpAddr, len: u8) -> Option<IpPrefix> {
        let max = if address.is_ipv4() { 32 } else { 128 };
        (len <= max).then_some(IpPrefix {
            network: address,
            len,
        })
    }

    /// Whether `ip` lies in the prefix (an IPv4 prefix never holds an IPv6 address, nor the
    /// reverse).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.len)
    }
}

/// Why text is not an [`IpPrefix`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an address or ADDRESS/LENGTH (for example 127.53.0.0/16 or fd00::/8)")]
pub struct IpPrefixError(String);

impl FromStr for IpPrefix {
    type Err = IpPrefixError;

    /// `ADDRESS/LENGTH`, or an address alone (the prefix holding only it).
    fn from_str(text: &str) -> Result<IpPrefix, IpPrefixError> {
        let bad = || IpPrefixError(text.chars().take(60).collect());
        let (address, len) = match text.trim().split_once('/') {
            Some((address, len)) => (address, Some(len)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let len = match len {
            Some(len) => len.parse::<u8>().map_err(|_| bad())?,
            None if address.is_ipv4() => 32,
            None => 128,
        };
        IpPrefix::new(address, len).ok_or_else(bad)
    }
}

/// Which addresses queries may be sent to. [`AddressPolicy::any`] refuses none;
/// [`AddressPolicy::public_only`] refuses every [`special_range`] address except those in the
/// prefixes given to [`AddressPolicy::allow`] (a lab's network).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressPolicy {
    public_only: bool,
    allowed: Vec<IpPrefix>,
}

impl AddressPolicy {
    /// Every address may be asked (command-line checks, labs).
    pub fn any() -> AddressPolicy {
        AddressPolicy::default()
    }

    /// Only public unicast addresses may be asked: what a service that checks domains chosen
    /// by strangers needs, so that a zone cannot point it at the machine it runs on or at its
    /// private network.
    pub fn public_only() -> AddressPolicy {
        AddressPolicy {
            public_only: true,
            allowed: Vec::new(),
        }
    }

    /// The same policy, with the addresses of `prefix` allowed whatever their range.
    pub fn allow(mut self, prefix: IpPrefix) -> AddressPolicy {
        self.allowed.push(prefix);
        self
    }

    /// Whether this policy refuses any address at all.
    pub fn is_public_only(&self) -> bool {
        self.public_only
    }

    /// Why `ip` must not be asked under this policy: the special range it lies in, or `None`
    /// when it may be asked.
    pub fn refuses(&self, ip: IpAddr) -> Option<SpecialRange> {
        if !self.public_only || self.allowed.iter().any(|p| p.contains(ip)) {
            return None;
        }
        special_range(ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Option<SpecialRange> {
        special_range(text.parse().unwrap())
    }

    #[test]
    fn every_special_ipv4_range_is_recognised() {
        use SpecialRange::*;
        let cases = [
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.53.0.1", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("169.254.169.254", LinkLocal),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("224.0.0.251", Multicast),
            ("239.255.255.255", Multicast),
            ("192.0.2.53", Documentation),
            ("198.51.100.1", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Benchmarking),
            ("192.0.0.8", Reserved),
            ("240.0.0.1", Reserved),
            ("255.255.255.255", Reserved),
        ];
        for (ip, expected) in cases {
            assert_eq!(range(ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn public_ipv4_neighbours_of_the_ranges_are_public() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "169.253.255.255",
            "192.0.3.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "192.5.5.241",
        ] {
            assert_eq!(range(ip), None, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges_and_embedded_ipv4_are_recognised() {
        use SpecialRange::*;
        let cases = [
            ("::", Unspecified),
            ("::1", Loopback),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("fe80::1", LinkLocal),
            ("ff02::1", Multicast),
            ("2001:db8::53", Documentation),
            ("3fff::1", Documentation),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.0.0.1", Private),
            ("::ffff:169.254.169.254", LinkLocal),
            ("64:ff9b::10.0.0.1", Private),
            ("64:ff9b::127.0.0.1", Loopback),
            ("::10.0.0.1", Reserved),
        ];
        for (ip, expected) in cases {
            assert_eq!(range(ip), Some(expected), "{ip}");
        }
        for ip in [
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2001:db9::1",
            "3fff:1000::1",
        ] {
            assert_eq!(range(ip), None, "{ip}");
        }
    }

    #[test]
    fn any_refuses_nothing_and_public_only_refuses_special_ranges() {
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let public: IpAddr = "192.5.5.241".parse().unwrap();
        assert_eq!(AddressPolicy::any().refuses(loopback), None);
        let strict = AddressPolicy::public_only();
        assert_eq!(strict.refuses(loopback), Some(SpecialRange::Loopback));
        assert_eq!(strict.refuses(public), None);
    }

    #[test]
    fn allowed_prefixes_are_exceptions_and_nothing_more() {
        let policy = AddressPolicy::public_only().allow("127.53.0.0/16".parse().unwrap());
        assert_eq!(policy.refuses("127.53.200.1".parse().unwrap()), None);
        assert_eq!(
            policy.refuses("127.0.0.1".parse().unwrap()),
            Some(SpecialRange::Loopback)
        );
        assert_eq!(
            policy.refuses("10.0.0.1".parse().unwrap()),
            Some(SpecialRange::Private)
        );
    }

    #[test]
    fn prefixes_parse_and_contain() {
        let p: IpPrefix = "10.1.0.0/16".parse().unwrap();
        assert!(p.contains("10.1.2.3".parse().unwrap()));
        assert!(!p.contains("10.2.0.1".parse().unwrap()));
        assert!(!p.contains("::ffff:10.1.2.3".parse().unwrap()));
        let all: IpPrefix = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.1".parse().unwrap()));
        let host: IpPrefix = "fd00::5".parse().unwrap();
        assert!(host.contains("fd00::5".parse().unwrap()));
        assert!(!host.contains("fd00::6".parse().unwrap()));
        let v6: IpPrefix = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        for bad in ["10.0.0.0/33", "::/129", "example.com", "10.0.0.0/x", ""] {
            assert!(bad.parse::<IpPrefix>().is_err(), "{bad}");
        }
        assert_eq!(p.to_string(), "10.1.0.0/16");
    }
}

/// The driver applies the policy before anything is sent: a refused server costs no packet.
#[cfg(all(test, feature = "io"))]
mod driver_tests {
    use super::*;
    use crate::resolver::{Resolver, ResolverConfig, WalkOutcome};
    use crate::transport::{NotChecked, QueryError};
    use crate::RecordType;

    #[tokio::test]
    async fn a_refused_root_is_not_sent_a_single_query() {
        // Port 9 (discard): were anything sent, it would time out instead of being refused.
        let mut config = ResolverConfig::lab(["127.0.0.1".parse().unwrap()], 9);
        config.address_policy = AddressPolicy::public_only();
        let resolver = Resolver::new(config);
        let name = "example.com".parse().unwrap();
        let result = resolver.lookup(&name, RecordType::A).await;
        assert!(
            matches!(result.outcome, WalkOutcome::Failed(_)),
            "{result:?}"
        );
        let queries: Vec<_> = result.trace.queries().collect();
        assert!(!queries.is_empty());
        for query in queries {
            assert!(
                matches!(
                    query.result,
                    Err(QueryError::NotChecked {
                        why: NotChecked::Refused {
                            range: SpecialRange::Loopback
                        },
                        ..
                    })
                ),
                "{query:?}"
            );
        }
        assert_eq!(resolver.stats().queries, 0, "a packet was sent");
    }
}
