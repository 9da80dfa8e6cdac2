//! `serve`: the HTTP server, with the resolver configuration of the common options and the
//! address policy of a service exposed to strangers.

use std::sync::Arc;

use dns_wire::resolver::{AddressPolicy, IpPrefix};

use crate::cli::{CommonOptions, ServeArgs};
use crate::config::{check_settings, INTERNET_TIMEOUT};
use crate::exit::{Outcome, RunError};
use crate::output::Stdout;
use crate::serve::{self, ConnectionLimits, ServeOptions};
use crate::service::{CachePolicy, Checker, Renewal};

/// How long `serve` answers a question from the run's memory (longer than a check lasts when
/// every server answers; see [`dns_wire::resolver::ResolverConfig::answer_memory`]).
const SERVE_ANSWER_MEMORY: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves until Ctrl-C or SIGTERM, then lets the requests in progress finish.
pub async fn run(common: &CommonOptions, args: &ServeArgs) -> Result<Outcome, RunError> {
    // DNSSEC as on the command line: the IANA anchors unless --trust-anchor or --no-dnssec.
    let mut settings = check_settings(common, INTERNET_TIMEOUT)?;
    let config = &mut settings.resolver;
    config.address_policy = address_policy(common, args);
    // Someone who fixes a record and checks again gets the servers' answers of now: checks a
    // few seconds apart share answers (and simultaneous ones their questions), not more.
    config.answer_memory = SERVE_ANSWER_MEMORY;
    let policy_words = match &args.allow_private {
        None => "public addresses only (--allow-private for labs)".to_string(),
        Some(prefixes) if prefixes.is_empty() => "every address (--allow-private)".to_string(),
        Some(prefixes) => format!(
            "public addresses and {}",
            prefixes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let checker = Arc::new(Checker::with_settings(settings, Renewal::default()));
    let options = ServeOptions {
        listen: args.listen,
        max_checks: args.max_checks,
        client_rate: args.client_rate,
        client_burst: args.client_burst,
        cache: CachePolicy {
            max_lifetime: args.cache_ttl,
            // Never longer than the cap: with --cache-ttl 0s nothing is kept.
            unsettled_lifetime: CachePolicy::default()
                .unsettled_lifetime
                .min(args.cache_ttl),
            max_entries: args.cache_entries as usize,
        },
        ..ServeOptions::default()
    };
    let options = ServeOptions {
        connections: ConnectionLimits {
            total: args.max_connections as usize,
            per_client: args.client_connections as usize,
            ..options.connections
        },
        ..options
    };
    serve::run(
        checker,
        options,
        |bound| {
            // The first line on stdout, for scripts and tests that listen on port 0.
            Stdout::new().write(&format!(
                "dkim-doctor serve: listening on http://{bound}/ (queries to {policy_words})\n"
            ));
        },
        super::wait_for_stop(),
    )
    .await?;
    Ok(Outcome::Pass)
}

/// Public addresses only, unless `--allow-private`; the addresses the operator gave
/// (`--roots`, `--resolver`) are always allowed.
fn address_policy(common: &CommonOptions, args: &ServeArgs) -> AddressPolicy {
    let mut policy = match &args.allow_private {
        Some(prefixes) if prefixes.is_empty() => return AddressPolicy::any(),
        Some(prefixes) => prefixes
            .iter()
            .fold(AddressPolicy::public_only(), |p, prefix| p.allow(*prefix)),
        None => AddressPolicy::public_only(),
    };
    let given = common
        .roots
        .iter()
        .copied()
        .chain(common.resolver.map(|r| r.ip()));
    for ip in given {
        let host = if ip.is_ipv4() { 32 } else { 128 };
        if let Some(prefix) = IpPrefix::new(ip, host) {
            policy = policy.allow(prefix);
        }
    }
    policy
}
