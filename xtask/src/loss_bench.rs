//! `cargo xtask bench-loss`: queries and wall time per check under random packet loss. The
//! measuring is done by the `bench-loss` binary of the integration-tests crate (it shares the
//! network-namespace harness with the tests); this builds it and its sibling binaries (the lab
//! server and dkim-doctor) in release and runs it with the given arguments.

use std::process::Command;

use crate::{cargo, root, run_command};

/// Builds and runs `bench-loss ARGS...`, after a line naming the commit measured.
pub fn run(args: &[String]) -> Result<(), String> {
    run_command(cargo().args(["build", "--release", "-p", "integration-tests", "--bins"]))?;
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(root())
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    println!(
        "bench-loss on commit {commit}{}\n",
        if dirty {
            " (with uncommitted changes)"
        } else {
            ""
        }
    );
    run_command(Command::new(root().join("target/release/bench-loss")).args(args))
}
