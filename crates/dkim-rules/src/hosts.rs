//! Which DNS host serves a zone, recognised from the names of its name servers, and what a
//! user of that host's web form needs to know. The table is data, dated, in one place:
//! update [`DNS_HOSTS`] and [`DNS_HOST_TABLE_DATE`] together.

use dns_wire::Name;
use serde::Serialize;

use crate::finding::FindingCode;

/// When [`DNS_HOSTS`] was last checked against the hosts' documented name server names and
/// record forms.
pub const DNS_HOST_TABLE_DATE: &str = "2026-12-05";

/// How a host's name server names are recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsPattern {
    /// The NS name ends with this domain (`ns.cloudflare.com` matches
    /// `anna.ns.cloudflare.com`).
    Suffix(&'static str),
    /// One label of the NS name starts with this text (`awsdns-` matches
    /// `ns-1234.awsdns-12.org`, whatever the TLD).
    LabelPrefix(&'static str),
}

impl NsPattern {
    fn matches(self, ns: &Name) -> bool {
        let text = ns.to_string_relative().to_ascii_lowercase();
        match self {
            NsPattern::Suffix(suffix) => text == suffix || text.ends_with(&format!(".{suffix}")),
            NsPattern::LabelPrefix(prefix) => text.split('.').any(|l| l.starts_with(prefix)),
        }
    }
}

/// Something about a host's record form that a fix must mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quirk {
    /// The name field adds the domain itself: a full name typed there ends up doubled.
    AppendsDomain,
    /// Records can be proxied (an IP address answers instead of the CNAME) and CNAMEs can be
    /// flattened.
    Proxy,
    /// Several zones with the same name can exist at the host; only the one the registrar
    /// delegates to is live.
    SeveralZonesSameName,
}

impl Quirk {
    /// The finding codes whose fix this quirk touches.
    pub fn touches(self, code: FindingCode) -> bool {
        use FindingCode::*;
        match self {
            Quirk::AppendsDomain => matches!(
                code,
                RecordMissing
                    | RecordsPartial
                    | DomainDuplicated
                    | UnderscoreStripped
                    | WrongRecordType
                    | WildcardAnswer
            ),
            Quirk::Proxy => matches!(code, WrongRecordType | RecordMissing | RecordsPartial),
            Quirk::SeveralZonesSameName => {
                matches!(code, DelegationMismatch | RecordMissing | RecordsPartial)
            }
        }
    }

    /// What to do about it, in one sentence, for a host called `host`.
    pub fn advice(self, host: &str) -> String {
        match self {
            Quirk::AppendsDomain => format!(
                "{host} adds the domain to the name itself: enter the name without the domain (the part before it), not the full name."
            ),
            Quirk::Proxy => format!(
                "{host}: set each DKIM record's proxy status to \"DNS only\" (grey cloud), and do not flatten it; a proxied record answers with {host}'s IP addresses instead of the CNAME."
            ),
            Quirk::SeveralZonesSameName => format!(
                "{host} can hold several zones with the same name; only the one whose NS records are the ones your registrar lists is live: edit that one."
            ),
        }
    }
}

/// One DNS host of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsHost {
    /// The host's name as its users know it (`Route 53`).
    pub name: &'static str,
    /// Its name servers.
    pub ns: &'static [NsPattern],
    /// Where records are typed, `{zone}` standing for the zone (`the Route 53 hosted zone for
    /// {zone}`).
    pub place: &'static str,
    /// What its record form does that the fixes must mention.
    pub quirks: &'static [Quirk],
}

use NsPattern::{LabelPrefix, Suffix};
use Quirk::{AppendsDomain, Proxy, SeveralZonesSameName};

/// The DNS hosts recognised by their name servers (checked on [`DNS_HOST_TABLE_DATE`]). A
/// zone whose name servers match none is shown by its NS names as they are.
pub const DNS_HOSTS: &[DnsHost] = &[
    DnsHost {
        name: "Route 53",
        ns: &[LabelPrefix("awsdns-")],
        place: "the Route 53 hosted zone for {zone}",
        quirks: &[AppendsDomain, SeveralZonesSameName],
    },
    DnsHost {
        name: "Cloudflare",
        ns: &[Suffix("ns.cloudflare.com")],
        place: "Cloudflare's DNS records for {zone}",
        quirks: &[Proxy],
    },
    DnsHost {
        name: "GoDaddy",
        ns: &[Suffix("domaincontrol.com")],
        place: "GoDaddy's DNS management for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "Namecheap",
        ns: &[Suffix("registrar-servers.com")],
        place: "Namecheap's Advanced DNS page for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        // Google Domains used the same servers before it moved to Squarespace in 2023.
        name: "Google Cloud DNS (or Squarespace Domains, formerly Google Domains)",
        ns: &[Suffix("googledomains.com")],
        place: "the Google Cloud DNS zone (or Squarespace Domains DNS settings) for {zone}",
        quirks: &[AppendsDomain, SeveralZonesSameName],
    },
    DnsHost {
        name: "Azure DNS",
        ns: &[
            Suffix("azure-dns.com"),
            Suffix("azure-dns.net"),
            Suffix("azure-dns.org"),
            Suffix("azure-dns.info"),
        ],
        place: "the Azure DNS zone for {zone}",
        quirks: &[AppendsDomain, SeveralZonesSameName],
    },
    DnsHost {
        name: "DigitalOcean",
        ns: &[Suffix("digitalocean.com")],
        place: "DigitalOcean's Networking → Domains page for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "Gandi",
        ns: &[Suffix("gandi.net")],
        place: "Gandi's DNS records for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "OVHcloud",
        ns: &[Suffix("ovh.net"), Suffix("ovh.ca"), Suffix("anycast.me")],
        place: "the OVHcloud DNS zone of {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "Hetzner",
        ns: &[
            Suffix("ns.hetzner.com"),
            Suffix("ns.hetzner.de"),
            Suffix("your-server.de"),
            Suffix("second-ns.com"),
        ],
        place: "Hetzner DNS Console's zone {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "IONOS",
        ns: &[
            Suffix("ui-dns.com"),
            Suffix("ui-dns.de"),
            Suffix("ui-dns.org"),
            Suffix("ui-dns.biz"),
        ],
        place: "IONOS's DNS settings for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "Wix",
        ns: &[Suffix("wixdns.net")],
        place: "Wix's DNS records for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "Hostinger",
        ns: &[Suffix("dns-parking.com"), Suffix("hostinger.com")],
        place: "Hostinger's DNS zone editor for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "Porkbun",
        ns: &[Suffix("ns.porkbun.com")],
        place: "Porkbun's DNS records for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "Name.com",
        ns: &[Suffix("name.com")],
        place: "Name.com's DNS records for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        name: "DNSimple",
        ns: &[Suffix("dnsimple.com"), Suffix("dnsimple-edge.net")],
        place: "DNSimple's records for {zone}",
        quirks: &[AppendsDomain],
    },
    DnsHost {
        // Squarespace Domains serves its customers' zones from NS1's servers too.
        name: "NS1 (or Squarespace Domains)",
        ns: &[Suffix("nsone.net")],
        place: "the NS1 zone (or Squarespace Domains DNS settings) for {zone}",
        quirks: &[AppendsDomain],
    },
];

/// The host whose name servers include `ns`, if the table knows it.
pub fn dns_host_of(ns: &Name) -> Option<&'static DnsHost> {
    DNS_HOSTS
        .iter()
        .find(|host| host.ns.iter().any(|p| p.matches(ns)))
}

/// A set of name servers and the host they belong to (`None`: not in the table; the NS
/// names are shown as they are).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostServers {
    /// The host's name, when the table knows it.
    pub host: Option<&'static str>,
    /// The name servers, as found.
    #[serde(serialize_with = "crate::serde_dns::names::serialize")]
    pub ns: Vec<Name>,
    /// What its record form does that fixes must mention.
    pub quirks: Vec<Quirk>,
}

impl HostServers {
    /// Groups name servers by host, in the order first seen (several hosts when a zone is
    /// served by more than one provider).
    pub fn group(ns: &[Name]) -> Vec<HostServers> {
        let mut groups: Vec<(Option<&'static DnsHost>, Vec<Name>)> = Vec::new();
        for name in ns {
            let host = dns_host_of(name);
            let name = name.to_lowercase();
            match groups
                .iter_mut()
                .find(|(h, _)| h.map(|h| h.name) == host.map(|h| h.name))
            {
                Some((_, names)) => {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                None => groups.push((host, vec![name])),
            }
        }
        groups
            .into_iter()
            .map(|(host, ns)| HostServers {
                host: host.map(|h| h.name),
                quirks: host.map(|h| h.quirks.to_vec()).unwrap_or_default(),
                ns,
            })
            .collect()
    }

    fn table_entry(&self) -> Option<&'static DnsHost> {
        self.host
            .and_then(|name| DNS_HOSTS.iter().find(|h| h.name == name))
    }

    /// The NS names, comma separated, without final dots.
    pub fn ns_list(&self) -> String {
        self.ns
            .iter()
            .map(Name::to_string_relative)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A short label: `Route 53 (ns-1.awsdns-1.org, ...)` or the NS names alone.
    pub fn label(&self) -> String {
        match self.host {
            Some(host) => format!("{host}: {}", self.ns_list()),
            None => format!("the DNS host of {}", self.ns_list()),
        }
    }

    /// Where to type records for `zone`: `the Route 53 hosted zone for example.com, the one
    /// whose NS records are ns-1.awsdns-1.org, ...`.
    pub fn place(&self, zone: &Name) -> String {
        let zone = zone.to_string_relative();
        match self.table_entry() {
            Some(entry) => format!(
                "{}, the one whose NS records are {}",
                entry.place.replace("{zone}", &zone),
                self.ns_list()
            ),
            None => format!(
                "the zone {zone} at the DNS host whose name servers are {}",
                self.ns_list()
            ),
        }
    }

    /// The quirks of this host that touch a finding with `code`, as sentences.
    pub fn advice_for(&self, code: FindingCode) -> Vec<String> {
        let Some(host) = self.host else {
            return Vec::new();
        };
        self.quirks
            .iter()
            .filter(|q| q.touches(code))
            .map(|q| q.advice(host))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(ns: &str) -> Option<&'static str> {
        dns_host_of(&ns.parse().unwrap()).map(|h| h.name)
    }

    #[test]
    fn every_host_of_the_issue_is_recognised() {
        let cases = [
            ("ns-1234.awsdns-12.org", "Route 53"),
            ("ns-99.awsdns-01.co.uk.", "Route 53"),
            ("anna.ns.cloudflare.com", "Cloudflare"),
            ("ns51.domaincontrol.com", "GoDaddy"),
            ("dns1.registrar-servers.com", "Namecheap"),
            (
                "ns-cloud-a1.googledomains.com",
                "Google Cloud DNS (or Squarespace Domains, formerly Google Domains)",
            ),
            ("ns1-01.azure-dns.com", "Azure DNS"),
            ("ns4-01.azure-dns.info", "Azure DNS"),
            ("ns1.digitalocean.com", "DigitalOcean"),
            ("ns-123-a.gandi.net", "Gandi"),
            ("dns10.ovh.net", "OVHcloud"),
            ("hydrogen.ns.hetzner.com", "Hetzner"),
            ("ns1045.ui-dns.de", "IONOS"),
            ("ns2.wixdns.net", "Wix"),
            ("ns1.dns-parking.com", "Hostinger"),
            ("curitiba.ns.porkbun.com", "Porkbun"),
            ("ns1hvx.name.com", "Name.com"),
            ("ns1.dnsimple.com", "DNSimple"),
            ("dns1.p01.nsone.net", "NS1 (or Squarespace Domains)"),
        ];
        for (ns, expected) in cases {
            assert_eq!(host(ns), Some(expected), "{ns}");
        }
        assert_eq!(host("ns1.dnshost.com"), None);
        // A suffix matches whole labels only.
        assert_eq!(host("ns1.notdomaincontrol.com"), None);
        assert_eq!(host("myname.com"), None);
    }

    #[test]
    fn servers_are_grouped_by_host_and_placed() {
        let ns: Vec<Name> = [
            "ns-1234.awsdns-12.org",
            "ns-5.awsdns-00.com",
            "ns1.dnshost.com",
            "ns2.dnshost.com",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let groups = HostServers::group(&ns);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].host, Some("Route 53"));
        let zone: Name = "example.com".parse().unwrap();
        assert_eq!(
            groups[0].place(&zone),
            "the Route 53 hosted zone for example.com, the one whose NS records are ns-1234.awsdns-12.org, ns-5.awsdns-00.com"
        );
        assert_eq!(groups[1].host, None);
        assert_eq!(
            groups[1].label(),
            "the DNS host of ns1.dnshost.com, ns2.dnshost.com"
        );
        assert!(groups[1].advice_for(FindingCode::RecordMissing).is_empty());
        assert_eq!(
            groups[0].advice_for(FindingCode::DelegationMismatch).len(),
            1
        );
    }

    #[test]
    fn cloudflare_quirk_touches_wrong_type() {
        let groups = HostServers::group(&["anna.ns.cloudflare.com".parse().unwrap()]);
        let advice = groups[0].advice_for(FindingCode::WrongRecordType);
        assert!(advice[0].contains("DNS only"), "{advice:?}");
    }
}
