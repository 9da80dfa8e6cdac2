//! Bad input gets one clear sentence on stderr and exit code 2, never a panic; input that can
//! be understood (a non-ASCII domain) is converted, not refused. None of these reach a server:
//! `--roots` points at a loopback address where nothing answers, with a short timeout.

mod common;

use common::{run, run_with, Run};

/// Loopback, nothing listening: a check that got past input validation would end
/// `incomplete` (3), never 2.
const NOWHERE: [&str; 6] = ["--roots", "127.0.0.9", "--port", "9", "--timeout", "100ms"];

fn with_nowhere(args: &[&str]) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend_from_slice(&NOWHERE);
    run(&all)
}

fn assert_bad_input(result: &Run, needle: &str) {
    assert_eq!(
        result.code, 2,
        "stdout {} stderr {}",
        result.stdout, result.stderr
    );
    assert!(result.stdout.is_empty(), "stdout: {}", result.stdout);
    let stderr = result.stderr.trim_end();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{needle:?} not in {stderr:?}"
    );
}

fn assert_one_sentence(result: &Run) {
    let stderr = result.stderr.trim_end();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("dkim-doctor: "), "{stderr}");
}

#[test]
fn invalid_domain_characters() {
    let result = with_nowhere(&["selector", "exa mple.com", "s1"]);
    assert_bad_input(&result, "cannot hold");
    assert_one_sentence(&result);
    let result = with_nowhere(&["selector", "exa$mple.com", "s1"]);
    assert_bad_input(&result, "cannot hold");
}

#[test]
fn label_longer_than_63() {
    let long = format!("{}.com", "a".repeat(64));
    let result = with_nowhere(&["selector", &long, "s1"]);
    assert_bad_input(&result, "at most 63");
    assert_one_sentence(&result);
}

#[test]
fn empty_label() {
    let result = with_nowhere(&["ses", "example..com", "--token", "abc"]);
    assert_bad_input(&result, "empty label");
}

#[test]
fn token_with_spaces() {
    let result = with_nowhere(&["ses", "example.com", "--token", "abc def"]);
    assert_bad_input(&result, "spaces");
    assert_one_sentence(&result);
}

#[test]
fn token_for_another_domain() {
    let result = with_nowhere(&["ses", "example.com", "--token", "abc._domainkey.other.org"]);
    assert_bad_input(&result, "other.org");
}

#[test]
fn ses_without_tokens_or_domain() {
    assert_bad_input(&with_nowhere(&["ses", "example.com"]), "--token");
    assert_bad_input(&with_nowhere(&["ses"]), "needs the domain");
}

#[test]
fn unreadable_identity_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("identity.json");
    std::fs::write(&path, "{ not json").unwrap();
    let result = with_nowhere(&[
        "ses",
        "example.com",
        "--identity-json",
        path.to_str().unwrap(),
    ]);
    assert_bad_input(&result, "identity JSON");
    assert_one_sentence(&result);
}

#[test]
fn identity_json_from_stdin_that_is_not_json() {
    let mut args: Vec<&str> = vec!["ses", "example.com", "--identity-json", "-"];
    args.extend_from_slice(&NOWHERE);
    let result = run_with(&args, &[], Some("hello"));
    assert_bad_input(&result, "identity JSON");
}

#[test]
fn missing_file() {
    let result = with_nowhere(&["ses", "--records-csv", "/nonexistent/records.csv"]);
    assert_bad_input(&result, "cannot read /nonexistent/records.csv");
    assert_one_sentence(&result);
    let result = run(&["bulk", "/nonexistent/domains.csv"]);
    assert_bad_input(&result, "cannot read");
}

#[test]
fn bad_record_type_for_trace() {
    let result = with_nowhere(&["trace", "example.com", "BOGUS"]);
    assert_bad_input(&result, "not a record type");
}

#[test]
fn clap_usage_errors_exit_2() {
    assert_eq!(run(&["selector", "example.com"]).code, 2);
    assert_eq!(run(&["--timeout", "0", "demo"]).code, 2);
    assert_eq!(run(&["-4", "-6", "demo"]).code, 2);
    assert_eq!(run(&["no-such-command"]).code, 2);
    assert_eq!(run(&["--roots", "ns1.example.com", "trace", "x"]).code, 2);
}

#[test]
fn family_flag_without_a_matching_root() {
    let result = run(&["-6", "--roots", "127.0.0.1", "trace", "example.com"]);
    assert_bad_input(&result, "IPv6");
}

#[test]
fn non_ascii_domain_becomes_a_labels() {
    let result = with_nowhere(&["selector", "Bücher.Example", "s1", "--json"]);
    assert_ne!(result.code, 2, "{}", result.stderr);
    let doc: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(doc["domain"], "xn--bcher-kva.example");
    // Nothing answers at 127.0.0.9: the check is incomplete, not a pass.
    assert_eq!(doc["verdict"], "incomplete");
    assert_eq!(result.code, 3);
}

#[test]
fn help_and_version_exit_0() {
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Exit codes"));
    assert_eq!(run(&["--version"]).code, 0);
}

// Input taken as pasted (issue 13): each form reaches the check (exit 3 against NOWHERE, never
// 2) with the token or selector it means, and a note saying how it was read.

const TOKEN: &str = "xtk53kxcy4p3t6ztbrffs6d54rsrrhh6";

/// The JSON report of a check that got past input validation, with its records' names and
/// notes.
fn understood(args: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut all = args.to_vec();
    all.push("--json");
    let result = with_nowhere(&all);
    assert_eq!(result.code, 3, "{args:?}: {}", result.stderr);
    let doc: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let names = doc["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    let notes = doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    (names, notes)
}

#[test]
fn every_pasted_token_form_checks_the_token() {
    let expected = format!("{TOKEN}._domainkey.example.com.");
    let name = format!("{TOKEN}._domainkey.example.com");
    let value = format!("{TOKEN}.dkim.amazonses.com");
    let forms = [
        TOKEN.to_string(),
        format!("{name}."),
        format!("{TOKEN}._domainkey"),
        format!("{name}.example.com"),
        value.clone(),
        format!("{name} CNAME {value}"),
        format!("CNAME\t{name}\t{value}"),
        format!("CNAME,{name},{value}"),
        format!("{value} {name} CNAME"),
        format!("{name}. 1800 IN CNAME {value}."),
        format!("Type\tName\tValue\nCNAME\t{name}\t{value}"),
        format!("Record name,Record type,Record value\n{name},CNAME,{value}"),
    ];
    for form in forms {
        let (names, notes) = understood(&["ses", "example.com", "--token", &form]);
        assert_eq!(names, std::slice::from_ref(&expected), "{form:?}");
        if form != TOKEN {
            assert!(!notes.is_empty(), "{form:?}: no note");
        }
        assert!(
            !names.iter().any(|n| n.starts_with("type.")),
            "{form:?}: the header was read as a token"
        );
    }
}

#[test]
fn every_pasted_selector_form_checks_the_selector() {
    for form in [
        "s1",
        "s1.",
        "s1._domainkey",
        "s1._domainkey.example.com",
        "s1._domainkey.example.com.",
        "TXT s1._domainkey.example.com \"v=DKIM1; p=MIIB\"",
        "Type,Name,Value\nCNAME,s1._domainkey,s1.domainkey.u1.wl.sendgrid.net",
    ] {
        let (names, notes) = understood(&["selector", "example.com", form]);
        assert_eq!(names, ["s1._domainkey.example.com."], "{form:?}");
        assert_eq!(notes.is_empty(), form == "s1", "{form:?}: {notes:?}");
    }
}

#[test]
fn a_row_that_cannot_be_read_is_refused_in_one_sentence() {
    let result = with_nowhere(&[
        "ses",
        "example.com",
        "--token",
        "CNAME www.example.com x.example.net",
    ]);
    assert_bad_input(&result, "no field is a record name");
    assert_one_sentence(&result);
    let result = with_nowhere(&["selector", "example.com", "s1._domainkey.example.org"]);
    assert_bad_input(&result, "not of example.com");
}

#[test]
fn an_ip_address_is_not_a_domain() {
    for ip in ["192.0.2.1", "2001:db8::1", "[2001:db8::1]"] {
        let result = with_nowhere(&["ses", ip, "--token", TOKEN]);
        assert_bad_input(&result, "is an IP address, not a domain");
        assert_one_sentence(&result);
    }
    let result = with_nowhere(&["selector", "192.0.2.1", "s1"]);
    assert_bad_input(&result, "is an IP address, not a domain");
    let result = with_nowhere(&[
        "ses",
        "example.com",
        "--token",
        TOKEN,
        "--expect-ns",
        "192.0.2.53",
    ]);
    assert_bad_input(&result, "give the name server's host name");
}

#[test]
fn an_unknown_region_is_refused_with_the_list() {
    let result = with_nowhere(&["ses", "example.com", "--token", TOKEN, "--region", "mars-1"]);
    assert_bad_input(&result, "\"mars-1\" is not an SES region");
    assert!(result.stderr.contains("eu-west-1/2/3"), "{}", result.stderr);
    assert_one_sentence(&result);
    // Shaped like an AWS region, newer than the table: accepted, with a note saying so.
    let (_, notes) = understood(&[
        "ses",
        "example.com",
        "--token",
        TOKEN,
        "--region",
        "ap-southeast-9",
    ]);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("not in this tool's SES region table")),
        "{notes:?}"
    );
}

#[test]
fn the_help_says_when_domain_may_be_omitted_and_it_is_true() {
    let help = run(&["ses", "--help"]).stdout;
    assert!(
        help.contains("It may be left out only with --records-csv"),
        "{help}"
    );
    // get-email-identity output does not name the domain: without DOMAIN, exit 2.
    let dir = tempfile::tempdir().unwrap();
    let v2 = dir.path().join("v2.json");
    std::fs::write(
        &v2,
        format!(r#"{{"DkimAttributes": {{"SigningEnabled": true, "Tokens": ["{TOKEN}"]}}}}"#),
    )
    .unwrap();
    let result = with_nowhere(&["ses", "--identity-json", v2.to_str().unwrap()]);
    assert_bad_input(&result, "give the domain");
    // The CSV names it: no DOMAIN needed.
    let csv = dir.path().join("records.csv");
    std::fs::write(
        &csv,
        format!(
            "Type,Name,Value\nCNAME,{TOKEN}._domainkey.example.com,{TOKEN}.dkim.amazonses.com\n"
        ),
    )
    .unwrap();
    let (names, _) = understood(&["ses", "--records-csv", csv.to_str().unwrap()]);
    assert_eq!(names, [format!("{TOKEN}._domainkey.example.com.")]);
    // So does `aws ses get-identity-dkim-attributes` output for one identity.
    let v1 = dir.path().join("v1.json");
    std::fs::write(
        &v1,
        format!(
            r#"{{"DkimAttributes": {{"example.com": {{"DkimEnabled": true, "DkimVerificationStatus": "Pending", "DkimTokens": ["{TOKEN}"]}}}}}}"#
        ),
    )
    .unwrap();
    let (names, _) = understood(&["ses", "--identity-json", v1.to_str().unwrap()]);
    assert_eq!(names, [format!("{TOKEN}._domainkey.example.com.")]);
}

#[test]
fn errors_stay_short_whatever_the_input() {
    // One argument is at most 128 KiB on Linux.
    let huge = "x".repeat(100_000);
    for args in [
        vec!["ses", "example.com", "--token", huge.as_str()],
        vec!["selector", huge.as_str(), "s1"],
        vec!["selector", "example.com", huge.as_str()],
    ] {
        let result = with_nowhere(&args);
        assert_eq!(result.code, 2);
        assert_one_sentence(&result);
        assert!(
            result.stderr.chars().count() <= 301,
            "{}",
            result.stderr.len()
        );
        assert!(result.stderr.contains('…'), "{}", result.stderr);
    }
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("one-line.csv");
    std::fs::write(&csv, "y".repeat(2_000_000)).unwrap();
    let result = run(&["bulk", csv.to_str().unwrap()]);
    assert!(
        result.stderr.len() < 1000,
        "{} bytes on stderr",
        result.stderr.len()
    );
    let result = with_nowhere(&["ses", "--records-csv", "/nonexistent/records.csv"]);
    assert!(!result.stderr.contains("os error"), "{}", result.stderr);
}
