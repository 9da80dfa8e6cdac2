//! Untrusted input never panics: user arguments, identity JSON, CSV, and observations made of
//! arbitrary server answers (what a hostile or broken name server can send).

use dkim_rules::{
    check_from_identity_json, check_from_records_csv, diagnose, diff_reports, follow_up_probes,
    normalize_token, parse_domain, parse_selector, probes, AnswerError, AnswerOutcome, Check,
    Observations, ObservedData, ObservedRecord, ProbeObservation, Response, ServerAnswer,
    ServerInfo, ServerRef, TargetOutcome, TargetResolution,
};
use dns_wire::{Name, Rcode};
use proptest::prelude::*;

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn user_arguments_never_panic(text in "\\PC{0,80}", ascii in "[ -~]{0,80}") {
        let domain = n("example.com");
        for input in [&text, &ascii] {
            let _ = parse_domain(input);
            let _ = parse_selector(input);
            let _ = normalize_token(input, &domain);
            let _ = check_from_identity_json(input, Some(&domain));
            let _ = check_from_records_csv(input, Some(&domain));
        }
    }

    #[test]
    fn identity_json_shapes_never_panic(
        tokens in prop::collection::vec("[a-z2-7 .\\\\_-]{0,40}", 0..4),
        zone in "[a-z0-9.-]{0,40}",
        origin in prop::sample::select(vec!["AWS_SES", "EXTERNAL", "AWS_SES_AF_SOUTH_1"]),
        serial in any::<u64>(),
    ) {
        let json = serde_json::json!({
            "DkimAttributes": {"SigningEnabled": true, "Tokens": tokens, "SigningHostedZone": zone,
                "SigningAttributesOrigin": origin},
            "VerificationInfo": {"ErrorType": "HOST_NOT_FOUND",
                "SOARecord": {"PrimaryNameServer": zone, "SerialNumber": serial}},
        });
        let _ = check_from_identity_json(&json.to_string(), Some(&n("example.com")));
    }
}

/// Every probe a check may ask of the zone's servers: the first ones, and the follow-ups
/// that answers saying every expected name is missing call for (the mistaken variants).
fn every_probe(check: &Check) -> Vec<(Name, dns_wire::RecordType)> {
    let first = probes(check);
    let server = ServerRef {
        name: n("ns1.example.com"),
        address: "192.0.2.1".parse().unwrap(),
    };
    let missing = Observations {
        probes: first
            .iter()
            .map(|p| ProbeObservation {
                name: p.name.clone(),
                rtype: p.rtype,
                answers: vec![ServerAnswer {
                    server: server.clone(),
                    outcome: AnswerOutcome::Response(Response {
                        rcode: Rcode::NXDOMAIN,
                        authoritative: true,
                        answer: vec![],
                        authority: vec![],
                    }),
                }],
            })
            .collect(),
        ..Observations::default()
    };
    let mut all: Vec<(Name, dns_wire::RecordType)> = Vec::new();
    for probe in first.into_iter().chain(follow_up_probes(check, &missing)) {
        if !probe.resolves_through_target_zone()
            && !all.contains(&(probe.name.clone(), probe.rtype))
        {
            all.push((probe.name, probe.rtype));
        }
    }
    all
}

/// Names the arbitrary answers are made of: the probed names and a few others.
fn names(check: &Check) -> Vec<Name> {
    let mut list: Vec<Name> = every_probe(check)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    list.extend(
        [
            "example.com",
            "a.dkim.amazonses.com",
            "tok1.dkim.amazonses.com.example.com",
            "dkim2.mcsv.net",
            "loop.example.com",
        ]
        .iter()
        .map(|s| n(s)),
    );
    list
}

fn data(names: Vec<Name>) -> impl Strategy<Value = ObservedData> {
    let key = include_str!("keys/rsa-1024.spki.b64").trim().to_string();
    prop_oneof![
        prop::sample::select(names.clone()).prop_map(ObservedData::Cname),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..3)
            .prop_map(ObservedData::Txt),
        Just(ObservedData::Txt(vec![
            format!("v=DKIM1; p={key}").into_bytes()
        ])),
        Just(ObservedData::Txt(vec![b"p=".to_vec()])),
        any::<[u8; 4]>().prop_map(|a| ObservedData::A(a.into())),
        prop::sample::select(names).prop_map(ObservedData::Ns),
    ]
}

fn records(names: Vec<Name>) -> impl Strategy<Value = Vec<ObservedRecord>> {
    prop::collection::vec(
        (prop::sample::select(names.clone()), data(names)).prop_map(|(name, data)| {
            ObservedRecord {
                name,
                ttl: 300,
                data,
            }
        }),
        0..4,
    )
}

fn outcome(names: Vec<Name>) -> impl Strategy<Value = AnswerOutcome> {
    prop_oneof![
        Just(AnswerOutcome::Error {
            error: AnswerError::Timeout,
            message: String::new()
        }),
        (
            prop::sample::select(vec![
                Rcode::NOERROR,
                Rcode::NXDOMAIN,
                Rcode::REFUSED,
                Rcode::SERVFAIL
            ]),
            any::<bool>(),
            records(names.clone()),
            records(names),
        )
            .prop_map(|(rcode, authoritative, answer, authority)| {
                AnswerOutcome::Response(Response {
                    rcode,
                    authoritative,
                    answer,
                    authority,
                })
            }),
    ]
}

fn observations(check: Check) -> impl Strategy<Value = (Check, Observations)> {
    let all = names(&check);
    let asked = every_probe(&check);
    let servers = [
        ServerRef {
            name: n("ns1.example.com"),
            address: "192.0.2.1".parse().unwrap(),
        },
        ServerRef {
            name: n("ns2.example.net"),
            address: "192.0.2.2".parse().unwrap(),
        },
    ];
    let per_probe =
        prop::collection::vec(prop::collection::vec(outcome(all.clone()), 2), asked.len());
    let targets = prop::collection::vec(
        (
            prop::sample::select(all.clone()),
            prop_oneof![
                any::<bool>().prop_map(|unanswered| TargetOutcome::Failed {
                    error: "timeout".into(),
                    unanswered,
                }),
                (
                    prop::sample::select(vec![Rcode::NOERROR, Rcode::NXDOMAIN]),
                    records(all)
                )
                    .prop_map(|(rcode, records)| TargetOutcome::Answer { rcode, records }),
            ],
        ),
        0..4,
    );
    (per_probe, targets, any::<[bool; 3]>()).prop_map(move |(outcomes, targets, flags)| {
        let mut obs = Observations::default();
        obs.delegation.zone = Some(n("example.com"));
        obs.delegation.parent_ns = vec![n("ns1.example.com")];
        obs.delegation.child_ns = vec![n("ns1.example.com"), n("ns2.example.net")];
        obs.delegation.servers = servers
            .iter()
            .map(|s| ServerInfo {
                name: s.name.clone(),
                address: s.address,
                in_parent: flags[0],
                in_child: flags[1],
                user_named: flags[2],
                soa_serial: Some(1),
                not_checked: None,
            })
            .collect();
        obs.targets = targets
            .into_iter()
            .map(|(name, outcome)| TargetResolution { name, outcome })
            .collect();
        // Asked as a check asks them: the first probes, then the follow-ups their answers
        // call for, round by round.
        let mut pending = probes(&check);
        for _ in 0..4 {
            for probe in pending.iter().filter(|p| !p.resolves_through_target_zone()) {
                let Some(at) = asked
                    .iter()
                    .position(|(name, rtype)| *name == probe.name && *rtype == probe.rtype)
                else {
                    continue;
                };
                obs.probes.push(ProbeObservation {
                    name: probe.name.clone(),
                    rtype: probe.rtype,
                    answers: servers
                        .iter()
                        .cloned()
                        .zip(outcomes[at].clone())
                        .map(|(server, outcome)| ServerAnswer { server, outcome })
                        .collect(),
                });
            }
            pending = follow_up_probes(&check, &obs);
        }
        (check.clone(), obs)
    })
}

fn ses() -> Check {
    Check::Ses {
        domain: n("example.com"),
        tokens: vec!["tok1".parse().unwrap(), "tok2".parse().unwrap()],
        signing_zone: None,
        region: Some("eu-south-1".into()),
        expect_ns: vec![],
        ses_soa: None,
        ses_status: None,
        mail_from: None,
        dmarc: false,
    }
}

fn selector() -> Check {
    Check::Selector {
        domain: n("example.com"),
        selectors: vec!["k2".parse().unwrap(), "google".parse().unwrap()],
        expect_ns: vec![],
        dmarc: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_answers_never_panic_ses((check, obs) in observations(ses())) {
        let report = diagnose(&check, &obs);
        let _ = follow_up_probes(&check, &obs);
        prop_assert!(diff_reports(&report, &report).is_empty());
        let unreachable = report.findings.iter().any(|f| f.code == dkim_rules::FindingCode::ZoneUnreachable);
        if unreachable {
            prop_assert_eq!(report.verdict, dkim_rules::Verdict::Incomplete);
        } else if report.verdict == dkim_rules::Verdict::Incomplete {
            // Otherwise incomplete only when something is unknown and nothing is known wrong.
            prop_assert!(report.findings.iter().all(|f| f.severity != dkim_rules::Severity::Error));
            prop_assert!(report.records.iter().all(|r| matches!(
                r.status,
                dkim_rules::RecordStatus::Ok | dkim_rules::RecordStatus::Unreachable
            )));
        }
        if report.verdict == dkim_rules::Verdict::Pass {
            prop_assert!(report.records.iter().all(|r| r.status == dkim_rules::RecordStatus::Ok));
        }
        serde_json::to_string(&report).unwrap();
    }

    #[test]
    fn arbitrary_answers_never_panic_selectors((check, obs) in observations(selector())) {
        let report = diagnose(&check, &obs);
        let _ = follow_up_probes(&check, &obs);
        // Pass needs every record right on every server: never with an error finding.
        if report.verdict == dkim_rules::Verdict::Pass {
            prop_assert!(report.findings.iter().all(|f| f.severity != dkim_rules::Severity::Error));
            prop_assert!(report.records.iter().all(|r| r.status == dkim_rules::RecordStatus::Ok));
        }
        let json = serde_json::to_string(&obs).unwrap();
        let back: Observations = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, obs);
    }
}
