//! Developer commands: `cargo xtask <lab|fuzz|bench> ...`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        _ => {
            eprintln!("usage: cargo xtask <lab up|lab down|fuzz TARGET --seconds N|bench>");
            ExitCode::from(2)
        }
    }
}
