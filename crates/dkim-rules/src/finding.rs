//! Findings: stable codes, severities, and the SES error type each one matches.

use dns_wire::Name;
use serde::{Deserialize, Serialize};

use crate::observe::ServerRef;
use crate::serde_dns;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// Works today but is fragile or weak.
    Warning,
    /// DKIM does not verify (or not everywhere).
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// SES `VerificationInfo.ErrorType` values a finding can correspond to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SesErrorType {
    /// The name does not exist (or cannot be reached).
    HostNotFound,
    /// The name exists but not with the expected type.
    TypeNotFound,
    /// The record exists with the wrong value.
    InvalidValue,
    /// The DNS servers failed to answer.
    DnsServerError,
}

impl SesErrorType {
    /// The text SES uses (`HOST_NOT_FOUND`...).
    pub fn as_str(self) -> &'static str {
        match self {
            SesErrorType::HostNotFound => "HOST_NOT_FOUND",
            SesErrorType::TypeNotFound => "TYPE_NOT_FOUND",
            SesErrorType::InvalidValue => "INVALID_VALUE",
            SesErrorType::DnsServerError => "DNS_SERVER_ERROR",
        }
    }
}

macro_rules! finding_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $severity:ident, $ses:expr, $desc:literal; )*) => {
        /// A finding's stable code. The CLI's JSON, the tests and the README depend on these
        /// strings; never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum FindingCode {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )*
        }

        impl FindingCode {
            /// Every code, in documentation order.
            pub const ALL: &'static [FindingCode] = &[ $( FindingCode::$variant, )* ];

            /// The stable code string (`record-missing`...).
            pub fn as_str(self) -> &'static str {
                match self { $( FindingCode::$variant => $code, )* }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $( FindingCode::$variant => $desc, )* }
            }

            /// The severity a finding with this code usually has (some codes are raised at a
            /// lower severity in specific cases; [`Finding::severity`] is authoritative).
            pub fn default_severity(self) -> Severity {
                match self { $( FindingCode::$variant => Severity::$severity, )* }
            }

            /// The SES `ErrorType` this code usually corresponds to, if any.
            pub fn ses_error_type(self) -> Option<SesErrorType> {
                match self { $( FindingCode::$variant => $ses, )* }
            }

            /// The code for a string, if it is one.
            pub fn from_code(code: &str) -> Option<FindingCode> {
                FindingCode::ALL.iter().copied().find(|c| c.as_str() == code)
            }
        }
    };
}

use SesErrorType::*;

finding_codes! {
    /// No record at the expected name on any authoritative server.
    RecordMissing = "record-missing", Error, Some(HostNotFound),
        "No record at the expected name on any authoritative server (NXDOMAIN or NODATA), and none of the expected records exists.";
    /// Some expected records exist, others do not.
    RecordsPartial = "records-partial", Error, Some(HostNotFound),
        "Some of the expected records exist, others do not (the missing ones are listed).";
    /// The record was created with the domain appended twice.
    DomainDuplicated = "domain-duplicated", Error, Some(HostNotFound),
        "The record exists at `<expected name>.<domain>`: the DNS host appended the domain to a name that already had it.";
    /// `_domainkey` lost its underscore or its dot.
    UnderscoreStripped = "underscore-stripped", Error, Some(HostNotFound),
        "The record exists where `_domainkey` lost its underscore or its dot (`.domainkey`, `-domainkey`, `_domainkey` without the dot before it).";
    /// The name holds another type than the expected one.
    WrongRecordType = "wrong-record-type", Error, Some(TypeNotFound),
        "The name holds TXT, A or AAAA (a proxied or flattened CNAME) instead of the expected record.";
    /// The CNAME value got the zone appended (no final dot in a zone file).
    TargetOriginAppended = "target-origin-appended", Error, Some(InvalidValue),
        "The CNAME points to `<expected target>.<domain>`: the value was written without its final dot.";
    /// The CNAME points somewhere else.
    TargetMismatch = "target-mismatch", Error, Some(InvalidValue),
        "The CNAME points somewhere else (another token's target, another SES region, another provider's name).";
    /// The target does not lead to a DKIM key.
    TargetUnresolvable = "target-unresolvable", Error, Some(InvalidValue),
        "The CNAME target does not lead to a DKIM key (for SES, no target holds a key).";
    /// The delegation does not match the zone that was edited.
    DelegationMismatch = "delegation-mismatch", Error, Some(HostNotFound),
        "The parent's and the zone's NS sets differ, or the records are only on servers the domain is not delegated to, or SES saw another zone's SOA.";
    /// The authoritative servers disagree.
    ServersInconsistent = "servers-inconsistent", Error, None,
        "The authoritative servers give different answers for the same question.";
    /// A delegated server does not answer authoritatively.
    LameDelegation = "lame-delegation", Error, Some(DnsServerError),
        "A server the domain is delegated to does not answer authoritatively (timeout, REFUSED, SERVFAIL, no AA flag).";
    /// The answer comes from a wildcard.
    WildcardAnswer = "wildcard-answer", Error, Some(InvalidValue),
        "The answer is synthesised by a wildcard record: a made-up selector at the same depth gets the same answer.";
    /// The selector itself holds an empty TXT record.
    KeyRecordEmpty = "key-record-empty", Error, Some(InvalidValue),
        "The TXT record at the selector itself (no CNAME involved) is empty or blank: there is no key to verify with.";
    /// The key record cannot be parsed.
    KeyMalformed = "key-malformed", Error, Some(InvalidValue),
        "The DKIM key record cannot be parsed (tag syntax, `v=`, `k=`, base64, quotes, PEM text, a private key).";
    /// The key is revoked (empty p=).
    KeyRevoked = "key-revoked", Error, Some(InvalidValue),
        "The DKIM key record has an empty `p=`, which means the key is revoked.";
    /// The RSA key is too short.
    KeyWeak = "key-weak", Error, Some(InvalidValue),
        "The RSA key is shorter than 1024 bits (error) or exactly 1024 bits (warning).";
    /// t=y is set.
    KeyTesting = "key-testing", Warning, None,
        "The key record has `t=y` (testing): receivers treat signed mail as unsigned.";
    /// h= allows only SHA-1.
    KeySha1Only = "key-sha1-only", Error, Some(InvalidValue),
        "The key record allows only SHA-1 (`h=sha1`), which RFC 8301 forbids.";
    /// h= lists no hash a signature can use.
    KeyHashUnusable = "key-hash-unusable", Error, Some(InvalidValue),
        "The key record's `h=` lists neither `sha256` nor `sha1` (`h=sha512`, `h=rsa-sha256`, `h=SHA-256`): verifiers that honour `h=` (OpenDKIM, Mail::DKIM, go-msgauth) ignore the key for every signature.";
    /// p= holds a key form some verifiers cannot read.
    KeyFormatUnportable = "key-format-unportable", Warning, None,
        "`p=` holds an RSA key as a bare PKCS#1 RSAPublicKey: dkimpy and others accept it, OpenDKIM, Mail::DKIM and mailauth 4.13.3 cannot read it; the finding gives the SubjectPublicKeyInfo form to publish.";
    /// The record breaks an RFC rule verifiers overlook, or one some of them get wrong.
    KeyNonstandard = "key-nonstandard", Warning, None,
        "The key record breaks an RFC 6376 rule that deployed verifiers overlook (`v=` not first, a hyphen in a tag name, quotes in `p=`), or relies on a detail some of them get wrong (`h=SHA256`, `h=sha 256`); the finding names the verifiers that fail it.";
    /// Several TXT records at one selector.
    KeyMultipleRecords = "key-multiple-records", Error, Some(InvalidValue),
        "Several TXT records sit at one selector; RFC 6376 leaves the result undefined.";
    /// No authoritative server answered.
    ZoneUnreachable = "zone-unreachable", Error, Some(DnsServerError),
        "No authoritative server answered: the diagnosis is incomplete.";
    /// A final dot in a target is correct.
    TrailingDot = "trailing-dot", Info, None,
        "A target shown with a final dot is correct: it is how DNS writes a complete name.";
    /// This machine cannot reach DNS servers at all.
    NetworkUnreachable = "network-unreachable", Error, None,
        "This machine cannot reach DNS servers directly (no network, or outbound port 53 blocked or dropped): nothing was learned about the domain, and nothing is its fault.";
    /// Some servers could not be checked from this machine.
    NotCheckedFromHere = "not-checked-from-here", Info, None,
        "Some server addresses were not checked: their address family (usually IPv6) cannot be reached from this machine, or was switched off with `-4`/`-6`. The verdict rests on the other addresses.";
    /// The check went through a recursive resolver, not the authoritative servers.
    ReducedCheck = "reduced-check", Info, None,
        "A reduced check (`--resolver`): every question went to one recursive resolver, which shows the records, values and keys it sees, but not per-server differences, lame servers or delegation faults.";
    /// A name server's address is loopback, private or otherwise not public: not asked.
    AddressNotPublic = "address-not-public", Error, Some(DnsServerError),
        "A name server's address is loopback, private (RFC 1918, fc00::/7), link-local, CGNAT, multicast, documentation or unspecified: resolvers on the Internet cannot reach it, and `serve` (without `--allow-private`) does not send queries there, so it was not asked.";
    /// A referral listed more name servers than are checked.
    NsFanoutCapped = "ns-fanout-capped", Warning, None,
        "The zone lists more name servers than are checked per zone (16, as resolvers cap it since NXNSAttack); the rest were not asked.";
}

impl FindingCode {
    /// The Markdown table of every code (code, severity, SES error type, meaning), as
    /// FINDINGS.md and the README show it; a test keeps FINDINGS.md equal to this.
    pub fn markdown_table() -> String {
        let mut out =
            String::from("| Code | Severity | SES `ErrorType` | Meaning |\n|---|---|---|---|\n");
        for code in FindingCode::ALL {
            let severity = match code {
                FindingCode::KeyWeak => "error (< 1024 bits), warning (1024)".to_string(),
                FindingCode::DelegationMismatch => {
                    "error (records elsewhere, SOA seen by SES), warning (NS sets differ)"
                        .to_string()
                }
                FindingCode::TargetUnresolvable => {
                    "error (no key at all), warning (SES: another target has the key)".to_string()
                }
                other => other.default_severity().as_str().to_string(),
            };
            let ses = code
                .ses_error_type()
                .map_or("-".to_string(), |e| format!("`{}`", e.as_str()));
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                code.as_str(),
                severity,
                ses,
                code.description()
            ));
        }
        out
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing found wrong (or worth knowing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The stable code.
    pub code: FindingCode,
    /// How bad it is.
    pub severity: Severity,
    /// The record name it concerns (the domain for findings about the whole zone).
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The servers that showed it (empty when it does not depend on a server).
    pub servers: Vec<ServerRef>,
    /// One plain sentence for someone who is not a DNS expert.
    pub summary: String,
    /// Exactly what to type where.
    pub fix: String,
    /// The SES `VerificationInfo.ErrorType` this corresponds to, for SES checks.
    pub ses_error_type: Option<SesErrorType>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_md_is_up_to_date() {
        let doc = include_str!("../FINDINGS.md");
        let start = doc.find("-->\n").expect("table start marker") + 4;
        let end = doc
            .find("<!-- END FINDINGS TABLE -->")
            .expect("table end marker");
        assert_eq!(
            &doc[start..end],
            FindingCode::markdown_table(),
            "FINDINGS.md is stale: regenerate the table with `cargo run -p dkim-rules --example findings_table`"
        );
        for code in FindingCode::ALL {
            assert!(
                doc.contains(&format!("### `{code}`")),
                "FINDINGS.md has no section for {code}"
            );
        }
    }

    #[test]
    fn readme_findings_table_is_up_to_date() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("<!-- BEGIN FINDINGS TABLE")
            .and_then(|at| readme[at..].find("-->\n").map(|end| at + end + 4))
            .expect("README table start marker");
        let end = readme
            .find("<!-- END FINDINGS TABLE -->")
            .expect("README table end marker");
        assert_eq!(
            &readme[start..end],
            FindingCode::markdown_table(),
            "the README's findings table is stale: copy it from FINDINGS.md"
        );
    }

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for code in FindingCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert_eq!(FindingCode::from_code(code.as_str()), Some(*code));
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(!code.description().is_empty());
        }
        assert_eq!(FindingCode::ALL.len(), 29);
    }
}
