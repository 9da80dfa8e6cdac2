//! The domains of the miniature internet and what each one must make the tool find.
//!
//! Every broken domain reproduces one failure; [`SCENARIOS`] lists them with the finding codes
//! (from the rules issue) a correct diagnosis must yield, so the CLI's `demo` and the tests read
//! the same table. One line per domain:
//!
//! | domain | what is there | check | expected |
//! |---|---|---|---|
//! | `ses-healthy.com` | the three SES CNAMEs, correct | SES [`SES_TOKENS`] | pass (`trailing-dot` info at most) |
//! | `ses-missing.com` | zone exists, no DKIM records | SES [`SES_TOKENS`] | `record-missing` |
//! | `ses-partial.com` | only the first token's CNAME | SES [`SES_TOKENS`] | `records-partial` |
//! | `ses-duplicated.com` | CNAMEs at `<token>._domainkey.ses-duplicated.com.ses-duplicated.com` | SES | `domain-duplicated` |
//! | `ses-underscore.com` | CNAMEs at `<token>.domainkey.ses-underscore.com` | SES | `underscore-stripped` |
//! | `ses-txt-instead.com` | TXT holding the target text instead of CNAMEs | SES | `wrong-record-type` |
//! | `ses-flattened.com` | A records (a flattened/proxied CNAME) instead of CNAMEs | SES | `wrong-record-type` |
//! | `ses-origin-appended.com` | targets `<token>.dkim.amazonses.com.ses-origin-appended.com` | SES | `target-origin-appended` |
//! | `ses-swapped.com` | token 1 and token 2 point at each other's target | SES | `target-mismatch` (swapped) |
//! | `ses-other-region.com` | targets in `dkim.eu-central-2.amazonses.com`, identity in the default region | SES | `target-mismatch` (region) |
//! | `ses-regional.com` | correct CNAMEs into `dkim.eu-central-2.amazonses.com` | SES [`REGIONAL_TOKENS`], region eu-central-2 | pass |
//! | `ses-unresolvable.com` | CNAMEs to SES targets that do not exist | SES [`UNKNOWN_TOKENS`] | `target-unresolvable` |
//! | `ses-inconsistent.com` | ns1 serves serial 2 with the CNAMEs, ns2 serial 1 without | SES | `servers-inconsistent` |
//! | `lame-ses.com` | second NS answers REFUSED (BIND view without the zone) | SES | `lame-delegation` |
//! | `many-ns.net` | healthy SES, delegated to `ns01`..`ns20.dnshost.com` (on dnshost's two addresses) | SES | `ns-fanout-capped` (warning, verdict pass) |
//! | `unreachable-dns.com` | both NS addresses have nothing listening | SES | `zone-unreachable` (verdict incomplete) |
//! | `ns-mismatch.net` | parent (net.) lists ns1+ns2, the apex lists ns1 only | SES | `delegation-mismatch` (warning, verdict pass) |
//! | `moved-to-route53.com` | delegated to dnshost (no records); CNAMEs only on the undelegated awsdns-lab servers | SES, `--expect-ns` [`ROUTE53_NS`] | `delegation-mismatch` (without `--expect-ns`: `record-missing`) |
//! | `glueless.org` | healthy SES, NS names in another TLD so `org.` has no glue | SES | pass |
//! | `route53-healthy.com` | healthy SES, Route 53-style: four NS names in `net.` and `org.` ([`ROUTE53_HOSTED_NS`]), none with glue | SES | pass |
//! | `small-host.com` | healthy SES, NS `ns1`/`ns2.smallhost.net` (another TLD, no glue), both names on one address | SES | pass |
//! | `dkim-zone-cut.com` | `_domainkey.dkim-zone-cut.com` delegated to managed-dkim.net servers, key there | selector `mail` | pass |
//! | `wildcard-dkim.com` | `*._domainkey.wildcard-dkim.com` TXT key | selector `mail` | `wildcard-answer` |
//! | `selector-healthy.org` | `google._domainkey` TXT, 2048-bit key in 255-octet strings | selector `google` | pass |
//! | `key-split.org` | 2048-bit key split at odd places into three strings (all under 255 octets) | selector `mail` | pass |
//! | `key-ed25519.org` | `k=ed25519` key | selector `mail` | pass |
//! | `key-malformed.org` | `p=` is not base64 | selector `mail` | `key-malformed` |
//! | `key-revoked.org` | `p=` empty | selector `mail` | `key-revoked` |
//! | `key-weak512.org` | 512-bit RSA | selector `mail` | `key-weak` (error) |
//! | `key-weak768.org` | 768-bit RSA | selector `mail` | `key-weak` (error) |
//! | `key-rsa1024.org` | 1024-bit RSA | selector `mail` | `key-weak` (warning) |
//! | `key-testing.org` | `t=y` | selector `mail` | `key-testing` |
//! | `key-sha1.org` | `h=sha1` | selector `mail` | `key-sha1-only` |
//! | `key-multiple.org` | two TXT records at the selector | selector `mail` | `key-multiple-records` |
//! | `key-hash.org` | `h=rsa-sha256` (a signing algorithm where a hash belongs) | selector `mail` | `key-hash-unusable` |
//! | `key-pkcs1.org` | 2048-bit RSA as a bare PKCS#1 RSAPublicKey | selector `mail` | `key-format-unportable` (warning, verdict pass) |
//! | `key-version-late.org` | `k=rsa; v=DKIM1; ...` (`v=` not first) | selector `mail` | `key-nonstandard` (warning, verdict pass) |
//! | `key-empty.org` | an empty TXT record at the selector itself | selector `mail` | `key-record-empty` |
//! | `sendgrid-customer.com` | `s1`/`s2` CNAMEs to sendgrid.net | selectors `s1`, `s2` | pass |
//! | `m365-customer.com` | `selector1`/`selector2` CNAMEs to onmicrosoft.com | selectors `selector1`, `selector2` | pass |
//! | `brevo-customer.com` | `brevo1`/`brevo2` CNAMEs, two hops inside brevo.com | selectors `brevo1`, `brevo2` | pass |
//! | `dkim-signed.org` | the keys of the signed test messages ([`crate::mail`]): `rsa2048`, `ed25519` (also under `news.`), `sha1only` (`h=sha1`), `revoked` (`p=`), `rotated` (another key), no `missing` | `dkim-doctor message` | per message |
//! | `esp-mailer.net` | `esp`: the RSA test key, a third-party signer not aligned with `dkim-signed.org` | `dkim-doctor message` | per message |
//! | `mail-from-healthy.com` | SES CNAMEs, `bounce.` MX `10 feedback-smtp.us-east-1.amazonses.com`, SPF `include:amazonses.com`, DMARC `p=quarantine` | SES identity JSON, `--region us-east-1` | pass |
//! | `mail-from-mx-missing.com` | `bounce.` has its SPF record but no MX; `REJECT_MESSAGE` | SES identity JSON | `mail-from-mx-missing` (error) |
//! | `mail-from-other-region.com` | eu-central-2 identity, `bounce.` MX to the us-east-1 endpoint; `USE_DEFAULT_VALUE` | SES identity JSON | `mail-from-mx-other-region` (warning, verdict pass) |
//! | `mail-from-duplicated.com` | `bounce.` MX and SPF at `bounce.mail-from-duplicated.com.mail-from-duplicated.com` | SES identity JSON | `mail-from-domain-duplicated` |
//! | `spf-two-records.com` | two `v=spf1` TXT records at `bounce.` | SES identity JSON | `spf-multiple` |
//! | `spf-too-many.com` | `bounce.` SPF with 12 lookups through two includes of its own zone | SES identity JSON | `spf-too-many-lookups` |
//! | `spf-no-amazonses.com` | `bounce.` SPF without `include:amazonses.com` | SES identity JSON | `spf-amazonses-missing` |
//! | `dmarc-strict.com` | healthy MAIL FROM, DMARC `p=reject; adkim=s; aspf=s` | SES identity JSON | `dmarc-spf-unaligned` (warning, verdict pass) |
//! | `dmarc-two-records.com` | healthy MAIL FROM, two `v=DMARC1` records | SES identity JSON | `dmarc-multiple` |
//! | `dmarc-missing.com` | SES CNAMEs, no custom MAIL FROM, no `_dmarc` record | SES identity JSON (plain sesv2 output, domain argument) | `dmarc-missing` (warning, verdict pass) |
//! | `mail-from-mx-wrong.com` | `bounce.` MX `feedback-smtp.us-east-1.amazonses.com.mail-from-mx-wrong.com` (no final dot in a zone file) | SES identity JSON | `mail-from-mx-wrong` (warning) |
//! | `mail-from-receives.com` | `bounce.` MX to SES and to the company's mail server; `REJECT_MESSAGE` | SES identity JSON | `mail-from-receives-mail` |
//! | `mail-from-apex.com` | apex MX to SES, `--mail-from` the domain itself | SES identity JSON, `--mail-from mail-from-apex.com` | `mail-from-not-subdomain` |
//! | `mail-from-cname.com` | `bounce.` is a CNAME to the SES endpoint; `REJECT_MESSAGE` | SES identity JSON | `mail-from-wrong-type`, `spf-missing` |
//! | `mail-from-inconsistent.com` | ns1 serves `bounce.`'s MX, ns2 not (same serial) | SES identity JSON | `mail-from-inconsistent` |
//! | `spf-syntax.com` | `bounce.` SPF `include amazonses.com` (colon missing) | SES identity JSON | `spf-syntax` |
//! | `spf-include-broken.com` | `bounce.` SPF includes a name that does not exist | SES identity JSON | `spf-include-broken` |
//! | `dmarc-syntax.com` | `_dmarc` `p=reject: rua=...` | SES tokens | `dmarc-syntax` |
//! | `dmarc-inconsistent.com` | ns1 serves `p=reject`, ns2 `p=none` (same serial) | SES tokens | `dmarc-inconsistent` |
//! | `dmarc-none.com` | `_dmarc` `p=none` | SES tokens | pass (`dmarc-policy-none` info) |
//! | `news.dmarc-org.com` | SES CNAMEs under `news.`, DMARC only at `_dmarc.dmarc-org.com` | SES tokens | pass (`dmarc-from-organization` info) |
//! | `dnssec-secure.com` | healthy SES with `bounce.` MAIL FROM, signed (NSEC), DS in the NSEC3 opt-out `com` | SES tokens | pass (`dnssec-secure` info) |
//! | `dnssec-unsigned.com` | healthy SES, unsigned; `com` proves there is no DS (opt-out) | SES tokens | pass (`dnssec-unsigned` info) |
//! | `dnssec-moved.com` | signed with the new host's keys, the DS still names the old host's key | SES tokens | `dnssec-ds-mismatch` |
//! | `dnssec-unsigned-host.com` | DS in `com`, the zone not signed at its new host | SES tokens | `dnssec-ds-unsigned-zone` |
//! | `dnssec-no-rrsig.com` | signed, but the DKIM CNAMEs are served without RRSIG | SES tokens | `dnssec-rrsig-missing` |
//! | `dnssec-bad-signature.com` | signed, the DKIM CNAMEs' signatures altered | SES tokens | `dnssec-signature-invalid` |
//! | `dnssec-expired.com` | signatures ended 10 days before the lab's time | SES tokens | `dnssec-signature-expired` |
//! | `dnssec-expiring.com` | signatures end 3 days after the lab's time | SES tokens | `dnssec-signature-expiring` (warning, verdict pass) |
//! | `dnssec-half-signed.com` | ns1 serves the signed zone, ns2 a copy without the CNAMEs' RRSIGs | SES tokens | `dnssec-servers-differ`, `dnssec-rrsig-missing` |
//! | `dnssec-bad-denial.com` | signed, third token missing, the NSEC that covers it removed | SES tokens | `dnssec-denial-broken`, `records-partial` |
//! | `dnssec-esp-customer.com` | `mail` CNAME into `bogus-esp.net`, whose DS names another key | selector `mail` | `dnssec-target-bogus` |
//! | `dnssec-esp-half.com` | signed; `mail` CNAME into `half-esp.net`: ns1 serves it signed with the key its DS names, ns2 a copy signed with another key | selector `mail` | `dnssec-target-bogus`, `dnssec-servers-differ` |
//! | `dnssec-rsamd5.com` | DS and DNSKEY of algorithm 1 (RSAMD5) only: insecure | SES tokens | `dnssec-algorithm-unsupported` (warning, verdict pass) |
//!
//! The root, the TLDs (NSEC3 with opt-out, as `com`), `amazonses.com` and its DKIM zones and
//! the `dnssec-*` domains are signed ([`crate::signing`]; the lab's trust anchor is
//! [`crate::signing::trust_anchor`]); every other zone is unsigned, which validators accept
//! (`com` proves the absence of a DS).
//!
//! Every other customer domain publishes `_dmarc` `v=DMARC1; p=quarantine; rua=...` (and an
//! SPF record at its apex), so that their diagnosis is only about DKIM.

/// The three SES Easy DKIM tokens of the default-region identities; the key is on the first
/// token's target, the other two hold `""` as during SES key rotation.
pub const SES_TOKENS: [&str; 3] = [
    "n56x5bckwiqdkdxo4moiiwuzdvrjf2y4",
    "pjd46owojfcgd6zuqpdy2jlmvxm6o6wl",
    "7mtg3eyyesizo5ptpm673olnvilr4u2g",
];

/// Signed, healthy.
pub const DNSSEC_SECURE: &str = "dnssec-secure.com";
/// Unsigned, healthy (validly insecure).
pub const DNSSEC_UNSIGNED: &str = "dnssec-unsigned.com";
/// The DS names the old host's key.
pub const DNSSEC_MOVED: &str = "dnssec-moved.com";
/// DS present, zone unsigned.
pub const DNSSEC_UNSIGNED_HOST: &str = "dnssec-unsigned-host.com";
/// The DKIM CNAMEs without RRSIG.
pub const DNSSEC_NO_RRSIG: &str = "dnssec-no-rrsig.com";
/// The DKIM CNAMEs' signatures altered.
pub const DNSSEC_BAD_SIGNATURE: &str = "dnssec-bad-signature.com";
/// Signatures expired.
pub const DNSSEC_EXPIRED: &str = "dnssec-expired.com";
/// Signatures expire within 7 days.
pub const DNSSEC_EXPIRING: &str = "dnssec-expiring.com";
/// One server signed, the other not.
pub const DNSSEC_HALF_SIGNED: &str = "dnssec-half-signed.com";
/// The NSEC that covers the missing third token removed.
pub const DNSSEC_BAD_DENIAL: &str = "dnssec-bad-denial.com";
/// A customer of a provider whose zone is bogus.
pub const DNSSEC_ESP_CUSTOMER: &str = "dnssec-esp-customer.com";
/// The provider zone with a DS naming another key.
pub const DNSSEC_BOGUS_ESP: &str = "bogus-esp.net";
/// A customer of a provider whose servers differ in signing.
pub const DNSSEC_ESP_HALF_CUSTOMER: &str = "dnssec-esp-half.com";
/// The provider zone whose second server signs with keys the DS does not name.
pub const DNSSEC_HALF_ESP: &str = "half-esp.net";
/// Signed with RSAMD5 only.
pub const DNSSEC_RSAMD5: &str = "dnssec-rsamd5.com";

/// The tokens of the eu-central-2 identity (targets in `dkim.eu-central-2.amazonses.com`).
pub const REGIONAL_TOKENS: [&str; 3] = [
    "apfyxqmq6vklwfdy3b356jznxdpq2bub",
    "vqfydcczc6ixgz2ad22ndzqsmiytn6h6",
    "o2cysinzt5wp43ip6lgx7oilruevkfsz",
];

/// Tokens with no target in any SES zone (`ses-unresolvable.com` points at them).
pub const UNKNOWN_TOKENS: [&str; 3] = [
    "zegdgxbx3tzimhe5yrlwtlaigevtrcbi",
    "qqjz64z4zhxcfpm6ukewwj7l5vzdw73n",
    "wpkcfygxlnivgivcvxhouuashaix5xqk",
];

/// The default SES DKIM zone.
pub const SES_DKIM_ZONE: &str = "dkim.amazonses.com";
/// The region used for regional-zone scenarios.
pub const SES_REGION: &str = "eu-central-2";
/// Its DKIM zone.
pub const SES_REGIONAL_DKIM_ZONE: &str = "dkim.eu-central-2.amazonses.com";
/// A second regional zone, present and empty (so a target there is NXDOMAIN, not a lame zone).
pub const SES_OTHER_REGIONAL_DKIM_ZONE: &str = "dkim.af-south-1.amazonses.com";

/// The selector used by the key scenarios, the wildcard and the `_domainkey` zone cut.
pub const SELECTOR_MAIL: &str = "mail";
/// Google Workspace's default selector.
pub const SELECTOR_GOOGLE: &str = "google";
/// SendGrid's selectors.
pub const SENDGRID_SELECTORS: [&str; 2] = ["s1", "s2"];
/// Microsoft 365's selectors.
pub const M365_SELECTORS: [&str; 2] = ["selector1", "selector2"];
/// Brevo's selectors.
pub const BREVO_SELECTORS: [&str; 2] = ["brevo1", "brevo2"];

/// The Route 53-like servers that hold `moved-to-route53.com`'s records without being
/// delegated to (pass them as `--expect-ns`).
pub const ROUTE53_NS: [&str; 2] = ["ns-1.awsdns-lab.net", "ns-2.awsdns-lab.net"];

/// The four Route 53-style name servers of [`ROUTE53_HEALTHY`]: in two other TLDs, so `com.`
/// gives no glue for any of them.
pub const ROUTE53_HOSTED_NS: [&str; 4] = [
    "ns-1.awsdns-lab.net",
    "ns-2.awsdns-lab.net",
    "ns-3.awsdns-lab.org",
    "ns-4.awsdns-lab.org",
];

/// Healthy SES identity.
pub const SES_HEALTHY: &str = "ses-healthy.com";
/// Healthy SES identity in a Route 53-style hosted zone: four glueless name servers.
pub const ROUTE53_HEALTHY: &str = "route53-healthy.com";
/// No DKIM records at all.
pub const SES_MISSING: &str = "ses-missing.com";
/// Only the first token's record.
pub const SES_PARTIAL: &str = "ses-partial.com";
/// The DNS host appended the domain to the record names.
pub const SES_DUPLICATED: &str = "ses-duplicated.com";
/// `_domainkey` lost its underscore.
pub const SES_UNDERSCORE: &str = "ses-underscore.com";
/// TXT records instead of CNAMEs.
pub const SES_TXT_INSTEAD: &str = "ses-txt-instead.com";
/// A records (flattened CNAMEs) instead of CNAMEs.
pub const SES_FLATTENED: &str = "ses-flattened.com";
/// Targets written without their final dot in a zone file.
pub const SES_ORIGIN_APPENDED: &str = "ses-origin-appended.com";
/// Tokens 1 and 2 swapped.
pub const SES_SWAPPED: &str = "ses-swapped.com";
/// Targets in another region's SES zone.
pub const SES_OTHER_REGION: &str = "ses-other-region.com";
/// Healthy identity in eu-central-2.
pub const SES_REGIONAL: &str = "ses-regional.com";
/// Targets that do not exist.
pub const SES_UNRESOLVABLE: &str = "ses-unresolvable.com";
/// Two servers with different serials and data.
pub const SES_INCONSISTENT: &str = "ses-inconsistent.com";
/// One delegated server answers REFUSED.
pub const LAME: &str = "lame-ses.com";
/// No delegated server answers.
pub const UNREACHABLE: &str = "unreachable-dns.com";
/// Parent and child NS sets differ.
pub const NS_MISMATCH: &str = "ns-mismatch.net";
/// Delegated to 20 name server names (on dnshost's two addresses), more than are checked.
pub const MANY_NS: &str = "many-ns.net";
/// How many NS names [`MANY_NS`] lists.
pub const MANY_NS_COUNT: usize = 20;
/// Records only on undelegated Route 53-like servers.
pub const MOVED_TO_ROUTE53: &str = "moved-to-route53.com";
/// Glueless delegation (healthy).
pub const GLUELESS: &str = "glueless.org";
/// Glueless delegation to two NS names of one address, as small hosts do (healthy).
pub const SMALL_HOST: &str = "small-host.com";
/// `_domainkey` is its own zone, delegated elsewhere (healthy).
pub const DKIM_ZONE_CUT: &str = "dkim-zone-cut.com";
/// A wildcard answers every selector.
pub const WILDCARD: &str = "wildcard-dkim.com";
/// Healthy Google-style selector.
pub const SELECTOR_HEALTHY: &str = "selector-healthy.org";
/// Key split into odd-sized strings (healthy).
pub const KEY_SPLIT: &str = "key-split.org";
/// Ed25519 key (healthy).
pub const KEY_ED25519: &str = "key-ed25519.org";
/// `p=` not base64.
pub const KEY_MALFORMED: &str = "key-malformed.org";
/// Empty `p=`.
pub const KEY_REVOKED: &str = "key-revoked.org";
/// 512-bit RSA.
pub const KEY_WEAK_512: &str = "key-weak512.org";
/// 768-bit RSA.
pub const KEY_WEAK_768: &str = "key-weak768.org";
/// 1024-bit RSA.
pub const KEY_RSA_1024: &str = "key-rsa1024.org";
/// `t=y`.
pub const KEY_TESTING: &str = "key-testing.org";
/// `h=sha1`.
pub const KEY_SHA1: &str = "key-sha1.org";
/// Two TXT records at one selector.
pub const KEY_MULTIPLE: &str = "key-multiple.org";
/// `h=rsa-sha256`: no hash a signature can use.
pub const KEY_HASH: &str = "key-hash.org";
/// The key as a bare PKCS#1 RSAPublicKey.
pub const KEY_PKCS1: &str = "key-pkcs1.org";
/// `v=` after `k=`.
pub const KEY_VERSION_LATE: &str = "key-version-late.org";
/// An empty TXT record at the selector.
pub const KEY_EMPTY: &str = "key-empty.org";
/// SendGrid customer (healthy).
pub const SENDGRID_CUSTOMER: &str = "sendgrid-customer.com";
/// Microsoft 365 customer (healthy).
pub const M365_CUSTOMER: &str = "m365-customer.com";
/// Brevo customer (healthy).
pub const BREVO_CUSTOMER: &str = "brevo-customer.com";

/// The From domain of the signed test messages, holding their keys ([`crate::mail`]).
pub const DKIM_SIGNED: &str = "dkim-signed.org";
/// A third-party signer (an email service provider) of some test messages.
pub const ESP_MAILER: &str = "esp-mailer.net";
/// The selectors at [`DKIM_SIGNED`] (and `news.` below it): the RSA and Ed25519 test keys, the
/// RSA key with `h=sha1`, a revoked key, and another RSA key than the signer's.
pub const MAIL_SELECTORS: [&str; 5] = ["rsa2048", "ed25519", "sha1only", "revoked", "rotated"];

/// Healthy custom MAIL FROM and DMARC.
pub const MAIL_FROM_HEALTHY: &str = "mail-from-healthy.com";
/// The MAIL FROM domain has no MX.
pub const MAIL_FROM_MX_MISSING: &str = "mail-from-mx-missing.com";
/// The MAIL FROM MX names another region's feedback endpoint.
pub const MAIL_FROM_OTHER_REGION: &str = "mail-from-other-region.com";
/// The MAIL FROM records have the domain appended twice.
pub const MAIL_FROM_DUPLICATED: &str = "mail-from-duplicated.com";
/// Two SPF records at the MAIL FROM domain.
pub const SPF_TWO_RECORDS: &str = "spf-two-records.com";
/// An SPF record over 10 lookups.
pub const SPF_TOO_MANY: &str = "spf-too-many.com";
/// An SPF record without amazonses.com.
pub const SPF_NO_AMAZONSES: &str = "spf-no-amazonses.com";
/// DMARC with strict alignment.
pub const DMARC_STRICT: &str = "dmarc-strict.com";
/// Two DMARC records.
pub const DMARC_TWO_RECORDS: &str = "dmarc-two-records.com";
/// No DMARC record.
pub const DMARC_MISSING: &str = "dmarc-missing.com";
/// The MAIL FROM MX written without its final dot.
pub const MAIL_FROM_MX_WRONG: &str = "mail-from-mx-wrong.com";
/// The MAIL FROM domain also receives mail.
pub const MAIL_FROM_RECEIVES: &str = "mail-from-receives.com";
/// The MAIL FROM domain is the identity itself.
pub const MAIL_FROM_APEX: &str = "mail-from-apex.com";
/// The MAIL FROM name is a CNAME.
pub const MAIL_FROM_CNAME: &str = "mail-from-cname.com";
/// The servers disagree about the MAIL FROM MX.
pub const MAIL_FROM_INCONSISTENT: &str = "mail-from-inconsistent.com";
/// An SPF record that does not parse.
pub const SPF_SYNTAX: &str = "spf-syntax.com";
/// An SPF include that does not exist.
pub const SPF_INCLUDE_BROKEN: &str = "spf-include-broken.com";
/// A DMARC record that does not parse.
pub const DMARC_SYNTAX: &str = "dmarc-syntax.com";
/// The servers disagree about `_dmarc`.
pub const DMARC_INCONSISTENT: &str = "dmarc-inconsistent.com";
/// `p=none`.
pub const DMARC_NONE: &str = "dmarc-none.com";
/// The organizational domain whose DMARC record covers [`DMARC_ORG_SUBDOMAIN`].
pub const DMARC_ORG: &str = "dmarc-org.com";
/// A subdomain identity without a DMARC record of its own.
pub const DMARC_ORG_SUBDOMAIN: &str = "news.dmarc-org.com";
/// The MAIL FROM subdomain of the identity scenarios.
pub const MAIL_FROM_LABEL: &str = "bounce";
/// The feedback endpoint of the default-region identities' MAIL FROM MX.
pub const FEEDBACK_US_EAST_1: &str = "feedback-smtp.us-east-1.amazonses.com";

/// Where the identity JSON files of the scenarios are (`aws sesv2 get-email-identity` output).
pub const IDENTITY_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/identities");

/// What the tool is asked to check for a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// `dkim-doctor ses [<domain>] --identity-json <IDENTITY_DIR>/<file> [--region ...]`.
    Identity {
        /// The DKIM tokens the file holds.
        tokens: [&'static str; 3],
        /// The file name in [`IDENTITY_DIR`].
        file: &'static str,
        /// Its text.
        json: &'static str,
        /// Whether the domain is given as an argument (the plain sesv2 output does not name it).
        domain_arg: bool,
        /// `--region`, when given.
        region: Option<&'static str>,
        /// `--mail-from`, when given.
        mail_from: Option<&'static str>,
    },
    /// `dkim-doctor ses <domain> --token ... [--region ...] [--expect-ns ...]`.
    Ses {
        /// The identity's tokens.
        tokens: [&'static str; 3],
        /// The SES region, when not a default-zone region.
        region: Option<&'static str>,
        /// Name servers the user expects the records on.
        expect_ns: &'static [&'static str],
    },
    /// `dkim-doctor selector <domain> <selector>...`.
    Selectors(&'static [&'static str]),
}

/// The verdict a correct diagnosis gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every expected record resolves correctly on every server.
    Pass,
    /// At least one finding of severity error.
    Fail,
    /// No authoritative server answered.
    Incomplete,
}

/// One demo/test scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// Short identifier (`dkim-doctor demo <id>`).
    pub id: &'static str,
    /// The domain checked.
    pub domain: &'static str,
    /// What is checked.
    pub check: Check,
    /// The expected verdict.
    pub verdict: Verdict,
    /// The finding codes that must appear (others, of severity info, may too).
    pub findings: &'static [&'static str],
    /// What is broken, in one line.
    pub summary: &'static str,
}

const fn ses(tokens: [&'static str; 3]) -> Check {
    Check::Ses {
        tokens,
        region: None,
        expect_ns: &[],
    }
}

macro_rules! identity {
    ($file:literal, $domain_arg:expr, $region:expr) => {
        identity!($file, $domain_arg, $region, None)
    };
    ($file:literal, $domain_arg:expr, $region:expr, $mail_from:expr) => {
        identity!(SES_TOKENS, $file, $domain_arg, $region, $mail_from)
    };
    ($tokens:expr, $file:literal, $domain_arg:expr, $region:expr, $mail_from:expr) => {
        Check::Identity {
            tokens: $tokens,
            file: $file,
            json: include_str!(concat!("../identities/", $file)),
            domain_arg: $domain_arg,
            region: $region,
            mail_from: $mail_from,
        }
    };
}

/// Every scenario, healthy ones first.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        id: "ses-healthy",
        domain: SES_HEALTHY,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "three correct SES CNAMEs; one target holds the key, two hold \"\" (rotation)",
    },
    Scenario {
        id: "ses-regional",
        domain: SES_REGIONAL,
        check: Check::Ses {
            tokens: REGIONAL_TOKENS,
            region: Some(SES_REGION),
            expect_ns: &[],
        },
        verdict: Verdict::Pass,
        findings: &[],
        summary: "correct CNAMEs into the eu-central-2 DKIM zone",
    },
    Scenario {
        id: "glueless",
        domain: GLUELESS,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "healthy, delegated to name servers in another TLD (no glue)",
    },
    Scenario {
        id: "route53-healthy",
        domain: ROUTE53_HEALTHY,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "healthy, in a Route 53-style zone: four name servers in .net and .org, none with glue",
    },
    Scenario {
        id: "small-host",
        domain: SMALL_HOST,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "healthy, delegated without glue to ns1 and ns2.smallhost.net, two names of one address",
    },
    Scenario {
        id: "dkim-zone-cut",
        domain: DKIM_ZONE_CUT,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "_domainkey is a zone of its own on other servers; the key is there",
    },
    Scenario {
        id: "selector-healthy",
        domain: SELECTOR_HEALTHY,
        check: Check::Selectors(&[SELECTOR_GOOGLE]),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "2048-bit key in 255-octet strings at google._domainkey",
    },
    Scenario {
        id: "key-split",
        domain: KEY_SPLIT,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "2048-bit key split at odd places into three strings (all under 255 octets)",
    },
    Scenario {
        id: "key-ed25519",
        domain: KEY_ED25519,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "Ed25519 key (k=ed25519)",
    },
    Scenario {
        id: "sendgrid",
        domain: SENDGRID_CUSTOMER,
        check: Check::Selectors(&SENDGRID_SELECTORS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "s1/s2 CNAMEs into sendgrid.net",
    },
    Scenario {
        id: "m365",
        domain: M365_CUSTOMER,
        check: Check::Selectors(&M365_SELECTORS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "selector1/selector2 CNAMEs into onmicrosoft.com",
    },
    Scenario {
        id: "brevo",
        domain: BREVO_CUSTOMER,
        check: Check::Selectors(&BREVO_SELECTORS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "brevo1/brevo2 CNAMEs, two hops inside brevo.com",
    },
    Scenario {
        id: "ses-missing",
        domain: SES_MISSING,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["record-missing"],
        summary: "no DKIM records at all",
    },
    Scenario {
        id: "ses-partial",
        domain: SES_PARTIAL,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["records-partial"],
        summary: "only the first of the three CNAMEs",
    },
    Scenario {
        id: "ses-duplicated",
        domain: SES_DUPLICATED,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["domain-duplicated"],
        summary: "the DNS host appended the domain: <token>._domainkey.ses-duplicated.com.ses-duplicated.com",
    },
    Scenario {
        id: "ses-underscore",
        domain: SES_UNDERSCORE,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["underscore-stripped"],
        summary: "records at <token>.domainkey.ses-underscore.com",
    },
    Scenario {
        id: "ses-txt-instead",
        domain: SES_TXT_INSTEAD,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["wrong-record-type"],
        summary: "TXT records holding the target text instead of CNAMEs",
    },
    Scenario {
        id: "ses-flattened",
        domain: SES_FLATTENED,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["wrong-record-type"],
        summary: "A records (a flattened or proxied CNAME) instead of CNAMEs",
    },
    Scenario {
        id: "ses-origin-appended",
        domain: SES_ORIGIN_APPENDED,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["target-origin-appended"],
        summary: "targets written without a final dot: <token>.dkim.amazonses.com.ses-origin-appended.com",
    },
    Scenario {
        id: "ses-swapped",
        domain: SES_SWAPPED,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["target-mismatch"],
        summary: "tokens 1 and 2 point at each other's target",
    },
    Scenario {
        id: "ses-other-region",
        domain: SES_OTHER_REGION,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["target-mismatch"],
        summary: "targets in dkim.eu-central-2.amazonses.com for a default-region identity",
    },
    Scenario {
        id: "ses-unresolvable",
        domain: SES_UNRESOLVABLE,
        check: ses(UNKNOWN_TOKENS),
        verdict: Verdict::Fail,
        findings: &["target-unresolvable"],
        summary: "CNAMEs to SES targets that do not exist",
    },
    Scenario {
        id: "ses-inconsistent",
        domain: SES_INCONSISTENT,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["servers-inconsistent"],
        summary: "ns1 serves serial 2026112602 with the CNAMEs, ns2 serial 2026112601 without",
    },
    Scenario {
        id: "lame",
        domain: LAME,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["lame-delegation"],
        summary: "one of the two delegated servers answers REFUSED",
    },
    Scenario {
        id: "many-ns",
        domain: MANY_NS,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &["ns-fanout-capped"],
        summary: "healthy, but delegated to 20 name server names (10 per address); 16 are checked",
    },
    Scenario {
        id: "unreachable",
        domain: UNREACHABLE,
        check: ses(SES_TOKENS),
        verdict: Verdict::Incomplete,
        findings: &["zone-unreachable"],
        summary: "nothing listens on either delegated server's address",
    },
    Scenario {
        id: "ns-mismatch",
        domain: NS_MISMATCH,
        check: ses(SES_TOKENS),
        // Every server that answers holds the right records, so the records verify: the
        // mismatch is a warning about the delegation, not a failure of DKIM.
        verdict: Verdict::Pass,
        findings: &["delegation-mismatch"],
        summary: "the parent lists ns1 and ns2, the zone's apex lists only ns1",
    },
    Scenario {
        id: "moved-to-route53",
        domain: MOVED_TO_ROUTE53,
        check: Check::Ses {
            tokens: SES_TOKENS,
            region: None,
            expect_ns: &ROUTE53_NS,
        },
        verdict: Verdict::Fail,
        findings: &["delegation-mismatch"],
        summary: "records only on the Route 53-like servers, which the domain is not delegated to",
    },
    Scenario {
        id: "moved-to-route53-no-expect",
        domain: MOVED_TO_ROUTE53,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["record-missing"],
        summary: "the same, checked without --expect-ns: the delegated servers have nothing",
    },
    Scenario {
        id: "wildcard",
        domain: WILDCARD,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["wildcard-answer"],
        summary: "*._domainkey answers for any selector",
    },
    Scenario {
        id: "key-malformed",
        domain: KEY_MALFORMED,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["key-malformed"],
        summary: "p= is not base64",
    },
    Scenario {
        id: "key-revoked",
        domain: KEY_REVOKED,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["key-revoked"],
        summary: "p= is empty (revoked key)",
    },
    Scenario {
        id: "key-weak512",
        domain: KEY_WEAK_512,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["key-weak"],
        summary: "512-bit RSA key",
    },
    Scenario {
        id: "key-weak768",
        domain: KEY_WEAK_768,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["key-weak"],
        summary: "768-bit RSA key",
    },
    Scenario {
        id: "key-rsa1024",
        domain: KEY_RSA_1024,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Pass,
        findings: &["key-weak"],
        summary: "1024-bit RSA key (a warning, not an error)",
    },
    Scenario {
        id: "key-testing",
        domain: KEY_TESTING,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Pass,
        findings: &["key-testing"],
        summary: "t=y: receivers treat signatures as a test",
    },
    Scenario {
        id: "key-sha1",
        domain: KEY_SHA1,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["key-sha1-only"],
        summary: "h=sha1: only SHA-1 signatures, which RFC 8301 forbids verifiers to accept",
    },
    Scenario {
        id: "key-multiple",
        domain: KEY_MULTIPLE,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["key-multiple-records"],
        summary: "two TXT records at one selector",
    },
    Scenario {
        id: "key-hash",
        domain: KEY_HASH,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["key-hash-unusable"],
        summary: "h=rsa-sha256: no hash a signature uses, so OpenDKIM and Mail::DKIM ignore the key",
    },
    Scenario {
        id: "key-pkcs1",
        domain: KEY_PKCS1,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Pass,
        findings: &["key-format-unportable"],
        summary: "a bare PKCS#1 RSAPublicKey: dkimpy reads it, OpenDKIM cannot",
    },
    Scenario {
        id: "key-version-late",
        domain: KEY_VERSION_LATE,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Pass,
        findings: &["key-nonstandard"],
        summary: "v= after k=: against RFC 6376, accepted by the common verifiers",
    },
    Scenario {
        id: "key-empty",
        domain: KEY_EMPTY,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["key-record-empty"],
        summary: "an empty TXT record at the selector itself",
    },
    Scenario {
        id: "mail-from-healthy",
        domain: MAIL_FROM_HEALTHY,
        check: identity!("mail-from-healthy.json", false, Some("us-east-1")),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "custom MAIL FROM with its SES MX and SPF, DMARC p=quarantine: DKIM and SPF align",
    },
    Scenario {
        id: "mail-from-mx-missing",
        domain: MAIL_FROM_MX_MISSING,
        check: identity!("mail-from-mx-missing.json", false, None),
        verdict: Verdict::Fail,
        findings: &["mail-from-mx-missing"],
        summary: "the MAIL FROM domain has its SPF record but no MX; SES rejects (REJECT_MESSAGE)",
    },
    Scenario {
        id: "mail-from-other-region",
        domain: MAIL_FROM_OTHER_REGION,
        check: identity!(
            REGIONAL_TOKENS,
            "mail-from-other-region.json",
            false,
            None,
            None
        ),
        verdict: Verdict::Pass,
        findings: &["mail-from-mx-other-region"],
        summary: "eu-central-2 identity whose MAIL FROM MX names the us-east-1 endpoint (USE_DEFAULT_VALUE: a warning)",
    },
    Scenario {
        id: "mail-from-duplicated",
        domain: MAIL_FROM_DUPLICATED,
        check: identity!("mail-from-duplicated.json", false, None),
        verdict: Verdict::Fail,
        findings: &["mail-from-domain-duplicated"],
        summary: "MAIL FROM MX and SPF created with the domain appended twice",
    },
    Scenario {
        id: "spf-two-records",
        domain: SPF_TWO_RECORDS,
        check: identity!("spf-two-records.json", false, None),
        verdict: Verdict::Fail,
        findings: &["spf-multiple"],
        summary: "two v=spf1 records at the MAIL FROM domain (permerror)",
    },
    Scenario {
        id: "spf-too-many",
        domain: SPF_TOO_MANY,
        check: identity!("spf-too-many.json", false, None),
        verdict: Verdict::Fail,
        findings: &["spf-too-many-lookups"],
        summary: "the MAIL FROM SPF record takes 12 DNS lookups through its includes (permerror)",
    },
    Scenario {
        id: "spf-no-amazonses",
        domain: SPF_NO_AMAZONSES,
        check: identity!("spf-no-amazonses.json", false, None),
        verdict: Verdict::Fail,
        findings: &["spf-amazonses-missing"],
        summary: "the MAIL FROM SPF record does not include amazonses.com",
    },
    Scenario {
        id: "dmarc-strict",
        domain: DMARC_STRICT,
        check: identity!("dmarc-strict.json", false, None),
        verdict: Verdict::Pass,
        findings: &["dmarc-spf-unaligned"],
        summary: "DMARC aspf=s: SPF never aligns through the MAIL FROM subdomain, DKIM alone carries DMARC",
    },
    Scenario {
        id: "dmarc-two-records",
        domain: DMARC_TWO_RECORDS,
        check: identity!("dmarc-two-records.json", false, None),
        verdict: Verdict::Fail,
        findings: &["dmarc-multiple"],
        summary: "two v=DMARC1 records: no DMARC policy applies",
    },
    Scenario {
        id: "dmarc-missing",
        domain: DMARC_MISSING,
        check: identity!("dmarc-missing.json", true, None),
        verdict: Verdict::Pass,
        findings: &["dmarc-missing"],
        summary: "healthy DKIM, no custom MAIL FROM, no DMARC record",
    },
    Scenario {
        id: "mail-from-mx-wrong",
        domain: MAIL_FROM_MX_WRONG,
        check: identity!("mail-from-mx-wrong.json", false, None),
        verdict: Verdict::Pass,
        findings: &["mail-from-mx-wrong"],
        summary: "MAIL FROM MX written without its final dot: the zone name got appended (USE_DEFAULT_VALUE: a warning)",
    },
    Scenario {
        id: "mail-from-receives",
        domain: MAIL_FROM_RECEIVES,
        check: identity!("mail-from-receives.json", false, None),
        verdict: Verdict::Fail,
        findings: &["mail-from-receives-mail"],
        summary: "the MAIL FROM domain has SES's MX and the company's mail server",
    },
    Scenario {
        id: "mail-from-apex",
        domain: MAIL_FROM_APEX,
        check: identity!("mail-from-apex.json", false, None, Some(MAIL_FROM_APEX)),
        verdict: Verdict::Fail,
        findings: &["mail-from-not-subdomain"],
        summary: "--mail-from names the identity's domain itself, not a subdomain",
    },
    Scenario {
        id: "mail-from-cname",
        domain: MAIL_FROM_CNAME,
        check: identity!("mail-from-cname.json", false, None),
        verdict: Verdict::Fail,
        findings: &["mail-from-wrong-type", "spf-missing"],
        summary: "the MAIL FROM name is a CNAME to the SES endpoint: no MX, no SPF of its own",
    },
    Scenario {
        id: "mail-from-inconsistent",
        domain: MAIL_FROM_INCONSISTENT,
        check: identity!("mail-from-inconsistent.json", false, None),
        verdict: Verdict::Fail,
        findings: &["mail-from-inconsistent"],
        summary: "ns1 serves the MAIL FROM MX, ns2 does not",
    },
    Scenario {
        id: "spf-syntax",
        domain: SPF_SYNTAX,
        check: identity!("spf-syntax.json", false, None),
        verdict: Verdict::Fail,
        findings: &["spf-syntax"],
        summary: "the MAIL FROM SPF record says \"include amazonses.com\" (no colon)",
    },
    Scenario {
        id: "spf-include-broken",
        domain: SPF_INCLUDE_BROKEN,
        check: identity!("spf-include-broken.json", false, None),
        verdict: Verdict::Fail,
        findings: &["spf-include-broken"],
        summary: "the MAIL FROM SPF record includes a name that does not exist",
    },
    Scenario {
        id: "dmarc-syntax",
        domain: DMARC_SYNTAX,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dmarc-syntax"],
        summary: "the DMARC record says \"p=reject: rua=...\": no valid policy",
    },
    Scenario {
        id: "dmarc-inconsistent",
        domain: DMARC_INCONSISTENT,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dmarc-inconsistent"],
        summary: "ns1 serves p=reject, ns2 p=none",
    },
    Scenario {
        id: "dmarc-none",
        domain: DMARC_NONE,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "healthy, DMARC p=none (monitoring only: an info)",
    },
    Scenario {
        id: "dmarc-org",
        domain: DMARC_ORG_SUBDOMAIN,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &[],
        summary: "an identity at news.dmarc-org.com, covered by dmarc-org.com's DMARC record",
    },
    Scenario {
        id: "dnssec-secure",
        domain: DNSSEC_SECURE,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &["dnssec-secure"],
        summary: "healthy and signed: the chain validates from the lab's root anchor",
    },
    Scenario {
        id: "dnssec-unsigned",
        domain: DNSSEC_UNSIGNED,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &["dnssec-unsigned"],
        summary: "healthy and unsigned: com proves there is no DS (validly insecure)",
    },
    Scenario {
        id: "dnssec-moved",
        domain: DNSSEC_MOVED,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dnssec-ds-mismatch"],
        summary: "moved to a new DNS host: the DS at com still names the old host's key",
    },
    Scenario {
        id: "dnssec-unsigned-host",
        domain: DNSSEC_UNSIGNED_HOST,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dnssec-ds-unsigned-zone"],
        summary: "a DS at com, but the zone is not signed at its new host",
    },
    Scenario {
        id: "dnssec-no-rrsig",
        domain: DNSSEC_NO_RRSIG,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dnssec-rrsig-missing"],
        summary: "signed zone whose DKIM CNAMEs come without RRSIG",
    },
    Scenario {
        id: "dnssec-bad-signature",
        domain: DNSSEC_BAD_SIGNATURE,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dnssec-signature-invalid"],
        summary: "the DKIM CNAMEs' signatures do not verify",
    },
    Scenario {
        id: "dnssec-expired",
        domain: DNSSEC_EXPIRED,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dnssec-signature-expired"],
        summary: "the zone's signatures expired (no longer re-signed)",
    },
    Scenario {
        id: "dnssec-expiring",
        domain: DNSSEC_EXPIRING,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &["dnssec-signature-expiring"],
        summary: "the zone's signatures expire in 3 days",
    },
    Scenario {
        id: "dnssec-half-signed",
        domain: DNSSEC_HALF_SIGNED,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dnssec-servers-differ", "dnssec-rrsig-missing"],
        summary: "ns1 serves the signed zone, ns2 the DKIM CNAMEs without RRSIG",
    },
    Scenario {
        id: "dnssec-bad-denial",
        domain: DNSSEC_BAD_DENIAL,
        check: ses(SES_TOKENS),
        verdict: Verdict::Fail,
        findings: &["dnssec-denial-broken", "records-partial"],
        summary: "signed zone denying the missing third token without NSEC",
    },
    Scenario {
        id: "dnssec-target-bogus",
        domain: DNSSEC_ESP_CUSTOMER,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["dnssec-target-bogus"],
        summary: "the selector's CNAME target is in the provider's bogus zone bogus-esp.net",
    },
    Scenario {
        id: "dnssec-target-servers-differ",
        domain: DNSSEC_ESP_HALF_CUSTOMER,
        check: Check::Selectors(&[SELECTOR_MAIL]),
        verdict: Verdict::Fail,
        findings: &["dnssec-target-bogus", "dnssec-servers-differ"],
        summary: "the provider's zone half-esp.net is signed on ns1 with the key its DS names, on ns2 with another",
    },
    Scenario {
        id: "dnssec-rsamd5",
        domain: DNSSEC_RSAMD5,
        check: ses(SES_TOKENS),
        verdict: Verdict::Pass,
        findings: &["dnssec-algorithm-unsupported"],
        summary: "DS and DNSKEY of the deprecated RSAMD5 only: insecure, not bogus",
    },
];

impl Scenario {
    /// The DKIM names the check relies on: `<token>._domainkey.<domain>` for each SES token,
    /// `<selector>._domainkey.<domain>` for each selector.
    pub fn dkim_names(&self) -> Vec<dns_wire::Name> {
        let labels: &[&str] = match &self.check {
            Check::Ses { tokens, .. } | Check::Identity { tokens, .. } => tokens,
            Check::Selectors(selectors) => selectors,
        };
        labels
            .iter()
            .filter_map(|l| format!("{l}._domainkey.{}", self.domain).parse().ok())
            .collect()
    }

    /// The `dkim-doctor` arguments that check this scenario, as a user types them (`ses DOMAIN
    /// --token ...` or `selector DOMAIN SELECTOR...`), without output or server options.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        match self.check {
            Check::Ses {
                tokens,
                region,
                expect_ns,
            } => {
                args.extend(["ses".to_string(), self.domain.to_string()]);
                for token in tokens {
                    args.extend(["--token".to_string(), token.to_string()]);
                }
                if let Some(region) = region {
                    args.extend(["--region".to_string(), region.to_string()]);
                }
                for ns in expect_ns {
                    args.extend(["--expect-ns".to_string(), ns.to_string()]);
                }
            }
            Check::Selectors(selectors) => {
                args.extend(["selector".to_string(), self.domain.to_string()]);
                args.extend(selectors.iter().map(|s| s.to_string()));
            }
            Check::Identity {
                file,
                domain_arg,
                region,
                mail_from,
                ..
            } => {
                args.push("ses".to_string());
                if domain_arg {
                    args.push(self.domain.to_string());
                }
                args.extend([
                    "--identity-json".to_string(),
                    format!("{IDENTITY_DIR}/{file}"),
                ]);
                if let Some(region) = region {
                    args.extend(["--region".to_string(), region.to_string()]);
                }
                if let Some(mail_from) = mail_from {
                    args.extend(["--mail-from".to_string(), mail_from.to_string()]);
                }
            }
        }
        args
    }
}

/// The scenario with this id.
pub fn scenario(id: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_look_like_ses_tokens() {
        for token in SES_TOKENS
            .iter()
            .chain(&REGIONAL_TOKENS)
            .chain(&UNKNOWN_TOKENS)
        {
            assert_eq!(token.len(), 32, "{token}");
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)),
                "{token}"
            );
        }
    }

    #[test]
    fn scenario_ids_are_unique() {
        let mut ids: Vec<&str> = SCENARIOS.iter().map(|s| s.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), SCENARIOS.len());
        assert!(scenario("ses-healthy").is_some());
        assert!(scenario("nope").is_none());
    }

    #[test]
    fn args_are_the_command_a_user_types() {
        let ses = scenario("ses-regional").unwrap().args();
        assert_eq!(&ses[..2], ["ses", SES_REGIONAL]);
        assert_eq!(ses.iter().filter(|a| *a == "--token").count(), 3);
        assert_eq!(&ses[ses.len() - 2..], ["--region", SES_REGION]);
        let moved = scenario("moved-to-route53").unwrap().args();
        assert_eq!(moved.iter().filter(|a| *a == "--expect-ns").count(), 2);
        let selector = scenario("sendgrid").unwrap().args();
        assert_eq!(selector, ["selector", SENDGRID_CUSTOMER, "s1", "s2"]);
        let identity = scenario("mail-from-healthy").unwrap().args();
        assert_eq!(identity[..2], ["ses", "--identity-json"]);
        assert!(
            std::path::Path::new(&identity[2]).is_file(),
            "{}",
            identity[2]
        );
        assert_eq!(scenario("dmarc-missing").unwrap().args()[1], DMARC_MISSING);
    }

    #[test]
    fn identity_files_name_their_domain_and_mail_from() {
        for s in SCENARIOS {
            let Check::Identity {
                json,
                domain_arg,
                tokens,
                ..
            } = s.check
            else {
                continue;
            };
            assert!(json.contains("\"DkimAttributes\""), "{}", s.id);
            for token in tokens {
                assert!(json.contains(&format!("\"{token}\"")), "{}: {token}", s.id);
            }
            assert_eq!(
                json.contains(&format!("\"EmailIdentity\": \"{}\"", s.domain)),
                !domain_arg,
                "{}",
                s.id
            );
            if json.contains("MailFromDomain\"") {
                assert!(
                    json.contains(&format!("\"{MAIL_FROM_LABEL}.{}\"", s.domain)),
                    "{}",
                    s.id
                );
            }
        }
    }
}
