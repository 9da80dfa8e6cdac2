//! `dkim-rules`: pure DKIM diagnosis, no I/O.
//!
//! The CLI uses it in four steps:
//! 1. build a [`Check`]: by hand ([`parse_domain`], [`normalize_token`], [`parse_selector`]) or
//!    from SES output ([`check_from_identity_json`], [`check_from_records_csv`]);
//! 2. ask every [`Probe`] of [`probes`] (the expected names, and the mistaken variants that
//!    reveal what went wrong) of every authoritative server, and record the answers as
//!    [`Observations`];
//! 3. ask the [`follow_up_probes`] (keys at the CNAME targets found) and add them;
//! 4. hand both to `diagnose`, which returns a [`Report`]: a verdict, one [`RecordReport`]
//!    per expected record and a list of [`Finding`]s with stable [`FindingCode`]s.
//!
//! Everything is plain data with serde, so observations can be kept as JSON fixtures.

mod check;
mod diagnose;
mod finding;
mod input;
mod keyrecord;
mod observe;
mod probe;
mod providers;
mod report;
pub mod serde_dns;

pub use check::{
    is_ses_dkim_zone, ses_dkim_zone_for_region, ses_region_of_zone, Check, SesStatus, SoaSeen,
    SES_DEFAULT_DKIM_ZONE, SES_REGIONAL_DKIM_ZONES, SES_REGION_TABLE_DATE,
};
pub use diagnose::{diagnose, negative_caching};
pub use finding::{Finding, FindingCode, SesErrorType, Severity};
pub use input::{
    check_from_identity_json, check_from_records_csv, normalize_token, parse_domain,
    parse_selector, InputError, TokenArg,
};
pub use keyrecord::{
    parse_key_record, parse_tag_list, KeyRecord, KeyRecordError, KeyType, PublicKey, Tag,
};
pub use observe::{
    Delegation, LameServer, Observations, ObservedData, ObservedRecord, Outcome, ProbeObservation,
    QueryError, Response, ServerAnswer, ServerInfo, ServerRef, TargetOutcome, TargetResolution,
    ZoneSoa,
};
pub use probe::{
    expected_name, expected_ses_target, follow_up_probes, probes, Probe, ProbePurpose,
    WILDCARD_PROBE_LABEL,
};
pub use providers::{
    dashed_domain, provider_for_selector, provider_of_target, ProviderSelector, PublishedAs,
    SelectorPattern, TargetRule, PROVIDERS,
};
pub use report::{
    KeySummary, NegativeCaching, RecordReport, RecordStatus, Report, ServerValue, Verdict,
};
