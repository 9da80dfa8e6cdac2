//! `--watch` support: what changed between two reports of the same check.

use dns_wire::Name;
use serde::Serialize;

use crate::finding::FindingCode;
use crate::observe::ServerRef;
use crate::report::{RecordStatus, Report, Verdict};
use crate::serde_dns;

/// One difference between two reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub enum Change {
    /// The verdict changed.
    Verdict {
        /// Before.
        from: Verdict,
        /// After.
        to: Verdict,
    },
    /// A record's status changed.
    RecordStatus {
        /// The record.
        #[serde(with = "serde_dns::name")]
        name: Name,
        /// Before.
        from: RecordStatus,
        /// After.
        to: RecordStatus,
    },
    /// A server now returns something else for a record (`None`: it was not asked).
    ServerValue {
        /// The record.
        #[serde(with = "serde_dns::name")]
        name: Name,
        /// The server.
        server: ServerRef,
        /// Before.
        from: Option<String>,
        /// After.
        to: Option<String>,
    },
    /// A finding appeared.
    FindingAppeared {
        /// Its code.
        code: FindingCode,
        /// The name it concerns.
        #[serde(with = "serde_dns::name")]
        name: Name,
        /// Its summary.
        summary: String,
    },
    /// A finding went away.
    FindingResolved {
        /// Its code.
        code: FindingCode,
        /// The name it concerned.
        #[serde(with = "serde_dns::name")]
        name: Name,
    },
}

impl Change {
    /// One line for the user.
    pub fn describe(&self) -> String {
        match self {
            Change::Verdict { from, to } => {
                format!("verdict: {} -> {}", from.as_str(), to.as_str())
            }
            Change::RecordStatus { name, from, to } => {
                format!("{name}: {} -> {}", from.as_str(), to.as_str())
            }
            Change::ServerValue {
                name,
                server,
                from,
                to,
            } => format!(
                "{name} on {server}: {} -> {}",
                from.as_deref().unwrap_or("(not asked)"),
                to.as_deref().unwrap_or("(not asked)")
            ),
            Change::FindingAppeared {
                code,
                name,
                summary,
            } => {
                format!("new {code} at {name}: {summary}")
            }
            Change::FindingResolved { code, name } => format!("resolved: {code} at {name}"),
        }
    }
}

/// What changed from `old` to `new`, in a stable order: verdict, records (in report order,
/// status then servers), resolved findings, new findings.
pub fn diff_reports(old: &Report, new: &Report) -> Vec<Change> {
    let mut changes = Vec::new();
    if old.verdict != new.verdict {
        changes.push(Change::Verdict {
            from: old.verdict,
            to: new.verdict,
        });
    }
    for record in &new.records {
        let Some(before) = old.records.iter().find(|r| r.name == record.name) else {
            continue;
        };
        if before.status != record.status {
            changes.push(Change::RecordStatus {
                name: record.name.clone(),
                from: before.status,
                to: record.status,
            });
        }
        for value in &record.servers {
            let previous = before.servers.iter().find(|v| v.server == value.server);
            if previous.map(|p| &p.value) != Some(&value.value) {
                changes.push(Change::ServerValue {
                    name: record.name.clone(),
                    server: value.server.clone(),
                    from: previous.map(|p| p.value.clone()),
                    to: Some(value.value.clone()),
                });
            }
        }
        for value in &before.servers {
            if !record.servers.iter().any(|v| v.server == value.server) {
                changes.push(Change::ServerValue {
                    name: record.name.clone(),
                    server: value.server.clone(),
                    from: Some(value.value.clone()),
                    to: None,
                });
            }
        }
    }
    // The servers of a finding are a set: the order they answered in is not a change.
    let key = |f: &crate::finding::Finding| {
        let mut servers = f.servers.clone();
        servers.sort();
        (f.code, f.name.clone(), servers)
    };
    for finding in &old.findings {
        if !new.findings.iter().any(|f| key(f) == key(finding)) {
            changes.push(Change::FindingResolved {
                code: finding.code,
                name: finding.name.clone(),
            });
        }
    }
    for finding in &new.findings {
        if !old.findings.iter().any(|f| key(f) == key(finding)) {
            changes.push(Change::FindingAppeared {
                code: finding.code,
                name: finding.name.clone(),
                summary: finding.summary.clone(),
            });
        }
    }
    changes
}

/// While watching: a sentence on how long resolvers may still hide a fix, when a record is
/// still missing and the zone's SOA is known.
pub fn watch_hint(report: &Report) -> Option<String> {
    let waiting = report.records.iter().any(|r| r.status != RecordStatus::Ok);
    if !waiting {
        return None;
    }
    report.negative_caching.as_ref().map(|n| n.hint.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Finding, Severity};
    use crate::report::{RecordReport, ServerValue};

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn report(
        verdict: Verdict,
        status: RecordStatus,
        value: &str,
        codes: &[FindingCode],
    ) -> Report {
        let server = ServerRef {
            name: n("ns1.example.com"),
            address: "192.0.2.1".parse().unwrap(),
        };
        Report {
            domain: n("example.com"),
            verdict,
            records: vec![RecordReport {
                name: n("s._domainkey.example.com"),
                expected: "TXT".into(),
                provider: None,
                status,
                servers: vec![ServerValue {
                    server,
                    value: value.into(),
                    correct: status == RecordStatus::Ok,
                }],
                key: None,
            }],
            findings: codes
                .iter()
                .map(|code| Finding {
                    code: *code,
                    severity: Severity::Error,
                    name: n("s._domainkey.example.com"),
                    servers: vec![],
                    summary: "x".into(),
                    fix: "y".into(),
                    ses_error_type: None,
                })
                .collect(),
            negative_caching: Some(crate::report::NegativeCaching {
                seconds: 300,
                soa_minimum: 300,
                soa_ttl: 3600,
                hint: "wait 5 min".into(),
            }),
            ses_view: None,
            mail_from: None,
            dmarc: None,
        }
    }

    #[test]
    fn a_fix_shows_as_changes() {
        let before = report(
            Verdict::Fail,
            RecordStatus::Missing,
            "NXDOMAIN",
            &[FindingCode::RecordMissing],
        );
        let after = report(Verdict::Pass, RecordStatus::Ok, "TXT \"p=...\"", &[]);
        let changes = diff_reports(&before, &after);
        let described: Vec<String> = changes.iter().map(Change::describe).collect();
        assert_eq!(
            described,
            [
                "verdict: fail -> pass",
                "s._domainkey.example.com.: missing -> ok",
                "s._domainkey.example.com. on ns1.example.com. (192.0.2.1): NXDOMAIN -> TXT \"p=...\"",
                "resolved: record-missing at s._domainkey.example.com.",
            ]
        );
        assert!(diff_reports(&after, &after).is_empty());
        assert_eq!(watch_hint(&before).as_deref(), Some("wait 5 min"));
        assert_eq!(watch_hint(&after), None);
        let json = serde_json::to_value(&changes[0]).unwrap();
        assert_eq!(json["change"], "verdict");
    }

    #[test]
    fn the_order_servers_answered_in_is_not_a_change() {
        let servers = [
            ServerRef {
                name: n("ns1.example.com"),
                address: "192.0.2.1".parse().unwrap(),
            },
            ServerRef {
                name: n("ns2.example.com"),
                address: "192.0.2.2".parse().unwrap(),
            },
        ];
        let mut before = report(
            Verdict::Fail,
            RecordStatus::Missing,
            "NXDOMAIN",
            &[FindingCode::RecordMissing],
        );
        let mut after = before.clone();
        before.findings[0].servers = servers.to_vec();
        after.findings[0].servers = servers.iter().rev().cloned().collect();
        assert!(diff_reports(&before, &after).is_empty());
    }

    #[test]
    fn new_findings_are_reported() {
        let before = report(Verdict::Pass, RecordStatus::Ok, "a", &[]);
        let after = report(
            Verdict::Fail,
            RecordStatus::Ok,
            "a",
            &[FindingCode::LameDelegation],
        );
        let changes = diff_reports(&before, &after);
        assert!(matches!(
            changes.last(),
            Some(Change::FindingAppeared {
                code: FindingCode::LameDelegation,
                ..
            })
        ));
    }
}
