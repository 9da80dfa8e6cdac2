//! Numeric protocol codes: record types, classes, opcodes and response codes, each an open
//! newtype so values this crate has no name for still travel (RFC 3597).

use std::fmt;
use std::str::FromStr;

macro_rules! code_type {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty), unknown_prefix = $prefix:literal,
        { $( $(#[$cmeta:meta])* $konst:ident = $value:literal => $text:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: $name = $name($value); )*

            /// The mnemonic, if this value has one.
            pub fn mnemonic(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($text), )*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.mnemonic() {
                    Some(text) => f.write_str(text),
                    None => write!(f, concat!($prefix, "{}"), self.0),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = UnknownMnemonic;

            /// Accepts the mnemonic in any case, or the generic form (`TYPE65`, `CLASS3`).
            fn from_str(s: &str) -> Result<Self, UnknownMnemonic> {
                let upper = s.to_ascii_uppercase();
                $( if upper == $text { return Ok($name($value)); } )*
                upper
                    .strip_prefix($prefix)
                    .and_then(|n| n.parse::<$repr>().ok())
                    .map($name)
                    .ok_or_else(|| UnknownMnemonic(s.to_string()))
            }
        }

        impl From<$repr> for $name {
            fn from(v: $repr) -> Self {
                $name(v)
            }
        }
    };
}

/// A mnemonic that names no known code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown mnemonic {0:?}")]
pub struct UnknownMnemonic(pub String);

code_type! {
    /// A resource record type (RFC 1035 §3.2.2 and later registrations).
    RecordType(u16), unknown_prefix = "TYPE", {
        /// IPv4 address.
        A = 1 => "A",
        /// Authoritative name server.
        NS = 2 => "NS",
        /// Canonical name (alias).
        CNAME = 5 => "CNAME",
        /// Start of a zone of authority.
        SOA = 6 => "SOA",
        /// Domain name pointer.
        PTR = 12 => "PTR",
        /// Host information.
        HINFO = 13 => "HINFO",
        /// Mail exchange.
        MX = 15 => "MX",
        /// Text strings.
        TXT = 16 => "TXT",
        /// IPv6 address (RFC 3596).
        AAAA = 28 => "AAAA",
        /// Service location (RFC 2782).
        SRV = 33 => "SRV",
        /// Subtree redirection (RFC 6672).
        DNAME = 39 => "DNAME",
        /// EDNS0 pseudo-record (RFC 6891).
        OPT = 41 => "OPT",
        /// Delegation signer (RFC 4034).
        DS = 43 => "DS",
        /// DNSSEC signature (RFC 4034).
        RRSIG = 46 => "RRSIG",
        /// Next secure record (RFC 4034).
        NSEC = 47 => "NSEC",
        /// DNSSEC public key (RFC 4034).
        DNSKEY = 48 => "DNSKEY",
        /// Hashed next secure record (RFC 5155).
        NSEC3 = 50 => "NSEC3",
        /// NSEC3 parameters (RFC 5155).
        NSEC3PARAM = 51 => "NSEC3PARAM",
        /// Service binding (RFC 9460).
        SVCB = 64 => "SVCB",
        /// HTTPS service binding (RFC 9460).
        HTTPS = 65 => "HTTPS",
        /// Zone transfer (query only).
        AXFR = 252 => "AXFR",
        /// Any type (query only).
        ANY = 255 => "ANY",
        /// Certification authority authorization (RFC 8659).
        CAA = 257 => "CAA",
    }
}

code_type! {
    /// A record class (RFC 1035 §3.2.4).
    Class(u16), unknown_prefix = "CLASS", {
        /// The Internet.
        IN = 1 => "IN",
        /// Chaos.
        CH = 3 => "CH",
        /// Hesiod.
        HS = 4 => "HS",
        /// No class (RFC 2136).
        NONE = 254 => "NONE",
        /// Any class (query only).
        ANY = 255 => "ANY",
    }
}

code_type! {
    /// A header opcode (4 bits, RFC 1035 §4.1.1).
    Opcode(u8), unknown_prefix = "OPCODE", {
        /// Standard query.
        QUERY = 0 => "QUERY",
        /// Inverse query (obsolete).
        IQUERY = 1 => "IQUERY",
        /// Server status.
        STATUS = 2 => "STATUS",
        /// Zone change notification (RFC 1996).
        NOTIFY = 4 => "NOTIFY",
        /// Dynamic update (RFC 2136).
        UPDATE = 5 => "UPDATE",
        /// DNS stateful operations (RFC 8490).
        DSO = 6 => "DSO",
    }
}

code_type! {
    /// A response code: 4 bits in the header, extended to 12 by the OPT record (RFC 6891 §6.1.3).
    Rcode(u16), unknown_prefix = "RCODE", {
        /// No error.
        NOERROR = 0 => "NOERROR",
        /// The server could not interpret the query.
        FORMERR = 1 => "FORMERR",
        /// The server failed.
        SERVFAIL = 2 => "SERVFAIL",
        /// The name does not exist.
        NXDOMAIN = 3 => "NXDOMAIN",
        /// Not implemented.
        NOTIMP = 4 => "NOTIMP",
        /// Refused by policy.
        REFUSED = 5 => "REFUSED",
        /// A name exists that should not (RFC 2136).
        YXDOMAIN = 6 => "YXDOMAIN",
        /// An RRset exists that should not (RFC 2136).
        YXRRSET = 7 => "YXRRSET",
        /// An RRset that should exist does not (RFC 2136).
        NXRRSET = 8 => "NXRRSET",
        /// Not authoritative for the zone (RFC 2136).
        NOTAUTH = 9 => "NOTAUTH",
        /// Name not in zone (RFC 2136).
        NOTZONE = 10 => "NOTZONE",
        /// Unsupported EDNS version (RFC 6891).
        BADVERS = 16 => "BADVERS",
        /// Bad or missing server cookie (RFC 7873).
        BADCOOKIE = 23 => "BADCOOKIE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_and_generic_forms() {
        assert_eq!(RecordType::TXT.to_string(), "TXT");
        assert_eq!(RecordType(65534).to_string(), "TYPE65534");
        assert_eq!("cname".parse::<RecordType>().unwrap(), RecordType::CNAME);
        assert_eq!("TYPE99".parse::<RecordType>().unwrap(), RecordType(99));
        assert!("BOGUS".parse::<RecordType>().is_err());
        assert_eq!(Rcode::NXDOMAIN.to_string(), "NXDOMAIN");
        assert_eq!(Class(42).to_string(), "CLASS42");
    }
}
