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

/// The seed corpus `cargo xtask fuzz` starts from: the benchmark corpus, the captures and the
/// synthetic seeds.
fn seeds() -> Vec<PathBuf> {
    let mut seeds = files_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/data"));
    seeds.extend(files_in(&data_dir().join("captured")));
    seeds.extend(files_in(&data_dir().join("synthetic")));
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
        fuzz_checks::view(&bytes);
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
        Some("view") => fuzz_checks::view(&bytes),
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

/// Seeds for record types no capture holds, built here so their bytes are known to be right;
/// `DNS_WIRE_WRITE_SEEDS=1 cargo test -p dns-wire --test fuzz_regressions synthetic` rewrites
/// the files in `tests/data/synthetic/`.
fn synthetic_seeds() -> Vec<(&'static str, dns_wire::Message)> {
    use dns_wire::{Message, Nsec3param, RData, Record, RecordType};
    let zone: dns_wire::Name = "example.net".parse().unwrap();
    let mut nsec3param = Message::query(0x5eed, zone.clone(), RecordType::NSEC3PARAM);
    nsec3param.header.response = true;
    nsec3param.header.authoritative = true;
    nsec3param.set_dnssec_ok(true);
    for (iterations, salt) in [(0, vec![]), (10, vec![0xAB, 0xCD, 0xEF, 0x01])] {
        nsec3param.answers.push(Record::new(
            zone.clone(),
            0,
            RData::Nsec3param(Nsec3param {
                hash_algorithm: 1,
                flags: 0,
                iterations,
                salt,
            }),
        ));
    }
    vec![("nsec3param.bin", nsec3param)]
}

#[test]
fn synthetic_seeds_are_current() {
    let dir = data_dir().join("synthetic");
    for (file, message) in synthetic_seeds() {
        let bytes = message.try_to_bytes().unwrap();
        let path = dir.join(file);
        if std::env::var_os("DNS_WIRE_WRITE_SEEDS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            committed, bytes,
            "{file} is stale: rewrite it (see synthetic_seeds)"
        );
        assert_eq!(dns_wire::Message::from_bytes(&committed).unwrap(), message);
    }
}
