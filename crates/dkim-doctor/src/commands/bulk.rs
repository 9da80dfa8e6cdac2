//! `bulk <FILE>`: many domains, a bounded number at once, one shared resolver (and so one
//! delegation cache), one JSON object per domain on stdout in input order, a summary on
//! stderr, exit code = the worst outcome.

use std::collections::BTreeMap;
use std::time::Instant;

use dns_wire::resolver::Resolver;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::to_json_line;
use crate::bulk_input::{BulkCheck, BulkEntry, BulkReader};
use crate::cli::{BulkArgs, BulkFormat, CommonOptions};
use crate::config::{check_settings, INTERNET_TIMEOUT};
use crate::exit::{Outcome, RunError};
use crate::input::{self, open_input, shown_path, CheckInput};
use crate::output::{eprint_error, eprint_line, Stdout};
use crate::progress::bulk_progress;
use crate::render::report::{check_json, report_outcome, CheckJson};
use crate::service::{check_with, CheckRun};
use dkim_rules::Verdict;

/// Counts for the summary and the exit code.
#[derive(Debug)]
struct Tally {
    pass: usize,
    fail: usize,
    incomplete: usize,
    bad_lines: usize,
    /// Reports printed.
    printed: usize,
    /// The worst outcome so far.
    worst: Outcome,
}

impl Tally {
    /// Counts a finished check and prints its report.
    fn report(
        &mut self,
        stdout: &mut Stdout,
        args: &BulkArgs,
        with_trace: bool,
        run: &CheckRun,
        notes: &[String],
    ) -> Result<(), RunError> {
        let outcome = report_outcome(&run.report);
        self.worst = self.worst.worst(outcome);
        match outcome {
            Outcome::Pass => self.pass += 1,
            Outcome::Fail => self.fail += 1,
            _ => self.incomplete += 1,
        }
        let report = check_json(run, notes, with_trace);
        stdout.write(&match args.format {
            BulkFormat::Jsonl => to_json_line(&report, false)?,
            BulkFormat::Csv => csv_report_row(&report),
        });
        self.printed += 1;
        Ok(())
    }

    /// Counts a line that could not be read or checked.
    fn bad_line(&mut self) {
        self.bad_lines += 1;
        self.worst = self.worst.worst(Outcome::BadInput);
    }
}

/// Entries read ahead of the checks (a bound on memory: the reader waits for room).
const READ_AHEAD: usize = 256;

/// Runs the bulk check: the input is read on a thread of its own, one line at a time, at most
/// [`READ_AHEAD`] entries ahead; at most `--concurrency` checks run at once, and at most four
/// times that many (at least [`READ_AHEAD`]) lie between the oldest entry not yet printed and
/// the newest one started, so results waiting for an earlier one stay bounded too.
pub async fn run(common: &CommonOptions, args: &BulkArgs) -> Result<Outcome, RunError> {
    let settings = check_settings(common, INTERNET_TIMEOUT)?;
    let (config, dnssec) = (&settings.resolver, &settings.dnssec);
    let shared = Resolver::new(config.clone());
    let (sender, mut entries) = tokio::sync::mpsc::channel(READ_AHEAD);
    let reader = open_input(&args.file)?;
    let shard = args.shard;
    let selectors = args.selectors.clone();
    std::thread::spawn(move || {
        let items = BulkReader::new(reader)
            .with_selectors(selectors)
            .enumerate()
            .filter(|(ordinal, _)| shard.map_or(true, |shard| shard.owns(*ordinal)))
            .map(|(_, entry)| entry);
        for item in items {
            // The receiver is gone when the run stopped early (a closed stdout).
            if sender.blocking_send(item).is_err() {
                break;
            }
        }
    });

    let mut tally = Tally {
        pass: 0,
        fail: 0,
        incomplete: 0,
        bad_lines: 0,
        printed: 0,
        worst: Outcome::Pass,
    };
    let started = Instant::now();
    let progress = bulk_progress(0);
    let window = args.concurrency.saturating_mul(4).max(READ_AHEAD);
    let mut running = FuturesUnordered::new();
    let mut notes: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut done: BTreeMap<usize, CheckRun> = BTreeMap::new();
    // Entries started, and the next one to print in input order.
    let (mut started_count, mut next) = (0usize, 0usize);
    let mut input_done = false;
    let mut queries_total = 0u64;
    let mut stdout = Stdout::new();
    if args.format == BulkFormat::Csv {
        stdout.write(&csv_row(&[
            "domain", "check", "verdict", "codes", "summary",
        ]));
    }
    // Ctrl-C (or SIGTERM) stops the run: the reports already finished are printed, the
    // checks in progress are dropped, and the summary says what was left.
    let stop = super::wait_for_stop();
    tokio::pin!(stop);
    let mut interrupted = false;
    loop {
        // Checked before waiting: the stop branch below is always armed, so a select with
        // nothing left to do would wait for Ctrl-C instead of ending.
        if input_done && running.is_empty() {
            break;
        }
        let room = running.len() < args.concurrency && started_count - tally.printed < window;
        tokio::select! {
            () = &mut stop => {
                interrupted = true;
                running.clear();
                // Finished reports still waiting for an earlier one are printed too, in input
                // order: each names its domain, so the gaps are the entries not checked.
                for (index, run) in std::mem::take(&mut done) {
                    let notes = notes.remove(&index).unwrap_or_default();
                    tally.report(&mut stdout, args, common.trace, &run, &notes)?;
                }
                break;
            }
            item = entries.recv(), if room && !input_done => {
                let entry = match item {
                    None => {
                        input_done = true;
                        continue;
                    }
                    Some(Err(error)) => {
                        eprint_error(&format!("dkim-doctor: {}: {error}", shown_path(&args.file)));
                        tally.bad_line();
                        continue;
                    }
                    Some(Ok(entry)) => entry,
                };
                let input = match entry_input(&entry) {
                    Ok(input) => input,
                    Err(error) => {
                        eprint_error(&format!(
                            "dkim-doctor: {}: line {}: {error}",
                            shown_path(&args.file),
                            entry.line
                        ));
                        tally.bad_line();
                        continue;
                    }
                };
                // Without the shared cache (a measurement option), each domain gets a
                // resolver of its own: its walks start from the root and its zones are
                // surveyed anew.
                let resolver = if args.no_shared_cache {
                    Resolver::new(config.clone())
                } else {
                    shared.clone()
                };
                let index = started_count;
                started_count += 1;
                progress.inc_length(1);
                progress.set_message(entry.domain.clone());
                notes.insert(index, input.notes);
                let check = input.check;
                running.push(async move {
                    let run = check_with(&resolver, check, dnssec).await;
                    // Queries sent by this domain's resolver; only meaningful when it is its
                    // own.
                    let queries = resolver.stats().queries;
                    (index, run, queries)
                });
            }
            joined = running.next(), if !running.is_empty() => {
                let Some((index, run, queries)) = joined else {
                    continue;
                };
                queries_total += queries;
                progress.inc(1);
                // Results are printed in input order as soon as every earlier one is done, or
                // with --unordered as each one ends.
                let mut ready = Vec::new();
                if args.unordered {
                    ready.push((index, run));
                } else {
                    done.insert(index, run);
                    while let Some(run) = done.remove(&next) {
                        ready.push((next, run));
                        next += 1;
                    }
                }
                for (index, run) in ready {
                    let notes = notes.remove(&index).unwrap_or_default();
                    tally.report(&mut stdout, args, common.trace, &run, &notes)?;
                }
                if stdout.is_closed() {
                    // Nobody reads the reports any more (`| head`): stop checking.
                    running.clear();
                    break;
                }
            }
            else => break,
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
        "dkim-doctor bulk: {}{checked} domains in {:.1} s ({per_second:.1}/s): {} pass, {} fail, \
         {} incomplete",
        if interrupted { "interrupted: " } else { "" },
        elapsed.as_secs_f64(),
        tally.pass,
        tally.fail,
        tally.incomplete
    );
    if tally.bad_lines > 0 {
        summary.push_str(&format!(
            ", {} unreadable line{}",
            tally.bad_lines,
            if tally.bad_lines == 1 { "" } else { "s" }
        ));
    }
    if interrupted {
        let unfinished = started_count - tally.printed;
        summary.push_str(&format!(
            ", {unfinished} started and not finished (not printed); the rest of the input was \
             not read"
        ));
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
    Ok(if interrupted {
        Outcome::Interrupted
    } else {
        tally.worst
    })
}

/// One CSV row (quoted as needed), with its line ending.
fn csv_row(cells: &[&str]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail; a failure would only leave the row empty.
    let _ = writer.write_record(cells);
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A report as a `--format csv` row: domain, check, verdict, the finding codes (space
/// separated, errors first), the one-line summary.
fn csv_report_row(report: &CheckJson<'_>) -> String {
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
    let verdict = match report.verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Incomplete => "incomplete",
    };
    csv_row(&[
        &report.domain,
        report.check,
        verdict,
        &codes.join(" "),
        &report.summary,
    ])
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
