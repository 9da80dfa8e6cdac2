//! `trace` shows the chain of trust (issue 16, criterion 6): against the signed lab served in
//! this process, validated from the lab's trust anchor at the lab's time.

mod common;

use common::{assert_snapshot, lab, mask_timing, run_owned, Run};
use dns_lab::scenarios::{
    DNSSEC_HALF_SIGNED, DNSSEC_MOVED, DNSSEC_SECURE, DNSSEC_UNSIGNED, SES_TOKENS,
};
use serde_json::Value;

use dns_lab::signing::LAB_TIME;

/// The lab's trust anchor in a file, kept for the whole test binary.
fn anchor_file() -> &'static std::path::Path {
    static FILE: std::sync::OnceLock<tempfile::NamedTempFile> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), dns_lab::signing::trust_anchor() + "\n").expect("write");
        file
    })
    .path()
}

fn trace(name: &str, rtype: &str, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["trace".into(), name.into(), rtype.into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(lab().network_args());
    run_owned(&args)
}

/// `trace` validated from the lab's anchor at `time`, with `extra` options.
fn trace_at(name: &str, rtype: &str, time: &str, extra: &[&str]) -> Run {
    let anchor = anchor_file().to_str().unwrap().to_string();
    let mut args = vec!["--trust-anchor", &anchor, "--validation-time", time];
    args.extend_from_slice(extra);
    trace(name, rtype, &args)
}

/// `trace --json` validated from the lab's anchor at the lab's time.
fn validated(name: &str, rtype: &str) -> Value {
    let result = trace_at(name, rtype, LAB_TIME, &["--json"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    serde_json::from_str(&result.stdout).unwrap_or_else(|e| panic!("{e}: {}", result.stdout))
}

fn token_name(domain: &str) -> String {
    format!("{}._domainkey.{domain}", SES_TOKENS[0])
}

fn hop<'a>(doc: &'a Value, zone: &str) -> &'a Value {
    doc["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["zone"] == zone)
        .unwrap_or_else(|| panic!("no hop {zone} in {doc}"))
}

fn server_answers(hop: &Value) -> Vec<&str> {
    hop["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["dnssec"]["answer"]["status"].as_str().unwrap_or("none"))
        .collect()
}

#[test]
fn a_signed_domain_is_secure_from_the_anchor_down() {
    let doc = validated(&token_name(DNSSEC_SECURE), "CNAME");
    assert_eq!(doc["dnssec"]["status"], "secure", "{}", doc["dnssec"]);
    assert_eq!(doc["dnssec"]["validation_time"], 1_796_083_200u64);
    assert!(doc["dnssec"]["signatures_checked"].as_u64().unwrap() > 0);

    let root = hop(&doc, ".");
    assert_eq!(root["dnssec"]["ds_source"], "anchor");
    assert_eq!(root["dnssec"]["status"], "secure");
    // The anchor is the root's DS: its key is the SEP key, and the zone key is not named.
    let keys = root["dnssec"]["dnskeys"].as_array().unwrap();
    assert!(keys
        .iter()
        .any(|k| k["sep"] == true && k["matched_by_ds"] == true && k["flags"] == 257));
    assert!(keys
        .iter()
        .any(|k| k["sep"] == false && k["matched_by_ds"] == false && k["flags"] == 256));

    for zone in ["com.", "dnssec-secure.com."] {
        let h = hop(&doc, zone);
        assert_eq!(h["dnssec"]["status"], "secure", "{zone}: {}", h["dnssec"]);
        assert_eq!(h["dnssec"]["ds_source"], "parent");
        let ds = h["dnssec"]["ds"].as_array().unwrap();
        assert!(!ds.is_empty(), "{zone}");
        for d in ds {
            assert_eq!(d["matches_key"], true, "{zone}: {d}");
            assert_eq!(d["algorithm_name"], "ED25519");
            assert_eq!(d["digest_type"], 2);
            // The DS names a key the zone publishes, with the same tag.
            assert!(h["dnssec"]["dnskeys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["key_tag"] == d["key_tag"] && k["matched_by_ds"] == true));
        }
        for server in h["servers"].as_array().unwrap() {
            assert_eq!(server["dnssec"]["keys"]["status"], "secure", "{server}");
        }
        assert!(server_answers(h).iter().all(|s| *s == "secure"), "{zone}");
    }
    // The referrals above validated too (a DS in each).
    assert!(server_answers(hop(&doc, "."))
        .iter()
        .all(|s| *s == "secure"));
}

#[test]
fn a_moved_domain_shows_the_ds_that_matches_no_key() {
    let doc = validated(&token_name(DNSSEC_MOVED), "CNAME");
    assert_eq!(doc["dnssec"]["status"], "bogus");
    assert!(doc["dnssec"]["reason"]
        .as_str()
        .unwrap()
        .contains("matches its DS"));
    assert_eq!(hop(&doc, "com.")["dnssec"]["status"], "secure");
    let moved = &hop(&doc, "dnssec-moved.com.")["dnssec"];
    assert_eq!(moved["status"], "bogus", "{moved}");
    assert_eq!(moved["ds_source"], "parent");
    let ds = moved["ds"].as_array().unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0]["matches_key"], false);
    let keys = moved["dnskeys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "the new host's KSK and ZSK: {keys:?}");
    assert!(keys.iter().all(|k| k["matched_by_ds"] == false));
    assert!(keys.iter().all(|k| k["key_tag"] != ds[0]["key_tag"]));
    let h = hop(&doc, "dnssec-moved.com.");
    assert!(server_answers(h).iter().all(|s| *s == "bogus"));

    // The human trace says the same, DNSViz style.
    let human = trace_at(
        &token_name(DNSSEC_MOVED),
        "CNAME",
        LAB_TIME,
        &["--color", "never"],
    );
    assert_eq!(human.code, 0, "{}", human.stderr);
    let text = &human.stdout;
    let zone = text
        .split("\ndnssec-moved.com.  delegated by com.")
        .nth(1)
        .unwrap_or_else(|| panic!("{text}"));
    assert!(zone.contains("DNSSEC:           bogus: no DNSKEY of dnssec-moved.com. matches"));
    let tag = ds[0]["key_tag"].as_u64().unwrap();
    assert!(
        zone.contains(&format!(
            "DS at com.:       key {tag} ED25519 (15) SHA-256 (2)  ✗ matches no DNSKEY"
        )),
        "{zone}"
    );
    assert!(zone.contains("flags 257 SEP (KSK)") && zone.contains("flags 256 ZSK"));
    assert!(zone.contains("answer  · bogus"), "{zone}");
    assert!(text.contains("\nDNSSEC: bogus: "), "{text}");
    assert!(text.contains("validated at 2026-12-01T00:00:00Z"), "{text}");
    assert_snapshot("trace-dnssec-moved.txt", &mask_timing(text));
}

#[test]
fn an_unsigned_domain_is_insecure_below_the_opt_out() {
    let doc = validated(&token_name(DNSSEC_UNSIGNED), "CNAME");
    assert_eq!(doc["dnssec"]["status"], "insecure", "{}", doc["dnssec"]);
    let unsigned = &hop(&doc, "dnssec-unsigned.com.")["dnssec"];
    assert_eq!(unsigned["ds_source"], "no-ds");
    assert!(unsigned["ds"].as_array().unwrap().is_empty());
    assert!(unsigned["dnskeys"].as_array().unwrap().is_empty());
    // com's referral proves there is no DS: insecure, not bogus.
    assert!(server_answers(hop(&doc, "com."))
        .iter()
        .all(|s| *s == "insecure"));
}

#[test]
fn servers_that_differ_are_told_apart() {
    let doc = validated(&token_name(DNSSEC_HALF_SIGNED), "CNAME");
    assert_eq!(doc["dnssec"]["status"], "bogus");
    let h = hop(&doc, "dnssec-half-signed.com.");
    // The keys are fine everywhere; one server's answer lacks its RRSIG.
    assert_eq!(h["dnssec"]["status"], "secure");
    let mut answers = server_answers(h);
    answers.sort_unstable();
    assert_eq!(answers, ["bogus", "secure"]);
    let bogus = h["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["dnssec"]["answer"]["status"] == "bogus")
        .unwrap();
    assert!(bogus["dnssec"]["answer"]["reason"]
        .as_str()
        .unwrap()
        .contains("has no RRSIG"));
}

#[test]
fn the_validation_time_decides_expiry() {
    // Signatures of the lab run 2026-01-01 to 2037-01-01: in 2040 they have expired.
    let result = trace_at(
        &token_name(DNSSEC_SECURE),
        "CNAME",
        "2040-01-01T00:00:00Z",
        &["--json"],
    );
    let doc: Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(doc["dnssec"]["status"], "bogus");
    assert!(doc["dnssec"]["reason"]
        .as_str()
        .unwrap()
        .contains("expired"));

    let bad = trace(
        &token_name(DNSSEC_SECURE),
        "CNAME",
        &["--validation-time", "soon"],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("RFC 3339"), "{}", bad.stderr);
}

#[test]
fn without_dnssec_or_anchor_the_trace_says_so() {
    let plain = trace(
        &token_name(DNSSEC_SECURE),
        "CNAME",
        &["--json", "--no-dnssec"],
    );
    let doc: Value = serde_json::from_str(&plain.stdout).unwrap();
    assert!(doc["dnssec"].is_null());
    for h in doc["hops"].as_array().unwrap() {
        assert!(h["dnssec"].is_null());
        assert!(h["servers"][0]["dnssec"].is_null());
    }
    let validated_doc = validated(&token_name(DNSSEC_SECURE), "CNAME");
    assert!(
        validated_doc["queries"].as_u64() > doc["queries"].as_u64(),
        "validation asks DS and DNSKEY"
    );

    // The lab's roots without its anchor: not checked, and why.
    let unanchored = trace(&token_name(DNSSEC_SECURE), "CNAME", &["--json"]);
    let doc: Value = serde_json::from_str(&unanchored.stdout).unwrap();
    assert_eq!(doc["dnssec"]["status"], "not-checked");
    assert!(doc["dnssec"]["reason"]
        .as_str()
        .unwrap()
        .contains("--trust-anchor"));
    let human = trace(&token_name(DNSSEC_SECURE), "CNAME", &[]);
    assert!(
        human.stdout.contains("DNSSEC: not checked: "),
        "{}",
        human.stdout
    );
}
