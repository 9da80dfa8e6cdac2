//! The public DKIM keys the lab publishes (base64, see `keys/README.md` for how they were made;
//! the private halves were never kept).

/// SES's active key on the first [`crate::scenarios::SES_TOKENS`] target: RSA 2048,
/// SubjectPublicKeyInfo DER.
pub const SES_2048: &str = include_str!("../keys/ses2048.b64");
/// RSA 2048, SubjectPublicKeyInfo DER.
pub const RSA_2048: &str = include_str!("../keys/rsa2048.b64");
/// [`RSA_2048`] as a bare PKCS#1 RSAPublicKey DER (no SubjectPublicKeyInfo around it).
pub const RSA_2048_PKCS1: &str = include_str!("../keys/rsa2048.pkcs1.b64");
/// RSA 1024, SubjectPublicKeyInfo DER.
pub const RSA_1024: &str = include_str!("../keys/rsa1024.b64");
/// RSA 768, SubjectPublicKeyInfo DER.
pub const RSA_768: &str = include_str!("../keys/rsa768.b64");
/// RSA 512, SubjectPublicKeyInfo DER.
pub const RSA_512: &str = include_str!("../keys/rsa512.b64");
/// Ed25519, the 32 raw public key octets (RFC 8463 §4.2).
pub const ED25519: &str = include_str!("../keys/ed25519.b64");
/// The RSA 2048 key that signed the test messages of [`crate::mail`] (its private half is
/// `mail/keys/rsa2048.pem`, a test key), SubjectPublicKeyInfo DER.
pub const MAIL_RSA_2048: &str = include_str!("../keys/mail-rsa2048.b64");
/// The Ed25519 key that signed the test messages of [`crate::mail`] (private half
/// `mail/keys/ed25519.pem`), the 32 raw octets.
pub const MAIL_ED25519: &str = include_str!("../keys/mail-ed25519.b64");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_single_base64_lines_of_the_expected_length() {
        // Base64 lengths of SubjectPublicKeyInfo DER for each size, and of 32 raw octets.
        for (key, len) in [
            (SES_2048, 392),
            (RSA_2048, 392),
            (RSA_2048_PKCS1, 360),
            (RSA_1024, 216),
            (RSA_768, 168),
            (RSA_512, 128),
            (ED25519, 44),
            (MAIL_RSA_2048, 392),
            (MAIL_ED25519, 44),
        ] {
            assert_eq!(key.len(), len);
            assert!(key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='));
        }
        assert_ne!(SES_2048, RSA_2048);
    }
}
