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
    let timeout = common.timeout.unwrap_or(default_timeout);
    config.transport.timeout = timeout;
    // A TCP exchange is a connect plus a round trip: allow it a little more than one UDP wait.
    config.transport.tcp_timeout = timeout.saturating_mul(2);
    Ok(config)
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
    fn family_flags_must_leave_a_root() {
        assert!(resolver_config(&common(&["-6", "--roots", "127.0.0.1"]), DEMO_TIMEOUT).is_err());
        let config = resolver_config(&common(&["-4"]), DEMO_TIMEOUT).unwrap();
        assert!(config.families.ipv4 && !config.families.ipv6);
    }
}
