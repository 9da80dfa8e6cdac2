//! Parse, encode, parse: an accepted message encodes to bytes that parse back to an equal
//! message, and encoding that again gives the same bytes (so case and every field survive).
#![no_main]

use dns_wire::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(first) = Message::from_bytes(data) else {
        return;
    };
    let encoded = first.to_bytes();
    let second = match Message::from_bytes(&encoded) {
        Ok(second) => second,
        Err(e) => panic!("our own encoding does not parse: {e}\nmessage: {first:?}"),
    };
    assert_eq!(first, second, "parse-encode-parse changed the message");
    assert_eq!(
        encoded,
        second.to_bytes(),
        "encoding is not stable across a round trip"
    );
});
