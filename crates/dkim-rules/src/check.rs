//! What the user asked to check ([`Check`]) and the Amazon SES DKIM zone table.

use dns_wire::Name;
use serde::{Deserialize, Serialize};

use crate::serde_dns;
use crate::Selector;

/// The DKIM zone used by every SES region not listed in [`SES_REGIONAL_DKIM_ZONES`].
pub const SES_DEFAULT_DKIM_ZONE: &str = "dkim.amazonses.com";

/// When [`SES_REGIONAL_DKIM_ZONES`] was compiled, from public copies of the AWS General
/// Reference "DKIM domains" table
/// (<https://docs.aws.amazon.com/general/latest/gr/ses.html#ses_dkim_domains>).
pub const SES_REGION_TABLE_DATE: &str = "2026-11-26";

/// Regions whose Easy DKIM CNAMEs point to `<token>.dkim.<region>.amazonses.com` instead of
/// `<token>.dkim.amazonses.com`. The list grows as AWS adds regions: update it here (and the
/// date above); nothing else in the crate names a region.
pub const SES_REGIONAL_DKIM_ZONES: &[(&str, &str)] = &[
    ("af-south-1", "dkim.af-south-1.amazonses.com"),
    ("ap-northeast-3", "dkim.ap-northeast-3.amazonses.com"),
    ("ap-south-2", "dkim.ap-south-2.amazonses.com"),
    ("ap-southeast-3", "dkim.ap-southeast-3.amazonses.com"),
    ("ap-southeast-5", "dkim.ap-southeast-5.amazonses.com"),
    ("ca-west-1", "dkim.ca-west-1.amazonses.com"),
    ("eu-central-2", "dkim.eu-central-2.amazonses.com"),
    ("eu-south-1", "dkim.eu-south-1.amazonses.com"),
    ("il-central-1", "dkim.il-central-1.amazonses.com"),
    ("me-central-1", "dkim.me-central-1.amazonses.com"),
    ("us-gov-east-1", "dkim.us-gov-east-1.amazonses.com"),
];

/// The AWS regions where SES runs, as of [`SES_REGION_TABLE_DATE`] (the SES endpoints table of
/// the AWS General Reference). A region missing here but shaped like an AWS region is accepted
/// with a note by [`parse_region`]; anything else is refused with this list.
pub const SES_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// A `--region` after checking: the region (lower case) and, when it is not in
/// [`SES_REGIONS`], a note saying what was assumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionArg {
    /// The region, lower case.
    pub region: String,
    /// Set when the region is not in the table but has the shape of an AWS region.
    pub note: Option<String>,
}

/// Checks an SES region name. A region of [`SES_REGIONS`] is taken as is. One the table does
/// not know but shaped like an AWS region (`<2 letters>[-gov]-<direction>-<digit>`, e.g. a
/// region opened after the table's date) is accepted with a note: its DKIM zone is taken to be
/// the default one, which most regions use, and a pasted CNAME value overrides that. Anything
/// else (`mars-1`) is refused with the list of known regions.
pub fn parse_region(text: &str) -> Result<RegionArg, crate::InputError> {
    let region = text.trim().to_ascii_lowercase();
    if SES_REGIONS.contains(&region.as_str()) {
        return Ok(RegionArg { region, note: None });
    }
    if looks_like_aws_region(&region) {
        let note = format!(
            "the region {region} is not in this tool's SES region table (dated {SES_REGION_TABLE_DATE}) but has the shape of an AWS region: assumed it uses the default DKIM zone {SES_DEFAULT_DKIM_ZONE}; if SES shows another zone in the CNAME values, paste one with --token"
        );
        return Ok(RegionArg {
            region,
            note: Some(note),
        });
    }
    Err(crate::InputError::UnknownRegion {
        input: crate::clip(text.trim()),
        known: compact_region_list(),
    })
}

/// [`SES_REGIONS`] in few characters, numbers of one area and direction joined
/// (`eu-west-1/2/3`), so the refusal stays one short line.
fn compact_region_list() -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for region in SES_REGIONS {
        let (stem, number) = region.rsplit_once('-').unwrap_or((region, ""));
        match groups.iter_mut().find(|(s, _)| *s == stem) {
            Some((_, numbers)) => numbers.push(number),
            None => groups.push((stem, vec![number])),
        }
    }
    groups
        .iter()
        .map(|(stem, numbers)| format!("{stem}-{}", numbers.join("/")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `eu-west-1`, `us-gov-east-1`, `ap-southeast-7`: two letters, optionally `gov`, a compass
/// direction, a number.
fn looks_like_aws_region(region: &str) -> bool {
    const DIRECTIONS: &[&str] = &[
        "east",
        "west",
        "north",
        "south",
        "central",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
    ];
    let parts: Vec<&str> = region.split('-').collect();
    let (geo, rest) = match parts.as_slice() {
        [geo, "gov", rest @ ..] | [geo, rest @ ..] => (*geo, rest),
        [] => return false,
    };
    matches!(rest, [direction, number]
        if DIRECTIONS.contains(direction)
            && !number.is_empty()
            && number.len() <= 2
            && number.bytes().all(|b| b.is_ascii_digit()))
        && geo.len() == 2
        && geo.bytes().all(|b| b.is_ascii_lowercase())
}

/// The SES DKIM zone for a region name (case-insensitive): the regional zone from
/// [`SES_REGIONAL_DKIM_ZONES`], else [`SES_DEFAULT_DKIM_ZONE`].
pub fn ses_dkim_zone_for_region(region: &str) -> Name {
    let region = region.trim();
    let zone = SES_REGIONAL_DKIM_ZONES
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(region))
        .map_or(SES_DEFAULT_DKIM_ZONE, |(_, zone)| zone);
    parse_static(zone)
}

/// If `zone` is an SES DKIM zone, the region it belongs to: `Some(None)` for the default zone
/// (shared by most regions), `Some(Some(region))` for a regional one, `None` otherwise.
pub fn ses_region_of_zone(zone: &Name) -> Option<Option<&'static str>> {
    if *zone == parse_static(SES_DEFAULT_DKIM_ZONE) {
        return Some(None);
    }
    SES_REGIONAL_DKIM_ZONES
        .iter()
        .find(|(_, z)| *zone == parse_static(z))
        .map(|(r, _)| Some(*r))
}

/// Whether `zone` looks like an SES DKIM zone (`dkim.amazonses.com` or `dkim.<x>.amazonses.com`),
/// including regional zones newer than the table.
pub fn is_ses_dkim_zone(zone: &Name) -> bool {
    let amazonses = parse_static("amazonses.com");
    let Some(prefix) = zone.strip_suffix(&amazonses) else {
        return false;
    };
    let labels: Vec<&[u8]> = prefix.labels().collect();
    matches!(labels.as_slice(), [dkim] | [dkim, _] if dkim.eq_ignore_ascii_case(b"dkim"))
}

/// Parses a name from a constant of this crate; the constants are valid by construction.
pub(crate) fn parse_static(text: &str) -> Name {
    match text.parse() {
        Ok(name) => name,
        // Only reachable if a constant in this crate is edited into an invalid name; the
        // unit tests parse every constant, so this cannot ship.
        Err(e) => panic!("invalid built-in name {text:?}: {e}"),
    }
}

/// The SOA that SES reports having seen, from `VerificationInfo.SOARecord` of
/// `aws sesv2 get-email-identity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoaSeen {
    /// `PrimaryNameServer`: the SOA MNAME.
    #[serde(with = "serde_dns::name")]
    pub primary_name_server: Name,
    /// `AdminEmail`, as SES printed it (an address or an RNAME).
    pub admin_email: Option<String>,
    /// `SerialNumber`.
    pub serial: Option<u32>,
}

/// What SES itself says about the identity (`DkimAttributes.Status`, `VerificationInfo.ErrorType`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SesStatus {
    /// `DkimAttributes.Status`: `PENDING`, `SUCCESS`, `FAILED`, `TEMPORARY_FAILURE`, `NOT_STARTED`.
    pub dkim_status: Option<String>,
    /// `VerificationInfo.ErrorType`: `HOST_NOT_FOUND`, `TYPE_NOT_FOUND`, `INVALID_VALUE`, ...
    pub error_type: Option<String>,
}

/// `MailFromAttributes.BehaviorOnMxFailure`: what SES does with mail when the MAIL FROM
/// domain's MX record is missing or wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MxFailureBehavior {
    /// `USE_DEFAULT_VALUE` (SES's default): the mail goes out with a MAIL FROM under
    /// amazonses.com, so SPF no longer aligns with the From domain.
    #[default]
    UseDefaultValue,
    /// `REJECT_MESSAGE`: SES refuses to send (`MailFromDomainNotVerified`).
    RejectMessage,
}

impl MxFailureBehavior {
    /// The SES spelling (`USE_DEFAULT_VALUE`, `REJECT_MESSAGE`).
    pub fn as_str(self) -> &'static str {
        match self {
            MxFailureBehavior::UseDefaultValue => "USE_DEFAULT_VALUE",
            MxFailureBehavior::RejectMessage => "REJECT_MESSAGE",
        }
    }
}

/// The identity's custom MAIL FROM domain (`MailFromAttributes` of `aws sesv2
/// get-email-identity`, or `--mail-from`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailFromAttributes {
    /// `MailFromDomain`, in A-labels.
    #[serde(with = "serde_dns::name")]
    pub domain: Name,
    /// `MailFromDomainStatus` as SES gave it (`PENDING`, `SUCCESS`, `FAILED`,
    /// `TEMPORARY_FAILURE`).
    #[serde(default)]
    pub status: Option<String>,
    /// `BehaviorOnMxFailure`.
    #[serde(default)]
    pub behavior_on_mx_failure: MxFailureBehavior,
}

/// The host SES wants as the MAIL FROM domain's MX in a region:
/// `feedback-smtp.<region>.amazonses.com` (AWS General Reference, "Feedback endpoints").
pub fn ses_feedback_endpoint(region: &str) -> Option<Name> {
    format!(
        "feedback-smtp.{}.amazonses.com",
        region.trim().to_ascii_lowercase()
    )
    .parse()
    .ok()
}

/// If `host` is an SES feedback endpoint (`feedback-smtp.<region>.amazonses.com`), its region.
pub fn ses_feedback_region(host: &Name) -> Option<String> {
    let prefix = host.strip_suffix(&parse_static("amazonses.com"))?;
    let labels: Vec<&[u8]> = prefix.labels().collect();
    match labels.as_slice() {
        [feedback, region] if feedback.eq_ignore_ascii_case(b"feedback-smtp") => {
            Some(String::from_utf8_lossy(region).to_ascii_lowercase())
        }
        _ => None,
    }
}

fn yes() -> bool {
    true
}

/// What the user asked to check.
// One `Check` per run (or per bulk line), moved a handful of times: the SES variant's size
// (its names are stored inline) costs nothing worth a box on every field access.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    /// Amazon SES Easy DKIM: one CNAME `<token>._domainkey.<domain>` → `<token>.<zone>` per token.
    Ses {
        /// The identity's domain, in A-labels.
        #[serde(with = "serde_dns::name")]
        domain: Name,
        /// The DKIM tokens (normally 3), as single labels.
        tokens: Vec<Selector>,
        /// `DkimAttributes.SigningHostedZone`; wins over `region` when given.
        #[serde(default, with = "serde_dns::opt_name")]
        signing_zone: Option<Name>,
        /// The SES region (`eu-west-1`...), used to pick the DKIM zone when `signing_zone` is unknown.
        #[serde(default)]
        region: Option<String>,
        /// Name servers the user expects to hold the records (for example the Route 53 hosted
        /// zone's servers), to tell "records in the wrong hosted zone" apart. The CLI asks
        /// them the same probes and lists them in [`crate::ZoneDelegation::servers`] with
        /// `user_named` set.
        #[serde(default, with = "serde_dns::names")]
        expect_ns: Vec<Name>,
        /// The SOA SES saw, from the identity JSON.
        #[serde(default)]
        ses_soa: Option<SoaSeen>,
        /// SES's own status and error type, from the identity JSON.
        #[serde(default)]
        ses_status: Option<SesStatus>,
        /// The custom MAIL FROM domain, when the identity has one (or `--mail-from`).
        #[serde(default)]
        mail_from: Option<MailFromAttributes>,
        /// Whether to read the domain's DMARC policy (`_dmarc.<domain>`) and judge the
        /// alignment of the mail SES sends.
        #[serde(default = "yes")]
        dmarc: bool,
    },
    /// Any DKIM selector: `<selector>._domainkey.<domain>` holding a key TXT, directly or
    /// through CNAMEs.
    Selector {
        /// The signing domain, in A-labels.
        #[serde(with = "serde_dns::name")]
        domain: Name,
        /// The selectors (`google`, `selector1`, `s1`...); a selector may contain dots.
        selectors: Vec<Selector>,
        /// Name servers the user expects to hold the records.
        #[serde(default, with = "serde_dns::names")]
        expect_ns: Vec<Name>,
        /// Whether to read the domain's DMARC policy (`_dmarc.<domain>`) and judge DKIM
        /// alignment with it.
        #[serde(default = "yes")]
        dmarc: bool,
    },
}

impl Check {
    /// The domain being checked.
    pub fn domain(&self) -> &Name {
        match self {
            Check::Ses { domain, .. } | Check::Selector { domain, .. } => domain,
        }
    }

    /// The name servers the user named (`--expect-ns`).
    pub fn expect_ns(&self) -> &[Name] {
        match self {
            Check::Ses { expect_ns, .. } | Check::Selector { expect_ns, .. } => expect_ns,
        }
    }

    /// For an SES check, the DKIM zone the CNAMEs must point into: `signing_zone` if given,
    /// else the zone of `region` from the table, else `dkim.amazonses.com`. `None` for selector checks.
    pub fn ses_zone(&self) -> Option<Name> {
        match self {
            Check::Ses {
                signing_zone: Some(zone),
                ..
            } => Some(zone.clone()),
            Check::Ses {
                region: Some(region),
                ..
            } => Some(ses_dkim_zone_for_region(region)),
            Check::Ses { .. } => Some(parse_static(SES_DEFAULT_DKIM_ZONE)),
            Check::Selector { .. } => None,
        }
    }

    /// The SES region of the identity, when known: `region`, else the region of a regional
    /// `signing_zone`. `None` for selector checks and for identities in one of the regions
    /// that share the default DKIM zone without `--region`.
    pub fn ses_region(&self) -> Option<String> {
        match self {
            Check::Ses {
                region: Some(region),
                ..
            } => Some(region.to_ascii_lowercase()),
            Check::Ses {
                signing_zone: Some(zone),
                ..
            } => ses_region_of_zone(zone).flatten().map(str::to_string),
            _ => None,
        }
    }

    /// The custom MAIL FROM domain to check, if any.
    pub fn mail_from(&self) -> Option<&MailFromAttributes> {
        match self {
            Check::Ses { mail_from, .. } => mail_from.as_ref(),
            Check::Selector { .. } => None,
        }
    }

    /// Whether the DMARC policy of the domain is read.
    pub fn checks_dmarc(&self) -> bool {
        match self {
            Check::Ses { dmarc, .. } | Check::Selector { dmarc, .. } => *dmarc,
        }
    }

    /// The selectors (SES tokens are selectors too), in the order given.
    pub fn selectors(&self) -> &[Selector] {
        match self {
            Check::Ses { tokens, .. } => tokens,
            Check::Selector { selectors, .. } => selectors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_zone_parses_and_maps_back() {
        for (region, zone) in SES_REGIONAL_DKIM_ZONES {
            let name = parse_static(zone);
            assert_eq!(ses_dkim_zone_for_region(region), name);
            assert_eq!(ses_region_of_zone(&name), Some(Some(*region)));
            assert!(is_ses_dkim_zone(&name));
            assert_eq!(*zone, format!("dkim.{region}.amazonses.com"));
        }
        assert_eq!(SES_REGIONAL_DKIM_ZONES.len(), 11);
    }

    #[test]
    fn other_regions_use_the_default_zone() {
        let default = parse_static(SES_DEFAULT_DKIM_ZONE);
        assert_eq!(ses_dkim_zone_for_region("eu-west-1"), default);
        assert_eq!(ses_dkim_zone_for_region(" US-EAST-1 "), default);
        assert_eq!(
            ses_dkim_zone_for_region("EU-SOUTH-1"),
            parse_static("dkim.eu-south-1.amazonses.com")
        );
        assert_eq!(ses_region_of_zone(&default), Some(None));
        assert!(!is_ses_dkim_zone(&parse_static("dkim.example.com")));
        assert!(!is_ses_dkim_zone(&parse_static("amazonses.com")));
        assert!(!is_ses_dkim_zone(&parse_static("a.b.dkim.amazonses.com")));
    }

    #[test]
    fn regions_are_checked_against_the_table() {
        assert_eq!(parse_region(" EU-West-1 ").unwrap().region, "eu-west-1");
        assert_eq!(parse_region("eu-west-1").unwrap().note, None);
        for (region, _) in SES_REGIONAL_DKIM_ZONES {
            assert!(
                SES_REGIONS.contains(region),
                "{region} is regional but not listed"
            );
        }
        let newer = parse_region("ap-southeast-7").unwrap();
        assert!(newer
            .note
            .unwrap()
            .contains("not in this tool's SES region table"));
        assert!(parse_region("us-gov-north-2").unwrap().note.is_some());
        for bad in [
            "mars-1",
            "eu-west",
            "europe-west-1",
            "eu-up-1",
            "",
            "eu-west-1x",
        ] {
            let error = parse_region(bad).unwrap_err().to_string();
            assert!(error.contains("eu-west-1/2/3"), "{bad}: {error}");
            assert!(error.len() <= 300, "{}", error.len());
        }
    }

    #[test]
    fn feedback_endpoints_name_their_region() {
        let host = ses_feedback_endpoint(" EU-West-1").unwrap();
        assert_eq!(host, parse_static("feedback-smtp.eu-west-1.amazonses.com"));
        assert_eq!(ses_feedback_region(&host).as_deref(), Some("eu-west-1"));
        assert_eq!(
            ses_feedback_region(&parse_static("FEEDBACK-SMTP.us-east-1.amazonses.com")).as_deref(),
            Some("us-east-1")
        );
        for other in [
            "feedback-smtp.amazonses.com",
            "inbound-smtp.us-east-1.amazonses.com",
            "feedback-smtp.us-east-1.amazonaws.com",
            "a.feedback-smtp.us-east-1.amazonses.com",
        ] {
            assert_eq!(ses_feedback_region(&parse_static(other)), None, "{other}");
        }
    }

    #[test]
    fn signing_zone_wins_over_region() {
        let check = Check::Ses {
            domain: parse_static("example.com"),
            tokens: vec![],
            signing_zone: Some(parse_static("dkim.af-south-1.amazonses.com")),
            region: Some("eu-west-1".into()),
            expect_ns: vec![],
            ses_soa: None,
            ses_status: None,
            mail_from: None,
            dmarc: false,
        };
        assert_eq!(check.ses_region().as_deref(), Some("eu-west-1"));
        assert_eq!(
            check.ses_zone(),
            Some(parse_static("dkim.af-south-1.amazonses.com"))
        );
    }
}
