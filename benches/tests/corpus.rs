//! The committed corpus is exactly what the generator makes, every file is documented, and the
//! three libraries read the same content from every file.
//!
//! Regenerate the files with `cargo xtask corpus` (sets `DNS_WIRE_WRITE_CORPUS=1`).

use dns_wire_benches::visit::{dns_wire_visit, domain_visit, hickory_visit};
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

/// Each library's encoder, fed its own model of a corpus message, writes bytes that read back
/// (in hickory-proto) to the same content as the original; prints the sizes, which show how
/// hard each compressed.
#[test]
fn every_encoder_keeps_the_content() {
    use dns_wire_benches::encode;
    for fixture in corpus() {
        let models = encode::Models::new(&fixture.bytes);
        let expected = hickory_visit::visit(&fixture.bytes).unwrap();
        let by_dns_wire = encode::dns_wire(&models.dns_wire);
        let by_hickory = encode::hickory(&models.hickory);
        let by_domain = encode::domain(&models.domain);
        assert_eq!(
            hickory_visit::visit(&by_dns_wire).unwrap(),
            expected,
            "{}: dns-wire",
            fixture.name
        );
        let hickory_read = hickory_visit::visit(&by_hickory).unwrap();
        if fixture.name == "ptr_2000" {
            // hickory-proto stops compressing after 120 names, so 2000 PTR records no longer
            // fit in 65535 octets: it drops the records that do not fit and sets TC.
            let reparsed = hickory_proto::op::Message::from_vec(&by_hickory).unwrap();
            assert!(
                reparsed.metadata.truncation,
                "ptr_2000: hickory did not set TC"
            );
            assert!(hickory_read.answers < expected.answers && by_hickory.len() > 60_000);
        } else {
            assert_eq!(hickory_read, expected, "{}: hickory", fixture.name);
        }
        assert_eq!(
            hickory_visit::visit(&by_domain).unwrap(),
            expected,
            "{}: domain",
            fixture.name
        );
        println!(
            "{}: original {} octets, dns-wire {}, hickory {}, domain {}",
            fixture.name,
            fixture.bytes.len(),
            by_dns_wire.len(),
            by_hickory.len(),
            by_domain.len()
        );
    }
}
#[test]
fn dns_wire_reads_the_same_content_as_hickory_and_domain() {
    for fixture in corpus() {
        let ours = dns_wire_visit::visit(&fixture.bytes)
            .unwrap_or_else(|e| panic!("{}: dns-wire rejects it: {e}", fixture.name));
        let hickory = hickory_visit::visit(&fixture.bytes).unwrap();
        assert_eq!(ours, hickory, "{}: dns-wire vs hickory", fixture.name);
    }
}
