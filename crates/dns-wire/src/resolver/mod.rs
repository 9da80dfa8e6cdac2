//! The iterative resolver: walks from the root (or given roots) down the delegations to the
//! servers that hold a name, asking them itself, never a recursive resolver.
//!
//! - [`Resolver::lookup`]: the final answer for a name and type, CNAMEs followed across zones,
//!   with the chain and the full [`Trace`].
//! - [`Resolver::survey`]: the zone holding a name, every authoritative server of that zone
//!   asked the question, the parent's and the child's NS sets and each server's SOA. To ask
//!   several names of one zone without walking again, use [`Resolver::locate`] +
//!   [`Resolver::survey_zone`] once, then [`Resolver::ask_all`] per name.
//!
//! The walk itself is the sans-I/O [`Walk`]; with the `io` cargo feature (on by default),
//! [`Resolver`] drives it with tokio, sending the independent queries it asks for
//! concurrently. Without `io`, everything here but [`Resolver`] and the open-file limits is
//! still there (walk, classification, cache, health, traces, hints, survey types), with no
//! tokio.
//!
//! A [`Resolver`] is cheap to clone and shares between clones and concurrent lookups, for the
//! length of a run:
//!
//! - its [`DelegationCache`] (zone cuts, server addresses) and the descents in progress through
//!   the root and top-level domains, so concurrent lookups do not repeat them;
//! - the queries in flight: the same question to the same server at the same time is sent
//!   once and its response shared ([`RunStats::coalesced`]);
//! - which servers answered only without EDNS, so they are not sent EDNS again;
//! - the zone surveys made by [`Resolver::survey`];
//! - its counters ([`Resolver::stats`]).
//!
//! With [`ResolverConfig::cache`] off, none of this is shared: every lookup starts from the
//! root with a cache of its own and sends its own queries (the baseline the benchmark compares
//! against).
//!
//! ```no_run
//! # #[cfg(feature = "io")]
//! # async fn demo() {
//! use dns_wire::resolver::{WalkOutcome, Resolver, ResolverConfig};
//! use dns_wire::RecordType;
//! // A lab whose root server listens on 127.53.0.1 port 5353.
//! let resolver = Resolver::new(ResolverConfig::lab(["127.53.0.1".parse().unwrap()], 5353));
//! let name = "s1._domainkey.example.com".parse().unwrap();
//! let lookup = resolver.lookup(&name, RecordType::TXT).await;
//! if let WalkOutcome::Answer(records) = &lookup.outcome {
//!     println!("{} records after {} CNAMEs", records.len(), lookup.chain.len());
//! }
//! for query in lookup.trace.queries() {
//!     println!("{} {} -> {}", query.server, query.question.name, query.classification);
//! }
//! # }
//! ```

mod address_policy;
mod cache;
mod chain;
mod classify;
mod config;
#[cfg(feature = "io")]
mod driver;
mod health;
mod hints;
#[cfg(feature = "io")]
mod limits;
mod path;
mod run;
mod survey;
mod trace;
mod walk;

#[cfg(test)]
mod tests;

pub use address_policy::{special_range, AddressPolicy, IpPrefix, IpPrefixError, SpecialRange};
pub use cache::{
    CacheStats, Delegation, DelegationCache, DEFAULT_CACHE_ENTRIES, MAX_CACHE_LIFETIME,
};
pub use classify::{
    classify, recursive as classify_recursive, Analysis, Classification, LameReason, Referral,
    ThrowawayReason,
};
pub use config::{AddressFamilies, Budget, ResolverConfig, MAX_NS_PER_ZONE};
#[cfg(feature = "io")]
pub use driver::Resolver;
pub use health::{
    Health, DEAD_AFTER, MIN_WAIT, PROBE_AFTER, REJECTED_AFTER, SILENCE_RECHECK, SILENT_AFTER,
    SILENT_LIMIT,
};
pub use hints::{RootHints, IANA_ROOT_SERVERS};
#[cfg(feature = "io")]
pub use limits::{open_file_limit, socket_budget};
pub use path::{
    DsSource, DsView, KeyView, PathSecurity, PathTrace, ServerSecurity, TraceRun, TraceValidation,
    ZoneHop, ZoneSecurity,
};
pub use run::{
    ExchangeId, Run, RunClient, RunEvent, RunStats, TaskId, Transmit, ANSWER_MEMORY,
    ANSWER_MEMORY_ENTRIES, HEALTH_MEMORY, RESOURCE_RETRIES, RESOURCE_WAIT, UNHEARD_IN_FLIGHT,
    ZONE_SURVEYS_KEPT,
};
pub use survey::{NsSet, Survey, ZoneServer, ZoneSurvey};
pub use trace::{
    BudgetLimit, DiscardReason, Discarded, QueryPurpose, QueryRecord, Section, ServerAddr, Trace,
    TraceStep, WalkEvent,
};
pub use walk::{
    CnameStep, PendingQuery, QueryToken, ResolveError, Walk, WalkOptions, WalkOutcome, WalkResult,
    WalkStats, WalkStep,
};
