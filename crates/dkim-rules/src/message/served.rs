//! The key each authoritative server serves at `<s>._domainkey.<d>`, read from the
//! observations of a `selector` check (the same survey the `selector` command diagnoses).

use dns_wire::{Name, RecordType};

use crate::diagnose::keys::KeyState;
use crate::diagnose::view::{Lookup, ServerSets, ServerState};
use crate::keyrecord::KeyRecord;
use crate::observe::{Observations, ServerRef};

/// What one server leads a verifier to.
#[derive(Debug, Clone)]
pub(crate) enum Served {
    /// No authoritative answer (timeout, REFUSED, no AA...).
    NoAnswer(String),
    /// NXDOMAIN or NODATA.
    Missing(String),
    /// Something at the name (directly or through CNAMEs): the key state and where it was
    /// read.
    Key(KeyState, Name),
}

/// One server's answer, and a text equal for servers that serve the same data.
#[derive(Debug, Clone)]
pub(crate) struct ServerKey {
    pub server: ServerRef,
    pub served: Served,
    /// Equal for two servers that hold the same data (so the key is checked once).
    pub same_as: String,
}

/// Every delegated server's key for `name`.
pub(crate) fn served_keys(observations: &Observations, name: &Name) -> Vec<ServerKey> {
    let lookup = Lookup::new(observations);
    let servers = ServerSets::new(observations, &lookup).delegated;
    servers
        .into_iter()
        .map(|server| {
            let state = lookup.state(
                name,
                &[RecordType::TXT, RecordType::CNAME, RecordType::A],
                &server,
            );
            let same_as = state.signature();
            let served = match &state {
                ServerState::NotAsked => Served::NoAnswer("not asked".into()),
                ServerState::Unreachable(why) | ServerState::Lame(why) => {
                    Served::NoAnswer(why.clone())
                }
                ServerState::Missing { .. } => Served::Missing(state.describe()),
                ServerState::Found(found) => {
                    if found.txt.is_empty() && found.cname.is_none() {
                        Served::Key(KeyState::NoTxt, name.clone())
                    } else if !found.txt.is_empty() {
                        let at = found.chain_end.clone().unwrap_or_else(|| name.clone());
                        Served::Key(KeyState::from_txt(&found.txt), at)
                    } else {
                        let end = found.chain_end.clone().unwrap_or_else(|| name.clone());
                        let (state, at) = KeyState::at_target(observations, &end);
                        Served::Key(state, at)
                    }
                }
            };
            ServerKey {
                server,
                served,
                same_as,
            }
        })
        .collect()
}

/// A key record as text, from its tags (for the report).
pub(crate) fn record_text(record: &KeyRecord) -> String {
    record
        .tags
        .iter()
        .map(|t| format!("{}={}", t.name, t.value))
        .collect::<Vec<_>>()
        .join("; ")
}
