//! Zone files (RFC 1035 §5) rendered from [`Zone`]s, for the BIND lab.
//!
//! Each record is written with `dns-wire`'s `Display` for [`dns_wire::Record`], which is the
//! zone-file line `dig` prints: absolute owner (final dot), TTL, class, type, data (types
//! without a presentation form in the generic RFC 3597 `\# length hex` form, which BIND reads).

use dns_wire::RecordType;

use crate::network::Zone;

/// The whole zone, SOA first (BIND requires it).
pub fn render_zone(zone: &Zone) -> String {
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
        out.push_str(&record.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ZoneBuilder;
    use std::net::Ipv4Addr;

    #[test]
    fn renders_soa_first_one_record_per_line() {
        let zone = ZoneBuilder::new("example.com", &["ns1.example.com"])
            .a("ns1.example.com", Ipv4Addr::new(127, 53, 9, 1))
            .cname("x._domainkey.example.com", "x.dkim.amazonses.com")
            .txt("q.example.com", &["a\"b\\c", ""])
            .build();
        let text = render_zone(&zone);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "example.com.\t3600\tIN\tSOA\tns1.example.com. hostmaster.example.com. 2026112601 3600 600 604800 300"
        );
        assert_eq!(lines[2], "example.com.\t3600\tIN\tNS\tns1.example.com.");
        assert_eq!(lines[3], "ns1.example.com.\t3600\tIN\tA\t127.53.9.1");
        assert_eq!(
            lines[4],
            "x._domainkey.example.com.\t3600\tIN\tCNAME\tx.dkim.amazonses.com."
        );
        assert_eq!(
            lines[5],
            "q.example.com.\t3600\tIN\tTXT\t\"a\\\"b\\\\c\" \"\""
        );
        assert_eq!(lines.len(), 6);
    }
}
