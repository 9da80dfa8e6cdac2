//! Runs one check on the resolver's run: the check machine of `dkim-rules` decides what to
//! ask and what it means; the resolver of `dns-wire` moves the packets. Nothing is decided
//! here.

use dkim_rules::{Check, CheckMachine};
use dns_wire::resolver::Resolver;

pub use dkim_rules::{CheckRun, PathStep};

/// Runs `check` to its diagnosis: a full check from the roots, or, with `--resolver`, a
/// reduced check through that recursive resolver.
pub async fn run_check(resolver: &Resolver, check: Check) -> CheckRun {
    let machine = match resolver.config().recursive {
        Some(address) => CheckMachine::reduced(check, address),
        None => CheckMachine::new(check),
    };
    resolver
        .drive(machine)
        .await
        .into_result(std::time::Instant::now())
}
