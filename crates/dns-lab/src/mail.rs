//! Test messages signed by other DKIM implementations (dkimpy and OpenDKIM's libopendkim),
//! some altered the way mail is altered in transit. Their keys are served by the lab's
//! [`crate::scenarios::DKIM_SIGNED`] and [`crate::scenarios::ESP_MAILER`] zones.
//!
//! `mail/make-fixtures.py` wrote them (with the test keys in `mail/keys/`) and wrote
//! `mail/messages/dkimpy-verdicts.txt`, dkimpy's own verdict on each signature; they are
//! committed so tests need neither tool.

/// Every message: (file name, bytes as signed and altered).
pub const MESSAGES: &[(&str, &[u8])] = &[
    (
        "bench-100k-3sig.eml",
        include_bytes!("../mail/messages/bench-100k-3sig.eml"),
    ),
    (
        "body-rewritten.eml",
        include_bytes!("../mail/messages/body-rewritten.eml"),
    ),
    (
        "dkimpy-ed25519.eml",
        include_bytes!("../mail/messages/dkimpy-ed25519.eml"),
    ),
    (
        "dkimpy-rsa-relaxed.eml",
        include_bytes!("../mail/messages/dkimpy-rsa-relaxed.eml"),
    ),
    (
        "dkimpy-rsa-simple.eml",
        include_bytes!("../mail/messages/dkimpy-rsa-simple.eml"),
    ),
    (
        "ed25519-subject-changed.eml",
        include_bytes!("../mail/messages/ed25519-subject-changed.eml"),
    ),
    (
        "expired.eml",
        include_bytes!("../mail/messages/expired.eml"),
    ),
    (
        "footer-added.eml",
        include_bytes!("../mail/messages/footer-added.eml"),
    ),
    ("future.eml", include_bytes!("../mail/messages/future.eml")),
    (
        "key-hash-not-allowed.eml",
        include_bytes!("../mail/messages/key-hash-not-allowed.eml"),
    ),
    (
        "key-mismatch.eml",
        include_bytes!("../mail/messages/key-mismatch.eml"),
    ),
    (
        "key-missing.eml",
        include_bytes!("../mail/messages/key-missing.eml"),
    ),
    (
        "key-revoked.eml",
        include_bytes!("../mail/messages/key-revoked.eml"),
    ),
    (
        "l-tag-footer.eml",
        include_bytes!("../mail/messages/l-tag-footer.eml"),
    ),
    (
        "l-tag-truncated.eml",
        include_bytes!("../mail/messages/l-tag-truncated.eml"),
    ),
    (
        "mbox-lf.mbox",
        include_bytes!("../mail/messages/mbox-lf.mbox"),
    ),
    (
        "opendkim-ed25519-relaxed.eml",
        include_bytes!("../mail/messages/opendkim-ed25519-relaxed.eml"),
    ),
    (
        "opendkim-ed25519-simple.eml",
        include_bytes!("../mail/messages/opendkim-ed25519-simple.eml"),
    ),
    (
        "opendkim-rsa-relaxed.eml",
        include_bytes!("../mail/messages/opendkim-rsa-relaxed.eml"),
    ),
    (
        "rsa-sha1.eml",
        include_bytes!("../mail/messages/rsa-sha1.eml"),
    ),
    (
        "subdomain-signer.eml",
        include_bytes!("../mail/messages/subdomain-signer.eml"),
    ),
    (
        "subject-tagged.eml",
        include_bytes!("../mail/messages/subject-tagged.eml"),
    ),
    (
        "third-party-only.eml",
        include_bytes!("../mail/messages/third-party-only.eml"),
    ),
    (
        "three-signatures.eml",
        include_bytes!("../mail/messages/three-signatures.eml"),
    ),
];

/// dkimpy's verdict on each message's signatures, top to bottom: lines of
/// `<file> pass|fail...` (`#` starts a comment).
pub const DKIMPY_VERDICTS: &str = include_str!("../mail/messages/dkimpy-verdicts.txt");

/// What `dkim-doctor message` must say of each message: per signature top to bottom, `pass`
/// or the reason code (`dkim_rules::message::SignatureCode`).
pub const EXPECTED: &[(&str, &[&str])] = &[
    ("dkimpy-rsa-relaxed.eml", &["pass"]),
    ("dkimpy-rsa-simple.eml", &["pass"]),
    ("dkimpy-ed25519.eml", &["pass"]),
    ("opendkim-rsa-relaxed.eml", &["pass"]),
    ("opendkim-ed25519-relaxed.eml", &["pass"]),
    // libopendkim 2.11 signs Ed25519 with simple header canonicalization wrongly: dkimpy
    // fails it too.
    ("opendkim-ed25519-simple.eml", &["headers-changed"]),
    ("three-signatures.eml", &["pass", "pass", "pass"]),
    ("subdomain-signer.eml", &["pass"]),
    ("third-party-only.eml", &["pass"]),
    ("mbox-lf.mbox", &["pass"]),
    ("footer-added.eml", &["body-changed"]),
    ("subject-tagged.eml", &["headers-changed"]),
    ("ed25519-subject-changed.eml", &["headers-changed"]),
    ("l-tag-footer.eml", &["pass"]),
    ("l-tag-truncated.eml", &["body-changed"]),
    ("body-rewritten.eml", &["body-changed"]),
    ("expired.eml", &["signature-expired"]),
    ("future.eml", &["signature-future"]),
    ("rsa-sha1.eml", &["algorithm-forbidden"]),
    ("key-hash-not-allowed.eml", &["key-hash-not-allowed"]),
    ("key-missing.eml", &["key-missing"]),
    ("key-revoked.eml", &["key-revoked"]),
    ("key-mismatch.eml", &["key-mismatch"]),
    ("bench-100k-3sig.eml", &["pass", "pass", "pass"]),
];

/// The message called `name`.
pub fn message(name: &str) -> Option<&'static [u8]> {
    MESSAGES.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

/// dkimpy's verdicts for `name` (`true` = pass), top to bottom.
pub fn dkimpy_verdicts(name: &str) -> Option<Vec<bool>> {
    DKIMPY_VERDICTS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(name)).then(|| words.map(|w| w == "pass").collect())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_an_expectation() {
        let mut named: Vec<&str> = EXPECTED.iter().map(|(n, _)| *n).collect();
        let mut files: Vec<&str> = MESSAGES.iter().map(|(n, _)| *n).collect();
        named.sort_unstable();
        files.sort_unstable();
        assert_eq!(named, files);
    }

    #[test]
    fn every_message_has_dkimpy_verdicts() {
        for (name, bytes) in MESSAGES {
            let verdicts = dkimpy_verdicts(name).unwrap_or_else(|| panic!("{name}"));
            let fields = bytes
                .split(|&b| b == b'\n')
                .filter(|line| line.starts_with(b"DKIM-Signature:"))
                .count();
            assert_eq!(verdicts.len(), fields, "{name}");
        }
    }
}
