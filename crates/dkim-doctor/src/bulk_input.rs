//! The `bulk` input file: JSON lines or CSV, each entry a domain with SES tokens or DKIM
//! selectors. Entries are only split into fields here; what a token or a domain may look
//! like is checked later by `dkim-rules`, the same way as for `ses` and `selector`.

use std::collections::HashMap;

use serde::Deserialize;

/// What to check for one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkEntry {
    /// 1-based line (JSON lines) or record (CSV) number, for error messages.
    pub line: usize,
    /// The domain as written.
    pub domain: String,
    /// SES tokens or DKIM selectors.
    pub check: BulkCheck,
    /// AWS region for SES entries.
    pub region: Option<String>,
    /// Name servers the user expects (`--expect-ns`).
    pub expect_ns: Vec<String>,
}

/// The kind of check for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkCheck {
    /// SES Easy DKIM with these tokens.
    Ses(Vec<String>),
    /// These DKIM selectors.
    Selectors(Vec<String>),
}

/// An entry that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct BulkInputError {
    /// 1-based line (or CSV record) number.
    pub line: usize,
    /// What is wrong, as one sentence.
    pub reason: String,
}

/// Reads every entry of a bulk file; entries that cannot be read come back as errors in
/// place, so the good ones can still be checked.
///
/// The format is JSON lines when the first line that is not blank or a `#` comment starts
/// with `{`, CSV otherwise.
pub fn parse_bulk(text: &str) -> Vec<Result<BulkEntry, BulkInputError>> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    match first {
        None => Vec::new(),
        Some(line) if line.starts_with('{') => parse_json_lines(text),
        Some(_) => parse_csv(text),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonEntry {
    domain: String,
    #[serde(default)]
    tokens: Option<Vec<String>>,
    #[serde(default)]
    selectors: Option<Vec<String>>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    expect_ns: Vec<String>,
}

fn parse_json_lines(text: &str) -> Vec<Result<BulkEntry, BulkInputError>> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let entry = serde_json::from_str::<JsonEntry>(raw)
            .map_err(|e| BulkInputError {
                line,
                reason: format!("not a JSON object with a domain and tokens or selectors ({e})"),
            })
            .and_then(|json| {
                let check = pick_check(line, json.tokens, json.selectors)?;
                Ok(BulkEntry {
                    line,
                    domain: json.domain,
                    check,
                    region: json.region,
                    expect_ns: json.expect_ns,
                })
            });
        entries.push(entry);
    }
    entries
}

fn pick_check(
    line: usize,
    tokens: Option<Vec<String>>,
    selectors: Option<Vec<String>>,
) -> Result<BulkCheck, BulkInputError> {
    let tokens = tokens.filter(|t| !t.is_empty());
    let selectors = selectors.filter(|s| !s.is_empty());
    match (tokens, selectors) {
        (Some(tokens), None) => Ok(BulkCheck::Ses(tokens)),
        (None, Some(selectors)) => Ok(BulkCheck::Selectors(selectors)),
        (Some(_), Some(_)) => Err(BulkInputError {
            line,
            reason: "give either tokens (SES) or selectors, not both; use two lines".to_string(),
        }),
        (None, None) => Err(BulkInputError {
            line,
            reason: "no tokens and no selectors to check".to_string(),
        }),
    }
}

/// Column roles, found by header name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Domain,
    Tokens,
    Selectors,
    Region,
    ExpectNs,
}

fn column_role(header: &str) -> Option<Column> {
    let h = header.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    // `token1`, `token 2`, `selector3`: several columns of one role are allowed.
    let base = h.trim_end_matches(|c: char| c.is_ascii_digit());
    match base {
        "domain" | "identity" | "domain_name" => Some(Column::Domain),
        "token" | "tokens" | "dkim_token" | "dkim_tokens" => Some(Column::Tokens),
        "selector" | "selectors" => Some(Column::Selectors),
        "region" => Some(Column::Region),
        "expect_ns" | "expected_ns" | "ns" | "name_servers" | "nameservers" => {
            Some(Column::ExpectNs)
        }
        _ => None,
    }
}

/// Splits a cell holding several values: spaces, `;` or `|` separate them.
fn split_values(cell: &str) -> impl Iterator<Item = String> + '_ {
    cell.split(|c: char| c.is_whitespace() || c == ';' || c == '|')
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn parse_csv(text: &str) -> Vec<Result<BulkEntry, BulkInputError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut entries = Vec::new();

    let header = loop {
        match records.next() {
            None => return entries,
            Some(Err(e)) => {
                entries.push(Err(csv_error(&e)));
                return entries;
            }
            Some(Ok(record)) if record.iter().all(str::is_empty) => continue,
            Some(Ok(record)) => break record,
        }
    };
    let header_line = header.position().map_or(1, |p| p.line() as usize);
    let roles: Vec<Option<Column>> = header.iter().map(column_role).collect();
    if !roles.contains(&Some(Column::Domain)) {
        entries.push(Err(BulkInputError {
            line: header_line,
            reason: "the CSV needs a header row naming its columns (domain, then tokens or \
                     selectors)"
                .to_string(),
        }));
        return entries;
    }
    if !roles.contains(&Some(Column::Tokens)) && !roles.contains(&Some(Column::Selectors)) {
        entries.push(Err(BulkInputError {
            line: header_line,
            reason: "the CSV header has no tokens or selectors column".to_string(),
        }));
        return entries;
    }

    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                entries.push(Err(csv_error(&e)));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut cells: HashMap<Column, Vec<String>> = HashMap::new();
        for (role, cell) in roles.iter().zip(record.iter()) {
            if let Some(role) = role {
                cells.entry(*role).or_default().extend(split_values(cell));
            }
        }
        let mut take = |c: Column| cells.remove(&c).unwrap_or_default();
        let domain = take(Column::Domain);
        let entry = match domain.as_slice() {
            [] => Err(BulkInputError {
                line,
                reason: "the domain cell is empty".to_string(),
            }),
            [domain] => pick_check(
                line,
                Some(take(Column::Tokens)),
                Some(take(Column::Selectors)),
            )
            .map(|check| BulkEntry {
                line,
                domain: domain.clone(),
                check,
                region: take(Column::Region).into_iter().next(),
                expect_ns: take(Column::ExpectNs),
            }),
            _ => Err(BulkInputError {
                line,
                reason: "the domain cell holds more than one word".to_string(),
            }),
        };
        entries.push(entry);
    }
    entries
}

fn csv_error(error: &csv::Error) -> BulkInputError {
    let line = error.position().map_or(0, |p| p.line() as usize);
    BulkInputError {
        line,
        reason: format!("unreadable CSV ({error})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(entries: Vec<Result<BulkEntry, BulkInputError>>) -> Vec<BulkEntry> {
        entries.into_iter().map(Result::unwrap).collect()
    }

    #[test]
    fn json_lines_with_tokens_and_selectors() {
        let text = r#"
# comment
{"domain": "a.example", "tokens": ["t1", "t2", "t3"], "region": "eu-south-1"}

{"domain": "b.example", "selectors": ["s1"], "expect_ns": ["ns1.example"]}
"#;
        let entries = ok(parse_bulk(text));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].line, 3);
        assert_eq!(
            entries[0].check,
            BulkCheck::Ses(vec!["t1".into(), "t2".into(), "t3".into()])
        );
        assert_eq!(entries[0].region.as_deref(), Some("eu-south-1"));
        assert_eq!(entries[1].check, BulkCheck::Selectors(vec!["s1".into()]));
        assert_eq!(entries[1].expect_ns, vec!["ns1.example".to_string()]);
    }

    #[test]
    fn json_line_errors_are_reported_in_place() {
        let text = "{\"domain\": \"a.example\", \"tokens\": [\"t\"]}\n{broken\n\
                    {\"domain\": \"c.example\"}\n{\"domain\": \"d\", \"tokens\": [\"t\"], \"selectors\": [\"s\"]}\n";
        let entries = parse_bulk(text);
        assert!(entries[0].is_ok());
        assert_eq!(entries[1].as_ref().unwrap_err().line, 2);
        assert!(entries[2]
            .as_ref()
            .unwrap_err()
            .reason
            .contains("no tokens"));
        assert!(entries[3].as_ref().unwrap_err().reason.contains("not both"));
    }

    #[test]
    fn csv_with_header_in_any_order_and_multi_value_cells() {
        let text = "Tokens,Domain,Region\n\"t1 t2;t3\",a.example,us-east-1\n,,\n";
        let entries = ok(parse_bulk(text));
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].domain, "a.example");
        assert_eq!(
            entries[0].check,
            BulkCheck::Ses(vec!["t1".into(), "t2".into(), "t3".into()])
        );
        assert_eq!(entries[0].line, 2);
    }

    #[test]
    fn csv_with_numbered_columns() {
        let text = "domain,selector1,selector2\nb.example,s1,s2\nc.example,google,\n";
        let entries = ok(parse_bulk(text));
        assert_eq!(
            entries[0].check,
            BulkCheck::Selectors(vec!["s1".into(), "s2".into()])
        );
        assert_eq!(
            entries[1].check,
            BulkCheck::Selectors(vec!["google".into()])
        );
    }

    #[test]
    fn csv_without_header_is_refused_with_a_reason() {
        let entries = parse_bulk("a.example,t1,t2\n");
        assert_eq!(entries.len(), 1);
        assert!(entries[0].as_ref().unwrap_err().reason.contains("header"));
    }

    #[test]
    fn csv_row_without_values_is_an_error_but_others_go_on() {
        let text = "domain,tokens\na.example,\nb.example,t1\n";
        let entries = parse_bulk(text);
        assert!(entries[0].is_err());
        assert!(entries[1].is_ok());
    }

    #[test]
    fn empty_input_has_no_entries() {
        assert!(parse_bulk("\n# nothing\n").is_empty());
    }
}
