//! `ses --identity-json` with the identity's custom MAIL FROM domain and DMARC, `--mail-from`
//! and `--no-dmarc`, typed as a user would against the miniature internet served in this
//! test process.

mod common;

use common::{check_report, codes, lab, run_owned};
use dns_lab::scenarios::{
    IDENTITY_DIR, MAIL_FROM_HEALTHY, MAIL_FROM_MX_MISSING, SES_HEALTHY, SES_TOKENS,
};

fn identity(file: &str) -> String {
    format!("{IDENTITY_DIR}/{file}")
}

fn ses(args: &[&str]) -> common::Run {
    let mut argv: Vec<String> = std::iter::once("ses")
        .chain(args.iter().copied())
        .map(str::to_string)
        .collect();
    argv.extend(lab().args());
    run_owned(&argv)
}

#[test]
fn the_identity_json_names_its_domain_or_the_argument_does() {
    let file = identity("mail-from-healthy.json");
    let without = ses(&["--identity-json", &file, "--json"]);
    let doc = check_report(&without);
    assert_eq!((without.code, doc["verdict"].as_str()), (0, Some("pass")));
    assert_eq!(doc["domain"], MAIL_FROM_HEALTHY);
    assert_eq!(doc["mail_from"]["domain"], "bounce.mail-from-healthy.com.");
    assert_eq!(doc["mail_from"]["ses_status"], "SUCCESS");
    assert_eq!(doc["mail_from"]["mx"]["status"], "ok");
    assert_eq!(doc["mail_from"]["spf"]["lookups"], 1);
    assert_eq!(doc["dmarc"]["policy"]["policy"], "quarantine");
    assert_eq!(doc["dmarc"]["spf"]["aligned"], true);

    let with = ses(&[MAIL_FROM_HEALTHY, "--identity-json", &file, "--json"]);
    let same = check_report(&with);
    assert_eq!(same["verdict"], doc["verdict"]);
    assert_eq!(same["mail_from"], doc["mail_from"]);

    // Another domain than the file's is refused in one sentence.
    let other = ses(&[SES_HEALTHY, "--identity-json", &file]);
    assert_eq!(other.code, 2, "{}", other.stdout);
    assert!(
        other.stderr.contains("not for ses-healthy.com"),
        "{}",
        other.stderr
    );
    assert_eq!(other.stderr.trim().lines().count(), 1, "{}", other.stderr);

    // The plain sesv2 output does not name the domain: without the argument, one sentence.
    let plain = identity("dmarc-missing.json");
    let unnamed = ses(&["--identity-json", &plain]);
    assert_eq!(unnamed.code, 2);
    assert!(
        unnamed.stderr.contains("give the domain"),
        "{}",
        unnamed.stderr
    );
}

#[test]
fn behavior_on_mx_failure_sets_the_exit_code_and_the_fix_is_the_record() {
    let rejecting = ses(&[
        "--identity-json",
        &identity("mail-from-mx-missing.json"),
        "--json",
    ]);
    let doc = check_report(&rejecting);
    assert_eq!(rejecting.code, 1);
    assert_eq!(doc["domain"], MAIL_FROM_MX_MISSING);
    // What DNSSEC says of the signed lab is beside the point here.
    let mail_codes: Vec<String> = codes(&doc)
        .into_iter()
        .filter(|c| !c.starts_with("dnssec-"))
        .collect();
    assert_eq!(mail_codes, ["mail-from-mx-missing", "trailing-dot"]);
    assert_eq!(doc["findings"][0]["severity"], "error");
    let action = doc["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["codes"][0] == "mail-from-mx-missing")
        .expect("an action creates the MX");
    assert_eq!(action["kind"], "create");
    assert_eq!(action["record"]["type"], "MX");
    assert_eq!(action["record"]["form_name"], "bounce");
    assert_eq!(
        action["record"]["zone_line"],
        "bounce.mail-from-mx-missing.com. IN MX 10 feedback-smtp.<region>.amazonses.com."
    );
    // With --region, the endpoint is spelled out.
    let regional = ses(&[
        "--identity-json",
        &identity("mail-from-mx-missing.json"),
        "--region",
        "eu-west-1",
        "--json",
    ]);
    let doc = check_report(&regional);
    assert_eq!(
        doc["mail_from"]["expected_mx"],
        "10 feedback-smtp.eu-west-1.amazonses.com."
    );

    // USE_DEFAULT_VALUE: a warning that says where the mail goes; the verdict passes.
    let default = ses(&[
        "--identity-json",
        &identity("mail-from-other-region.json"),
        "--color",
        "never",
    ]);
    assert_eq!(default.code, 0, "{}", default.stdout);
    assert!(
        default.stdout.contains("mail-from-mx-other-region"),
        "{}",
        default.stdout
    );
    assert!(
        default.stdout.contains("MAIL FROM under amazonses.com"),
        "{}",
        default.stdout
    );
    assert!(default
        .stdout
        .contains("Verdict: PASS  (0 errors, 1 warning)"));
}

#[test]
fn mail_from_option_adds_the_check_to_a_token_check() {
    let mut args = vec![MAIL_FROM_HEALTHY.to_string()];
    for token in SES_TOKENS {
        args.extend(["--token".to_string(), token.to_string()]);
    }
    args.extend(
        [
            "--mail-from",
            "Bounce.Mail-From-Healthy.com.",
            "--region",
            "us-east-1",
            "--json",
        ]
        .map(str::to_string),
    );
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = ses(&argv);
    let doc = check_report(&result);
    assert_eq!(result.code, 0, "{}", result.stdout);
    assert_eq!(doc["mail_from"]["domain"], "bounce.mail-from-healthy.com.");
    assert_eq!(doc["mail_from"]["region"], "us-east-1");
    assert!(doc["mail_from"]["ses_status"].is_null());
    assert_eq!(
        doc["mail_from"]["behavior_on_mx_failure"],
        "USE_DEFAULT_VALUE"
    );

    let bad = ses(&[
        MAIL_FROM_HEALTHY,
        "--token",
        SES_TOKENS[0],
        "--mail-from",
        "bad name",
    ]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains(": --mail-from: "), "{}", bad.stderr);
}

/// The queries of the MAIL FROM and DMARC probes in a report's trace: the names they ask
/// (the MAIL FROM domain, `_dmarc`, the SPF include), however the walks of the run raced;
/// not DNSSEC's questions about zones' keys (measured on their own in dkim-rules'
/// lab_scenarios).
fn mail_queries(doc: &serde_json::Value) -> usize {
    doc["trace"]
        .as_array()
        .expect("a trace")
        .iter()
        .filter(|q| q["type"] != "DNSKEY" && q["type"] != "DS")
        .filter(|q| {
            let name = q["name"].as_str().unwrap_or_default();
            name.starts_with("bounce.") || name.starts_with("_dmarc.") || name == "amazonses.com."
        })
        .count()
}

/// The cost of MAIL FROM and DMARC on top of the DKIM check alone, on the same identity: the
/// issue's bound is 12 queries. The reports' totals also move with how the concurrent walks
/// of a run race for shared zone cuts, so the queries are counted by name in the trace
/// (BENCHMARKS.md has both).
#[test]
fn no_dmarc_leaves_it_out_and_the_mail_checks_cost_at_most_twelve_queries() {
    let file = identity("mail-from-healthy.json");
    let full = check_report(&ses(&["--identity-json", &file, "--json", "--trace"]));
    let mut tokens = Vec::new();
    for token in SES_TOKENS {
        tokens.extend(["--token", token]);
    }
    let mut dkim_args = vec![MAIL_FROM_HEALTHY];
    dkim_args.extend(&tokens);
    dkim_args.extend(["--no-dmarc", "--json", "--trace"]);
    let dkim_only = check_report(&ses(&dkim_args));
    assert!(dkim_only["dmarc"].is_null() && dkim_only["mail_from"].is_null());
    assert_eq!(dkim_only["records"], full["records"]);
    assert_eq!(mail_queries(&dkim_only), 0);
    // MX, TXT and _dmarc TXT of both servers, and amazonses.com's SPF record.
    assert_eq!(mail_queries(&full), 7);

    let selector = run_owned(&{
        let mut a: Vec<String> = [
            "selector",
            "key-ed25519.org",
            "mail",
            "--no-dmarc",
            "--json",
        ]
        .map(str::to_string)
        .to_vec();
        a.extend(lab().args());
        a
    });
    assert!(check_report(&selector)["dmarc"].is_null());
}
