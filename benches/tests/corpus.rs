//! The committed corpus is exactly what the generator makes, every file is documented, and the
//! three libraries read the same content from every file.
//!
//! Regenerate the files with `cargo xtask corpus` (sets `DNS_WIRE_WRITE_CORPUS=1`).

use dns_wire_benches::visit::{domain_visit, hickory_visit};
use dns_wire_benches::{corpus, data_dir, generate};

#[test]
fn corpus_files_are_what_the_generator_makes() {
    let write = std::env::var_os("DNS_WIRE_WRITE_CORPUS").is_some();
    let readme = std::fs::read_to_string(data_dir().join("README.md")).unwrap_or_default();
    for (stem, bytes) in generate::all() {
        let path = data_dir().join(format!("{stem}.bin"));
        if write {
            std::fs::write(&path, &bytes).unwrap();
            continue;
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run `cargo xtask corpus`", path.display()));
        assert!(
            committed == bytes,
            "{} differs from what the generator makes; run `cargo xtask corpus`",
            path.display()
        );
        assert!(
            readme.contains(&format!("`{stem}.bin`")),
            "benches/data/README.md does not describe {stem}.bin"
        );
    }
    assert_eq!(
        corpus().len(),
        generate::all().len(),
        "stray .bin files in benches/data"
    );
}

#[test]
fn hickory_and_domain_read_the_same_content() {
    for fixture in corpus() {
        let hickory = hickory_visit::visit(&fixture.bytes)
            .unwrap_or_else(|e| panic!("{}: hickory rejects it: {e}", fixture.name));
        let domain = domain_visit::visit(&fixture.bytes)
            .unwrap_or_else(|e| panic!("{}: domain rejects it: {e:?}", fixture.name));
        assert_eq!(hickory, domain, "{}: hickory vs domain", fixture.name);
        assert!(
            hickory.questions + hickory.answers + hickory.authority + hickory.additional > 0,
            "{}: empty",
            fixture.name
        );
    }
}
