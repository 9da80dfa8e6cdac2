//! Properties of the codec over generated messages and arbitrary bytes.

use dns_wire::{arbitrary, Message};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any message of the model encodes (strictly) and parses back equal.
    #[test]
    fn encode_then_parse_is_identity(msg in arbitrary::message()) {
        let bytes = msg.try_to_bytes().expect("strategies only build encodable messages");
        prop_assert_eq!(msg.to_bytes(), bytes.clone());
        let parsed = Message::from_bytes(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed, msg);
    }

    /// Arbitrary bytes never panic the parser.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Message::from_bytes(&bytes);
        let _ = Message::from_bytes_prefix(&bytes);
    }

    /// A valid message with some bytes mutated: the parser either refuses it or accepts a
    /// message that survives encode and parse unchanged.
    #[test]
    fn mutated_messages_parse_stably(
        msg in arbitrary::message(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = msg.to_bytes();
        for (at, value) in edits {
            let k = at.index(bytes.len());
            bytes[k] = value;
        }
        if let Ok(first) = Message::from_bytes(&bytes) {
            let again = Message::from_bytes(&first.to_bytes())
                .map_err(|e| TestCaseError::fail(format!("re-encoded message refused: {e}")))?;
            prop_assert_eq!(again, first);
        }
    }

    /// Every generated message prints without panicking and one line per record.
    #[test]
    fn display_prints_every_record(msg in arbitrary::message()) {
        let text = msg.to_string();
        let record_lines = text.lines().filter(|l| !l.is_empty() && !l.starts_with(';')).count();
        prop_assert_eq!(record_lines, msg.records().count());
    }
}
