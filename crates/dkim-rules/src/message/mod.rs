//! Verifying a received message's DKIM signatures end to end (RFC 6376, RFC 8301, RFC 8463),
//! and saying exactly why one does not pass.
//!
//! The CLI uses it in three steps, with no I/O here:
//! 1. [`Message::parse`] the file (`.eml`, or one mbox message; CRLF or LF);
//! 2. for each of [`Message::key_queries`] (the `d=`/`s=` pairs), run the ordinary `selector`
//!    check ([`crate::Check::Selector`]) and keep its [`Observations`];
//! 3. [`verify_message`] with those observations and the current time: one
//!    [`SignatureReport`] per DKIM-Signature (pass, or a [`SignatureCode`] and the details),
//!    and the DMARC alignment of the passing ones with the From domain.
//!
//! Canonicalization ([`canon`]) and the report are written here; the RSA, Ed25519 and hash
//! primitives come from the RustCrypto crates, the From address from `mail-parser` and the
//! organizational domain from the Public Suffix List (`psl`).

pub mod canon;
mod crypto;
mod mail;
mod report;
mod served;
mod signature;

use std::collections::HashMap;

use base64::Engine;
use dns_wire::Name;

use crate::diagnose::keys::KeyState;
use crate::keyrecord::PublicKey;
use crate::observe::Observations;
use crate::report::Verdict;
use crate::Selector;

pub use canon::Canon;
pub use mail::{
    LineEndings, Message, MessageError, SourceFormat, MAX_HEADER_FIELDS, MAX_MESSAGE_BYTES,
};
pub use report::{
    Alignment, BodyChange, BodyCheck, BodyStatus, DmarcView, KeyCheck, MessageReport,
    MessageSummary, Problem, ServerKeyResult, SignatureCode, SignatureReport, SignatureResult,
};
pub use signature::{Algorithm, Signature, SignatureError};

use crypto::{Hasher, Verification, VerifyingKey};
use served::{record_text, served_keys, Served};

/// The most DKIM-Signature fields verified in one message (each needs its own DNS check);
/// the others are listed in the notes.
pub const MAX_SIGNATURES: usize = 10;

/// How far in the future `t=` may be before the signature counts as made in the future:
/// clocks drift (OpenDKIM allows the same 5 minutes by default).
pub const CLOCK_SKEW_SECONDS: u64 = 300;

/// The keys one selector check fetched: `d=`, `s=` and what the servers answered.
#[derive(Debug, Clone, Copy)]
pub struct KeyEvidence<'a> {
    /// `d=`.
    pub domain: &'a Name,
    /// `s=`.
    pub selector: &'a Selector,
    /// The observations of the selector check for them.
    pub observations: &'a Observations,
}

impl Message {
    /// The indexes (into [`Message::field`]) of the DKIM-Signature fields, top to bottom.
    pub fn signature_fields(&self) -> Vec<usize> {
        self.fields()
            .enumerate()
            .filter(|(_, (name, _))| name.eq_ignore_ascii_case(b"DKIM-Signature"))
            .map(|(i, _)| i)
            .collect()
    }

    /// The distinct (`d=`, `s=`) pairs of the signatures that can be read, in order: the
    /// keys to fetch.
    pub fn key_queries(&self) -> Vec<(Name, Selector)> {
        let mut queries: Vec<(Name, Selector)> = Vec::new();
        for index in self.signature_fields().into_iter().take(MAX_SIGNATURES) {
            let Some((_, whole)) = self.field(index) else {
                continue;
            };
            if let Ok(sig) = signature::parse(whole) {
                let query = (sig.domain.clone(), sig.selector.clone());
                if !queries.contains(&query) {
                    queries.push(query);
                }
            }
        }
        queries
    }
}

/// Verifies every DKIM-Signature of `message` with the keys in `keys`, at `now` (seconds
/// since the epoch, for `t=` and `x=`).
pub fn verify_message(message: &Message, keys: &[KeyEvidence<'_>], now: u64) -> MessageReport {
    let mut notes = message.notes.clone();
    let fields = message.signature_fields();
    if fields.len() > MAX_SIGNATURES {
        notes.push(format!(
            "the message has {} DKIM-Signature fields; only the first {MAX_SIGNATURES} were verified",
            fields.len()
        ));
    }
    let from = from_address(message, &mut notes);
    let from_domain = from.as_ref().and_then(|a| address_domain(a));
    let list_id = message
        .last_value("List-Id")
        .map(|v| unfold(&String::from_utf8_lossy(v)));
    let mut bodies = Bodies::new(message.body());
    let signatures: Vec<SignatureReport> = fields
        .iter()
        .take(MAX_SIGNATURES)
        .enumerate()
        .map(|(i, &field)| {
            let ctx = SignatureContext {
                message,
                field,
                index: i + 1,
                keys,
                now,
                from_domain: from_domain.as_deref(),
                list_id: list_id.as_deref(),
            };
            ctx.verify(&mut bodies)
        })
        .collect();
    let dmarc = dmarc_view(from_domain.as_deref(), &signatures);
    let verdict =
        if signatures.is_empty() || signatures.iter().any(|s| s.result == SignatureResult::Fail) {
            Verdict::Fail
        } else if signatures
            .iter()
            .any(|s| s.result == SignatureResult::Incomplete)
        {
            Verdict::Incomplete
        } else {
            Verdict::Pass
        };
    if signatures.is_empty() {
        notes.push("the message has no DKIM-Signature field: it is not DKIM-signed".into());
    }
    MessageReport {
        verdict,
        message: MessageSummary {
            bytes: message.input_bytes as u64,
            format: message.format,
            line_endings: message.line_endings,
            from,
            from_domain,
            subject: message
                .last_value("Subject")
                .map(|v| unfold(&String::from_utf8_lossy(v))),
            list_id,
            signatures: fields.len(),
        },
        dmarc,
        signatures,
        notes,
    }
}

/// The canonical bodies, made once per canonicalization and shared by the signatures.
struct Bodies<'a> {
    raw: &'a [u8],
    made: HashMap<Canon, Vec<u8>>,
}

impl<'a> Bodies<'a> {
    fn new(raw: &'a [u8]) -> Self {
        Bodies {
            raw,
            made: HashMap::new(),
        }
    }

    fn get(&mut self, canon: Canon) -> &[u8] {
        let raw = self.raw;
        self.made
            .entry(canon)
            .or_insert_with(|| canon::body(canon, raw))
    }
}

struct SignatureContext<'a> {
    message: &'a Message,
    field: usize,
    index: usize,
    keys: &'a [KeyEvidence<'a>],
    now: u64,
    from_domain: Option<&'a str>,
    list_id: Option<&'a str>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl SignatureContext<'_> {
    fn verify(&self, bodies: &mut Bodies<'_>) -> SignatureReport {
        let whole = self.message.field(self.field).map_or(&[][..], |(_, w)| w);
        match signature::parse(whole) {
            Ok(sig) => self.verify_parsed(&sig, whole, bodies),
            Err(error) => self.unusable(whole, &error),
        }
    }

    /// A signature that cannot be read far enough to verify.
    fn unusable(&self, whole: &[u8], error: &SignatureError) -> SignatureReport {
        let labels = signature::labels(whole);
        let code = if error.is_unsupported() {
            SignatureCode::SignatureUnsupported
        } else {
            SignatureCode::SignatureMalformed
        };
        let summary = format!(
            "Signature {} cannot be verified: {error}, so receivers ignore it (as if the message were unsigned by {}).",
            self.index,
            labels.domain.as_deref().unwrap_or("its domain")
        );
        SignatureReport {
            index: self.index,
            domain: labels.domain,
            selector: labels.selector,
            algorithm: labels.algorithm,
            canonicalization: labels.canonicalization,
            identity: None,
            signed_headers: vec![],
            body_length: None,
            timestamp: None,
            expiration: None,
            result: SignatureResult::Fail,
            reason: Some(code),
            fix: Some("The signing software or its configuration writes this field wrongly: update or reconfigure the signer (RFC 6376 §3.5 lists the tags).".into()),
            problems: vec![Problem {
                code,
                summary: summary.clone(),
            }],
            summary,
            warnings: vec![],
            body: BodyCheck {
                status: BodyStatus::NotChecked,
                expected: None,
                computed: None,
                canonical_length: 0,
                signed_length: 0,
                change: None,
            },
            key: None,
            alignment: None,
        }
    }

    fn verify_parsed(
        &self,
        sig: &Signature,
        whole: &[u8],
        bodies: &mut Bodies<'_>,
    ) -> SignatureReport {
        let d = sig.domain.to_string_relative();
        // In sentences without the final dot; KeyCheck::name keeps it (names in the JSON are
        // absolute).
        let key_name = format!("{}._domainkey.{d}", sig.selector);
        let mut problems: Vec<Problem> = Vec::new();
        let mut warnings: Vec<String> = Vec::new();

        if sig.algorithm == Algorithm::RsaSha1 {
            problems.push(Problem {
                code: SignatureCode::AlgorithmForbidden,
                summary: "It uses rsa-sha1, which receivers must no longer accept (RFC 8301): the signer must switch to rsa-sha256.".into(),
            });
        }
        if let Some(x) = sig.expiration.filter(|&x| x < self.now) {
            let on_arrival = match arrival_time(self.message) {
                Some(arrived) if arrived <= x => format!(
                    " It was still valid when the message arrived ({} before it expired, by the top Received field), so the receiver could verify it then.",
                    ago(x - arrived)
                ),
                Some(arrived) => format!(
                    " It had already expired when the message arrived ({} after x=, by the top Received field).",
                    ago(arrived - x)
                ),
                None => String::new(),
            };
            problems.push(Problem {
                code: SignatureCode::SignatureExpired,
                summary: format!(
                    "It expired {} ago (x={x}); receivers reject expired signatures.{on_arrival}",
                    ago(self.now - x)
                ),
            });
        }
        if let Some(t) = sig
            .timestamp
            .filter(|&t| t > self.now.saturating_add(CLOCK_SKEW_SECONDS))
        {
            problems.push(Problem {
                code: SignatureCode::SignatureFuture,
                summary: format!(
                    "It claims to be made {} in the future (t={t}): the signer's clock is wrong, and receivers may reject it.",
                    ago(t - self.now)
                ),
            });
        }

        let body = self.body_check(sig, bodies, &mut warnings);
        if body.status == BodyStatus::Mismatch {
            let explained = body
                .change
                .as_ref()
                .map(|c| format!(" {}", c.summary))
                .unwrap_or_default();
            problems.push(Problem {
                code: SignatureCode::BodyChanged,
                summary: format!(
                    "The body changed after signing: its hash no longer matches bh=.{explained}"
                ),
            });
        }

        let header_data = header_data(self.message, sig, whole);
        let key = self.key_check(sig, &header_data, &key_name, &mut problems, &mut warnings);

        if let Some(sha1) = problems
            .iter_mut()
            .find(|p| p.code == SignatureCode::AlgorithmForbidden)
        {
            if key.servers.iter().any(|s| s.outcome == "pass") && body.status == BodyStatus::Match {
                sha1.summary.push_str(
                    " Otherwise the signature is intact: it verifies with the published key.",
                );
            }
        }
        problems.sort_by_key(|p| p.code);
        let reason = problems.first().map(|p| p.code);
        let result = match reason {
            None => SignatureResult::Pass,
            Some(code) if code.is_incomplete() => SignatureResult::Incomplete,
            Some(_) => SignatureResult::Fail,
        };
        let summary = match &problems.first() {
            None => format!(
                "Signature {} by {d} verifies: the body and the signed header fields are as signed, with the key at {key_name}.",
                self.index
            ),
            Some(p) => format!("Signature {} by {d} does not verify. {}", self.index, p.summary),
        };
        let fix = reason.map(|code| fix_for(code, &key_name, self.list_id));
        let alignment = self.from_domain.map(|from| align(&d, from));
        SignatureReport {
            index: self.index,
            domain: Some(d),
            selector: Some(sig.selector.to_string()),
            algorithm: Some(sig.algorithm.as_str().to_string()),
            canonicalization: Some(format!(
                "{}/{}",
                sig.header_canon.as_str(),
                sig.body_canon.as_str()
            )),
            identity: sig.identity.clone(),
            signed_headers: sig.signed_headers.clone(),
            body_length: sig.body_length,
            timestamp: sig.timestamp,
            expiration: sig.expiration,
            result,
            reason,
            summary,
            fix,
            problems,
            warnings,
            body,
            key: Some(key),
            alignment,
        }
    }

    /// The body hash, and what explains a difference.
    fn body_check(
        &self,
        sig: &Signature,
        bodies: &mut Bodies<'_>,
        warnings: &mut Vec<String>,
    ) -> BodyCheck {
        let canonical = bodies.get(sig.body_canon);
        let length = canonical.len() as u64;
        let signed = sig.body_length.map_or(length, |l| l.min(length));
        let computed = crypto::digest(sig.algorithm, &canonical[..signed as usize]);
        let mut check = BodyCheck {
            status: BodyStatus::Match,
            expected: Some(b64(&sig.body_hash)),
            computed: Some(b64(&computed)),
            canonical_length: length,
            signed_length: signed,
            change: None,
        };
        let too_short = sig.body_length.is_some_and(|l| l > length);
        if computed == sig.body_hash && !too_short {
            if signed < length {
                let tail = &canonical[signed as usize..];
                let summary = format!(
                    "l={signed} signs only the first {signed} octets of the body; the {} octets after them (starting {:?}) are not covered, so anyone could have added them.",
                    length - signed,
                    first_line(tail)
                );
                warnings.push(summary.clone());
                check.change = Some(BodyChange {
                    kind: "unsigned-tail".into(),
                    appended_bytes: Some(length - signed),
                    appended_start: Some(first_line(tail)),
                    summary,
                });
            }
            return check;
        }
        check.status = BodyStatus::Mismatch;
        check.change = Some(if too_short {
            BodyChange {
                kind: "shorter-than-l".into(),
                appended_bytes: None,
                appended_start: None,
                summary: format!(
                    "The body is {length} octets long (canonical), shorter than the l={} the signature covers: content was removed or re-encoded in transit.",
                    sig.body_length.unwrap_or(0)
                ),
            }
        } else if let Some(end) = signed_prefix(sig, canonical) {
            let tail = &canonical[end..];
            let by = self
                .list_id
                .map(|l| format!(" by the mailing list {l}"))
                .unwrap_or_default();
            BodyChange {
                kind: "appended".into(),
                appended_bytes: Some((canonical.len() - end) as u64),
                appended_start: Some(first_line(tail)),
                summary: format!(
                    "The first {end} octets are exactly what was signed: {} octets were added at the end{by} (a footer or disclaimer), starting {:?}.",
                    canonical.len() - end,
                    first_line(tail)
                ),
            }
        } else if let Some(list) = self.list_id {
            BodyChange {
                kind: "mailing-list".into(),
                appended_bytes: None,
                appended_start: None,
                summary: format!(
                    "The message came through the mailing list {list}, which rewrote the body (a footer inside a MIME part, a re-encoding, or a rewritten content)."
                ),
            }
        } else {
            BodyChange {
                kind: "unknown".into(),
                appended_bytes: None,
                appended_start: None,
                summary: "Something on the way rewrote the body (a security gateway's banner or link rewriting, a re-encoding, a forwarder's change); the signed body is not a prefix of this one.".into(),
            }
        });
        check
    }

    /// The key at every authoritative server, and what it says of the signature.
    fn key_check(
        &self,
        sig: &Signature,
        header_data: &[u8],
        key_name: &str,
        problems: &mut Vec<Problem>,
        warnings: &mut Vec<String>,
    ) -> KeyCheck {
        let evidence = self
            .keys
            .iter()
            .find(|k| *k.domain == sig.domain && sig.selector == *k.selector);
        let mut check = KeyCheck {
            name: format!("{key_name}."),
            record: None,
            key: None,
            servers: vec![],
        };
        let Some(evidence) = evidence else {
            problems.push(Problem {
                code: SignatureCode::KeyUnavailable,
                summary: format!("The key at {key_name} was not fetched."),
            });
            return check;
        };
        let name = match sig.selector.dkim_name(&sig.domain) {
            Some(name) => name,
            None => {
                problems.push(Problem {
                    code: SignatureCode::SignatureMalformed,
                    summary: format!("{key_name} is not a name that can be looked up."),
                });
                return check;
            }
        };
        // Each distinct answer is checked once.
        let mut verdicts: HashMap<String, KeyVerdict> = HashMap::new();
        let mut results: Vec<(crate::observe::ServerRef, String, KeyVerdict)> = Vec::new();
        for server_key in served_keys(evidence.observations, &name) {
            let holds = match &server_key.served {
                Served::NoAnswer(why) => format!("no answer ({why})"),
                Served::Missing(what) => what.clone(),
                Served::Key(state, at) => {
                    if at == &name {
                        state.describe()
                    } else {
                        format!("{} at {at}", state.describe())
                    }
                }
            };
            let verdict = verdicts
                .entry(server_key.same_as.clone())
                .or_insert_with(|| self.judge_key(sig, &server_key.served, header_data, &mut check))
                .clone();
            results.push((server_key.server, holds, verdict));
        }
        check.servers = results
            .iter()
            .map(|(server, holds, verdict)| ServerKeyResult {
                server: server.clone(),
                holds: holds.clone(),
                outcome: verdict.outcome(),
            })
            .collect();
        let answered: Vec<&(crate::observe::ServerRef, String, KeyVerdict)> = results
            .iter()
            .filter(|(_, _, v)| !matches!(v, KeyVerdict::NoAnswer))
            .collect();
        let Some((_, _, first)) = answered.first() else {
            problems.push(Problem {
                code: SignatureCode::KeyUnavailable,
                summary: format!(
                    "No authoritative server of {} answered for {key_name}, so the key could not be read.",
                    sig.domain.to_string_relative()
                ),
            });
            return check;
        };
        if answered
            .iter()
            .any(|(_, _, v)| v.outcome() != first.outcome())
        {
            let parts: Vec<String> = answered
                .iter()
                .map(|(server, _, v)| format!("{}: {}", server.name, v.outcome()))
                .collect();
            problems.push(Problem {
                code: SignatureCode::KeyInconsistent,
                summary: format!(
                    "The authoritative servers serve different keys at {key_name}, and the result depends on which one a receiver asks ({}).",
                    parts.join("; ")
                ),
            });
            return check;
        }
        match first {
            KeyVerdict::Pass { testing } => {
                if *testing {
                    warnings.push(format!("The key record at {key_name} has t=y (testing): receivers may treat the message as unsigned."));
                }
            }
            KeyVerdict::Problem(problem) => problems.push(problem.clone()),
            KeyVerdict::NoAnswer => {}
        }
        check
    }

    /// What one server's key makes of the signature.
    fn judge_key(
        &self,
        sig: &Signature,
        served: &Served,
        header_data: &[u8],
        check: &mut KeyCheck,
    ) -> KeyVerdict {
        let key_name = check.name.trim_end_matches('.').to_string();
        let problem =
            |code: SignatureCode, summary: String| KeyVerdict::Problem(Problem { code, summary });
        let (state, at) = match served {
            Served::NoAnswer(_) => return KeyVerdict::NoAnswer,
            Served::Missing(what) => {
                return problem(
                    SignatureCode::KeyMissing,
                    format!("There is no key record at {key_name}: the servers answer {what}."),
                )
            }
            Served::Key(state, at) => (state, at),
        };
        let record = match state {
            KeyState::Parsed(record) => record,
            KeyState::NotResolved | KeyState::LookupFailed(_) => return KeyVerdict::NoAnswer,
            KeyState::NoSuchName | KeyState::NoTxt => {
                return problem(
                    SignatureCode::KeyMissing,
                    format!(
                        "There is no key record at {key_name}: {at} holds {}.",
                        state.describe()
                    ),
                )
            }
            other => {
                return problem(
                    SignatureCode::KeyInvalid,
                    format!(
                        "The key record at {key_name} cannot be used: {at} holds {}.",
                        other.describe()
                    ),
                )
            }
        };
        if check.record.is_none() {
            check.record = Some(record_text(record));
            check.key = Some(match record.key {
                PublicKey::Rsa { bits } => format!("rsa {bits}"),
                PublicKey::Ed25519 => "ed25519".into(),
                PublicKey::Revoked => "revoked".into(),
            });
        }
        if record.key == PublicKey::Revoked {
            return problem(
                SignatureCode::KeyRevoked,
                format!(
                    "The key at {key_name} is revoked (empty p=), so nothing it signed verifies."
                ),
            );
        }
        if record.key_type != sig.algorithm.key_type() {
            return problem(
                SignatureCode::KeyInvalid,
                format!(
                    "The key at {key_name} is k={} but the signature is {}: they cannot belong together.",
                    record.key_type.as_str(),
                    sig.algorithm.as_str()
                ),
            );
        }
        if let Some(hashes) = &record.hash_algorithms {
            let wanted = sig.algorithm.hash_name();
            if !hashes.iter().any(|h| h.eq_ignore_ascii_case(wanted)) {
                return problem(
                    SignatureCode::KeyHashNotAllowed,
                    format!(
                        "The key record at {key_name} allows only h={} but the signature uses {wanted}, so receivers must ignore the key (RFC 6376 §3.6.1).",
                        hashes.join(":")
                    ),
                );
            }
        }
        if record.flags.iter().any(|f| f.eq_ignore_ascii_case("s")) {
            let identity_domain = sig
                .identity
                .as_deref()
                .and_then(|i| i.rsplit_once('@'))
                .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase());
            if identity_domain.is_some_and(|i| i != sig.domain.to_string_relative()) {
                return problem(
                    SignatureCode::KeyStrictIdentity,
                    format!(
                        "The key record at {key_name} has t=s (no subdomains) but i={} is in a subdomain of d={}.",
                        sig.identity.as_deref().unwrap_or(""),
                        sig.domain.to_string_relative()
                    ),
                );
            }
        }
        let key = match VerifyingKey::from_record(record) {
            Ok(key) => key,
            Err(why) => {
                return problem(
                    SignatureCode::KeyInvalid,
                    format!("The key at {key_name} cannot be used: {why}."),
                )
            }
        };
        if let Some(bits) = key.rsa_bits().filter(|&b| b < 1024) {
            return problem(
                SignatureCode::KeyInvalid,
                format!("The RSA key at {key_name} is {bits} bits; receivers must reject keys under 1024 bits (RFC 8301)."),
            );
        }
        match crypto::verify(&key, sig.algorithm, header_data, &sig.signature) {
            Verification::Pass => KeyVerdict::Pass {
                testing: record.is_testing(),
            },
            Verification::HeadersChanged(signed_hash) => {
                let confirmed = if self.copies_verify(sig, header_data, &signed_hash) {
                    " With the values z= recorded in their place, the signed hash matches: exactly those changes broke the signature."
                } else {
                    ""
                };
                problem(
                    SignatureCode::HeadersChanged,
                    format!(
                        "The key at {key_name} opens the signature, but to the hash of other header fields: a signed header field (or the signature field) changed after signing.{}{confirmed}",
                        self.header_hints(sig)
                    ),
                )
            }
            Verification::HeadersOrKey => problem(
                SignatureCode::HeadersChanged,
                format!(
                    "The header signature does not verify: a signed header field changed after signing, or the key at {key_name} is not the one the signer used (Ed25519 cannot tell which).{}",
                    self.header_hints(sig)
                ),
            ),
            Verification::KeyMismatch(why) => problem(
                SignatureCode::KeyMismatch,
                format!("The key at {key_name} did not make this signature: {why}."),
            ),
        }
    }

    /// Whether the header data rebuilt from the `z=` copies hashes to what the signer signed
    /// (relaxed header canonicalization only: `z=` does not keep a field's folding).
    fn copies_verify(&self, sig: &Signature, header_data: &[u8], signed_hash: &[u8]) -> bool {
        if sig.copied_headers.is_empty() || sig.header_canon != Canon::Relaxed {
            return false;
        }
        // z= lists the signed fields in h= order, only those that existed; the signature field
        // itself ends the header data unchanged.
        let mut copies = sig.copied_headers.iter().peekable();
        let mut data = Vec::with_capacity(header_data.len());
        for name in &sig.signed_headers {
            if let Some((copy_name, value)) = copies.next_if(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                canon::header(
                    Canon::Relaxed,
                    format!("{copy_name}:{value}\r\n").as_bytes(),
                    &mut data,
                );
            }
        }
        let whole = self.message.field(self.field).map_or(&[][..], |(_, w)| w);
        let own = header_data_own(sig, whole);
        data.extend_from_slice(&own);
        crypto::digest(sig.algorithm, &data) == signed_hash
    }

    /// What may have changed in the signed header fields: the `z=` copies that differ, and a
    /// mailing list's usual edits.
    fn header_hints(&self, sig: &Signature) -> String {
        let mut hints = Vec::new();
        for (name, signed) in &sig.copied_headers {
            if name.eq_ignore_ascii_case("DKIM-Signature") {
                continue;
            }
            let now = self
                .message
                .last_value(name)
                .map(|v| unfold(&String::from_utf8_lossy(v)));
            let signed = unfold(signed);
            match now {
                Some(now) if now == signed => {}
                Some(now) => hints.push(format!(
                    "{name} was {signed:?} when signed and is {now:?} now (z=)"
                )),
                None => hints.push(format!(
                    "{name} was {signed:?} when signed and is gone now (z=)"
                )),
            }
        }
        if let Some(list) = self.list_id {
            hints.push(format!(
                "the message came through the mailing list {list}, which commonly edits the Subject (a [tag] prefix) or other signed fields"
            ));
        }
        if hints.is_empty() {
            String::new()
        } else {
            format!(" {}.", capitalize(&hints.join("; ")))
        }
    }
}

/// What one server's key made of a signature.
#[derive(Debug, Clone)]
enum KeyVerdict {
    Pass { testing: bool },
    Problem(Problem),
    NoAnswer,
}

impl KeyVerdict {
    fn outcome(&self) -> String {
        match self {
            KeyVerdict::Pass { .. } => "pass".into(),
            KeyVerdict::Problem(p) => p.code.as_str().into(),
            KeyVerdict::NoAnswer => "no-answer".into(),
        }
    }
}

/// The data the header signature covers (RFC 6376 §3.7): the signed fields, each picked
/// bottom-up by name, canonicalized, then the DKIM-Signature field itself with `b=` empty
/// and no final CRLF.
fn header_data(message: &Message, sig: &Signature, whole: &[u8]) -> Vec<u8> {
    // For each name, the indexes of its fields top to bottom; taking from the end picks the
    // next one bottom-up, so h= listing a name twice signs two instances (or none, the
    // second time, when the message has only one: "oversigning").
    let mut by_name: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
    for (i, (name, _)) in message.fields().enumerate() {
        by_name
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(i);
    }
    let mut out = Vec::with_capacity(1024);
    for name in &sig.signed_headers {
        let key = name.as_bytes().to_ascii_lowercase();
        if let Some(index) = by_name.get_mut(&key).and_then(Vec::pop) {
            if let Some((_, field)) = message.field(index) {
                canon::header(sig.header_canon, field, &mut out);
            }
        }
    }
    out.extend_from_slice(&header_data_own(sig, whole));
    out
}

/// The DKIM-Signature field as its own hash covers it: `b=` empty, canonicalized, no final
/// CRLF.
fn header_data_own(sig: &Signature, whole: &[u8]) -> Vec<u8> {
    let mut blanked = Vec::with_capacity(whole.len());
    blanked.extend_from_slice(&whole[..sig.b_value.start]);
    blanked.extend_from_slice(&whole[sig.b_value.end..]);
    let mut own = Vec::with_capacity(blanked.len());
    canon::header(sig.header_canon, &blanked, &mut own);
    if own.ends_with(b"\r\n") {
        own.truncate(own.len() - 2);
    }
    own
}

/// Where the signed body ends inside the received canonical body, when the received one is
/// the signed one with lines added at the end: each line end is tried (one pass, the
/// running hash cloned at each).
fn signed_prefix(sig: &Signature, canonical: &[u8]) -> Option<usize> {
    let mut hasher = Hasher::new(sig.algorithm);
    // The empty body: simple canonicalizes it to CRLF, relaxed to nothing.
    if sig.body_canon == Canon::Simple {
        if crypto::digest(sig.algorithm, b"\r\n") == sig.body_hash {
            return Some(0);
        }
    } else if hasher.peek() == sig.body_hash {
        return Some(0);
    }
    let mut start = 0;
    while let Some(pos) = canonical[start..].windows(2).position(|w| w == b"\r\n") {
        let end = start + pos + 2;
        hasher.update(&canonical[start..end]);
        if end < canonical.len() && hasher.peek() == sig.body_hash {
            return Some(end);
        }
        start = end;
    }
    None
}

/// The first line of `text`, for showing what was added (at most 60 characters).
fn first_line(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let line = text
        .split("\r\n")
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    line.chars().take(60).collect()
}

/// A field value unfolded, WSP runs as one space, trimmed.
fn unfold(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// A duration in words.
fn ago(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// The one From address, as mail-parser reads the field (display names, comments, groups,
/// encoded words); noted when there is not exactly one.
fn from_address(message: &Message, notes: &mut Vec<String>) -> Option<String> {
    let count = message.count("From");
    if count != 1 {
        notes.push(if count == 0 {
            "the message has no From field, so DMARC alignment cannot be judged".into()
        } else {
            format!("the message has {count} From fields (RFC 5322 allows one); DMARC receivers reject such mail, and alignment is judged on the last")
        });
    }
    let value = message.last_value("From")?;
    let mut field = b"From:".to_vec();
    field.extend_from_slice(value);
    field.extend_from_slice(b"\r\n\r\n");
    let parsed = mail_parser::MessageParser::default().parse_headers(&field)?;
    let addresses: Vec<String> = parsed
        .from()?
        .iter()
        .filter_map(|a| a.address.as_deref().map(str::to_string))
        .collect();
    if addresses.len() > 1 {
        notes.push(format!(
            "the From field holds {} addresses; DMARC judges each of their domains, here the first",
            addresses.len()
        ));
    }
    addresses.into_iter().next()
}

/// When the message arrived: the date of the top Received field (the last hop, the receiving
/// server's own stamp), read by mail-parser.
fn arrival_time(message: &Message) -> Option<u64> {
    let value = message.fields().find_map(|(name, whole)| {
        name.eq_ignore_ascii_case(b"Received")
            .then(|| mail::field_value(whole))
    })?;
    let mut field = b"Received:".to_vec();
    field.extend_from_slice(value);
    field.extend_from_slice(b"\r\n\r\n");
    let parsed = mail_parser::MessageParser::default().parse_headers(&field)?;
    let timestamp = parsed.received()?.date.as_ref()?.to_timestamp();
    u64::try_from(timestamp).ok()
}

/// The domain of an address, lower case, in A-labels.
fn address_domain(address: &str) -> Option<String> {
    let (_, domain) = address.rsplit_once('@')?;
    let name = crate::input::parse_domain(domain).ok()?;
    Some(name.to_string_relative().to_ascii_lowercase())
}

use crate::dmarc::organizational_domain;

fn align(d: &str, from: &str) -> Alignment {
    let d = d.to_ascii_lowercase();
    Alignment {
        strict: d == from,
        relaxed: organizational_domain(&d) == organizational_domain(from),
    }
}

fn dmarc_view(from_domain: Option<&str>, signatures: &[SignatureReport]) -> DmarcView {
    let passing = || {
        signatures
            .iter()
            .filter(|s| s.result == SignatureResult::Pass)
    };
    let aligned: Vec<usize> = passing()
        .filter(|s| s.alignment.is_some_and(|a| a.relaxed))
        .map(|s| s.index)
        .collect();
    let strict = passing().any(|s| s.alignment.is_some_and(|a| a.strict));
    let relaxed = !aligned.is_empty();
    let summary = match from_domain {
        None => "The From domain is unknown, so DMARC alignment cannot be judged.".to_string(),
        Some(from) => {
            let passing_domains: Vec<String> = passing().filter_map(|s| s.domain.clone()).collect();
            match (relaxed, strict) {
                (true, true) => format!("DKIM passes for DMARC: a passing signature's d= is exactly the From domain {from} (aligned in strict and relaxed mode)."),
                (true, false) => format!("DKIM passes for DMARC in relaxed mode (the default): a passing signature's d= shares the organizational domain {} with From {from}; a policy with adkim=s would fail it.", organizational_domain(from)),
                (false, _) if passing_domains.is_empty() => format!("DKIM fails for DMARC: no signature passes, so none can align with From {from}."),
                (false, _) => format!("DKIM fails for DMARC: the passing signatures are by {}, which is not the From domain {from} nor in its organizational domain {}.", passing_domains.join(", "), organizational_domain(from)),
            }
        }
    };
    DmarcView {
        from_domain: from_domain.map(str::to_string),
        organizational_domain: from_domain.map(organizational_domain),
        relaxed,
        strict,
        aligned_signatures: aligned,
        summary,
    }
}

/// What to do about a signature's first problem.
fn fix_for(code: SignatureCode, key_name: &str, list_id: Option<&str>) -> String {
    match code {
        SignatureCode::SignatureMalformed | SignatureCode::SignatureUnsupported => "Update or reconfigure the signing software: it writes a DKIM-Signature receivers cannot use.".into(),
        SignatureCode::AlgorithmForbidden => "Configure the signer to use rsa-sha256 (or ed25519-sha256 alongside it).".into(),
        SignatureCode::SignatureExpired => "If the message is old, this is expected; if it is fresh, make the signer's x= lifetime longer (days, not minutes) and check its clock.".into(),
        SignatureCode::SignatureFuture => "Set the signing server's clock right (NTP).".into(),
        SignatureCode::KeyMissing | SignatureCode::KeyInvalid | SignatureCode::KeyRevoked | SignatureCode::KeyInconsistent | SignatureCode::KeyUnavailable => format!("Fix the key record at {key_name}: the DNS diagnosis below says what each authoritative server holds and what to change."),
        SignatureCode::KeyHashNotAllowed => format!("Edit the key record at {key_name}: remove its h= tag (or list sha256 in it)."),
        SignatureCode::KeyStrictIdentity => format!("Remove the s flag from t= in the key record at {key_name}, or sign with i= equal to the d= domain."),
        SignatureCode::KeyMismatch => format!("Publish at {key_name} the public key that belongs to the signer's private key (the provider's current DKIM record), or make the signer use the key that is published."),
        SignatureCode::BodyChanged | SignatureCode::HeadersChanged => match list_id {
            Some(list) => format!("The mailing list {list} modifies messages after they are signed: its operator should stop modifying them, or re-sign them and add an ARC seal. The sender cannot fix this; DMARC then rests on another aligned signature or an aligned SPF pass, which mail through a list rarely has."),
            None => "Find what modifies mail on its way (a gateway that adds banners or rewrites links, a forwarder, an encoding conversion) and exempt signed mail from it, or have it sign again after its change.".into(),
        },
    }
}
