//! `dkim-doctor`: the command-line tool. Everything lives in the library so tests can reach it.

use std::process::ExitCode;

fn main() -> ExitCode {
    dkim_doctor::main_entry()
}
