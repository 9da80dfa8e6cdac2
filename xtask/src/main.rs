//! Developer commands: `cargo xtask <lab|fuzz|bench|corpus> ...`.

mod bench;
mod bulk_bench;
mod bulk_distinct;
mod bulk_memory;
mod fuzz;
mod lab;
mod loss_bench;
mod resolver_bench;
mod serve_bench;
mod test;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test [CARGO_TEST_ARGS...]    the project's tests: start the BIND lab (installing bind9 if missing),
                               run `cargo test --workspace` with the given extra arguments, and stop
                               the lab again unless it was already running before. Sets
                               DKIM_DOCTOR_REQUIRE_NETNS=1: the network-namespace tests must run
                               (root, ip, iptables), not skip
  lab up|down|status           the BIND lab: install bind9 if missing, add 127.53.x.y to lo, start
                               one named on port 53 from dns-lab's description (target/lab/), wait
                               until every server answers; down stops it and removes the addresses
  corpus                       rewrite benches/data/*.bin from benches/src/generate.rs
  fuzz TARGET --seconds N [-- LIBFUZZER_ARGS...]
                               build fuzz/ TARGET with libFuzzer on the STABLE toolchain and run it
                               N seconds (targets: parse_message, roundtrip, preserve_rdata).
                               Seeds: benches/data and crates/dns-wire/tests/data; the growing
                               corpus is fuzz/corpus/TARGET, crashes go to fuzz/artifacts/TARGET.
                               How: cargo builds fuzz/ in release with the stable codegen flags
                               -Cpasses=sancov-module and -Cllvm-args=-sanitizer-coverage-*
                               (the same instrumentation cargo-fuzz asks for, minus the
                               nightly-only AddressSanitizer, which safe Rust does not need) and
                               --cfg fuzzing; libfuzzer-sys links libFuzzer and provides main.
                               Extra libFuzzer flags go after `--` (default -max_len=8192).
  fuzz-replay TARGET FILE...   run a built fuzz target once on the given inputs (reproduce a crash)
  bench [--quick] [-- CRITERION_ARGS...]
                               run the criterion benches (parse and encode; dns-wire, hickory-proto
                               and domain on the same bytes) and print a side-by-side table:
                               median ns per message per library, ratios and geometric means.
                               --quick: 1 s warm-up, 2 s measurement per benchmark.
  bench-table                  print the table from the last bench run (target/criterion)
  bench-resolver [--rounds N] [--latency-ms MS] [--no-unbound]
                               resolve a fixed set of lab DKIM names cold on a private copy of
                               the BIND lab (127.54.0.0/16, its own named; the shared lab is not
                               touched): our resolver with the cache on and off, sequential and
                               concurrent, behind a relay adding MS (20) per round trip, and
                               Unbound as a cold-cache recursive resolver; prints queries and
                               wall time as a Markdown table. Needs root, named and unbound.
  bench-instructions           instructions per message for every fixture and library, counted
                               with valgrind's cachegrind (deterministic where wall-clock time on a
                               shared machine is not); needs `apt-get install valgrind`
  bench-loss [--runs N] [--width N] [--loss P,P,...] [--scenario ID]...
                               what random packet loss costs a check: in a network namespace of
                               its own (needs root, ip, iptables), the lab's servers and a release
                               dkim-doctor; iptables drops P% (0,5,20,40) of the packets to and
                               from the lab's port each way; N (20) checks of each scenario
                               (ses-healthy, lame); prints queries per check, wall time (median,
                               p95) and verdict counts as a Markdown table
  bench-bulk [--rounds N] [--concurrency N] [--latency-ms MS]
                               `dkim-doctor bulk` (release build) over every reachable BIND lab
                               domain (run `lab up` first), with and without the shared
                               delegation cache, direct and behind a relay adding MS (20) per
                               round trip; prints domains/s and queries/domain (Markdown)
  bench-bulk-memory [--lines N] [--concurrency N] [--latency-ms MS]
                               peak RSS and domains/s of `dkim-doctor bulk` (release) over N
                               (1,000,000) lines at concurrency 256, against the in-process demo
                               network (no BIND lab), behind a relay adding MS (0) per round
                               trip: RSS sampled from /proc while it runs, ru_maxrss at the end
  bench-bulk-distinct [--domains N] [--concurrency N] [--latency-ms MS]
                               domains/s and peak RSS of `dkim-doctor bulk` (release) over N
                               (10,000) distinct domains, each a zone of its own (80 % healthy,
                               the rest pending, partial, lame, unregistered), on a generated
                               in-process network behind a relay adding MS (20) per round trip,
                               at concurrency 256 (no BIND lab)
  bench-serve [--connections N] [--seconds S] [--runs N] [--generator xtask|wrk]
              [--server PATH] [--server-threads N]
                               `dkim-doctor serve` (release) against the in-process demo network:
                               N (200) keep-alive connections repeat a cached healthy SES check
                               for S (20) seconds; prints requests/s and p50/p90/p99/max latency,
                               how the report cache answered (hit, joined, miss) and the CPU
                               time of the server and of the load generator: the tokio one in
                               xtask (default) or wrk (one thread; apt-get install wrk). Fails
                               unless every response is 200 with the report a check made;
                               --server runs that binary instead of this tree's release build;
                               --server-threads sets the server's TOKIO_WORKER_THREADS;
                               --runs N (1) measures N runs in a row and gives the median and
                               worst p99
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = &args[args.len().min(1)..];
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(rest),
        Some("lab") => lab::run(rest),
        Some("corpus") => corpus(),
        Some("fuzz") => fuzz::run(rest),
        Some("fuzz-replay") => fuzz::replay(rest),
        Some("bench") => bench::run(rest),
        Some("bench-table") => bench::table(),
        Some("bench-resolver") => resolver_bench::run(rest),
        Some("bench-instructions") => bench::instruction_table(),
        Some("bench-bulk") => bulk_bench::run(rest),
        Some("bench-bulk-memory") => bulk_memory::run(rest),
        Some("bench-bulk-distinct") => bulk_distinct::run(rest),
        Some("bench-serve") => serve_bench::run(rest),
        Some("bench-loss") => loss_bench::run(rest),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

/// Runs a command from the workspace root, failing with its description if it fails.
fn run_command(command: &mut Command) -> Result<(), String> {
    command.current_dir(root());
    let status = command
        .status()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed with {status}"))
    }
}

/// Builds the release `dkim-doctor` and returns its path.
fn release_dkim_doctor() -> Result<PathBuf, String> {
    run_command(cargo().args(["build", "--release", "-p", "dkim-doctor"]))?;
    Ok(root().join("target/release/dkim-doctor"))
}

/// Waits for the child `pid` (spawned, not yet waited for) and returns its exit status (-1 when
/// a signal ended it) and its resource usage (CPU time, peak resident set size in KiB).
fn wait_with_rusage(pid: u32) -> Result<(i32, libc::rusage), String> {
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; pid is our own unreaped child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    if waited < 0 {
        return Err("wait4 failed".to_string());
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok((code, usage))
}

/// The number given after `flag` (`--lines 1000`), or the usage as the error.
fn flag_number(flag: &str, value: Option<&String>, usage: &str) -> Result<u64, String> {
    value
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{flag} takes a number\n{usage}"))
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn corpus() -> Result<(), String> {
    run_command(
        cargo()
            .args(["test", "-p", "dns-wire-benches", "--test", "corpus", "--"])
            .arg("corpus_files_are_what_the_generator_makes")
            .env("DNS_WIRE_WRITE_CORPUS", "1"),
    )?;
    println!("rewrote benches/data/*.bin; describe any new file in benches/data/README.md");
    Ok(())
}
