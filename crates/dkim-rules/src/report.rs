//! The diagnosis: [`Report`], one [`RecordReport`] per expected record and a list of
//! [`Finding`]s.

use dns_wire::Name;
use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Severity};
use crate::observe::ServerRef;
use crate::serde_dns;

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every expected record resolves correctly on every authoritative server.
    Pass,
    /// At least one finding of severity error.
    Fail,
    /// No authoritative server answered: nothing can be concluded.
    Incomplete,
}

impl Verdict {
    /// `pass`, `fail` or `incomplete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// The result of [`crate::diagnose`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The checked domain.
    #[serde(with = "serde_dns::name")]
    pub domain: Name,
    /// The overall answer.
    pub verdict: Verdict,
    /// One entry per expected record, in the order of the check's tokens or selectors.
    pub records: Vec<RecordReport>,
    /// What was found, errors first.
    pub findings: Vec<Finding>,
    /// How long resolvers may cache "does not exist" answers for this zone.
    pub negative_caching: Option<NegativeCaching>,
    /// For an SES check made from the identity JSON: what SES itself reported, set against
    /// these findings.
    #[serde(default)]
    pub ses_view: Option<SesView>,
}

/// What SES reported (`DkimAttributes.Status`, `VerificationInfo.ErrorType`) and which
/// findings explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SesView {
    /// `DkimAttributes.Status` as SES gave it.
    pub dkim_status: Option<String>,
    /// `VerificationInfo.ErrorType` as SES gave it.
    pub error_type: Option<String>,
    /// The error findings whose SES error type is the one SES reported.
    pub matching: Vec<crate::finding::FindingCode>,
    /// One sentence for the user.
    pub summary: String,
}

impl Report {
    /// The highest severity among the findings, if any.
    pub fn worst_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// What one expected record looks like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordReport {
    /// The expected name (`<token>._domainkey.<domain>.`).
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// What should be there, in words (`CNAME abc.dkim.amazonses.com.`, `TXT DKIM key`...).
    pub expected: String,
    /// The provider, when the selector or target is recognised.
    pub provider: Option<String>,
    /// The record's state over all authoritative servers.
    pub status: RecordStatus,
    /// What each server returned.
    pub servers: Vec<ServerValue>,
    /// The key found at the end of the record's chain, when one was read.
    pub key: Option<KeySummary>,
}

/// A record's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordStatus {
    /// Correct on every authoritative server.
    Ok,
    /// Absent on every server that answered.
    Missing,
    /// Present with a wrong value (target or key).
    WrongValue,
    /// Present with the wrong type.
    WrongType,
    /// Servers disagree.
    Inconsistent,
    /// No authoritative answer for it.
    Unreachable,
}

impl RecordStatus {
    /// The kebab-case string used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Ok => "ok",
            RecordStatus::Missing => "missing",
            RecordStatus::WrongValue => "wrong-value",
            RecordStatus::WrongType => "wrong-type",
            RecordStatus::Inconsistent => "inconsistent",
            RecordStatus::Unreachable => "unreachable",
        }
    }
}

/// What one server returned for one expected record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerValue {
    /// The server.
    pub server: ServerRef,
    /// The value in presentation form (`CNAME x.dkim.amazonses.com.`), or `NXDOMAIN`,
    /// `NODATA`, `timeout`, `REFUSED`...
    pub value: String,
    /// Whether this server's answer is the expected one.
    pub correct: bool,
}

/// The key read at the end of a record's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    /// Where the key TXT was read.
    #[serde(with = "serde_dns::name")]
    pub at: Name,
    /// `rsa`, `ed25519`, or the unknown `k=` value.
    pub algorithm: String,
    /// Key size in bits (RSA modulus size; 256 for Ed25519), if decoded.
    pub bits: Option<u32>,
    /// Whether the key is empty (revoked, or SES's rotation placeholder).
    pub empty: bool,
    /// `t=` flags.
    pub flags: Vec<String>,
}

/// The negative-caching hint (RFC 2308 §5): resolvers that asked before the record existed
/// may keep "does not exist" for `seconds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeCaching {
    /// min(SOA MINIMUM, SOA TTL).
    pub seconds: u32,
    /// The SOA MINIMUM field.
    pub soa_minimum: u32,
    /// The SOA record's TTL.
    pub soa_ttl: u32,
    /// One sentence for the user.
    pub hint: String,
}
