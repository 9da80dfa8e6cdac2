//! `message FILE|-` on the lab's signed messages (dkimpy and libopendkim signed them; see
//! crates/dns-lab/mail), with `--roots`/`--port` pointing at the miniature internet served in
//! this test process, whose `dkim-signed.org` and `esp-mailer.net` zones hold their keys.

mod common;

use std::io::Write;

use common::{
    assert_snapshot, lab, mask_timing, parallel, run_owned, run_with, validate_check_json,
    with_lab, Run,
};
use serde_json::Value;

/// Writes `bytes` to a temporary file and runs `message` on it with `extra` arguments.
fn message(bytes: &[u8], extra: &[&str]) -> Run {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(bytes).expect("write message");
    let path = file.path().to_string_lossy().into_owned();
    let mut args = vec!["message", path.as_str(), "--color", "never"];
    args.extend_from_slice(extra);
    let run = run_owned(&with_lab(&args));
    drop(file);
    run
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr))
}

/// Asserts that `value` is an object with exactly the documented `keys`.
fn exact_keys(value: &Value, what: &str, keys: &[&str]) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {value}"));
    let mut got: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut want = keys.to_vec();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "{what}: the keys differ from the README's");
}

/// The documented shape of `message --json` (README, "`message --json`").
fn validate_message_json(doc: &Value) {
    exact_keys(
        doc,
        "the document",
        &[
            "check",
            "verdict",
            "message",
            "dmarc",
            "signatures",
            "notes",
            "queries",
            "elapsed_ms",
        ],
    );
    assert_eq!(doc["check"], "message");
    assert!(["pass", "fail", "incomplete"].contains(&doc["verdict"].as_str().unwrap()));
    exact_keys(
        &doc["message"],
        "message",
        &[
            "bytes",
            "format",
            "line_endings",
            "from",
            "from_domain",
            "subject",
            "list_id",
            "signatures",
        ],
    );
    exact_keys(
        &doc["dmarc"],
        "dmarc",
        &[
            "from_domain",
            "organizational_domain",
            "relaxed",
            "strict",
            "aligned_signatures",
            "summary",
        ],
    );
    assert!(doc["notes"].is_array() && doc["queries"].is_u64() && doc["elapsed_ms"].is_u64());
    for signature in doc["signatures"].as_array().unwrap() {
        exact_keys(
            signature,
            "signatures[]",
            &[
                "index",
                "domain",
                "selector",
                "algorithm",
                "canonicalization",
                "identity",
                "signed_headers",
                "body_length",
                "timestamp",
                "expiration",
                "result",
                "reason",
                "summary",
                "fix",
                "problems",
                "warnings",
                "body",
                "key",
                "alignment",
                "dns",
            ],
        );
        exact_keys(
            &signature["body"],
            "body",
            &[
                "status",
                "expected",
                "computed",
                "canonical_length",
                "signed_length",
                "change",
            ],
        );
        if !signature["body"]["change"].is_null() {
            exact_keys(
                &signature["body"]["change"],
                "body.change",
                &["kind", "appended_bytes", "appended_start", "summary"],
            );
        }
        for problem in signature["problems"].as_array().unwrap() {
            exact_keys(problem, "problems[]", &["code", "summary"]);
        }
        if !signature["key"].is_null() {
            exact_keys(
                &signature["key"],
                "key",
                &["name", "record", "key", "servers"],
            );
            for server in signature["key"]["servers"].as_array().unwrap() {
                exact_keys(server, "key.servers[]", &["server", "holds", "outcome"]);
                exact_keys(
                    &server["server"],
                    "key.servers[].server",
                    &["name", "address"],
                );
            }
        }
        if !signature["alignment"].is_null() {
            exact_keys(&signature["alignment"], "alignment", &["strict", "relaxed"]);
        }
        if !signature["dns"].is_null() {
            validate_check_json(&signature["dns"]);
            assert_eq!(signature["dns"]["check"], "selector");
        }
    }
}

#[test]
fn every_lab_message_gets_the_expected_result_and_exit_code() {
    let jobs: Vec<Box<dyn FnOnce() -> Option<String> + Send>> = dns_lab::mail::EXPECTED
        .iter()
        .map(|&(name, expected)| {
            Box::new(move || check_lab_message(name, expected))
                as Box<dyn FnOnce() -> Option<String> + Send>
        })
        .collect();
    let failures: Vec<String> = parallel(jobs, 4).into_iter().flatten().collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs one lab message through `message --json`: a line saying what differs, if anything.
fn check_lab_message(name: &str, expected: &[&str]) -> Option<String> {
    let bytes = dns_lab::mail::message(name).unwrap();
    let run = message(bytes, &["--json"]);
    let doc = json(&run);
    validate_message_json(&doc);
    let got: Vec<String> = doc["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap_or("pass").to_string())
        .collect();
    let all_pass = expected.iter().all(|e| *e == "pass");
    let want_code = if all_pass { 0 } else { 1 };
    if got != expected || run.code != want_code {
        Some(format!(
            "{name}: {got:?} exit {} (expected {expected:?} exit {want_code})",
            run.code
        ))
    } else {
        None
    }
}

#[test]
fn a_key_problem_shows_the_selector_diagnosis() {
    let run = message(dns_lab::mail::message("key-missing.eml").unwrap(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.contains("Signature 1"), "{out}");
    assert!(out.contains("key-missing"), "{out}");
    assert!(out.contains("DNS diagnosis of the key"), "{out}");
    // The selector report itself, per authoritative server.
    assert!(
        out.contains("record-missing") && out.contains("ns1.dnshost.com"),
        "{out}"
    );
    assert!(out.contains("Verdict: FAIL"), "{out}");

    let doc = json(&message(
        dns_lab::mail::message("key-missing.eml").unwrap(),
        &["--json"],
    ));
    let dns = &doc["signatures"][0]["dns"];
    assert_eq!(dns["verdict"], "fail");
    assert!(dns["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "record-missing"));
}

#[test]
fn a_passing_message_reports_alignment_and_a_footer_is_explained() {
    let run = message(dns_lab::mail::message("three-signatures.eml").unwrap(), &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("Verdict: PASS  (signatures passing: 3 of 3)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("DMARC: DKIM passes for DMARC"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("DNS diagnosis"), "{}", run.stdout);

    let doc = json(&message(
        dns_lab::mail::message("footer-added.eml").unwrap(),
        &["--json"],
    ));
    let signature = &doc["signatures"][0];
    assert_eq!(signature["result"], "fail");
    assert_eq!(signature["body"]["change"]["kind"], "appended");
    assert_eq!(doc["message"]["list_id"], "Team <team.lists.example.net>");
    assert_eq!(doc["dmarc"]["relaxed"], false);
}

#[test]
fn stdin_and_mbox_with_lf_line_endings() {
    let text = String::from_utf8(dns_lab::mail::message("mbox-lf.mbox").unwrap().to_vec()).unwrap();
    let args = with_lab(&["message", "-", "--json"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_with(&args, &[], Some(&text));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = json(&run);
    assert_eq!(doc["message"]["format"], "mbox");
    assert_eq!(doc["message"]["line_endings"], "lf");
    assert!(!doc["notes"].as_array().unwrap().is_empty());
}

#[test]
fn an_unreachable_key_is_incomplete() {
    // The signature names a domain whose servers never answer; the body is intact, so
    // nothing but the key is in doubt.
    let text = String::from_utf8(
        dns_lab::mail::message("dkimpy-rsa-relaxed.eml")
            .unwrap()
            .to_vec(),
    )
    .unwrap()
    .replacen("d=dkim-signed.org", "d=unreachable-dns.com", 1)
    .replacen("i=@dkim-signed.org", "i=@unreachable-dns.com", 1);
    let run = message(text.as_bytes(), &["--json"]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let doc = json(&run);
    assert_eq!(doc["verdict"], "incomplete");
    assert_eq!(doc["signatures"][0]["reason"], "key-unavailable");
}

#[test]
fn what_is_not_a_message_is_bad_input_in_one_sentence() {
    let cases: [&[u8]; 3] = [b"", b"hello, this is not mail\n", b"\x00\x01\x02"];
    for bytes in cases {
        let run = message(bytes, &[]);
        assert_eq!(run.code, 2, "{:?}: {}", bytes, run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.starts_with("dkim-doctor: "), "{}", run.stderr);
    }
    let missing = run_owned(&with_lab(&["message", "/nonexistent/message.eml"]));
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("cannot read"), "{}", missing.stderr);
}

#[test]
fn a_file_over_the_size_bound_is_refused_without_reading_it_all() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..65 {
        file.write_all(&chunk).unwrap();
    }
    let path = file.path().to_string_lossy().into_owned();
    let run = run_owned(&with_lab(&["message", &path]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("larger than 64 MiB"), "{}", run.stderr);
}

#[test]
fn an_unsigned_message_fails() {
    let run = message(
        b"From: a@dkim-signed.org\r\nSubject: hi\r\n\r\nbody\r\n",
        &["--json"],
    );
    assert_eq!(run.code, 1);
    let doc = json(&run);
    assert_eq!(doc["signatures"].as_array().unwrap().len(), 0);
    assert!(doc["notes"][0]
        .as_str()
        .unwrap()
        .contains("no DKIM-Signature"));
    let _ = lab();
}

#[test]
fn a_signing_domain_that_does_not_exist_is_a_missing_key() {
    let text = String::from_utf8(
        dns_lab::mail::message("dkimpy-rsa-relaxed.eml")
            .unwrap()
            .to_vec(),
    )
    .unwrap()
    .replacen("d=dkim-signed.org", "d=no-such-domain.com", 1)
    .replacen("i=@dkim-signed.org", "i=@no-such-domain.com", 1);
    let run = message(text.as_bytes(), &["--json"]);
    let doc = json(&run);
    assert_eq!(
        doc["signatures"][0]["reason"], "key-missing",
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
}

/// The human report's layout, for messages whose keys are fine (the selector report nested
/// under a key problem has snapshots of its own).
#[test]
fn human_reports_match_their_snapshots() {
    for (name, snapshot) in [
        ("three-signatures.eml", "message-three-signatures.txt"),
        ("footer-added.eml", "message-footer-added.txt"),
        ("subject-tagged.eml", "message-subject-tagged.txt"),
    ] {
        let run = message(dns_lab::mail::message(name).unwrap(), &[]);
        assert_snapshot(snapshot, &mask_timing(&run.stdout));
    }
}
