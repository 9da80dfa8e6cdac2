//! `--watch [INTERVAL]`: check again and again until the verdict is pass (or Ctrl-C), printing
//! the first report in full and then only what changed; once the fix is seen, say how long
//! resolvers may still hold the old "does not exist" answer (negative caching).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dkim_rules::{diff_reports, watch_hint, Report, Verdict};
use dns_wire::resolver::Resolver;

use super::{human_options, to_json_line};
use crate::cli::CommonOptions;
use crate::exit::{Outcome, RunError};
use crate::input::CheckInput;
use crate::output::Stdout;
use crate::render::report::{check_human, check_json, report_outcome};
use crate::service::{check_with, CheckSettings};
use crate::style::Tone;

/// Watches until pass or Ctrl-C; the exit code is that of the last report.
pub async fn run(
    common: &CommonOptions,
    settings: CheckSettings,
    input: CheckInput,
    interval: Duration,
) -> Result<Outcome, RunError> {
    let palette = human_options(common).palette;
    let mut stdout = Stdout::new();
    let mut previous: Option<Report> = None;
    // When a check last saw the records broken: a resolver that asked then may cache the
    // negative answer until this time plus the negative-caching TTL.
    let mut last_broken: Option<SystemTime> = None;
    // One Ctrl-C listener for the whole watch, so a Ctrl-C during a check stops it too.
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        // A fresh resolver each round: the delegation cache and zone surveys of a run never
        // expire, and a watch must see changes.
        let resolver = Resolver::new(settings.resolver.clone());
        let checked_at = SystemTime::now();
        let run = tokio::select! {
            run = check_with(&resolver, input.check.clone(), &settings.dnssec) => run,
            _ = &mut interrupted => return Ok(stopped(common, previous.as_ref())),
        };
        let report = &run.report;
        let changes = previous.as_ref().map(|p| diff_reports(p, report));
        if common.json {
            if !changes.as_ref().is_some_and(|c| c.is_empty()) {
                stdout.write(&to_json_line(
                    &check_json(&run, &input.notes, common.trace),
                    false,
                )?);
            }
        } else {
            match &changes {
                None => {
                    stdout.write(&check_human(&run, &input.notes, human_options(common)));
                }
                Some(changes) if changes.is_empty() => {
                    stdout.write(&format!(
                        "{}\n",
                        palette.paint(Tone::Dim, &format!("{} no change", clock(checked_at)))
                    ));
                }
                Some(changes) => {
                    let mut text = format!("{} changed:\n", clock(checked_at));
                    for change in changes {
                        text.push_str(&format!("  {}\n", change.describe()));
                    }
                    stdout.write(&text);
                }
            }
        }
        if stdout.is_closed() {
            return Ok(report_outcome(report));
        }
        if report.verdict == Verdict::Pass {
            if !common.json && last_broken.is_some() {
                stdout.write(&fixed_message(report, last_broken, palette));
            }
            return Ok(Outcome::Pass);
        }
        last_broken = Some(checked_at);
        if !common.json && previous.is_none() {
            let mut text = format!(
                "\nWatching: checking again every {} s until it passes (Ctrl-C to stop).\n",
                interval.as_secs()
            );
            if let Some(hint) = watch_hint(report) {
                text.push_str(&hint);
                text.push('\n');
            }
            stdout.write(&palette.paint(Tone::Dim, &text));
        }
        previous = Some(run.report);
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = &mut interrupted => return Ok(stopped(common, previous.as_ref())),
        }
    }
}

/// Ctrl-C: exit 130 (the shell's convention for SIGINT), after one line on stderr saying
/// what the last check found.
fn stopped(common: &CommonOptions, last: Option<&Report>) -> Outcome {
    if !common.json {
        let verdict = last.map_or("none yet", |r| r.verdict.as_str());
        crate::output::eprint_line(&format!(
            "dkim-doctor: stopped by Ctrl-C; last verdict: {verdict}"
        ));
    }
    Outcome::Interrupted
}

/// The closing message once the check passes.
fn fixed_message(
    report: &Report,
    last_broken: Option<SystemTime>,
    palette: crate::style::Palette,
) -> String {
    let mut text = format!(
        "{}\n",
        palette.paint(Tone::Good, "Fixed: the check passes now.")
    );
    if let (Some(broken), Some(caching)) = (last_broken, &report.negative_caching) {
        let until = broken + Duration::from_secs(u64::from(caching.seconds));
        text.push_str(&format!(
            "Resolvers that looked the records up before the fix may keep the old \"does not \
             exist\" answer until {} at the latest ({} s after the last failed check: the \
             zone's SOA minimum is {} s, its TTL {} s).\n",
            clock(until),
            caching.seconds,
            caching.soa_minimum,
            caching.soa_ttl
        ));
    }
    text
}

/// `HH:MM:SS UTC`.
fn clock(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    format!(
        "{:02}:{:02}:{:02} UTC",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_utc_time_of_day() {
        let t = UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 3600 * 13 + 60 * 5 + 9);
        assert_eq!(clock(t), "13:05:09 UTC");
    }
}
