//! Turning what users paste into a [`Check`]: domains (IDN to A-labels), token arguments
//! copied from a console in any of their forms, the `aws sesv2 get-email-identity` JSON
//! and the SES console's CSV record set. Pure parsing; the CLI reads the files.

use dns_wire::Name;

use crate::Selector;

mod identity;
mod paste;
mod records_csv;

pub use identity::check_from_identity_json;
pub use paste::{normalize_tokens, parse_selector_arg, parse_selectors_arg, SelectorArg};
pub use records_csv::check_from_records_csv;

/// Longest excerpt of the user's input quoted in an error message, in characters: an error is
/// one short line even when the input is a 50 MB line.
pub const INPUT_EXCERPT_CHARS: usize = 60;

/// The user's input as quoted in an error: whole when short, else its start and an ellipsis.
pub fn clip(input: &str) -> String {
    if input.chars().count() <= INPUT_EXCERPT_CHARS {
        return input.to_string();
    }
    let mut head: String = input.chars().take(INPUT_EXCERPT_CHARS - 1).collect();
    head.push('…');
    head
}

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
    /// An IP address was given where a domain is expected.
    #[error(
        "{input:?}: that is an IP address, not a domain; give the domain whose DKIM records to check"
    )]
    IpAddress {
        /// What was given (cut to a short excerpt).
        input: String,
    },
    /// An SES region that is not in the table and does not have the shape of an AWS region.
    #[error("{input:?} is not an SES region; known: {known}")]
    UnknownRegion {
        /// What was given (cut to a short excerpt).
        input: String,
        /// The regions of the table, comma separated.
        known: String,
    },
    /// A pasted record row (type, name, value) could not be understood.
    #[error("cannot understand the pasted row {input:?}: {reason}")]
    RowNotUnderstood {
        /// What was given (cut to a short excerpt).
        input: String,
        /// What was not understood.
        reason: String,
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
    let unbracketed = trimmed
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(trimmed);
    if unbracketed.parse::<std::net::IpAddr>().is_ok() {
        return Err(InputError::IpAddress {
            input: clip(input.trim()),
        });
    }
    if let Some(found) = trimmed.chars().find(|c| c.is_whitespace()) {
        return Err(InputError::DomainCharacter {
            input: clip(input),
            found,
        });
    }
    // UTS 46 processing also validates ASCII `xn--` labels; the character rules are checked
    // below, so no ASCII is denied here (underscores must pass).
    let ascii = idna::domain_to_ascii_cow(trimmed.as_bytes(), idna::AsciiDenyList::EMPTY)
        .map_err(|e| InputError::InvalidIdn {
            input: clip(input),
            reason: e.to_string(),
        })?
        .into_owned();
    check_host_text(&ascii, input)?;
    ascii.parse().map_err(|e| InputError::InvalidIdn {
        input: clip(input),
        reason: format!("{e}"),
    })
}

/// Checks presentation text made of LDH-plus-underscore labels.
pub(crate) fn check_host_text(ascii: &str, input: &str) -> Result<(), InputError> {
    if ascii.len() > 253 {
        return Err(InputError::NameTooLong {
            input: clip(input),
            len: ascii.len(),
        });
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(InputError::EmptyLabel(clip(input)));
        }
        if label.len() > 63 {
            return Err(InputError::LabelTooLong {
                input: clip(input),
                label: clip(label),
                len: label.len(),
            });
        }
        if let Some(found) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(InputError::DomainCharacter {
                input: clip(input),
                found,
            });
        }
    }
    Ok(())
}

/// A selector as given: validated as one or more labels, lower-cased, final dot dropped
/// ([`Selector::parse`]).
pub fn parse_selector(input: &str) -> Result<Selector, InputError> {
    Selector::parse(input)
}

/// A token argument after normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenArg {
    /// The bare token, lower case.
    pub token: Selector,
    /// Set when the argument was rewritten: says what was taken from what.
    pub note: Option<String>,
    /// The SES DKIM zone, when the argument held a CNAME value (`<token>.<zone>`).
    pub target_zone: Option<Name>,
}

/// Normalises a token argument for `domain`: the one token of [`normalize_tokens`], which
/// lists the accepted forms; an argument holding several records is refused here.
pub fn normalize_token(input: &str, domain: &Name) -> Result<TokenArg, InputError> {
    let mut tokens = normalize_tokens(input, domain)?;
    match tokens.len() {
        1 => Ok(tokens.remove(0)),
        0 => Err(InputError::TokenNotUnderstood {
            input: clip(input),
            reason: "it holds no Easy DKIM CNAME record".into(),
        }),
        n => Err(InputError::TokenNotUnderstood {
            input: clip(input),
            reason: format!("it holds {n} records; give one token at a time"),
        }),
    }
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
