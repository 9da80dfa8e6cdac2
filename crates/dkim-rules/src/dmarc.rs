//! DMARC records (RFC 7489, and the DMARCbis draft's additions `np=`, `psd=`, `t=`): the tag
//! list parser, the policy in words, and organizational domains.
//!
//! The organizational domain is found with the Public Suffix List compiled into the `psl`
//! crate (RFC 7489 §3.2), not by DMARCbis's DNS tree walk: it costs no query, and gives the
//! same answer as the tree walk for every domain whose registry publishes no `psd=y` record.

use serde::{Deserialize, Serialize};

/// The organizational domain (RFC 7489 §3.2): the registrable domain by the Public Suffix
/// List, or the name itself when it has none. `domain` is lower case, without the final dot.
pub fn organizational_domain(domain: &str) -> String {
    psl::domain_str(domain).unwrap_or(domain).to_string()
}

/// Whether a TXT text is a DMARC record: it starts with the tag `v=DMARC1` (RFC 7489 §6.6.3:
/// other records at `_dmarc` are ignored).
pub fn is_dmarc_record(text: &str) -> bool {
    let first = text.split(';').next().unwrap_or_default();
    match first.split_once('=') {
        Some((name, value)) => name.trim() == "v" && value.trim() == "DMARC1",
        None => false,
    }
}

/// A requested policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// `none`: monitor only.
    None,
    /// `quarantine`: treat failing mail as suspicious (spam folder).
    Quarantine,
    /// `reject`: refuse failing mail.
    Reject,
}

impl Policy {
    /// `none`, `quarantine` or `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::Quarantine => "quarantine",
            Policy::Reject => "reject",
        }
    }

    /// What receivers do with failing mail, in words.
    pub fn words(self) -> &'static str {
        match self {
            Policy::None => "deliver it as usual and only report it (monitoring)",
            Policy::Quarantine => "treat it as suspicious (usually the spam folder)",
            Policy::Reject => "refuse it",
        }
    }
}

/// `adkim=` / `aspf=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlignmentMode {
    /// `r` (the default): the organizational domains must match.
    Relaxed,
    /// `s`: the domains must be equal.
    Strict,
}

impl AlignmentMode {
    /// `relaxed` or `strict`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlignmentMode::Relaxed => "relaxed",
            AlignmentMode::Strict => "strict",
        }
    }

    /// Whether `domain` aligns with `from` under this mode (both lower case, no final dot).
    pub fn aligns(self, domain: &str, from: &str) -> bool {
        match self {
            AlignmentMode::Strict => domain == from,
            AlignmentMode::Relaxed => organizational_domain(domain) == organizational_domain(from),
        }
    }
}

/// A parsed DMARC record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcRecord {
    /// `p=`.
    pub policy: Policy,
    /// `sp=`: the policy for subdomains (defaults to `p=`).
    pub subdomain_policy: Option<Policy>,
    /// `np=` (DMARCbis): the policy for subdomains that do not exist (defaults to `sp=`).
    pub nonexistent_policy: Option<Policy>,
    /// `pct=`: the share of failing mail the policy applies to (default 100; DMARCbis drops it).
    pub pct: u8,
    /// `adkim=`.
    pub adkim: AlignmentMode,
    /// `aspf=`.
    pub aspf: AlignmentMode,
    /// `t=y` (DMARCbis testing mode): receivers apply the next weaker policy.
    pub testing: bool,
    /// `rua=` addresses.
    pub rua: Vec<String>,
}

impl DmarcRecord {
    /// The policy for mail from a subdomain that exists.
    pub fn effective_subdomain_policy(&self) -> Policy {
        self.subdomain_policy.unwrap_or(self.policy)
    }

    /// `p=`, `sp=` and `pct=` in one or two sentences, for `domain` (the domain whose record
    /// this is).
    pub fn in_words(&self, domain: &str) -> String {
        let mut text = format!(
            "Mail from {domain} that fails DMARC: receivers are asked to {}",
            self.policy.words()
        );
        if self.pct < 100 && self.policy != Policy::None {
            text.push_str(&format!(
                " for {}% of it (pct={}), the rest is handled one step more leniently",
                self.pct, self.pct
            ));
        }
        text.push('.');
        let sub = self.effective_subdomain_policy();
        if sub != self.policy {
            text.push_str(&format!(
                " For its subdomains (sp={}): {}.",
                sub.as_str(),
                sub.words()
            ));
        }
        if self.testing {
            text.push_str(" t=y (testing): receivers apply the next weaker policy.");
        }
        text
    }
}

/// Why a DMARC record is unusable (RFC 7489 §6.6.3: no policy applies).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DmarcError {
    /// Not a `v=DMARC1` record.
    #[error("it does not start with \"v=DMARC1\"")]
    NotDmarc,
    /// A tag has no `=`.
    #[error("{0:?} is not a tag=value pair")]
    MissingEquals(String),
    /// A tag appears twice.
    #[error("the tag {0:?} appears twice")]
    DuplicateTag(String),
    /// `p=` is missing.
    #[error("it has no p= tag (the policy is required and must come right after v=DMARC1)")]
    MissingPolicy,
    /// A tag's value is not one of those allowed.
    #[error("{tag}={value:?} is not valid; {allowed}")]
    BadValue {
        /// The tag.
        tag: String,
        /// The value.
        value: String,
        /// What it may be.
        allowed: &'static str,
    },
}

/// Parses a DMARC record (the TXT strings joined without separator). Empty tags (`;;`, a
/// final `;`) are skipped as receivers skip them; unknown tags are ignored; tag names are
/// compared without case, as OpenDMARC does.
pub fn parse_dmarc(text: &str) -> Result<DmarcRecord, DmarcError> {
    if !is_dmarc_record(text) {
        return Err(DmarcError::NotDmarc);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut record = DmarcRecord {
        policy: Policy::None,
        subdomain_policy: None,
        nonexistent_policy: None,
        pct: 100,
        adkim: AlignmentMode::Relaxed,
        aspf: AlignmentMode::Relaxed,
        testing: false,
        rua: Vec::new(),
    };
    let mut has_policy = false;
    for segment in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, value) = segment
            .split_once('=')
            .ok_or_else(|| DmarcError::MissingEquals(crate::clip(segment)))?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if seen.contains(&name) {
            return Err(DmarcError::DuplicateTag(crate::clip(&name)));
        }
        seen.push(name.clone());
        let bad = |allowed| DmarcError::BadValue {
            tag: crate::clip(&name),
            value: crate::clip(value),
            allowed,
        };
        let policy = |v: &str| match v.to_ascii_lowercase().as_str() {
            "none" => Ok(Policy::None),
            "quarantine" => Ok(Policy::Quarantine),
            "reject" => Ok(Policy::Reject),
            _ => Err(bad("it must be none, quarantine or reject")),
        };
        let mode = |v: &str| match v.to_ascii_lowercase().as_str() {
            "r" => Ok(AlignmentMode::Relaxed),
            "s" => Ok(AlignmentMode::Strict),
            _ => Err(bad("it must be r (relaxed) or s (strict)")),
        };
        match name.as_str() {
            "v" => {}
            "p" => {
                record.policy = policy(value)?;
                has_policy = true;
            }
            "sp" => record.subdomain_policy = Some(policy(value)?),
            "np" => record.nonexistent_policy = Some(policy(value)?),
            "adkim" => record.adkim = mode(value)?,
            "aspf" => record.aspf = mode(value)?,
            "pct" => {
                record.pct = value
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= 100)
                    .ok_or_else(|| bad("it must be a whole number from 0 to 100"))?;
            }
            "t" => {
                record.testing = match value.to_ascii_lowercase().as_str() {
                    "y" => true,
                    "n" => false,
                    _ => return Err(bad("it must be y or n")),
                }
            }
            "rua" => {
                record.rua = value
                    .split(',')
                    .map(|u| u.trim().to_string())
                    .filter(|u| !u.is_empty())
                    .collect();
            }
            _ => {}
        }
    }
    if !has_policy {
        return Err(DmarcError::MissingPolicy);
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizational_domains_come_from_the_public_suffix_list() {
        assert_eq!(organizational_domain("mail.example.com"), "example.com");
        assert_eq!(organizational_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(organizational_domain("example.com"), "example.com");
        assert_eq!(organizational_domain("com"), "com");
        assert!(AlignmentMode::Relaxed.aligns("bounce.example.com", "example.com"));
        assert!(!AlignmentMode::Strict.aligns("bounce.example.com", "example.com"));
        assert!(AlignmentMode::Strict.aligns("example.com", "example.com"));
        assert!(!AlignmentMode::Relaxed.aligns("example.co.uk", "other.co.uk"));
    }

    #[test]
    fn records_parse_with_defaults() {
        let r = parse_dmarc("v=DMARC1; p=quarantine; rua=mailto:d@example.com").unwrap();
        assert_eq!(r.policy, Policy::Quarantine);
        assert_eq!(
            (r.pct, r.adkim, r.aspf),
            (100, AlignmentMode::Relaxed, AlignmentMode::Relaxed)
        );
        assert_eq!(r.rua, ["mailto:d@example.com"]);
        let r = parse_dmarc("v=DMARC1;p=reject;sp=none;pct=25;adkim=s;ASPF=S;fo=1;;").unwrap();
        assert_eq!(r.effective_subdomain_policy(), Policy::None);
        assert_eq!(
            (r.adkim, r.aspf),
            (AlignmentMode::Strict, AlignmentMode::Strict)
        );
        let words = r.in_words("example.com");
        assert!(
            words.contains("refuse it for 25% of it (pct=25)"),
            "{words}"
        );
        assert!(words.contains("subdomains (sp=none)"), "{words}");
        assert!(is_dmarc_record("v = DMARC1 ; p=none"));
        assert!(!is_dmarc_record("v=DMARC2; p=none"));
        assert!(!is_dmarc_record("p=none; v=DMARC1"));
        assert!(!is_dmarc_record("v=spf1 -all"));
    }

    #[test]
    fn broken_records_say_why() {
        for (text, expected) in [
            ("v=DMARC1", DmarcError::MissingPolicy),
            (
                "v=DMARC1; rua=mailto:x@example.com",
                DmarcError::MissingPolicy,
            ),
            (
                "v=DMARC1; p=none; p=reject",
                DmarcError::DuplicateTag("p".into()),
            ),
            (
                "v=DMARC1; p none",
                DmarcError::MissingEquals("p none".into()),
            ),
            ("v=spf1 -all", DmarcError::NotDmarc),
        ] {
            assert_eq!(parse_dmarc(text).unwrap_err(), expected, "{text}");
        }
        for text in [
            "v=DMARC1; p=block",
            "v=DMARC1; p=none; pct=150",
            "v=DMARC1; p=none; adkim=x",
            "v=DMARC1; p=none; t=maybe",
        ] {
            let error = parse_dmarc(text).unwrap_err();
            assert!(
                matches!(error, DmarcError::BadValue { .. }),
                "{text}: {error}"
            );
        }
    }
}
