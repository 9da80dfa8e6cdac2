//! One function per command: validate the input, run it, print, and say how it ended.

use dns_wire::resolver::Resolver;

use crate::cli::{Cli, Command, CommonOptions, SelectorArgs, SesArgs, TraceArgs, WatchArgs};
use crate::config::{check_settings, CheckSettings, INTERNET_TIMEOUT};
use crate::exit::{Outcome, RunError};
use crate::input::{self, CheckInput};
use crate::output::Stdout;
use crate::render::report::{check_human, check_json, report_outcome, HumanOptions};
use crate::render::trace::{trace_completed, trace_human, trace_json, TraceDnssecJson};
use crate::service::{check_with, trace_with, DnssecPolicy};
use crate::style::{use_color, Palette};

mod bulk;
mod demo;
mod message;
mod serve;
mod watch;

/// Runs the command the user chose.
pub async fn run(cli: Cli) -> Result<Outcome, RunError> {
    let common = cli.common;
    match cli.command {
        Command::Ses(args) => ses(&common, &args).await,
        Command::Selector(args) => selector(&common, &args).await,
        Command::Trace(args) => trace(&common, &args).await,
        Command::Bulk(args) => bulk::run(&common, &args).await,
        Command::Demo(args) => demo::run(&common, &args).await,
        Command::Serve(args) => serve::run(&common, &args).await,
        Command::Message(args) => message::run(&common, &args).await,
        Command::Completions(args) => {
            Stdout::new().write(&completions(args.shell));
            Ok(Outcome::Pass)
        }
        Command::Man => {
            Stdout::new().write(&man_page()?);
            Ok(Outcome::Pass)
        }
    }
}

/// The completion script for `shell`, generated from the clap definitions.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "dkim-doctor", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The manual page (roff), generated from the clap definitions, with a section per
/// subcommand.
pub fn man_page() -> Result<String, RunError> {
    let command = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    let failed = |_| RunError::CouldNotRun("cannot render the manual page".to_string());
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(&mut out).map_err(failed)?;
    man.render_name_section(&mut out).map_err(failed)?;
    man.render_synopsis_section(&mut out).map_err(failed)?;
    man.render_description_section(&mut out).map_err(failed)?;
    man.render_options_section(&mut out).map_err(failed)?;
    man.render_subcommands_section(&mut out).map_err(failed)?;
    man.render_extra_section(&mut out).map_err(failed)?;
    for sub in command.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("dkim-doctor {}", sub.get_name());
        let sub = sub.clone().bin_name(name.clone());
        let man = clap_mangen::Man::new(sub);
        // Each subcommand gets its own section: its synopsis, options and examples.
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        man.render_synopsis_section(&mut out).map_err(failed)?;
        man.render_description_section(&mut out).map_err(failed)?;
        man.render_options_section(&mut out).map_err(failed)?;
        man.render_extra_section(&mut out).map_err(failed)?;
    }
    man.render_version_section(&mut out).map_err(failed)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The human-output options from the common flags.
pub(crate) fn human_options(common: &CommonOptions) -> HumanOptions {
    HumanOptions {
        palette: Palette::new(use_color(common.color)),
        verbose: common.verbose,
        trace: common.trace,
    }
}

/// `ses`.
async fn ses(common: &CommonOptions, args: &SesArgs) -> Result<Outcome, RunError> {
    let input = input::ses_check(args)?;
    let settings = check_settings(common, INTERNET_TIMEOUT)?;
    check_and_print(common, settings, input, &args.watch).await
}

/// `selector`.
async fn selector(common: &CommonOptions, args: &SelectorArgs) -> Result<Outcome, RunError> {
    let input = input::selector_check(args)?;
    let settings = check_settings(common, INTERNET_TIMEOUT)?;
    check_and_print(common, settings, input, &args.watch).await
}

/// Runs one check (or watches it) and prints the report.
pub(crate) async fn check_and_print(
    common: &CommonOptions,
    settings: CheckSettings,
    input: CheckInput,
    watch: &WatchArgs,
) -> Result<Outcome, RunError> {
    if let Some(interval) = watch.watch {
        return watch::run(common, settings, input, interval).await;
    }
    let resolver = Resolver::new(settings.resolver);
    let run = check_with(&resolver, input.check, &settings.dnssec).await;
    let mut stdout = Stdout::new();
    if common.json {
        stdout.write(&to_json_line(
            &check_json(&run, &input.notes, common.trace),
            true,
        )?);
    } else {
        stdout.write(&check_human(&run, &input.notes, human_options(common)));
    }
    Ok(report_outcome(&run.report))
}

/// A value as JSON text and a newline; pretty for one document, compact for JSON lines.
pub(crate) fn to_json_line<T: serde::Serialize>(
    value: &T,
    pretty: bool,
) -> Result<String, RunError> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.map(|t| t + "\n")
        .map_err(|e| RunError::CouldNotRun(format!("cannot write the JSON report: {e}")))
}

/// `trace <NAME> [TYPE]`.
async fn trace(common: &CommonOptions, args: &TraceArgs) -> Result<Outcome, RunError> {
    let question = input::trace_question(&args.name, Some(&args.rtype))?;
    let settings = check_settings(common, INTERNET_TIMEOUT)?;
    let resolver = Resolver::new(settings.resolver);
    let dnssec = settings.dnssec;
    let run = trace_with(&resolver, &question.name, question.qtype, &dnssec).await;
    let not_checked = match &dnssec {
        DnssecPolicy::NotChecked(why) => Some(why.as_str()),
        _ => None,
    };
    let mut stdout = Stdout::new();
    if common.json {
        let mut doc = trace_json(&run);
        if let Some(why) = not_checked {
            doc.dnssec = Some(TraceDnssecJson::not_checked(why));
        }
        stdout.write(&to_json_line(&doc, true)?);
    } else {
        let palette = Palette::new(use_color(common.color));
        stdout.write(&trace_human(&run, palette, common.verbose, not_checked));
    }
    Ok(if trace_completed(&run) {
        Outcome::Pass
    } else {
        Outcome::Incomplete
    })
}

/// Until Ctrl-C, or SIGTERM where there is one (a service manager, `kill`).
pub(crate) async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
