//! Helpers shared by several integration tests.

pub mod fuzz_checks;

/// The encoding of `msg` with some octets changed: each edit sets the octet at an index
/// (scaled to the message's length) to a value.
// Not every includer mutates messages.
#[allow(dead_code)]
pub fn mutated(msg: &dns_wire::Message, edits: &[(proptest::sample::Index, u8)]) -> Vec<u8> {
    let mut bytes = msg.to_bytes();
    for (at, value) in edits {
        let k = at.index(bytes.len());
        bytes[k] = *value;
    }
    bytes
}
