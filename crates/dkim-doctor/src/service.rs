//! The library API: check a domain's DKIM records from a Rust program, without the command
//! line. `serve` and `bulk` use it; a platform team can embed it in its own service.
//!
//! A [`Checker`] holds the resolver configuration and one resolver run shared by every check it
//! runs (its delegation cache, remembered answers and server health; renewed after
//! [`Renewal::max_age`] or [`Renewal::max_checks`]); [`Checker::check`] runs one check to its
//! report (the `dkim_rules::CheckMachine` on that run), [`report_json`] gives the report as the
//! CLI's `--json` prints it.
//!
//! ```
//! use dkim_doctor::service::{report_json, ses_check, Checker};
//! use dkim_rules::Verdict;
//! use dns_wire::resolver::ResolverConfig;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The simulated internet of the demo, on loopback; on the real one: ResolverConfig::default().
//! let lab = dns_lab::demo::start(0).await?;
//! let checker = Checker::new(ResolverConfig::lab(lab.roots.clone(), lab.port));
//! let tokens = ["n56x5bckwiqdkdxo4moiiwuzdvrjf2y4", "pjd46owojfcgd6zuqpdy2jlmvxm6o6wl",
//!     "7mtg3eyyesizo5ptpm673olnvilr4u2g"];
//! let input = ses_check("ses-missing.com", &tokens)?;
//! let run = checker.check(input.check.clone()).await;
//! assert_eq!(run.report.verdict, Verdict::Fail);
//! for finding in &run.report.findings {
//!     println!("{}: {}\n  fix: {}", finding.code, finding.summary, finding.fix);
//! }
//! let json = serde_json::to_string(&report_json(&run, &input.notes, false))?;
//! assert!(json.contains("\"record-missing\""));
//! # Ok(()) }
//! ```
//!
//! Semver: [`Checker`], [`CheckRun`]'s `report`, [`report_json`] and the check constructors are
//! the stable surface; how a check is carried out behind [`Checker::check`] is not (today the
//! sans-I/O check machine, `dkim_rules::CheckMachine`, on the resolver's run).

mod cache;

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use dkim_rules::{Check, CheckMachine};
use dns_wire::resolver::{PathTrace, Resolver, ResolverConfig, TraceValidation};
use dns_wire::{Name, RecordType};

pub use crate::input::CheckInput;
pub use crate::render::report::CheckJson;
pub use cache::{CacheOutcome, CachePolicy, CacheStats, Cached, ReportCache};
pub use dkim_rules::CheckRun;
pub use dns_wire::resolver::TraceRun;

pub use crate::config::{CheckSettings, DnssecPolicy};
use crate::exit::RunError;

/// When a [`Checker`] starts a fresh resolver run. The run already bounds its cache (TTLs, a
/// size cap), its remembered answers and what it knows of servers; renewing it as well keeps
/// whatever one period learnt (a delegation that changed under a long TTL, a server written
/// off) from outliving that period, and starts afresh at once after a check found no network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renewal {
    /// Age after which the next check starts a fresh cache.
    pub max_age: Duration,
    /// Checks after which the next check starts a fresh cache.
    pub max_checks: u64,
}

impl Default for Renewal {
    /// A minute, or 10,000 checks.
    fn default() -> Self {
        Renewal {
            max_age: Duration::from_secs(60),
            max_checks: 10_000,
        }
    }
}

/// A resolver whose cache is shared by the checks of one period.
#[derive(Debug)]
struct Generation {
    resolver: Resolver,
    born: Instant,
    checks: u64,
    /// Set when a check of this generation found no network: the resolver remembers that
    /// for the rest of its run, which a long-lived checker must not.
    stale: bool,
}

/// How long a renewed resolver is still looked at for its query count: longer than any check
/// lasts (a lookup's budget is 60 s).
const RETIRED_KEPT: Duration = Duration::from_secs(180);

#[derive(Debug)]
struct State {
    current: Generation,
    /// Renewed resolvers that checks started earlier may still be using, for the query count.
    retired: Vec<(Resolver, Instant)>,
    /// Queries of resolvers no longer kept.
    retired_queries: u64,
}

/// Runs checks with one configuration and a shared, periodically renewed delegation cache.
/// Cheap to share behind an `Arc`; every method takes `&self`.
#[derive(Debug)]
pub struct Checker {
    config: ResolverConfig,
    dnssec: DnssecPolicy,
    renewal: Renewal,
    state: Mutex<State>,
}

impl Checker {
    /// A checker with the default [`Renewal`], DNSSEC not checked.
    pub fn new(config: ResolverConfig) -> Checker {
        Checker::with_renewal(config, Renewal::default())
    }

    /// A checker that renews its resolver run as `renewal` says, DNSSEC not checked.
    pub fn with_renewal(config: ResolverConfig, renewal: Renewal) -> Checker {
        Checker::with_settings(CheckSettings::without_dnssec(config), renewal)
    }

    /// A checker of these settings (the resolver configuration and the DNSSEC policy, as
    /// `dkim-doctor serve` builds them from its options), renewed as `renewal` says.
    pub fn with_settings(settings: CheckSettings, renewal: Renewal) -> Checker {
        let CheckSettings {
            resolver: config,
            dnssec,
        } = settings;
        Checker {
            dnssec,
            state: Mutex::new(State {
                current: Generation {
                    resolver: Resolver::new(config.clone()),
                    born: Instant::now(),
                    checks: 0,
                    stale: false,
                },
                retired: Vec::new(),
                retired_queries: 0,
            }),
            config,
            renewal,
        }
    }

    /// The resolver configuration.
    pub fn config(&self) -> &ResolverConfig {
        &self.config
    }

    /// How its checks treat DNSSEC.
    pub fn dnssec(&self) -> &DnssecPolicy {
        &self.dnssec
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every update under the lock is a few assignments: a poisoned lock still holds
        // consistent data.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The resolver for the next check, renewed when the current one is too old or has run
    /// enough checks.
    fn resolver(&self) -> Resolver {
        let mut state = self.state();
        let now = Instant::now();
        let current = &state.current;
        if current.stale
            || now.duration_since(current.born) >= self.renewal.max_age
            || current.checks >= self.renewal.max_checks
        {
            let fresh = Generation {
                resolver: Resolver::new(self.config.clone()),
                born: now,
                checks: 0,
                stale: false,
            };
            let old = std::mem::replace(&mut state.current, fresh);
            state.retired.push((old.resolver, now));
            let mut kept = Vec::new();
            for (resolver, retired_at) in std::mem::take(&mut state.retired) {
                if now.duration_since(retired_at) < RETIRED_KEPT {
                    kept.push((resolver, retired_at));
                } else {
                    state.retired_queries += resolver.stats().queries;
                }
            }
            state.retired = kept;
        }
        state.current.checks += 1;
        state.current.resolver.clone()
    }

    /// Queries sent by every check of this checker so far (each question to a server once,
    /// whatever retries it took).
    pub fn queries_sent(&self) -> u64 {
        let state = self.state();
        state.retired_queries
            + state.current.resolver.stats().queries
            + state
                .retired
                .iter()
                .map(|(r, _)| r.stats().queries)
                .sum::<u64>()
    }

    /// Runs `check` to its diagnosis: every authoritative server asked, the report made.
    pub async fn check(&self, check: Check) -> CheckRun {
        let resolver = self.resolver();
        let run = check_with(&resolver, check, &self.dnssec).await;
        if run.observations.network.is_some() {
            self.forget_network_state(&resolver);
        }
        run
    }

    /// Walks to `name`/`rtype` from the roots, every server of every zone on the way asked
    /// (`dkim-doctor trace`).
    pub async fn trace(&self, name: &Name, rtype: RecordType) -> TraceRun {
        let resolver = self.resolver();
        let run = trace_with(&resolver, name, rtype, &self.dnssec).await;
        if run.network.is_some() {
            self.forget_network_state(&resolver);
        }
        run
    }

    /// A check found no network: the next check starts a fresh resolver, so an outage of a
    /// few seconds does not fail every check of the rest of the period at once.
    fn forget_network_state(&self, used: &Resolver) {
        let mut state = self.state();
        if used.same_run(&state.current.resolver) {
            state.current.stale = true;
        }
    }
}

/// Runs `check` to its diagnosis with `resolver` (and its run: cache, exchanges, health): the
/// check machine of `dkim-rules` on the resolver's run, for every command (`ses`, `selector`,
/// `bulk`, `demo`, `message`, `--watch`) and `serve`. A full check from the roots, or, with
/// `--resolver`, a reduced check through that recursive resolver. DNSSEC is checked as
/// `dnssec` says; the resolver's configuration should agree with it ([`CheckSettings`]: DO
/// set, the zones' keys asked along the way). The clock is read here, once, and handed to the
/// rules.
pub async fn check_with(resolver: &Resolver, check: Check, dnssec: &DnssecPolicy) -> CheckRun {
    let clock = unix_now;
    let machine = match resolver.config().recursive {
        Some(address) => CheckMachine::reduced(check, address),
        None => match dnssec {
            DnssecPolicy::Off => CheckMachine::new(check),
            DnssecPolicy::On { anchors, now } => {
                CheckMachine::new(check).with_dnssec(dkim_rules::DnssecSetup {
                    now: now.unwrap_or_else(clock),
                    anchors: anchors.clone(),
                })
            }
            DnssecPolicy::NotChecked(why) => {
                CheckMachine::new(check).with_dnssec_not_checked(clock(), why)
            }
        },
    };
    resolver.drive(machine).await.into_result(Instant::now())
}

/// Walks to `name`/`rtype` with `resolver`, every server of every zone on the way asked
/// (`dns_wire::resolver::PathTrace`), for `trace` and `serve`; the chain of trust validated
/// along the path as `dnssec` says: each zone's DS at its parent and DNSKEY at every server,
/// each server's answer validated (`TraceRun::dnssec`). The resolver's queries must set DO.
/// The clock is read here, once, unless the policy gives the time.
pub async fn trace_with(
    resolver: &Resolver,
    name: &Name,
    rtype: RecordType,
    dnssec: &DnssecPolicy,
) -> TraceRun {
    let mut trace = PathTrace::new(name, rtype);
    if let DnssecPolicy::On { anchors, now } = dnssec {
        if resolver.config().recursive.is_none() {
            trace = trace.with_validation(TraceValidation {
                anchors: dns_wire::dnssec::TrustAnchors::from_lines_or_iana(anchors),
                now: now.unwrap_or_else(unix_now),
            });
        }
    }
    resolver.drive(trace).await.into_result()
}

/// This machine's clock, seconds since the Unix epoch.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// An SES Easy DKIM check of `domain` with the tokens SES gave (each may be pasted as the
/// bare token, the record name, the CNAME value or whole record rows), read as `ses` reads
/// its arguments.
pub fn ses_check(domain: &str, tokens: &[&str]) -> Result<CheckInput, RunError> {
    let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    crate::input::ses_check_from(Some(domain), &tokens, None, &[], None, None)
}

/// A DKIM selector check of `domain` (`s`, `s._domainkey` or the full name each), read as
/// `selector` reads its arguments.
pub fn selector_check(domain: &str, selectors: &[&str]) -> Result<CheckInput, RunError> {
    let selectors: Vec<String> = selectors.iter().map(|s| s.to_string()).collect();
    crate::input::selector_check_from(domain, &selectors, &[])
}

/// The report as `ses --json` prints it (the `notes` say how the input was understood; with
/// `with_trace`, every query is added).
pub fn report_json<'a>(run: &'a CheckRun, notes: &'a [String], with_trace: bool) -> CheckJson<'a> {
    crate::render::report::check_json(run, notes, with_trace)
}
