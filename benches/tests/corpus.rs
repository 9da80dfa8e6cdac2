//! The committed corpus is exactly what the generator makes, every file is documented, and the
//! three libraries read the same content from every file.
//!
//! Regenerate the files with `cargo xtask corpus` (sets `DNS_WIRE_WRITE_CORPUS=1`).

use dns_wire_benches::visit::{
    dns_wire_model_visit, dns_wire_visit, domain_visit, hickory_visit, Work,
};
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

/// The three visitors (and dns-wire's owned-model visitor) read the same counts and checksum
/// from every file, and feed the hash the same calls (numbers, strings of the same lengths, names, items): the same work per field.
#[test]
fn every_visitor_reads_every_field_the_same_way() {
    for fixture in corpus() {
        let name = &fixture.name;
        let ours = dns_wire_visit::visit_counting::<Work>(&fixture.bytes)
            .unwrap_or_else(|e| panic!("{name}: dns-wire rejects it: {e}"));
        let hickory = hickory_visit::visit_counting::<Work>(&fixture.bytes)
            .unwrap_or_else(|e| panic!("{name}: hickory rejects it: {e}"));
        let domain = domain_visit::visit_counting::<Work>(&fixture.bytes)
            .unwrap_or_else(|e| panic!("{name}: domain rejects it: {e:?}"));
        let model = dns_wire_model_visit::visit_counting::<Work>(&fixture.bytes)
            .unwrap_or_else(|e| panic!("{name}: dns-wire's model rejects it: {e}"));
        assert_eq!(hickory, domain, "{name}: hickory vs domain");
        assert_eq!(ours, hickory, "{name}: dns-wire vs hickory");
        assert_eq!(model, ours, "{name}: dns-wire's model vs its view");
        assert!(
            ours.questions + ours.answers + ours.authority + ours.additional > 0,
            "{name}: empty"
        );
        // Every item hashes at least its tag, and every record at least one field after its
        // owner, type, class and TTL: nothing was skipped.
        let records = (ours.answers + ours.authority + ours.additional) as u64;
        assert_eq!(
            ours.work.items,
            1 + ours.questions as u64 + records + u64::from(ours.edns),
            "{name}"
        );
        assert!(ours.work.names >= ours.questions as u64 + records, "{name}");
        // The uncounted visit is the same visit.
        let plain = dns_wire_visit::visit(&fixture.bytes).unwrap();
        assert_eq!(plain.checksum, ours.checksum, "{name}");
        assert_eq!(
            domain_visit::visit(&fixture.bytes).unwrap().checksum,
            ours.checksum
        );
        assert_eq!(
            hickory_visit::visit(&fixture.bytes).unwrap().checksum,
            ours.checksum
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
