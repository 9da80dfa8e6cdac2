//! The project's miniature internet on 127.53.0.0/16: root, TLDs, name-server host zones, an
//! SES-like DKIM hierarchy, mail-provider zones and one customer domain per failure (see
//! [`crate::scenarios`]).
//!
//! Address plan (every server listens on the same port: 53 in the BIND lab, any port in
//! process):
//!
//! | addresses | host names | zones |
//! |---|---|---|
//! | 127.53.0.1-2 | `a/b.root.lab-servers.net` | `.` |
//! | 127.53.1.1-2 / .3-4 / .5-6 | `a/b.{com,net,org}.lab-servers.net` | `com.`, `net.`, `org.` |
//! | 127.53.2.1-2 | `ns1/ns2.lab-servers.net` | `lab-servers.net.` (all `*.lab-servers.net` hosts) |
//! | 127.53.3.1-2 | `ns1/ns2.amazonses.com` | `amazonses.com.` |
//! | 127.53.3.3-4 | `ns-dkim1/2.amazonses.com` | `dkim.amazonses.com.` |
//! | 127.53.3.5-6 | `ns-dkim-region1/2.amazonses.com` | `dkim.eu-central-2.amazonses.com.`, `dkim.af-south-1.amazonses.com.` |
//! | 127.53.4.1-2 / .3-4 / .5-6 | `ns1/ns2.{sendgrid.net,onmicrosoft.com,brevo.com}` | those zones |
//! | 127.53.10.1-2 | `ns1/ns2.dnshost.com` | `dnshost.com.` and most customer domains |
//! | 127.53.11.1-2 | `ns-1/ns-2.awsdns-lab.net` | `awsdns-lab.net.`, the undelegated copy of `moved-to-route53.com.`, `route53-healthy.com.` |
//! | 127.53.11.3-4 | `ns-3/ns-4.awsdns-lab.org` | `awsdns-lab.org.`, `route53-healthy.com.` |
//! | 127.53.12.1 | `lame.lab-servers.net` | none: answers REFUSED (lame) |
//! | 127.53.12.2-3 | `void1/void2.lab-servers.net` | none: nothing listens (unreachable) |
//! | 127.53.13.1-2 | `ns1/ns2.managed-dkim.net` | `managed-dkim.net.`, `_domainkey.dkim-zone-cut.com.` |
//! | 127.53.14.1 | `ns1.smallhost.net` and its second name `ns2.smallhost.net` | `smallhost.net.`, `small-host.com.` |

use std::net::Ipv4Addr;

use dns_wire::dnssec::RingCrypto;
use dns_wire::{Name, RData, Record, RecordType};

use crate::build::{name, ZoneBuilder};
use crate::keys;
use crate::network::{Behaviour, HostedZone, Network, Server, Zone};
use crate::scenarios::*;
use crate::signing::{covers, delegation_ds, sign_zone, Denial, Window, ZoneKeys};

const fn ip(c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 53, c, d)
}

/// Every server of the miniature internet: host name, address, behaviour.
const SERVERS: &[(&str, Ipv4Addr)] = &[
    ("a.root.lab-servers.net", ip(0, 1)),
    ("b.root.lab-servers.net", ip(0, 2)),
    ("a.com.lab-servers.net", ip(1, 1)),
    ("b.com.lab-servers.net", ip(1, 2)),
    ("a.net.lab-servers.net", ip(1, 3)),
    ("b.net.lab-servers.net", ip(1, 4)),
    ("a.org.lab-servers.net", ip(1, 5)),
    ("b.org.lab-servers.net", ip(1, 6)),
    ("ns1.lab-servers.net", ip(2, 1)),
    ("ns2.lab-servers.net", ip(2, 2)),
    ("ns1.amazonses.com", ip(3, 1)),
    ("ns2.amazonses.com", ip(3, 2)),
    ("ns-dkim1.amazonses.com", ip(3, 3)),
    ("ns-dkim2.amazonses.com", ip(3, 4)),
    ("ns-dkim-region1.amazonses.com", ip(3, 5)),
    ("ns-dkim-region2.amazonses.com", ip(3, 6)),
    ("ns1.sendgrid.net", ip(4, 1)),
    ("ns2.sendgrid.net", ip(4, 2)),
    ("ns1.onmicrosoft.com", ip(4, 3)),
    ("ns2.onmicrosoft.com", ip(4, 4)),
    ("ns1.brevo.com", ip(4, 5)),
    ("ns2.brevo.com", ip(4, 6)),
    ("ns1.dnshost.com", ip(10, 1)),
    ("ns2.dnshost.com", ip(10, 2)),
    ("ns-1.awsdns-lab.net", ip(11, 1)),
    ("ns-2.awsdns-lab.net", ip(11, 2)),
    ("ns-3.awsdns-lab.org", ip(11, 3)),
    ("ns-4.awsdns-lab.org", ip(11, 4)),
    ("lame.lab-servers.net", ip(12, 1)),
    ("void1.lab-servers.net", ip(12, 2)),
    ("void2.lab-servers.net", ip(12, 3)),
    ("ns1.managed-dkim.net", ip(13, 1)),
    ("ns2.managed-dkim.net", ip(13, 2)),
    ("ns1.smallhost.net", ip(14, 1)),
];

/// Second host names of servers of [`SERVERS`] (name, the server's own name): an NS name with
/// the same address as another, as small hosts publish `ns1` and `ns2` for one machine.
const ALIASES: &[(&str, &str)] = &[("ns2.smallhost.net", "ns1.smallhost.net")];

/// The Route 53-style servers in `.org` (with [`ROUTE53_NS`] in `.net`, the four of
/// [`ROUTE53_HOSTED_NS`]).
const AWSDNS_ORG: [&str; 2] = ["ns-3.awsdns-lab.org", "ns-4.awsdns-lab.org"];

/// The small host's two NS names (one server).
const SMALLHOST: [&str; 2] = ["ns1.smallhost.net", "ns2.smallhost.net"];

/// The address of a host of [`SERVERS`] or [`ALIASES`].
fn addr_of(host: &str) -> Ipv4Addr {
    let host = ALIASES
        .iter()
        .find(|(alias, _)| *alias == host)
        .map_or(host, |(_, server)| *server);
    SERVERS
        .iter()
        .find(|(h, _)| *h == host)
        .map(|(_, a)| *a)
        .unwrap_or_else(|| panic!("lab description: {host} is not a server"))
}

/// Every host name with an address: the servers' own names, then their second names.
fn host_names() -> impl Iterator<Item = (&'static str, Ipv4Addr)> {
    SERVERS
        .iter()
        .copied()
        .chain(ALIASES.iter().map(|(alias, _)| (*alias, addr_of(alias))))
}

fn behaviour_of(addr: Ipv4Addr) -> Behaviour {
    match addr {
        a if a == ip(12, 1) => Behaviour::Refuse,
        a if a == ip(12, 2) || a == ip(12, 3) => Behaviour::Unreachable,
        _ => Behaviour::Authoritative,
    }
}

const TLD_HOSTS: &[(&str, [&str; 2])] = &[
    ("com", ["a.com.lab-servers.net", "b.com.lab-servers.net"]),
    ("net", ["a.net.lab-servers.net", "b.net.lab-servers.net"]),
    ("org", ["a.org.lab-servers.net", "b.org.lab-servers.net"]),
];

const DNSHOST: [&str; 2] = ["ns1.dnshost.com", "ns2.dnshost.com"];

/// The domains delegated to dnshost.com's two servers with identical data on both.
const DNSHOST_DOMAINS: &[&str] = &[
    SES_HEALTHY,
    SES_MISSING,
    SES_PARTIAL,
    SES_DUPLICATED,
    SES_UNDERSCORE,
    SES_TXT_INSTEAD,
    SES_FLATTENED,
    SES_ORIGIN_APPENDED,
    SES_SWAPPED,
    SES_OTHER_REGION,
    SES_REGIONAL,
    SES_UNRESOLVABLE,
    MOVED_TO_ROUTE53,
    GLUELESS,
    DKIM_ZONE_CUT,
    WILDCARD,
    SELECTOR_HEALTHY,
    KEY_SPLIT,
    KEY_ED25519,
    KEY_MALFORMED,
    KEY_REVOKED,
    KEY_WEAK_512,
    KEY_WEAK_768,
    KEY_RSA_1024,
    KEY_TESTING,
    KEY_SHA1,
    KEY_MULTIPLE,
    KEY_HASH,
    KEY_PKCS1,
    KEY_VERSION_LATE,
    KEY_EMPTY,
    SENDGRID_CUSTOMER,
    M365_CUSTOMER,
    BREVO_CUSTOMER,
    DKIM_SIGNED,
    ESP_MAILER,
    MAIL_FROM_HEALTHY,
    MAIL_FROM_MX_MISSING,
    MAIL_FROM_OTHER_REGION,
    MAIL_FROM_DUPLICATED,
    SPF_TWO_RECORDS,
    SPF_TOO_MANY,
    SPF_NO_AMAZONSES,
    DMARC_STRICT,
    DMARC_TWO_RECORDS,
    DMARC_MISSING,
    MAIL_FROM_MX_WRONG,
    MAIL_FROM_RECEIVES,
    MAIL_FROM_APEX,
    MAIL_FROM_CNAME,
    SPF_SYNTAX,
    SPF_INCLUDE_BROKEN,
    DMARC_SYNTAX,
    DMARC_NONE,
    DMARC_ORG,
];

/// How each customer domain is delegated from its TLD: (domain, NS hosts in the parent).
fn delegations() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut list: Vec<(&str, Vec<&str>)> = DNSHOST_DOMAINS
        .iter()
        .map(|d| (*d, DNSHOST.to_vec()))
        .collect();
    list.push((SES_INCONSISTENT, DNSHOST.to_vec()));
    list.push((MAIL_FROM_INCONSISTENT, DNSHOST.to_vec()));
    list.push((DMARC_INCONSISTENT, DNSHOST.to_vec()));
    list.push((NS_MISMATCH, DNSHOST.to_vec()));
    list.push((MANY_NS, many_ns_hosts()));
    list.push((LAME, vec!["ns1.dnshost.com", "lame.lab-servers.net"]));
    list.push((
        UNREACHABLE,
        vec!["void1.lab-servers.net", "void2.lab-servers.net"],
    ));
    list.push(("dnshost.com", DNSHOST.to_vec()));
    list.push((
        "lab-servers.net",
        vec!["ns1.lab-servers.net", "ns2.lab-servers.net"],
    ));
    list.push((
        "amazonses.com",
        vec!["ns1.amazonses.com", "ns2.amazonses.com"],
    ));
    list.push(("sendgrid.net", vec!["ns1.sendgrid.net", "ns2.sendgrid.net"]));
    list.push((
        "onmicrosoft.com",
        vec!["ns1.onmicrosoft.com", "ns2.onmicrosoft.com"],
    ));
    list.push(("brevo.com", vec!["ns1.brevo.com", "ns2.brevo.com"]));
    list.push(("awsdns-lab.net", ROUTE53_NS.to_vec()));
    list.push(("awsdns-lab.org", AWSDNS_ORG.to_vec()));
    list.push((ROUTE53_HEALTHY, ROUTE53_HOSTED_NS.to_vec()));
    list.push((
        "managed-dkim.net",
        vec!["ns1.managed-dkim.net", "ns2.managed-dkim.net"],
    ));
    list.push(("smallhost.net", SMALLHOST.to_vec()));
    for domain in DNSSEC_DOMAINS {
        list.push((domain, DNSHOST.to_vec()));
    }
    list.push((SMALL_HOST, SMALLHOST.to_vec()));
    list
}

/// The NS names of [`MANY_NS`].
const MANY_NS_HOSTS: [&str; MANY_NS_COUNT] = [
    "ns01.dnshost.com",
    "ns02.dnshost.com",
    "ns03.dnshost.com",
    "ns04.dnshost.com",
    "ns05.dnshost.com",
    "ns06.dnshost.com",
    "ns07.dnshost.com",
    "ns08.dnshost.com",
    "ns09.dnshost.com",
    "ns10.dnshost.com",
    "ns11.dnshost.com",
    "ns12.dnshost.com",
    "ns13.dnshost.com",
    "ns14.dnshost.com",
    "ns15.dnshost.com",
    "ns16.dnshost.com",
    "ns17.dnshost.com",
    "ns18.dnshost.com",
    "ns19.dnshost.com",
    "ns20.dnshost.com",
];

fn many_ns_hosts() -> Vec<&'static str> {
    MANY_NS_HOSTS.to_vec()
}

fn tld_of(domain: &str) -> &str {
    domain.rsplit('.').next().unwrap_or(domain)
}

/// Adds the addresses of `hosts` to a zone builder when they lie below `origin` (glue).
fn with_glue(mut zone: ZoneBuilder, origin: &str, hosts: &[&str]) -> ZoneBuilder {
    let origin = name(origin);
    for host in hosts {
        if name(host).is_subdomain_of(&origin) {
            zone = zone.a(host, addr_of(host));
        }
    }
    zone
}

fn root_zone() -> Zone {
    let roots = ["a.root.lab-servers.net", "b.root.lab-servers.net"];
    let mut zone = ZoneBuilder::new(".", &roots);
    zone = with_glue(zone, ".", &roots);
    for (tld, hosts) in TLD_HOSTS {
        for host in hosts {
            zone = zone.ns(tld, host);
        }
        zone = with_glue(zone, ".", hosts);
    }
    zone.build()
}

fn tld_zone(tld: &str, hosts: &[&str; 2]) -> Zone {
    let mut zone = ZoneBuilder::new(tld, hosts);
    zone = with_glue(zone, tld, hosts);
    let mut glued: Vec<&str> = Vec::new();
    for (domain, ns) in delegations() {
        if tld_of(domain) != tld {
            continue;
        }
        for host in &ns {
            zone = zone.ns(domain, host);
            if !glued.contains(host) && name(host).is_subdomain_of(&name(tld)) {
                zone = zone.a(host, addr_of(host));
                glued.push(host);
            }
        }
    }
    zone.build()
}

fn lab_servers_zone() -> Zone {
    let mut zone = ZoneBuilder::new(
        "lab-servers.net",
        &["ns1.lab-servers.net", "ns2.lab-servers.net"],
    );
    for (host, addr) in SERVERS {
        if host.ends_with(".lab-servers.net") {
            zone = zone.a(host, *addr);
        }
    }
    zone.build()
}

fn host_zone(origin: &str, hosts: &[&str]) -> Zone {
    let mut zone = ZoneBuilder::new(origin, hosts);
    for (host, addr) in host_names() {
        if name(host).is_subdomain_of(&name(origin)) {
            zone = zone.a(host, addr);
        }
    }
    if origin == "dnshost.com" {
        // The many names of many-ns.net's servers, alternating between dnshost's addresses.
        for (i, host) in many_ns_hosts().into_iter().enumerate() {
            zone = zone.a(host, addr_of(DNSHOST[i % 2]));
        }
    }
    zone.a(&format!("www.{origin}"), Ipv4Addr::new(192, 0, 2, 80))
        .build()
}

fn amazonses_zone() -> Zone {
    let mut zone = ZoneBuilder::new("amazonses.com", &["ns1.amazonses.com", "ns2.amazonses.com"]);
    for (host, addr) in SERVERS {
        if host.ends_with(".amazonses.com") {
            zone = zone.a(host, *addr);
        }
    }
    // The SPF record MAIL FROM domains include (SES's sending ranges; no lookups of its own).
    zone = zone.txt_long("amazonses.com", AMAZONSES_SPF);
    for host in ["ns-dkim1.amazonses.com", "ns-dkim2.amazonses.com"] {
        zone = zone.ns(SES_DKIM_ZONE, host);
    }
    for regional in [SES_REGIONAL_DKIM_ZONE, SES_OTHER_REGIONAL_DKIM_ZONE] {
        for host in [
            "ns-dkim-region1.amazonses.com",
            "ns-dkim-region2.amazonses.com",
        ] {
            zone = zone.ns(regional, host);
        }
    }
    zone.build()
}

/// An SES DKIM zone: the first token's target holds the key (`p=` only, as SES publishes it),
/// the others `""`, the state SES keeps them in between rotations.
fn ses_dkim_zone(origin: &str, hosts: &[&str], tokens: &[&str; 3], key: &str) -> Zone {
    let mut zone = ZoneBuilder::new(origin, hosts);
    for (i, token) in tokens.iter().enumerate() {
        let owner = format!("{token}.{origin}");
        zone = if i == 0 {
            zone.txt_long(&owner, &format!("p={key}"))
        } else {
            zone.txt(&owner, &[""])
        };
    }
    zone.build()
}

fn dkim_rsa(key: &str) -> String {
    format!("v=DKIM1; k=rsa; p={key}")
}

fn sendgrid_zone() -> Zone {
    let mut zone = ZoneBuilder::new("sendgrid.net", &["ns1.sendgrid.net", "ns2.sendgrid.net"]);
    zone = with_glue(
        zone,
        "sendgrid.net",
        &["ns1.sendgrid.net", "ns2.sendgrid.net"],
    );
    for selector in SENDGRID_SELECTORS {
        zone = zone.txt_long(
            &format!("{selector}.domainkey.u4821907.wl117.sendgrid.net"),
            &format!("k=rsa; t=s; p={}", keys::RSA_2048),
        );
    }
    zone.build()
}

fn m365_target(selector: &str) -> String {
    format!("{selector}-m365-customer-com._domainkey.m365customer.onmicrosoft.com")
}

fn onmicrosoft_zone() -> Zone {
    let hosts = ["ns1.onmicrosoft.com", "ns2.onmicrosoft.com"];
    let mut zone = with_glue(
        ZoneBuilder::new("onmicrosoft.com", &hosts),
        "onmicrosoft.com",
        &hosts,
    );
    for selector in M365_SELECTORS {
        zone = zone.txt_long(&m365_target(selector), &dkim_rsa(keys::RSA_2048));
    }
    zone.build()
}

fn brevo_zone() -> Zone {
    let hosts = ["ns1.brevo.com", "ns2.brevo.com"];
    let mut zone = with_glue(ZoneBuilder::new("brevo.com", &hosts), "brevo.com", &hosts);
    for i in 0..BREVO_SELECTORS.len() {
        let hop1 = format!("b{}.brevo-customer-com.dkim.brevo.com", i + 1);
        let hop2 = format!("brevo{}.dkim.brevo.com", 12 + i);
        zone = zone
            .cname(&hop1, &hop2)
            .txt_long(&hop2, &dkim_rsa(keys::RSA_2048));
    }
    zone.build()
}

fn dk(selector: &str, domain: &str) -> String {
    format!("{selector}._domainkey.{domain}")
}

/// The three correct SES CNAMEs of `domain` for `tokens` into `zone`.
fn ses_cnames(mut zone: ZoneBuilder, domain: &str, tokens: &[&str], ses_zone: &str) -> ZoneBuilder {
    for token in tokens {
        zone = zone.cname(&dk(token, domain), &format!("{token}.{ses_zone}"));
    }
    zone
}

/// The SPF record at amazonses.com's apex: SES's sending ranges.
const AMAZONSES_SPF: &str = "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19 ip4:54.240.96.0/19 ip4:76.223.128.0/19 -all";

/// The SPF record SES documents for a MAIL FROM domain.
const SES_MAIL_FROM_SPF: &str = "v=spf1 include:amazonses.com ~all";

/// The customer domains whose `_dmarc` record is their scenario's own (or absent).
const OWN_DMARC: &[&str] = &[
    DMARC_STRICT,
    DMARC_TWO_RECORDS,
    DMARC_MISSING,
    DMARC_SYNTAX,
    DMARC_INCONSISTENT,
    DMARC_NONE,
];

/// A customer zone at `domain` with the given apex NS set, filled by `fill`: an address and
/// an SPF record at the apex, and a DMARC record (`p=quarantine`) unless the scenario is
/// about DMARC.
fn customer(domain: &str, ns: &[&str], fill: impl FnOnce(ZoneBuilder) -> ZoneBuilder) -> Zone {
    let mut zone = ZoneBuilder::new(domain, ns)
        .a(domain, Ipv4Addr::new(192, 0, 2, 10))
        .txt(domain, &["v=spf1 include:amazonses.com ~all"]);
    if !OWN_DMARC.contains(&domain) {
        zone = zone.txt(
            &format!("_dmarc.{domain}"),
            &[&format!(
                "v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{domain}"
            )],
        );
    }
    fill(zone).build()
}

/// `bounce.<domain>`, the MAIL FROM domain of the identity scenarios.
fn bounce(domain: &str) -> String {
    format!("{MAIL_FROM_LABEL}.{domain}")
}

/// The SES CNAMEs and a correct custom MAIL FROM domain (MX to us-east-1, SES's SPF record).
fn ses_with_mail_from(z: ZoneBuilder, domain: &str) -> ZoneBuilder {
    ses_cnames(z, domain, &SES_TOKENS, SES_DKIM_ZONE)
        .mx(&bounce(domain), 10, FEEDBACK_US_EAST_1)
        .txt(&bounce(domain), &[SES_MAIL_FROM_SPF])
}

/// The zones of the customer domains served identically by both dnshost.com servers.
fn dnshost_customer_zones() -> Vec<Zone> {
    let t = SES_TOKENS;
    let sel = SELECTOR_MAIL;
    let ses_target = |token: &str| format!("{token}.{SES_DKIM_ZONE}");
    DNSHOST_DOMAINS
        .iter()
        .map(|&domain| {
            customer(domain, &DNSHOST, |z| match domain {
                SES_HEALTHY | GLUELESS => ses_cnames(z, domain, &t, SES_DKIM_ZONE),
                SES_MISSING | MOVED_TO_ROUTE53 => z,
                SES_PARTIAL => ses_cnames(z, domain, &t[..1], SES_DKIM_ZONE),
                SES_DUPLICATED => t.iter().fold(z, |z, token| {
                    z.cname(
                        &format!("{}.{domain}", dk(token, domain)),
                        &ses_target(token),
                    )
                }),
                SES_UNDERSCORE => t.iter().fold(z, |z, token| {
                    z.cname(&format!("{token}.domainkey.{domain}"), &ses_target(token))
                }),
                SES_TXT_INSTEAD => t.iter().fold(z, |z, token| {
                    z.txt(&dk(token, domain), &[&ses_target(token)])
                }),
                SES_FLATTENED => t.iter().enumerate().fold(z, |z, (i, token)| {
                    z.a(&dk(token, domain), Ipv4Addr::new(192, 0, 2, 21 + i as u8))
                }),
                SES_ORIGIN_APPENDED => t.iter().fold(z, |z, token| {
                    z.cname(
                        &dk(token, domain),
                        &format!("{}.{domain}", ses_target(token)),
                    )
                }),
                SES_SWAPPED => z
                    .cname(&dk(t[0], domain), &ses_target(t[1]))
                    .cname(&dk(t[1], domain), &ses_target(t[0]))
                    .cname(&dk(t[2], domain), &ses_target(t[2])),
                SES_OTHER_REGION => ses_cnames(z, domain, &t, SES_REGIONAL_DKIM_ZONE),
                SES_REGIONAL => ses_cnames(z, domain, &REGIONAL_TOKENS, SES_REGIONAL_DKIM_ZONE),
                SES_UNRESOLVABLE => ses_cnames(z, domain, &UNKNOWN_TOKENS, SES_DKIM_ZONE),
                DKIM_ZONE_CUT => z
                    .ns(&format!("_domainkey.{domain}"), "ns1.managed-dkim.net")
                    .ns(&format!("_domainkey.{domain}"), "ns2.managed-dkim.net"),
                WILDCARD => z.txt_long(&dk("*", domain), &dkim_rsa(keys::RSA_2048)),
                SELECTOR_HEALTHY => {
                    z.txt_long(&dk(SELECTOR_GOOGLE, domain), &dkim_rsa(keys::RSA_2048))
                }
                KEY_SPLIT => {
                    let (head, tail) = keys::RSA_2048.split_at(150);
                    z.txt(
                        &dk(sel, domain),
                        &["v=DKIM1; k=rsa; ", &format!("p={head}"), tail],
                    )
                }
                KEY_ED25519 => z.txt(
                    &dk(sel, domain),
                    &[&format!("v=DKIM1; k=ed25519; p={}", keys::ED25519)],
                ),
                KEY_MALFORMED => z.txt(
                    &dk(sel, domain),
                    &["v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GN!!not*base64**"],
                ),
                KEY_REVOKED => z.txt(&dk(sel, domain), &["v=DKIM1; k=rsa; p="]),
                KEY_WEAK_512 => z.txt(&dk(sel, domain), &[&dkim_rsa(keys::RSA_512)]),
                KEY_WEAK_768 => z.txt(&dk(sel, domain), &[&dkim_rsa(keys::RSA_768)]),
                KEY_RSA_1024 => z.txt(&dk(sel, domain), &[&dkim_rsa(keys::RSA_1024)]),
                KEY_TESTING => z.txt_long(
                    &dk(sel, domain),
                    &format!("v=DKIM1; k=rsa; t=y; p={}", keys::RSA_2048),
                ),
                KEY_SHA1 => z.txt_long(
                    &dk(sel, domain),
                    &format!("v=DKIM1; k=rsa; h=sha1; p={}", keys::RSA_2048),
                ),
                KEY_MULTIPLE => z
                    .txt_long(&dk(sel, domain), &dkim_rsa(keys::RSA_2048))
                    .txt(&dk(sel, domain), &[&dkim_rsa(keys::RSA_1024)]),
                KEY_HASH => z.txt_long(
                    &dk(sel, domain),
                    &format!("v=DKIM1; k=rsa; h=rsa-sha256; p={}", keys::RSA_2048),
                ),
                KEY_PKCS1 => z.txt_long(&dk(sel, domain), &dkim_rsa(keys::RSA_2048_PKCS1)),
                KEY_VERSION_LATE => z.txt_long(
                    &dk(sel, domain),
                    &format!("k=rsa; v=DKIM1; p={}", keys::RSA_2048),
                ),
                KEY_EMPTY => z.txt(&dk(sel, domain), &[""]),
                SENDGRID_CUSTOMER => SENDGRID_SELECTORS.iter().fold(z, |z, s| {
                    z.cname(
                        &dk(s, domain),
                        &format!("{s}.domainkey.u4821907.wl117.sendgrid.net"),
                    )
                }),
                M365_CUSTOMER => M365_SELECTORS
                    .iter()
                    .fold(z, |z, s| z.cname(&dk(s, domain), &m365_target(s))),
                BREVO_CUSTOMER => BREVO_SELECTORS.iter().enumerate().fold(z, |z, (i, s)| {
                    z.cname(
                        &dk(s, domain),
                        &format!("b{}.brevo-customer-com.dkim.brevo.com", i + 1),
                    )
                }),
                DKIM_SIGNED => {
                    let rsa = dkim_rsa(keys::MAIL_RSA_2048);
                    let ed = format!("v=DKIM1; k=ed25519; p={}", keys::MAIL_ED25519);
                    let news = format!("news.{domain}");
                    z.txt_long(&dk("rsa2048", domain), &rsa)
                        .txt(&dk("ed25519", domain), &[&ed])
                        .txt_long(&dk("rsa2048", &news), &rsa)
                        .txt(&dk("ed25519", &news), &[&ed])
                        .txt_long(
                            &dk("sha1only", domain),
                            &format!("v=DKIM1; k=rsa; h=sha1; p={}", keys::MAIL_RSA_2048),
                        )
                        .txt(&dk("revoked", domain), &["v=DKIM1; k=rsa; p="])
                        .txt_long(&dk("rotated", domain), &dkim_rsa(keys::RSA_2048))
                }
                ESP_MAILER => z.txt_long(&dk("esp", domain), &dkim_rsa(keys::MAIL_RSA_2048)),
                MAIL_FROM_HEALTHY => ses_with_mail_from(z, domain),
                MAIL_FROM_MX_MISSING => ses_cnames(z, domain, &t, SES_DKIM_ZONE)
                    .txt(&bounce(domain), &[SES_MAIL_FROM_SPF]),
                MAIL_FROM_OTHER_REGION => {
                    ses_cnames(z, domain, &REGIONAL_TOKENS, SES_REGIONAL_DKIM_ZONE)
                        .mx(&bounce(domain), 10, FEEDBACK_US_EAST_1)
                        .txt(&bounce(domain), &[SES_MAIL_FROM_SPF])
                }
                MAIL_FROM_DUPLICATED => {
                    let doubled = format!("{}.{domain}", bounce(domain));
                    ses_cnames(z, domain, &t, SES_DKIM_ZONE)
                        .mx(&doubled, 10, FEEDBACK_US_EAST_1)
                        .txt(&doubled, &[SES_MAIL_FROM_SPF])
                }
                SPF_TWO_RECORDS => ses_with_mail_from(z, domain)
                    .txt(&bounce(domain), &["v=spf1 include:_spf.google.com ~all"]),
                SPF_TOO_MANY => ses_cnames(z, domain, &t, SES_DKIM_ZONE)
                    .mx(&bounce(domain), 10, FEEDBACK_US_EAST_1)
                    // 5 lookups here, 4 in _spf1, 3 in _spf2: 12.
                    .txt(
                        &bounce(domain),
                        &[&format!(
                            "v=spf1 include:amazonses.com include:_spf1.{domain} include:_spf2.{domain} mx a ~all"
                        )],
                    )
                    .txt(
                        &format!("_spf1.{domain}"),
                        &[&format!(
                            "v=spf1 a mx a:mail1.{domain} a:mail2.{domain} ip4:192.0.2.0/24 ~all"
                        )],
                    )
                    .txt(
                        &format!("_spf2.{domain}"),
                        &[&format!(
                            "v=spf1 mx:mail3.{domain} exists:%{{i}}._spf.{domain} ptr ~all"
                        )],
                    ),
                SPF_NO_AMAZONSES => ses_cnames(z, domain, &t, SES_DKIM_ZONE)
                    .mx(&bounce(domain), 10, FEEDBACK_US_EAST_1)
                    .txt(&bounce(domain), &["v=spf1 ip4:192.0.2.25 mx ~all"]),
                DMARC_STRICT => ses_with_mail_from(z, domain).txt(
                    &format!("_dmarc.{domain}"),
                    &[&format!(
                        "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc-reports@{domain}"
                    )],
                ),
                DMARC_TWO_RECORDS => ses_with_mail_from(z, domain)
                    .txt(
                        &format!("_dmarc.{domain}"),
                        &[&format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}")],
                    )
                    .txt(&format!("_dmarc.{domain}"), &["v=DMARC1; p=reject"]),
                DMARC_MISSING => ses_cnames(z, domain, &t, SES_DKIM_ZONE),
                MAIL_FROM_MX_WRONG => ses_cnames(z, domain, &t, SES_DKIM_ZONE)
                    .mx(
                        &bounce(domain),
                        10,
                        &format!("{FEEDBACK_US_EAST_1}.{domain}"),
                    )
                    .txt(&bounce(domain), &[SES_MAIL_FROM_SPF]),
                MAIL_FROM_RECEIVES => ses_with_mail_from(z, domain)
                    .mx(&bounce(domain), 5, &format!("mx1.{domain}"))
                    .a(&format!("mx1.{domain}"), Ipv4Addr::new(192, 0, 2, 25)),
                MAIL_FROM_APEX => ses_cnames(z, domain, &t, SES_DKIM_ZONE).mx(
                    domain,
                    10,
                    FEEDBACK_US_EAST_1,
                ),
                MAIL_FROM_CNAME => ses_cnames(z, domain, &t, SES_DKIM_ZONE)
                    .cname(&bounce(domain), FEEDBACK_US_EAST_1),
                SPF_SYNTAX => ses_cnames(z, domain, &t, SES_DKIM_ZONE)
                    .mx(&bounce(domain), 10, FEEDBACK_US_EAST_1)
                    .txt(&bounce(domain), &["v=spf1 include amazonses.com ~all"]),
                SPF_INCLUDE_BROKEN => ses_cnames(z, domain, &t, SES_DKIM_ZONE)
                    .mx(&bounce(domain), 10, FEEDBACK_US_EAST_1)
                    .txt(
                        &bounce(domain),
                        &[&format!(
                            "v=spf1 include:amazonses.com include:_spf.mailer.{domain} ~all"
                        )],
                    ),
                DMARC_SYNTAX => ses_cnames(z, domain, &t, SES_DKIM_ZONE).txt(
                    &format!("_dmarc.{domain}"),
                    &[&format!(
                        "v=DMARC1; p=reject: rua=mailto:dmarc-reports@{domain}"
                    )],
                ),
                DMARC_NONE => ses_cnames(z, domain, &t, SES_DKIM_ZONE).txt(
                    &format!("_dmarc.{domain}"),
                    &[&format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}")],
                ),
                DMARC_ORG => ses_cnames(z, DMARC_ORG_SUBDOMAIN, &t, SES_DKIM_ZONE),
                other => panic!("lab description: no content for {other}"),
            })
        })
        .collect()
}

/// The miniature internet: every zone, every server, the two roots.
pub fn miniature_internet() -> Network {
    let servers = SERVERS
        .iter()
        .map(|(host, addr)| Server {
            host: name(host),
            addr: *addr,
            ipv6: None,
            behaviour: behaviour_of(*addr),
        })
        .collect();
    let mut zones: Vec<HostedZone> = Vec::new();
    let mut host = |zone: Zone, hosts: &[&str]| {
        let mut servers: Vec<Ipv4Addr> = hosts.iter().map(|h| addr_of(h)).collect();
        // Two names of one server serve the zone once.
        servers.dedup();
        zones.push(HostedZone { zone, servers })
    };

    host(
        root_zone(),
        &["a.root.lab-servers.net", "b.root.lab-servers.net"],
    );
    for (tld, hosts) in TLD_HOSTS {
        host(tld_zone(tld, hosts), hosts);
    }
    host(
        lab_servers_zone(),
        &["ns1.lab-servers.net", "ns2.lab-servers.net"],
    );
    host(
        amazonses_zone(),
        &["ns1.amazonses.com", "ns2.amazonses.com"],
    );
    let dkim_hosts = ["ns-dkim1.amazonses.com", "ns-dkim2.amazonses.com"];
    host(
        ses_dkim_zone(SES_DKIM_ZONE, &dkim_hosts, &SES_TOKENS, keys::SES_2048),
        &dkim_hosts,
    );
    let region_hosts = [
        "ns-dkim-region1.amazonses.com",
        "ns-dkim-region2.amazonses.com",
    ];
    host(
        ses_dkim_zone(
            SES_REGIONAL_DKIM_ZONE,
            &region_hosts,
            &REGIONAL_TOKENS,
            keys::RSA_2048,
        ),
        &region_hosts,
    );
    host(
        ZoneBuilder::new(SES_OTHER_REGIONAL_DKIM_ZONE, &region_hosts).build(),
        &region_hosts,
    );
    host(sendgrid_zone(), &["ns1.sendgrid.net", "ns2.sendgrid.net"]);
    host(
        onmicrosoft_zone(),
        &["ns1.onmicrosoft.com", "ns2.onmicrosoft.com"],
    );
    host(brevo_zone(), &["ns1.brevo.com", "ns2.brevo.com"]);
    host(host_zone("dnshost.com", &DNSHOST), &DNSHOST);
    host(host_zone("awsdns-lab.net", &ROUTE53_NS), &ROUTE53_NS);
    host(host_zone("awsdns-lab.org", &AWSDNS_ORG), &AWSDNS_ORG);
    host(
        customer(ROUTE53_HEALTHY, &ROUTE53_HOSTED_NS, |z| {
            ses_cnames(z, ROUTE53_HEALTHY, &SES_TOKENS, SES_DKIM_ZONE)
        }),
        &ROUTE53_HOSTED_NS,
    );
    let managed = ["ns1.managed-dkim.net", "ns2.managed-dkim.net"];
    host(host_zone("managed-dkim.net", &managed), &managed);
    host(host_zone("smallhost.net", &SMALLHOST), &SMALLHOST);
    host(
        customer(SMALL_HOST, &SMALLHOST, |z| {
            ses_cnames(z, SMALL_HOST, &SES_TOKENS, SES_DKIM_ZONE)
        }),
        &SMALLHOST,
    );

    for zone in dnshost_customer_zones() {
        host(zone, &DNSHOST);
    }
    // Servers inconsistent: ns1 has the newer serial with the records, ns2 the older without.
    host(
        customer(SES_INCONSISTENT, &DNSHOST, |z| {
            ses_cnames(z, SES_INCONSISTENT, &SES_TOKENS, SES_DKIM_ZONE).serial(2026112602)
        }),
        &["ns1.dnshost.com"],
    );
    host(
        customer(SES_INCONSISTENT, &DNSHOST, |z| z),
        &["ns2.dnshost.com"],
    );
    // The MAIL FROM MX only on ns1, same serial (an edit made on one server only).
    host(
        customer(MAIL_FROM_INCONSISTENT, &DNSHOST, |z| {
            ses_with_mail_from(z, MAIL_FROM_INCONSISTENT)
        }),
        &["ns1.dnshost.com"],
    );
    host(
        customer(MAIL_FROM_INCONSISTENT, &DNSHOST, |z| {
            ses_cnames(z, MAIL_FROM_INCONSISTENT, &SES_TOKENS, SES_DKIM_ZONE)
                .txt(&bounce(MAIL_FROM_INCONSISTENT), &[SES_MAIL_FROM_SPF])
        }),
        &["ns2.dnshost.com"],
    );
    // Two DMARC policies, one per server, same serial.
    for (server, policy) in [("ns1.dnshost.com", "reject"), ("ns2.dnshost.com", "none")] {
        host(
            customer(DMARC_INCONSISTENT, &DNSHOST, |z| {
                ses_cnames(z, DMARC_INCONSISTENT, &SES_TOKENS, SES_DKIM_ZONE).txt(
                    &format!("_dmarc.{DMARC_INCONSISTENT}"),
                    &[&format!("v=DMARC1; p={policy}")],
                )
            }),
            &[server],
        );
    }
    // Parent lists ns1+ns2, the apex only ns1 (ns2 still serves it, as after a half-done move).
    host(
        customer(NS_MISMATCH, &["ns1.dnshost.com"], |z| {
            ses_cnames(z, NS_MISMATCH, &SES_TOKENS, SES_DKIM_ZONE)
        }),
        &DNSHOST,
    );
    // Many NS names, two addresses: healthy, more names than are checked.
    let many = many_ns_hosts();
    host(
        customer(MANY_NS, &many, |z| {
            ses_cnames(z, MANY_NS, &SES_TOKENS, SES_DKIM_ZONE)
        }),
        &DNSHOST,
    );
    // Lame: the parent also names lame.lab-servers.net, which refuses.
    host(
        customer(LAME, &["ns1.dnshost.com", "lame.lab-servers.net"], |z| {
            ses_cnames(z, LAME, &SES_TOKENS, SES_DKIM_ZONE)
        }),
        &["ns1.dnshost.com"],
    );
    // Unreachable: the zone exists only on addresses where nothing listens.
    host(
        customer(
            UNREACHABLE,
            &["void1.lab-servers.net", "void2.lab-servers.net"],
            |z| ses_cnames(z, UNREACHABLE, &SES_TOKENS, SES_DKIM_ZONE),
        ),
        &["void1.lab-servers.net", "void2.lab-servers.net"],
    );
    // Moved to Route 53 but never re-delegated: the records live only on the awsdns-lab servers.
    host(
        customer(MOVED_TO_ROUTE53, &ROUTE53_NS, |z| {
            ses_cnames(z, MOVED_TO_ROUTE53, &SES_TOKENS, SES_DKIM_ZONE)
        }),
        &ROUTE53_NS,
    );
    // The `_domainkey` zone cut of dkim-zone-cut.com.
    host(
        ZoneBuilder::new(&format!("_domainkey.{DKIM_ZONE_CUT}"), &managed)
            .txt_long(&dk(SELECTOR_MAIL, DKIM_ZONE_CUT), &dkim_rsa(keys::RSA_2048))
            .build(),
        &managed,
    );

    for (zone, hosts) in dnssec_customer_zones() {
        host(zone, hosts);
    }
    sign_lab(&mut zones);

    Network {
        servers,
        zones,
        roots: vec![ip(0, 1), ip(0, 2)],
    }
}

/// The domains of the DNSSEC scenarios (all on dnshost's servers).
const DNSSEC_DOMAINS: [&str; 15] = [
    DNSSEC_SECURE,
    DNSSEC_UNSIGNED,
    DNSSEC_MOVED,
    DNSSEC_UNSIGNED_HOST,
    DNSSEC_NO_RRSIG,
    DNSSEC_BAD_SIGNATURE,
    DNSSEC_EXPIRED,
    DNSSEC_EXPIRING,
    DNSSEC_HALF_SIGNED,
    DNSSEC_BAD_DENIAL,
    DNSSEC_ESP_CUSTOMER,
    DNSSEC_BOGUS_ESP,
    DNSSEC_ESP_HALF_CUSTOMER,
    DNSSEC_HALF_ESP,
    DNSSEC_RSAMD5,
];

/// The zones of the DNSSEC scenarios, unsigned yet ([`sign_lab`] signs them), with the
/// servers of each copy.
fn dnssec_customer_zones() -> Vec<(Zone, &'static [&'static str])> {
    const NS1: &[&str] = &["ns1.dnshost.com"];
    const NS2: &[&str] = &["ns2.dnshost.com"];
    let mut out: Vec<(Zone, &'static [&'static str])> = Vec::new();
    for domain in DNSSEC_DOMAINS {
        let zone = match domain {
            // The whole SES setup (DKIM, MAIL FROM, DMARC): the domain DNSSEC's cost is
            // measured on.
            DNSSEC_SECURE => customer(domain, &DNSHOST, |z| ses_with_mail_from(z, domain)),
            DNSSEC_BAD_DENIAL => customer(domain, &DNSHOST, |z| {
                ses_cnames(z, domain, &SES_TOKENS[..2], SES_DKIM_ZONE)
            }),
            DNSSEC_ESP_CUSTOMER | DNSSEC_ESP_HALF_CUSTOMER => {
                let esp = if domain == DNSSEC_ESP_CUSTOMER {
                    DNSSEC_BOGUS_ESP
                } else {
                    DNSSEC_HALF_ESP
                };
                customer(domain, &DNSHOST, |z| {
                    z.cname(
                        &dk(SELECTOR_MAIL, domain),
                        &format!("{SELECTOR_MAIL}.dkim.{esp}"),
                    )
                })
            }
            DNSSEC_BOGUS_ESP | DNSSEC_HALF_ESP => ZoneBuilder::new(domain, &DNSHOST)
                .txt_long(
                    &format!("{SELECTOR_MAIL}.dkim.{domain}"),
                    &dkim_rsa(keys::RSA_2048),
                )
                .build(),
            DNSSEC_RSAMD5 => {
                let mut zone = customer(domain, &DNSHOST, |z| {
                    ses_cnames(z, domain, &SES_TOKENS, SES_DKIM_ZONE)
                });
                zone.records
                    .push(Record::new(name(domain), 3600, RData::Dnskey(rsamd5_key())));
                zone
            }
            _ => customer(domain, &DNSHOST, |z| {
                ses_cnames(z, domain, &SES_TOKENS, SES_DKIM_ZONE)
            }),
        };
        if domain == DNSSEC_HALF_SIGNED || domain == DNSSEC_HALF_ESP {
            out.push((zone.clone(), NS1));
            out.push((zone, NS2));
        } else {
            out.push((zone, &DNSHOST));
        }
    }
    out
}

/// The RSAMD5 (algorithm 1) key of `dnssec-rsamd5.com`: validators do not use the algorithm,
/// so the key is never checked (RFC 6840 §5.2); its bytes only need to be fixed.
fn rsamd5_key() -> dns_wire::Dnskey {
    dns_wire::Dnskey {
        flags: 257,
        protocol: 3,
        algorithm: 1,
        public_key: [&[3u8, 1, 0, 1][..], &[0xA5; 128]].concat(),
    }
}

/// How one zone of the lab is signed: its key generation (1: a new host's keys), denial
/// and signature window.
fn signing_of(origin: &str) -> Option<(u8, Denial, Window)> {
    let plain = (0, Denial::Nsec, Window::LONG);
    Some(match origin {
        "." => plain,
        "com" | "net" | "org" => (0, Denial::Nsec3OptOut, Window::LONG),
        "amazonses.com" | SES_DKIM_ZONE | SES_REGIONAL_DKIM_ZONE | SES_OTHER_REGIONAL_DKIM_ZONE => {
            plain
        }
        DNSSEC_SECURE
        | DNSSEC_NO_RRSIG
        | DNSSEC_BAD_SIGNATURE
        | DNSSEC_HALF_SIGNED
        | DNSSEC_BAD_DENIAL
        | DNSSEC_ESP_HALF_CUSTOMER
        | DNSSEC_HALF_ESP => plain,
        DNSSEC_MOVED | DNSSEC_BOGUS_ESP => (1, Denial::Nsec, Window::LONG),
        DNSSEC_EXPIRED => (0, Denial::Nsec, Window::EXPIRED),
        DNSSEC_EXPIRING => (0, Denial::Nsec, Window::EXPIRING),
        _ => return None,
    })
}

/// The DS records the parents publish: every signed zone's (generation 0, so a zone signed
/// with the new host's keys does not match), a DS for the unsigned `dnssec-unsigned-host.com`,
/// and the RSAMD5 key's.
fn lab_ds(origin: &Name) -> Option<Record> {
    let text = origin.to_string();
    let text = text.trim_end_matches('.');
    if text == DNSSEC_RSAMD5 {
        let ds = dns_wire::dnssec::keys::ds_for(&RingCrypto, origin, &rsamd5_key(), 2)?;
        return Some(Record::new(origin.clone(), 3600, RData::Ds(ds)));
    }
    if origin.is_root() || (signing_of(text).is_none() && text != DNSSEC_UNSIGNED_HOST) {
        return None;
    }
    Some(delegation_ds(origin, &ZoneKeys::lab(origin, 0)))
}

/// Signs the lab: DS records into the parents, every zone [`signing_of`] names signed, then the
/// breakage of the DNSSEC scenarios.
fn sign_lab(zones: &mut [HostedZone]) {
    for hosted in zones.iter_mut() {
        let cuts = hosted.zone.delegations();
        hosted.zone.records.extend(cuts.iter().filter_map(lab_ds));
    }
    for hosted in zones.iter_mut() {
        let origin = hosted.zone.origin.to_string();
        let origin = origin.trim_end_matches('.');
        let origin = if origin.is_empty() { "." } else { origin };
        let Some((generation, denial, window)) = signing_of(origin) else {
            continue;
        };
        // half-esp.net's second server signs with the next generation's keys, which its DS
        // does not name.
        let generation =
            if origin == DNSSEC_HALF_ESP && hosted.servers == [addr_of("ns2.dnshost.com")] {
                1
            } else {
                generation
            };
        let keys = ZoneKeys::lab(&hosted.zone.origin, generation);
        hosted.zone = sign_zone(&hosted.zone, &keys, denial, window);
        let dkim_cname_sig = |r: &Record| {
            covers(r, RecordType::CNAME) && r.name.to_string().contains("._domainkey.")
        };
        match origin {
            DNSSEC_NO_RRSIG => hosted.zone.records.retain(|r| !dkim_cname_sig(r)),
            DNSSEC_HALF_SIGNED if hosted.servers == [addr_of("ns2.dnshost.com")] => {
                hosted.zone.records.retain(|r| !dkim_cname_sig(r))
            }
            DNSSEC_BAD_SIGNATURE => {
                for r in hosted.zone.records.iter_mut().filter(|r| dkim_cname_sig(r)) {
                    if let RData::Rrsig(sig) = &mut r.data {
                        if let Some(b) = sig.signature.first_mut() {
                            *b ^= 0x55;
                        }
                    }
                }
            }
            // The NSEC that covers the missing third token goes, with its RRSIG; the rest of
            // the chain stays (BIND serves a zone without an NSEC at its apex as unsigned,
            // which would be another fault). Both labs then answer the NXDOMAIN with the NSEC
            // before it, which does not reach the name.
            DNSSEC_BAD_DENIAL => {
                let missing: Name = format!("{}._domainkey.{DNSSEC_BAD_DENIAL}", SES_TOKENS[2])
                    .parse()
                    .expect("a valid name");
                let covering: Option<Name> =
                    hosted.zone.records.iter().find_map(|r| match &r.data {
                        RData::Nsec(n) if crate::signing::between(&r.name, &n.next, &missing) => {
                            Some(r.name.clone())
                        }
                        _ => None,
                    });
                hosted.zone.records.retain(|r| {
                    Some(&r.name) != covering.as_ref()
                        || (r.rtype() != RecordType::NSEC && !covers(r, RecordType::NSEC))
                })
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authority::answer;
    use dns_wire::{Message, RData, Rcode, RecordType};

    #[test]
    fn miniature_internet_is_valid() {
        let net = miniature_internet();
        net.validate().unwrap();
        // Every scenario domain is delegated from its TLD (or lies in a zone that is).
        for s in SCENARIOS {
            let tld = name(tld_of(s.domain));
            let mut delegated = name(s.domain);
            while delegated.parent().is_some_and(|p| p != tld) {
                delegated = delegated.parent().unwrap();
            }
            let tld_zone = &net
                .zones
                .iter()
                .find(|h| h.zone.origin == tld)
                .unwrap()
                .zone;
            assert!(
                tld_zone.delegations().contains(&delegated),
                "{} is not delegated",
                s.domain
            );
        }
    }

    #[test]
    fn every_ns_host_has_an_address_somewhere() {
        let net = miniature_internet();
        for hosted in &net.zones {
            for record in &hosted.zone.records {
                if let RData::Ns(host) = &record.data {
                    assert!(
                        !net.servers_named(host).is_empty(),
                        "{host} (NS of {}) is not a server",
                        record.name
                    );
                }
            }
        }
    }

    #[test]
    fn small_host_names_share_one_address() {
        let net = miniature_internet();
        let query = Message::query(1, name("ns2.smallhost.net"), RecordType::A);
        let response = answer(&net.zones_of(addr_of("ns1.smallhost.net")), &query);
        assert_eq!(response.answers.len(), 1);
        assert_eq!(response.answers[0].data, RData::A(ip(14, 1)));
        assert_eq!(net.servers_of(&name(SMALL_HOST)), vec![ip(14, 1)]);
        // com. refers to the two names without glue (they live in net.).
        let com = Message::query(1, name(SMALL_HOST), RecordType::NS);
        let referral = answer(&net.zones_of(addr_of("a.com.lab-servers.net")), &com);
        assert_eq!(referral.authority.len(), 2);
        assert!(referral
            .additional
            .iter()
            .all(|r| r.rtype() == RecordType::OPT));
    }

    /// Walks from the root through the model, without sockets, as a resolver would.
    fn walk(net: &Network, qname: &str, qtype: RecordType) -> Message {
        let query = Message::query(1, name(qname), qtype);
        let mut server = net.roots[0];
        for _ in 0..10 {
            let response = answer(&net.zones_of(server), &query);
            if response.header.authoritative || response.rcode() != Rcode::NOERROR {
                return response;
            }
            // Glue when there is some; otherwise the NS host's address from the server list
            // (a resolver would look it up; this walk only needs to get there).
            let glue = response.additional.iter().find_map(|r| match r.data {
                RData::A(a) => Some(a),
                _ => None,
            });
            let by_host = response.authority.iter().find_map(|r| match &r.data {
                RData::Ns(host) => net.servers.iter().find(|s| &s.host == host).map(|s| s.addr),
                _ => None,
            });
            let glue = glue.or(by_host);
            let Some(next) = glue else { return response };
            server = next;
        }
        panic!("walk for {qname} did not end");
    }

    #[test]
    fn ses_key_reachable_from_the_root() {
        let net = miniature_internet();
        let r = walk(
            &net,
            &format!("{}.{SES_DKIM_ZONE}", SES_TOKENS[0]),
            RecordType::TXT,
        );
        assert!(r.header.authoritative);
        let RData::Txt(txt) = &r.answers[0].data else {
            panic!("not TXT")
        };
        assert_eq!(txt.len(), 2);
        assert!(txt.concatenated().starts_with(b"p=MIIB"));
        let r = walk(
            &net,
            &format!("{}.{SES_DKIM_ZONE}", SES_TOKENS[1]),
            RecordType::TXT,
        );
        assert_eq!(r.answers[0].data, RData::Txt(dns_wire::Txt::new([b""])));
        let r = walk(&net, &dk(SES_TOKENS[0], SES_HEALTHY), RecordType::CNAME);
        assert!(r.header.authoritative);
        assert_eq!(
            r.answers[0].data,
            RData::Cname(name(&format!("{}.{SES_DKIM_ZONE}", SES_TOKENS[0])))
        );
    }

    #[test]
    fn inconsistent_servers_disagree() {
        let net = miniature_internet();
        let query = Message::query(
            1,
            name(&dk(SES_TOKENS[0], SES_INCONSISTENT)),
            RecordType::CNAME,
        );
        let a = answer(&net.zones_of(addr_of("ns1.dnshost.com")), &query);
        let b = answer(&net.zones_of(addr_of("ns2.dnshost.com")), &query);
        assert_eq!(a.answers.len(), 1);
        assert_eq!(b.rcode(), Rcode::NXDOMAIN);
    }
}
