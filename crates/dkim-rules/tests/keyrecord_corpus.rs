//! The key-record verdict against real verifiers, on key records written by others.
//!
//! `tests/keyrecords/corpus.tsv` holds key records taken from other projects' test suites
//! (and records those suites copied from the DNS), each with its provenance, plus a few
//! marked one-edit variants of them. `tests/keyrecords/verdicts.tsv` holds what dkimpy,
//! libopendkim, Mail::DKIM, mailauth and go-msgauth did with each record, produced by
//! `tests/keyrecords/verifiers/run.py` (see its doc comment; the verifiers are not needed to
//! run this test). For every record this test checks:
//!
//! - our findings are the ones the corpus expects (the `expect` column), so a change of
//!   verdict shows up here;
//! - at least two verifiers judged it;
//! - where every verifier refuses the record, we report an error;
//! - where every verifier accepts it, we report no error;
//! - where they disagree, we report something, and a warning (rather than an error) names
//!   each verifier that refuses the record, except for the verifier bugs listed in
//!   [`NOT_WARNED`], where the record is right and a warning would only alarm.

use std::collections::BTreeMap;

use dkim_rules::{judge_key_record, Severity};
use dns_wire::Name;

struct Row {
    id: String,
    project: String,
    file: String,
    licence: String,
    edit: String,
    expect: String,
    record: String,
}

fn read(file: &str) -> String {
    let path = format!("{}/tests/keyrecords/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn corpus() -> Vec<Row> {
    let text = read("corpus.tsv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("id\tproject\tfile\tlicence\tedit\texpect\trecord")
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.splitn(7, '\t').collect();
            assert_eq!(f.len(), 7, "{line}");
            Row {
                id: f[0].into(),
                project: f[1].into(),
                file: f[2].into(),
                licence: f[3].into(),
                edit: f[4].into(),
                expect: f[5].into(),
                record: f[6].into(),
            }
        })
        .collect()
}

/// id -> verifier -> (verdict, detail)
fn verdicts() -> BTreeMap<String, BTreeMap<String, (String, String)>> {
    let mut out: BTreeMap<String, BTreeMap<String, (String, String)>> = BTreeMap::new();
    for line in read("verdicts.tsv").lines() {
        if line.starts_with('#') || line.starts_with("id\t") {
            continue;
        }
        let f: Vec<&str> = line.splitn(4, '\t').collect();
        assert_eq!(f.len(), 4, "{line}");
        out.entry(f[0].into())
            .or_default()
            .insert(f[1].into(), (f[2].into(), f[3].into()));
    }
    out
}

/// Refusals that are verifier bugs on records RFC 6376 allows, which dkim-doctor does not warn
/// about: (record id, verifier, why).
const NOT_WARNED: &[(&str, &str, &str)] = &[
    (
        "mailauth-n-apostrophe",
        "mailauth",
        "mailauth 4.13.3 refuses ' ( or \\ in n=; RFC 6376 §3.2 allows them in a tag value, and mailauth's own current tests accept them",
    ),
    ("mailauth-n-parenthesis", "mailauth", "as above"),
    ("mailauth-n-backslash", "mailauth", "as above"),
];

/// How the findings name each verifier.
fn display_name(verifier: &str) -> &'static str {
    match verifier {
        "dkimpy" => "dkimpy",
        "opendkim" => "OpenDKIM",
        "mail-dkim" => "Mail::DKIM",
        "mailauth" => "mailauth",
        "go-msgauth" => "go-msgauth",
        other => panic!("unknown verifier {other}"),
    }
}

#[test]
fn key_records_from_other_projects_are_judged_as_verifiers_judge_them() {
    let rows = corpus();
    let verdicts = verdicts();
    let original = rows.iter().filter(|r| r.edit == "-").count();
    assert!(original >= 50, "only {original} records written by others");
    let at: Name = "sel._domainkey.example.com".parse().unwrap();
    let mut problems = Vec::new();
    for row in &rows {
        assert!(
            !row.project.is_empty() && !row.file.is_empty() && !row.licence.is_empty(),
            "{}: provenance missing",
            row.id
        );
        let findings = judge_key_record(&[row.record.as_bytes().to_vec()], &at);
        let mut codes: Vec<String> = findings
            .iter()
            .map(|f| format!("{}:{}", f.code, f.severity.as_str()))
            .collect();
        codes.sort();
        let got = if codes.is_empty() {
            "-".to_string()
        } else {
            codes.join(" ")
        };
        if got != row.expect {
            problems.push(format!(
                "{}: expected {:?}, got {got:?}",
                row.id, row.expect
            ));
        }
        let by_verifier = verdicts
            .get(&row.id)
            .unwrap_or_else(|| panic!("{}: no verifier verdicts", row.id));
        let judged: Vec<(&str, bool)> = by_verifier
            .iter()
            .filter(|(_, (v, _))| v != "n/a")
            .map(|(name, (v, detail))| {
                assert!(v == "accept" || v == "reject", "{}: {v} {detail}", row.id);
                (name.as_str(), v == "accept")
            })
            .collect();
        assert!(judged.len() >= 2, "{}: fewer than two verdicts", row.id);
        let error = findings.iter().any(|f| f.severity == Severity::Error);
        let warnings: Vec<&str> = findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .map(|f| f.summary.as_str())
            .collect();
        let refusing: Vec<&str> = judged
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| *name)
            .filter(|name| {
                !NOT_WARNED
                    .iter()
                    .any(|(id, v, _)| *id == row.id && v == name)
            })
            .collect();
        if !refusing.is_empty() && refusing.len() == judged.len() && !error {
            problems.push(format!(
                "{}: every verifier refuses it, we report no error",
                row.id
            ));
        }
        if refusing.is_empty() && error {
            problems.push(format!(
                "{}: every verifier accepts it, we report an error: {findings:?}",
                row.id
            ));
        }
        if !refusing.is_empty() && refusing.len() < judged.len() && !error {
            let named = refusing.iter().all(|v| {
                warnings
                    .iter()
                    .any(|summary| summary.contains(display_name(v)))
            });
            if !named {
                problems.push(format!(
                    "{}: {refusing:?} refuse it, and no warning names them: {warnings:?}",
                    row.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_verdict_belongs_to_a_corpus_record() {
    let ids: Vec<String> = corpus().into_iter().map(|r| r.id).collect();
    for id in verdicts().keys() {
        assert!(
            ids.contains(id),
            "verdicts.tsv has {id}, corpus.tsv does not"
        );
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "duplicate ids in corpus.tsv");
}
