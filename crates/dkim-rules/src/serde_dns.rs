//! serde adapters for the `dns-wire` types used in this crate's plain-data models.
//!
//! `dns-wire` has no serde dependency, so names, record types and response codes travel as
//! their presentation text (`"abc._domainkey.example.com."`, `"CNAME"`, `"NXDOMAIN"`), which
//! also keeps the JSON fixtures readable. TXT strings are bytes; they travel as text with
//! `\\` and `\DDD` escapes for anything outside printable ASCII, so every byte round-trips.

use dns_wire::{Name, Rcode, RecordType};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A [`Name`] as its presentation text.
pub mod name {
    use super::*;

    /// Writes the name with its final dot.
    pub fn serialize<S: Serializer>(name: &Name, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&name.to_string())
    }

    /// Reads a name in presentation form (final dot optional).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<Name>()
            .map_err(|e| D::Error::custom(format!("invalid domain name {text:?}: {e}")))
    }
}

/// A list of [`Name`]s.
pub mod names {
    use super::*;

    /// Writes each name with its final dot.
    pub fn serialize<S: Serializer>(names: &[Name], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = names.iter().map(Name::to_string).collect();
        texts.serialize(s)
    }

    /// Reads a list of names in presentation form.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Name>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| {
                t.parse::<Name>()
                    .map_err(|e| D::Error::custom(format!("invalid domain name {t:?}: {e}")))
            })
            .collect()
    }
}

/// An optional [`Name`].
pub mod opt_name {
    use super::*;

    /// Writes the name with its final dot, or null.
    pub fn serialize<S: Serializer>(name: &Option<Name>, s: S) -> Result<S::Ok, S::Error> {
        name.as_ref().map(Name::to_string).serialize(s)
    }

    /// Reads a name or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Name>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| {
            t.parse::<Name>()
                .map_err(|e| D::Error::custom(format!("invalid domain name {t:?}: {e}")))
        })
        .transpose()
    }
}

/// A [`RecordType`] as its mnemonic (`"TXT"`, or `"TYPE65534"` for unnamed types).
pub mod rtype {
    use super::*;

    /// Writes the mnemonic.
    pub fn serialize<S: Serializer>(rtype: &RecordType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rtype.to_string())
    }

    /// Reads a mnemonic, in any case.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RecordType, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<RecordType>()
            .map_err(|_| D::Error::custom(format!("unknown record type {text:?}")))
    }
}

/// An [`Rcode`] as its mnemonic (`"NXDOMAIN"`).
pub mod rcode {
    use super::*;

    /// Writes the mnemonic.
    pub fn serialize<S: Serializer>(rcode: &Rcode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rcode.to_string())
    }

    /// Reads a mnemonic, in any case.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Rcode, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<Rcode>()
            .map_err(|_| D::Error::custom(format!("unknown response code {text:?}")))
    }
}

/// TXT character-strings as escaped text.
pub mod txt_strings {
    use super::*;

    /// Writes each string with `\\` and `\DDD` escapes.
    pub fn serialize<S: Serializer>(strings: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        let texts: Vec<String> = strings.iter().map(|b| escape_bytes(b)).collect();
        texts.serialize(s)
    }

    /// Reads escaped strings back into bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        texts
            .iter()
            .map(|t| unescape_bytes(t).map_err(D::Error::custom))
            .collect()
    }
}

/// Bytes as text: printable ASCII as is, `\` as `\\`, anything else as `\DDD` (decimal).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03}")),
        }
    }
    out
}

/// The inverse of [`escape_bytes`]. Non-ASCII characters in the text are taken as their UTF-8
/// bytes, so hand-written fixtures may contain them directly.
pub fn unescape_bytes(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes.get(i + 1..i + 4) {
            Some(d) if d.iter().all(u8::is_ascii_digit) => {
                let value = d.iter().fold(0u32, |v, c| v * 10 + u32::from(c - b'0'));
                let byte = u8::try_from(value)
                    .map_err(|_| format!("escape \\{value} at offset {i} is over 255"))?;
                out.push(byte);
                i += 4;
            }
            _ => match bytes.get(i + 1) {
                Some(&c) if !c.is_ascii_digit() => {
                    out.push(c);
                    i += 2;
                }
                _ => return Err(format!("bad escape at offset {i} in {text:?}")),
            },
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unescape_bytes(&escape_bytes(&all)).unwrap(), all);
        assert_eq!(escape_bytes(b"p=A\\B\n"), "p=A\\\\B\\010");
        assert!(unescape_bytes("\\256").is_err());
        assert!(unescape_bytes("abc\\").is_err());
    }
}
