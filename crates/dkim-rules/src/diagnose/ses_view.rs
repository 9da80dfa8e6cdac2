//! What SES itself reported (from the identity JSON), set against the diagnosis.

use crate::check::Check;
use crate::finding::{Finding, FindingCode, Severity};
use crate::report::{SesView, Verdict};

/// The comparison, for SES checks that carry SES's status.
pub(crate) fn ses_view(check: &Check, verdict: Verdict, findings: &[Finding]) -> Option<SesView> {
    let Check::Ses {
        ses_status: Some(status),
        ..
    } = check
    else {
        return None;
    };
    let error_type = status.error_type.clone();
    let matching: Vec<FindingCode> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .filter(|f| {
            f.ses_error_type
                .is_some_and(|t| Some(t.as_str()) == error_type.as_deref())
        })
        .map(|f| f.code)
        .fold(Vec::new(), |mut codes, code| {
            if !codes.contains(&code) {
                codes.push(code);
            }
            codes
        });
    let listed = matching
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let dkim_status = status.dkim_status.clone();
    let summary = match (&error_type, dkim_status.as_deref(), verdict) {
        (Some(e), _, Verdict::Pass) => format!(
            "SES last reported {e}, but every record is now correct on every authoritative server: SES should find them at its next check (if its status is FAILED, start the verification again)."
        ),
        (Some(e), _, Verdict::Incomplete) => format!(
            "SES reports {e}; this check could not reach the domain's name servers either, so the cause is on their side."
        ),
        (Some(e), _, Verdict::Fail) if !matching.is_empty() => {
            format!("SES reports {e}; the findings that explain it: {listed}.")
        }
        (Some(e), _, Verdict::Fail) => format!(
            "SES reports {e}; no finding maps to it exactly, but the errors found also stop DKIM from verifying."
        ),
        (None, Some(s), Verdict::Fail) if s.eq_ignore_ascii_case("SUCCESS") => {
            "SES reports SUCCESS, but the records are broken now: SES will notice at a later check, warn you by email and then stop signing with DKIM.".to_string()
        }
        (None, Some(s), Verdict::Pass) if s.eq_ignore_ascii_case("SUCCESS") => {
            "SES reports SUCCESS, and the records agree.".to_string()
        }
        (None, Some(s), Verdict::Pass) => format!(
            "SES reports {s}; the records are correct now, so SES should succeed at its next check (it keeps checking for up to 72 hours after verification starts)."
        ),
        (None, Some(s), _) => format!("SES reports {s}."),
        (None, None, _) => return None,
    };
    Some(SesView {
        dkim_status,
        error_type,
        matching,
        summary,
    })
}
