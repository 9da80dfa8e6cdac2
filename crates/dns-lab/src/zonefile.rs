//! Zone files (RFC 1035 §5) rendered from [`Zone`]s, for the BIND lab.
//!
//! Every name is written absolute (with its final dot) so no `$ORIGIN` is needed, and only the
//! record types the lab uses are supported; anything else is an error rather than a guess.

use std::fmt::Write as _;

use dns_wire::{RData, Record, RecordType};

use crate::network::Zone;

/// A record the renderer cannot write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot render {rtype} record {owner} in a zone file")]
pub struct RenderError {
    /// The record's owner.
    pub owner: String,
    /// Its type.
    pub rtype: RecordType,
}

/// Writes one character-string in quotes, escaping `"` and `\` and writing bytes outside
/// printable ASCII as `\DDD`.
fn quoted(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
}

/// The record in zone-file form: `owner TTL IN TYPE data`.
pub fn render_record(record: &Record) -> Result<String, RenderError> {
    let mut out = format!("{} {} IN {} ", record.name, record.ttl, record.rtype());
    match &record.data {
        RData::A(a) => out.push_str(&a.to_string()),
        RData::Aaaa(a) => out.push_str(&a.to_string()),
        RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) | RData::Dname(n) => {
            out.push_str(&n.to_string())
        }
        RData::Mx(mx) => {
            let _ = write!(out, "{} {}", mx.preference, mx.exchange);
        }
        RData::Soa(soa) => {
            let _ = write!(
                out,
                "{} {} {} {} {} {} {}",
                soa.mname, soa.rname, soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum
            );
        }
        RData::Txt(txt) => {
            for (i, s) in txt.strings.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                quoted(&mut out, s);
            }
        }
        _ => {
            return Err(RenderError {
                owner: record.name.to_string(),
                rtype: record.rtype(),
            })
        }
    }
    Ok(out)
}

/// The whole zone, SOA first (BIND requires it).
pub fn render_zone(zone: &Zone) -> Result<String, RenderError> {
    let mut out = format!(
        "; zone {} rendered by dns-lab from its Rust description\n",
        zone.origin
    );
    let soa_first = zone
        .records
        .iter()
        .filter(|r| r.rtype() == RecordType::SOA)
        .chain(zone.records.iter().filter(|r| r.rtype() != RecordType::SOA));
    for record in soa_first {
        out.push_str(&render_record(record)?);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ZoneBuilder;
    use std::net::Ipv4Addr;

    #[test]
    fn renders_the_lab_types() {
        let zone = ZoneBuilder::new("example.com", &["ns1.example.com"])
            .a("ns1.example.com", Ipv4Addr::new(127, 53, 9, 1))
            .cname("x._domainkey.example.com", "x.dkim.amazonses.com")
            .txt("q.example.com", &["a\"b\\c", "", "\u{7f}"])
            .build();
        let text = render_zone(&zone).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2026112601 3600 600 604800 300"
        );
        assert_eq!(lines[2], "example.com. 3600 IN NS ns1.example.com.");
        assert_eq!(lines[3], "ns1.example.com. 3600 IN A 127.53.9.1");
        assert_eq!(
            lines[4],
            "x._domainkey.example.com. 3600 IN CNAME x.dkim.amazonses.com."
        );
        assert_eq!(
            lines[5],
            r#"q.example.com. 3600 IN TXT "a\"b\\c" "" "\127""#
        );
    }

    #[test]
    fn unsupported_types_are_an_error() {
        let record = Record::new(
            "x.example".parse().unwrap(),
            60,
            RData::Unknown {
                rtype: RecordType(999),
                data: vec![1],
            },
        );
        assert_eq!(render_record(&record).unwrap_err().rtype, RecordType(999));
    }

    #[test]
    fn the_whole_lab_renders() {
        for hosted in &crate::internet::miniature_internet().zones {
            render_zone(&hosted.zone).unwrap();
        }
    }
}
