//! Integration tests against the lab live in `tests/tests/`.
