//! Presentation format (RFC 1035 §5.1 and the RFCs of each type), as `dig` prints it.

use std::fmt::{self, Display, Formatter, Write as _};

use crate::message::{Edns, EdnsOption, Header, Message, Question, Record};
use crate::rdata::{RData, Rrsig};
use crate::types::RecordType;

// ---------------------------------------------------------------------------------------------
// Binary-to-text helpers (RFC 4648). Small enough that a dependency would not pay for itself.

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE32HEX: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";

/// Padded base64 (RFC 4648 §4), as DNSKEY keys and RRSIG signatures are shown.
pub(crate) fn write_base64(f: &mut impl fmt::Write, data: &[u8]) -> fmt::Result {
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                f.write_char(BASE64[((n >> (18 - 6 * k)) & 0x3F) as usize] as char)?;
            } else {
                f.write_char('=')?;
            }
        }
    }
    Ok(())
}

/// Upper-case hex, as DS digests and unknown rdata are shown.
pub(crate) fn write_hex(f: &mut impl fmt::Write, data: &[u8]) -> fmt::Result {
    for b in data {
        write!(f, "{b:02X}")?;
    }
    Ok(())
}

/// Unpadded base32hex (RFC 4648 §7), as the NSEC3 next hashed owner is shown (RFC 5155 §3.3).
pub(crate) fn write_base32hex(f: &mut impl fmt::Write, data: &[u8]) -> fmt::Result {
    for chunk in data.chunks(5) {
        let mut b = [0u8; 5];
        b[..chunk.len()].copy_from_slice(chunk);
        let n = b.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        // 8 output symbols per 5 octets; a partial group yields ceil(bits / 5) symbols.
        let symbols = (chunk.len() * 8).div_ceil(5);
        for k in 0..symbols {
            f.write_char(BASE32HEX[((n >> (35 - 5 * k)) & 0x1F) as usize] as char)?;
        }
    }
    Ok(())
}

/// A character-string in double quotes, escaping `"` and `\` and showing octets outside
/// printable ASCII as `\DDD` (RFC 1035 §5.1).
pub(crate) fn write_quoted(f: &mut impl fmt::Write, s: &[u8]) -> fmt::Result {
    f.write_char('"')?;
    for &b in s {
        match b {
            b'"' | b'\\' => {
                f.write_char('\\')?;
                f.write_char(b as char)?;
            }
            0x20..=0x7E => f.write_char(b as char)?,
            _ => write!(f, "\\{b:03}")?,
        }
    }
    f.write_char('"')
}

/// RFC 3597 §5 generic data: `\# length hex`.
fn write_generic(f: &mut impl fmt::Write, data: &[u8]) -> fmt::Result {
    write!(f, "\\# {}", data.len())?;
    if !data.is_empty() {
        f.write_char(' ')?;
        write_hex(f, data)?;
    }
    Ok(())
}

/// A time in seconds since the epoch (modulo 2^32, as RRSIGs hold it) in the presentation
/// form of RRSIG times, `YYYYMMDDHHMMSS` UTC (RFC 4034 §3.2), which zone files, `dig` and
/// Unbound's `val-override-date` use.
///
/// ```
/// assert_eq!(dns_wire::rrsig_time(1_796_083_200), "20261201000000");
/// ```
pub fn rrsig_time(secs: u32) -> String {
    let mut out = String::with_capacity(14);
    let _ = write_timestamp(&mut out, secs);
    out
}

/// A timestamp in seconds since the epoch as `YYYYMMDDHHMMSS` UTC (RFC 4034 §3.2).
pub(crate) fn write_timestamp(f: &mut impl fmt::Write, secs: u32) -> fmt::Result {
    let days = i64::from(secs / 86_400);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    write!(
        f,
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn write_types(f: &mut Formatter<'_>, types: &[RecordType]) -> fmt::Result {
    for t in types {
        write!(f, " {t}")?;
    }
    Ok(())
}

/// An NSEC3 or NSEC3PARAM salt: hex, or `-` when empty (RFC 5155 §3.3, §4.3).
fn write_salt(f: &mut Formatter<'_>, salt: &[u8]) -> fmt::Result {
    if salt.is_empty() {
        f.write_char('-')
    } else {
        write_hex(f, salt)
    }
}

fn write_rrsig(f: &mut Formatter<'_>, sig: &Rrsig) -> fmt::Result {
    write!(
        f,
        "{} {} {} {} ",
        sig.type_covered, sig.algorithm, sig.labels, sig.original_ttl
    )?;
    write_timestamp(f, sig.expiration)?;
    f.write_char(' ')?;
    write_timestamp(f, sig.inception)?;
    write!(f, " {} {} ", sig.key_tag, sig.signer)?;
    write_base64(f, &sig.signature)
}

impl Display for RData {
    /// The data in zone-file form, as `dig` prints it: TXT strings quoted one by one, keys and
    /// signatures in base64, digests in hex, NSEC3 hashes in base32hex, type bitmaps as type
    /// names, RRSIG times as `YYYYMMDDHHMMSS`, unknown types (and a TXT without strings) as
    /// RFC 3597 `\# length hex`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            RData::A(a) => write!(f, "{a}"),
            RData::Aaaa(a) => write!(f, "{a}"),
            RData::Ns(n) | RData::Cname(n) | RData::Dname(n) | RData::Ptr(n) => write!(f, "{n}"),
            RData::Soa(s) => write!(
                f,
                "{} {} {} {} {} {} {}",
                s.mname, s.rname, s.serial, s.refresh, s.retry, s.expire, s.minimum
            ),
            RData::Mx(mx) => write!(f, "{} {}", mx.preference, mx.exchange),
            RData::Txt(txt) => {
                if txt.is_empty() {
                    return write_generic(f, &[]);
                }
                for (k, s) in txt.strings().enumerate() {
                    if k > 0 {
                        f.write_char(' ')?;
                    }
                    write_quoted(f, s)?;
                }
                Ok(())
            }
            RData::Srv(s) => write!(f, "{} {} {} {}", s.priority, s.weight, s.port, s.target),
            RData::Caa(caa) => {
                write!(f, "{} ", caa.flags)?;
                crate::name::write_label(f, &caa.tag)?;
                f.write_char(' ')?;
                write_quoted(f, &caa.value)
            }
            RData::Ds(ds) => {
                write!(f, "{} {} {} ", ds.key_tag, ds.algorithm, ds.digest_type)?;
                write_hex(f, &ds.digest)
            }
            RData::Dnskey(k) => {
                write!(f, "{} {} {} ", k.flags, k.protocol, k.algorithm)?;
                write_base64(f, &k.public_key)
            }
            RData::Rrsig(sig) => write_rrsig(f, sig),
            RData::Nsec(n) => {
                write!(f, "{}", n.next)?;
                write_types(f, &n.types)
            }
            RData::Nsec3(n) => {
                write!(f, "{} {} {} ", n.hash_algorithm, n.flags, n.iterations)?;
                write_salt(f, &n.salt)?;
                f.write_char(' ')?;
                write_base32hex(f, &n.next_hashed_owner)?;
                write_types(f, &n.types)
            }
            RData::Nsec3param(p) => {
                write!(f, "{} {} {} ", p.hash_algorithm, p.flags, p.iterations)?;
                write_salt(f, &p.salt)
            }
            RData::Unknown { data, .. } => write_generic(f, data),
        }
    }
}

impl Display for Record {
    /// `owner.<TAB>ttl<TAB>class<TAB>type<TAB>data`, the zone-file line `dig` prints.
    ///
    /// ```
    /// use dns_wire::{RData, Record, Txt};
    /// let r = Record::new(
    ///     "s1._domainkey.example.com".parse().unwrap(),
    ///     300,
    ///     RData::Txt(Txt::new(["v=DKIM1; p=MIIB", "IjAN\"x"])),
    /// );
    /// assert_eq!(
    ///     r.to_string(),
    ///     "s1._domainkey.example.com.\t300\tIN\tTXT\t\"v=DKIM1; p=MIIB\" \"IjAN\\\"x\""
    /// );
    /// ```
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\t{}\t{}\t{}\t{}",
            self.name,
            self.ttl,
            self.class,
            self.rtype(),
            self.data
        )
    }
}

impl Display for Question {
    /// `name.<TAB>class<TAB>type`, as in `dig`'s question section (without its `;`).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}\t{}\t{}", self.name, self.qclass, self.qtype)
    }
}

impl Header {
    /// The set flags as `dig` lists them (`qr aa tc rd ra z ad cd`), space-separated.
    pub fn flags_string(&self) -> String {
        let flags = [
            (self.response, "qr"),
            (self.authoritative, "aa"),
            (self.truncated, "tc"),
            (self.recursion_desired, "rd"),
            (self.recursion_available, "ra"),
            (self.z, "z"),
            (self.authentic_data, "ad"),
            (self.checking_disabled, "cd"),
        ];
        let set: Vec<&str> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
        set.join(" ")
    }
}

impl Display for Header {
    /// `opcode: QUERY, status: NOERROR, id: 4660, flags: qr aa` (status from the header's 4
    /// bits only; [`Message`]'s display adds the EDNS extension).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "opcode: {}, status: {}, id: {}, flags: {}",
            self.opcode,
            crate::types::Rcode(u16::from(self.rcode_low & 0x0F)),
            self.id,
            self.flags_string()
        )
    }
}

/// The name RFC 8914 §4 gives an Extended DNS Error info-code, if it is one of the registered
/// codes 0 to 24.
pub fn extended_error_name(info_code: u16) -> Option<&'static str> {
    const NAMES: [&str; 25] = [
        "Other",
        "Unsupported DNSKEY Algorithm",
        "Unsupported DS Digest Type",
        "Stale Answer",
        "Forged Answer",
        "DNSSEC Indeterminate",
        "DNSSEC Bogus",
        "Signature Expired",
        "Signature Not Yet Valid",
        "DNSKEY Missing",
        "RRSIGs Missing",
        "No Zone Key Bit Set",
        "NSEC Missing",
        "Cached Error",
        "Not Ready",
        "Blocked",
        "Censored",
        "Filtered",
        "Prohibited",
        "Stale NXDOMAIN Answer",
        "Not Authoritative",
        "Not Supported",
        "No Reachable Authority",
        "Network Error",
        "Invalid Data",
    ];
    NAMES.get(usize::from(info_code)).copied()
}

impl Display for EdnsOption<'_> {
    /// One option as `dig` prints it in the OPT pseudo-section (`NSID: 6e 73 31 ("ns1")`,
    /// `COOKIE: <hex>`,
    /// `EDE: 22 (No Reachable Authority): (text)`, `PADDING: n`, `OPT=code: hex`).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            EdnsOption::Nsid(data) => {
                f.write_str("NSID:")?;
                for b in *data {
                    write!(f, " {b:02x}")?;
                }
                f.write_str(" (")?;
                write_quoted(f, data)?;
                f.write_char(')')
            }
            EdnsOption::Cookie { client, server } => {
                f.write_str("COOKIE: ")?;
                for b in client.iter().chain(*server) {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            EdnsOption::ExtendedError {
                info_code,
                extra_text,
            } => {
                write!(f, "EDE: {info_code}")?;
                if let Some(name) = extended_error_name(*info_code) {
                    write!(f, " ({name})")?;
                }
                if !extra_text.is_empty() {
                    f.write_str(": (")?;
                    write_quoted(f, extra_text.as_bytes())?;
                    f.write_char(')')?;
                }
                Ok(())
            }
            EdnsOption::Padding(n) => write!(f, "PADDING: {n}"),
            EdnsOption::Unknown { code, data } => {
                write!(f, "OPT={code}: ")?;
                write_hex(f, data)
            }
        }
    }
}

impl Display for Edns {
    /// `EDNS: version: 0, flags: do; udp: 1232`, then one line per option.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "EDNS: version: {}, flags:", self.version)?;
        if self.dnssec_ok {
            f.write_str(" do")?;
        }
        if self.other_flags != 0 {
            write!(f, "; MBZ: {:#06x},", self.other_flags)?;
        } else {
            f.write_char(';')?;
        }
        write!(f, " udp: {}", self.udp_payload_size)?;
        for option in self.options.iter() {
            write!(f, "\n; {option}")?;
        }
        Ok(())
    }
}

impl Display for Message {
    /// The message laid out like `dig`'s output: header, OPT pseudo-section, then each
    /// non-empty section with one record per line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let h = &self.header;
        writeln!(
            f,
            ";; ->>HEADER<<- opcode: {}, status: {}, id: {}",
            h.opcode,
            self.rcode(),
            h.id
        )?;
        writeln!(
            f,
            ";; flags: {}; QUERY: {}, ANSWER: {}, AUTHORITY: {}, ADDITIONAL: {}",
            h.flags_string(),
            self.questions.len(),
            self.answers.len(),
            self.authority.len(),
            self.additional.len() + usize::from(self.edns.is_some())
        )?;
        if let Some(edns) = &self.edns {
            writeln!(f, "\n;; OPT PSEUDOSECTION:")?;
            writeln!(f, "; {edns}")?;
        }
        if !self.questions.is_empty() {
            writeln!(f, "\n;; QUESTION SECTION:")?;
            for q in &self.questions {
                writeln!(f, ";{q}")?;
            }
        }
        for (title, records) in [
            ("ANSWER", &self.answers),
            ("AUTHORITY", &self.authority),
            ("ADDITIONAL", &self.additional),
        ] {
            if !records.is_empty() {
                writeln!(f, "\n;; {title} SECTION:")?;
                for r in records {
                    writeln!(f, "{r}")?;
                }
            }
        }
        Ok(())
    }
}
