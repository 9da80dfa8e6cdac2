//! The network-namespace harness of the integration tests in `tests/` and of `cargo xtask
//! bench-loss`.
//!
//! A test that needs a real network fault (lost packets, no IPv6 route, port 53 rejected or
//! dropped) cannot get one on the shared machine: it creates its own network namespace
//! ([`netns::Namespace`]), where only `lo` exists, so nothing it sends can leave the machine,
//! adds iptables rules there ([`netns::Fault`]), starts the lab's servers inside it
//! ([`lab::LabProcess`], the `lab-server` binary of this crate) and runs the real dkim-doctor
//! inside it too ([`doctor::Doctor`]). Every namespace is deleted when its guard is dropped,
//! after the processes in it are killed; every wait is bounded ([`process::run_bounded`]).
//!
//! The integration tests against the BIND lab and the in-process servers live in `tests/`.

pub mod doctor;
pub mod lab;
pub mod netns;
pub mod process;
