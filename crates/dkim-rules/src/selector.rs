//! [`Selector`]: a DKIM selector (or an SES token, which is a selector of one label), parsed
//! once from what the user gave and carried as a type from then on.

use std::fmt;

use dns_wire::Name;
use serde::{Deserialize, Serialize};

use crate::input::{check_host_text, clip, InputError};

/// A DKIM selector (RFC 6376 §3.1): one or more labels, lower case, without a final dot
/// (`google`, `selector1`, `s1.mail`). An SES Easy DKIM token is a selector of one label.
///
/// Built only by [`Selector::parse`] (or deserialised through it), so the text is valid and
/// its labels are parsed once: the names of a check (`<selector>._domainkey.<domain>`) are
/// built from them without parsing text again.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Selector {
    text: String,
    /// The labels, as an absolute name (`s1.mail.`) to append to `_domainkey.<domain>`.
    labels: Name,
}

impl Selector {
    /// A selector as given: validated as one or more labels, lower-cased, final dot dropped.
    pub fn parse(input: &str) -> Result<Selector, InputError> {
        let invalid = |reason: String| InputError::InvalidSelector {
            input: clip(input),
            reason,
        };
        let trimmed = input.trim().trim_end_matches('.');
        if trimmed.is_empty() {
            return Err(invalid("it is empty".into()));
        }
        check_host_text(trimmed, input).map_err(|e| invalid(e.to_string()))?;
        let text = trimmed.to_ascii_lowercase();
        let labels: Name = text.parse().map_err(|e| invalid(format!("{e}")))?;
        Ok(Selector { text, labels })
    }

    /// The selector's text, lower case, without a final dot.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many labels the selector has (an SES token has one).
    pub fn label_count(&self) -> usize {
        self.labels.label_count()
    }

    /// The selector's labels followed by `suffix`; `None` when the name would be longer than
    /// a DNS name can be.
    pub fn prefixed_to(&self, suffix: &Name) -> Option<Name> {
        self.labels.clone().append(suffix).ok()
    }

    /// Where the selector's key record lives: `<selector>._domainkey.<domain>`; `None` when
    /// that name would be too long to exist.
    pub fn dkim_name(&self, domain: &Name) -> Option<Name> {
        self.prefixed_to(&domain.prepend(b"_domainkey").ok()?)
    }
}

impl std::str::FromStr for Selector {
    type Err = InputError;

    fn from_str(text: &str) -> Result<Selector, InputError> {
        Selector::parse(text)
    }
}

impl TryFrom<String> for Selector {
    type Error = InputError;

    fn try_from(text: String) -> Result<Selector, InputError> {
        Selector::parse(&text)
    }
}

impl From<Selector> for String {
    fn from(selector: Selector) -> String {
        selector.text
    }
}

impl AsRef<str> for Selector {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl PartialEq<str> for Selector {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Selector {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selector_is_normalised_once() {
        let s = Selector::parse(" S1.Mail. ").unwrap();
        assert_eq!(s.as_str(), "s1.mail");
        assert_eq!(s.label_count(), 2);
        let domain: Name = "example.com".parse().unwrap();
        assert_eq!(
            s.dkim_name(&domain).unwrap(),
            "s1.mail._domainkey.example.com".parse::<Name>().unwrap()
        );
    }

    #[test]
    fn invalid_selectors_are_refused() {
        for bad in ["", ".", "a..b", "a b", "a*b", &"x".repeat(64)] {
            assert!(
                matches!(
                    Selector::parse(bad),
                    Err(InputError::InvalidSelector { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_name_too_long_to_exist_has_no_dkim_name() {
        // 247 characters: a valid selector, but with `_domainkey.example.com` over 255 octets.
        let s = Selector::parse(&vec!["a".repeat(60); 4].join(".")).unwrap();
        let domain: Name = "example.com".parse().unwrap();
        assert!(s.dkim_name(&domain).is_none());
    }

    #[test]
    fn json_carries_the_text_and_refuses_an_invalid_selector() {
        let s = Selector::parse("google").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"google\"");
        let back: Selector = serde_json::from_str("\"Google.\"").unwrap();
        assert_eq!(back, s);
        assert!(serde_json::from_str::<Selector>("\"a b\"").is_err());
    }
}
