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
    /// The custom MAIL FROM domain, for an SES check that names one.
    #[serde(default)]
    pub mail_from: Option<MailFromReport>,
    /// The DMARC policy and alignment, unless the check left DMARC out.
    #[serde(default)]
    pub dmarc: Option<DmarcReport>,
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

/// The custom MAIL FROM domain (report's `mail_from`, for SES checks that name one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFromReport {
    /// The MAIL FROM domain.
    #[serde(with = "serde_dns::name")]
    pub domain: Name,
    /// `MailFromDomainStatus` as SES gave it, if known.
    pub ses_status: Option<String>,
    /// `BehaviorOnMxFailure` (SES's default `USE_DEFAULT_VALUE` when not given).
    pub behavior_on_mx_failure: crate::check::MxFailureBehavior,
    /// The SES region whose feedback endpoint the MX must name, when known.
    pub region: Option<String>,
    /// The MX SES wants, as a zone file writes its value (`10 feedback-smtp.<region>.amazonses.com.`).
    pub expected_mx: String,
    /// The MX record's state and each server's value.
    pub mx: MailRecordReport,
    /// The SPF record.
    pub spf: SpfReport,
    /// Records to create or change.
    pub fixes: Vec<RecordFix>,
    /// One sentence: what SES does with this MAIL FROM domain now.
    pub summary: String,
}

/// A record's state over the servers, and each server's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecordReport {
    /// The state.
    pub status: RecordStatus,
    /// What each server returned.
    pub servers: Vec<ServerValue>,
}

/// The SPF record of the MAIL FROM domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfReport {
    /// The state (`ok`, `missing`, `wrong-value`, `inconsistent`, `unreachable`).
    pub status: RecordStatus,
    /// The record's text, when there is exactly one.
    pub record: Option<String>,
    /// What each server returned.
    pub servers: Vec<ServerValue>,
    /// DNS lookups counted through the includes (RFC 7208 §4.6.4; the limit is 10).
    pub lookups: Option<usize>,
    /// Whether every include was resolved (otherwise `lookups` is a lower bound).
    pub lookups_complete: bool,
    /// Void lookups among the include and redirect targets (the limit is 2).
    pub void_lookups: usize,
    /// Whether `amazonses.com` is included anywhere.
    pub includes_amazonses: bool,
    /// Each `include:`/`redirect=` target, in evaluation order.
    pub includes: Vec<SpfIncludeReport>,
}

/// One `include:`/`redirect=` target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfIncludeReport {
    /// The domain as written.
    pub domain: String,
    /// 1 for the MAIL FROM record's own includes.
    pub depth: usize,
    /// Whether it is a `redirect=`.
    pub redirect: bool,
    /// Its own lookups, when its record was read.
    pub lookups: Option<usize>,
    /// What was found, in words.
    pub outcome: String,
}

/// The From domain's DMARC policy and the alignment of the mail SES sends (report's `dmarc`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcReport {
    /// The From domain.
    #[serde(with = "serde_dns::name")]
    pub domain: Name,
    /// Its organizational domain.
    #[serde(with = "serde_dns::name")]
    pub organizational_domain: Name,
    /// How the organizational domain was found: `public-suffix-list`.
    pub organizational_domain_method: String,
    /// Where the policy that applies was read (`_dmarc.<domain>`, or the organizational
    /// domain's when the domain has none).
    #[serde(with = "serde_dns::name")]
    pub record_name: Name,
    /// The state of `_dmarc.<domain>` (`ok` also when the organizational domain's applies).
    pub status: RecordStatus,
    /// The record's text, when there is exactly one.
    pub record: Option<String>,
    /// What each server returned for `_dmarc.<domain>`.
    pub servers: Vec<ServerValue>,
    /// The parsed policy.
    pub policy: Option<crate::dmarc::DmarcRecord>,
    /// `p=`, `sp=`, `pct=` in words.
    pub policy_words: Option<String>,
    /// DKIM alignment of the mail signed with the checked keys.
    pub dkim: Alignment,
    /// SPF alignment of the mail SES sends (SES checks only).
    pub spf: Option<Alignment>,
    /// Records to create or change.
    pub fixes: Vec<RecordFix>,
    /// One or two sentences: whether the mail passes DMARC, and what receivers do if not.
    pub summary: String,
}

/// One identifier's alignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alignment {
    /// The domain that must align (`d=`, or the MAIL FROM domain).
    pub domain: String,
    /// `adkim=` / `aspf=` (relaxed when there is no policy).
    pub mode: crate::dmarc::AlignmentMode,
    /// Whether it aligns with the From domain under that mode.
    pub aligned: bool,
    /// Whether the mechanism itself passes, as far as the DNS shows (DKIM: the records verify;
    /// SPF: the MAIL FROM domain's MX and SPF are right).
    pub passes: bool,
    /// In words.
    pub summary: String,
}

/// A record to create or change (what `advise` turns into an action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordFix {
    /// The name.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The type (`MX`, `TXT`).
    #[serde(rename = "type")]
    pub rtype: String,
    /// The value, as a zone file writes it.
    pub value: String,
    /// Whether a record of that name and type is there already (change rather than create).
    pub change: bool,
    /// Records to delete first: (name, type, value).
    pub delete: Vec<(String, String, String)>,
    /// The findings it answers.
    pub codes: Vec<crate::finding::FindingCode>,
}
