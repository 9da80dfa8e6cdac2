//! `cargo xtask test`: the one command that runs every test on a fresh machine. The integration
//! tests need the BIND lab on 127.53.0.0/16, so this brings it up around `cargo test`. It runs
//! as root (as the lab needs), so the network-namespace tests (tests/tests/netns.rs) can run
//! too: they are required here, where elsewhere they skip without root, `ip` or `iptables`.

use crate::{cargo, lab, run_command};

/// Makes the network-namespace tests fail instead of skip when they cannot create a namespace
/// (`integration_tests::netns::REQUIRE_ENV`).
const REQUIRE_NETNS: &str = "DKIM_DOCTOR_REQUIRE_NETNS";

/// Runs `cargo test --workspace ARGS...` with the lab up, and leaves the lab as it found it.
pub fn run(args: &[String]) -> Result<(), String> {
    let was_running = lab::is_running();
    lab::run(&["up".to_string()])?;
    let tested = run_command(
        cargo()
            .args(["test", "--workspace"])
            .args(args)
            .env(REQUIRE_NETNS, "1"),
    );
    if !was_running {
        if let Err(e) = lab::run(&["down".to_string()]) {
            eprintln!("xtask test: could not stop the lab: {e}");
        }
    }
    tested
}
