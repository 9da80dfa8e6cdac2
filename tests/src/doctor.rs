//! Running the real dkim-doctor (inside a namespace or not) and reading its JSON report.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use dns_lab::scenarios::{Scenario, Verdict};
use serde_json::Value;

use crate::netns::Namespace;
use crate::process::{run_bounded, Output};

/// Longest one run of dkim-doctor may take before it is killed and the test fails: far above
/// the tool's own time budget, so it only catches a hang.
pub const RUN_LIMIT: Duration = Duration::from_secs(120);

/// The dkim-doctor executable under test.
#[derive(Debug, Clone)]
pub struct Doctor {
    binary: PathBuf,
}

impl Doctor {
    /// The executable at `binary`.
    pub fn new(binary: impl Into<PathBuf>) -> Doctor {
        Doctor {
            binary: binary.into(),
        }
    }

    /// Runs it with `args` (inside `namespace` when given), colors off, bounded by
    /// [`RUN_LIMIT`].
    pub fn run(&self, namespace: Option<&Namespace>, args: &[String]) -> Result<Output, String> {
        let mut command = match namespace {
            Some(namespace) => namespace.command(&self.binary),
            None => Command::new(&self.binary),
        };
        command.args(args).env_remove("NO_COLOR");
        run_bounded(&mut command, RUN_LIMIT)
    }

    /// Runs it with `args` and `--json`, and reads the report.
    pub fn check(&self, namespace: Option<&Namespace>, args: &[String]) -> Result<Check, String> {
        let mut args = args.to_vec();
        args.push("--json".into());
        let output = self.run(namespace, &args)?;
        let report = serde_json::from_str(&output.stdout).map_err(|e| {
            format!(
                "dkim-doctor {args:?} printed no JSON report ({e}); exit {}, stderr: {}",
                output.code,
                output.stderr.trim()
            )
        })?;
        Ok(Check { output, report })
    }
}

/// One finished check: what the process did and its JSON report.
#[derive(Debug, Clone)]
pub struct Check {
    /// Exit code, output, wall time.
    pub output: Output,
    /// The parsed report.
    pub report: Value,
}

impl Check {
    /// `pass`, `fail` or `incomplete`.
    pub fn verdict(&self) -> &str {
        self.report["verdict"].as_str().unwrap_or("")
    }

    /// Every finding.
    pub fn findings(&self) -> &[Value] {
        self.report["findings"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every finding's code, in report order.
    pub fn codes(&self) -> Vec<&str> {
        self.findings()
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect()
    }

    /// The findings with this code.
    pub fn with_code(&self, code: &str) -> Vec<&Value> {
        self.findings()
            .iter()
            .filter(|f| f["code"] == code)
            .collect()
    }

    /// The codes of the findings of severity error.
    pub fn error_codes(&self) -> BTreeSet<String> {
        self.findings()
            .iter()
            .filter(|f| f["severity"] == "error")
            .filter_map(|f| f["code"].as_str().map(str::to_string))
            .collect()
    }

    /// How many queries the check sent.
    pub fn queries(&self) -> u64 {
        self.report["queries"].as_u64().unwrap_or(0)
    }

    /// Whether any text of the report (findings, notes, delegation) contains `needle`.
    pub fn mentions(&self, needle: &str) -> bool {
        self.report.to_string().contains(needle)
    }

    /// One line for assertion messages: exit code, verdict, codes (a repeated one once, with
    /// its count), queries, wall time.
    pub fn describe(&self) -> String {
        let mut counted: Vec<(&str, usize)> = Vec::new();
        for code in self.codes() {
            match counted.iter_mut().find(|(c, _)| *c == code) {
                Some((_, n)) => *n += 1,
                None => counted.push((code, 1)),
            }
        }
        let codes: Vec<String> = counted
            .iter()
            .map(|(code, n)| match n {
                1 => code.to_string(),
                n => format!("{code} x{n}"),
            })
            .collect();
        format!(
            "exit {}, {} [{}], {} queries, {:.1} s",
            self.output.code,
            self.verdict(),
            codes.join(", "),
            self.queries(),
            self.output.elapsed.as_secs_f64()
        )
    }
}

/// The verdict word of the JSON report for a lab verdict.
pub fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Incomplete => "incomplete",
    }
}

/// The exit code that goes with a verdict word (the documented contract: 0, 1, 3).
pub fn exit_code_of(verdict: &str) -> Option<i32> {
    match verdict {
        "pass" => Some(0),
        "fail" => Some(1),
        "incomplete" => Some(3),
        _ => None,
    }
}

/// The arguments that check `scenario` on the lab that `lab_args` points at.
pub fn scenario_args(scenario: &Scenario, lab_args: &[String]) -> Vec<String> {
    let mut args = scenario.args();
    args.extend_from_slice(lab_args);
    args
}

/// The codes that blame the zone, its servers or its registrar: never right when the fault is
/// this machine's network.
pub const ZONE_BLAMING_CODES: [&str; 3] =
    ["lame-delegation", "zone-unreachable", "delegation-mismatch"];

/// Lines of a human report's Delegation tree that tick (✓) a server whose address a
/// `lame-delegation` or `zone-unreachable` finding of the same report names: the tree and the
/// findings must agree.
pub fn tree_contradictions(human: &str) -> Vec<String> {
    let mut blamed: BTreeSet<IpAddr> = BTreeSet::new();
    let mut in_blaming_finding = false;
    for line in human.lines().take_while(|l| l.trim() != "Delegation") {
        // A finding starts at two spaces of indent, its details are indented further.
        if line.starts_with("  ") && !line.starts_with("   ") {
            in_blaming_finding =
                line.contains("lame-delegation") || line.contains("zone-unreachable");
        } else if !line.starts_with("  ") {
            in_blaming_finding = false;
        }
        if in_blaming_finding {
            blamed.extend(addresses_in(line));
        }
    }
    human
        .lines()
        .skip_while(|line| line.trim() != "Delegation")
        .filter(|line| line.contains('✓') && addresses_in(line).any(|a| blamed.contains(&a)))
        .map(str::to_string)
        .collect()
}

/// The IP addresses written in parentheses in `text`, as the reports write a server's.
fn addresses_in(text: &str) -> impl Iterator<Item = IpAddr> + '_ {
    text.split('(')
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter_map(|inside| inside.parse().ok())
}

/// Runs `jobs` on `width` threads at once and returns their results in order. Each job runs
/// one process, so a few at a time keep a 2-core machine responsive.
pub fn parallel<T: Send>(jobs: Vec<Box<dyn FnOnce() -> T + Send + '_>>, width: usize) -> Vec<T> {
    let jobs = std::sync::Mutex::new(jobs.into_iter().enumerate().collect::<Vec<_>>());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..width.max(1) {
            scope.spawn(|| loop {
                let job = jobs.lock().map(|mut j| j.pop()).unwrap_or(None);
                let Some((index, job)) = job else { break };
                let result = job();
                if let Ok(mut results) = results.lock() {
                    results.push((index, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Check {
        Check {
            output: Output {
                code: 1,
                stdout: String::new(),
                stderr: String::new(),
                elapsed: Duration::ZERO,
                peak_rss_kib: None,
            },
            report: serde_json::from_str(json).unwrap(),
        }
    }

    #[test]
    fn error_codes_are_the_errors_only() {
        let report = check(
            r#"{"verdict": "fail", "findings": [
                {"code": "lame-delegation", "severity": "error"},
                {"code": "trailing-dot", "severity": "info"}]}"#,
        );
        assert_eq!(report.codes(), ["lame-delegation", "trailing-dot"]);
        assert!(report
            .describe()
            .contains("[lame-delegation, trailing-dot]"));
        assert_eq!(
            report.error_codes().into_iter().collect::<Vec<_>>(),
            ["lame-delegation"]
        );
    }

    #[test]
    fn tree_must_not_tick_a_blamed_server() {
        let findings = "Findings\n  ✗ error   lame-delegation  lame-ses.com.\n      The name server \
            lame.lab-servers.net (127.53.12.1) does not answer\n  i info    trailing-dot  x.\n      \
            shown as (127.53.10.1)\n\n";
        let agrees = format!(
            "{findings}Delegation\n  ├─ ✓ ns1 (127.53.10.1)\n  └─ ✗ lame (127.53.12.1)  lame\n"
        );
        assert!(tree_contradictions(&agrees).is_empty());
        let contradicts = format!("{findings}Delegation\n  └─ ✓ lame (127.53.12.1)  serial 1\n");
        assert_eq!(tree_contradictions(&contradicts).len(), 1);
    }

    #[test]
    fn parallel_keeps_the_order() {
        let jobs: Vec<Box<dyn FnOnce() -> usize + Send>> = (0..10usize)
            .map(|i| Box::new(move || i * 2) as Box<_>)
            .collect();
        assert_eq!(
            parallel(jobs, 3),
            (0..10).map(|i| i * 2).collect::<Vec<_>>()
        );
    }
}
