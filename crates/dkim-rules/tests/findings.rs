//! Table-driven tests: one scenario per finding code (and combinations), each a set of
//! simulated zones turned into observations, then diagnosed. The exact set of finding codes
//! and the verdict are checked, so an extra or a missing finding fails the test.
//!
//! Each scenario is also written to tests/fixtures/<name>.json (check, observations and the
//! expected result) when UPDATE_FIXTURES=1; `fixtures_replay` re-diagnoses every committed
//! fixture from its JSON.

mod common;

use std::collections::BTreeSet;

use common::*;
use dkim_rules::{
    diagnose, Check, FindingCode, Observations, RecordStatus, Report, Severity, SoaSeen, Verdict,
};
use dns_wire::RecordType;
use serde::{Deserialize, Serialize};

struct Case {
    name: &'static str,
    check: Check,
    world: World,
    verdict: Verdict,
    codes: &'static [&'static str],
    also: fn(&Report),
}

fn nothing(_: &Report) {}

/// An SES check with some optional fields set.
fn ses_edit(
    tokens: &[&str],
    edit: impl FnOnce(
        &mut Option<dns_wire::Name>,
        &mut Option<String>,
        &mut Vec<dns_wire::Name>,
        &mut Option<SoaSeen>,
    ),
) -> Check {
    let mut check = ses_check(tokens);
    if let Check::Ses {
        signing_zone,
        region,
        expect_ns,
        ses_soa,
        ..
    } = &mut check
    {
        edit(signing_zone, region, expect_ns, ses_soa);
    }
    check
}

fn ses_world(zone: Zone) -> World {
    World::new(two_servers(zone), vec![default_ses()])
}

fn selector_world(zone: Zone, others: Vec<Zone>) -> World {
    World::new(two_servers(zone), others)
}

fn codes_of(report: &Report) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .map(|f| f.code.as_str().to_string())
        .collect()
}

fn finding<'a>(report: &'a Report, code: &str) -> &'a dkim_rules::Finding {
    report
        .findings
        .iter()
        .find(|f| f.code.as_str() == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", report.findings))
}

fn server_names(f: &dkim_rules::Finding) -> Vec<String> {
    f.servers.iter().map(|s| s.name.to_string()).collect()
}

fn google_zone(value: &[&str]) -> Zone {
    Zone::new("example.com").txt("google._domainkey.example.com", value)
}

fn rsa(bits: u32) -> String {
    key(&format!("rsa-{bits}.spki.b64"))
}

fn cases() -> Vec<Case> {
    let t1_name = format!("{T1}._domainkey.example.com");
    let t1_target = format!("{T1}.dkim.amazonses.com");
    let t2_name = format!("{T2}._domainkey.example.com");
    let t2_target = format!("{T2}.dkim.amazonses.com");
    let t3_name = format!("{T3}._domainkey.example.com");
    let t3_target = format!("{T3}.dkim.amazonses.com");
    let all = &[T1, T2, T3];
    let only_t2_t3 = || {
        Zone::new("example.com")
            .cname(&t2_name, &t2_target)
            .cname(&t3_name, &t3_target)
    };
    let p2048 = format!("v=DKIM1; k=rsa; p={}", rsa(2048));
    let p2048 = Box::leak(p2048.into_boxed_str());

    vec![
        Case {
            name: "ses-pass",
            check: ses_check(all),
            world: ses_world(good_ses_zone()),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |r| {
                assert!(r.records.iter().all(|x| x.status == RecordStatus::Ok));
                let keys: Vec<_> = r.records.iter().filter_map(|x| x.key.as_ref()).collect();
                assert_eq!(keys.len(), 3);
                assert_eq!(keys.iter().filter(|k| k.bits == Some(2048)).count(), 1);
                assert_eq!(keys.iter().filter(|k| k.empty).count(), 2);
                assert_eq!(r.negative_caching.as_ref().unwrap().seconds, 300);
            },
        },
        Case {
            name: "ses-record-missing",
            check: ses_check(all),
            world: ses_world(Zone::new("example.com").a("www.example.com", "192.0.2.80")),
            verdict: Verdict::Fail,
            codes: &["record-missing"],
            also: |r| {
                assert_eq!(
                    r.findings
                        .iter()
                        .filter(|f| f.code == FindingCode::RecordMissing)
                        .count(),
                    3
                );
                let f = finding(r, "record-missing");
                assert_eq!(f.ses_error_type.unwrap().as_str(), "HOST_NOT_FOUND");
                assert!(f.fix.contains("create a CNAME record"), "{}", f.fix);
                assert!(r.records.iter().all(|x| x.status == RecordStatus::Missing));
            },
        },
        Case {
            name: "ses-records-partial",
            check: ses_check(all),
            world: ses_world(only_t2_t3()),
            verdict: Verdict::Fail,
            codes: &["records-partial", "trailing-dot"],
            also: |r| {
                let f = finding(r, "records-partial");
                let value = format!("\"{T1}.dkim.amazonses.com.\"");
                assert!(f.fix.contains(&value), "{}", f.fix);
                assert_eq!(f.servers.len(), 2);
                assert!(f.summary.starts_with("2 of the 3"), "{}", f.summary);
                assert!(f.summary.contains(T1), "{}", f.summary);
            },
        },
        Case {
            name: "ses-domain-duplicated",
            check: ses_check(all),
            world: ses_world(only_t2_t3().cname(&format!("{t1_name}.example.com"), &t1_target)),
            verdict: Verdict::Fail,
            codes: &["domain-duplicated", "trailing-dot"],
            also: |r| {
                let f = finding(r, "domain-duplicated");
                let relative = format!("\"{T1}._domainkey\"");
                let absolute = format!("\"{T1}._domainkey.example.com.\"");
                assert!(f.fix.contains(&relative), "{}", f.fix);
                assert!(f.fix.contains(&absolute), "{}", f.fix);
                assert_eq!(f.servers.len(), 2);
            },
        },
        Case {
            name: "ses-doubled-on-one-server-missing-on-other",
            check: ses_check(all),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(
                            only_t2_t3().cname(&format!("{t1_name}.example.com"), &t1_target),
                        ),
                    ),
                    server(
                        "ns2.example.net",
                        "198.51.100.2",
                        Behaviour::Serves(only_t2_t3()),
                    ),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Fail,
            codes: &["domain-duplicated", "records-partial", "trailing-dot"],
            also: |r| {
                assert_eq!(
                    server_names(finding(r, "domain-duplicated")),
                    ["ns1.example.com."]
                );
                let partial = finding(r, "records-partial");
                assert_eq!(server_names(partial), ["ns2.example.net."]);
                assert!(partial.summary.contains(T1), "{}", partial.summary);
            },
        },
        Case {
            name: "ses-underscore-stripped",
            check: ses_check(all),
            world: ses_world(
                Zone::new("example.com")
                    .cname(&format!("{T1}.domainkey.example.com"), &t1_target)
                    .cname(&format!("{T2}-domainkey.example.com"), &t2_target)
                    .cname(&format!("{T3}_domainkey.example.com"), &t3_target),
            ),
            verdict: Verdict::Fail,
            codes: &["underscore-stripped"],
            also: |r| {
                let all: Vec<_> = r
                    .findings
                    .iter()
                    .filter(|f| f.code == FindingCode::UnderscoreStripped)
                    .collect();
                assert_eq!(all.len(), 3);
                assert!(all.iter().any(|f| f.summary.contains("underscore")));
                assert!(all.iter().any(|f| f.summary.contains("-domainkey")));
                assert!(all.iter().any(|f| f.summary.contains("dot before")));
            },
        },
        Case {
            name: "ses-wrong-type-txt",
            check: ses_check(all),
            world: ses_world(only_t2_t3().txt(&t1_name, &[&t1_target])),
            verdict: Verdict::Fail,
            codes: &["trailing-dot", "wrong-record-type"],
            also: |r| {
                let f = finding(r, "wrong-record-type");
                assert_eq!(f.ses_error_type.unwrap().as_str(), "TYPE_NOT_FOUND");
                assert!(f.summary.contains("TXT"), "{}", f.summary);
                assert_eq!(r.records[0].status, RecordStatus::WrongType);
            },
        },
        Case {
            name: "ses-wrong-type-proxied",
            check: ses_check(all),
            world: ses_world(only_t2_t3().a(&t1_name, "104.16.1.1")),
            verdict: Verdict::Fail,
            codes: &["trailing-dot", "wrong-record-type"],
            also: |r| {
                let f = finding(r, "wrong-record-type");
                assert!(f.summary.contains("proxied"), "{}", f.summary);
                assert!(f.fix.contains("DNS only"), "{}", f.fix);
            },
        },
        Case {
            name: "ses-target-origin-appended",
            check: ses_check(all),
            world: ses_world(only_t2_t3().cname(&t1_name, &format!("{t1_target}.example.com"))),
            verdict: Verdict::Fail,
            codes: &["target-origin-appended", "trailing-dot"],
            also: |r| {
                let f = finding(r, "target-origin-appended");
                assert!(
                    f.fix.contains(&format!("\"{T1}.dkim.amazonses.com.\"")),
                    "{}",
                    f.fix
                );
                assert_eq!(f.ses_error_type.unwrap().as_str(), "INVALID_VALUE");
            },
        },
        Case {
            name: "ses-swapped-tokens-plus-one-missing",
            check: ses_check(all),
            world: World::new(
                two_servers(
                    Zone::new("example.com")
                        .cname(&t1_name, &t2_target)
                        .cname(&t2_name, &t1_target),
                ),
                vec![ses_zone("dkim.amazonses.com", T1, &[T2, T3])],
            ),
            verdict: Verdict::Fail,
            codes: &["records-partial", "target-mismatch"],
            also: |r| {
                let swapped: Vec<_> = r
                    .findings
                    .iter()
                    .filter(|f| f.code == FindingCode::TargetMismatch)
                    .collect();
                assert_eq!(swapped.len(), 2);
                assert!(swapped.iter().all(|f| f.summary.contains("swapped")));
                let partial = finding(r, "records-partial");
                assert!(partial.summary.contains(T3), "{}", partial.summary);
                assert!(!partial.summary.contains(T1), "{}", partial.summary);
            },
        },
        Case {
            name: "ses-target-mismatch-region",
            check: ses_edit(all, |_, region, _, _| *region = Some("eu-south-1".into())),
            world: World::new(
                two_servers(good_ses_zone()),
                vec![
                    default_ses(),
                    ses_zone("dkim.eu-south-1.amazonses.com", T1, &[T2, T3]),
                ],
            ),
            verdict: Verdict::Fail,
            codes: &["target-mismatch"],
            also: |r| {
                let f = finding(r, "target-mismatch");
                assert!(f.summary.contains("region eu-south-1"), "{}", f.summary);
                assert!(f.summary.contains("another SES region"), "{}", f.summary);
                assert!(
                    f.fix.contains("dkim.eu-south-1.amazonses.com."),
                    "{}",
                    f.fix
                );
            },
        },
        Case {
            name: "ses-target-unresolvable",
            check: ses_check(all),
            world: World::new(
                two_servers(good_ses_zone()),
                vec![Zone::new("amazonses.com")
                    .txt(&format!("{T1}.dkim.amazonses.com"), &[""])
                    .txt(&format!("{T2}.dkim.amazonses.com"), &[""])],
            ),
            verdict: Verdict::Fail,
            codes: &["target-unresolvable", "trailing-dot"],
            also: |r| {
                let f = finding(r, "target-unresolvable");
                assert_eq!(f.severity, Severity::Error);
                assert!(f.summary.contains("NXDOMAIN"), "{}", f.summary);
            },
        },
        Case {
            name: "ses-rotation-empty-targets-are-fine",
            check: ses_check(all),
            world: ses_world(good_ses_zone()),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |r| assert!(!codes_of(r).contains("key-revoked")),
        },
        Case {
            name: "ses-regional-signing-zone-pass",
            check: ses_edit(all, |zone, region, _, _| {
                *zone = Some(n("dkim.eu-south-1.amazonses.com"));
                *region = Some("us-east-1".into());
            }),
            world: World::new(
                two_servers(
                    Zone::new("example.com")
                        .cname(&t1_name, &format!("{T1}.dkim.eu-south-1.amazonses.com"))
                        .cname(&t2_name, &format!("{T2}.dkim.eu-south-1.amazonses.com"))
                        .cname(&t3_name, &format!("{T3}.dkim.eu-south-1.amazonses.com")),
                ),
                vec![ses_zone("dkim.eu-south-1.amazonses.com", T2, &[T1, T3])],
            ),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: nothing,
        },
        Case {
            name: "delegation-mismatch-parent-child",
            check: ses_check(all),
            world: World {
                parent_ns: Some(vec![n("ns1.example.com"), n("ns2.example.net")]),
                child_ns: Some(vec![n("ns1.example.com"), n("ns3.example.org")]),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["delegation-mismatch", "trailing-dot"],
            also: |r| {
                let f = finding(r, "delegation-mismatch");
                assert_eq!(f.severity, Severity::Warning);
                assert!(f.summary.contains("ns2.example.net"), "{}", f.summary);
                assert!(f.summary.contains("ns3.example.org"), "{}", f.summary);
            },
        },
        Case {
            name: "delegation-mismatch-records-on-other-hosted-zone",
            check: ses_edit(all, |_, _, ns, _| *ns = vec![n("ns-1.awsdns-01.org")]),
            world: {
                let mut servers =
                    two_servers(Zone::new("example.com").a("www.example.com", "192.0.2.80"));
                let mut r53 = server(
                    "ns-1.awsdns-01.org",
                    "203.0.113.53",
                    Behaviour::Serves(good_ses_zone()),
                );
                r53.info.in_parent = false;
                r53.info.in_child = false;
                r53.info.user_named = true;
                servers.push(r53);
                World::new(servers, vec![default_ses()])
            },
            verdict: Verdict::Fail,
            codes: &["delegation-mismatch"],
            also: |r| {
                let f = finding(r, "delegation-mismatch");
                assert_eq!(f.severity, Severity::Error);
                assert_eq!(server_names(f), ["ns-1.awsdns-01.org."]);
                assert!(f.fix.contains("registrar"), "{}", f.fix);
            },
        },
        Case {
            name: "delegation-mismatch-ses-saw-other-soa",
            check: ses_edit(all, |_, _, _, soa| {
                *soa = Some(SoaSeen {
                    primary_name_server: n("ns-99.awsdns-99.org"),
                    admin_email: Some("awsdns-hostmaster.amazon.com".into()),
                    serial: Some(1),
                })
            }),
            world: ses_world(good_ses_zone()),
            verdict: Verdict::Fail,
            codes: &["delegation-mismatch", "trailing-dot"],
            also: |r| {
                let f = finding(r, "delegation-mismatch");
                assert!(f.summary.contains("ns-99.awsdns-99.org"), "{}", f.summary);
            },
        },
        Case {
            name: "servers-inconsistent",
            check: ses_check(all),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(good_ses_zone().serial(2024020202)),
                    ),
                    server(
                        "ns2.example.net",
                        "198.51.100.2",
                        Behaviour::Serves(only_t2_t3()),
                    ),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Fail,
            codes: &["servers-inconsistent", "trailing-dot"],
            also: |r| {
                let f = finding(r, "servers-inconsistent");
                assert!(f.summary.contains("2024020202"), "{}", f.summary);
                assert!(f.summary.contains("2024010101"), "{}", f.summary);
                assert!(f.summary.contains("NXDOMAIN"), "{}", f.summary);
                assert_eq!(r.records[0].status, RecordStatus::Inconsistent);
            },
        },
        Case {
            name: "lame-delegation-timeout",
            check: ses_check(all),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(good_ses_zone()),
                    ),
                    server("ns2.example.net", "198.51.100.2", Behaviour::Timeout),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Fail,
            codes: &["lame-delegation", "trailing-dot"],
            also: |r| {
                let f = finding(r, "lame-delegation");
                assert_eq!(server_names(f), ["ns2.example.net."]);
                assert!(f.summary.contains("timeout"), "{}", f.summary);
            },
        },
        Case {
            name: "lame-delegation-refused-and-no-aa",
            check: ses_check(all),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(good_ses_zone()),
                    ),
                    server("ns2.example.net", "198.51.100.2", Behaviour::Refused),
                    server(
                        "ns3.example.org",
                        "203.0.113.3",
                        Behaviour::NotAuthoritative(good_ses_zone()),
                    ),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Fail,
            codes: &["lame-delegation", "trailing-dot"],
            also: |r| {
                let lame: Vec<_> = r
                    .findings
                    .iter()
                    .filter(|f| f.code == FindingCode::LameDelegation)
                    .collect();
                assert_eq!(lame.len(), 2);
                assert!(lame.iter().any(|f| f.summary.contains("REFUSED")));
                assert!(lame.iter().any(|f| f.summary.contains("AA flag")));
            },
        },
        Case {
            name: "one-question-unanswered-is-not-lame",
            check: ses_check(all),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(good_ses_zone()),
                    ),
                    server(
                        "ns2.example.net",
                        "198.51.100.2",
                        Behaviour::LosesTxt(good_ses_zone()),
                    ),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: nothing,
        },
        Case {
            name: "ipv6-not-checked-from-here",
            check: ses_check(all),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(good_ses_zone()),
                    ),
                    server("ns1.example.com", "2001:db8::1", Behaviour::NotChecked),
                    server(
                        "ns2.example.net",
                        "198.51.100.2",
                        Behaviour::Serves(good_ses_zone()),
                    ),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Pass,
            codes: &["not-checked-from-here", "trailing-dot"],
            also: |r| {
                let f = finding(r, "not-checked-from-here");
                assert!(f.summary.contains("2001:db8::1"), "{}", f.summary);
                assert!(f.summary.contains("not checked from here"), "{}", f.summary);
                assert_eq!(f.servers.len(), 1);
            },
        },
        Case {
            name: "address-not-public",
            check: ses_check(all),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(good_ses_zone()),
                    ),
                    server("ns2.example.com", "10.0.0.1", Behaviour::AddressRefused),
                    server(
                        "ns3.example.com",
                        "169.254.169.254",
                        Behaviour::AddressRefused,
                    ),
                    server(
                        "ns4.example.com",
                        "::ffff:127.0.0.1",
                        Behaviour::AddressRefused,
                    ),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Fail,
            codes: &["address-not-public", "trailing-dot"],
            also: |r| {
                let f = finding(r, "address-not-public");
                for words in [
                    "10.0.0.1",
                    "RFC 1918",
                    "169.254.169.254",
                    "link-local",
                    "loopback",
                ] {
                    assert!(f.summary.contains(words), "{words}: {}", f.summary);
                }
                assert_eq!(f.servers.len(), 3);
                assert!(f.fix.contains("glue"), "{}", f.fix);
            },
        },
        Case {
            name: "network-unreachable",
            check: ses_check(all),
            world: World {
                network: Some(dkim_rules::NetworkProblem {
                    cause: "no DNS server answered at all".into(),
                    kind: dkim_rules::NetworkProblemKind::Silent,
                }),
                ..World::new(
                    vec![
                        server("ns1.example.com", "192.0.2.1", Behaviour::Timeout),
                        server("ns2.example.net", "198.51.100.2", Behaviour::Timeout),
                    ],
                    vec![],
                )
            },
            verdict: Verdict::Incomplete,
            codes: &["network-unreachable"],
            also: |r| {
                let f = finding(r, "network-unreachable");
                assert!(
                    f.summary
                        .contains("this machine cannot reach DNS servers directly"),
                    "{}",
                    f.summary
                );
                assert!(f.fix.contains("--resolver"), "{}", f.fix);
                assert!(!f.fix.contains("registrar"), "{}", f.fix);
                assert!(f.ses_error_type.is_none());
            },
        },
        Case {
            name: "reduced-check-through-a-resolver",
            check: ses_check(all),
            world: World {
                reduced: Some(dkim_rules::ReducedCheck {
                    resolver: "192.0.2.53:53".parse().unwrap(),
                }),
                // The resolver relays the zone's answers without the AA flag, and one of the
                // "servers" is silent: neither makes a lame finding in a reduced check.
                ..World::new(
                    vec![server(
                        "192-0-2-53",
                        "192.0.2.53",
                        Behaviour::NotAuthoritative(good_ses_zone()),
                    )],
                    vec![default_ses()],
                )
            },
            verdict: Verdict::Pass,
            codes: &["reduced-check", "trailing-dot"],
            also: |r| {
                let f = finding(r, "reduced-check");
                assert!(f.summary.contains("192.0.2.53:53"), "{}", f.summary);
            },
        },
        Case {
            name: "ns-fanout-capped",
            check: ses_check(all),
            world: World {
                ns_ignored: 1984,
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["ns-fanout-capped", "trailing-dot"],
            also: |r| {
                let f = finding(r, "ns-fanout-capped");
                assert!(f.summary.contains("1986 name servers"), "{}", f.summary);
            },
        },
        Case {
            name: "target-zone-unanswered-is-incomplete",
            check: ses_check(all),
            world: World {
                targets_unanswered: true,
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Incomplete,
            codes: &["trailing-dot"],
            also: |r| {
                // The CNAMEs are right; only the keys behind them are unknown.
                assert!(r.records.iter().all(|x| x.status == RecordStatus::Ok));
            },
        },
        Case {
            // The key sits at T3's target; that target's zone did not answer, the other two
            // hold "": whether a key exists is unknown, which is not "no key".
            name: "key-target-unanswered-is-not-a-missing-key",
            check: ses_check(all),
            world: World {
                unanswered_target: Some(n(&format!("{T3}.dkim.amazonses.com"))),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Incomplete,
            codes: &["trailing-dot"],
            also: nothing,
        },
        Case {
            // T1's record is missing, and every question about the names where a misplaced
            // copy could sit went unanswered: missing or misplaced is unknown.
            name: "missing-record-with-unanswered-variants-is-incomplete",
            check: ses_check(all),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::LosesTxt(only_t2_t3()),
                    ),
                    server(
                        "ns2.example.net",
                        "198.51.100.2",
                        Behaviour::LosesTxt(only_t2_t3()),
                    ),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Incomplete,
            codes: &["trailing-dot"],
            also: |r| {
                assert_eq!(r.records[0].status, RecordStatus::Unreachable);
            },
        },
        Case {
            name: "zone-unreachable",
            check: ses_check(all),
            world: World::new(
                vec![
                    server("ns1.example.com", "192.0.2.1", Behaviour::Timeout),
                    server("ns2.example.net", "198.51.100.2", Behaviour::Refused),
                ],
                vec![default_ses()],
            ),
            verdict: Verdict::Incomplete,
            codes: &["zone-unreachable"],
            also: |r| {
                assert!(r
                    .records
                    .iter()
                    .all(|x| x.status == RecordStatus::Unreachable));
                let f = finding(r, "zone-unreachable");
                assert_eq!(f.servers.len(), 2);
                assert_eq!(f.ses_error_type.unwrap().as_str(), "DNS_SERVER_ERROR");
            },
        },
        Case {
            name: "wildcard-answer",
            check: ses_check(all),
            world: ses_world(
                Zone::new("example.com").cname("*._domainkey.example.com", "bounce.example.net"),
            ),
            verdict: Verdict::Fail,
            codes: &["wildcard-answer"],
            also: |r| {
                let f = finding(r, "wildcard-answer");
                assert_eq!(f.severity, Severity::Error);
                assert!(
                    f.summary
                        .contains("a * record for _domainkey.example.com or"),
                    "{}",
                    f.summary
                );
                assert!(r.records[0].servers[0].value.contains("wildcard"));
            },
        },
        Case {
            name: "wildcard-answer-with-a-usable-key",
            check: selector_check(&["google"]),
            world: selector_world(
                Zone::new("example.com").txt("*._domainkey.example.com", &[p2048]),
                vec![],
            ),
            verdict: Verdict::Fail,
            codes: &["wildcard-answer"],
            also: |r| {
                let f = finding(r, "wildcard-answer");
                assert_eq!(f.severity, Severity::Error);
                assert!(f.fix.contains("\"google._domainkey\""), "{}", f.fix);
                assert_eq!(r.records[0].status, RecordStatus::Missing);
            },
        },
        Case {
            name: "selector-google-pass",
            check: selector_check(&["google"]),
            world: selector_world(google_zone(&[&p2048[..255], &p2048[255..]]), vec![]),
            verdict: Verdict::Pass,
            codes: &[],
            also: |r| {
                assert_eq!(r.records[0].provider.as_deref(), Some("Google Workspace"));
                assert_eq!(r.records[0].key.as_ref().unwrap().bits, Some(2048));
                assert!(r.findings.iter().all(|f| f.ses_error_type.is_none()));
            },
        },
        Case {
            name: "key-malformed-quotes",
            check: selector_check(&["google"]),
            world: selector_world(google_zone(&["\"v=DKIM1; k=rsa; p=MIIBIjAN\""]), vec![]),
            verdict: Verdict::Fail,
            codes: &["key-malformed"],
            also: |r| {
                let f = finding(r, "key-malformed");
                assert!(f.summary.contains("quote"), "{}", f.summary);
                assert!(f.fix.contains("remove the quote"), "{}", f.fix);
                assert_eq!(r.records[0].status, RecordStatus::WrongValue);
            },
        },
        Case {
            name: "key-malformed-truncated",
            check: selector_check(&["google"]),
            world: selector_world(google_zone(&[&p2048[..133]]), vec![]),
            verdict: Verdict::Fail,
            codes: &["key-malformed"],
            also: nothing,
        },
        Case {
            name: "key-revoked",
            check: selector_check(&["google"]),
            world: selector_world(google_zone(&["v=DKIM1; k=rsa; p="]), vec![]),
            verdict: Verdict::Fail,
            codes: &["key-revoked"],
            also: nothing,
        },
        Case {
            name: "key-weak-768",
            check: selector_check(&["google"]),
            world: selector_world(google_zone(&[&format!("v=DKIM1; p={}", rsa(768))]), vec![]),
            verdict: Verdict::Fail,
            codes: &["key-weak"],
            also: |r| {
                let f = finding(r, "key-weak");
                assert_eq!(f.severity, Severity::Error);
                assert!(f.summary.contains("768"), "{}", f.summary);
            },
        },
        Case {
            name: "key-weak-1024-is-a-warning",
            check: selector_check(&["google"]),
            world: selector_world(google_zone(&[&format!("v=DKIM1; p={}", rsa(1024))]), vec![]),
            verdict: Verdict::Pass,
            codes: &["key-weak"],
            also: |r| assert_eq!(finding(r, "key-weak").severity, Severity::Warning),
        },
        Case {
            name: "key-testing",
            check: selector_check(&["google"]),
            world: selector_world(
                google_zone(&[&format!("v=DKIM1; t=y; p={}", rsa(2048))]),
                vec![],
            ),
            verdict: Verdict::Pass,
            codes: &["key-testing"],
            also: nothing,
        },
        Case {
            name: "key-sha1-only",
            check: selector_check(&["google"]),
            world: selector_world(
                google_zone(&[&format!("v=DKIM1; h=sha1; p={}", rsa(2048))]),
                vec![],
            ),
            verdict: Verdict::Fail,
            codes: &["key-sha1-only"],
            also: nothing,
        },
        Case {
            name: "key-hash-unusable",
            check: selector_check(&["google"]),
            world: selector_world(
                google_zone(&[&format!("v=DKIM1; h=rsa-sha256; p={}", rsa(2048))]),
                vec![],
            ),
            verdict: Verdict::Fail,
            codes: &["key-hash-unusable"],
            also: |r| {
                let f = finding(r, "key-hash-unusable");
                assert!(f.summary.contains("h=rsa-sha256"), "{}", f.summary);
                assert!(f.summary.contains("OpenDKIM"), "{}", f.summary);
                assert!(f.fix.contains("h=sha256"), "{}", f.fix);
                assert_eq!(r.records[0].status, RecordStatus::WrongValue);
            },
        },
        Case {
            name: "key-format-unportable-pkcs1",
            check: selector_check(&["google"]),
            world: selector_world(
                google_zone(&[&format!("v=DKIM1; k=rsa; p={}", key("rsa-2048.pkcs1.b64"))]),
                vec![],
            ),
            verdict: Verdict::Pass,
            codes: &["key-format-unportable"],
            also: |r| {
                let f = finding(r, "key-format-unportable");
                assert_eq!(f.severity, Severity::Warning);
                assert!(f.summary.contains("OpenDKIM"), "{}", f.summary);
                // The fix is the same key as a SubjectPublicKeyInfo, ready to paste.
                let spki = key("rsa-2048.spki.b64");
                assert!(f.fix.contains(&format!("p={spki}")), "{}", f.fix);
            },
        },
        Case {
            name: "key-nonstandard-version-not-first",
            check: selector_check(&["google"]),
            world: selector_world(
                google_zone(&[&format!("k=rsa; v=DKIM1; p={}", rsa(2048))]),
                vec![],
            ),
            verdict: Verdict::Pass,
            codes: &["key-nonstandard"],
            also: |r| {
                let f = finding(r, "key-nonstandard");
                assert_eq!(f.severity, Severity::Warning);
                assert!(f.summary.contains("mailauth"), "{}", f.summary);
                assert!(f.fix.contains("starts with v=DKIM1;"), "{}", f.fix);
            },
        },
        Case {
            name: "key-record-empty-at-the-selector",
            check: selector_check(&["google"]),
            world: selector_world(google_zone(&[""]), vec![]),
            verdict: Verdict::Fail,
            codes: &["key-record-empty"],
            also: |r| {
                let f = finding(r, "key-record-empty");
                assert!(!f.summary.contains("leads to"), "{}", f.summary);
                assert!(f.summary.contains("is empty"), "{}", f.summary);
                assert_eq!(f.name.to_string(), "google._domainkey.example.com.");
            },
        },
        Case {
            name: "key-multiple-records",
            check: selector_check(&["google"]),
            world: selector_world(
                google_zone(&[&format!("v=DKIM1; p={}", rsa(2048))]).txt(
                    "google._domainkey.example.com",
                    &[&format!("v=DKIM1; p={}", rsa(1024))],
                ),
                vec![],
            ),
            verdict: Verdict::Fail,
            codes: &["key-multiple-records"],
            also: nothing,
        },
        Case {
            name: "selector-ed25519-pass",
            check: selector_check(&["ed"]),
            world: selector_world(
                Zone::new("example.com").txt(
                    "ed._domainkey.example.com",
                    &[&format!("v=DKIM1; k=ed25519; p={}", key("ed25519.raw.b64"))],
                ),
                vec![],
            ),
            verdict: Verdict::Pass,
            codes: &[],
            also: |r| assert_eq!(r.records[0].key.as_ref().unwrap().algorithm, "ed25519"),
        },
        Case {
            name: "selector-mailchimp-cname-pass",
            check: selector_check(&["k2", "k3"]),
            world: selector_world(
                Zone::new("example.com")
                    .cname("k2._domainkey.example.com", "dkim2.mcsv.net")
                    .cname("k3._domainkey.example.com", "dkim3.mcsv.net"),
                vec![Zone::new("mcsv.net")
                    .txt("dkim2.mcsv.net", &[p2048])
                    .txt("dkim3.mcsv.net", &[p2048])],
            ),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |r| assert_eq!(r.records[0].provider.as_deref(), Some("Mailchimp")),
        },
        Case {
            name: "selector-mailchimp-swapped",
            check: selector_check(&["k2", "k3"]),
            world: selector_world(
                Zone::new("example.com")
                    .cname("k2._domainkey.example.com", "dkim3.mcsv.net")
                    .cname("k3._domainkey.example.com", "dkim2.mcsv.net"),
                vec![Zone::new("mcsv.net")
                    .txt("dkim2.mcsv.net", &[p2048])
                    .txt("dkim3.mcsv.net", &[p2048])],
            ),
            verdict: Verdict::Fail,
            codes: &["target-mismatch"],
            also: |r| {
                let f = finding(r, "target-mismatch");
                assert!(f.summary.contains("swapped"), "{}", f.summary);
                assert!(f.fix.contains("dkim"), "{}", f.fix);
            },
        },
        Case {
            name: "selector-brevo-two-hop-chain-pass",
            check: selector_check(&["brevo1"]),
            world: selector_world(
                Zone::new("example.com").cname(
                    "brevo1._domainkey.example.com",
                    "b1.example-com.dkim.brevo.com",
                ),
                vec![Zone::new("brevo.com")
                    .cname("b1.example-com.dkim.brevo.com", "brevo17.dkim.brevo.com")
                    .txt("brevo17.dkim.brevo.com", &[p2048])],
            ),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |r| {
                assert_eq!(
                    r.records[0].key.as_ref().unwrap().at.to_string(),
                    "brevo17.dkim.brevo.com."
                )
            },
        },
        Case {
            name: "selector-microsoft-new-form-pass",
            check: selector_check(&["selector1"]),
            world: selector_world(
                Zone::new("example.com").cname(
                    "selector1._domainkey.example.com",
                    "selector1-example-com._domainkey.contoso.r-v1.dkim.mail.microsoft",
                ),
                vec![Zone::new("dkim.mail.microsoft").txt(
                    "selector1-example-com._domainkey.contoso.r-v1.dkim.mail.microsoft",
                    &[p2048],
                )],
            ),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: nothing,
        },
        Case {
            name: "selector-target-unresolvable",
            check: selector_check(&["k2"]),
            world: selector_world(
                Zone::new("example.com").cname("k2._domainkey.example.com", "dkim2.mcsv.net"),
                vec![Zone::new("mcsv.net").a("www.mcsv.net", "192.0.2.9")],
            ),
            verdict: Verdict::Fail,
            codes: &["target-unresolvable"],
            also: |r| {
                let f = finding(r, "target-unresolvable");
                assert!(f.summary.contains("NXDOMAIN"), "{}", f.summary);
            },
        },
        Case {
            name: "selector-target-origin-appended",
            check: selector_check(&["s1"]),
            world: selector_world(
                Zone::new("example.com").cname(
                    "s1._domainkey.example.com",
                    "s1.domainkey.u123.wl045.sendgrid.net.example.com",
                ),
                vec![],
            ),
            verdict: Verdict::Fail,
            codes: &["target-origin-appended"],
            also: |r| {
                let f = finding(r, "target-origin-appended");
                assert!(
                    f.fix.contains("\"s1.domainkey.u123.wl045.sendgrid.net.\""),
                    "{}",
                    f.fix
                );
            },
        },
        Case {
            name: "selector-wrong-type-proxied",
            check: selector_check(&["s1"]),
            world: selector_world(
                Zone::new("example.com").a("s1._domainkey.example.com", "104.16.2.2"),
                vec![],
            ),
            verdict: Verdict::Fail,
            codes: &["wrong-record-type"],
            also: nothing,
        },
        Case {
            name: "ses-subdomain-doubled-by-zone",
            check: Check::Ses {
                domain: n("mail.example.com"),
                tokens: vec![T1.parse().unwrap()],
                signing_zone: None,
                region: None,
                expect_ns: vec![],
                ses_soa: None,
                ses_status: None,
                mail_from: None,
                dmarc: false,
            },
            world: World::new(
                two_servers(Zone::new("example.com").cname(
                    &format!("{T1}._domainkey.mail.example.com.example.com"),
                    &t1_target,
                )),
                vec![ses_zone("dkim.amazonses.com", T1, &[])],
            ),
            verdict: Verdict::Fail,
            codes: &["domain-duplicated"],
            also: |r| {
                let f = finding(r, "domain-duplicated");
                let relative = format!("\"{T1}._domainkey.mail\"");
                assert!(f.fix.contains(&relative), "{}", f.fix);
                assert!(f.summary.contains("added example.com"), "{}", f.summary);
            },
        },
        Case {
            name: "ses-key-1024-is-a-warning",
            check: ses_check(all),
            world: World::new(
                two_servers(good_ses_zone()),
                vec![Zone::new("amazonses.com")
                    .txt(&t1_target, &[&format!("p={}", rsa(1024))])
                    .txt(&t2_target, &[""])
                    .txt(&t3_target, &[""])],
            ),
            verdict: Verdict::Pass,
            codes: &["key-weak", "trailing-dot"],
            also: |r| {
                let f = finding(r, "key-weak");
                assert_eq!(f.severity, Severity::Warning);
                assert!(
                    f.fix.contains("NextSigningKeyLength=RSA_2048_BIT"),
                    "{}",
                    f.fix
                );
            },
        },
        Case {
            name: "selector-in-zone-cname-chain-pass",
            check: selector_check(&["mail"]),
            world: selector_world(
                Zone::new("example.com")
                    .cname("mail._domainkey.example.com", "keys.example.com")
                    .txt("keys.example.com", &[p2048]),
                vec![],
            ),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |r| {
                assert_eq!(
                    r.records[0].key.as_ref().unwrap().at.to_string(),
                    "keys.example.com."
                )
            },
        },
        Case {
            name: "selector-zone-cut-at-domainkey-pass",
            check: selector_check(&["mail"]),
            world: selector_world(
                Zone::new("_domainkey.example.com").txt("mail._domainkey.example.com", &[p2048]),
                vec![],
            ),
            verdict: Verdict::Pass,
            codes: &[],
            also: nothing,
        },
        Case {
            name: "selector-microsoft-swapped",
            check: selector_check(&["selector1"]),
            world: selector_world(
                Zone::new("example.com").cname(
                    "selector1._domainkey.example.com",
                    "selector2-example-com._domainkey.contoso.onmicrosoft.com",
                ),
                vec![Zone::new("onmicrosoft.com").txt(
                    "selector2-example-com._domainkey.contoso.onmicrosoft.com",
                    &[p2048],
                )],
            ),
            verdict: Verdict::Fail,
            codes: &["target-mismatch"],
            also: |r| {
                let f = finding(r, "target-mismatch");
                assert!(f.summary.contains("swapped"), "{}", f.summary);
                assert!(
                    f.fix.contains("selector1-example-com._domainkey"),
                    "{}",
                    f.fix
                );
            },
        },
        Case {
            name: "catch-all-wildcard-is-not-taken-for-mistakes",
            check: Check::Ses {
                domain: n("mail.example.com"),
                tokens: vec![T1.parse().unwrap()],
                signing_zone: None,
                region: None,
                expect_ns: vec![],
                ses_soa: None,
                ses_status: None,
                mail_from: None,
                dmarc: false,
            },
            world: World::new(
                two_servers(Zone::new("example.com").cname("*.example.com", "lb.example.net")),
                vec![ses_zone("dkim.amazonses.com", T1, &[])],
            ),
            verdict: Verdict::Fail,
            codes: &["wildcard-answer"],
            also: |r| {
                let f = finding(r, "wildcard-answer");
                assert!(
                    f.summary
                        .contains("a * record for _domainkey.mail.example.com or a name above it"),
                    "{}",
                    f.summary
                );
            },
        },
        Case {
            name: "selector-catch-all-wildcard",
            check: selector_check(&["google"]),
            world: selector_world(
                Zone::new("example.com").cname("*.example.com", "lb.example.net"),
                vec![],
            ),
            verdict: Verdict::Fail,
            codes: &["wildcard-answer"],
            also: nothing,
        },
        Case {
            name: "ses-value-typed-with-quotes",
            check: ses_check(all),
            world: ses_world(only_t2_t3().cname(&t1_name, &format!("\\\"{t1_target}\\\""))),
            verdict: Verdict::Fail,
            codes: &["target-mismatch", "trailing-dot"],
            also: |r| {
                let f = finding(r, "target-mismatch");
                assert!(f.summary.contains("quote characters"), "{}", f.summary);
            },
        },
        Case {
            name: "key-split-across-records",
            check: selector_check(&["google"]),
            world: selector_world(
                Zone::new("example.com")
                    .txt("google._domainkey.example.com", &[&p2048[200..]])
                    .txt("google._domainkey.example.com", &[&p2048[..200]]),
                vec![],
            ),
            verdict: Verdict::Fail,
            codes: &["key-multiple-records"],
            also: |r| {
                let f = finding(r, "key-multiple-records");
                assert!(f.summary.contains("split into 2"), "{}", f.summary);
            },
        },
        Case {
            name: "domain-does-not-exist",
            check: Check::Selector {
                domain: n("typo.example.com"),
                selectors: vec!["google".parse().unwrap()],
                expect_ns: vec![],
                dmarc: false,
            },
            world: selector_world(Zone::new("example.com"), vec![]),
            verdict: Verdict::Fail,
            codes: &["record-missing"],
            also: |r| {
                let f = finding(r, "record-missing");
                assert!(
                    f.summary.contains("typo.example.com itself does not exist"),
                    "{}",
                    f.summary
                );
                assert!(
                    f.fix.starts_with("Check the spelling of typo.example.com."),
                    "{}",
                    f.fix
                );
            },
        },
        Case {
            name: "ses-dnssec-secure",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::Secure,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["trailing-dot", "dnssec-secure"],
            also: |_| {},
        },
        Case {
            // Losses took every DNSKEY answer of the zone: its answers are not judged with
            // the keys of the zone above (they would read as signed without signatures).
            name: "ses-dnssec-zone-keys-unanswered",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::ZoneKeysUnanswered,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |_| {},
        },
        Case {
            // com's DNSKEY question was lost: example.com's DS (signed by com) cannot be
            // checked, which is not a DS without signature (judged with the root's keys).
            name: "ses-dnssec-parent-keys-unanswered",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::ParentKeysUnanswered,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |_| {},
        },
        Case {
            // The DS question to com was lost: the zone's keys cannot be judged, which is
            // not a DS that matches no key.
            name: "ses-dnssec-ds-unanswered",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::DsUnanswered,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |_| {},
        },
        Case {
            name: "ses-dnssec-ds-mismatch",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::DsMismatch,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Fail,
            codes: &["trailing-dot", "dnssec-ds-mismatch"],
            also: |r| {
                let f = finding(r, "dnssec-ds-mismatch");
                assert_eq!(f.ses_error_type.unwrap().as_str(), "DNS_SERVER_ERROR");
                assert!(f.fix.contains("replace the DS record"), "{}", f.fix);
                assert!(f.fix.contains("algorithm 15"), "{}", f.fix);
                assert_eq!(f.servers.len(), 2);
            },
        },
        Case {
            name: "ses-dnssec-ds-unsigned-zone",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::DsUnsignedZone,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Fail,
            codes: &["trailing-dot", "dnssec-ds-unsigned-zone"],
            also: |_| {},
        },
        Case {
            name: "ses-dnssec-rrsig-missing",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::RrsigMissing,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Fail,
            codes: &["trailing-dot", "dnssec-rrsig-missing"],
            also: |_| {},
        },
        Case {
            name: "ses-dnssec-signature-invalid",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::SignatureInvalid,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Fail,
            codes: &["trailing-dot", "dnssec-signature-invalid"],
            also: |_| {},
        },
        Case {
            name: "ses-dnssec-one-server-expired",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::OneServerExpired,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Fail,
            codes: &[
                "trailing-dot",
                "dnssec-signature-expired",
                "dnssec-servers-differ",
            ],
            also: |r| {
                let f = finding(r, "dnssec-servers-differ");
                assert_eq!(f.servers.len(), 1);
                assert!(f.summary.contains("intermittently"), "{}", f.summary);
            },
        },
        Case {
            name: "ses-dnssec-expiring",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::Expiring,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["trailing-dot", "dnssec-signature-expiring", "dnssec-secure"],
            also: |r| {
                let f = finding(r, "dnssec-signature-expiring");
                assert_eq!(f.severity, Severity::Warning);
                assert!(
                    f.summary.contains("2 days") || f.summary.contains("48 h"),
                    "{}",
                    f.summary
                );
            },
        },
        Case {
            name: "ses-dnssec-denial-broken",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::DenialBroken,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Fail,
            codes: &["trailing-dot", "dnssec-denial-broken"],
            also: |_| {},
        },
        Case {
            name: "ses-dnssec-target-bogus",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::TargetBogus,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Fail,
            codes: &["trailing-dot", "dnssec-target-bogus"],
            also: |r| {
                let f = finding(r, "dnssec-target-bogus");
                assert!(f.fix.contains("report it to the provider"), "{}", f.fix);
            },
        },
        Case {
            name: "ses-dnssec-deprecated-algorithm",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::DeprecatedAlgorithm,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &[
                "trailing-dot",
                "dnssec-algorithm-unsupported",
                "dnssec-unsigned",
            ],
            also: |_| {},
        },
        Case {
            name: "ses-dnssec-unsigned",
            check: ses_check(all),
            world: World {
                dnssec: Some(signed::observations(
                    signed::Signed::Unsigned,
                    &n(&t1_name),
                    RecordType::CNAME,
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["trailing-dot", "dnssec-unsigned"],
            also: |_| {},
        },
        Case {
            // A private root (`--roots`) without its trust anchor: said, never guessed.
            name: "ses-dnssec-not-checked",
            check: ses_check(all),
            world: World {
                dnssec: Some(dkim_rules::DnssecObservations::not_checked(
                    1_796_083_200,
                    "the walk starts at the --roots servers and no --trust-anchor was given",
                )),
                ..ses_world(good_ses_zone())
            },
            verdict: Verdict::Pass,
            codes: &["trailing-dot", "dnssec-not-checked"],
            also: |r| {
                let f = finding(r, "dnssec-not-checked");
                assert!(f.summary.contains("--trust-anchor"), "{}", f.summary);
            },
        },
        Case {
            name: "selector-record-missing",
            check: selector_check(&["google"]),
            world: selector_world(Zone::new("example.com"), vec![]),
            verdict: Verdict::Fail,
            codes: &["record-missing"],
            also: |r| {
                let f = finding(r, "record-missing");
                assert!(f.fix.contains("Google Workspace"), "{}", f.fix);
                assert!(f.ses_error_type.is_none());
            },
        },
    ]
    .into_iter()
    .chain(mail_cases())
    .collect()
}

#[derive(Serialize, Deserialize)]
struct Fixture {
    check: Check,
    observations: Observations,
    verdict: Verdict,
    codes: Vec<String>,
}

fn fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn every_scenario_gives_exactly_its_findings() {
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for case in cases() {
        let observations = case.world.observe(&case.check);
        let report = diagnose(&case.check, &observations);
        let got = codes_of(&report);
        let want: BTreeSet<String> = case.codes.iter().map(|s| s.to_string()).collect();
        if got != want || report.verdict != case.verdict {
            failures.push(format!(
                "{}: verdict {:?} (want {:?}), codes {:?} (want {:?})\n{:#?}",
                case.name, report.verdict, case.verdict, got, want, report.findings
            ));
            continue;
        }
        (case.also)(&report);
        covered.extend(got);
        if std::env::var_os("UPDATE_FIXTURES").is_some() {
            let fixture = Fixture {
                check: case.check.clone(),
                observations,
                verdict: case.verdict,
                codes: case.codes.iter().map(|s| s.to_string()).collect(),
            };
            std::fs::create_dir_all(fixture_dir()).unwrap();
            std::fs::write(
                fixture_dir().join(format!("{}.json", case.name)),
                serde_json::to_string_pretty(&fixture).unwrap() + "\n",
            )
            .unwrap();
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let all: BTreeSet<String> = FindingCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "no scenario produces {missing:?}");
}

#[test]
fn fixtures_replay() {
    let mut count = 0;
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().map_or(true, |e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let fixture: Fixture =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let report = diagnose(&fixture.check, &fixture.observations);
        let want: BTreeSet<String> = fixture.codes.iter().cloned().collect();
        assert_eq!(codes_of(&report), want, "{}", path.display());
        assert_eq!(report.verdict, fixture.verdict, "{}", path.display());
        // The report serialises, and the observations survive a JSON round trip unchanged.
        serde_json::to_string(&report).unwrap();
        let again: Observations =
            serde_json::from_str(&serde_json::to_string(&fixture.observations).unwrap()).unwrap();
        assert_eq!(again, fixture.observations);
        count += 1;
    }
    assert!(
        count >= 30,
        "only {count} fixtures in {}",
        fixture_dir().display()
    );
}

#[test]
fn an_unresolved_target_is_reported_not_passed() {
    let check = selector_check(&["k2"]);
    let world = selector_world(
        Zone::new("example.com").cname("k2._domainkey.example.com", "dkim2.mcsv.net"),
        vec![Zone::new("mcsv.net").txt("dkim2.mcsv.net", &["p="])],
    );
    let mut observations = world.observe(&check);
    observations.targets.clear();
    let report = diagnose(&check, &observations);
    assert_eq!(report.verdict, Verdict::Fail);
    let f = finding(&report, "target-unresolvable");
    assert!(f.summary.contains("not looked up"), "{}", f.summary);
}

#[test]
fn lame_servers_from_the_walk_are_reported_even_without_an_address() {
    let check = ses_check(&[T1, T2, T3]);
    let mut observations = ses_world(good_ses_zone()).observe(&check);
    observations.delegation.lame.push(dkim_rules::LameServer {
        name: n("ns3.example.org"),
        address: None,
        reason: "no address for the name server".into(),
    });
    let report = diagnose(&check, &observations);
    assert_eq!(report.verdict, Verdict::Fail);
    let f = finding(&report, "lame-delegation");
    assert!(f.servers.is_empty());
    assert!(f.summary.contains("ns3.example.org"), "{}", f.summary);
    assert!(f.summary.contains("no address"), "{}", f.summary);
}

#[test]
fn observations_without_role_flags_still_count_servers_as_delegated() {
    let check = ses_check(&[T1, T2, T3]);
    let mut observations = ses_world(good_ses_zone()).observe(&check);
    observations.delegation.servers.clear();
    let report = diagnose(&check, &observations);
    assert_eq!(report.verdict, Verdict::Pass);
    assert_eq!(report.records[0].servers.len(), 2);
}

fn with_ses_status(status: &str, error: Option<&str>) -> Check {
    let mut check = ses_check(&[T1, T2, T3]);
    if let Check::Ses { ses_status, .. } = &mut check {
        *ses_status = Some(dkim_rules::SesStatus {
            dkim_status: Some(status.into()),
            error_type: error.map(str::to_string),
        });
    }
    check
}

#[test]
fn what_ses_reported_is_set_against_the_findings() {
    let doubled = Zone::new("example.com")
        .cname(
            &format!("{T1}._domainkey.example.com.example.com"),
            &format!("{T1}.dkim.amazonses.com"),
        )
        .cname(
            &format!("{T2}._domainkey.example.com"),
            &format!("{T2}.dkim.amazonses.com"),
        )
        .cname(
            &format!("{T3}._domainkey.example.com"),
            &format!("{T3}.dkim.amazonses.com"),
        );
    let check = with_ses_status("FAILED", Some("HOST_NOT_FOUND"));
    let report = diagnose(&check, &ses_world(doubled.clone()).observe(&check));
    let view = report.ses_view.unwrap();
    assert_eq!(view.matching, [FindingCode::DomainDuplicated]);
    assert_eq!(
        view.summary,
        "SES reports HOST_NOT_FOUND; the findings that explain it: domain-duplicated."
    );

    let report = diagnose(&check, &ses_world(good_ses_zone()).observe(&check));
    let view = report.ses_view.unwrap();
    assert!(view.matching.is_empty());
    assert!(
        view.summary.contains("every record is now correct"),
        "{}",
        view.summary
    );

    let check = with_ses_status("SUCCESS", None);
    let report = diagnose(&check, &ses_world(doubled).observe(&check));
    assert!(report
        .ses_view
        .unwrap()
        .summary
        .starts_with("SES reports SUCCESS, but"));

    let check = selector_check(&["google"]);
    let report = diagnose(
        &check,
        &selector_world(Zone::new("example.com"), vec![]).observe(&check),
    );
    assert_eq!(report.ses_view, None);
}

/// An SES identity of example.com with a MAIL FROM domain, DMARC read.
fn mail_check(mail_from: Option<&str>, reject: bool, region: Option<&str>) -> Check {
    let mut check = ses_check(&[T1, T2, T3]);
    if let Check::Ses {
        mail_from: slot,
        dmarc,
        region: r,
        ..
    } = &mut check
    {
        *slot = mail_from.map(|m| dkim_rules::MailFromAttributes {
            domain: n(m),
            status: Some("PENDING".into()),
            behavior_on_mx_failure: if reject {
                dkim_rules::MxFailureBehavior::RejectMessage
            } else {
                dkim_rules::MxFailureBehavior::UseDefaultValue
            },
        });
        *dmarc = true;
        *r = region.map(str::to_string);
    }
    check
}

const BOUNCE: &str = "bounce.example.com";
const FEEDBACK: &str = "feedback-smtp.us-east-1.amazonses.com";
const SES_SPF: &str = "v=spf1 include:amazonses.com ~all";

/// SES's own zone with its SPF record, beside the DKIM zone.
fn amazonses() -> Zone {
    Zone::new("amazonses.com").txt("amazonses.com", &["v=spf1 ip4:199.255.192.0/22 -all"])
}

/// example.com with the SES CNAMEs and a DMARC record.
fn mail_zone(dmarc: &str) -> Zone {
    good_ses_zone().txt("_dmarc.example.com", &[dmarc])
}

fn mail_world(zone: Zone) -> World {
    World::new(two_servers(zone), vec![default_ses(), amazonses()])
}

fn healthy_mail_from(zone: Zone) -> Zone {
    zone.mx(BOUNCE, 10, FEEDBACK).txt(BOUNCE, &[SES_SPF])
}

const QUARANTINE: &str = "v=DMARC1; p=quarantine; rua=mailto:d@example.com";

fn mail_cases() -> Vec<Case> {
    vec![
        Case {
            name: "mail-from-pass",
            check: mail_check(Some(BOUNCE), false, Some("us-east-1")),
            world: mail_world(healthy_mail_from(mail_zone(QUARANTINE))),
            verdict: Verdict::Pass,
            codes: &["trailing-dot"],
            also: |r| {
                let m = r.mail_from.as_ref().unwrap();
                assert_eq!(
                    (m.mx.status, m.spf.status),
                    (RecordStatus::Ok, RecordStatus::Ok)
                );
                assert_eq!(m.spf.lookups, Some(1));
                // The check's status says PENDING: the records are right now.
                assert!(
                    m.summary
                        .contains("SES reports PENDING from an earlier check; the MX is right now"),
                    "{}",
                    m.summary
                );
                let d = r.dmarc.as_ref().unwrap();
                assert!(d.spf.as_ref().unwrap().aligned && d.dkim.passes);
            },
        },
        Case {
            name: "mail-from-mx-missing-reject",
            check: mail_check(Some(BOUNCE), true, None),
            world: mail_world(mail_zone(QUARANTINE).txt(BOUNCE, &[SES_SPF])),
            verdict: Verdict::Fail,
            codes: &["mail-from-mx-missing", "trailing-dot"],
            also: |r| {
                assert_eq!(finding(r, "mail-from-mx-missing").severity, Severity::Error);
            },
        },
        Case {
            name: "mail-from-mx-missing-default",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(mail_zone(QUARANTINE).txt(BOUNCE, &[SES_SPF])),
            verdict: Verdict::Pass,
            codes: &["mail-from-mx-missing", "trailing-dot"],
            also: |r| {
                let f = finding(r, "mail-from-mx-missing");
                assert_eq!(f.severity, Severity::Warning);
                assert!(f.summary.contains("does not align"), "{}", f.summary);
            },
        },
        Case {
            name: "mail-from-mx-wrong",
            check: mail_check(Some(BOUNCE), true, None),
            world: mail_world(
                mail_zone(QUARANTINE)
                    .mx(BOUNCE, 10, "mx.mailhost.example.net")
                    .txt(BOUNCE, &[SES_SPF]),
            ),
            verdict: Verdict::Fail,
            codes: &["mail-from-mx-wrong", "trailing-dot"],
            also: |r| {
                let f = finding(r, "mail-from-mx-wrong");
                assert!(
                    f.summary.contains("mx.mailhost.example.net"),
                    "{}",
                    f.summary
                );
                assert!(!f.summary.contains("wildcard"), "{}", f.summary);
            },
        },
        Case {
            // A wildcard MX answers the doubled name too: that is not a record created
            // there, and the MAIL FROM name itself (it holds the SPF record) has no MX.
            name: "mail-from-mx-missing-beside-a-wildcard",
            check: mail_check(Some(BOUNCE), true, None),
            world: mail_world(
                mail_zone(QUARANTINE)
                    .mx("*.example.com", 10, "mx.mailhost.example.net")
                    .txt(BOUNCE, &[SES_SPF]),
            ),
            verdict: Verdict::Fail,
            codes: &["mail-from-mx-missing", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "mail-from-mx-other-region",
            check: mail_check(Some(BOUNCE), true, Some("eu-west-1")),
            world: mail_world(healthy_mail_from(mail_zone(QUARANTINE))),
            verdict: Verdict::Fail,
            codes: &["mail-from-mx-other-region", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "mail-from-receives-mail",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(healthy_mail_from(mail_zone(QUARANTINE)).mx(
                BOUNCE,
                5,
                "mx.mailhost.example.net",
            )),
            verdict: Verdict::Pass,
            codes: &["mail-from-receives-mail", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "mail-from-not-subdomain",
            check: mail_check(Some("bounce.example.org"), false, None),
            world: World::new(
                two_servers(mail_zone(QUARANTINE)),
                vec![
                    default_ses(),
                    amazonses(),
                    Zone::new("example.org")
                        .mx("bounce.example.org", 10, FEEDBACK)
                        .txt("bounce.example.org", &[SES_SPF]),
                ],
            ),
            verdict: Verdict::Fail,
            // The MAIL FROM names are asked of example.com's servers here (the simulator's
            // world has one set of servers), which refuse them: only the rule about the name
            // itself is judged.
            codes: &["mail-from-not-subdomain", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "mail-from-duplicated",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(
                mail_zone(QUARANTINE)
                    .mx("bounce.example.com.example.com", 10, FEEDBACK)
                    .txt("bounce.example.com.example.com", &[SES_SPF]),
            ),
            verdict: Verdict::Fail,
            codes: &["mail-from-domain-duplicated", "trailing-dot"],
            also: |r| {
                let m = r.mail_from.as_ref().unwrap();
                assert_eq!(m.fixes.len(), 2);
                assert!(m.fixes.iter().all(|f| f.delete.len() == 1));
            },
        },
        Case {
            name: "mail-from-mx-as-txt",
            check: mail_check(Some(BOUNCE), true, None),
            world: mail_world(
                mail_zone(QUARANTINE)
                    .txt(BOUNCE, &[SES_SPF])
                    .txt(BOUNCE, &["10 feedback-smtp.us-east-1.amazonses.com"]),
            ),
            verdict: Verdict::Fail,
            codes: &["mail-from-wrong-type", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "spf-missing",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(mail_zone(QUARANTINE).mx(BOUNCE, 10, FEEDBACK)),
            verdict: Verdict::Fail,
            codes: &["spf-missing", "trailing-dot"],
            also: |r| {
                let fix = &r.mail_from.as_ref().unwrap().fixes[0];
                assert_eq!(fix.value, format!("\"{SES_SPF}\""));
            },
        },
        Case {
            name: "spf-multiple",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(
                healthy_mail_from(mail_zone(QUARANTINE)).txt(BOUNCE, &["v=spf1 mx -all"]),
            ),
            verdict: Verdict::Fail,
            codes: &["spf-multiple", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "spf-syntax",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(mail_zone(QUARANTINE).mx(BOUNCE, 10, FEEDBACK).txt(
                BOUNCE,
                &["v=spf1 include:amazonses.com ip4:192.0.2.300 ~all"],
            )),
            verdict: Verdict::Fail,
            codes: &["spf-syntax", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "spf-amazonses-missing",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(
                mail_zone(QUARANTINE)
                    .mx(BOUNCE, 10, FEEDBACK)
                    .txt(BOUNCE, &["v=spf1 ip4:192.0.2.1 -all"]),
            ),
            verdict: Verdict::Fail,
            codes: &["spf-amazonses-missing", "trailing-dot"],
            also: |r| {
                let fix = &r.mail_from.as_ref().unwrap().fixes[0];
                assert_eq!(
                    fix.value,
                    "\"v=spf1 ip4:192.0.2.1 include:amazonses.com -all\""
                );
            },
        },
        Case {
            // A redirect to a policy that includes itself through another: a loop, and the
            // count is not past 10 before it.
            name: "spf-include-loop-and-too-many",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(
                mail_zone(QUARANTINE)
                    .mx(BOUNCE, 10, FEEDBACK)
                    .txt(
                        BOUNCE,
                        &["v=spf1 include:amazonses.com include:a.example.com a mx ptr ~all"],
                    )
                    .txt(
                        "a.example.com",
                        &["v=spf1 a mx exists:x.example.com include:b.example.com"],
                    )
                    .txt("b.example.com", &["v=spf1 a mx include:a.example.com"]),
            ),
            verdict: Verdict::Fail,
            codes: &["spf-include-broken", "spf-too-many-lookups", "trailing-dot"],
            also: |r| {
                let spf = &r.mail_from.as_ref().unwrap().spf;
                assert!(spf.lookups.unwrap() > 10, "{spf:?}");
                assert!(finding(r, "spf-include-broken")
                    .summary
                    .contains("includes itself"));
            },
        },
        Case {
            name: "dmarc-missing",
            check: mail_check(None, false, None),
            world: mail_world(good_ses_zone()),
            verdict: Verdict::Pass,
            codes: &["dmarc-missing", "trailing-dot"],
            also: |r| {
                let d = r.dmarc.as_ref().unwrap();
                assert_eq!(d.status, RecordStatus::Missing);
                assert!(!d.spf.as_ref().unwrap().aligned);
            },
        },
        Case {
            name: "dmarc-multiple",
            check: mail_check(None, false, None),
            world: mail_world(
                mail_zone(QUARANTINE).txt("_dmarc.example.com", &["v=DMARC1; p=none"]),
            ),
            verdict: Verdict::Fail,
            codes: &["dmarc-multiple", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "dmarc-syntax",
            check: mail_check(None, false, None),
            world: mail_world(mail_zone("v=DMARC1; pct=50")),
            verdict: Verdict::Fail,
            codes: &["dmarc-syntax", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "dmarc-strict-spf",
            check: mail_check(Some(BOUNCE), false, None),
            world: mail_world(healthy_mail_from(mail_zone("v=DMARC1; p=none; aspf=s"))),
            verdict: Verdict::Pass,
            codes: &["dmarc-spf-unaligned", "dmarc-policy-none", "trailing-dot"],
            also: |r| {
                let words = r.dmarc.as_ref().unwrap().policy_words.clone().unwrap();
                assert!(words.contains("deliver it as usual"), "{words}");
            },
        },
        Case {
            name: "dmarc-inconsistent",
            check: mail_check(None, false, None),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(mail_zone(QUARANTINE)),
                    ),
                    server(
                        "ns2.example.com",
                        "192.0.2.2",
                        Behaviour::Serves(mail_zone("v=DMARC1; p=reject")),
                    ),
                ],
                vec![default_ses(), amazonses()],
            ),
            verdict: Verdict::Fail,
            codes: &["dmarc-inconsistent", "trailing-dot"],
            also: |r| {
                assert_eq!(finding(r, "dmarc-inconsistent").servers.len(), 2);
            },
        },
        Case {
            // A hosted DMARC record: _dmarc is a CNAME into the provider's zone, and the SPF
            // record of the MAIL FROM domain comes the same way.
            name: "dmarc-and-spf-through-cnames",
            check: mail_check(Some(BOUNCE), false, Some("us-east-1")),
            world: World::new(
                two_servers(
                    good_ses_zone()
                        .cname(
                            "_dmarc.example.com",
                            "example.com._dmarc.dmarc-host.example.net",
                        )
                        .mx(BOUNCE, 10, FEEDBACK),
                ),
                vec![
                    default_ses(),
                    amazonses(),
                    Zone::new("dmarc-host.example.net").txt(
                        "example.com._dmarc.dmarc-host.example.net",
                        &["v=DMARC1; p=reject"],
                    ),
                ],
            ),
            verdict: Verdict::Fail,
            codes: &["spf-missing", "trailing-dot"],
            also: |r| {
                let d = r.dmarc.as_ref().unwrap();
                assert_eq!(d.status, RecordStatus::Ok);
                assert_eq!(d.record.as_deref(), Some("v=DMARC1; p=reject"));
                assert!(d.summary.contains("through DKIM"), "{}", d.summary);
            },
        },
        Case {
            name: "mail-from-inconsistent",
            check: mail_check(Some(BOUNCE), false, None),
            world: World::new(
                vec![
                    server(
                        "ns1.example.com",
                        "192.0.2.1",
                        Behaviour::Serves(healthy_mail_from(mail_zone(QUARANTINE))),
                    ),
                    server(
                        "ns2.example.com",
                        "192.0.2.2",
                        Behaviour::Serves(mail_zone(QUARANTINE).txt(BOUNCE, &[SES_SPF])),
                    ),
                ],
                vec![default_ses(), amazonses()],
            ),
            verdict: Verdict::Fail,
            codes: &["mail-from-inconsistent", "trailing-dot"],
            also: nothing,
        },
        Case {
            name: "dmarc-from-organization",
            check: {
                let mut check = mail_check(None, false, None);
                if let Check::Ses { domain, tokens, .. } = &mut check {
                    *domain = n("news.example.com");
                    tokens.truncate(0);
                    tokens.push(T3.parse().unwrap());
                }
                check
            },
            world: mail_world(
                Zone::new("example.com")
                    .cname(
                        &format!("{T3}._domainkey.news.example.com"),
                        &format!("{T3}.dkim.amazonses.com"),
                    )
                    .txt("_dmarc.example.com", &["v=DMARC1; p=reject; sp=quarantine"]),
            ),
            verdict: Verdict::Pass,
            codes: &["dmarc-from-organization", "trailing-dot"],
            also: |r| {
                let d = r.dmarc.as_ref().unwrap();
                assert_eq!(d.record_name, n("_dmarc.example.com"));
                let words = d.policy_words.as_deref().unwrap();
                assert!(
                    words.starts_with("Mail from news.example.com that fails DMARC: receivers are asked to treat it as suspicious"),
                    "{words}"
                );
                assert!(
                    words.ends_with("(the sp= of example.com's record)."),
                    "{words}"
                );
                assert!(d.summary.contains("passes DMARC"), "{}", d.summary);
            },
        },
    ]
}

/// A MAIL FROM domain no server answered for is unknown: the verdict is incomplete, not pass.
#[test]
fn an_unanswered_mail_from_domain_leaves_the_verdict_incomplete() {
    let check = mail_check(Some(BOUNCE), false, None);
    let world = mail_world(healthy_mail_from(mail_zone(QUARANTINE)));
    let mut observations = world.observe(&check);
    assert_eq!(diagnose(&check, &observations).verdict, Verdict::Pass);
    for probe in observations
        .probes
        .iter_mut()
        .filter(|p| p.name == n(BOUNCE))
    {
        for answer in &mut probe.answers {
            answer.outcome = dkim_rules::AnswerOutcome::Error {
                error: dkim_rules::AnswerError::Timeout,
                message: "did not answer 5 tries over 4.9 s".into(),
            };
        }
    }
    let report = diagnose(&check, &observations);
    assert_eq!(report.verdict, Verdict::Incomplete);
    let m = report.mail_from.as_ref().unwrap();
    assert_eq!(
        (m.mx.status, m.spf.status),
        (RecordStatus::Unreachable, RecordStatus::Unreachable)
    );
    assert!(
        m.summary.starts_with("No authoritative server answered"),
        "{}",
        m.summary
    );
    // DKIM's own servers answered everything else: nothing is called lame.
    assert_eq!(codes_of(&report), ["trailing-dot".to_string()].into());
}

/// An SPF include whose zone did not answer from here is unknown: no finding blames the
/// record, and the count says it is incomplete.
#[test]
fn an_unanswered_spf_include_is_not_the_records_fault() {
    let check = mail_check(Some(BOUNCE), false, Some("us-east-1"));
    let world = mail_world(healthy_mail_from(mail_zone(QUARANTINE)));
    let mut observations = world.observe(&check);
    let include = observations
        .targets
        .iter_mut()
        .find(|t| t.name == n("amazonses.com"))
        .expect("the include was resolved");
    include.outcome = dkim_rules::TargetOutcome::Failed {
        error: "no server of amazonses.com answered".into(),
        unanswered: true,
    };
    let report = diagnose(&check, &observations);
    assert_eq!(codes_of(&report), ["trailing-dot".to_string()].into());
    let spf = &report.mail_from.as_ref().unwrap().spf;
    assert!(!spf.lookups_complete && spf.includes_amazonses, "{spf:?}");
    assert!(spf.includes[0].outcome.starts_with("no answer from here"));
    // Answered but failed (SERVFAIL): a temperror receivers see too.
    let include = observations
        .targets
        .iter_mut()
        .find(|t| t.name == n("amazonses.com"))
        .unwrap();
    include.outcome = dkim_rules::TargetOutcome::Failed {
        error: "SERVFAIL".into(),
        unanswered: false,
    };
    let report = diagnose(&check, &observations);
    assert!(codes_of(&report).contains("spf-include-broken"));
}
