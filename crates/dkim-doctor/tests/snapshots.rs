//! The human output, compared exactly with the files in tests/snapshots (color off; the
//! closing "N queries in N ms" line and the demo network's port masked). `UPDATE_SNAPSHOTS=1 cargo test -p dkim-doctor
//! --test snapshots` rewrites them after an intended change; review the diff.

mod common;

use common::{assert_snapshot, lab, mask_timing, run, run_owned};

fn demo_snapshot(scenario: &str, extra: &[&str]) {
    // A generous timeout: every snapshot scenario's servers answer, and a loaded machine must
    // not turn a slow answer into a lame server.
    let mut args = vec!["demo", scenario, "--color", "never", "--timeout", "2s"];
    args.extend_from_slice(extra);
    let result = run(&args);
    assert!(result.stderr.is_empty(), "{}", result.stderr);
    let suffix = if extra.is_empty() { "" } else { "-verbose" };
    assert_snapshot(
        &format!("demo-{scenario}{suffix}.txt"),
        &mask_port(&mask_timing(&result.stdout)),
    );
}

/// The demo's own network listens on a free port, different each run: `--port N`.
fn mask_port(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("--port ") {
        out.push_str(&rest[..at + "--port ".len()]);
        rest = &rest[at + "--port ".len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('N');
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

// The verdict-first layout (issue 13): one scenario per main cause.

#[test]
fn demo_ses_missing() {
    demo_snapshot("ses-missing", &[]);
}

#[test]
fn demo_ses_duplicated() {
    demo_snapshot("ses-duplicated", &[]);
}

#[test]
fn demo_ses_txt_instead() {
    demo_snapshot("ses-txt-instead", &[]);
}

#[test]
fn demo_ses_healthy() {
    demo_snapshot("ses-healthy", &[]);
}

#[test]
fn demo_ses_partial() {
    demo_snapshot("ses-partial", &[]);
}

#[test]
fn demo_ses_swapped() {
    demo_snapshot("ses-swapped", &[]);
}

#[test]
fn demo_lame() {
    demo_snapshot("lame", &[]);
}

#[test]
fn demo_ns_mismatch() {
    demo_snapshot("ns-mismatch", &[]);
}

#[test]
fn demo_moved_to_route53() {
    demo_snapshot("moved-to-route53", &[]);
}

#[test]
fn demo_dkim_zone_cut() {
    demo_snapshot("dkim-zone-cut", &[]);
}

#[test]
fn demo_key_multiple() {
    demo_snapshot("key-multiple", &[]);
}

#[test]
fn demo_key_empty() {
    // An empty TXT at the selector itself: its own finding, no "X leads to X", no "expected
    // target" (no CNAME is involved).
    demo_snapshot("key-empty", &[]);
}

#[test]
fn demo_key_pkcs1() {
    demo_snapshot("key-pkcs1", &[]);
}

#[test]
fn demo_brevo_verbose() {
    demo_snapshot("brevo", &["--verbose"]);
}

#[test]
fn trace_through_a_dkim_zone_cut() {
    let mut args: Vec<String> = [
        "trace",
        "mail._domainkey.dkim-zone-cut.com",
        "TXT",
        "--color",
        "never",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(lab().args());
    let result = run_owned(&args);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_snapshot("trace-dkim-zone-cut.txt", &mask_timing(&result.stdout));
}

#[test]
fn demo_mail_from_healthy() {
    demo_snapshot("mail-from-healthy", &[]);
}

#[test]
fn demo_mail_from_mx_missing() {
    demo_snapshot("mail-from-mx-missing", &[]);
}

#[test]
fn demo_spf_too_many() {
    demo_snapshot("spf-too-many", &[]);
}

#[test]
fn demo_dmarc_strict() {
    demo_snapshot("dmarc-strict", &[]);
}
