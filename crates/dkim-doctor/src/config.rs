//! From the common options to a resolver configuration. Servers are always IP addresses:
//! nothing here ever asks the system resolver.

use std::time::Duration;

use dns_wire::resolver::{ResolverConfig, RootHints};

use crate::cli::CommonOptions;
use crate::exit::RunError;

/// The per-query timeout when `--timeout` is not given, for checks on the real Internet.
pub const INTERNET_TIMEOUT: Duration = Duration::from_millis(1500);

/// The per-query timeout for the in-process demo network: its servers answer from loopback in
/// microseconds, so waiting longer only slows down the scenarios with silent servers.
pub const DEMO_TIMEOUT: Duration = Duration::from_millis(250);

/// The resolver configuration for these options; `default_timeout` applies when `--timeout`
/// is not given.
pub fn resolver_config(
    common: &CommonOptions,
    default_timeout: Duration,
) -> Result<ResolverConfig, RunError> {
    let mut config = ResolverConfig::default();
    if !common.roots.is_empty() {
        config.roots = RootHints::from_addresses(common.roots.iter().copied());
    }
    if let Some(port) = common.port {
        config.port = port;
    }
    config.families.ipv4 = !common.ipv6_only;
    config.families.ipv6 = !common.ipv4_only;
    if !common.roots.is_empty() {
        let usable = common.roots.iter().any(|ip| config.families().allows(ip));
        if !usable {
            let family = if config.families.ipv4 { "IPv4" } else { "IPv6" };
            return Err(RunError::BadInput(format!(
                "--roots gives no {family} address, but only {family} may be used (-{})",
                if config.families.ipv4 { '4' } else { '6' }
            )));
        }
    }
    config.recursive = common.resolver;
    // Validators ask with DO; without it the answers carry no signatures.
    config.transport.dnssec_ok = !common.no_dnssec && common.resolver.is_none();
    let timeout = common.timeout.unwrap_or(default_timeout);
    config.transport.timeout = timeout;
    // A TCP exchange is a connect plus a round trip: allow it a little more than one UDP wait.
    config.transport.tcp_timeout = timeout.saturating_mul(2);
    Ok(config)
}

/// How a check treats DNSSEC, from the options: the decision of what to validate is the
/// rules' (`dkim_rules::CheckMachine::with_dnssec`); this only says whether, from which
/// anchors, at which time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnssecPolicy {
    /// `--no-dnssec`, or a reduced check through a resolver.
    Off,
    /// Validate from these anchors (zone-file lines; empty: the IANA root anchors) at `now`
    /// (seconds since the epoch; `None`: this machine's clock when the check starts).
    On {
        /// The trust anchors.
        anchors: Vec<String>,
        /// The validation time, if not the clock's.
        now: Option<u64>,
    },
    /// On, but not checkable: why (a private root without its anchor).
    NotChecked(String),
}

/// The DNSSEC policy for these options: `--trust-anchor` files are read and checked here (a
/// file that holds no DS or DNSKEY record is bad input, exit 2).
pub fn dnssec_policy(common: &CommonOptions) -> Result<DnssecPolicy, RunError> {
    if common.no_dnssec || common.resolver.is_some() {
        return Ok(DnssecPolicy::Off);
    }
    let mut anchors = Vec::new();
    for path in &common.trust_anchors {
        let text = std::fs::read_to_string(path).map_err(|e| {
            RunError::BadInput(format!(
                "cannot read --trust-anchor {}: {e}",
                path.display()
            ))
        })?;
        let parsed = dns_wire::dnssec::TrustAnchors::parse(&text)
            .map_err(|e| RunError::BadInput(format!("--trust-anchor {}: {e}", path.display())))?;
        if parsed.is_empty() {
            return Err(RunError::BadInput(format!(
                "--trust-anchor {} holds no DS or DNSKEY record",
                path.display()
            )));
        }
        anchors.extend(parsed.lines());
    }
    if anchors.is_empty() && !common.roots.is_empty() {
        return Ok(DnssecPolicy::NotChecked(
            "the walk starts at the --roots servers, which the IANA root anchors do not sign, and no --trust-anchor was given".to_string(),
        ));
    }
    Ok(DnssecPolicy::On {
        anchors,
        now: common.validation_time,
    })
}

impl DnssecPolicy {
    /// The resolver settings this policy needs: queries with DO when DNSSEC is on (the
    /// answers carry their signatures), the zones' keys asked along the way when it is
    /// validated (`ResolverConfig::zone_keys`); neither when it is off.
    pub fn configure(&self, config: &mut ResolverConfig) {
        let on = !matches!(self, DnssecPolicy::Off) && config.recursive.is_none();
        config.transport.dnssec_ok = on;
        config.zone_keys = on && matches!(self, DnssecPolicy::On { .. });
    }
}

/// Everything a check runs with, built once from the options and handed to every command and
/// to `serve`'s checker: the resolver configuration and the DNSSEC policy, kept in agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSettings {
    /// The resolver configuration (DO and `zone_keys` set as `dnssec` needs).
    pub resolver: ResolverConfig,
    /// Whether DNSSEC is validated, from which anchors, at which time.
    pub dnssec: DnssecPolicy,
}

impl CheckSettings {
    /// `resolver` made to agree with `dnssec`.
    pub fn new(mut resolver: ResolverConfig, dnssec: DnssecPolicy) -> CheckSettings {
        dnssec.configure(&mut resolver);
        CheckSettings { resolver, dnssec }
    }

    /// `resolver` without DNSSEC (the library's default).
    pub fn without_dnssec(resolver: ResolverConfig) -> CheckSettings {
        CheckSettings::new(resolver, DnssecPolicy::Off)
    }
}

/// The settings for these options (`default_timeout` when `--timeout` is not given).
pub fn check_settings(
    common: &CommonOptions,
    default_timeout: Duration,
) -> Result<CheckSettings, RunError> {
    Ok(CheckSettings::new(
        resolver_config(common, default_timeout)?,
        dnssec_policy(common)?,
    ))
}

/// Parses an RFC 3339 time (`2026-12-01T00:00:00Z`, an offset instead of `Z` allowed) to
/// seconds since the Unix epoch, for `--validation-time`.
pub fn parse_validation_time(text: &str) -> Result<u64, String> {
    let stamp: jiff::Timestamp = text.trim().parse().map_err(|e| {
        format!("{text:?} is not an RFC 3339 time such as 2026-12-01T00:00:00Z ({e})")
    })?;
    u64::try_from(stamp.as_second())
        .map_err(|_| format!("{text:?} is before 1970, which DNSSEC times cannot express"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    fn common(args: &[&str]) -> CommonOptions {
        let mut argv = vec!["dkim-doctor"];
        argv.extend_from_slice(args);
        argv.push("demo");
        Cli::try_parse_from(argv).unwrap().common
    }

    #[test]
    fn roots_port_and_timeout_reach_the_config() {
        let config = resolver_config(
            &common(&[
                "--roots",
                "127.53.0.1",
                "--port",
                "5300",
                "--timeout",
                "800ms",
            ]),
            INTERNET_TIMEOUT,
        )
        .unwrap();
        assert_eq!(config.port, 5300);
        assert_eq!(config.roots.servers.len(), 1);
        assert_eq!(config.transport.timeout, Duration::from_millis(800));
        assert!(config.families.ipv4 && config.families.ipv6);
    }

    #[test]
    fn default_is_the_iana_roots_on_port_53() {
        let config = resolver_config(&common(&[]), INTERNET_TIMEOUT).unwrap();
        assert_eq!(config.port, 53);
        assert_eq!(config.roots, RootHints::iana());
        assert_eq!(config.transport.timeout, INTERNET_TIMEOUT);
    }

    #[test]
    fn validation_times_are_rfc_3339() {
        assert_eq!(
            parse_validation_time("2026-12-01T00:00:00Z"),
            Ok(1_796_083_200)
        );
        assert_eq!(
            parse_validation_time("2026-12-01T01:00:00+01:00"),
            Ok(1_796_083_200)
        );
        assert!(parse_validation_time("2026-12-01").is_err());
        assert!(parse_validation_time("1969-12-31T23:59:59Z").is_err());
        assert!(parse_validation_time("yesterday").is_err());
    }

    #[test]
    fn family_flags_must_leave_a_root() {
        assert!(resolver_config(&common(&["-6", "--roots", "127.0.0.1"]), DEMO_TIMEOUT).is_err());
        let config = resolver_config(&common(&["-4"]), DEMO_TIMEOUT).unwrap();
        assert!(config.families.ipv4 && !config.families.ipv6);
    }

    #[test]
    fn the_settings_keep_the_resolver_and_the_dnssec_policy_in_agreement() {
        let settings = |args: &[&str]| check_settings(&common(args), INTERNET_TIMEOUT).unwrap();
        // The IANA anchors at the clock's time: DO, the zones' keys asked.
        let default = settings(&[]);
        assert_eq!(
            default.dnssec,
            DnssecPolicy::On {
                anchors: vec![],
                now: None
            }
        );
        assert!(default.resolver.transport.dnssec_ok && default.resolver.zone_keys);
        let at = settings(&["--validation-time", "2026-12-01T01:00:00+01:00"]);
        assert!(matches!(
            at.dnssec,
            DnssecPolicy::On {
                now: Some(1_796_083_200),
                ..
            }
        ));
        let off = settings(&["--no-dnssec"]);
        assert_eq!(off.dnssec, DnssecPolicy::Off);
        assert!(!off.resolver.transport.dnssec_ok && !off.resolver.zone_keys);
        // A private root without its anchor: said, not validated; no keys asked for nothing.
        let private = settings(&["--roots", "127.53.0.1"]);
        assert!(matches!(private.dnssec, DnssecPolicy::NotChecked(_)));
        assert!(!private.resolver.zone_keys);
        let reduced = settings(&["--resolver", "127.0.0.1"]);
        assert_eq!(reduced.dnssec, DnssecPolicy::Off);
        assert!(!reduced.resolver.transport.dnssec_ok);
    }
}
