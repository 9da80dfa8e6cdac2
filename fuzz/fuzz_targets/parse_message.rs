//! Any bytes: the parser returns a message or a typed error, never panics, and an accepted
//! message can be encoded and printed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = dns_wire::Message::from_bytes(data) {
        let _ = msg.to_bytes();
        let _ = format!("{msg:?}");
    }
});
