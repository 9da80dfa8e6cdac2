//! `demo [SCENARIO]`: the miniature internet of `dns-lab` served in process on loopback (a
//! free high port, no root, no network), and the real diagnosis of its example domains.

use std::fmt::Write as _;
use std::time::Instant;

use dkim_rules::{Finding, Severity};
use dns_lab::scenarios::{self, Check as LabCheck, Scenario, Verdict as LabVerdict};
use dns_wire::resolver::{Resolver, RootHints};
use futures_util::StreamExt;

use super::{check_and_print, human_options, to_json_line};
use crate::cli::{CommonOptions, DemoArgs, WatchArgs};
use crate::config::{dnssec_policy, resolver_config, CheckSettings, DnssecPolicy, DEMO_TIMEOUT};
use crate::exit::{Outcome, RunError};
use crate::input::{self, CheckInput};
use crate::output::{eprint_line, Stdout};
use crate::render::report::{check_json, report_outcome};
use crate::service::{check_with, CheckRun};
use crate::style::{Palette, Tone};

/// Scenarios diagnosed at once when all are shown.
const DEMO_CONCURRENCY: usize = 16;

/// Runs the demo.
pub async fn run(common: &CommonOptions, args: &DemoArgs) -> Result<Outcome, RunError> {
    if !common.roots.is_empty() {
        return Err(RunError::BadInput(
            "demo runs its own simulated DNS; --roots does not apply to it (--port picks the port it serves on)".to_string(),
        ));
    }
    if common.ipv6_only {
        return Err(RunError::BadInput(
            "the demo network is IPv4 only (loopback 127.53.0.0/16); drop -6".to_string(),
        ));
    }
    let selected = match &args.scenario {
        None => None,
        Some(name) => match find(name) {
            Some(scenario) => Some(scenario),
            None => {
                eprint_line(&scenario_list(name));
                return Ok(Outcome::BadInput);
            }
        },
    };

    let port = common.port.unwrap_or(0);
    let lab = dns_lab::demo::start(port).await.map_err(|e| {
        let mut text = if port == 0 {
            "cannot start the demo network on loopback (127.53.0.0/16)".to_string()
        } else {
            format!("cannot start the demo network on loopback port {port} (is it in use? try another --port, or none)")
        };
        // The OS's words (error numbers included) only when asked for.
        if common.verbose {
            text.push_str(&format!(": {e}"));
        }
        RunError::CouldNotRun(text)
    })?;
    let place = LabArgs {
        roots: lab.roots.iter().map(ToString::to_string).collect(),
        port: lab.port,
    };
    if args.serve {
        let outcome = serve(common, &place, selected).await;
        lab.shutdown().await;
        return outcome;
    }
    let mut config = resolver_config(common, DEMO_TIMEOUT)?;
    config.roots = RootHints::from_addresses(lab.roots.iter().copied());
    config.port = lab.port;
    config.families.ipv6 = false;

    let settings = CheckSettings::new(config, demo_dnssec(common)?);
    let outcome = match selected {
        Some(scenario) => one(common, settings, scenario, &place).await,
        None => all(common, settings).await,
    };
    lab.shutdown().await;
    outcome
}

/// A scenario by id or by domain.
fn find(name: &str) -> Option<&'static Scenario> {
    let name = name.trim().trim_end_matches('.');
    scenarios::scenario(name).or_else(|| {
        scenarios::SCENARIOS
            .iter()
            .find(|s| s.domain.eq_ignore_ascii_case(name))
    })
}

/// The message for an unknown scenario: every scenario with its one-line story.
fn scenario_list(unknown: &str) -> String {
    let mut text =
        format!("dkim-doctor: there is no demo scenario {unknown:?}; the scenarios are:\n");
    let width = scenarios::SCENARIOS
        .iter()
        .map(|s| s.id.len())
        .max()
        .unwrap_or(0);
    for scenario in scenarios::SCENARIOS {
        let _ = writeln!(text, "  {:width$}  {}", scenario.id, scenario.summary);
    }
    text.push_str("Run `dkim-doctor demo` for all of them, or `dkim-doctor demo <scenario>`.");
    text
}

/// The check a scenario asks for, built from the same arguments a user would type.
fn scenario_input(scenario: &Scenario) -> Result<CheckInput, RunError> {
    match scenario.check {
        LabCheck::Ses {
            tokens,
            region,
            expect_ns,
        } => {
            let tokens: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
            let expect_ns: Vec<String> = expect_ns.iter().map(|n| n.to_string()).collect();
            input::ses_check_from(
                Some(scenario.domain),
                &tokens,
                region,
                &expect_ns,
                None,
                None,
            )
        }
        LabCheck::Selectors(selectors) => {
            let selectors: Vec<String> = selectors.iter().map(|s| s.to_string()).collect();
            input::selector_check_from(scenario.domain, &selectors, &[])
        }
        LabCheck::Identity {
            json,
            domain_arg,
            region,
            mail_from,
            ..
        } => input::ses_check_from_identity_text(
            json,
            domain_arg.then_some(scenario.domain),
            region,
            mail_from,
        ),
    }
}

/// Where the demo network listens, as the options that point a command at it.
#[derive(Debug, Clone, serde::Serialize)]
struct LabArgs {
    /// The root servers' addresses.
    roots: Vec<String>,
    /// The port every server listens on.
    port: u16,
}

impl LabArgs {
    /// `--roots ADDR[,ADDR] --port N`.
    fn options(&self) -> String {
        format!("--roots {} --port {}", self.roots.join(","), self.port)
    }
}

/// `demo --serve`: keeps the demo network up until Ctrl-C (or SIGTERM) and prints the options
/// that point any command at it, with the command of every scenario (or the one chosen).
async fn serve(
    common: &CommonOptions,
    place: &LabArgs,
    selected: Option<&'static Scenario>,
) -> Result<Outcome, RunError> {
    let mut stdout = Stdout::new();
    if common.json {
        stdout.write(&to_json_line(
            &serde_json::json!({
                "roots": place.roots,
                "port": place.port,
                "options": place.options(),
            }),
            false,
        )?);
    } else {
        let palette = human_options(common).palette;
        let mut text = format!(
            "The demo network is up on loopback (no root needed). Add these options to any command:\n  {}\n\n",
            palette.paint(Tone::Strong, &place.options())
        );
        let _ = writeln!(text, "{}", palette.paint(Tone::Dim, "For example:"));
        let chosen: Vec<&Scenario> = match selected {
            Some(scenario) => vec![scenario],
            None => scenarios::SCENARIOS.iter().collect(),
        };
        for scenario in chosen {
            let _ = writeln!(text, "  {}", equivalent_command(scenario, place));
        }
        let _ = writeln!(
            text,
            "  dkim-doctor trace mail._domainkey.{} TXT {}",
            scenarios::scenario("dkim-zone-cut").map_or("dkim-zone-cut.com", |s| s.domain),
            place.options()
        );
        let _ = writeln!(
            text,
            "  printf '%s\\n' '{{\"domain\": \"{}\", \"tokens\": [\"{}\"]}}' | dkim-doctor bulk - {}",
            scenarios::SES_MISSING,
            scenarios::SES_TOKENS[0],
            place.options()
        );
        let _ = writeln!(
            text,
            "\n{}",
            palette.paint(Tone::Dim, "Ctrl-C stops the demo network.")
        );
        stdout.write(&text);
    }
    super::wait_for_stop().await;
    Ok(Outcome::Pass)
}

/// The command a user would type for a scenario, pointed at the demo network.
fn equivalent_command(scenario: &Scenario, place: &LabArgs) -> String {
    match scenario.check {
        LabCheck::Ses {
            tokens,
            region,
            expect_ns,
        } => {
            let mut text = format!("dkim-doctor ses {}", scenario.domain);
            for token in tokens {
                let _ = write!(text, " --token {token}");
            }
            if let Some(region) = region {
                let _ = write!(text, " --region {region}");
            }
            for ns in expect_ns {
                let _ = write!(text, " --expect-ns {ns}");
            }
            let _ = write!(text, " {}", place.options());
            text
        }
        LabCheck::Selectors(selectors) => {
            format!(
                "dkim-doctor selector {} {} {}",
                scenario.domain,
                selectors.join(" "),
                place.options()
            )
        }
        LabCheck::Identity { .. } => {
            // The identity files as the repository holds them, not this checkout's path.
            let args = scenario
                .args()
                .join(" ")
                .replace(scenarios::IDENTITY_DIR, "crates/dns-lab/identities");
            format!("dkim-doctor {args} {}", place.options())
        }
    }
}

/// One scenario: the full report, exactly as `ses`/`selector` print it.
async fn one(
    common: &CommonOptions,
    settings: CheckSettings,
    scenario: &Scenario,
    place: &LabArgs,
) -> Result<Outcome, RunError> {
    let input = scenario_input(scenario)?;
    if !common.json {
        let palette = human_options(common).palette;
        let mut stdout = Stdout::new();
        stdout.write(&format!(
            "{} {}: {}\n{}\n{}\n\n",
            palette.paint(Tone::Dim, "demo scenario"),
            palette.paint(Tone::Strong, scenario.id),
            scenario.summary,
            palette.paint(
                Tone::Dim,
                &format!("$ {}", equivalent_command(scenario, place))
            ),
            palette.paint(
                Tone::Dim,
                &format!(
                    "(to run it yourself, keep the demo network up with: dkim-doctor demo --serve --port {})",
                    place.port
                )
            )
        ));
    }
    check_and_print(common, settings, input, &WatchArgs { watch: None }).await
}

/// The demo network is signed with its own root key: it is validated from that anchor (or
/// the `--trust-anchor` files), at the lab's time unless `--validation-time` says otherwise,
/// so its scenarios with signatures near their end mean the same on every run.
fn demo_dnssec(common: &CommonOptions) -> Result<DnssecPolicy, RunError> {
    let now = Some(
        common
            .validation_time
            .unwrap_or(u64::from(dns_lab::signing::LAB_NOW)),
    );
    Ok(match dnssec_policy(common)? {
        DnssecPolicy::On { anchors, .. } if !anchors.is_empty() => {
            DnssecPolicy::On { anchors, now }
        }
        DnssecPolicy::Off => DnssecPolicy::Off,
        _ => DnssecPolicy::On {
            anchors: vec![dns_lab::signing::trust_anchor()],
            now,
        },
    })
}

/// Every scenario, diagnosed concurrently with one shared resolver, shown compactly in the
/// lab's order.
async fn all(common: &CommonOptions, settings: CheckSettings) -> Result<Outcome, RunError> {
    let started = Instant::now();
    let resolver = Resolver::new(settings.resolver);
    let mut inputs = Vec::new();
    for scenario in scenarios::SCENARIOS {
        inputs.push((scenario, scenario_input(scenario)?));
    }
    let dnssec = &settings.dnssec;
    let checks = inputs
        .iter()
        .map(|(_, input)| check_with(&resolver, input.check.clone(), dnssec));
    // At most DEMO_CONCURRENCY at once, results in the lab's order.
    let runs: Vec<CheckRun> = futures_util::stream::iter(checks)
        .buffered(DEMO_CONCURRENCY)
        .collect()
        .await;

    let mut stdout = Stdout::new();
    let palette = human_options(common).palette;
    let mut matched = 0;
    for ((scenario, input), run) in inputs.iter().zip(&runs) {
        let as_described = matches_scenario(scenario, run);
        matched += usize::from(as_described);
        if common.json {
            stdout.write(&to_json_line(
                &check_json(run, &input.notes, common.trace),
                false,
            )?);
        } else {
            stdout.write(&compact(scenario, run, as_described, palette));
        }
    }
    if !common.json {
        let total = scenarios::SCENARIOS.len();
        stdout.write(&format!(
            "\n{} scenarios, {} diagnosed as the lab describes them; {} queries in {} ms.\n\
             Details of one: dkim-doctor demo <scenario> (add --json for the JSON report).\n\
             To run ses, selector, trace and bulk on them yourself: dkim-doctor demo --serve\n",
            total,
            if matched == total {
                palette.paint(Tone::Good, &format!("all {matched}"))
            } else {
                palette.paint(Tone::Bad, &format!("{matched} of {total}"))
            },
            resolver.stats().queries,
            started.elapsed().as_millis()
        ));
    }
    // The overview is a showcase: broken domains are its point, so it exits 0 once every
    // scenario was diagnosed. `demo <scenario>` exits like `ses` and `selector` do.
    Ok(Outcome::Pass)
}

/// Whether the diagnosis is the one the lab's table describes: same verdict, and every
/// finding code it lists present.
fn matches_scenario(scenario: &Scenario, run: &CheckRun) -> bool {
    let verdict = match report_outcome(&run.report) {
        Outcome::Pass => LabVerdict::Pass,
        Outcome::Fail => LabVerdict::Fail,
        Outcome::Incomplete | Outcome::BadInput | Outcome::Interrupted => LabVerdict::Incomplete,
    };
    verdict == scenario.verdict
        && scenario.findings.iter().all(|code| {
            run.report
                .findings
                .iter()
                .any(|finding| finding.code.as_str() == *code)
        })
}

/// A few lines per scenario: verdict, domain, story, then each finding that is not info,
/// with its fix.
fn compact(scenario: &Scenario, run: &CheckRun, as_described: bool, palette: Palette) -> String {
    let report = &run.report;
    let (tone, mark, word) = match report_outcome(report) {
        Outcome::Pass => (Tone::Good, "✓", "pass"),
        Outcome::Fail => (Tone::Bad, "✗", "fail"),
        _ => (Tone::Warn, "?", "incomplete"),
    };
    let mut out = format!(
        "{} {}  {}  {}\n",
        palette.paint(tone, mark),
        palette.paint(tone, &format!("{word:<10}")),
        palette.paint(Tone::Strong, scenario.domain),
        palette.paint(Tone::Dim, scenario.summary),
    );
    // One line per finding code (the first finding's words and fix), so three tokens with
    // the same mistake read as one mistake.
    let mut shown: Vec<(&Finding, usize)> = Vec::new();
    for finding in report
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
    {
        match shown.iter_mut().find(|(f, _)| f.code == finding.code) {
            Some((_, count)) => *count += 1,
            None => shown.push((finding, 1)),
        }
    }
    for (finding, count) in shown {
        let tone = if finding.severity == Severity::Error {
            Tone::Bad
        } else {
            Tone::Warn
        };
        let mut summary = finding.summary.clone();
        if count > 1 {
            summary.push_str(&format!(" (and {} more like it)", count - 1));
        }
        let _ = writeln!(
            out,
            "             {}  {summary}",
            palette.paint(tone, finding.code.as_str()),
        );
        if !finding.fix.is_empty() {
            let _ = writeln!(
                out,
                "             {}  {}",
                " ".repeat(finding.code.as_str().len()),
                palette.paint(Tone::Dim, &format!("fix: {}", finding.fix))
            );
        }
    }
    if !as_described {
        let _ = writeln!(
            out,
            "             {}",
            palette.paint(
                Tone::Bad,
                &format!(
                    "(the lab expects {:?} with {:?})",
                    scenario.verdict, scenario.findings
                )
            )
        );
    }
    out
}
