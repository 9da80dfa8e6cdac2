//! Turning what users paste into a [`Check`]: domains (IDN to A-labels), token arguments
//! copied from a console in any of their forms, the `aws sesv2 get-email-identity` JSON
//! and the SES console's CSV record set. Pure parsing; the CLI reads the files.

use dns_wire::Name;

use crate::check::is_ses_dkim_zone;

mod identity;
mod records_csv;

pub use identity::check_from_identity_json;
pub use records_csv::check_from_records_csv;

/// Why an argument or file could not be understood. Each message is one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// No domain was given.
    #[error("the domain is empty")]
    EmptyDomain,
    /// The domain contains a space or another character no host name can hold.
    #[error("the domain {input:?} contains {found:?}, which a domain name cannot hold")]
    DomainCharacter {
        /// What was given.
        input: String,
        /// The offending character.
        found: char,
    },
    /// A non-ASCII domain could not be converted to A-labels.
    #[error("the domain {input:?} is not a valid internationalised domain name ({reason})")]
    InvalidIdn {
        /// What was given.
        input: String,
        /// What IDNA rejected.
        reason: String,
    },
    /// A label is longer than 63 octets.
    #[error("the label {label:?} in {input:?} is {len} characters long; a label is at most 63")]
    LabelTooLong {
        /// What was given.
        input: String,
        /// The long label.
        label: String,
        /// Its length.
        len: usize,
    },
    /// Two dots in a row, or a leading dot.
    #[error("the name {0:?} has an empty label (two dots in a row, or a leading dot)")]
    EmptyLabel(String),
    /// The whole name is too long.
    #[error("the name {input:?} is {len} characters long; a domain name is at most 253")]
    NameTooLong {
        /// What was given.
        input: String,
        /// Its length in characters, without the final dot.
        len: usize,
    },
    /// No token was given.
    #[error("the token is empty")]
    EmptyToken,
    /// The token argument could not be understood.
    #[error("cannot understand the token {input:?}: {reason}")]
    TokenNotUnderstood {
        /// What was given.
        input: String,
        /// Why.
        reason: String,
    },
    /// The token argument is a record name for another domain.
    #[error(
        "the record name {input:?} belongs to {found}, not to the domain being checked, {domain}"
    )]
    TokenForOtherDomain {
        /// What was given.
        input: String,
        /// The domain in the record name.
        found: String,
        /// The domain being checked.
        domain: String,
    },
    /// The selector is not a valid name part.
    #[error("the selector {input:?} is not valid: {reason}")]
    InvalidSelector {
        /// What was given.
        input: String,
        /// Why.
        reason: String,
    },
    /// The identity JSON is not JSON, or not the expected shape.
    #[error("the identity JSON is not usable: {0}")]
    Json(String),
    /// The CSV record set is not usable.
    #[error("the CSV record set is not usable: {0}")]
    Csv(String),
    /// Nothing to check was found.
    #[error("no DKIM tokens or selectors were found in {0}")]
    NothingToCheck(String),
}

/// Parses a domain as a user types it: surrounding spaces and one final dot are dropped, a
/// non-ASCII name is converted to A-labels (IDNA/UTS 46), and the result is lower case.
pub fn parse_domain(input: &str) -> Result<Name, InputError> {
    let trimmed = input.trim();
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(InputError::EmptyDomain);
    }
    if let Some(found) = trimmed.chars().find(|c| c.is_whitespace()) {
        return Err(InputError::DomainCharacter {
            input: input.to_string(),
            found,
        });
    }
    // UTS 46 processing also validates ASCII `xn--` labels; the character rules are checked
    // below, so no ASCII is denied here (underscores must pass).
    let ascii = idna::domain_to_ascii_cow(trimmed.as_bytes(), idna::AsciiDenyList::EMPTY)
        .map_err(|e| InputError::InvalidIdn {
            input: input.to_string(),
            reason: e.to_string(),
        })?
        .into_owned();
    check_host_text(&ascii, input)?;
    ascii.parse().map_err(|e| InputError::InvalidIdn {
        input: input.to_string(),
        reason: format!("{e}"),
    })
}

/// Checks presentation text made of LDH-plus-underscore labels.
fn check_host_text(ascii: &str, input: &str) -> Result<(), InputError> {
    if ascii.len() > 253 {
        return Err(InputError::NameTooLong {
            input: input.to_string(),
            len: ascii.len(),
        });
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(InputError::EmptyLabel(input.to_string()));
        }
        if label.len() > 63 {
            return Err(InputError::LabelTooLong {
                input: input.to_string(),
                label: label.to_string(),
                len: label.len(),
            });
        }
        if let Some(found) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(InputError::DomainCharacter {
                input: input.to_string(),
                found,
            });
        }
    }
    Ok(())
}

/// A selector as given: validated as one or more labels, lower-cased, final dot dropped.
pub fn parse_selector(input: &str) -> Result<String, InputError> {
    let trimmed = input.trim().trim_end_matches('.');
    if trimmed.is_empty() {
        return Err(InputError::InvalidSelector {
            input: input.to_string(),
            reason: "it is empty".into(),
        });
    }
    check_host_text(trimmed, input).map_err(|e| InputError::InvalidSelector {
        input: input.to_string(),
        reason: e.to_string(),
    })?;
    Ok(trimmed.to_ascii_lowercase())
}

/// A token argument after normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenArg {
    /// The bare token, lower case.
    pub token: String,
    /// Set when the argument was rewritten: says what was taken from what.
    pub note: Option<String>,
    /// The SES DKIM zone, when the argument held a CNAME value (`<token>.<zone>`).
    pub target_zone: Option<Name>,
}

/// Normalises a token argument for `domain`. Accepted forms: the bare token; the record
/// name (`<token>._domainkey.<domain>`, with or without the final dot, or without the
/// domain); the CNAME value (`<token>.dkim.amazonses.com`); a whole record line copied from
/// a console or zone file (`<name> [TTL] [IN] CNAME <value>`), quotes allowed.
pub fn normalize_token(input: &str, domain: &Name) -> Result<TokenArg, InputError> {
    let trimmed = input.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if trimmed.is_empty() {
        return Err(InputError::EmptyToken);
    }
    let not_understood = |reason: &str| InputError::TokenNotUnderstood {
        input: input.to_string(),
        reason: reason.to_string(),
    };
    let fields: Vec<&str> = trimmed
        .split_whitespace()
        .map(|f| f.trim_matches(|c| c == '"' || c == '\''))
        .filter(|f| !f.is_empty())
        .collect();
    let (text, from_line) = if fields.len() == 1 {
        (fields[0], false)
    } else {
        let type_at = fields
            .iter()
            .position(|f| f.eq_ignore_ascii_case("CNAME"))
            .ok_or_else(|| {
                not_understood(
                    "it contains spaces but is not a \"name CNAME value\" record line; give the token alone",
                )
            })?;
        if type_at == 0 {
            return Err(not_understood("the record line has no name before CNAME"));
        }
        (fields[0], true)
    };
    let lower = text.trim_end_matches('.').to_ascii_lowercase();
    check_host_text(&lower, input).map_err(|e| not_understood(&e.to_string()))?;
    let name: Name = lower.parse().map_err(|e| not_understood(&format!("{e}")))?;
    let labels: Vec<String> = name
        .labels()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let mut target_zone = None;
    let (token, how) = if labels.len() == 1 {
        (labels[0].clone(), None)
    } else if labels[1] == "_domainkey" {
        let rest = name
            .parent()
            .and_then(|p| p.parent())
            .unwrap_or_else(Name::root);
        if !rest.is_root() && rest != *domain {
            let doubled = domain.clone().append(domain).ok();
            if doubled.as_ref() != Some(&rest) {
                return Err(InputError::TokenForOtherDomain {
                    input: input.to_string(),
                    found: rest.to_string_relative(),
                    domain: domain.to_string_relative(),
                });
            }
        }
        let what = if from_line {
            "the record line"
        } else {
            "the record name"
        };
        (labels[0].clone(), Some(what))
    } else if let Some(zone) = name.parent().filter(is_ses_dkim_zone) {
        target_zone = Some(zone);
        (labels[0].clone(), Some("the CNAME value"))
    } else {
        return Err(not_understood(
            "it is neither a token, nor a <token>._domainkey name, nor a <token>.dkim.amazonses.com value",
        ));
    };
    let note = how.map(|what| format!("took the token {token} from {what} {text:?}"));
    Ok(TokenArg {
        token,
        note,
        target_zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shared with the tests of the submodules.
    pub(super) fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    pub(super) const TOKEN: &str = "xtk53kxcy4p3t6ztbrffs6d54rsrrhh6";

    #[test]
    fn domains_are_normalised() {
        assert_eq!(parse_domain(" Example.COM. ").unwrap(), n("example.com"));
        assert_eq!(
            parse_domain("bücher.example").unwrap(),
            n("xn--bcher-kva.example")
        );
        assert_eq!(parse_domain("").unwrap_err(), InputError::EmptyDomain);
        assert!(matches!(
            parse_domain("exa mple.com"),
            Err(InputError::DomainCharacter { found: ' ', .. })
        ));
        let long = format!("{}.com", "a".repeat(64));
        assert!(matches!(
            parse_domain(&long),
            Err(InputError::LabelTooLong { len: 64, .. })
        ));
        assert!(matches!(
            parse_domain("a..com"),
            Err(InputError::EmptyLabel(_))
        ));
        assert!(matches!(
            parse_domain("xn--a.example"),
            Err(InputError::InvalidIdn { .. })
        ));
        let too_long = vec!["abcdefghi"; 26].join(".");
        assert!(matches!(
            parse_domain(&too_long),
            Err(InputError::NameTooLong { .. })
        ));
        assert!(parse_domain("a*b.com").is_err());
    }

    #[test]
    fn every_token_form_gives_the_token() {
        let d = n("example.com");
        let plain = normalize_token(TOKEN, &d).unwrap();
        assert_eq!(plain.token, TOKEN);
        assert_eq!(plain.note, None);
        for form in [
            format!("{TOKEN}._domainkey.example.com"),
            format!("{TOKEN}._domainkey.example.com."),
            format!("{TOKEN}._domainkey"),
            format!("  {}._DOMAINKEY.Example.com  ", TOKEN.to_uppercase()),
            format!("{TOKEN}._domainkey.example.com CNAME {TOKEN}.dkim.amazonses.com"),
            format!(
                "{TOKEN}._domainkey.example.com.\t1800\tIN\tCNAME\t{TOKEN}.dkim.amazonses.com."
            ),
            format!("\"{TOKEN}._domainkey.example.com\" CNAME \"{TOKEN}.dkim.amazonses.com\""),
            format!("{TOKEN}._domainkey.example.com.example.com"),
        ] {
            let arg = normalize_token(&form, &d).unwrap_or_else(|e| panic!("{form}: {e}"));
            assert_eq!(arg.token, TOKEN, "{form}");
            assert!(arg.note.unwrap().contains(TOKEN), "{form}");
        }
        let value =
            normalize_token(&format!("{TOKEN}.dkim.eu-south-1.amazonses.com."), &d).unwrap();
        assert_eq!(value.token, TOKEN);
        assert_eq!(value.target_zone, Some(n("dkim.eu-south-1.amazonses.com")));
    }

    #[test]
    fn bad_tokens_get_one_clear_sentence() {
        let d = n("example.com");
        assert_eq!(
            normalize_token("  ", &d).unwrap_err(),
            InputError::EmptyToken
        );
        let spaces = normalize_token("abc def", &d).unwrap_err();
        assert!(spaces.to_string().contains("contains spaces"), "{spaces}");
        let long = normalize_token(&"a".repeat(64), &d).unwrap_err();
        assert!(long.to_string().contains("at most 63"), "{long}");
        let other = normalize_token(&format!("{TOKEN}._domainkey.example.org"), &d).unwrap_err();
        assert!(
            matches!(other, InputError::TokenForOtherDomain { .. }),
            "{other}"
        );
        assert!(normalize_token("www.example.com", &d).is_err());
        assert!(normalize_token("CNAME x.dkim.amazonses.com", &d).is_err());
        assert!(normalize_token("tok/en", &d).is_err());
    }
}
