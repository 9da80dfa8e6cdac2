//! What one server's response proves: the DS evidence in a parent's answer or referral, the
//! DNSKEY RRset of a zone's answer, and the security of an answer (data, CNAME, NXDOMAIN or
//! NODATA) from a zone of known status. For callers that hold responses, section by section
//! (a trace, a check that stored them).

use super::{
    DenialKind, DsEvidence, IndeterminateReason, InsecureReason, Rrset, Security, Validator,
    ZoneKeys, ZoneStatus,
};
use crate::message::Record;
use crate::name::Name;
use crate::types::{Class, RecordType};
use crate::Rcode;

/// The NSEC and NSEC3 RRsets of an authority section, with their RRSIGs.
pub fn denial_rrsets(authority: &[Record]) -> Vec<Rrset> {
    Rrset::collect(authority)
        .into_iter()
        .filter(|s| matches!(s.rtype, RecordType::NSEC | RecordType::NSEC3))
        .collect()
}

/// The DS evidence for `zone` in a parent server's response (an answer to the DS question,
/// or a referral to `zone`): the DS RRset from the answer or authority section, or, for a
/// NOERROR or NXDOMAIN response without one, the NSEC/NSEC3 RRsets that must prove there is
/// none. `None` for other response codes.
pub fn ds_evidence(
    rcode: Rcode,
    answer: &[Record],
    authority: &[Record],
    zone: &Name,
) -> Option<DsEvidence> {
    // A DS answer holds it in the answer section, a referral in the authority section.
    if let Some(ds) = Rrset::find(answer, zone, RecordType::DS)
        .or_else(|| Rrset::find(authority, zone, RecordType::DS))
    {
        return Some(DsEvidence::Present(ds));
    }
    if !matches!(rcode, Rcode::NOERROR | Rcode::NXDOMAIN) {
        return None;
    }
    Some(DsEvidence::Absent(denial_rrsets(authority)))
}

/// The DNSKEY RRset of `zone` in a response to the DNSKEY question: the set with its RRSIGs,
/// an empty set for a NOERROR without one (the zone publishes no key), `None` otherwise.
pub fn dnskey_rrset(rcode: Rcode, answer: &[Record], zone: &Name) -> Option<Rrset> {
    match Rrset::find(answer, zone, RecordType::DNSKEY) {
        Some(set) => Some(set),
        None if rcode == Rcode::NOERROR => Some(Rrset {
            name: zone.clone(),
            class: Class::IN,
            rtype: RecordType::DNSKEY,
            ttl: 0,
            data: Vec::new(),
            signatures: Vec::new(),
        }),
        None => None,
    }
}

/// The security of a response, and the soonest expiry of the signatures that made it secure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSecurity {
    /// Secure, insecure, bogus or indeterminate.
    pub security: Security,
    /// Seconds until the first verified signature expires, when data RRsets verified.
    pub expires_in: Option<u32>,
}

impl ResponseSecurity {
    fn of(security: Security) -> Self {
        ResponseSecurity {
            security,
            expires_in: None,
        }
    }
}

impl Validator<'_> {
    /// Validates one server's response to `qname`/`qtype` with the status of the zone that
    /// answered (RFC 4035 §5.3-5.4): below a zone that is not secure the answer shares its
    /// status; in a secure zone every RRset of the answer section that lies in the zone (the
    /// CNAME and, in the same zone, what it points to) must verify, one expanded from a
    /// wildcard with the proof that its own name does not exist; an answer without data needs
    /// its NSEC or NSEC3 denial. An NXDOMAIN covered only by an NSEC3 opt-out span is
    /// insecure (RFC 5155 §9.2). A referral is validated with [`Validator::referral`].
    pub fn response(
        &mut self,
        zone: &ZoneStatus,
        qname: &Name,
        qtype: RecordType,
        rcode: Rcode,
        answer: &[Record],
        authority: &[Record],
    ) -> ResponseSecurity {
        let keys: &ZoneKeys = match (&zone.security, &zone.keys) {
            (Security::Secure, Some(keys)) => keys,
            (other, _) => return ResponseSecurity::of(other.clone()),
        };
        let denial = denial_rrsets(authority);
        let mut expires: Option<u32> = None;
        let mut any = false;
        for set in Rrset::collect(answer) {
            if !set.name.is_subdomain_of(&keys.zone) {
                continue;
            }
            any = true;
            match self.verify_rrset(&set, &keys.zone, &keys.keys) {
                Ok(ok) => {
                    if ok.wildcard {
                        if let Err(why) =
                            self.prove_wildcard_expansion(&set.name, ok.labels, keys, &denial)
                        {
                            return ResponseSecurity::of(Security::Bogus(why));
                        }
                    }
                    expires = Some(expires.map_or(ok.expires_in, |e| e.min(ok.expires_in)));
                }
                Err(why) => return ResponseSecurity::of(Security::Bogus(why)),
            }
        }
        if any {
            return ResponseSecurity {
                security: Security::Secure,
                expires_in: expires,
            };
        }
        if !matches!(rcode, Rcode::NOERROR | Rcode::NXDOMAIN) {
            return ResponseSecurity::of(Security::Indeterminate(IndeterminateReason::Missing {
                name: qname.clone(),
                rtype: qtype,
            }));
        }
        ResponseSecurity::of(match self.prove_denial(qname, qtype, keys, &denial) {
            Ok(proof) => match proof.insecure {
                Some(reason) => Security::Insecure(reason),
                None if proof.kind == DenialKind::OptOut => {
                    Security::Insecure(InsecureReason::OptOut {
                        zone: qname.clone(),
                    })
                }
                None => Security::Secure,
            },
            Err(why) => Security::Bogus(why),
        })
    }

    /// Validates a referral to `child` from a zone of known status: the DS RRset it carries
    /// verified with the zone's keys (a secure delegation), or the NSEC/NSEC3 proof that there
    /// is none (insecure), as [`Validator::child_keys`] judges the DS of a child.
    pub fn referral(
        &mut self,
        zone: &ZoneStatus,
        child: &Name,
        rcode: Rcode,
        answer: &[Record],
        authority: &[Record],
    ) -> Security {
        let keys = match (&zone.security, &zone.keys) {
            (Security::Secure, Some(keys)) => keys,
            (other, _) => return other.clone(),
        };
        match ds_evidence(rcode, answer, authority, child) {
            None => Security::Indeterminate(IndeterminateReason::Missing {
                name: child.clone(),
                rtype: RecordType::DS,
            }),
            Some(DsEvidence::Present(set)) => match self.verify_rrset(&set, &keys.zone, &keys.keys)
            {
                Ok(_) => Security::Secure,
                Err(why) => Security::Bogus(why),
            },
            Some(evidence) => self.child_keys(keys, child, &evidence, None).0,
        }
    }
}
