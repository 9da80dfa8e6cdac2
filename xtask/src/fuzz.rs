//! `cargo xtask fuzz`: libFuzzer on the stable toolchain.
//!
//! cargo-fuzz needs nightly only for `-Zsanitizer=address` and a few `-Z` flags; the coverage
//! instrumentation libFuzzer feeds on (SanitizerCoverage) is reachable through the stable codegen
//! options `-Cpasses` and `-Cllvm-args`. So this builds `fuzz/` with plain `cargo build` and
//! those flags, for an explicit `--target` so build scripts and proc-macros (which run inside
//! the compiler) are left uninstrumented, then runs the libFuzzer binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, run_command};

/// The fuzz targets in `fuzz/fuzz_targets/`.
const TARGETS: [&str; 4] = ["parse_message", "roundtrip", "preserve_rdata", "view"];

/// SanitizerCoverage as cargo-fuzz configures it, without the nightly-only sanitizer.
const RUSTFLAGS: &[&str] = &[
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "-Cllvm-args=-sanitizer-coverage-stack-depth",
    "--cfg=fuzzing",
    "-Cdebug-assertions",
    "-Coverflow-checks",
    "-Cforce-frame-pointers=yes",
];

fn host_triple() -> Result<String, String> {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| "rustc -vV printed no host triple".to_owned())
}

fn check_target(target: &str) -> Result<(), String> {
    if TARGETS.contains(&target) {
        Ok(())
    } else {
        Err(format!(
            "unknown fuzz target {target:?}; known: {}",
            TARGETS.join(", ")
        ))
    }
}

/// Builds one target; returns the path of its binary.
fn build(target: &str) -> Result<PathBuf, String> {
    let triple = host_triple()?;
    let fuzz_dir = root().join("fuzz");
    run_command(
        cargo()
            .args(["build", "--release", "--bin", target, "--target", &triple])
            .arg("--manifest-path")
            .arg(fuzz_dir.join("Cargo.toml"))
            .env("RUSTFLAGS", RUSTFLAGS.join(" "))
            // Keep the fuzz build out of the workspace's target so the two never invalidate
            // each other's artifacts.
            .env("CARGO_TARGET_DIR", fuzz_dir.join("target")),
    )?;
    Ok(fuzz_dir
        .join("target")
        .join(triple)
        .join("release")
        .join(target))
}

/// Directories of seed inputs, read but never written by libFuzzer.
pub fn seed_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("benches/data")];
    let data = root.join("crates/dns-wire/tests/data");
    if let Ok(entries) = std::fs::read_dir(&data) {
        let mut subdirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        subdirs.sort();
        dirs.extend(subdirs);
    }
    dirs
}

/// `cargo xtask fuzz TARGET --seconds N [-- LIBFUZZER_ARGS...]`
pub fn run(args: &[String]) -> Result<(), String> {
    let (ours, extra) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    let mut target = None;
    let mut seconds: u64 = 60;
    let mut it = ours.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--seconds" => {
                let value = it.next().ok_or("--seconds needs a number")?;
                seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds {value:?} is not a whole number"))?;
            }
            other if target.is_none() && !other.starts_with('-') => target = Some(other),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    let target = target.ok_or("which target? cargo xtask fuzz TARGET --seconds N")?;
    check_target(target)?;
    let binary = build(target)?;

    let root = root();
    let corpus = root.join("fuzz/corpus").join(target);
    let artifacts = root.join("fuzz/artifacts").join(target);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut command = Command::new(&binary);
    command
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()));
    if !extra.iter().any(|a| a.starts_with("-max_len=")) {
        command.arg("-max_len=8192");
    }
    command.args(extra).arg(&corpus).args(seed_dirs(&root));
    run_command(&mut command)
}

/// `cargo xtask fuzz-replay TARGET FILE...`
pub fn replay(args: &[String]) -> Result<(), String> {
    let (target, files) = args
        .split_first()
        .ok_or("usage: cargo xtask fuzz-replay TARGET FILE...")?;
    check_target(target)?;
    let binary = build(target)?;
    run_command(Command::new(binary).args(files))
}
