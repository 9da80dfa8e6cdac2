//! Benchmark support for `dns-wire`: the committed corpus, its generator, and one "read every
//! field" visitor per library (dns-wire, hickory-proto, domain) so the three parsers are measured
//! doing the same work. See `BENCHMARKS.md` at the repository root.

pub mod encode;
pub mod generate;
pub mod visit;

use std::path::PathBuf;

/// Directory holding the committed corpus (`benches/data/*.bin`).
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// One corpus message.
pub struct Fixture {
    /// File stem, used as the benchmark id.
    pub name: String,
    /// The message bytes.
    pub bytes: Vec<u8>,
}

/// Reads every `*.bin` file of the corpus, sorted by name.
///
/// # Panics
/// If the directory cannot be read: the corpus is part of the repository.
pub fn corpus() -> Vec<Fixture> {
    let mut fixtures: Vec<Fixture> = std::fs::read_dir(data_dir())
        .expect("benches/data exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
        .map(|path| Fixture {
            name: path.file_stem().unwrap().to_string_lossy().into_owned(),
            bytes: std::fs::read(&path).expect("readable corpus file"),
        })
        .collect();
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    fixtures
}
