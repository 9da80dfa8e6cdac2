//! Known DKIM providers: their selector names and what their records look like, so a report
//! can say "this is Mailchimp's k2 selector; it should point to dkim2.mcsv.net.".
//!
//! Sources: the provider rows of the project's reference notes (dkim-facts.md §2). Targets are
//! matched label by label, case-insensitively; `{domain-dashed}` stands for the checked
//! domain with its dots turned into dashes (`example.com` → `example-com`).

use dns_wire::Name;
use serde::Serialize;

/// How a provider publishes the key at `<selector>._domainkey.<domain>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishedAs {
    /// A CNAME into the provider's zone, which holds (and rotates) the key.
    Cname,
    /// The key TXT itself.
    Txt,
}

/// Which selector names an entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorPattern {
    /// Exactly this selector (case-insensitive).
    Exact(&'static str),
    /// Postmark's `<YYYYMMDDhhmmss>pm`: 14 digits then `pm`.
    PostmarkTimestamp,
}

impl std::fmt::Display for SelectorPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SelectorPattern::Exact(s) => f.write_str(s),
            SelectorPattern::PostmarkTimestamp => f.write_str("<YYYYMMDDhhmmss>pm"),
        }
    }
}

impl SelectorPattern {
    /// Whether `selector` fits the pattern.
    pub fn matches(&self, selector: &str) -> bool {
        match self {
            SelectorPattern::Exact(s) => s.eq_ignore_ascii_case(selector),
            SelectorPattern::PostmarkTimestamp => {
                // Bytes, not a str slice: a non-ASCII selector must not split a character.
                let bytes = selector.as_bytes();
                bytes.len() == 16
                    && bytes[14..].eq_ignore_ascii_case(b"pm")
                    && bytes[..14].iter().all(u8::is_ascii_digit)
            }
        }
    }
}

/// The shape of a provider's CNAME target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetRule {
    /// Labels the target starts with (`{domain-dashed}` is substituted).
    pub leading: &'static [&'static str],
    /// Whether labels the provider assigns per customer (tenant, account id) sit between
    /// `leading` and the suffix.
    pub customer_part: bool,
    /// The provider zones the target may end in.
    pub suffixes: &'static [&'static str],
}

impl TargetRule {
    /// Whether `target` has this shape for `domain`.
    pub fn matches(&self, target: &Name, domain: &Name) -> bool {
        let dashed = dashed_domain(domain);
        let labels: Vec<String> = target
            .labels()
            .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase())
            .collect();
        self.suffixes.iter().any(|suffix| {
            let suffix_labels: Vec<&str> = suffix.split('.').collect();
            if labels.len() < self.leading.len() + suffix_labels.len() {
                return false;
            }
            let middle = labels.len() - self.leading.len() - suffix_labels.len();
            if (middle > 0) != self.customer_part {
                return false;
            }
            let leading_ok = self
                .leading
                .iter()
                .zip(&labels)
                .all(|(want, got)| want.replace("{domain-dashed}", &dashed) == *got);
            let suffix_ok = suffix_labels
                .iter()
                .zip(&labels[labels.len() - suffix_labels.len()..])
                .all(|(want, got)| *want == got);
            leading_ok && suffix_ok
        })
    }

    /// The target written out for `domain`, with placeholders for the customer part.
    pub fn describe(&self, domain: &Name) -> String {
        let dashed = dashed_domain(domain);
        let forms: Vec<String> = self
            .suffixes
            .iter()
            .map(|suffix| {
                let mut parts: Vec<String> = self
                    .leading
                    .iter()
                    .map(|l| l.replace("{domain-dashed}", &dashed))
                    .collect();
                if self.customer_part {
                    parts.push("<your account's part>".to_string());
                }
                parts.push(format!("{suffix}."));
                parts.join(".")
            })
            .collect();
        forms.join(" or ")
    }

    /// Whether `target` lies in one of this rule's provider zones, whatever its first labels.
    pub fn in_provider_zone(&self, target: &Name) -> bool {
        self.suffixes.iter().any(|s| {
            s.parse::<Name>()
                .map(|zone| target.is_subdomain_of(&zone))
                .unwrap_or(false)
        })
    }
}

/// One provider selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSelector {
    /// The provider's name as users know it.
    pub provider: &'static str,
    /// Which selector names this entry covers.
    pub selector: SelectorPattern,
    /// How the provider publishes the key.
    pub published_as: PublishedAs,
    /// For CNAME publishing, the target's shape.
    pub target: Option<TargetRule>,
}

const M365_SUFFIXES: &[&str] = &["onmicrosoft.com", "dkim.mail.microsoft"];

/// The provider table.
pub const PROVIDERS: &[ProviderSelector] = &[
    cname(
        "Microsoft 365",
        "selector1",
        &["selector1-{domain-dashed}", "_domainkey"],
        true,
        M365_SUFFIXES,
    ),
    cname(
        "Microsoft 365",
        "selector2",
        &["selector2-{domain-dashed}", "_domainkey"],
        true,
        M365_SUFFIXES,
    ),
    cname(
        "SendGrid",
        "s1",
        &["s1", "domainkey"],
        true,
        &["sendgrid.net"],
    ),
    cname(
        "SendGrid",
        "s2",
        &["s2", "domainkey"],
        true,
        &["sendgrid.net"],
    ),
    cname("Mailchimp", "k1", &["dkim"], false, &["mcsv.net"]),
    cname("Mailchimp", "k2", &["dkim2"], false, &["mcsv.net"]),
    cname("Mailchimp", "k3", &["dkim3"], false, &["mcsv.net"]),
    cname(
        "Mandrill (Mailchimp Transactional)",
        "mte1",
        &["dkim1"],
        false,
        &["mandrillapp.com"],
    ),
    cname(
        "Mandrill (Mailchimp Transactional)",
        "mte2",
        &["dkim2"],
        false,
        &["mandrillapp.com"],
    ),
    cname(
        "Mailgun",
        "pdk1",
        &["pdk1", "_domainkey"],
        true,
        &["mailgun.com"],
    ),
    cname(
        "Mailgun",
        "pdk2",
        &["pdk2", "_domainkey"],
        true,
        &["mailgun.com"],
    ),
    cname(
        "Brevo",
        "brevo1",
        &["b1", "{domain-dashed}"],
        false,
        &["dkim.brevo.com"],
    ),
    cname(
        "Brevo",
        "brevo2",
        &["b2", "{domain-dashed}"],
        false,
        &["dkim.brevo.com"],
    ),
    txt("Google Workspace", SelectorPattern::Exact("google")),
    txt("Resend", SelectorPattern::Exact("resend")),
    txt("Postmark", SelectorPattern::PostmarkTimestamp),
    txt("Mandrill (legacy TXT)", SelectorPattern::Exact("mandrill")),
    txt("Zoho Mail", SelectorPattern::Exact("zmail")),
    txt("Zoho Mail", SelectorPattern::Exact("zoho")),
];

const fn cname(
    provider: &'static str,
    selector: &'static str,
    leading: &'static [&'static str],
    customer_part: bool,
    suffixes: &'static [&'static str],
) -> ProviderSelector {
    ProviderSelector {
        provider,
        selector: SelectorPattern::Exact(selector),
        published_as: PublishedAs::Cname,
        target: Some(TargetRule {
            leading,
            customer_part,
            suffixes,
        }),
    }
}

const fn txt(provider: &'static str, selector: SelectorPattern) -> ProviderSelector {
    ProviderSelector {
        provider,
        selector,
        published_as: PublishedAs::Txt,
        target: None,
    }
}

/// Provider zones recognised in CNAME targets, including SES (not a selector provider here:
/// SES tokens are checked by [`crate::Check::Ses`]).
const TARGET_ZONES: &[(&str, &str)] = &[
    ("amazonses.com", "Amazon SES"),
    ("onmicrosoft.com", "Microsoft 365"),
    ("dkim.mail.microsoft", "Microsoft 365"),
    ("sendgrid.net", "SendGrid"),
    ("mcsv.net", "Mailchimp"),
    ("mandrillapp.com", "Mandrill (Mailchimp Transactional)"),
    ("mailgun.com", "Mailgun"),
    ("mailgun.org", "Mailgun"),
    ("dkim.brevo.com", "Brevo"),
];

/// The table entry for a selector name, if it is a known provider selector.
pub fn provider_for_selector(selector: &str) -> Option<&'static ProviderSelector> {
    PROVIDERS.iter().find(|p| p.selector.matches(selector))
}

/// The provider whose zone a CNAME target lies in, if known.
pub fn provider_of_target(target: &Name) -> Option<&'static str> {
    TARGET_ZONES.iter().find_map(|(zone, provider)| {
        let zone: Name = zone.parse().ok()?;
        target.is_subdomain_of(&zone).then_some(*provider)
    })
}

/// `example.com` → `example-com` (lower case, no final dot).
pub fn dashed_domain(domain: &Name) -> String {
    domain
        .labels()
        .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn every_suffix_parses() {
        for p in PROVIDERS {
            if let Some(rule) = p.target {
                for s in rule.suffixes {
                    assert!(s.parse::<Name>().is_ok(), "{s}");
                }
            }
        }
        for (zone, _) in TARGET_ZONES {
            assert!(zone.parse::<Name>().is_ok(), "{zone}");
        }
    }

    #[test]
    fn microsoft_old_and_new_forms() {
        let d = n("contoso.com");
        let rule = provider_for_selector("Selector1").unwrap().target.unwrap();
        assert!(rule.matches(
            &n("selector1-contoso-com._domainkey.contoso.onmicrosoft.com"),
            &d
        ));
        assert!(rule.matches(
            &n("selector1-contoso-com._domainkey.contoso.r-v1.dkim.mail.microsoft."),
            &d
        ));
        assert!(!rule.matches(
            &n("selector2-contoso-com._domainkey.contoso.onmicrosoft.com"),
            &d
        ));
        assert!(!rule.matches(
            &n("selector1-other-com._domainkey.contoso.onmicrosoft.com"),
            &d
        ));
        assert!(rule
            .describe(&d)
            .contains("selector1-contoso-com._domainkey.<your account's part>.onmicrosoft.com."));
    }

    #[test]
    fn exact_targets_and_swaps() {
        let d = n("example.com");
        let k2 = provider_for_selector("k2").unwrap().target.unwrap();
        assert!(k2.matches(&n("dkim2.mcsv.net"), &d));
        assert!(!k2.matches(&n("dkim3.mcsv.net"), &d));
        assert!(k2.in_provider_zone(&n("dkim3.mcsv.net")));
        let brevo = provider_for_selector("brevo1").unwrap().target.unwrap();
        assert!(brevo.matches(&n("b1.example-com.dkim.brevo.com"), &d));
        let sg = provider_for_selector("s1").unwrap().target.unwrap();
        assert!(sg.matches(&n("s1.domainkey.u123.wl045.sendgrid.net"), &d));
        assert!(!sg.matches(&n("s1.domainkey.sendgrid.net"), &d));
    }

    #[test]
    fn selector_patterns_and_target_zones() {
        assert_eq!(
            provider_for_selector("20131031155228pm").unwrap().provider,
            "Postmark"
        );
        assert!(provider_for_selector("2013103115522pm").is_none());
        assert!(provider_for_selector("20131031155228PM").is_some());
        // 16 bytes with a multi-byte character across byte 14: no panic, no match.
        assert!(provider_for_selector("1234567890123é4").is_none());
        assert_eq!(
            provider_for_selector("google").unwrap().published_as,
            PublishedAs::Txt
        );
        assert_eq!(
            provider_of_target(&n("abc.dkim.eu-south-1.amazonses.com")),
            Some("Amazon SES")
        );
        assert_eq!(
            provider_of_target(&n("dkim1.mandrillapp.com")),
            Some("Mandrill (Mailchimp Transactional)")
        );
        assert_eq!(provider_of_target(&n("example.net")), None);
    }
}
