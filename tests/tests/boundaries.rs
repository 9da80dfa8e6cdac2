//! The crate boundaries ARCHITECTURE.md promises, checked: `dns-wire` without its `io` feature
//! and `dkim-rules` build without tokio (`cargo tree`, no network: `--offline`), and
//! `dkim-rules`' sources open no socket or file and read no clock.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_path_buf()
}

/// The packages (name and version, one a line) `args` resolves, by `cargo tree`.
fn cargo_tree(args: &[&str]) -> Vec<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace())
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args(["--format", "{p}"])
        .args(args)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn has_tokio(packages: &[String]) -> bool {
    packages.iter().any(|p| p.starts_with("tokio "))
}

#[test]
fn dns_wire_without_io_and_dkim_rules_have_no_tokio() {
    // The control: the default build of dns-wire does pull tokio in, so the check below can
    // tell the difference.
    let with_io = cargo_tree(&["-p", "dns-wire"]);
    assert!(has_tokio(&with_io), "{with_io:?}");

    let codec = cargo_tree(&["-p", "dns-wire", "--no-default-features"]);
    assert!(
        codec.iter().any(|p| p.starts_with("dns-wire ")),
        "{codec:?}"
    );
    assert!(!has_tokio(&codec), "dns-wire without `io`: {codec:?}");

    let rules = cargo_tree(&["-p", "dkim-rules"]);
    assert!(
        rules.iter().any(|p| p.starts_with("dns-wire ")),
        "{rules:?}"
    );
    assert!(!has_tokio(&rules), "dkim-rules: {rules:?}");
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Each `file: word` where a source file under `dir` (of the workspace, more than ten files)
/// uses one of `words` in its library code. Unit tests beside the code may read fixtures and
/// spawn tasks; only what comes before `#[cfg(test)]` is bound.
fn library_uses(dir: &str, words: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    sources(&workspace().join(dir), &mut files);
    assert!(files.len() > 10, "{files:?}");
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        let library = text.split("#[cfg(test)]").next().unwrap_or("");
        for word in words {
            if library.contains(word) {
                found.push(format!("{}: {word}", file.display()));
            }
        }
    }
    found
}

#[test]
fn dkim_rules_sources_open_no_socket_or_file_and_read_no_clock() {
    // What doing I/O would take in std; tokio is kept out by the test above.
    let forbidden = [
        "std::fs",
        "std::net::TcpStream",
        "std::net::UdpSocket",
        "std::net::TcpListener",
        "std::process",
        "std::env::var",
        "Instant::now",
        "SystemTime::now",
    ];
    let found = library_uses("crates/dkim-rules/src", &forbidden);
    assert!(found.is_empty(), "dkim-rules does I/O: {found:?}");
}

#[test]
fn the_cli_spawns_no_task_for_the_work_and_holds_no_dns_machinery() {
    // The check and the trace run as dkim-rules' and dns-wire's machines, driven by dns-wire's
    // resolver; the CLI only awaits them. (bulk's input reader is a thread reading lines, not
    // a task of the check.)
    let forbidden = [
        "JoinSet",
        "tokio::spawn",
        "spawn_blocking",
        "resolver::Walk",
        "Walk::new",
        "transport::query",
        "follow_up_probes",
    ];
    let found = library_uses("crates/dkim-doctor/src", &forbidden);
    assert!(found.is_empty(), "the CLI orchestrates DNS work: {found:?}");
}
