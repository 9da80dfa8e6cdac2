//! `ses` and `selector`, typed as a user would, with `--roots`/`--port` pointing at the
//! miniature internet served in this test process.

mod common;

use common::{assert_every_scenario_diagnosed, check_report, codes, lab, run, run_owned};
use dns_lab::scenarios::{SES_HEALTHY, SES_TOKENS};
use serde_json::Value;

/// The command line a user would type for a scenario, pointed at the lab.

#[test]
fn every_scenario_through_ses_and_selector_commands() {
    assert_every_scenario_diagnosed(&lab().args());
}

#[test]
fn pasted_token_forms_are_explained_not_rejected() {
    let domain = SES_HEALTHY;
    let forms = [
        SES_TOKENS[0].to_string(),
        format!("{}._domainkey.{domain}.", SES_TOKENS[1]),
        format!(
            "{}._domainkey.{domain} CNAME {}.dkim.amazonses.com",
            SES_TOKENS[2], SES_TOKENS[2]
        ),
    ];
    let mut args = vec!["ses".to_string(), domain.to_string()];
    for form in &forms {
        args.extend(["--token".to_string(), form.clone()]);
    }
    args.push("--json".into());
    args.extend(lab().args());
    let result = run_owned(&args);
    let doc = check_report(&result);
    assert_eq!(doc["verdict"], "pass", "{}", result.stdout);
    assert_eq!(result.code, 0);
    let notes = doc["notes"].as_array().unwrap();
    // Two tokens rewritten, and the SES zone taken from the pasted row's value.
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes
        .iter()
        .any(|n| n.as_str().unwrap().contains("record row")));
    assert!(notes
        .iter()
        .any(|n| n.as_str().unwrap().contains("took the SES DKIM zone")));

    // The human report says the same.
    let human_args: Vec<String> = args.iter().filter(|a| *a != "--json").cloned().collect();
    let human = run_owned(&human_args);
    assert!(
        human.stdout.contains("note: took the token"),
        "{}",
        human.stdout
    );
}

#[test]
fn selector_human_report_marks_records_and_ends_with_the_verdict() {
    let mut args = vec!["selector", "key-weak768.org", "mail", "--color", "never"];
    let lab_args = lab().args();
    args.extend(lab_args.iter().map(String::as_str));
    let result = run(&args);
    assert_eq!(result.code, 1);
    assert!(
        result.stdout.contains("✗ mail._domainkey.key-weak768.org."),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("key-weak"));
    assert!(result.stdout.contains("Fix:"));
    assert!(result.stdout.contains("Verdict: FAIL"));
}

#[test]
fn trace_option_adds_every_query() {
    let mut args = vec!["selector", "key-ed25519.org", "mail", "--json", "--trace"];
    let lab_args = lab().args();
    args.extend(lab_args.iter().map(String::as_str));
    let result = run(&args);
    let doc = check_report(&result);
    let trace = doc["trace"].as_array().expect("trace");
    assert_eq!(trace.len() as u64, doc["queries"].as_u64().unwrap());
    assert!(
        trace.iter().any(|q| q["zone"] == "."),
        "the walk from the root is in the trace"
    );
}

#[test]
fn trace_command_lists_every_server_of_every_zone() {
    let mut args = vec![
        "trace",
        "mail._domainkey.dkim-zone-cut.com",
        "TXT",
        "--json",
    ];
    let lab_args = lab().args();
    args.extend(lab_args.iter().map(String::as_str));
    let result = run(&args);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let doc: Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(doc["outcome"], "answer");
    let zones: Vec<&str> = doc["hops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["zone"].as_str().unwrap())
        .collect();
    assert_eq!(
        zones,
        [
            ".",
            "com.",
            "dkim-zone-cut.com.",
            "_domainkey.dkim-zone-cut.com."
        ]
    );
    for hop in doc["hops"].as_array().unwrap() {
        assert!(hop["servers"].as_array().unwrap().len() >= 2, "{hop}");
        for server in hop["servers"].as_array().unwrap() {
            assert!(server["result"].is_string() && server["address"].is_string());
        }
    }
    let answers = doc["answers"].as_array().unwrap();
    assert_eq!(answers[0]["type"], "TXT");
    assert!(answers[0]["data"]
        .as_str()
        .unwrap()
        .starts_with("\"v=DKIM1"));
    for key in ["name", "type", "ttl", "data"] {
        assert!(answers[0].get(key).is_some(), "answer has no {key}");
    }
}

#[test]
fn trace_of_a_name_that_does_not_exist_completes() {
    let mut args = vec!["trace", "nothing-here.ses-missing.com", "A", "--json"];
    let lab_args = lab().args();
    args.extend(lab_args.iter().map(String::as_str));
    let result = run(&args);
    assert_eq!(result.code, 0);
    let doc: Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(doc["outcome"], "nxdomain");
}

#[test]
fn watch_stops_at_once_when_the_check_passes() {
    let mut args = vec!["selector", "key-ed25519.org", "mail", "--watch", "1s"];
    let lab_args = lab().args();
    args.extend(lab_args.iter().map(String::as_str));
    let result = run(&args);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains("Verdict: PASS"));
    assert!(!result.stdout.contains("Watching"));
}

#[test]
fn watch_prints_only_changes_until_interrupted() {
    use std::process::{Command, Stdio};
    let mut args = vec![
        "selector",
        "key-revoked.org",
        "mail",
        "--watch",
        "1s",
        "--color",
        "never",
    ];
    let lab_args = lab().args();
    args.extend(lab_args.iter().map(String::as_str));
    let child = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    // Long enough for the first report and at least one more check.
    std::thread::sleep(std::time::Duration::from_millis(3500));
    let killed = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Ctrl-C: 130, the shell's convention for SIGINT.
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert_eq!(
        stdout.matches("Verdict: FAIL").count(),
        1,
        "full report once: {stdout}"
    );
    assert!(
        stdout.contains("Watching: checking again every 1 s"),
        "{stdout}"
    );
    assert!(stdout.contains("no change"), "{stdout}");
}

/// Writes `text` to a temporary file and returns its directory (kept alive) and path.
fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

#[test]
fn ses_from_the_identity_json_of_aws_sesv2() {
    // The shape of `aws sesv2 get-email-identity` output (constructed from the API's syntax).
    let json = format!(
        r#"{{
  "IdentityType": "DOMAIN",
  "VerifiedForSendingStatus": false,
  "DkimAttributes": {{
    "SigningEnabled": true,
    "Status": "PENDING",
    "Tokens": ["{}", "{}", "{}"],
    "SigningHostedZone": "dkim.amazonses.com",
    "SigningAttributesOrigin": "AWS_SES"
  }},
  "VerificationStatus": "PENDING",
  "VerificationInfo": {{
    "ErrorType": "HOST_NOT_FOUND",
    "SOARecord": {{"PrimaryNameServer": "ns1.dnshost.com", "AdminEmail": "hostmaster@ses-missing.com", "SerialNumber": 2026112601}}
  }}
}}"#,
        SES_TOKENS[0], SES_TOKENS[1], SES_TOKENS[2]
    );
    let (_dir, path) = temp_file("identity.json", &json);
    let mut args = vec![
        "ses".to_string(),
        "ses-missing.com".to_string(),
        "--identity-json".to_string(),
        path,
        "--json".to_string(),
    ];
    args.extend(lab().args());
    let result = run_owned(&args);
    let doc = check_report(&result);
    assert_eq!(doc["records"].as_array().unwrap().len(), 3);
    assert!(codes(&doc).contains(&"record-missing".to_string()), "{doc}");
    assert_eq!(result.code, 1);
    // What SES reported is set against the findings.
    assert_eq!(
        doc["ses_view"]["error_type"], "HOST_NOT_FOUND",
        "{}",
        doc["ses_view"]
    );
    assert!(doc["ses_view"]["matching"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "record-missing"));

    // The same JSON on stdin.
    let mut args = vec![
        "ses".to_string(),
        "ses-missing.com".to_string(),
        "--identity-json".to_string(),
        "-".to_string(),
        "--json".to_string(),
    ];
    args.extend(lab().args());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let piped = common::run_with(&refs, &[], Some(&json));
    assert_eq!(piped.code, 1, "{}", piped.stderr);
}

#[test]
fn ses_from_the_console_records_csv() {
    let csv = format!(
        "Type,Name,Value\n\
         CNAME,{t0}._domainkey.{d},{t0}.dkim.amazonses.com\n\
         CNAME,{t1}._domainkey.{d},{t1}.dkim.amazonses.com\n\
         CNAME,{t2}._domainkey.{d},{t2}.dkim.amazonses.com\n",
        t0 = SES_TOKENS[0],
        t1 = SES_TOKENS[1],
        t2 = SES_TOKENS[2],
        d = SES_HEALTHY
    );
    let (_dir, path) = temp_file("records.csv", &csv);
    let mut args = vec![
        "ses".to_string(),
        "--records-csv".to_string(),
        path,
        "--json".to_string(),
    ];
    args.extend(lab().args());
    let result = run_owned(&args);
    let doc = check_report(&result);
    assert_eq!(doc["domain"], SES_HEALTHY);
    assert_eq!(doc["verdict"], "pass");
    assert_eq!(result.code, 0);
}

/// `--resolver`: every question to one server with RD set. The lab's dnshost server stands in
/// for a resolver here: it holds the whole of selector-healthy.org, key included, and answers
/// without recursing, which is all a reduced check needs to see.
#[test]
fn a_reduced_check_through_a_resolver_says_what_it_cannot_see() {
    let resolver = format!("127.53.10.1:{}", lab().port);
    let args = [
        "selector",
        "selector-healthy.org",
        "google",
        "--json",
        "--trace",
        "--resolver",
        resolver.as_str(),
    ];
    let result = run(&args);
    let doc = check_report(&result);
    assert_eq!(doc["verdict"], "pass", "{}", result.stdout);
    assert_eq!(result.code, 0);
    let found = codes(&doc);
    assert!(found.iter().any(|c| c == "reduced-check"), "{found:?}");
    assert!(
        !found
            .iter()
            .any(|c| c == "lame-delegation" || c == "delegation-mismatch"),
        "{found:?}"
    );
    let reduced = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "reduced-check")
        .unwrap();
    let summary = reduced["summary"].as_str().unwrap();
    assert!(summary.contains(&resolver), "{summary}");
    assert!(
        summary.contains("not differences between servers"),
        "{summary}"
    );
    // Every query went to the resolver, none to the root or the zone's name servers.
    let trace = doc["trace"].as_array().expect("trace");
    assert!(!trace.is_empty());
    assert!(
        trace.iter().all(|q| q["address"] == "127.53.10.1"),
        "{trace:?}"
    );

    // A missing record is still found through the resolver.
    let missing = run(&[
        "selector",
        "selector-healthy.org",
        "nosuchselector",
        "--json",
        "--resolver",
        resolver.as_str(),
    ]);
    let doc = check_report(&missing);
    assert_eq!(doc["verdict"], "fail", "{}", missing.stdout);
    assert!(codes(&doc).iter().any(|c| c == "record-missing"));
}

#[test]
fn a_resolver_that_does_not_answer_is_a_network_problem_not_the_domains() {
    // Nothing listens on this loopback port: the queries are refused at once.
    let args = [
        "selector",
        "selector-healthy.org",
        "google",
        "--json",
        "--resolver",
        "127.0.0.1:9",
    ];
    let result = run(&args);
    let doc = check_report(&result);
    assert_eq!(doc["verdict"], "incomplete", "{}", result.stdout);
    assert_eq!(result.code, 3);
    assert_eq!(codes(&doc), ["network-unreachable"]);
}

/// `--validation-time` is the one clock DNSSEC is judged at: the lab's signed zones validate
/// at the lab's time, not after their signatures' window (2026-01-01 to 2037-01-01) nor
/// before it; a time that is not RFC 3339 is bad input.
#[test]
fn validation_time_sets_the_clock_of_dnssec() {
    let args = |time: &str| {
        let mut args: Vec<String> = [
            "selector",
            dns_lab::scenarios::DNSSEC_SECURE,
            "nosuch",
            "--json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // The lab's arguments with another time.
        let lab_args = lab().args();
        let at = lab_args
            .iter()
            .position(|a| a == "--validation-time")
            .unwrap();
        args.extend(lab_args[..at].iter().cloned());
        args.extend(lab_args[at + 2..].iter().cloned());
        args.extend(["--validation-time".to_string(), time.to_string()]);
        args
    };
    let at_lab_time = check_report(&run_owned(&args(&common::lab_time())));
    let codes_now = codes(&at_lab_time);
    assert!(
        codes_now.iter().any(|c| c == "dnssec-secure"),
        "{codes_now:?}"
    );
    for outside in ["2037-06-01T00:00:00Z", "2025-06-01T12:00:00+02:00"] {
        let report = check_report(&run_owned(&args(outside)));
        let found = codes(&report);
        assert!(
            found.iter().any(|c| c == "dnssec-signature-expired"),
            "{outside}: {found:?}"
        );
    }

    let bad = run_owned(&args("next tuesday"));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("RFC 3339"), "{}", bad.stderr);
}
