//! `message FILE|-`: reads the message, fetches each signature's key with the ordinary
//! selector check (walk from the root, every authoritative server), and hands both to
//! `dkim_rules::message::verify_message`. What the signatures and answers mean is decided
//! there.

use std::io::Read;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use dkim_rules::message::{verify_message, KeyEvidence, Message, MAX_MESSAGE_BYTES};
use dkim_rules::{Check, Selector, Verdict};
use dns_wire::resolver::Resolver;
use dns_wire::Name;

use super::{human_options, to_json_line};
use crate::cli::{CommonOptions, MessageArgs};
use crate::config::{check_settings, INTERNET_TIMEOUT};
use crate::exit::{Outcome, RunError};
use crate::output::Stdout;
use crate::render::message::{message_human, message_json, KeyRun};
use crate::service::{check_with, CheckRun, DnssecPolicy};

/// Runs `message`.
pub async fn run(common: &CommonOptions, args: &MessageArgs) -> Result<Outcome, RunError> {
    let started = Instant::now();
    let bytes = read_bounded(&args.file)?;
    let message = Message::parse(&bytes)
        .map_err(|e| RunError::BadInput(format!("{}: {e}", shown(&args.file))))?;
    let settings = check_settings(common, INTERNET_TIMEOUT)?;
    let resolver = Resolver::new(settings.resolver);
    let runs = fetch_keys(&resolver, &settings.dnssec, message.key_queries()).await;
    let evidence: Vec<KeyEvidence<'_>> = runs
        .iter()
        .map(|k| KeyEvidence {
            domain: &k.domain,
            selector: &k.selector,
            observations: &k.run.observations,
        })
        .collect();
    let report = verify_message(&message, &evidence, unix_now());
    let elapsed = started.elapsed();
    let mut stdout = Stdout::new();
    if common.json {
        stdout.write(&to_json_line(
            &message_json(&report, &runs, common.trace, elapsed),
            true,
        )?);
    } else {
        stdout.write(&message_human(
            &report,
            &runs,
            human_options(common),
            elapsed,
        ));
    }
    Ok(match report.verdict {
        Verdict::Pass => Outcome::Pass,
        Verdict::Fail => Outcome::Fail,
        Verdict::Incomplete => Outcome::Incomplete,
    })
}

fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

/// The file (or stdin), refusing more than [`MAX_MESSAGE_BYTES`] without reading it all.
fn read_bounded(path: &Path) -> Result<Vec<u8>, RunError> {
    let limit = MAX_MESSAGE_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    result.map_err(|e| RunError::BadInput(format!("cannot read {}: {e}", shown(path))))?;
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(RunError::BadInput(format!(
            "{} is larger than 64 MiB, the most dkim-doctor reads: is it a whole mailbox? Save the one message to check",
            shown(path)
        )));
    }
    Ok(bytes)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Runs the selector check of every (`d=`, `s=`) at once, on one resolver (one delegation
/// cache for the run), DNSSEC checked as `dnssec` says; results come back in query order.
async fn fetch_keys(
    resolver: &Resolver,
    dnssec: &DnssecPolicy,
    queries: Vec<(Name, Selector)>,
) -> Vec<KeyRun> {
    let checks = queries.into_iter().map(|(domain, selector)| async move {
        let check = Check::Selector {
            domain: domain.clone(),
            selectors: vec![selector.clone()],
            expect_ns: vec![],
            // The message's own verification judges alignment with its From header.
            dmarc: false,
        };
        let run: CheckRun = check_with(resolver, check, dnssec).await;
        KeyRun {
            domain,
            selector,
            run,
        }
    });
    futures_util::future::join_all(checks).await
}
