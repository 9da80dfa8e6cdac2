//! `bulk <FILE>`: many domains, a bounded number at once, one shared resolver (and so one
//! delegation cache), one JSON object per domain on stdout in input order, a summary on
//! stderr, exit code = the worst outcome.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use dns_wire::resolver::Resolver;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::to_json_line;
use crate::bulk_input::{parse_bulk, BulkCheck, BulkEntry};
use crate::cli::{BulkArgs, CommonOptions};
use crate::config::{resolver_config, INTERNET_TIMEOUT};
use crate::exit::{Outcome, RunError};
use crate::input::{self, read_text, shown_path, CheckInput};
use crate::output::{eprint_error, eprint_line, Stdout};
use crate::probe_run::{run_check, CheckRun};
use crate::progress::bulk_progress;
use crate::render::report::{check_json, report_outcome};

/// Counts for the summary.
#[derive(Debug, Default)]
struct Tally {
    pass: usize,
    fail: usize,
    incomplete: usize,
    bad_lines: usize,
}

/// Runs the bulk check.
pub async fn run(common: &CommonOptions, args: &BulkArgs) -> Result<Outcome, RunError> {
    let text = read_text(&args.file)?;
    let config = resolver_config(common, INTERNET_TIMEOUT)?;
    let shared = Resolver::new(config.clone());

    let mut worst = Outcome::Pass;
    let mut tally = Tally::default();
    let mut checks: Vec<(BulkEntry, CheckInput)> = Vec::new();
    let entries = parse_bulk(&text)
        .into_iter()
        .enumerate()
        .filter(|(ordinal, _)| args.shard.map_or(true, |shard| shard.owns(*ordinal)))
        .map(|(_, entry)| entry);
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                eprint_error(&format!("dkim-doctor: {}: {error}", shown_path(&args.file)));
                tally.bad_lines += 1;
                worst = worst.worst(Outcome::BadInput);
                continue;
            }
        };
        match entry_input(&entry) {
            Ok(input) => checks.push((entry, input)),
            Err(error) => {
                eprint_error(&format!(
                    "dkim-doctor: {}: line {}: {error}",
                    shown_path(&args.file),
                    entry.line
                ));
                tally.bad_lines += 1;
                worst = worst.worst(Outcome::BadInput);
            }
        }
    }

    let started = Instant::now();
    let progress = bulk_progress(checks.len() as u64);
    let semaphore = Arc::new(Semaphore::new(args.concurrency));
    let mut running = JoinSet::new();
    for (index, (_, input)) in checks.iter().enumerate() {
        // Without the shared cache (a measurement option), each domain gets a resolver of its
        // own: its walks start from the root and its zones are surveyed anew.
        let resolver = if args.no_shared_cache {
            Resolver::new(config.clone())
        } else {
            shared.clone()
        };
        let (check, semaphore) = (input.check.clone(), Arc::clone(&semaphore));
        running.spawn(async move {
            // The semaphore is never closed, so acquiring only waits for a free slot.
            let _permit = semaphore.acquire_owned().await;
            let run = run_check(&resolver, check).await;
            // Queries sent by this domain's resolver; only meaningful when it is its own.
            let queries = resolver.stats().queries;
            (index, run, queries)
        });
    }

    // Results are printed in input order as soon as every earlier one is done.
    let mut stdout = Stdout::new();
    let mut done: BTreeMap<usize, CheckRun> = BTreeMap::new();
    let mut next = 0;
    let mut queries_total = 0u64;
    while let Some(joined) = running.join_next().await {
        let Ok((index, run, queries)) = joined else {
            continue;
        };
        queries_total += queries;
        progress.inc(1);
        if let Some((entry, _)) = checks.get(index) {
            progress.set_message(entry.domain.clone());
        }
        done.insert(index, run);
        while let Some(run) = done.remove(&next) {
            let outcome = report_outcome(&run.report);
            worst = worst.worst(outcome);
            match outcome {
                Outcome::Pass => tally.pass += 1,
                Outcome::Fail => tally.fail += 1,
                _ => tally.incomplete += 1,
            }
            let notes = &checks[next].1.notes;
            stdout.write(&to_json_line(
                &check_json(&run, notes, common.trace),
                false,
            )?);
            next += 1;
        }
        if stdout.is_closed() {
            // Nobody reads the reports any more (`| head`): stop checking.
            running.abort_all();
            break;
        }
    }
    progress.finish_and_clear();

    let elapsed = started.elapsed();
    let checked = tally.pass + tally.fail + tally.incomplete;
    let stats = shared.stats();
    let per_second = if elapsed.as_secs_f64() > 0.0 {
        checked as f64 / elapsed.as_secs_f64()
    } else {
        0.0
    };
    let mut summary = format!(
        "dkim-doctor bulk: {checked} domains in {:.1} s ({per_second:.1}/s): {} pass, {} fail, \
         {} incomplete",
        elapsed.as_secs_f64(),
        tally.pass,
        tally.fail,
        tally.incomplete
    );
    if tally.bad_lines > 0 {
        summary.push_str(&format!(", {} unreadable lines", tally.bad_lines));
    }
    if checked > 0 {
        let sent = if args.no_shared_cache {
            queries_total
        } else {
            stats.queries
        };
        summary.push_str(&format!(
            "; {sent} queries ({:.1} per domain)",
            sent as f64 / checked as f64
        ));
        if !args.no_shared_cache {
            summary.push_str(&format!(
                ", shared cache: {} zone cuts reused, {} server addresses reused",
                stats.cache.zone_hits, stats.cache.address_hits
            ));
        }
    }
    eprint_line(&summary);
    Ok(worst)
}

/// The check of one entry, through the same input rules as `ses` and `selector`.
fn entry_input(entry: &BulkEntry) -> Result<CheckInput, RunError> {
    match &entry.check {
        BulkCheck::Ses(tokens) => input::ses_check_from(
            Some(&entry.domain),
            tokens,
            entry.region.as_deref(),
            &entry.expect_ns,
            None,
            None,
        ),
        BulkCheck::Selectors(selectors) => {
            input::selector_check_from(&entry.domain, selectors, &entry.expect_ns)
        }
    }
}
