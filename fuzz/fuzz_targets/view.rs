//! Fuzz target `view`; the property is `checks::view` in
//! crates/dns-wire/tests/common/fuzz_checks.rs, which tests/fuzz_regressions.rs also replays.
#![no_main]

#[path = "../../crates/dns-wire/tests/common/fuzz_checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::view(data));
