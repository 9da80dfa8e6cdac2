//! Helpers shared by several integration tests.

pub mod fuzz_checks;
