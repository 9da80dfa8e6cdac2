//! What the CLI saw, handed to [`crate::diagnose`]: plain data, serde both ways, so tests can
//! keep observations as JSON fixtures.
//!
//! The check machine fills it from the run: [`ZoneDelegation`] from the walk to the zone that holds the
//! names, one [`ProbeObservation`] per probe that goes to that zone's servers (with one
//! [`ServerAnswer`] per server and address asked), and one [`TargetResolution`] per CNAME
//! target resolved through its own zone.

use std::net::IpAddr;

use dns_wire::resolver::{special_range, SpecialRange};
use dns_wire::transport::NotChecked;
use dns_wire::{Message, Name, RData, Rcode, Record, RecordType};
use serde::{Deserialize, Serialize};

use crate::serde_dns;

/// Everything observed for one [`crate::Check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Observations {
    /// The delegation of the zone that holds the DKIM names.
    pub delegation: ZoneDelegation,
    /// Answers to the probes sent to that zone's servers (and to the user's `--expect-ns`).
    #[serde(default)]
    pub probes: Vec<ProbeObservation>,
    /// Resolutions of TXT at CNAME targets (and at the expected SES targets), each through
    /// the target's own zone.
    #[serde(default)]
    pub targets: Vec<TargetResolution>,
    /// Set when this machine could not reach DNS servers at all: nothing observed says
    /// anything about the domain.
    #[serde(default)]
    pub network: Option<NetworkProblem>,
    /// Set for a reduced check: every probe was asked of this recursive resolver (RD set)
    /// instead of the authoritative servers, so its answers (without the AA flag) stand in
    /// for theirs, and nothing is known of individual servers or of the delegation.
    #[serde(default)]
    pub reduced: Option<ReducedCheck>,
    /// DNSSEC evidence (DS, DNSKEY and the signed answers, per server), when the run checked
    /// DNSSEC (not with `--no-dnssec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<crate::dnssec::DnssecObservations>,
}

impl Observations {
    /// The smallest TTL, in seconds, of the records observed: every record of every server's
    /// answer and authority sections (for the SOA of an authority section, the smaller of its
    /// TTL and its MINIMUM: how long a resolver may keep the "does not exist" it comes with,
    /// RFC 2308), every record of the target lookups, and the zone's SOA. Unless a record is
    /// changed, what these observations say stays what resolvers see at least that long, so a
    /// report made from them may be reused that long. `None` when no record was observed.
    pub fn min_ttl(&self) -> Option<u32> {
        let answered = self
            .probes
            .iter()
            .flat_map(|probe| &probe.answers)
            .filter_map(|answer| match &answer.outcome {
                AnswerOutcome::Response(response) => Some(response),
                AnswerOutcome::Error { .. } => None,
            });
        let sections = answered.flat_map(|response| {
            let answer = response.answer.iter().map(|r| r.ttl);
            let authority = response.authority.iter().map(|r| match r.data {
                ObservedData::Soa { minimum, .. } => r.ttl.min(minimum),
                _ => r.ttl,
            });
            answer.chain(authority)
        });
        let targets = self
            .targets
            .iter()
            .filter_map(|target| match &target.outcome {
                TargetOutcome::Answer { records, .. } => Some(records.iter().map(|r| r.ttl)),
                TargetOutcome::Failed { .. } => None,
            })
            .flatten();
        let soa = self.delegation.soa.as_ref().map(|soa| soa.ttl);
        sections.chain(targets).chain(soa).min()
    }

    /// Whether a second look may see something else with no record changed: a server gave no
    /// answer to a probe (it timed out, or the network refused), a target lookup failed, or
    /// this machine reached no DNS server at all. Servers not asked for a reason of this
    /// machine's (address family, address policy) and malformed answers do not count: they
    /// are the same at every try.
    pub fn unsettled(&self) -> bool {
        let unanswered = self
            .probes
            .iter()
            .flat_map(|probe| &probe.answers)
            .any(|answer| {
                matches!(
                    answer.outcome,
                    AnswerOutcome::Error {
                        error: AnswerError::Timeout | AnswerError::Network,
                        ..
                    }
                )
            });
        let failed_target = self
            .targets
            .iter()
            .any(|target| matches!(target.outcome, TargetOutcome::Failed { .. }));
        self.network.is_some() || unanswered || failed_target
    }
}

/// How a reduced check was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReducedCheck {
    /// The resolver asked (address and port).
    pub resolver: std::net::SocketAddr,
}

/// This machine cannot reach DNS servers directly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkProblem {
    /// What the run saw, in words ("no DNS server answered at all ...").
    pub cause: String,
    /// How it failed.
    pub kind: NetworkProblemKind,
}

/// How this machine failed to reach DNS servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetworkProblemKind {
    /// No route (ENETUNREACH, EHOSTUNREACH from the local stack): no network.
    NoRoute,
    /// A firewall on this machine refused to send (EPERM, EACCES).
    LocalFirewall,
    /// Servers refused the connection (ICMP unreachable): DNS rejected on the way out.
    Rejected,
    /// Nothing answered: DNS silently dropped, or no network.
    Silent,
    /// This machine ran out of sockets.
    Resources,
}

/// The delegation facts of the zone that holds the DKIM names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ZoneDelegation {
    /// The zone apex, if the walk found it.
    #[serde(default, with = "serde_dns::opt_name")]
    pub zone: Option<Name>,
    /// The NS set in the parent's referral.
    #[serde(default, with = "serde_dns::names")]
    pub parent_ns: Vec<Name>,
    /// The NS set at the child's apex (as the child's servers answer it).
    #[serde(default, with = "serde_dns::names")]
    pub child_ns: Vec<Name>,
    /// Every server asked, one entry per name and address.
    #[serde(default)]
    pub servers: Vec<ServerInfo>,
    /// The zone's SOA as its servers answered (from any one of them), for the negative
    /// caching hint and the comparison with what SES saw.
    #[serde(default)]
    pub soa: Option<ZoneSoa>,
    /// Servers the resolver found lame during the walk, with the reason.
    #[serde(default)]
    pub lame: Vec<LameServer>,
    /// Name servers the parent or the zone listed beyond the number considered per zone
    /// (a bound against referrals that list thousands), not asked.
    #[serde(default)]
    pub ns_ignored: usize,
}

/// The zone's SOA record and its TTL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneSoa {
    /// SOA MNAME.
    #[serde(with = "serde_dns::name")]
    pub mname: Name,
    /// SOA RNAME.
    #[serde(with = "serde_dns::name")]
    pub rname: Name,
    /// Serial.
    pub serial: u32,
    /// SOA MINIMUM (negative-caching TTL, RFC 2308).
    pub minimum: u32,
    /// TTL of the SOA record itself.
    pub ttl: u32,
}

/// One authoritative server (one address of one NS name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// The NS host name.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The address asked.
    pub address: IpAddr,
    /// Listed in the parent's NS set.
    #[serde(default)]
    pub in_parent: bool,
    /// Listed in the child's apex NS set.
    #[serde(default)]
    pub in_child: bool,
    /// Named by the user (`--expect-ns`).
    #[serde(default)]
    pub user_named: bool,
    /// The SOA serial this server answered, if it did.
    #[serde(default)]
    pub soa_serial: Option<u32>,
    /// Why this server was not checked from here, if it was not (its address family cannot
    /// be reached from this machine, or was switched off, or the address is not a public one
    /// and the run's address policy refuses such addresses: then the text begins with
    /// [`dns_wire::transport::NotChecked::REFUSED_PREFIX`]): it is then neither lame nor
    /// compared with the others.
    #[serde(default)]
    pub not_checked: Option<String>,
}

impl ServerInfo {
    /// Whether the domain is delegated to this server (parent or child NS set). Servers the
    /// user named that are in neither set are not.
    pub fn is_delegated(&self) -> bool {
        self.in_parent || self.in_child
    }

    /// The kind of non-public address this server has, when it was not asked for that reason
    /// (a checker open to strangers refuses such addresses, `serve` by default).
    pub fn refused_range(&self) -> Option<SpecialRange> {
        let why = self.not_checked.as_deref()?;
        if !why.starts_with(NotChecked::REFUSED_PREFIX) {
            return None;
        }
        special_range(self.address)
    }

    /// The reference used in reports: `ns1.example.net. (192.0.2.1)`.
    pub fn reference(&self) -> ServerRef {
        ServerRef {
            name: self.name.clone(),
            address: self.address,
        }
    }
}

/// A server named by its NS host and the address asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ServerRef {
    /// The NS host name.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The address asked.
    pub address: IpAddr,
}

impl std::fmt::Display for ServerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.name, self.address)
    }
}

/// A server the resolver gave up on during the walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LameServer {
    /// The NS host name.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The address, if one was known.
    #[serde(default)]
    pub address: Option<IpAddr>,
    /// Why: "timeout", "REFUSED", "SERVFAIL", "answer without AA", "no address"...
    pub reason: String,
}

/// The answers to one probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeObservation {
    /// The name asked.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The type asked.
    #[serde(with = "serde_dns::rtype")]
    pub rtype: RecordType,
    /// One entry per server asked.
    pub answers: Vec<ServerAnswer>,
}

/// What one server did with one probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerAnswer {
    /// Who answered.
    pub server: ServerRef,
    /// The response, or why there was none.
    pub outcome: AnswerOutcome,
}

/// A response or its absence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnswerOutcome {
    /// The server answered.
    Response(Response),
    /// No usable answer.
    Error {
        /// What went wrong.
        error: AnswerError,
        /// Details (for example the OS error text).
        #[serde(default)]
        message: String,
    },
}

/// The parts of a DNS response the rules look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The response code.
    #[serde(with = "serde_dns::rcode")]
    pub rcode: Rcode,
    /// The AA flag.
    pub authoritative: bool,
    /// Answer section.
    #[serde(default)]
    pub answer: Vec<ObservedRecord>,
    /// Authority section.
    #[serde(default)]
    pub authority: Vec<ObservedRecord>,
}

impl From<&Message> for Response {
    /// The parts of a parsed response the rules look at (the full rcode, OPT included).
    fn from(message: &Message) -> Self {
        Response {
            rcode: message.rcode(),
            authoritative: message.header.authoritative,
            answer: message.answers.iter().map(ObservedRecord::from).collect(),
            authority: message.authority.iter().map(ObservedRecord::from).collect(),
        }
    }
}

impl ZoneSoa {
    /// The SOA facts of a SOA record; `None` for any other record.
    pub fn from_record(record: &Record) -> Option<ZoneSoa> {
        match &record.data {
            RData::Soa(soa) => Some(ZoneSoa {
                mname: soa.mname.clone(),
                rname: soa.rname.clone(),
                serial: soa.serial,
                minimum: soa.minimum,
                ttl: record.ttl,
            }),
            _ => None,
        }
    }
}

/// Why a query got no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerError {
    /// Nothing came back in time (after retries).
    Timeout,
    /// The network refused (ICMP unreachable, connection refused or reset).
    Network,
    /// Something came back that could not be parsed.
    Malformed,
    /// The server was not asked, or could not be, for a reason of this machine's: its
    /// address family cannot be reached from here or was switched off (`-4`, `-6`).
    NotChecked,
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AnswerError::Timeout => "timeout",
            AnswerError::Network => "network error",
            AnswerError::Malformed => "malformed response",
            AnswerError::NotChecked => "not checked from here",
        })
    }
}

/// A resource record as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObservedRecord {
    /// Owner name.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// TTL in seconds.
    pub ttl: u32,
    /// The data.
    pub data: ObservedData,
}

/// Record data the rules distinguish; everything else is [`ObservedData::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value")]
pub enum ObservedData {
    /// A CNAME and its target.
    #[serde(rename = "CNAME", with = "serde_dns::name")]
    Cname(Name),
    /// TXT character-strings, kept apart.
    #[serde(rename = "TXT", with = "serde_dns::txt_strings")]
    Txt(Vec<Vec<u8>>),
    /// An IPv4 address.
    #[serde(rename = "A")]
    A(std::net::Ipv4Addr),
    /// An IPv6 address.
    #[serde(rename = "AAAA")]
    Aaaa(std::net::Ipv6Addr),
    /// A name server.
    #[serde(rename = "NS", with = "serde_dns::name")]
    Ns(Name),
    /// A SOA record.
    #[serde(rename = "SOA")]
    Soa {
        /// MNAME.
        #[serde(with = "serde_dns::name")]
        mname: Name,
        /// RNAME.
        #[serde(with = "serde_dns::name")]
        rname: Name,
        /// Serial.
        serial: u32,
        /// MINIMUM.
        minimum: u32,
    },
    /// A DNAME and its target.
    #[serde(rename = "DNAME", with = "serde_dns::name")]
    Dname(Name),
    /// A mail exchanger.
    #[serde(rename = "MX")]
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// The host.
        #[serde(with = "serde_dns::name")]
        exchange: Name,
    },
    /// Any other type: its mnemonic only.
    #[serde(rename = "OTHER", with = "serde_dns::rtype")]
    Other(RecordType),
}

impl ObservedData {
    /// The record type.
    pub fn rtype(&self) -> RecordType {
        match self {
            ObservedData::Cname(_) => RecordType::CNAME,
            ObservedData::Txt(_) => RecordType::TXT,
            ObservedData::A(_) => RecordType::A,
            ObservedData::Aaaa(_) => RecordType::AAAA,
            ObservedData::Ns(_) => RecordType::NS,
            ObservedData::Soa { .. } => RecordType::SOA,
            ObservedData::Dname(_) => RecordType::DNAME,
            ObservedData::Mx { .. } => RecordType::MX,
            ObservedData::Other(t) => *t,
        }
    }

    /// Presentation text, as `dig` shows it (`CNAME x.dkim.amazonses.com.`, `TXT "p=..."`).
    pub fn presentation(&self) -> String {
        match self {
            ObservedData::Cname(n) => format!("CNAME {n}"),
            ObservedData::Txt(strings) => {
                let parts: Vec<String> = strings
                    .iter()
                    .map(|s| format!("\"{}\"", serde_dns::escape_bytes(s).replace('"', "\\\"")))
                    .collect();
                format!("TXT {}", parts.join(" "))
            }
            ObservedData::A(a) => format!("A {a}"),
            ObservedData::Aaaa(a) => format!("AAAA {a}"),
            ObservedData::Ns(n) => format!("NS {n}"),
            ObservedData::Soa {
                mname,
                rname,
                serial,
                minimum,
            } => format!("SOA {mname} {rname} {serial} ... {minimum}"),
            ObservedData::Dname(n) => format!("DNAME {n}"),
            ObservedData::Mx {
                preference,
                exchange,
            } => format!("MX {preference} {exchange}"),
            ObservedData::Other(t) => format!("{t} (data not shown)"),
        }
    }
}

impl From<&Record> for ObservedRecord {
    fn from(record: &Record) -> Self {
        let data = match &record.data {
            RData::Cname(n) => ObservedData::Cname(n.clone()),
            RData::Txt(t) => ObservedData::Txt(t.strings().map(<[u8]>::to_vec).collect()),
            RData::A(a) => ObservedData::A(*a),
            RData::Aaaa(a) => ObservedData::Aaaa(*a),
            RData::Ns(n) => ObservedData::Ns(n.clone()),
            RData::Dname(n) => ObservedData::Dname(n.clone()),
            RData::Mx(mx) => ObservedData::Mx {
                preference: mx.preference,
                exchange: mx.exchange.clone(),
            },
            RData::Soa(soa) => ObservedData::Soa {
                mname: soa.mname.clone(),
                rname: soa.rname.clone(),
                serial: soa.serial,
                minimum: soa.minimum,
            },
            other => ObservedData::Other(other.rtype()),
        };
        ObservedRecord {
            name: record.name.clone(),
            ttl: record.ttl,
            data,
        }
    }
}

/// The TXT lookup of a CNAME target (or an expected SES target), resolved through the
/// target's own authoritative servers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetResolution {
    /// The name looked up.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The result.
    pub outcome: TargetOutcome,
}

/// How a target lookup ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TargetOutcome {
    /// An authoritative answer at the end of the CNAME chain.
    Answer {
        /// The final response code (NOERROR or NXDOMAIN).
        #[serde(with = "serde_dns::rcode")]
        rcode: Rcode,
        /// Every record of the answer, CNAME hops included, in chain order.
        #[serde(default)]
        records: Vec<ObservedRecord>,
    },
    /// The lookup failed (every server timed out or refused, a loop, a budget ran out).
    Failed {
        /// One sentence saying why.
        error: String,
        /// No server of the zone where the lookup failed answered at all (every try timed out
        /// or could not be sent): the key is unknown, not missing.
        #[serde(default)]
        unanswered: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use dns_wire::{Soa, Txt};

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn a_parsed_response_converts() {
        let name = n("s1._domainkey.example.com");
        let mut message = Message::query(7, name.clone(), RecordType::TXT);
        message.header.response = true;
        message.header.authoritative = true;
        message.answers.push(Record::new(
            name.clone(),
            300,
            RData::Txt(Txt::new(["v=DKIM1; ", "p="])),
        ));
        let soa = Record::new(
            n("example.com"),
            3600,
            RData::Soa(Soa {
                mname: n("ns1.example.com"),
                rname: n("hostmaster.example.com"),
                serial: 9,
                refresh: 1,
                retry: 2,
                expire: 3,
                minimum: 300,
            }),
        );
        message.authority.push(soa.clone());
        message.set_rcode(Rcode::BADVERS);
        let response = Response::from(&message);
        assert_eq!(response.rcode, Rcode::BADVERS);
        assert!(response.authoritative);
        assert_eq!(
            response.answer[0].data,
            ObservedData::Txt(vec![b"v=DKIM1; ".to_vec(), b"p=".to_vec()])
        );
        let zone_soa = ZoneSoa::from_record(&soa).unwrap();
        assert_eq!(
            (zone_soa.serial, zone_soa.minimum, zone_soa.ttl),
            (9, 300, 3600)
        );
        assert_eq!(ZoneSoa::from_record(&message.answers[0]), None);
        assert!(matches!(
            ObservedRecord::from(&soa).data,
            ObservedData::Soa {
                serial: 9,
                minimum: 300,
                ..
            }
        ));
    }

    fn answer(outcome: AnswerOutcome) -> ServerAnswer {
        ServerAnswer {
            server: ServerRef {
                name: n("ns1.example.com"),
                address: "192.0.2.1".parse().unwrap(),
            },
            outcome,
        }
    }

    fn record(ttl: u32, data: ObservedData) -> ObservedRecord {
        ObservedRecord {
            name: n("example.com"),
            ttl,
            data,
        }
    }

    #[test]
    fn min_ttl_takes_every_record_and_the_negative_ttl_of_an_authority_soa() {
        let mut observations = Observations::default();
        assert_eq!(observations.min_ttl(), None);
        assert!(!observations.unsettled());
        observations.probes.push(ProbeObservation {
            name: n("s._domainkey.example.com"),
            rtype: RecordType::TXT,
            answers: vec![answer(AnswerOutcome::Response(Response {
                rcode: Rcode::NOERROR,
                authoritative: true,
                answer: vec![record(600, ObservedData::Cname(n("t.example.net")))],
                authority: vec![],
            }))],
        });
        observations.delegation.soa = Some(ZoneSoa {
            mname: n("ns1.example.com"),
            rname: n("hostmaster.example.com"),
            serial: 1,
            minimum: 5,
            ttl: 3600,
        });
        // The zone's SOA counts by its own TTL: its MINIMUM is for negative answers.
        assert_eq!(observations.min_ttl(), Some(600));
        let soa = ObservedData::Soa {
            mname: n("ns1.example.com"),
            rname: n("hostmaster.example.com"),
            serial: 1,
            minimum: 120,
        };
        observations.probes[0]
            .answers
            .push(answer(AnswerOutcome::Response(Response {
                rcode: Rcode::NXDOMAIN,
                authoritative: true,
                answer: vec![],
                authority: vec![record(900, soa)],
            })));
        assert_eq!(observations.min_ttl(), Some(120));
        observations.targets.push(TargetResolution {
            name: n("t.example.net"),
            outcome: TargetOutcome::Answer {
                rcode: Rcode::NOERROR,
                records: vec![record(30, ObservedData::Txt(vec![b"p=".to_vec()]))],
            },
        });
        assert_eq!(observations.min_ttl(), Some(30));
        assert!(!observations.unsettled());
    }

    #[test]
    fn a_server_that_did_not_answer_leaves_the_observations_unsettled() {
        let probe = |error| ProbeObservation {
            name: n("s._domainkey.example.com"),
            rtype: RecordType::TXT,
            answers: vec![answer(AnswerOutcome::Error {
                error,
                message: String::new(),
            })],
        };
        let mut observations = Observations::default();
        observations.probes.push(probe(AnswerError::NotChecked));
        observations.probes.push(probe(AnswerError::Malformed));
        assert!(!observations.unsettled(), "the same at every try");
        observations.probes.push(probe(AnswerError::Timeout));
        assert!(observations.unsettled());

        let mut observations = Observations::default();
        observations.targets.push(TargetResolution {
            name: n("t.example.net"),
            outcome: TargetOutcome::Failed {
                error: "every server timed out".to_string(),
                unanswered: true,
            },
        });
        assert!(observations.unsettled());

        let observations = Observations {
            network: Some(NetworkProblem {
                cause: "no route".to_string(),
                kind: NetworkProblemKind::NoRoute,
            }),
            ..Observations::default()
        };
        assert!(observations.unsettled());
    }

    #[test]
    fn fixture_json_reads_naturally() {
        let record = ObservedRecord {
            name: n("a.example.com"),
            ttl: 60,
            data: ObservedData::Cname(n("b.example.net")),
        };
        let json = serde_json::to_string(&record).unwrap();
        assert_eq!(
            json,
            r#"{"name":"a.example.com.","ttl":60,"data":{"type":"CNAME","value":"b.example.net."}}"#
        );
        let txt: ObservedRecord = serde_json::from_str(
            r#"{"name":"a.example.com","ttl":60,"data":{"type":"TXT","value":["p=\\\\x\\010"]}}"#,
        )
        .unwrap();
        assert_eq!(txt.data, ObservedData::Txt(vec![b"p=\\x\n".to_vec()]));
        let bad = serde_json::from_str::<ObservedRecord>(
            r#"{"name":"a..b","ttl":1,"data":{"type":"A","value":"192.0.2.1"}}"#,
        );
        assert!(bad.unwrap_err().to_string().contains("invalid domain name"));
    }
}
