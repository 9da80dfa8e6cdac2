//! The key decoder against real keys made with OpenSSL (public parts in tests/keys/).

use dkim_rules::{parse_key_record, KeyRecordError, KeyType, PublicKey};

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
