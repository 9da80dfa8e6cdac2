//! Reading the key at the end of a record's chain, and the key findings.

use dns_wire::{Name, Rcode};

use crate::finding::{Finding, FindingCode, SesErrorType, Severity};
use crate::keyrecord::{parse_key_record, Deviation, KeyRecord, KeyRecordError, PublicKey};
use crate::observe::{Observations, ObservedData, ServerRef, TargetOutcome};
use crate::report::KeySummary;

/// What sits where a key should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyState {
    /// The target was not looked up.
    NotResolved,
    /// The lookup failed.
    LookupFailed(String),
    /// NXDOMAIN.
    NoSuchName,
    /// The name exists but holds no TXT.
    NoTxt,
    /// One TXT RR whose text is empty or blank (SES's rotation placeholder).
    Empty,
    /// Several TXT RRs; `split_key` when joining them in some order gives a usable key (one
    /// key published as several records instead of several strings of one record).
    Multiple {
        /// How many RRs.
        count: usize,
        /// Whether they are the pieces of one key.
        split_key: bool,
    },
    /// One TXT RR that is not a usable key record.
    Invalid(KeyRecordError),
    /// A key record (possibly revoked).
    Parsed(KeyRecord),
}

impl KeyState {
    /// The key of one TXT RRset.
    pub fn from_txt(rrs: &[Vec<Vec<u8>>]) -> KeyState {
        match rrs {
            [] => KeyState::NoTxt,
            [single] => {
                let text = single.concat();
                if text.iter().all(|b| b.is_ascii_whitespace()) {
                    KeyState::Empty
                } else {
                    match parse_key_record(&text) {
                        Ok(record) => KeyState::Parsed(record),
                        Err(e) => KeyState::Invalid(e),
                    }
                }
            }
            several => KeyState::Multiple {
                count: several.len(),
                split_key: pieces_of_one_key(several),
            },
        }
    }

    /// The key at a CNAME target, from the target resolutions.
    pub fn at_target(observations: &Observations, target: &Name) -> (KeyState, Name) {
        let Some(resolution) = observations.targets.iter().find(|t| t.name == *target) else {
            return (KeyState::NotResolved, target.clone());
        };
        match &resolution.outcome {
            TargetOutcome::Failed { error, .. } => {
                (KeyState::LookupFailed(error.clone()), target.clone())
            }
            TargetOutcome::Answer { rcode, records } => {
                let mut current = target.clone();
                for _ in 0..=records.len() {
                    let next = records.iter().find_map(|r| match &r.data {
                        ObservedData::Cname(t) if r.name == current => Some(t.clone()),
                        _ => None,
                    });
                    match next {
                        Some(t) => current = t,
                        None => break,
                    }
                }
                let txt: Vec<Vec<Vec<u8>>> = records
                    .iter()
                    .filter(|r| r.name == current)
                    .filter_map(|r| match &r.data {
                        ObservedData::Txt(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
                if txt.is_empty() && *rcode == Rcode::NXDOMAIN {
                    return (KeyState::NoSuchName, current);
                }
                if txt.is_empty() && *rcode != Rcode::NOERROR {
                    return (KeyState::LookupFailed(format!("answered {rcode}")), current);
                }
                (KeyState::from_txt(&txt), current)
            }
        }
    }

    /// A key a verifier can use: parsed, not revoked, RSA at least 1024 bits, `h=` allowing
    /// SHA-256.
    pub fn is_usable(&self) -> bool {
        match self {
            KeyState::Parsed(record) => {
                !record.is_sha1_only()
                    && !record.has_no_usable_hash()
                    && match record.key {
                        PublicKey::Revoked => false,
                        PublicKey::Rsa { bits } => bits >= 1024,
                        PublicKey::Ed25519 => true,
                    }
            }
            _ => false,
        }
    }

    /// Empty TXT or empty `p=`: SES's placeholder on the inactive selectors.
    pub fn is_empty_key(&self) -> bool {
        matches!(self, KeyState::Empty)
            || matches!(self, KeyState::Parsed(r) if r.key == PublicKey::Revoked)
    }

    /// Whether the chain leads to no TXT at all.
    pub fn is_dead_end(&self) -> bool {
        matches!(
            self,
            KeyState::LookupFailed(_) | KeyState::NoSuchName | KeyState::NoTxt
        )
    }

    /// In words, for summaries.
    pub fn describe(&self) -> String {
        match self {
            KeyState::NotResolved => "not looked up".into(),
            KeyState::LookupFailed(e) => format!("a failed lookup ({e})"),
            KeyState::NoSuchName => "no such name (NXDOMAIN)".into(),
            KeyState::NoTxt => "no TXT record".into(),
            KeyState::Empty => "an empty TXT record".into(),
            KeyState::Multiple { count, .. } => format!("{count} TXT records"),
            KeyState::Invalid(e) => format!("an unusable key record: {e}"),
            KeyState::Parsed(r) => match r.key {
                PublicKey::Revoked => "an empty (revoked) key".into(),
                PublicKey::Rsa { bits } => format!("a {bits}-bit RSA key"),
                PublicKey::Ed25519 => "an Ed25519 key".into(),
            },
        }
    }

    /// The summary for the report, if a TXT was read.
    pub fn summary(&self, at: &Name) -> Option<KeySummary> {
        match self {
            KeyState::Empty => Some(KeySummary {
                at: at.clone(),
                algorithm: "rsa".into(),
                bits: None,
                empty: true,
                flags: vec![],
            }),
            KeyState::Parsed(r) => Some(KeySummary {
                at: at.clone(),
                algorithm: r.key_type.as_str().into(),
                bits: r.bits(),
                empty: r.key == PublicKey::Revoked,
                flags: r.flags.clone(),
            }),
            _ => None,
        }
    }
}

/// Whether some order of the RRs, joined, is a usable key record. Only small RRsets are
/// tried (4 RRs: 24 orders).
fn pieces_of_one_key(rrs: &[Vec<Vec<u8>>]) -> bool {
    if rrs.len() > 4 {
        return false;
    }
    let texts: Vec<Vec<u8>> = rrs.iter().map(|rr| rr.concat()).collect();
    orders(texts.len()).iter().any(|order| {
        let joined: Vec<u8> = order
            .iter()
            .flat_map(|&i| texts[i].iter().copied())
            .collect();
        KeyState::from_txt(&[vec![joined]]).is_usable()
    })
}

/// Every order of `0..n` (n is at most 4 here).
fn orders(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut all = Vec::new();
    for shorter in orders(n - 1) {
        for at in 0..=shorter.len() {
            let mut order = shorter.clone();
            order.insert(at, n - 1);
            all.push(order);
        }
    }
    all
}

/// Where a key was read and who showed it, for the key findings.
pub(crate) struct KeyContext<'a> {
    /// The record the key belongs to.
    pub record: &'a Name,
    /// Where the TXT was read.
    pub at: &'a Name,
    /// The servers that showed it (empty for a target resolved through its own zone).
    pub servers: Vec<ServerRef>,
    /// Whether an empty key is SES's normal rotation state (another SES target has the key).
    pub ses_rotation_ok: bool,
    /// Whether this is an SES target (the fix is then at SES, not in the user's DNS).
    pub ses_target: bool,
}

/// Findings about a key (malformed, revoked, weak, testing, SHA-1 only, several records).
pub(crate) fn key_findings(state: &KeyState, ctx: &KeyContext<'_>, out: &mut Vec<Finding>) {
    let at = ctx.at;
    let record = ctx.record;
    let finding = |code: FindingCode, severity: Severity, summary: String, fix: String| Finding {
        code,
        severity,
        name: at.clone(),
        servers: ctx.servers.clone(),
        summary,
        fix,
        ses_error_type: code.ses_error_type(),
    };
    let where_ = if at == record {
        format!("{at}")
    } else {
        format!("{at} (the target of {record})")
    };
    let republish = if ctx.ses_target {
        "This key is published by Amazon SES, not in your DNS: if it persists, contact AWS support or re-create the identity's DKIM settings.".to_string()
    } else {
        format!(
            "Replace the TXT record at {at} with exactly one record holding the key your email provider gives you (it starts with v=DKIM1; and has no quotes or line breaks)."
        )
    };
    match state {
        KeyState::Multiple { count, split_key: true } => out.push(finding(
            FindingCode::KeyMultipleRecords,
            Severity::Error,
            format!("The key at {where_} was split into {count} separate TXT records, so receivers read only one piece of it and DKIM checks fail."),
            format!("At your DNS host, put the pieces back into one TXT record at {at} (one record may hold several strings of up to 255 characters each) and delete the other records."),
        )),
        KeyState::Multiple { count, split_key: false } => out.push(finding(
            FindingCode::KeyMultipleRecords,
            Severity::Error,
            format!("There are {count} separate TXT records at {where_}, so receivers may pick any of them and DKIM checks fail at random."),
            format!("Delete the extra TXT records at {at} so that exactly one remains; if a long key was split into several records, put it back into one record (one record may hold several strings)."),
        )),
        KeyState::Invalid(e) => {
            let fix = match e {
                KeyRecordError::PrivateKey => format!("Delete the TXT record at {at} now, generate a new key pair at your email provider, and publish only the new public key."),
                KeyRecordError::PemHeader => format!("Edit the TXT record at {at}: keep only the base64 text between the -----BEGIN and -----END lines, as p=<that text>."),
                KeyRecordError::Quotes { .. } => format!("Edit the TXT record at {at} and remove the quote characters from the value; the DNS host adds its own quotes."),
                KeyRecordError::EmptyTagSpec { offset } => format!("Edit the TXT record at {at}: remove the extra semicolon at byte {offset}, so that exactly one ; separates two tags and none comes before the first."),
                _ => republish,
            };
            out.push(finding(
                FindingCode::KeyMalformed,
                Severity::Error,
                format!("The DKIM key record at {where_} cannot be used: {e}."),
                fix,
            ));
        }
        KeyState::Parsed(r) => {
            if r.key == PublicKey::Revoked && !ctx.ses_rotation_ok {
                let summary = if ctx.ses_target {
                    format!("The key at {where_} is empty (p= with no key), and no other SES target holds a key, so nothing can verify the mail.")
                } else {
                    format!("The key at {where_} is empty (p= with no key), which tells receivers the key was revoked.")
                };
                out.push(finding(FindingCode::KeyRevoked, Severity::Error, summary, republish.clone()));
            }
            if let PublicKey::Rsa { bits } = r.key {
                if bits < 1024 {
                    out.push(finding(
                        FindingCode::KeyWeak,
                        Severity::Error,
                        format!("The RSA key at {where_} is only {bits} bits long; receivers must reject keys under 1024 bits (RFC 8301)."),
                        "Generate a new 2048-bit key at your email provider and publish it in place of this one.".into(),
                    ));
                } else if bits == 1024 {
                    let fix = if ctx.ses_target {
                        "Switch the identity to 2048-bit keys: aws sesv2 put-email-identity-dkim-signing-attributes --email-identity <your domain> --signing-attributes-origin AWS_SES --signing-attributes NextSigningKeyLength=RSA_2048_BIT".to_string()
                    } else {
                        "Ask your email provider for a 2048-bit key and publish it when convenient.".to_string()
                    };
                    out.push(finding(
                        FindingCode::KeyWeak,
                        Severity::Warning,
                        format!("The RSA key at {where_} is 1024 bits long: accepted today, but 2048 bits is the recommended size."),
                        fix,
                    ));
                }
            }
            if r.is_testing() {
                out.push(finding(
                    FindingCode::KeyTesting,
                    Severity::Warning,
                    format!("The key record at {where_} has t=y (testing mode), so receivers treat your signed mail as if it were unsigned."),
                    format!("When DKIM works, edit the TXT record at {at} and remove the t=y tag (or the y flag from t=)."),
                ));
            }
            if r.is_sha1_only() {
                out.push(finding(
                    FindingCode::KeySha1Only,
                    Severity::Error,
                    format!("The key record at {where_} allows only SHA-1 signatures (h=sha1), which receivers must no longer accept (RFC 8301)."),
                    format!("Edit the TXT record at {at}: remove the h= tag (or set h=sha256), and have your provider sign with rsa-sha256."),
                ));
            }
            if r.has_no_usable_hash() {
                let listed = r.hash_algorithms.as_deref().unwrap_or_default().join(":");
                out.push(finding(
                    FindingCode::KeyHashUnusable,
                    Severity::Error,
                    format!("The key record at {where_} has h={listed}, which names no hash a DKIM signature uses (only sha256, or the retired sha1): RFC 6376 makes receivers ignore the key, and OpenDKIM, Mail::DKIM and go-msgauth fail every signature (dkimpy and mailauth do not check h=)."),
                    format!("Edit the TXT record at {at}: remove the h= tag, or set it to exactly h=sha256 (h= names a hash, not a signing algorithm like rsa-sha256)."),
                ));
            }
            for deviation in &r.deviations {
                let (code, fix) = match deviation {
                    Deviation::Pkcs1RsaKey { spki_base64 } => (
                        FindingCode::KeyFormatUnportable,
                        format!("Publish the same key in the portable SubjectPublicKeyInfo form, which every verifier reads: in the TXT record at {at}, replace the p= value with p={spki_base64} (or make it from the private key with openssl rsa -in private.pem -pubout -outform DER | base64 -w0). The private key does not change."),
                    ),
                    Deviation::VersionNotFirst => (
                        FindingCode::KeyNonstandard,
                        format!("Edit the TXT record at {at} so that it starts with v=DKIM1; and no other tag comes before it."),
                    ),
                    Deviation::TagNameCharacters { name } => (
                        FindingCode::KeyNonstandard,
                        format!("Edit the TXT record at {at}: remove the {name}= tag (verifiers do not use it) or rename it with letters, digits and _ only."),
                    ),
                    Deviation::WhitespaceInListItem { tag, item } => (
                        FindingCode::KeyNonstandard,
                        format!("Edit the TXT record at {at}: write {tag}={} without spaces inside the value.", item.chars().filter(|c| !c.is_ascii_whitespace()).collect::<String>()),
                    ),
                    Deviation::HashNameCase { item } => (
                        FindingCode::KeyNonstandard,
                        format!("Edit the TXT record at {at}: write h={} in lower case (or remove the h= tag).", item.to_ascii_lowercase()),
                    ),
                    Deviation::QuotesInKey => (
                        FindingCode::KeyNonstandard,
                        format!("Edit the TXT record at {at} and remove the quote characters from the p= value; the DNS host adds its own quotes."),
                    ),
                };
                let summary = if code == FindingCode::KeyFormatUnportable {
                    format!("Some receivers cannot use the key at {where_}: {deviation}.")
                } else {
                    format!("The key record at {where_} works with most receivers, but {deviation}.")
                };
                out.push(finding(code, Severity::Warning, summary, fix));
            }
        }
        KeyState::NotResolved
        | KeyState::LookupFailed(_)
        | KeyState::NoSuchName
        | KeyState::NoTxt
        | KeyState::Empty => {}
    }
}

/// What receivers make of one key record (the TXT strings of one record, read at `at`): the
/// same key findings a selector check reports for it, with no DNS involved.
pub fn judge_key_record(strings: &[Vec<u8>], at: &Name) -> Vec<Finding> {
    let state = KeyState::from_txt(&[strings.to_vec()]);
    let mut out = Vec::new();
    if state == KeyState::Empty {
        out.push(empty_record_finding(at, vec![]));
    }
    let ctx = KeyContext {
        record: at,
        at,
        servers: vec![],
        ses_rotation_ok: false,
        ses_target: false,
    };
    key_findings(&state, &ctx, &mut out);
    out
}

/// The finding for an empty TXT record at the selector itself (no CNAME involved).
pub(crate) fn empty_record_finding(at: &Name, servers: Vec<ServerRef>) -> Finding {
    Finding {
        code: FindingCode::KeyRecordEmpty,
        severity: Severity::Error,
        name: at.clone(),
        servers,
        summary: format!("The TXT record at {at} is empty, so there is no DKIM key to verify signatures with."),
        fix: format!("At your DNS host, put the key your email provider gives you (it starts with v=DKIM1;) into the TXT record at {at}, or delete the empty record if this selector is not used."),
        ses_error_type: FindingCode::KeyRecordEmpty.ses_error_type(),
    }
}

/// The SES error type for a key problem found at an SES target.
pub(crate) fn ses_error_for(state: &KeyState) -> Option<SesErrorType> {
    match state {
        KeyState::LookupFailed(_) => Some(SesErrorType::DnsServerError),
        _ => Some(SesErrorType::InvalidValue),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_order_is_tried() {
        assert_eq!(orders(0), vec![Vec::<usize>::new()]);
        let mut three = orders(3);
        three.sort();
        assert_eq!(three.len(), 6);
        three.dedup();
        assert_eq!(three.len(), 6);
        assert_eq!(orders(4).len(), 24);
    }

    #[test]
    fn a_key_split_across_records_is_recognised() {
        let ed = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        let (a, b) = ed.split_at(30);
        // Published in the wrong order, as two records.
        let state = KeyState::from_txt(&[vec![b.as_bytes().to_vec()], vec![a.as_bytes().to_vec()]]);
        assert_eq!(
            state,
            KeyState::Multiple {
                count: 2,
                split_key: true
            }
        );
        let two_keys =
            KeyState::from_txt(&[vec![ed.as_bytes().to_vec()], vec![ed.as_bytes().to_vec()]]);
        assert_eq!(
            two_keys,
            KeyState::Multiple {
                count: 2,
                split_key: false
            }
        );
    }
}
