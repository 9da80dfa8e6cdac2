//! The key decoder against real keys made with OpenSSL (public parts in tests/keys/).

use dkim_rules::{
    judge_key_record, parse_key_record, Deviation, KeyRecordError, KeyType, PublicKey, Severity,
};
use dns_wire::Name;

fn key(file: &str) -> String {
    let path = format!("{}/tests/keys/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .trim()
        .to_string()
}

#[test]
fn rsa_sizes_from_spki_and_pkcs1() {
    for bits in [512u32, 768, 1024, 2048, 4096] {
        for form in ["spki", "pkcs1"] {
            let p = key(&format!("rsa-{bits}.{form}.b64"));
            let record = parse_key_record(format!("v=DKIM1; k=rsa; p={p}").as_bytes())
                .unwrap_or_else(|e| panic!("rsa-{bits}.{form}: {e}"));
            assert_eq!(record.key, PublicKey::Rsa { bits }, "rsa-{bits}.{form}");
            assert_eq!(record.key_type, KeyType::Rsa);
        }
    }
}

#[test]
fn split_strings_and_whitespace_inside_p_are_accepted() {
    let p = key("rsa-2048.spki.b64");
    // As a DNS host stores it: 255-octet strings, joined without a separator.
    let record = format!("v=DKIM1; k=rsa; p={p}");
    let strings: Vec<&[u8]> = record.as_bytes().chunks(255).collect();
    assert!(strings.len() >= 2);
    let joined = strings.concat();
    assert_eq!(
        parse_key_record(&joined).unwrap().key,
        PublicKey::Rsa { bits: 2048 }
    );
    // Folding whitespace inside the base64 (RFC 6376 allows it).
    let folded: String = p
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n\t");
    assert_eq!(
        parse_key_record(format!("p={folded}").as_bytes())
            .unwrap()
            .key,
        PublicKey::Rsa { bits: 2048 }
    );
}

#[test]
fn truncated_keys_are_malformed() {
    let p = key("rsa-2048.spki.b64");
    for cut in [8, 100, 255, p.len() - 4] {
        let err = parse_key_record(format!("p={}", &p[..cut]).as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                KeyRecordError::NotRsaKey(_) | KeyRecordError::Base64(_)
            ),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn ed25519_raw_and_wrong_forms() {
    let raw = key("ed25519.raw.b64");
    let record = parse_key_record(format!("v=DKIM1; k=ed25519; p={raw}").as_bytes()).unwrap();
    assert_eq!(record.key, PublicKey::Ed25519);
    let spki = key("ed25519.spki.b64");
    assert_eq!(
        parse_key_record(format!("k=ed25519; p={spki}").as_bytes()).unwrap_err(),
        KeyRecordError::Ed25519Length(44)
    );
    assert!(matches!(
        parse_key_record(format!("k=rsa; p={spki}").as_bytes()).unwrap_err(),
        KeyRecordError::KeyTypeMismatch { .. }
    ));
    // No k= means rsa: a raw ed25519 key is then not an RSA key.
    assert!(matches!(
        parse_key_record(format!("p={raw}").as_bytes()).unwrap_err(),
        KeyRecordError::NotRsaKey(_)
    ));
}

// The six classes of issue 14, each against what dkimpy, libopendkim and Mail::DKIM do (the
// measured verdicts are in tests/keyrecords/verdicts.tsv).

fn codes(record: &str) -> Vec<(String, Severity)> {
    let at: Name = "sel._domainkey.example.com".parse().unwrap();
    let mut out: Vec<(String, Severity)> = judge_key_record(&[record.as_bytes().to_vec()], &at)
        .into_iter()
        .map(|f| (f.code.as_str().to_string(), f.severity))
        .collect();
    out.sort();
    out
}

fn one(code: &str, severity: Severity) -> Vec<(String, Severity)> {
    vec![(code.to_string(), severity)]
}

#[test]
fn false_pass_on_a_useless_h_tag() {
    let p = key("rsa-2048.spki.b64");
    // sha0, sha512 and an a= value typed into h= name no hash a signature uses; so does
    // SHA-256 (the hash is "sha256", compared without regard to case, with no hyphen).
    for h in ["sha0", "sha512", "rsa-sha256", "SHA-256", "md5:sha512"] {
        let record = format!("v=DKIM1; h={h}; k=rsa; p={p}");
        let parsed = parse_key_record(record.as_bytes()).unwrap();
        assert!(parsed.has_no_usable_hash(), "h={h}");
        assert!(!parsed.allows_hash("sha256"), "h={h}");
        assert_eq!(
            codes(&record),
            one("key-hash-unusable", Severity::Error),
            "h={h}"
        );
    }
    // SHA1 alone in any case is still the SHA-1 finding, not this one.
    for h in ["sha1", "SHA1:sha512"] {
        let record = format!("v=DKIM1; h={h}; p={p}");
        assert!(codes(&record).contains(&("key-sha1-only".into(), Severity::Error)));
        assert!(!codes(&record).iter().any(|(c, _)| c == "key-hash-unusable"));
    }
    // sha256 in upper case is legal (ABNF literals are case-insensitive) and OpenDKIM takes
    // it, but Mail::DKIM does not: a warning that names it.
    let upper = format!("v=DKIM1; h=SHA256; p={p}");
    assert!(parse_key_record(upper.as_bytes())
        .unwrap()
        .allows_hash("sha256"));
    assert_eq!(codes(&upper), one("key-nonstandard", Severity::Warning));
    for h in ["sha256", "sha1:sha256", "sha256:sha512"] {
        assert_eq!(codes(&format!("v=DKIM1; h={h}; p={p}")), vec![], "h={h}");
    }
}

#[test]
fn false_pass_on_a_pkcs1_rsa_public_key() {
    for bits in [1024u32, 2048, 4096] {
        let pkcs1 = key(&format!("rsa-{bits}.pkcs1.b64"));
        let spki = key(&format!("rsa-{bits}.spki.b64"));
        let record = parse_key_record(format!("v=DKIM1; k=rsa; p={pkcs1}").as_bytes()).unwrap();
        // The portable form given to the user is exactly what OpenSSL writes as the
        // SubjectPublicKeyInfo of the same key.
        assert_eq!(
            record.deviations,
            [Deviation::Pkcs1RsaKey {
                spki_base64: spki.clone()
            }],
            "rsa-{bits}"
        );
        let message = record.deviations[0].to_string();
        assert!(
            message.contains("OpenDKIM") && message.contains("dkimpy"),
            "{message}"
        );
        // The SubjectPublicKeyInfo itself has no such warning.
        let portable = parse_key_record(format!("v=DKIM1; k=rsa; p={spki}").as_bytes()).unwrap();
        assert!(portable.deviations.is_empty());
    }
    let pkcs1 = key("rsa-2048.pkcs1.b64");
    assert_eq!(
        codes(&format!("v=DKIM1; p={pkcs1}")),
        one("key-format-unportable", Severity::Warning)
    );
}

#[test]
fn false_pass_on_an_empty_tag_spec() {
    let p = key("rsa-2048.spki.b64");
    for (record, at) in [
        (format!("v=DKIM1;; k=rsa; p={p}"), 8),
        (format!("v=DKIM1; ; k=rsa; p={p}"), 9),
        (format!("; v=DKIM1; k=rsa; p={p}"), 0),
    ] {
        assert_eq!(
            parse_key_record(record.as_bytes()).unwrap_err(),
            KeyRecordError::EmptyTagSpec { offset: at },
            "{record}"
        );
        assert_eq!(codes(&record), one("key-malformed", Severity::Error));
        let name: Name = "sel._domainkey.example.com".parse().unwrap();
        let finding = &judge_key_record(&[record.as_bytes().to_vec()], &name)[0];
        assert!(
            finding.summary.contains("OpenDKIM and dkimpy"),
            "{}",
            finding.summary
        );
        assert!(
            finding.fix.contains(&format!("semicolon at byte {at}")),
            "{}",
            finding.fix
        );
    }
    // A trailing ";" (with or without whitespace) is in the grammar.
    for record in [format!("v=DKIM1; p={p};"), format!("v=DKIM1; p={p} ; \t")] {
        assert_eq!(codes(&record), vec![], "{record}");
    }
}

#[test]
fn false_fail_on_records_that_verify() {
    let p = key("rsa-2048.spki.b64");
    // A quote, an apostrophe or a backslash in n= is legal qp-section text: no finding.
    for n in ["\"quoted\"", "it's", "a\\b", "see(below"] {
        assert_eq!(
            codes(&format!("v=DKIM1; k=rsa; n={n}; p={p}")),
            vec![],
            "n={n}"
        );
    }
    // RFC violations the verifiers accept: usable, with a warning naming who fails them.
    for (record, deviation, named) in [
        (
            format!("k=rsa; v=DKIM1; p={p}"),
            Deviation::VersionNotFirst,
            "mailauth",
        ),
        (
            format!("v=DKIM1; x-note=1; p={p}"),
            Deviation::TagNameCharacters {
                name: "x-note".into(),
            },
            "strict parser",
        ),
        (
            format!("v=DKIM1; h=sha1:sha 256; p={p}"),
            Deviation::WhitespaceInListItem {
                tag: "h".into(),
                item: "sha 256".into(),
            },
            "Mail::DKIM",
        ),
        (
            format!("v=DKIM1; p=\"{p}\""),
            Deviation::QuotesInKey,
            "go-msgauth",
        ),
    ] {
        let parsed =
            parse_key_record(record.as_bytes()).unwrap_or_else(|e| panic!("{record}: {e}"));
        assert_eq!(parsed.key, PublicKey::Rsa { bits: 2048 }, "{record}");
        assert_eq!(parsed.deviations, [deviation], "{record}");
        assert!(parsed.deviations[0].to_string().contains(named), "{record}");
        assert_eq!(
            codes(&record),
            one("key-nonstandard", Severity::Warning),
            "{record}"
        );
    }
    // The spaces inside "sha 256" are dropped as OpenDKIM drops them: SHA-256 is allowed.
    let spaced = parse_key_record(format!("h=sha1:sha 256; p={p}").as_bytes()).unwrap();
    assert!(spaced.allows_hash("sha256") && !spaced.is_sha1_only());
    // What every verifier refuses stays an error: quotes around the whole record (the first
    // tag is then named "v), and quotes in a value that means something.
    for record in [
        format!("\"v=DKIM1; p={p}\""),
        format!("v=DKIM1; k=\"rsa\"; p={p}"),
        "v=DKIM1; p=\"MIIBIjAN\"".to_string(),
    ] {
        assert!(
            matches!(
                parse_key_record(record.as_bytes()),
                Err(KeyRecordError::Quotes { .. })
            ),
            "{record}"
        );
    }
}

#[test]
fn missed_warning_for_t_upper_y() {
    let p = key("rsa-2048.spki.b64");
    for t in ["y", "Y", "s:Y", "Y : s"] {
        let record = format!("v=DKIM1; t={t}; p={p}");
        assert!(
            parse_key_record(record.as_bytes()).unwrap().is_testing(),
            "t={t}"
        );
        assert_eq!(
            codes(&record),
            one("key-testing", Severity::Warning),
            "t={t}"
        );
    }
    assert_eq!(codes(&format!("v=DKIM1; t=s; p={p}")), vec![]);
}

#[test]
fn wrong_words_for_an_empty_txt_at_the_selector() {
    let at: Name = "sel._domainkey.example.com".parse().unwrap();
    for strings in [vec![b"".to_vec()], vec![b" ".to_vec(), b"".to_vec()]] {
        let findings = judge_key_record(&strings, &at);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(f.code.as_str(), "key-record-empty");
        assert_eq!(f.severity, Severity::Error);
        // No CNAME is involved: the words say so, not "X leads to X".
        assert!(!f.summary.contains("leads to"), "{}", f.summary);
        assert!(
            f.summary.contains("sel._domainkey.example.com"),
            "{}",
            f.summary
        );
    }
}
