//! The result of verifying a message: one [`SignatureReport`] per DKIM-Signature, with a
//! stable [`SignatureCode`] saying why it did not pass, and the DMARC alignment.

use serde::{Deserialize, Serialize};

use crate::observe::ServerRef;
use crate::report::Verdict;

use super::mail::{LineEndings, SourceFormat};

/// Why a signature did not pass. The strings are a contract (JSON `reason` and
/// `problems[].code`), documented in FINDINGS.md: extended, never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureCode {
    /// The DKIM-Signature field breaks the syntax or a MUST of RFC 6376.
    SignatureMalformed,
    /// A version, algorithm, canonicalization or query method verifiers do not implement.
    SignatureUnsupported,
    /// `a=rsa-sha1`, which RFC 8301 forbids verifiers to accept.
    AlgorithmForbidden,
    /// `x=` is in the past.
    SignatureExpired,
    /// `t=` is in the future.
    SignatureFuture,
    /// No key record at `<s>._domainkey.<d>`.
    KeyMissing,
    /// The key record cannot be used (syntax, several records, key type, size).
    KeyInvalid,
    /// The key record has an empty `p=`.
    KeyRevoked,
    /// The key record's `h=` does not list the signature's hash algorithm.
    KeyHashNotAllowed,
    /// The key record has `t=s` and `i=` is in a subdomain of `d=`.
    KeyStrictIdentity,
    /// The authoritative servers hold different keys and the result depends on which answers.
    KeyInconsistent,
    /// The body hash does not match: the body changed after signing.
    BodyChanged,
    /// The signature was not made with the published key.
    KeyMismatch,
    /// The signed header fields changed after signing.
    HeadersChanged,
    /// No authoritative server answered for the key: nothing can be concluded.
    KeyUnavailable,
}

impl SignatureCode {
    /// Every code, in the order of the documentation.
    pub const ALL: [SignatureCode; 15] = [
        SignatureCode::SignatureMalformed,
        SignatureCode::SignatureUnsupported,
        SignatureCode::AlgorithmForbidden,
        SignatureCode::SignatureExpired,
        SignatureCode::SignatureFuture,
        SignatureCode::KeyMissing,
        SignatureCode::KeyInvalid,
        SignatureCode::KeyRevoked,
        SignatureCode::KeyHashNotAllowed,
        SignatureCode::KeyStrictIdentity,
        SignatureCode::KeyInconsistent,
        SignatureCode::BodyChanged,
        SignatureCode::KeyMismatch,
        SignatureCode::HeadersChanged,
        SignatureCode::KeyUnavailable,
    ];

    /// The stable string.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureCode::SignatureMalformed => "signature-malformed",
            SignatureCode::SignatureUnsupported => "signature-unsupported",
            SignatureCode::AlgorithmForbidden => "algorithm-forbidden",
            SignatureCode::SignatureExpired => "signature-expired",
            SignatureCode::SignatureFuture => "signature-future",
            SignatureCode::KeyMissing => "key-missing",
            SignatureCode::KeyInvalid => "key-invalid",
            SignatureCode::KeyRevoked => "key-revoked",
            SignatureCode::KeyHashNotAllowed => "key-hash-not-allowed",
            SignatureCode::KeyStrictIdentity => "key-strict-identity",
            SignatureCode::KeyInconsistent => "key-inconsistent",
            SignatureCode::BodyChanged => "body-changed",
            SignatureCode::KeyMismatch => "key-mismatch",
            SignatureCode::HeadersChanged => "headers-changed",
            SignatureCode::KeyUnavailable => "key-unavailable",
        }
    }

    /// Whether the code leaves the result open (DNS did not answer) rather than failed.
    pub fn is_incomplete(self) -> bool {
        self == SignatureCode::KeyUnavailable
    }

    /// Whether the code is about the key record (then the DNS diagnosis of the selector is
    /// shown in full).
    pub fn is_about_key(self) -> bool {
        matches!(
            self,
            SignatureCode::KeyMissing
                | SignatureCode::KeyInvalid
                | SignatureCode::KeyRevoked
                | SignatureCode::KeyHashNotAllowed
                | SignatureCode::KeyStrictIdentity
                | SignatureCode::KeyInconsistent
                | SignatureCode::KeyMismatch
                | SignatureCode::KeyUnavailable
        )
    }

    /// One line for the documentation table.
    pub fn meaning(self) -> &'static str {
        match self {
            SignatureCode::SignatureMalformed => "The DKIM-Signature field breaks the tag-list syntax or a MUST of RFC 6376 (a required tag missing, bad base64, `h=` without From, `i=` outside `d=`, `x=` not after `t=`).",
            SignatureCode::SignatureUnsupported => "`v=`, `a=`, `c=` or `q=` names something verifiers do not implement, so they ignore the signature.",
            SignatureCode::AlgorithmForbidden => "`a=rsa-sha1`: RFC 8301 forbids verifiers to accept it (the report says whether it would verify otherwise).",
            SignatureCode::SignatureExpired => "`x=` is in the past.",
            SignatureCode::SignatureFuture => "`t=` is more than 5 minutes in the future.",
            SignatureCode::KeyMissing => "No key record at `<s>._domainkey.<d>` (NXDOMAIN or NODATA) on the servers that answered.",
            SignatureCode::KeyInvalid => "The key record cannot be used: syntax, several TXT records, a key type other than `a=` needs, an RSA key under 1024 bits.",
            SignatureCode::KeyRevoked => "The key record has an empty `p=`: the key was revoked.",
            SignatureCode::KeyHashNotAllowed => "The key record's `h=` does not list the hash of `a=`, so verifiers must ignore the key.",
            SignatureCode::KeyStrictIdentity => "The key record has `t=s` but `i=` is in a subdomain of `d=`.",
            SignatureCode::KeyInconsistent => "The authoritative servers hold different keys: the signature verifies with some and not others.",
            SignatureCode::BodyChanged => "The body hash does not match: the body changed after signing (the report says whether `l=` or an appended footer explains it).",
            SignatureCode::KeyMismatch => "The signature was not made with the published key (the key opens it to garbage, or its size differs).",
            SignatureCode::HeadersChanged => "The signed header fields changed after signing (for Ed25519: or the key is not the signer's).",
            SignatureCode::KeyUnavailable => "No authoritative server answered for the key: the result is incomplete.",
        }
    }

    /// The documentation table (code and meaning).
    pub fn markdown_table() -> String {
        let mut out = String::from("| Code | Meaning |\n|---|---|\n");
        for code in SignatureCode::ALL {
            out.push_str(&format!("| `{}` | {} |\n", code.as_str(), code.meaning()));
        }
        out
    }
}

/// The result of one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureResult {
    /// It verifies.
    Pass,
    /// It does not.
    Fail,
    /// The key could not be fetched.
    Incomplete,
}

/// One problem of a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The code.
    pub code: SignatureCode,
    /// One or two sentences.
    pub summary: String,
}

/// The body hash check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyCheck {
    /// `match`, `mismatch` or `not-checked`.
    pub status: BodyStatus,
    /// `bh=` (base64).
    pub expected: Option<String>,
    /// The hash of the body as received (base64).
    pub computed: Option<String>,
    /// Length of the canonical body received.
    pub canonical_length: u64,
    /// Octets of it the signature covers (`l=`, or all).
    pub signed_length: u64,
    /// Why the body differs, when something explains it.
    pub change: Option<BodyChange>,
}

/// `match`, `mismatch`, `not-checked`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyStatus {
    /// The body hash matches.
    Match,
    /// It does not.
    Mismatch,
    /// The signature could not be read far enough.
    NotChecked,
}

/// What explains a changed (or partly unsigned) body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyChange {
    /// `appended` (the signed body is a prefix of the received one), `unsigned-tail` (`l=`
    /// leaves content unsigned), `shorter-than-l` (the body is shorter than `l=`),
    /// `mailing-list` (list headers, no prefix found), `unknown`.
    pub kind: String,
    /// Octets added after the signed body, when known.
    pub appended_bytes: Option<u64>,
    /// The first line of what was added.
    pub appended_start: Option<String>,
    /// One sentence.
    pub summary: String,
}

/// What one authoritative server's key did with the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerKeyResult {
    /// The server.
    pub server: ServerRef,
    /// What it holds at the selector, in words.
    pub holds: String,
    /// `pass`, or the code of the key's problem, or `no-answer`.
    pub outcome: String,
}

/// The key part of a signature's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCheck {
    /// `<s>._domainkey.<d>.`.
    pub name: String,
    /// The key record used (text), when one was found.
    pub record: Option<String>,
    /// Key type and size (`rsa 2048`, `ed25519`).
    pub key: Option<String>,
    /// Per authoritative server.
    pub servers: Vec<ServerKeyResult>,
}

/// DMARC identifier alignment of one passing signature with the From domain (RFC 7489
/// §3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alignment {
    /// `d=` equals the From domain.
    pub strict: bool,
    /// `d=` and the From domain share their organizational domain.
    pub relaxed: bool,
}

/// One DKIM-Signature's verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureReport {
    /// 1-based, top to bottom.
    pub index: usize,
    /// `d=` (as written when the signature could not be parsed).
    pub domain: Option<String>,
    /// `s=`.
    pub selector: Option<String>,
    /// `a=`.
    pub algorithm: Option<String>,
    /// `c=` as `header/body`.
    pub canonicalization: Option<String>,
    /// `i=`.
    pub identity: Option<String>,
    /// `h=`.
    pub signed_headers: Vec<String>,
    /// `l=`.
    pub body_length: Option<u64>,
    /// `t=`.
    pub timestamp: Option<u64>,
    /// `x=`.
    pub expiration: Option<u64>,
    /// `pass`, `fail` or `incomplete`.
    pub result: SignatureResult,
    /// The first problem (null on pass).
    pub reason: Option<SignatureCode>,
    /// One sentence: the result and why.
    pub summary: String,
    /// What to do, when anything can be done.
    pub fix: Option<String>,
    /// Every problem found, the reason first.
    pub problems: Vec<Problem>,
    /// What passes but deserves attention (`t=y`, `l=` leaving content unsigned...).
    pub warnings: Vec<String>,
    /// The body hash check.
    pub body: BodyCheck,
    /// The key, when the signature named one.
    pub key: Option<KeyCheck>,
    /// DMARC alignment with the From domain (null when the From domain is unknown).
    pub alignment: Option<Alignment>,
}

/// The message, in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSummary {
    /// Size of the input.
    pub bytes: u64,
    /// `eml` or `mbox`.
    pub format: SourceFormat,
    /// `crlf`, `lf` or `mixed`.
    pub line_endings: LineEndings,
    /// The From address (the first one).
    pub from: Option<String>,
    /// Its domain, lower case.
    pub from_domain: Option<String>,
    /// Subject.
    pub subject: Option<String>,
    /// `List-Id` when the message came through a mailing list.
    pub list_id: Option<String>,
    /// Number of DKIM-Signature fields.
    pub signatures: usize,
}

/// DMARC's view of the DKIM results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DmarcView {
    /// The From domain.
    pub from_domain: Option<String>,
    /// Its organizational domain (Public Suffix List).
    pub organizational_domain: Option<String>,
    /// A passing signature aligns in relaxed mode (DMARC's default `adkim=r`).
    pub relaxed: bool,
    /// A passing signature aligns in strict mode (`adkim=s`).
    pub strict: bool,
    /// The indexes of the passing signatures that align (relaxed).
    pub aligned_signatures: Vec<usize>,
    /// One sentence.
    pub summary: String,
}

/// The verification of a whole message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageReport {
    /// `pass` when every signature passes, `fail` when one fails (or there is none),
    /// `incomplete` when none failed but a key could not be fetched.
    pub verdict: Verdict,
    /// The message.
    pub message: MessageSummary,
    /// DMARC alignment.
    pub dmarc: DmarcView,
    /// One per DKIM-Signature, top to bottom.
    pub signatures: Vec<SignatureReport>,
    /// How the input was read, and limits that applied.
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text between a `<!-- BEGIN SIGNATURE CODES TABLE ... -->` line and its END marker.
    fn table_in(doc: &str) -> &str {
        let start = doc
            .find("<!-- BEGIN SIGNATURE CODES TABLE")
            .and_then(|at| doc[at..].find("-->\n").map(|end| at + end + 4))
            .expect("table start marker");
        let end = doc
            .find("<!-- END SIGNATURE CODES TABLE -->")
            .expect("table end marker");
        &doc[start..end]
    }

    #[test]
    fn findings_md_and_readme_document_every_signature_code() {
        let findings = include_str!("../../FINDINGS.md");
        let readme = include_str!("../../../../README.md");
        let table = SignatureCode::markdown_table();
        assert_eq!(
            table_in(findings),
            table,
            "FINDINGS.md is stale: `cargo run -p dkim-rules --example signature_codes_table`"
        );
        assert_eq!(table_in(readme), table, "the README's table is stale");
        for code in SignatureCode::ALL {
            let heading = findings
                .lines()
                .any(|l| l.starts_with("### ") && l.contains(&format!("`{}`", code.as_str())));
            assert!(heading, "FINDINGS.md has no section for {}", code.as_str());
        }
    }

    #[test]
    fn codes_serialize_as_their_strings_in_precedence_order() {
        let mut sorted = SignatureCode::ALL;
        sorted.sort();
        assert_eq!(sorted, SignatureCode::ALL, "ALL is in precedence order");
        for code in SignatureCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
