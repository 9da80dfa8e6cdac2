//! `dkim-doctor`: the command-line tool, kept thin. It parses arguments, runs the probes that
//! `dkim-rules` asks for through the `dns-wire` resolver, hands the answers back to
//! `dkim-rules` and prints the report (human or JSON). No DNS or DKIM logic lives here.

pub mod bulk_input;
pub mod cli;
pub mod duration;
pub mod exit;
pub mod output;
pub mod progress;
pub mod style;
