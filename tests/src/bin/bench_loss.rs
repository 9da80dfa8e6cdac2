//! `bench-loss`: what random packet loss costs a check. Run it with `cargo xtask bench-loss`
//! (which builds it and its sibling binaries in release first).
//!
//! In a network namespace of its own (root needed), the lab's servers and the real dkim-doctor
//! run side by side; iptables drops each packet to or from the lab's port (UDP and TCP,
//! queries and answers) with the given probability. For each loss rate and scenario, the check
//! runs N times (a few at once) and the table shows queries per check, wall time per check
//! (median and 95th percentile) and how many runs ended pass, fail or incomplete, and how many
//! of them were wrong (a verdict other than the lab's, an incomplete counted apart).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use dns_lab::scenarios::{self, Scenario};
use integration_tests::doctor::{parallel, scenario_args, verdict_word, Check, Doctor};
use integration_tests::lab::{LabNetwork, LabProcess};
use integration_tests::netns::{Fault, Namespace, Sent};

const USAGE: &str = "usage: bench-loss [--runs N] [--width N] [--loss P,P,...] [--scenario ID]...
  --runs N        checks per scenario and loss rate (default 20)
  --width N       checks run at once (default 4)
  --loss P,...    loss rates in percent, each way (default 0,5,20,40)
  --scenario ID   a lab scenario (repeatable; default ses-healthy and lame)";

struct Options {
    runs: usize,
    width: usize,
    losses: Vec<u8>,
    scenarios: Vec<&'static Scenario>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        runs: 20,
        width: 4,
        losses: vec![0, 5, 20, 40],
        scenarios: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => options.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--width" => options.width = value()?.parse().map_err(|e| format!("--width: {e}"))?,
            "--loss" => {
                options.losses = value()?
                    .split(',')
                    .map(|p| match p.trim().parse::<u8>() {
                        Ok(p) if p <= 100 => Ok(p),
                        _ => Err(format!("--loss: {p:?} is not a percentage")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--scenario" => {
                let id = value()?;
                let scenario = scenarios::scenario(id).ok_or(format!("no lab scenario {id:?}"))?;
                options.scenarios.push(scenario);
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    if options.scenarios.is_empty() {
        for id in ["ses-healthy", "lame"] {
            options
                .scenarios
                .push(scenarios::scenario(id).ok_or(format!("no lab scenario {id}"))?);
        }
    }
    if options.runs == 0 || options.width == 0 {
        return Err("--runs and --width must be at least 1".into());
    }
    Ok(options)
}

/// One row: a scenario at a loss rate.
struct Row {
    loss: u8,
    scenario: &'static Scenario,
    checks: Vec<Check>,
    /// Every packet the row's checks sent to the lab's port, retransmissions included.
    sent: Sent,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("bench-loss: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-loss: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The executable `name` built next to this one.
fn sibling(name: &str) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let path = me.with_file_name(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: build with `cargo build --release -p integration-tests --bins`",
            path.display()
        ))
    }
}

fn run(options: &Options) -> Result<(), String> {
    let doctor = Doctor::new(sibling("dkim-doctor-under-test")?);
    let namespace = Namespace::create("bench-loss")?;
    let lab = LabProcess::start(&sibling("lab-server")?, LabNetwork::Demo, Some(&namespace))?;
    let mut rows = Vec::new();
    for &loss in &options.losses {
        namespace.clear_faults()?;
        namespace.inject(Fault::Loss(loss), lab.port)?;
        namespace.count_sent(lab.port)?;
        for &scenario in &options.scenarios {
            let args = scenario_args(scenario, &lab.args());
            namespace.take_sent()?;
            let jobs: Vec<Box<dyn FnOnce() -> Result<Check, String> + Send + '_>> = (0..options
                .runs)
                .map(|_| {
                    let args = args.clone();
                    let doctor = &doctor;
                    let namespace = &namespace;
                    Box::new(move || doctor.check(Some(namespace), &args))
                        as Box<dyn FnOnce() -> Result<Check, String> + Send>
                })
                .collect();
            let checks = parallel(jobs, options.width)
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
            let sent = namespace.take_sent()?;
            eprintln!("bench-loss: {loss}% {} done", scenario.id);
            rows.push(Row {
                loss,
                scenario,
                checks,
                sent,
            });
        }
    }
    drop(lab);
    drop(namespace);
    print_table(&rows, options);
    Ok(())
}

/// The `q`-quantile (0..=1) of `values`, nearest rank.
fn quantile<T: Copy + Ord>(values: &[T], q: f64) -> Option<T> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied()
}

fn seconds(d: Option<Duration>) -> String {
    d.map_or("-".into(), |d| format!("{:.2} s", d.as_secs_f64()))
}

fn print_table(rows: &[Row], options: &Options) {
    println!(
        "| loss each way | scenario (lab verdict) | UDP queries sent/check | TCP SYNs/check | queries in the report, median (max) | wall time median | wall time p95 | pass / fail / incomplete | wrong verdicts |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        let queries: Vec<u64> = row.checks.iter().map(Check::queries).collect();
        let times: Vec<Duration> = row.checks.iter().map(|c| c.output.elapsed).collect();
        let count = |verdict: &str| row.checks.iter().filter(|c| c.verdict() == verdict).count();
        let expected = verdict_word(row.scenario.verdict);
        let wrong = row
            .checks
            .iter()
            .filter(|c| c.verdict() != expected && c.verdict() != "incomplete")
            .count();
        let runs = row.checks.len().max(1) as f64;
        println!(
            "| {}% | {} ({expected}) | {:.1} | {:.1} | {} ({}) | {} | {} | {} / {} / {} | {wrong} of {} |",
            row.loss,
            row.scenario.id,
            row.sent.udp as f64 / runs,
            row.sent.tcp_syn as f64 / runs,
            quantile(&queries, 0.5).unwrap_or(0),
            queries.iter().max().copied().unwrap_or(0),
            seconds(quantile(&times, 0.5)),
            seconds(quantile(&times, 0.95)),
            count("pass"),
            count("fail"),
            count("incomplete"),
            row.checks.len(),
        );
    }
    println!(
        "\n{} runs per row, {} at once; each packet to or from the lab's port lost with the given \
         probability (iptables statistic, INPUT chain, in a network namespace). Sent: every UDP \
         datagram and TCP SYN to the lab's port, retransmissions included (iptables counters in \
         OUTPUT); the report's count is the queries its findings rest on.",
        options.runs, options.width
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let values = [5, 1, 3, 2, 4];
        assert_eq!(quantile(&values, 0.5), Some(3));
        assert_eq!(quantile(&values, 0.95), Some(5));
        assert_eq!(quantile::<u32>(&[], 0.5), None);
    }

    #[test]
    fn options() {
        let o = parse(&["--runs".into(), "3".into(), "--loss".into(), "0,40".into()]).unwrap();
        assert_eq!(
            (o.runs, o.losses.clone(), o.scenarios.len()),
            (3, vec![0, 40], 2)
        );
        assert!(parse(&["--loss".into(), "140".into()]).is_err());
        assert!(parse(&["--scenario".into(), "nope".into()]).is_err());
    }
}
