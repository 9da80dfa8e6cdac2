//! What one server says about one name, boiled down from the probes' answers.

use std::collections::BTreeSet;

use dns_wire::{Name, Rcode, RecordType};

use crate::observe::{
    AnswerOutcome, Observations, ObservedData, ObservedRecord, Response, ServerInfo, ServerRef,
};

/// One server's view of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServerState {
    /// The server was not asked about this name.
    NotAsked,
    /// No response (timeout, network error, garbage).
    Unreachable(String),
    /// A response that is not an authoritative answer (REFUSED, SERVFAIL, no AA...).
    Lame(String),
    /// NXDOMAIN (`nxdomain`) or NODATA.
    Missing { nxdomain: bool },
    /// Something is at the name.
    Found(Found),
}

/// Data found at a name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Found {
    /// The CNAME at the name, if any (first hop).
    pub cname: Option<Name>,
    /// Where the chain of CNAMEs inside the answer ends (the name itself without CNAME).
    pub chain_end: Option<Name>,
    /// TXT RRs at the chain end, if the answer reached them (each RR's strings).
    pub txt: Vec<Vec<Vec<u8>>>,
    /// A/AAAA (or other non-CNAME, non-TXT) records at the name.
    pub other: Vec<ObservedData>,
}

impl ServerState {
    /// Whether the server gave an authoritative answer.
    pub fn answered(&self) -> bool {
        matches!(self, ServerState::Missing { .. } | ServerState::Found(_))
    }

    /// The value as shown to the user.
    pub fn describe(&self) -> String {
        match self {
            ServerState::NotAsked => "not asked".into(),
            ServerState::Unreachable(why) | ServerState::Lame(why) => why.clone(),
            ServerState::Missing { nxdomain: true } => "NXDOMAIN (no such name)".into(),
            ServerState::Missing { nxdomain: false } => {
                "NODATA (name exists, no such record)".into()
            }
            ServerState::Found(found) => found.describe(),
        }
    }

    /// [`ServerState::describe`] cut to a length that fits in a sentence.
    pub fn short(&self) -> String {
        shorten(&self.describe())
    }

    /// A comparable form: equal when two servers hold the same data.
    pub fn signature(&self) -> String {
        match self {
            ServerState::Found(found) => found.signature(),
            other => other.describe(),
        }
    }
}

impl Found {
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(target) = &self.cname {
            parts.push(ObservedData::Cname(target.clone()).presentation());
        }
        for txt in &self.txt {
            parts.push(ObservedData::Txt(txt.clone()).presentation());
        }
        for other in &self.other {
            parts.push(other.presentation());
        }
        if parts.is_empty() {
            return "no data".into();
        }
        parts.join(", ")
    }

    fn signature(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(target) = &self.cname {
            parts.push(format!("CNAME {}", target.to_lowercase()));
        }
        let mut txt: Vec<String> = self
            .txt
            .iter()
            .map(|t| ObservedData::Txt(t.clone()).presentation())
            .collect();
        txt.sort();
        parts.extend(txt);
        let mut other: Vec<String> = self.other.iter().map(ObservedData::presentation).collect();
        other.sort();
        parts.extend(other);
        parts.join(", ")
    }

    /// Whether this looks like something a user meant as a DKIM record: a CNAME, or a TXT
    /// holding `p=` or the expected CNAME value.
    pub fn looks_like_dkim(&self, token_hint: Option<&str>) -> bool {
        if let Some(target) = &self.cname {
            // For an SES token, only a CNAME that names the token or an SES DKIM zone: a
            // catch-all CNAME elsewhere in the zone is not the user's DKIM record.
            return match token_hint {
                None => true,
                Some(token) => {
                    target
                        .first_label()
                        .is_some_and(|l| l.eq_ignore_ascii_case(token.as_bytes()))
                        || target
                            .parent()
                            .is_some_and(|z| crate::check::is_ses_dkim_zone(&z))
                }
            };
        }
        self.txt.iter().any(|rr| {
            let text = String::from_utf8_lossy(&rr.concat()).to_ascii_lowercase();
            text.contains("p=")
                || token_hint.is_some_and(|t| text.contains(&t.to_ascii_lowercase()))
        })
    }
}

/// Text for a sentence: long values (a key) are cut after 60 characters, with the length.
pub(crate) fn shorten(text: &str) -> String {
    const KEEP: usize = 60;
    let count = text.chars().count();
    if count <= KEEP + 20 {
        return text.to_string();
    }
    let head: String = text.chars().take(KEEP).collect();
    format!("{} ... ({count} characters)", head.trim_end())
}

/// Looks up answers in the observations.
pub(crate) struct Lookup<'a> {
    observations: &'a Observations,
}

impl<'a> Lookup<'a> {
    pub fn new(observations: &'a Observations) -> Self {
        Lookup { observations }
    }

    /// The outcome of (name, type) at a server, if it was asked.
    pub fn outcome(
        &self,
        name: &Name,
        rtype: RecordType,
        server: &ServerRef,
    ) -> Option<&'a AnswerOutcome> {
        self.observations
            .probes
            .iter()
            .filter(|p| p.name == *name && p.rtype == rtype)
            .flat_map(|p| &p.answers)
            .find(|a| a.server == *server)
            .map(|a| &a.outcome)
    }

    /// Every server that answered any probe, in first-seen order.
    pub fn servers_seen(&self) -> Vec<ServerRef> {
        let mut seen = BTreeSet::new();
        let mut list = Vec::new();
        for answer in self.observations.probes.iter().flat_map(|p| &p.answers) {
            if seen.insert(answer.server.clone()) {
                list.push(answer.server.clone());
            }
        }
        list
    }

    /// One server's view of a name, from the probes of the given types (the first type is
    /// the main question; the others only add records of other types).
    pub fn state(&self, name: &Name, types: &[RecordType], server: &ServerRef) -> ServerState {
        let mut found = Found::default();
        let mut main_state = None;
        for rtype in types {
            let Some(outcome) = self.outcome(name, *rtype, server) else {
                continue;
            };
            let response = match classify(outcome) {
                Ok(response) => response,
                Err(state) => {
                    main_state.get_or_insert(state);
                    continue;
                }
            };
            // With a CNAME chain, the rcode speaks of the chain's last name (RFC 6604), so the
            // answer is read even under NXDOMAIN.
            merge_answer(&mut found, name, &response.answer);
            let nxdomain = response.rcode == Rcode::NXDOMAIN && response.answer.is_empty();
            main_state.get_or_insert(ServerState::Missing { nxdomain });
        }
        let has_data = found.cname.is_some() || !found.txt.is_empty() || !found.other.is_empty();
        if has_data {
            return ServerState::Found(found);
        }
        main_state.unwrap_or(ServerState::NotAsked)
    }
}

/// A response that counts as an authoritative answer, or the state saying why not.
pub(crate) fn classify(outcome: &AnswerOutcome) -> Result<&Response, ServerState> {
    match outcome {
        AnswerOutcome::Error {
            error: crate::observe::AnswerError::NotChecked,
            ..
        } => Err(ServerState::NotAsked),
        AnswerOutcome::Error { error, message } => {
            Err(ServerState::Unreachable(match stable_reason(message) {
                Some(reason) if reason.starts_with("did not answer") => reason,
                Some(reason) => format!("{error} ({reason})"),
                None => error.to_string(),
            }))
        }
        AnswerOutcome::Response(r) if r.rcode != Rcode::NOERROR && r.rcode != Rcode::NXDOMAIN => {
            Err(ServerState::Lame(format!("answered {}", r.rcode)))
        }
        AnswerOutcome::Response(r) if !r.authoritative => Err(ServerState::Lame(
            "answered without the AA flag (not authoritative)".into(),
        )),
        AnswerOutcome::Response(r) => Ok(r),
    }
}

/// The part of a transport error's text that stays the same from run to run: the OS text
/// carries error numbers and the source port, which change (the query trace keeps them).
fn stable_reason(message: &str) -> Option<String> {
    // A timeout says how hard the server was tried ("did not answer 5 tries over 4.9 s (UDP,
    // then TCP)"), without the address before it.
    if let Some(at) = message.find("did not answer") {
        return Some(message[at..].to_string());
    }
    let message = message.to_ascii_lowercase();
    [
        ("refused", "connection refused"),
        ("reset", "connection reset"),
        ("unreachable", "unreachable"),
        ("permission denied", "sending not permitted"),
    ]
    .into_iter()
    .find(|(needle, _)| message.contains(needle))
    .map(|(_, reason)| reason.to_string())
}

/// Adds what an answer says about `name`: its CNAME chain inside the answer, the TXT at
/// the chain end, other records at the name.
fn merge_answer(found: &mut Found, name: &Name, answer: &[ObservedRecord]) {
    let mut current = name.clone();
    for _ in 0..=answer.len() {
        let next = answer.iter().find_map(|r| match &r.data {
            ObservedData::Cname(t) if r.name == current => Some(t.clone()),
            _ => None,
        });
        match next {
            Some(target) => {
                if current == *name && found.cname.is_none() {
                    found.cname = Some(target.clone());
                }
                current = target;
            }
            None => break,
        }
    }
    if found.cname.is_some() {
        found.chain_end.get_or_insert(current.clone());
    }
    for record in answer.iter().filter(|r| r.name == current) {
        match &record.data {
            ObservedData::Txt(strings) if !found.txt.contains(strings) => {
                found.txt.push(strings.clone());
            }
            ObservedData::Txt(_) | ObservedData::Cname(_) => {}
            other if current == *name && !found.other.contains(other) => {
                found.other.push(other.clone());
            }
            _ => {}
        }
    }
}

/// The delegated servers and the servers only the user named.
pub(crate) struct ServerSets {
    pub delegated: Vec<ServerRef>,
    pub user_only: Vec<ServerRef>,
}

impl ServerSets {
    pub fn new(observations: &Observations, lookup: &Lookup<'_>) -> Self {
        let infos = &observations.delegation.servers;
        if infos.is_empty() {
            return ServerSets {
                delegated: lookup.servers_seen(),
                user_only: vec![],
            };
        }
        // A CLI that fills no role flags at all still gets a diagnosis: every server it did
        // not mark as user-named counts as delegated.
        let any_role = infos.iter().any(ServerInfo::is_delegated);
        // A server not checked from here is in neither set: it says nothing either way.
        let delegated = infos
            .iter()
            .filter(|s| s.not_checked.is_none())
            .filter(|s| {
                if any_role {
                    s.is_delegated()
                } else {
                    !s.user_named
                }
            })
            .map(ServerInfo::reference)
            .collect();
        let user_only = infos
            .iter()
            .filter(|s| s.not_checked.is_none())
            .filter(|s| s.user_named && !s.is_delegated())
            .map(ServerInfo::reference)
            .collect();
        ServerSets {
            delegated,
            user_only,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_errors_are_described_without_ports_or_error_numbers() {
        let outcome = AnswerOutcome::Error {
            error: crate::observe::AnswerError::Network,
            message: "receiving from 127.53.12.2:48533 over UDP failed: Connection refused (os error 111)".into(),
        };
        let Err(state) = classify(&outcome) else {
            panic!("an error is not an answer")
        };
        assert_eq!(
            state,
            ServerState::Unreachable("network error (connection refused)".into())
        );
    }
}
