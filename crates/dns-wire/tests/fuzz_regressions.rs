//! Replays, under plain `cargo test`, what the fuzzers (`fuzz/`, `cargo xtask fuzz`) check:
//! every seed input through every fuzz property, and every input that ever crashed a fuzz
//! target as a named test of its own (files in `tests/data/fuzz-crashes/`, named
//! `<target>-<what it was>`).

mod common;

use std::path::{Path, PathBuf};

use common::fuzz_checks;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    files
}

/// The seed corpus `cargo xtask fuzz` starts from: the benchmark corpus and the captures.
fn seeds() -> Vec<PathBuf> {
    let mut seeds = files_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/data"));
    seeds.extend(files_in(&data_dir().join("captured")));
    assert!(seeds.len() >= 30, "seed corpus went missing");
    seeds
}

#[test]
fn seeds_pass_every_fuzz_property() {
    for seed in seeds() {
        let bytes = std::fs::read(&seed).unwrap();
        let name = seed.display().to_string();
        // Seeds are well formed: they must also be accepted, or the round trip proves nothing.
        assert!(
            dns_wire::Message::from_bytes(&bytes).is_ok(),
            "{name} is rejected"
        );
        fuzz_checks::parse_message(&bytes);
        fuzz_checks::roundtrip(&bytes);
        // As preserve_rdata input: the first two octets as a type, the rest as rdata.
        fuzz_checks::preserve_rdata(&bytes);
    }
}

/// Runs the fuzz property named by the file's `<target>-` prefix on a committed crash input.
// Unused while the crash list is empty.
#[allow(dead_code)]
fn replay(file: &str) {
    let path = data_dir().join("fuzz-crashes").join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match file.split_once('-').map(|(target, _)| target) {
        Some("parse_message") => fuzz_checks::parse_message(&bytes),
        Some("roundtrip") => fuzz_checks::roundtrip(&bytes),
        Some("preserve_rdata") => fuzz_checks::preserve_rdata(&bytes),
        _ => panic!("{file}: name must start with parse_message-, roundtrip- or preserve_rdata-"),
    }
}

/// One named test per crash file; `every_crash_file_has_a_test` keeps the list complete.
macro_rules! crash_regressions {
    ($($test:ident => $file:literal,)*) => {
        const CRASH_FILES: &[&str] = &[$($file),*];
        $(
            #[test]
            fn $test() {
                replay($file);
            }
        )*
    };
}

crash_regressions! {}

#[test]
fn every_crash_file_has_a_test() {
    let dir = data_dir().join("fuzz-crashes");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        assert!(
            CRASH_FILES.contains(&name.as_str()),
            "{name} has no named test in tests/fuzz_regressions.rs"
        );
    }
}
