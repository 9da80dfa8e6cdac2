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
    /// No MX at the custom MAIL FROM domain.
    MailFromMxMissing = "mail-from-mx-missing", Error, None,
        "The custom MAIL FROM domain has no MX record on any authoritative server. SES: `MailFromDomainStatus` stays `PENDING`, then `FAILED`; with `BehaviorOnMxFailure` `USE_DEFAULT_VALUE` mail goes out with an amazonses.com MAIL FROM (SPF no longer aligns), with `REJECT_MESSAGE` SES refuses to send.";
    /// The MAIL FROM MX points somewhere else than SES.
    MailFromMxWrong = "mail-from-mx-wrong", Error, None,
        "The MAIL FROM domain's MX does not point to `feedback-smtp.<region>.amazonses.com` (another host, a wildcard MX, or a value with the zone appended). SES: `MailFromDomainStatus` `FAILED`, with the same consequence as a missing MX.";
    /// The MAIL FROM MX names another region's feedback endpoint.
    MailFromMxOtherRegion = "mail-from-mx-other-region", Error, None,
        "The MAIL FROM MX points to the SES feedback endpoint of another region than the identity's. SES: `MailFromDomainStatus` `FAILED` in the identity's region.";
    /// The MAIL FROM domain receives mail.
    MailFromReceivesMail = "mail-from-receives-mail", Error, None,
        "The MAIL FROM domain's MX set holds other mail servers beside SES's feedback endpoint: the domain is used to receive mail, which SES forbids, and bounces go astray.";
    /// The MAIL FROM domain is not a subdomain of the identity.
    MailFromNotSubdomain = "mail-from-not-subdomain", Error, None,
        "The MAIL FROM domain is not a subdomain of the identity's domain (or is the domain itself). SES refuses it, and SPF cannot align with the From domain.";
    /// The MAIL FROM records were created with the domain appended twice.
    MailFromDomainDuplicated = "mail-from-domain-duplicated", Error, None,
        "The MAIL FROM MX or SPF record exists at `<MAIL FROM domain>.<domain>`: the DNS host appended the domain to a name that already had it. SES: `MailFromDomainStatus` `FAILED`.";
    /// Another record type at the MAIL FROM domain instead of MX.
    MailFromWrongType = "mail-from-wrong-type", Error, None,
        "The MAIL FROM domain holds a CNAME (which hides every other record there) or a TXT carrying the MX value instead of an MX record. SES: `MailFromDomainStatus` `FAILED`.";
    /// The servers disagree about the MAIL FROM records.
    MailFromInconsistent = "mail-from-inconsistent", Error, None,
        "The authoritative servers give different MX or SPF answers for the MAIL FROM domain: SES and receivers see one or the other.";
    /// No SPF record at the MAIL FROM domain.
    SpfMissing = "spf-missing", Error, None,
        "The MAIL FROM domain has no `v=spf1` TXT record: SPF gives `none` for the mail SES sends, so it cannot pass DMARC through SPF.";
    /// Several SPF records.
    SpfMultiple = "spf-multiple", Error, None,
        "The MAIL FROM domain has several `v=spf1` TXT records: SPF gives `permerror` (RFC 7208 §4.5), so no SPF check passes.";
    /// The SPF record does not parse.
    SpfSyntax = "spf-syntax", Error, None,
        "The MAIL FROM domain's SPF record does not parse (an unknown mechanism, a bad address, a mistyped modifier): SPF gives `permerror`.";
    /// The SPF record does not include amazonses.com.
    SpfAmazonsesMissing = "spf-amazonses-missing", Error, None,
        "The MAIL FROM domain's SPF record does not include `amazonses.com` (directly or through its includes): SES's servers are not authorised, SPF fails or soft-fails for the mail SES sends.";
    /// More than 10 DNS lookups.
    SpfTooManyLookups = "spf-too-many-lookups", Error, None,
        "Evaluating the SPF record takes more than 10 DNS lookups (`include`, `a`, `mx`, `ptr`, `exists`, `redirect`, counted through the includes): SPF gives `permerror` (RFC 7208 §4.6.4).";
    /// An include or redirect target is unusable, or more than 2 void lookups.
    SpfIncludeBroken = "spf-include-broken", Error, None,
        "An `include:` or `redirect=` target has no SPF record, several, a broken one, includes itself, or the record causes more than 2 void lookups: SPF gives `permerror` (a failed lookup: `temperror`).";
    /// No DMARC record.
    DmarcMissing = "dmarc-missing", Warning, None,
        "No DMARC record at `_dmarc.<domain>` nor at its organizational domain: receivers apply no policy and send no reports; Gmail and Yahoo require one from bulk senders.";
    /// Several DMARC records.
    DmarcMultiple = "dmarc-multiple", Error, None,
        "Several `v=DMARC1` records at `_dmarc`: receivers apply no DMARC policy at all (RFC 7489 §6.6.3).";
    /// The DMARC record does not parse.
    DmarcSyntax = "dmarc-syntax", Error, None,
        "The DMARC record does not parse (no `p=`, a bad value, a tag twice): receivers apply no DMARC policy (RFC 7489 §6.6.3).";
    /// The servers disagree about the DMARC record.
    DmarcInconsistent = "dmarc-inconsistent", Error, None,
        "The authoritative servers give different answers for `_dmarc`: receivers apply one policy or the other.";
    /// SPF can never align for the mail SES sends.
    DmarcSpfUnaligned = "dmarc-spf-unaligned", Warning, None,
        "The mail SES sends cannot pass DMARC through SPF: `aspf=s` (strict) never aligns a MAIL FROM subdomain with the From domain. DMARC then rests on DKIM alone.";
    /// p=none.
    DmarcPolicyNone = "dmarc-policy-none", Info, None,
        "The DMARC policy is `p=none`: failing mail is delivered as usual and only reported (monitoring).";
    /// The policy comes from the organizational domain.
    DmarcFromOrganization = "dmarc-from-organization", Info, None,
        "The domain has no DMARC record of its own; the organizational domain's record (found by the Public Suffix List) applies, with its `sp=`.";
    /// The DS at the parent names no key the zone publishes.
    DnssecDsMismatch = "dnssec-ds-mismatch", Error, Some(DnsServerError),
        "The DS record at the parent names no DNSKEY the zone publishes (typically after moving to another DNS host): the chain of trust is bogus and validating resolvers answer SERVFAIL. The finding names the DS and the keys.";
    /// DS at the parent, zone unsigned.
    DnssecDsUnsignedZone = "dnssec-ds-unsigned-zone", Error, Some(DnsServerError),
        "The parent has a DS record for the zone, but the zone is not signed (no DNSKEY): validating resolvers answer SERVFAIL for every name in it.";
    /// An answer of a signed zone has no RRSIG.
    DnssecRrsigMissing = "dnssec-rrsig-missing", Error, Some(DnsServerError),
        "An answer from a signed zone comes without RRSIG (an unsigned copy on some server): validating resolvers reject it.";
    /// A signature does not verify.
    DnssecSignatureInvalid = "dnssec-signature-invalid", Error, Some(DnsServerError),
        "A signature does not verify with the zone's keys (wrong key, altered data, a key the zone does not publish), or validating it took more work than validators allow.";
    /// A signature expired or is not yet valid.
    DnssecSignatureExpired = "dnssec-signature-expired", Error, Some(DnsServerError),
        "A signature the answer relies on has expired or is not yet valid (the zone is no longer re-signed, a server serves an old copy, or a clock is wrong).";
    /// Signatures expire soon.
    DnssecSignatureExpiring = "dnssec-signature-expiring", Warning, None,
        "Signatures the check relies on expire within 7 days: if the zone is not re-signed in time, validating resolvers answer SERVFAIL.";
    /// Servers differ in signing.
    DnssecServersDiffer = "dnssec-servers-differ", Error, Some(DnsServerError),
        "Some servers' answers validate and others' do not: lookups through validating resolvers fail intermittently, depending on the server asked.";
    /// A denial of existence does not prove what it says.
    DnssecDenialBroken = "dnssec-denial-broken", Error, Some(DnsServerError),
        "A signed zone denies a name or a DS record without a valid NSEC/NSEC3 proof: validating resolvers answer SERVFAIL instead of NXDOMAIN or NODATA.";
    /// The provider's target zone is bogus.
    DnssecTargetBogus = "dnssec-target-bogus", Error, Some(DnsServerError),
        "The zone of a CNAME target (the email provider's) has a bogus DNSSEC chain: validating resolvers cannot read the key there. Nothing to change in your zone.";
    /// Signed only with unsupported or deprecated algorithms.
    DnssecAlgorithmUnsupported = "dnssec-algorithm-unsupported", Warning, None,
        "A zone is signed only with an algorithm validators do not use (deprecated: RSAMD5, DSA, RSASHA1, GOST; or unknown): it is treated as unsigned (RFC 6840 §5.2), never bogus.";
    /// Everything relied on validates.
    DnssecSecure = "dnssec-secure", Info, None,
        "Every name the check relies on validates from the root trust anchor (DNSSEC secure).";
    /// Validly unsigned.
    DnssecUnsigned = "dnssec-unsigned", Info, None,
        "The zone is validly unsigned: the parent proves there is no DS record, so validating resolvers accept unsigned answers.";
    /// DNSSEC on but not checked.
    DnssecNotChecked = "dnssec-not-checked", Info, None,
        "DNSSEC was not checked: the servers asked are a private root (`--roots`) and no `--trust-anchor` was given for it, so no chain of trust can be built (the IANA anchors do not sign a lab).";
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
                FindingCode::MailFromMxMissing
                | FindingCode::MailFromMxWrong
                | FindingCode::MailFromMxOtherRegion
                | FindingCode::MailFromReceivesMail
                | FindingCode::MailFromDomainDuplicated
                | FindingCode::MailFromWrongType => {
                    "error (`REJECT_MESSAGE`), warning (`USE_DEFAULT_VALUE`)".to_string()
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
        assert_eq!(FindingCode::ALL.len(), 63);
    }
}
