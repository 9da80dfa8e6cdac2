//! `dkim-rules`: pure DKIM diagnosis, no I/O.
//!
//! The CLI uses it in four steps:
//! 1. build a [`Check`]: by hand ([`parse_domain`], [`normalize_token`], [`parse_selector`]) or
//!    from SES output ([`check_from_identity_json`], [`check_from_records_csv`]);
//! 2. ask every [`Probe`] of [`probes`] (the expected names, and the mistaken variants that
//!    reveal what went wrong) of every authoritative server of the zone, and of the servers
//!    the user named (`--expect-ns`, marked [`ServerInfo::user_named`]); record the answers
//!    as [`Observations`]; probes with [`Probe::resolves_through_target_zone`] are resolved
//!    through their own zone into [`Observations::targets`] instead;
//! 3. ask the [`follow_up_probes`] (keys at the CNAME targets found, names with the zone
//!    appended) the same way, until it returns nothing new;
//! 4. hand both to [`diagnose`], which returns a [`Report`]: a [`Verdict`], one
//!    [`RecordReport`] per expected record and a list of [`Finding`]s with stable
//!    [`FindingCode`]s (documented in FINDINGS.md). For `--watch`, [`diff_reports`] says what
//!    changed between two runs and [`watch_hint`] how long negative caching may hide a fix.
//!    For an SES check built from the identity JSON, [`Report::ses_view`] sets what SES
//!    itself reported (status, `ErrorType`) against the findings.
//!
//! For `dkim-doctor message`, [`message`] verifies a received message's DKIM signatures with
//! the keys such selector checks fetched, and says why each one fails.
//!
//! Everything is plain data with serde, so observations can be kept as JSON fixtures
//! (tests/fixtures/ holds one per scenario).
//!
//! ```
//! use dkim_rules::*;
//! use dns_wire::{Rcode, RecordType};
//!
//! let domain = parse_domain("Example.COM.").unwrap();
//! let google = Selector::parse("google").unwrap();
//! let check = Check::Selector {
//!     domain: domain.clone(),
//!     selectors: vec![google.clone()],
//!     expect_ns: vec![],
//!     dmarc: false,
//! };
//! let asked = probes(&check);
//! assert!(asked.iter().any(|p| p.purpose == ProbePurpose::Expected
//!     && p.rtype == RecordType::TXT
//!     && p.name.to_string() == "google._domainkey.example.com."));
//!
//! // One server answered the TXT question with an empty key (revoked).
//! let server = ServerRef { name: "ns1.example.net".parse().unwrap(), address: "192.0.2.53".parse().unwrap() };
//! let name = google.dkim_name(&domain).unwrap();
//! let observations = Observations {
//!     probes: vec![ProbeObservation {
//!         name: name.clone(),
//!         rtype: RecordType::TXT,
//!         answers: vec![ServerAnswer {
//!             server,
//!             outcome: AnswerOutcome::Response(Response {
//!                 rcode: Rcode::NOERROR,
//!                 authoritative: true,
//!                 answer: vec![ObservedRecord {
//!                     name,
//!                     ttl: 300,
//!                     data: ObservedData::Txt(vec![b"v=DKIM1; p=".to_vec()]),
//!                 }],
//!                 authority: vec![],
//!             }),
//!         }],
//!     }],
//!     ..Observations::default()
//! };
//! let report = diagnose(&check, &observations);
//! assert_eq!(report.verdict, Verdict::Fail);
//! assert_eq!(report.findings[0].code, FindingCode::KeyRevoked);
//! assert_eq!(report.findings[0].code.as_str(), "key-revoked");
//! ```

#![warn(missing_docs)]

mod advice;
mod check;
mod diagnose;
pub mod dmarc;
mod dnssec;
mod dnssec_gather;
pub mod engine;
mod finding;
mod hosts;
mod input;
mod keyrecord;
mod mail;
pub mod message;
mod observe;
mod probe;
mod providers;
mod report;
mod selector;
pub mod serde_dns;
pub mod spf;
mod watch;

pub use advice::{advise, fold_findings, Action, ActionKind, Advice, FoldedFinding, RecordSpec};
pub use check::{
    is_ses_dkim_zone, parse_region, ses_dkim_zone_for_region, ses_feedback_endpoint,
    ses_feedback_region, ses_region_of_zone, Check, MailFromAttributes, MxFailureBehavior,
    RegionArg, SesStatus, SoaSeen, SES_DEFAULT_DKIM_ZONE, SES_REGIONAL_DKIM_ZONES, SES_REGIONS,
    SES_REGION_TABLE_DATE,
};
pub use diagnose::{diagnose, judge_key_record, negative_caching};
pub use dnssec::{
    DnssecObservations, SignedAnswer, SignedOutcome, SignedProbe, WireRecord, ZoneKeysObservation,
    EXPIRY_WARNING_SECONDS,
};
pub use engine::{CheckMachine, CheckRun, DnssecSetup, PathStep};
pub use finding::{Finding, FindingCode, SesErrorType, Severity};
pub use hosts::{
    dns_host_of, DnsHost, HostServers, NsPattern, Quirk, DNS_HOSTS, DNS_HOST_TABLE_DATE,
};
pub use input::{
    check_from_identity_json, check_from_records_csv, clip, normalize_token, normalize_tokens,
    parse_domain, parse_selector, parse_selector_arg, parse_selectors_arg, InputError, SelectorArg,
    TokenArg, INPUT_EXCERPT_CHARS,
};
pub use keyrecord::{
    parse_key_record, parse_tag_list, Deviation, KeyRecord, KeyRecordError, KeyType, PublicKey, Tag,
};
pub use mail::dmarc_name;
pub use observe::{
    AnswerError, AnswerOutcome, LameServer, NetworkProblem, NetworkProblemKind, Observations,
    ObservedData, ObservedRecord, ProbeObservation, ReducedCheck, Response, ServerAnswer,
    ServerInfo, ServerRef, TargetOutcome, TargetResolution, ZoneDelegation, ZoneSoa,
};
pub use probe::{
    expected_ses_target, follow_up_probes, probes, Probe, ProbePurpose, Rounds, MAX_ROUNDS,
    WILDCARD_PROBE_LABEL,
};
pub use providers::{
    dashed_domain, provider_for_selector, provider_of_target, ProviderSelector, PublishedAs,
    SelectorPattern, TargetRule, PROVIDERS,
};
pub use report::{
    Alignment, DmarcReport, KeySummary, MailFromReport, MailRecordReport, NegativeCaching,
    RecordFix, RecordReport, RecordStatus, Report, ServerValue, SesView, SpfIncludeReport,
    SpfReport, Verdict,
};
pub use selector::Selector;
pub use watch::{diff_reports, watch_hint, Change};
