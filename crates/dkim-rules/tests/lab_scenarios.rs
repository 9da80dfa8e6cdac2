//! The rules against the project's lab data (crates/dns-lab), without sockets: every probe is
//! answered in memory by the lab's own authoritative logic (`dns_lab::authority::answer`) for
//! every server the zone is delegated to, the way the CLI asks the real servers; then each
//! lab scenario's diagnosis must contain the findings the lab says it reproduces, with no
//! other warning or error, and the verdict the lab expects.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use dkim_rules::{
    diagnose, follow_up_probes, probes, Check, Delegation, Observations, Outcome, ProbeObservation,
    QueryError, Response, ServerAnswer, ServerInfo, ServerRef, Severity, TargetOutcome,
    TargetResolution, Verdict, ZoneSoa,
};
use dns_lab::scenarios::{self, SCENARIOS};
use dns_lab::{Behaviour, Network, Zone};
use dns_wire::{Message, Name, RData, Rcode, RecordType};

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

/// The lab's check as a rules check.
fn check_of(scenario: &scenarios::Scenario) -> Check {
    let domain = n(scenario.domain);
    match scenario.check {
        scenarios::Check::Ses {
            tokens,
            region,
            expect_ns,
        } => Check::Ses {
            domain,
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
            signing_zone: None,
            region: region.map(str::to_string),
            expect_ns: expect_ns.iter().map(|s| n(s)).collect(),
            ses_soa: None,
            ses_status: None,
            mail_from: None,
            dmarc: true,
        },
        scenarios::Check::Identity {
            json,
            domain_arg,
            region,
            mail_from,
            ..
        } => {
            let mut check =
                dkim_rules::check_from_identity_json(json, domain_arg.then_some(&domain))
                    .expect("the lab's identity JSON reads");
            assert_eq!(check.domain(), &domain, "{}", scenario.id);
            if let (Check::Ses { region: slot, .. }, Some(region)) = (&mut check, region) {
                *slot = Some(region.to_string());
            }
            if let (
                Check::Ses {
                    mail_from: slot, ..
                },
                Some(name),
            ) = (&mut check, mail_from)
            {
                *slot = Some(dkim_rules::MailFromAttributes {
                    domain: n(name),
                    status: None,
                    behavior_on_mx_failure: dkim_rules::MxFailureBehavior::default(),
                });
            }
            check
        }
        scenarios::Check::Selectors(list) => Check::Selector {
            domain,
            selectors: list.iter().map(|s| s.to_string()).collect(),
            expect_ns: vec![],
            dmarc: true,
        },
    }
}

/// The deepest zone origin at or above `name` that some server serves.
fn zone_of<'a>(net: &'a Network, name: &Name) -> Option<&'a Zone> {
    net.zones
        .iter()
        .map(|h| &h.zone)
        .filter(|z| name.is_subdomain_of(&z.origin))
        .max_by_key(|z| z.origin.label_count())
}

fn ask(net: &Network, addr: Ipv4Addr, name: &Name, rtype: RecordType) -> Outcome {
    let behaviour = net.server(addr).map(|s| s.behaviour.clone());
    let query = Message::query(1, name.clone(), rtype);
    let response = |m: &Message, aa: bool| {
        let mut response = Response::from(m);
        response.authoritative &= aa;
        Outcome::Response(response)
    };
    match behaviour {
        Some(Behaviour::Authoritative) => response(
            &dns_lab::authority::answer(&net.zones_of(addr), &query),
            true,
        ),
        Some(Behaviour::NotAuthoritative) => response(
            &dns_lab::authority::answer(&net.zones_of(addr), &query),
            false,
        ),
        Some(Behaviour::Refuse) => Outcome::Response(Response {
            rcode: Rcode::REFUSED,
            authoritative: false,
            answer: vec![],
            authority: vec![],
        }),
        _ => Outcome::Error {
            error: QueryError::Timeout,
            message: "no answer".into(),
        },
    }
}

/// Resolves TXT at `name` through each zone's first authoritative server, following CNAMEs
/// out of zone, as the CLI's resolver does for targets.
fn resolve(net: &Network, name: &Name) -> TargetOutcome {
    let mut records = Vec::new();
    let mut current = name.clone();
    for _ in 0..8 {
        let Some(zone) = zone_of(net, &current) else {
            return TargetOutcome::Failed {
                error: format!("no zone holds {current}"),
                unanswered: false,
            };
        };
        let Some(addr) = net.servers_of(&zone.origin).into_iter().find(|a| {
            net.server(*a)
                .is_some_and(|s| s.behaviour == Behaviour::Authoritative)
        }) else {
            return TargetOutcome::Failed {
                error: format!("no server answers for {}", zone.origin),
                unanswered: false,
            };
        };
        let Outcome::Response(response) = ask(net, addr, &current, RecordType::TXT) else {
            return TargetOutcome::Failed {
                error: "timeout".into(),
                unanswered: false,
            };
        };
        let dangling = response.answer.iter().rev().find_map(|r| match &r.data {
            dkim_rules::ObservedData::Cname(t) if !response.answer.iter().any(|x| x.name == *t) => {
                Some(t.clone())
            }
            _ => None,
        });
        records.extend(response.answer);
        match dangling {
            Some(target) if !target.is_subdomain_of(&zone.origin) => current = target,
            _ => {
                return TargetOutcome::Answer {
                    rcode: response.rcode,
                    records,
                }
            }
        }
    }
    TargetOutcome::Failed {
        error: "CNAME chain too long".into(),
        unanswered: false,
    }
}

fn observe(net: &Network, check: &Check) -> Observations {
    let first = dkim_rules::expected_name(&check.selectors()[0], check.domain()).unwrap();
    let zone = zone_of(net, &first)
        .expect("a zone holds the names")
        .clone();
    let parent = zone
        .origin
        .parent()
        .and_then(|p| zone_of(net, &p))
        .expect("a parent zone");
    let parent_ns: Vec<Name> = parent
        .records_at(&zone.origin)
        .filter_map(|r| match &r.data {
            RData::Ns(host) => Some(host.clone()),
            _ => None,
        })
        .collect();
    // The child's NS set as the delegated servers answer it: from the copy of the zone that
    // the parent's servers hold (another copy may sit on servers nobody delegates to).
    let delegated_copy = net
        .servers
        .iter()
        .filter(|s| parent_ns.contains(&s.host) && s.behaviour == Behaviour::Authoritative)
        .find_map(|s| {
            net.zones_of(s.addr)
                .into_iter()
                .find(|z| z.origin == zone.origin)
                .cloned()
        })
        .unwrap_or_else(|| zone.clone());
    let child_ns = delegated_copy.apex_ns();
    let zone = delegated_copy;
    let mut servers: Vec<ServerInfo> = Vec::new();
    let hosts: BTreeSet<Name> = parent_ns
        .iter()
        .chain(&child_ns)
        .chain(check.expect_ns())
        .cloned()
        .collect();
    for host in hosts {
        for server in net.servers_named(&host) {
            let soa_serial = net
                .zones_of(server.addr)
                .iter()
                .find(|z| z.origin == zone.origin)
                .and_then(|z| z.soa())
                .map(|soa| soa.serial);
            servers.push(ServerInfo {
                name: host.clone(),
                address: IpAddr::V4(server.addr),
                in_parent: parent_ns.contains(&host),
                in_child: child_ns.contains(&host),
                user_named: check.expect_ns().contains(&host),
                soa_serial,
                not_checked: None,
            });
        }
    }
    let soa = zone.soa_record().and_then(ZoneSoa::from_record);
    // As the resolver bounds it: names beyond the per-zone cap are not asked.
    let ns_ignored = parent_ns
        .len()
        .max(child_ns.len())
        .saturating_sub(dns_wire::resolver::MAX_NS_PER_ZONE);
    let mut observations = Observations {
        delegation: Delegation {
            zone: Some(zone.origin.clone()),
            parent_ns,
            child_ns,
            servers: servers.clone(),
            soa,
            lame: vec![],
            ns_ignored,
        },
        probes: vec![],
        targets: vec![],
        network: None,
        reduced: None,
    };
    let mut batch = probes(check);
    for _ in 0..4 {
        for probe in &batch {
            if probe.resolves_through_target_zone() {
                observations.targets.push(TargetResolution {
                    name: probe.name.clone(),
                    outcome: resolve(net, &probe.name),
                });
                continue;
            }
            let answers = servers
                .iter()
                .map(|s| ServerAnswer {
                    server: ServerRef {
                        name: s.name.clone(),
                        address: s.address,
                    },
                    outcome: match s.address {
                        IpAddr::V4(addr) => ask(net, addr, &probe.name, probe.rtype),
                        IpAddr::V6(_) => unreachable!("the lab is IPv4"),
                    },
                })
                .collect();
            observations.probes.push(ProbeObservation {
                name: probe.name.clone(),
                rtype: probe.rtype,
                answers,
            });
        }
        batch = follow_up_probes(check, &observations);
        if batch.is_empty() {
            break;
        }
    }
    observations
}

#[test]
fn every_lab_scenario_is_diagnosed_as_the_lab_says() {
    let net = dns_lab::internet::miniature_internet();
    let mut failures = Vec::new();
    for scenario in SCENARIOS {
        let check = check_of(scenario);
        let report = diagnose(&check, &observe(&net, &check));
        let codes: BTreeSet<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        let serious: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .map(|f| f.code.as_str())
            .collect();
        let wanted: BTreeSet<&str> = scenario.findings.iter().copied().collect();
        let verdict = match scenario.verdict {
            scenarios::Verdict::Pass => Verdict::Pass,
            scenarios::Verdict::Fail => Verdict::Fail,
            scenarios::Verdict::Incomplete => Verdict::Incomplete,
        };
        if !codes.is_superset(&wanted) || serious != wanted || report.verdict != verdict {
            failures.push(format!(
                "{} ({}): verdict {:?} (lab: {verdict:?}), codes {codes:?} (lab: {wanted:?})\n{}",
                scenario.id,
                scenario.domain,
                report.verdict,
                report
                    .findings
                    .iter()
                    .map(|f| format!("  {} {}: {}", f.code, f.severity.as_str(), f.summary))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Verifies a lab message with the keys as the lab's servers serve them, each fetched by the
/// ordinary selector check's probes.
fn verify_lab_message(net: &Network, bytes: &[u8]) -> dkim_rules::message::MessageReport {
    use dkim_rules::message::{verify_message, KeyEvidence, Message};
    let message = Message::parse(bytes).expect("a lab message parses");
    let fetched: Vec<(Name, String, Observations)> = message
        .key_queries()
        .into_iter()
        .map(|(domain, selector)| {
            let check = Check::Selector {
                domain: domain.clone(),
                selectors: vec![selector.clone()],
                expect_ns: vec![],
                dmarc: false,
            };
            let observations = observe(net, &check);
            (domain, selector, observations)
        })
        .collect();
    let evidence: Vec<KeyEvidence<'_>> = fetched
        .iter()
        .map(|(domain, selector, observations)| KeyEvidence {
            domain,
            selector,
            observations,
        })
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    verify_message(&message, &evidence, now)
}

#[test]
fn every_signed_lab_message_verifies_as_expected() {
    let net = dns_lab::internet::miniature_internet();
    let mut failures = Vec::new();
    for (name, expected) in dns_lab::mail::EXPECTED {
        let bytes = dns_lab::mail::message(name).unwrap_or_else(|| panic!("no message {name}"));
        let report = verify_lab_message(&net, bytes);
        let got: Vec<&str> = report
            .signatures
            .iter()
            .map(|s| s.reason.map_or("pass", |r| r.as_str()))
            .collect();
        if got != *expected {
            failures.push(format!(
                "{name}: {got:?}, expected {expected:?}\n{}",
                report
                    .signatures
                    .iter()
                    .map(|s| format!("  {}", s.summary))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Where dkimpy and this crate disagree on a lab message, and why: each is a rule dkimpy does
/// not apply by default.
const DKIMPY_DIFFERENCES: &[(&str, &str)] = &[
    (
        "rsa-sha1.eml",
        "dkimpy still accepts rsa-sha1, which RFC 8301 forbids",
    ),
    (
        "key-hash-not-allowed.eml",
        "dkimpy ignores the key record's h= (RFC 6376 §3.6.1 says the key must be ignored)",
    ),
];

#[test]
fn verdicts_agree_with_dkimpy_except_where_dkimpy_is_lenient() {
    let net = dns_lab::internet::miniature_internet();
    let mut disagreements = Vec::new();
    for (name, bytes) in dns_lab::mail::MESSAGES {
        let theirs = dns_lab::mail::dkimpy_verdicts(name).expect("dkimpy verdicts");
        let ours: Vec<bool> = verify_lab_message(&net, bytes)
            .signatures
            .iter()
            .map(|s| s.reason.is_none())
            .collect();
        let documented = DKIMPY_DIFFERENCES.iter().any(|(n, _)| n == name);
        if (ours != theirs) != documented {
            disagreements.push(format!("{name}: ours {ours:?}, dkimpy {theirs:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn a_list_footer_is_found_and_an_unsigned_tail_is_warned_about() {
    let net = dns_lab::internet::miniature_internet();
    let report = verify_lab_message(&net, dns_lab::mail::message("footer-added.eml").unwrap());
    let change = report.signatures[0].body.change.as_ref().unwrap();
    assert_eq!(change.kind, "appended");
    assert_eq!(
        change.appended_start.as_deref(),
        Some("_______________________________________________")
    );
    assert!(
        change.summary.contains("team.lists.example.net"),
        "{}",
        change.summary
    );
    // The header fields are intact: only the body problem is reported.
    assert_eq!(report.signatures[0].problems.len(), 1);

    let report = verify_lab_message(&net, dns_lab::mail::message("l-tag-footer.eml").unwrap());
    let signature = &report.signatures[0];
    assert_eq!(
        signature.body.change.as_ref().unwrap().kind,
        "unsigned-tail"
    );
    assert!(signature.warnings.iter().any(|w| w.contains("not covered")));
    assert!(signature.body.signed_length < signature.body.canonical_length);

    let report = verify_lab_message(&net, dns_lab::mail::message("l-tag-truncated.eml").unwrap());
    assert_eq!(
        report.signatures[0].body.change.as_ref().unwrap().kind,
        "shorter-than-l"
    );
}

#[test]
fn changed_headers_are_named_from_z_and_a_wrong_key_is_told_apart() {
    let net = dns_lab::internet::miniature_internet();
    let report = verify_lab_message(&net, dns_lab::mail::message("subject-tagged.eml").unwrap());
    let summary = &report.signatures[0].problems[0].summary;
    assert!(summary.contains("opens the signature"), "{summary}");
    assert!(
        summary.contains("Subject was \"Quarterly report\""),
        "{summary}"
    );
    assert!(summary.contains("\"[team] Quarterly report\""), "{summary}");
    // The signed hash itself confirms it: the header data rebuilt from z= matches.
    assert!(
        summary.contains("exactly those changes broke the signature"),
        "{summary}"
    );
    // A change z= does not record (here in the signature field itself) is not "confirmed".
    let signed = dns_lab::mail::message("opendkim-rsa-relaxed.eml").unwrap();
    let edited = String::from_utf8_lossy(signed).replacen("t=1764583200", "t=1764583201", 1);
    let report = verify_lab_message(&net, edited.as_bytes());
    let summary = &report.signatures[0].problems[0].summary;
    assert_eq!(
        report.signatures[0].reason.unwrap().as_str(),
        "headers-changed"
    );
    assert!(!summary.contains("exactly those changes"), "{summary}");

    let report = verify_lab_message(&net, dns_lab::mail::message("key-mismatch.eml").unwrap());
    let summary = &report.signatures[0].problems[0].summary;
    assert!(summary.contains("another private key"), "{summary}");
}

#[test]
fn dmarc_alignment_strict_relaxed_and_none() {
    let net = dns_lab::internet::miniature_internet();
    let view = |name: &str| verify_lab_message(&net, dns_lab::mail::message(name).unwrap()).dmarc;
    let own = view("dkimpy-rsa-relaxed.eml");
    assert!(own.strict && own.relaxed);
    assert_eq!(own.from_domain.as_deref(), Some("dkim-signed.org"));
    let sub = view("subdomain-signer.eml");
    assert!(sub.relaxed && !sub.strict, "{}", sub.summary);
    let esp = view("third-party-only.eml");
    assert!(!esp.relaxed && !esp.strict, "{}", esp.summary);
    let three = view("three-signatures.eml");
    assert_eq!(three.aligned_signatures, vec![2, 3]);
    let expired = view("expired.eml");
    assert!(!expired.relaxed, "a failing signature never aligns");
}

/// The observations of the lab's check of `rsa2048._domainkey.dkim-signed.org`, with the TXT
/// record each server serves there replaced: `records[i]` for the i-th server (the last one
/// for the servers after it).
fn with_served_records(net: &Network, records: &[&str]) -> (Name, Observations) {
    let domain = n("dkim-signed.org");
    let check = Check::Selector {
        domain: domain.clone(),
        selectors: vec!["rsa2048".into()],
        expect_ns: vec![],
        dmarc: false,
    };
    let mut observations = observe(net, &check);
    let key_name = n("rsa2048._domainkey.dkim-signed.org");
    for probe in observations
        .probes
        .iter_mut()
        .filter(|p| p.name == key_name)
    {
        for (i, answer) in probe.answers.iter_mut().enumerate() {
            if let Outcome::Response(response) = &mut answer.outcome {
                for record in response.answer.iter_mut() {
                    if let dkim_rules::ObservedData::Txt(strings) = &mut record.data {
                        let text = records[i.min(records.len() - 1)];
                        *strings = text.as_bytes().chunks(255).map(<[u8]>::to_vec).collect();
                    }
                }
            }
        }
    }
    (domain, observations)
}

#[test]
fn each_kind_of_key_record_gives_its_result() {
    use dkim_rules::message::{verify_message, KeyEvidence, Message};
    let net = dns_lab::internet::miniature_internet();
    let rsa = dns_lab::keys::MAIL_RSA_2048;
    // The same key as a bare PKCS#1 RSAPublicKey (the SubjectPublicKeyInfo's bit string).
    let pkcs1 = {
        use base64::Engine;
        let der = base64::engine::general_purpose::STANDARD
            .decode(rsa)
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(&der[24..])
    };
    let cases: Vec<(Vec<String>, &str, bool)> = vec![
        (vec![format!("v=DKIM1; k=rsa; p={rsa}")], "pass", false),
        (vec![format!("v=DKIM1; k=rsa; t=y; p={rsa}")], "pass", true),
        (
            vec![format!("v=DKIM1; h=sha256; t=s; p={rsa}")],
            "pass",
            false,
        ),
        (vec![format!("v=DKIM1; k=rsa; p={pkcs1}")], "pass", false),
        (
            vec![format!("v=DKIM1; k=rsa; h=sha1; p={rsa}")],
            "key-hash-not-allowed",
            false,
        ),
        (
            vec![format!(
                "v=DKIM1; k=ed25519; p={}",
                dns_lab::keys::MAIL_ED25519
            )],
            "key-invalid",
            false,
        ),
        (
            vec![format!("v=DKIM1; k=rsa; p={}", dns_lab::keys::RSA_512)],
            "key-invalid",
            false,
        ),
        (
            vec!["v=DKIM1; k=rsa; p=not*base64".to_string()],
            "key-invalid",
            false,
        ),
        (vec!["v=DKIM1; k=rsa; p=".to_string()], "key-revoked", false),
        (
            vec![format!("v=DKIM1; k=rsa; p={}", dns_lab::keys::RSA_1024)],
            "key-mismatch",
            false,
        ),
        // One server has the signer's key, the other an old one.
        (
            vec![
                format!("v=DKIM1; k=rsa; p={rsa}"),
                format!("v=DKIM1; k=rsa; p={}", dns_lab::keys::RSA_2048),
            ],
            "key-inconsistent",
            false,
        ),
    ];
    let bytes = dns_lab::mail::message("dkimpy-rsa-relaxed.eml").unwrap();
    let message = Message::parse(bytes).unwrap();
    let mut failures = Vec::new();
    for (records, want, testing) in &cases {
        let texts: Vec<&str> = records.iter().map(String::as_str).collect();
        let (domain, observations) = with_served_records(&net, &texts);
        let evidence = [KeyEvidence {
            domain: &domain,
            selector: "rsa2048",
            observations: &observations,
        }];
        let report = verify_message(&message, &evidence, 1_800_000_000);
        let signature = &report.signatures[0];
        let got = signature.reason.map_or("pass", |r| r.as_str());
        let warned = signature.warnings.iter().any(|w| w.contains("t=y"));
        if got != *want || warned != *testing {
            failures.push(format!(
                "{records:?}: {got} (testing warning {warned}): {}",
                signature.summary
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_expired_signature_says_whether_it_was_valid_on_arrival() {
    let net = dns_lab::internet::miniature_internet();
    let expired = dns_lab::mail::message("expired.eml").unwrap();
    let mut received = b"Received: from out.dkim-signed.org (out.dkim-signed.org [192.0.2.25])\r\n\tby mx.example.net with ESMTPS id 4242; Tue, 02 Dec 2025 10:00:00 +0000\r\n".to_vec();
    received.extend_from_slice(expired);
    let report = verify_lab_message(&net, &received);
    let summary = &report.signatures[0].problems[0].summary;
    assert!(
        summary.contains("still valid when the message arrived (6 days before"),
        "{summary}"
    );
    // Without a Received field nothing is said about the arrival.
    let report = verify_lab_message(&net, expired);
    assert!(!report.signatures[0].problems[0].summary.contains("arrived"));
}

/// The report of a lab scenario, by id.
fn lab_report(net: &Network, id: &str) -> dkim_rules::Report {
    let scenario = scenarios::scenario(id).expect("a lab scenario");
    let check = check_of(scenario);
    diagnose(&check, &observe(net, &check))
}

#[test]
fn mail_from_and_dmarc_reports_say_what_the_lab_holds() {
    use dkim_rules::dmarc::{AlignmentMode, Policy};
    use dkim_rules::RecordStatus;
    let net = dns_lab::internet::miniature_internet();

    let healthy = lab_report(&net, "mail-from-healthy");
    let mail_from = healthy.mail_from.as_ref().expect("a mail_from object");
    assert_eq!(mail_from.domain, n("bounce.mail-from-healthy.com"));
    assert_eq!(mail_from.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        mail_from.expected_mx,
        "10 feedback-smtp.us-east-1.amazonses.com."
    );
    assert_eq!(
        (mail_from.mx.status, mail_from.spf.status),
        (RecordStatus::Ok, RecordStatus::Ok)
    );
    assert_eq!(mail_from.mx.servers.len(), 2);
    assert!(mail_from.mx.servers.iter().all(|s| s.correct));
    assert_eq!(mail_from.spf.lookups, Some(1));
    assert!(mail_from.spf.lookups_complete && mail_from.spf.includes_amazonses);
    assert!(mail_from.fixes.is_empty());
    let dmarc = healthy.dmarc.as_ref().expect("a dmarc object");
    assert_eq!(dmarc.policy.as_ref().unwrap().policy, Policy::Quarantine);
    assert_eq!(dmarc.organizational_domain_method, "public-suffix-list");
    assert!(dmarc.dkim.aligned && dmarc.dkim.passes);
    let spf = dmarc.spf.as_ref().unwrap();
    assert!(spf.aligned && spf.passes, "{spf:?}");
    assert!(
        dmarc
            .summary
            .contains("passes DMARC (DKIM and SPF both align)"),
        "{}",
        dmarc.summary
    );

    let too_many = lab_report(&net, "spf-too-many");
    let spf = &too_many.mail_from.as_ref().unwrap().spf;
    assert_eq!((spf.lookups, spf.lookups_complete), (Some(12), true));
    assert_eq!(spf.includes.len(), 3);
    let finding = too_many
        .findings
        .iter()
        .find(|f| f.code.as_str() == "spf-too-many-lookups")
        .unwrap();
    assert!(
        finding.summary.contains("takes 12 DNS lookups"),
        "{}",
        finding.summary
    );

    // USE_DEFAULT_VALUE makes an MX problem a warning that says what happens to the mail;
    // REJECT_MESSAGE an error.
    let other = lab_report(&net, "mail-from-other-region");
    let f = &other.findings[0];
    assert_eq!(
        (f.code.as_str(), f.severity),
        ("mail-from-mx-other-region", Severity::Warning)
    );
    assert!(
        f.summary.contains("eu-central-2") && f.summary.contains("amazonses.com"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("SPF then passes for amazonses.com"),
        "{}",
        f.summary
    );
    let missing = lab_report(&net, "mail-from-mx-missing");
    let f = &missing.findings[0];
    assert_eq!(
        (f.code.as_str(), f.severity),
        ("mail-from-mx-missing", Severity::Error)
    );
    assert!(f.summary.contains("REJECT_MESSAGE"), "{}", f.summary);
    let fix = &missing.mail_from.as_ref().unwrap().fixes[0];
    assert_eq!(
        (fix.rtype.as_str(), fix.value.as_str()),
        ("MX", "10 feedback-smtp.<region>.amazonses.com.")
    );

    let strict = lab_report(&net, "dmarc-strict");
    let dmarc = strict.dmarc.as_ref().unwrap();
    assert_eq!(dmarc.spf.as_ref().unwrap().mode, AlignmentMode::Strict);
    assert!(!dmarc.spf.as_ref().unwrap().aligned);
    assert!(dmarc.summary.contains("through DKIM"), "{}", dmarc.summary);

    let two = lab_report(&net, "dmarc-two-records");
    assert_eq!(two.dmarc.as_ref().unwrap().status, RecordStatus::WrongValue);
    let none = lab_report(&net, "dmarc-missing");
    assert!(none.mail_from.is_none());
    let dmarc = none.dmarc.as_ref().unwrap();
    assert_eq!(dmarc.status, RecordStatus::Missing);
    assert!(!dmarc.spf.as_ref().unwrap().aligned);
    assert_eq!(dmarc.fixes[0].name, n("_dmarc.dmarc-missing.com"));

    // A DKIM-only scenario: DMARC read, no MAIL FROM, no finding beyond its own.
    let dkim_only = lab_report(&net, "ses-healthy");
    assert!(dkim_only.mail_from.is_none());
    assert_eq!(dkim_only.dmarc.as_ref().unwrap().status, RecordStatus::Ok);
}

#[test]
fn the_healthy_identity_costs_three_probes_and_one_include_beyond_dkim() {
    let net = dns_lab::internet::miniature_internet();
    let scenario = scenarios::scenario("mail-from-healthy").unwrap();
    let full = check_of(scenario);
    let Check::Ses {
        domain,
        tokens,
        signing_zone,
        region,
        ..
    } = full.clone()
    else {
        panic!("an SES check")
    };
    let dkim_only = Check::Ses {
        domain,
        tokens,
        signing_zone,
        region,
        expect_ns: vec![],
        ses_soa: None,
        ses_status: None,
        mail_from: None,
        dmarc: false,
    };
    let full_obs = observe(&net, &full);
    let dkim_obs = observe(&net, &dkim_only);
    assert_eq!(full_obs.probes.len(), dkim_obs.probes.len() + 3);
    assert_eq!(full_obs.targets.len(), dkim_obs.targets.len() + 1);
    // And the DKIM part of the diagnosis is the same.
    let (a, b) = (diagnose(&full, &full_obs), diagnose(&dkim_only, &dkim_obs));
    assert_eq!(
        (a.verdict, &a.records, &a.findings),
        (b.verdict, &b.records, &b.findings)
    );
}
