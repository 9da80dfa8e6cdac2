//! Output: the human report and the JSON documents (shapes documented in the README).

pub mod message;
pub mod report;
pub mod trace;

use dns_wire::Record;
use serde::Serialize;

/// A resource record in JSON: `{"name","type","ttl","data"}`, data in presentation format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordJson {
    /// Owner name, absolute (final dot).
    pub name: String,
    /// Type mnemonic (`TXT`, `CNAME`, `TYPE65534`).
    #[serde(rename = "type")]
    pub rtype: String,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The data as a zone file shows it.
    pub data: String,
}

impl From<&Record> for RecordJson {
    fn from(record: &Record) -> Self {
        RecordJson {
            name: record.name.to_string(),
            rtype: record.rtype().to_string(),
            ttl: record.ttl,
            data: record.data.to_string(),
        }
    }
}

/// A record on one line for people: `name ttl IN TYPE data`, long data shortened unless
/// `full`.
pub fn record_line(record: &Record, full: bool) -> String {
    format!(
        "{} {} {} {} {}",
        record.name,
        record.ttl,
        record.class,
        record.rtype(),
        shorten(&record.data.to_string(), full)
    )
}

/// Longest data shown in full in the human output without `--verbose`.
const SHORT_DATA: usize = 96;

/// `text`, or its start and end around an ellipsis with the full length, when it is longer
/// than 96 characters (`SHORT_DATA`) and `full` is off. Cuts on character boundaries.
pub fn shorten(text: &str, full: bool) -> String {
    let count = text.chars().count();
    if full || count <= SHORT_DATA {
        return text.to_string();
    }
    let head: String = text.chars().take(60).collect();
    let tail: String = text.chars().skip(count - 20).collect();
    format!("{head}…{tail} ({count} characters)")
}

/// Milliseconds, rounded, for the `elapsed_ms` fields.
pub fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dns_wire::RData;

    #[test]
    fn short_text_is_kept_and_long_text_is_cut_with_its_length() {
        assert_eq!(shorten("abc", false), "abc");
        let long = "x".repeat(300);
        let cut = shorten(&long, false);
        assert!(cut.contains('…') && cut.ends_with("(300 characters)"));
        assert_eq!(shorten(&long, true), long);
        let multibyte = "é".repeat(200);
        assert!(shorten(&multibyte, false).contains('…'));
    }

    #[test]
    fn record_json_uses_presentation_format() {
        let record = Record::new(
            "a.example.".parse().unwrap(),
            300,
            RData::Cname("b.example.".parse().unwrap()),
        );
        let json = serde_json::to_value(RecordJson::from(&record)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "a.example.", "type": "CNAME", "ttl": 300, "data": "b.example."})
        );
    }
}
