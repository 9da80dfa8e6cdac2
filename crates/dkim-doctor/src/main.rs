//! `dkim-doctor`: the command-line tool. Everything lives in the library so tests can reach it.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dkim_doctor::main_entry()
}
