//! Properties of the codec over generated messages and arbitrary bytes.

mod common;

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
        let bytes = common::mutated(&msg, &edits);
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

/// The strategies' list of modelled types is exactly the set the parser gives a typed
/// variant (or refuses, for OPT outside the additional section): every other type reads back
/// as `RData::Unknown`.
#[test]
fn modelled_types_are_exactly_the_typed_ones() {
    use dns_wire::{RData, Record, RecordType};
    for t in 0..=u16::MAX {
        let rtype = RecordType(t);
        let mut msg = Message::default();
        msg.answers.push(Record::new(
            dns_wire::Name::root(),
            0,
            RData::Unknown {
                rtype,
                data: Vec::new(),
            },
        ));
        let typed = match Message::from_bytes(&msg.to_bytes()) {
            Ok(m) => !matches!(m.answers[0].data, RData::Unknown { .. }),
            Err(_) => true,
        };
        assert_eq!(
            typed,
            arbitrary::MODELLED_TYPES.contains(&rtype),
            "type {rtype}"
        );
    }
}
