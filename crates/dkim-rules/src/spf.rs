//! SPF records (RFC 7208): the parser of one record, and the count of DNS lookups a receiver
//! makes evaluating it, followed through `include:` and `redirect=` with the records fetched
//! so far.
//!
//! The count is the static, worst-case one every checker gives (each `include`, `a`, `mx`,
//! `ptr`, `exists` and `redirect` costs one lookup, wherever it sits, RFC 7208 §4.6.4): a
//! receiver that stops at an early match asks fewer, but the limit of 10 applies to the
//! path that asks most. Only `include:` and `redirect=` targets are fetched (they hold more
//! terms); the names of `a`, `mx`, `ptr` and `exists` are counted, not resolved, so void
//! lookups are counted among the include and redirect targets only.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use dns_wire::Name;

/// RFC 7208 §4.6.4: at most 10 mechanisms and modifiers that cause DNS lookups.
pub const SPF_LOOKUP_LIMIT: usize = 10;
/// RFC 7208 §4.6.4: at most 2 lookups that return NXDOMAIN or no answer ("void lookups").
pub const SPF_VOID_LOOKUP_LIMIT: usize = 2;
/// How many `include:`/`redirect=` targets are fetched for one record at most. Once the count
/// is past the limit, more fetching cannot change the verdict; this bounds the work whatever
/// the records say (chains of includes, loops, fan-out).
pub const SPF_MAX_FETCHES: usize = 12;
/// How deep includes are followed at most.
pub const SPF_MAX_DEPTH: usize = 10;

/// Whether a TXT text is an SPF record: it starts with `v=spf1` followed by a space or its
/// end (case-insensitive, RFC 7208 §4.5). `v=spf10` is not one.
pub fn is_spf_record(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 6
        && bytes[..6].eq_ignore_ascii_case(b"v=spf1")
        && bytes.get(6).map_or(true, |b| *b == b' ')
}

/// A mechanism's qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// `+` (the default): pass.
    Pass,
    /// `-`: fail.
    Fail,
    /// `~`: softfail.
    SoftFail,
    /// `?`: neutral.
    Neutral,
}

/// One SPF mechanism.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mechanism {
    /// `all`.
    All,
    /// `include:<domain-spec>`.
    Include(String),
    /// `a[:<domain-spec>][/<cidr>]`.
    A(Option<String>),
    /// `mx[:<domain-spec>][/<cidr>]`.
    Mx(Option<String>),
    /// `ptr[:<domain-spec>]`.
    Ptr(Option<String>),
    /// `ip4:<address>[/<len>]`.
    Ip4,
    /// `ip6:<address>[/<len>]`.
    Ip6,
    /// `exists:<domain-spec>`.
    Exists(String),
}

impl Mechanism {
    /// Whether evaluating it asks the DNS (and so counts toward the limit of 10).
    pub fn looks_up(&self) -> bool {
        !matches!(self, Mechanism::All | Mechanism::Ip4 | Mechanism::Ip6)
    }
}

/// A parsed SPF record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpfRecord {
    /// The mechanisms, in order, with their qualifiers.
    pub mechanisms: Vec<(Qualifier, Mechanism)>,
    /// The `redirect=` domain-spec, if any.
    pub redirect: Option<String>,
    /// The `exp=` domain-spec, if any.
    pub explanation: Option<String>,
}

impl SpfRecord {
    /// The lookups this record itself costs (its nested records not counted). A `redirect=`
    /// is ignored when the record has an `all` mechanism (RFC 7208 §6.1), and so not counted.
    pub fn own_lookups(&self) -> usize {
        self.mechanisms.iter().filter(|(_, m)| m.looks_up()).count()
            + usize::from(self.followed_redirect().is_some())
    }

    /// The `redirect=` a receiver follows: none when an `all` mechanism is present.
    pub fn followed_redirect(&self) -> Option<&str> {
        let has_all = self.mechanisms.iter().any(|(_, m)| *m == Mechanism::All);
        self.redirect.as_deref().filter(|_| !has_all)
    }

    /// The names whose SPF records this one pulls in: every `include:`, then the followed
    /// `redirect=`.
    pub fn nested(&self) -> Vec<&str> {
        let mut list: Vec<&str> = self
            .mechanisms
            .iter()
            .filter_map(|(_, m)| match m {
                Mechanism::Include(d) => Some(d.as_str()),
                _ => None,
            })
            .collect();
        list.extend(self.followed_redirect());
        list
    }

    /// The qualifier of the `all` mechanism, if there is one.
    pub fn all_qualifier(&self) -> Option<Qualifier> {
        self.mechanisms
            .iter()
            .find(|(_, m)| *m == Mechanism::All)
            .map(|(q, _)| *q)
    }
}

/// Why an SPF record does not parse (a receiver's result is then `permerror`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpfError {
    /// The text does not start with `v=spf1`.
    #[error("it does not start with \"v=spf1\"")]
    NotSpf,
    /// A term is neither a known mechanism nor a modifier.
    #[error("{0:?} is not an SPF mechanism or modifier")]
    UnknownTerm(String),
    /// A mechanism needs a domain and has none, or an empty one.
    #[error("{0:?} needs a domain after the colon")]
    MissingDomain(String),
    /// An `ip4:`/`ip6:` value or a prefix length is not valid.
    #[error("{0:?} is not a valid address or prefix length")]
    BadAddress(String),
    /// A domain-spec is not valid (RFC 7208 §7.1: a macro or a name ending in a label).
    #[error("{0:?} is not a valid domain or macro")]
    BadDomain(String),
    /// `redirect=` or `exp=` appears twice.
    #[error("the modifier {0:?} appears more than once")]
    DuplicateModifier(String),
}

/// Parses one SPF record (its TXT strings already joined without separator).
pub fn parse_spf(text: &str) -> Result<SpfRecord, SpfError> {
    if !is_spf_record(text) {
        return Err(SpfError::NotSpf);
    }
    let mut record = SpfRecord::default();
    for term in text[6..].split(' ').filter(|t| !t.is_empty()) {
        if let Some((name, value)) = modifier(term) {
            let slot = match name.to_ascii_lowercase().as_str() {
                "redirect" => &mut record.redirect,
                "exp" => &mut record.explanation,
                // Unknown modifiers are ignored (RFC 7208 §6).
                _ => continue,
            };
            if slot.is_some() {
                return Err(SpfError::DuplicateModifier(clip(name)));
            }
            *slot = Some(domain_spec(value, term)?);
            continue;
        }
        record.mechanisms.push(mechanism(term)?);
    }
    Ok(record)
}

fn clip(text: &str) -> String {
    crate::clip(text)
}

/// `name=value` when `term` is a modifier (the name is ALPHA *( ALPHA / DIGIT / "-" / "_" /
/// "." )).
fn modifier(term: &str) -> Option<(&str, &str)> {
    let (name, value) = term.split_once('=')?;
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid.then_some((name, value))
}

fn mechanism(term: &str) -> Result<(Qualifier, Mechanism), SpfError> {
    let (qualifier, rest) = match term.as_bytes()[0] {
        b'+' => (Qualifier::Pass, &term[1..]),
        b'-' => (Qualifier::Fail, &term[1..]),
        b'~' => (Qualifier::SoftFail, &term[1..]),
        b'?' => (Qualifier::Neutral, &term[1..]),
        _ => (Qualifier::Pass, term),
    };
    let split_at = rest.find([':', '/']).unwrap_or(rest.len());
    let (name, arg) = rest.split_at(split_at);
    let domain_arg = |required: bool| -> Result<Option<String>, SpfError> {
        match arg.strip_prefix(':') {
            Some(value) => {
                let (spec, cidr) = split_cidr(value);
                check_cidr(cidr, term)?;
                if spec.is_empty() {
                    return Err(SpfError::MissingDomain(clip(term)));
                }
                Ok(Some(domain_spec(spec, term)?))
            }
            None if required => Err(SpfError::MissingDomain(clip(term))),
            None => {
                check_cidr(arg, term)?;
                Ok(None)
            }
        }
    };
    let mechanism = match name.to_ascii_lowercase().as_str() {
        "all" if arg.is_empty() => Mechanism::All,
        "include" => Mechanism::Include(domain_arg(true)?.unwrap_or_default()),
        "exists" => Mechanism::Exists(domain_arg(true)?.unwrap_or_default()),
        "a" => Mechanism::A(domain_arg(false)?),
        "mx" => Mechanism::Mx(domain_arg(false)?),
        "ptr" if !arg.starts_with('/') => Mechanism::Ptr(domain_arg(false)?),
        "ip4" => {
            let value = arg.strip_prefix(':').unwrap_or_default();
            let (address, len) = value.split_once('/').unwrap_or((value, "32"));
            let ok = address.parse::<Ipv4Addr>().is_ok() && prefix(len, 32);
            if !ok {
                return Err(SpfError::BadAddress(clip(term)));
            }
            Mechanism::Ip4
        }
        "ip6" => {
            let value = arg.strip_prefix(':').unwrap_or_default();
            let (address, len) = value.split_once('/').unwrap_or((value, "128"));
            let ok = address.parse::<Ipv6Addr>().is_ok() && prefix(len, 128);
            if !ok {
                return Err(SpfError::BadAddress(clip(term)));
            }
            Mechanism::Ip6
        }
        _ => return Err(SpfError::UnknownTerm(clip(term))),
    };
    Ok((qualifier, mechanism))
}

/// `example.com/24` → (`example.com`, `/24`); the dual form `/24//64` too. A `/` inside a
/// macro (`%{d/}`) is not a prefix.
fn split_cidr(value: &str) -> (&str, &str) {
    let mut in_macro = false;
    for (i, c) in value.char_indices() {
        match c {
            '{' => in_macro = true,
            '}' => in_macro = false,
            '/' if !in_macro => return value.split_at(i),
            _ => {}
        }
    }
    (value, "")
}

/// `""`, `/24`, `//64` or `/24//64`.
fn check_cidr(cidr: &str, term: &str) -> Result<(), SpfError> {
    if cidr.is_empty() {
        return Ok(());
    }
    let (v4, v6) = match cidr.split_once("//") {
        Some((v4, v6)) => (v4, Some(v6)),
        None => (cidr, None),
    };
    let v4_ok = v4.is_empty() || v4.strip_prefix('/').is_some_and(|l| prefix(l, 32));
    let v6_ok = v6.map_or(true, |l| prefix(l, 128));
    if v4_ok && v6_ok && !(v4.is_empty() && v6.is_none()) {
        Ok(())
    } else {
        Err(SpfError::BadAddress(clip(term)))
    }
}

/// A prefix length of at most `max`, digits only, no leading zero (RFC 7208 §5.6).
fn prefix(text: &str, max: u32) -> bool {
    !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && !(text.len() > 1 && text.starts_with('0'))
        && text.parse::<u32>().is_ok_and(|n| n <= max)
}

/// A domain-spec: macros allowed (`%{i}`, `%%`, `%_`, `%-`), otherwise the visible
/// characters a name may hold, with at least one dot unless it is all macro.
fn domain_spec(spec: &str, term: &str) -> Result<String, SpfError> {
    let bad = || SpfError::BadDomain(clip(term));
    let bytes = spec.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match bytes.get(i + 1) {
                Some(b'%' | b'_' | b'-') => i += 2,
                Some(b'{') => {
                    let close = spec[i..].find('}').ok_or_else(bad)?;
                    let letter = bytes.get(i + 2).copied().ok_or_else(bad)?;
                    if !b"slodiphcrtvSLODIPHCRTV".contains(&letter) {
                        return Err(bad());
                    }
                    i += close + 1;
                }
                _ => return Err(bad()),
            },
            0x21..=0x7e => i += 1,
            _ => return Err(bad()),
        }
    }
    if spec.is_empty() || (!spec.contains('%') && !spec.trim_end_matches('.').contains('.')) {
        return Err(bad());
    }
    Ok(spec.to_string())
}

/// What fetching the SPF record of an `include:`/`redirect=` target gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// Not fetched yet.
    NotAsked,
    /// The lookup failed with an answer (SERVFAIL, a loop): a receiver's `temperror`.
    Failed(String),
    /// No server of the target's zone answered from here: unknown, not the record's fault.
    Unanswered(String),
    /// The name does not exist (a void lookup).
    NxDomain,
    /// The TXT texts at the name (no text at all is a void lookup).
    Texts(Vec<String>),
}

/// One `include:`/`redirect=` target in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfNode {
    /// The domain as written.
    pub domain: String,
    /// How deep (1: in the top record).
    pub depth: usize,
    /// Whether it came from `redirect=`.
    pub redirect: bool,
    /// What happened: "3 lookups", "no SPF record", ...
    pub outcome: NodeOutcome,
}

/// What one target gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeOutcome {
    /// A valid record, with the lookups it costs itself.
    Record {
        /// Its own lookups.
        lookups: usize,
    },
    /// Not fetched (not yet, past the bounds, or a macro that needs the sender's address).
    Unknown(String),
    /// The name does not exist, or holds no SPF record (`permerror` for an include).
    NoRecord {
        /// NXDOMAIN or no TXT at all: a void lookup.
        void: bool,
    },
    /// Several SPF records (`permerror`).
    Multiple(usize),
    /// The record does not parse (`permerror`).
    Invalid(SpfError),
    /// The lookup failed (`temperror`).
    Failed(String),
    /// It includes itself, directly or through others.
    Loop,
}

/// The lookup count of a record, through the targets fetched so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpfEvaluation {
    /// Lookups counted (the top record's and every fetched target's).
    pub lookups: usize,
    /// Void lookups among the fetched targets.
    pub void_lookups: usize,
    /// Every target met, in evaluation order.
    pub nodes: Vec<SpfNode>,
    /// Targets to fetch next (not fetched, not past the bounds, no macro), each once.
    pub to_fetch: Vec<Name>,
    /// Whether `amazonses.com` is included (or redirected to) anywhere in the tree.
    pub includes_amazonses: bool,
}

impl SpfEvaluation {
    /// Whether every target was fetched and understood, so that `lookups` is the full count.
    pub fn complete(&self) -> bool {
        !self
            .nodes
            .iter()
            .any(|n| matches!(n.outcome, NodeOutcome::Unknown(_)))
    }
}

/// Counts the lookups of `top`, following `include:`/`redirect=` through `fetched` (keyed by
/// the target's name); names not in it are listed in [`SpfEvaluation::to_fetch`]. Iterative
/// and bounded by [`SPF_MAX_FETCHES`] and [`SPF_MAX_DEPTH`]; a loop is a node of its own.
pub fn evaluate_spf(top: &SpfRecord, fetched: &BTreeMap<Name, Fetched>) -> SpfEvaluation {
    let mut eval = SpfEvaluation {
        lookups: top.own_lookups(),
        ..SpfEvaluation::default()
    };
    let amazonses: Name = crate::check::parse_static("amazonses.com");
    // Depth-first in evaluation order: (domain, depth, redirect, path of names above it).
    let mut stack: Vec<(String, usize, bool, Vec<Name>)> = nested_of(top, 1, &[]);
    stack.reverse();
    let mut visited = 0usize;
    while let Some((domain, depth, redirect, path)) = stack.pop() {
        let mut node = SpfNode {
            domain: domain.clone(),
            depth,
            redirect,
            outcome: NodeOutcome::Unknown(String::new()),
        };
        let name = (!domain.contains('%'))
            .then(|| crate::parse_domain(domain.trim_end_matches('.')).ok())
            .flatten();
        let Some(name) = name else {
            node.outcome = NodeOutcome::Unknown(if domain.contains('%') {
                "a macro: it depends on the sending address".into()
            } else {
                "not a valid domain name".into()
            });
            eval.nodes.push(node);
            continue;
        };
        if name == amazonses {
            eval.includes_amazonses = true;
        }
        if path.contains(&name) {
            node.outcome = NodeOutcome::Loop;
            eval.nodes.push(node);
            continue;
        }
        if visited >= SPF_MAX_FETCHES || depth > SPF_MAX_DEPTH || eval.lookups > SPF_LOOKUP_LIMIT {
            node.outcome =
                NodeOutcome::Unknown("not followed: the count is past the bounds".into());
            eval.nodes.push(node);
            continue;
        }
        visited += 1;
        let answer = fetched.get(&name).cloned().unwrap_or(Fetched::NotAsked);
        node.outcome = match answer {
            Fetched::NotAsked => {
                if !eval.to_fetch.contains(&name) {
                    eval.to_fetch.push(name.clone());
                }
                NodeOutcome::Unknown("not looked up yet".into())
            }
            Fetched::Failed(why) => NodeOutcome::Failed(why),
            Fetched::Unanswered(why) => NodeOutcome::Unknown(format!("no answer from here: {why}")),
            Fetched::NxDomain => {
                eval.void_lookups += 1;
                NodeOutcome::NoRecord { void: true }
            }
            Fetched::Texts(texts) => {
                let spf: Vec<&String> = texts.iter().filter(|t| is_spf_record(t)).collect();
                match spf.as_slice() {
                    [] => {
                        let void = texts.is_empty();
                        eval.void_lookups += usize::from(void);
                        NodeOutcome::NoRecord { void }
                    }
                    [one] => match parse_spf(one) {
                        Ok(record) => {
                            let lookups = record.own_lookups();
                            eval.lookups += lookups;
                            let mut below = path.clone();
                            below.push(name.clone());
                            let mut nested = nested_of(&record, depth + 1, &below);
                            nested.reverse();
                            stack.extend(nested);
                            NodeOutcome::Record { lookups }
                        }
                        Err(e) => NodeOutcome::Invalid(e),
                    },
                    many => NodeOutcome::Multiple(many.len()),
                }
            }
        };
        eval.nodes.push(node);
    }
    eval
}

fn nested_of(
    record: &SpfRecord,
    depth: usize,
    path: &[Name],
) -> Vec<(String, usize, bool, Vec<Name>)> {
    let nested = record.nested();
    let redirect_at = record.followed_redirect().map(|_| nested.len() - 1);
    nested
        .into_iter()
        .enumerate()
        .map(|(i, d)| (d.to_string(), depth, Some(i) == redirect_at, path.to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn the_version_tag_decides_what_is_spf() {
        assert!(is_spf_record("v=spf1"));
        assert!(is_spf_record("V=SPF1 -all"));
        assert!(!is_spf_record("v=spf10 -all"));
        assert!(!is_spf_record(" v=spf1 -all"));
        assert!(!is_spf_record("v=DMARC1; p=none"));
        assert!(!is_spf_record(""));
    }

    #[test]
    fn records_parse_into_mechanisms_and_modifiers() {
        let r = parse_spf(
            "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx:mail.example.com/24 include:amazonses.com ~all",
        )
        .unwrap();
        assert_eq!(r.mechanisms.len(), 6);
        assert_eq!(r.own_lookups(), 3);
        assert_eq!(r.nested(), ["amazonses.com"]);
        assert_eq!(r.all_qualifier(), Some(Qualifier::SoftFail));
        let r = parse_spf(
            "v=spf1 a/24//64 exists:%{i}.spf.example.com redirect=_spf.example.com foo=bar",
        )
        .unwrap();
        assert_eq!(r.own_lookups(), 3);
        assert_eq!(r.nested(), ["_spf.example.com"]);
        // With `all`, redirect= is ignored and not counted.
        let r = parse_spf("v=spf1 -all redirect=_spf.example.com").unwrap();
        assert_eq!((r.own_lookups(), r.nested().len()), (0, 0));
        assert_eq!(parse_spf("v=spf1").unwrap(), SpfRecord::default());
    }

    #[test]
    fn syntax_errors_are_typed() {
        use SpfError::*;
        type Expect = fn(&SpfError) -> bool;
        let cases: &[(&str, Expect)] = &[
            ("v=spf1 include amazonses.com", |e| {
                matches!(e, MissingDomain(_))
            }),
            ("v=spf1 include:amazonses.com amazonses.com", |e| {
                matches!(e, UnknownTerm(_))
            }),
            ("v=spf1 include:", |e| matches!(e, MissingDomain(_))),
            ("v=spf1 exists", |e| matches!(e, MissingDomain(_))),
            ("v=spf1 ip4:192.0.2.300", |e| matches!(e, BadAddress(_))),
            ("v=spf1 ip4:192.0.2.0/33", |e| matches!(e, BadAddress(_))),
            ("v=spf1 ip6:2001:db8::/129", |e| matches!(e, BadAddress(_))),
            ("v=spf1 a/024", |e| matches!(e, BadAddress(_))),
            ("v=spf1 include:localhost", |e| matches!(e, BadDomain(_))),
            ("v=spf1 include:%{z}.example.com", |e| {
                matches!(e, BadDomain(_))
            }),
            ("v=spf1 redirect=a.example redirect=b.example", |e| {
                matches!(e, DuplicateModifier(_))
            }),
            ("v=spf1 allx", |e| matches!(e, UnknownTerm(_))),
            ("spf1 -all", |e| matches!(e, NotSpf)),
        ];
        for (text, expected) in cases {
            let error = parse_spf(text).unwrap_err();
            assert!(expected(&error), "{text}: {error:?}");
            assert!(!error.to_string().is_empty());
        }
    }

    fn fetched(entries: &[(&str, &[&str])]) -> BTreeMap<Name, Fetched> {
        entries
            .iter()
            .map(|(name, texts)| {
                (
                    n(name),
                    Fetched::Texts(texts.iter().map(|t| t.to_string()).collect()),
                )
            })
            .collect()
    }

    #[test]
    fn lookups_are_counted_through_includes_and_the_rest_is_asked_for() {
        let top =
            parse_spf("v=spf1 include:amazonses.com include:_spf.example.com mx ~all").unwrap();
        let first = evaluate_spf(&top, &BTreeMap::new());
        assert_eq!(first.lookups, 3);
        assert_eq!(first.to_fetch, [n("amazonses.com"), n("_spf.example.com")]);
        assert!(!first.complete());
        assert!(first.includes_amazonses);
        let known = fetched(&[
            ("amazonses.com", &["v=spf1 ip4:199.255.192.0/22 -all"]),
            (
                "_spf.example.com",
                &["v=spf1 a mx include:_spf2.example.com", "other text"],
            ),
        ]);
        let second = evaluate_spf(&top, &known);
        assert_eq!(second.lookups, 6);
        assert_eq!(second.to_fetch, [n("_spf2.example.com")]);
        let mut all = known.clone();
        all.insert(n("_spf2.example.com"), Fetched::NxDomain);
        let done = evaluate_spf(&top, &all);
        assert!(done.complete());
        assert_eq!((done.lookups, done.void_lookups), (6, 1));
        assert_eq!(done.nodes.len(), 3);
        assert_eq!(done.nodes[2].depth, 2);
        assert_eq!(done.nodes[2].outcome, NodeOutcome::NoRecord { void: true });
    }

    #[test]
    fn loops_macros_and_fan_out_stay_bounded() {
        let top = parse_spf("v=spf1 include:a.example.com include:%{d}.example.com -all").unwrap();
        let known = fetched(&[("a.example.com", &["v=spf1 include:a.example.com"])]);
        let eval = evaluate_spf(&top, &known);
        assert!(eval.nodes.iter().any(|n| n.outcome == NodeOutcome::Loop));
        assert!(
            matches!(eval.nodes[2].outcome, NodeOutcome::Unknown(_)),
            "{eval:?}"
        );
        // Each record includes two more: the count passes 10 and fetching stops.
        let mut chain = BTreeMap::new();
        for i in 0..200 {
            chain.insert(
                n(&format!("s{i}.example.com")),
                Fetched::Texts(vec![format!(
                    "v=spf1 include:s{}.example.com include:s{}.example.com",
                    2 * i + 1,
                    2 * i + 2
                )]),
            );
        }
        let top = parse_spf("v=spf1 include:s0.example.com").unwrap();
        let eval = evaluate_spf(&top, &chain);
        assert!(eval.lookups > SPF_LOOKUP_LIMIT);
        assert!(
            eval.nodes
                .iter()
                .filter(|n| matches!(n.outcome, NodeOutcome::Record { .. }))
                .count()
                <= SPF_MAX_FETCHES
        );
        assert!(eval.to_fetch.is_empty());
    }

    #[test]
    fn several_records_or_none_at_a_target_are_told_apart() {
        let top = parse_spf("v=spf1 include:two.example.com include:none.example.com").unwrap();
        let known = fetched(&[
            ("two.example.com", &["v=spf1 -all", "v=spf1 ~all"]),
            ("none.example.com", &["google-site-verification=x"]),
        ]);
        let eval = evaluate_spf(&top, &known);
        assert_eq!(eval.nodes[0].outcome, NodeOutcome::Multiple(2));
        assert_eq!(eval.nodes[1].outcome, NodeOutcome::NoRecord { void: false });
        assert_eq!(eval.void_lookups, 0);
    }
}
