//! `cargo xtask test`: the one command that runs every test on a fresh machine. The integration
//! tests need the BIND lab on 127.53.0.0/16, so this brings it up around `cargo test`.

use crate::{cargo, lab, run_command};

/// Runs `cargo test --workspace ARGS...` with the lab up, and leaves the lab as it found it.
pub fn run(args: &[String]) -> Result<(), String> {
    let was_running = lab::is_running();
    lab::run(&["up".to_string()])?;
    let tested = run_command(cargo().args(["test", "--workspace"]).args(args));
    if !was_running {
        if let Err(e) = lab::run(&["down".to_string()]) {
            eprintln!("xtask test: could not stop the lab: {e}");
        }
    }
    tested
}
