//! `Message::parse` and `verify_message` never panic, whatever the bytes: random input, and
//! signed lab messages with random bytes flipped, cut or inserted.

use dkim_rules::message::{verify_message, Message, SignatureResult};
use proptest::prelude::*;

fn lab_message() -> impl Strategy<Value = Vec<u8>> {
    (0..dns_lab::mail::MESSAGES.len()).prop_map(|i| dns_lab::mail::MESSAGES[i].1.to_vec())
}

fn verify_never_panics(bytes: &[u8]) {
    if let Ok(message) = Message::parse(bytes) {
        let report = verify_message(&message, &[], 1_800_000_000);
        // Without keys nothing can pass.
        assert!(report
            .signatures
            .iter()
            .all(|s| s.result != SignatureResult::Pass));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        verify_never_panics(&bytes);
    }

    #[test]
    fn header_like_lines(lines in proptest::collection::vec("[A-Za-z-]{0,12}:?[ \t]?[ -~]{0,40}", 0..20)) {
        let mut text = lines.join("\r\n");
        text.push_str("\r\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=; b=\r\n\r\nbody");
        verify_never_panics(text.as_bytes());
    }

    #[test]
    fn mutated_lab_messages(
        message in lab_message(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = message;
        for (at, byte, kind) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        verify_never_panics(&bytes);
    }
}
