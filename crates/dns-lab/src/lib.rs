//! `dns-lab`: the project's simulated internet.
//!
//! One Rust description ([`internet::miniature_internet`], a [`Network`] of zones and servers
//! on 127.53.0.0/16) drives two things:
//!
//! - **in-process servers** ([`serve`], [`demo::start`]): tokio UDP+TCP authoritative servers
//!   with correct authoritative semantics ([`authority`]), on any port, needing no root; each
//!   server can instead be hostile ([`Behaviour`]: silent, garbage, wrong ID, wrong source,
//!   TC forever, cut TCP stream, compression loop, referral circles, slow, no AA). A server may
//!   listen on an IPv6 address too ([`Server::ipv6`]). They power `dkim-doctor demo`, the
//!   hostile-server tests and, with the [`fixtures`] networks (dual-stack servers, a referral
//!   fanning out to thousands of NS names), the network-namespace tests.
//! - **the BIND lab** ([`bind::render`]): `named.conf` and zone files for `cargo xtask lab up`,
//!   which serves the same zones from a real authoritative server on port 53 (the signed
//!   zones with the same Rust-made signatures and denial chains).
//! - **a validating resolver** ([`unbound::render`]): Unbound with the lab's trust anchor and
//!   time, for the tests that compare the DNSSEC verdicts with Unbound's.
//!
//! [`scenarios`] names every domain and the finding each must produce; [`relay`] adds
//! latency per hop (there is no `tc netem` here); [`probe`] is a tiny client for tests.
//!
//! # Why BIND for the real-server lab
//!
//! The lab exists to check the tool against an implementation that is not ours, so a bug in
//! our answering logic cannot hide a bug in our resolver. BIND 9 is the reference authoritative
//! server and Debian ships it (`bind9`, with `dig` in `bind9-dnsutils`). One `named` process can
//! play every server at once: a `view` per address selected with `match-destinations`, so two
//! servers of the same zone can hold different copies (the inconsistent-servers case) and a
//! view without zones answers REFUSED (the lame case), all with one config file, one pid and
//! one query log that records each query's destination address. NSD has no views (it would
//! need one process per address), and Knot's per-address configuration is not as direct. The
//! hostile behaviours are things no real server does on purpose, so they live in process.
//!
//! # Rules the description obeys ([`Network::validate`])
//!
//! Every zone has an SOA and NS at its apex; no server serves both a zone and one of its
//! descendants (or there would be no referral to follow); every NS host is a lab server.

#![warn(missing_docs)]

pub mod authority;
pub mod bind;
pub mod build;
pub mod demo;
pub mod fixtures;
pub mod internet;
pub mod keys;
pub mod mail;
pub mod network;
pub mod probe;
pub mod relay;
pub mod scenarios;
pub mod server;
pub mod signing;
pub mod simnet;
pub mod unbound;
pub mod zonefile;

pub use network::{Behaviour, HostedZone, Network, NetworkError, Server, Zone};
pub use server::{serve, LabError, RunningLab};
