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

/// The longest input line read; a longer one is skipped (and reported) without being kept.
pub const MAX_LINE: usize = 64 * 1024;

/// Reads every entry of a bulk file; entries that cannot be read come back as errors in
/// place, so the good ones can still be checked. (The whole-text form of [`BulkReader`].)
pub fn parse_bulk(text: &str) -> Vec<Result<BulkEntry, BulkInputError>> {
    BulkReader::new(text.as_bytes()).collect()
}

/// What the reader has learned of the input's format.
enum Format {
    /// No entry line seen yet.
    Unknown,
    /// JSON lines.
    Json,
    /// CSV with this header's column roles.
    Csv(Vec<Option<Column>>),
    /// CSV whose header is unusable: every further line is skipped.
    Broken,
    /// A plain list of domains, one per line, checked with the reader's selectors.
    Plain,
}

/// Reads a bulk input one line at a time, in bounded memory whatever it holds: a line longer
/// than [`MAX_LINE`] is skipped without being kept, a line that is not UTF-8 is skipped, and
/// both are reported with their number, as is any line that does not parse.
///
/// The format is JSON lines when the first line that is not blank or a `#` comment starts
/// with `{`, CSV otherwise (its first such line is the header; a record is one line).
pub struct BulkReader<R> {
    input: R,
    line: usize,
    format: Format,
    done: bool,
    /// Inside a line already reported as too long: its rest is read and dropped up to its
    /// newline before the next line starts.
    skipping: bool,
    /// The selectors for a plain list of domains (`bulk --selectors`).
    selectors: Vec<String>,
}

impl<R: std::io::BufRead> BulkReader<R> {
    /// A reader over `input`.
    pub fn new(input: R) -> Self {
        BulkReader {
            input,
            line: 0,
            format: Format::Unknown,
            done: false,
            skipping: false,
            selectors: Vec::new(),
        }
    }

    /// With these selectors, a plain list of domains (one per line, no header) is read too:
    /// each domain is checked for them.
    pub fn with_selectors(mut self, selectors: Vec<String>) -> Self {
        self.selectors = selectors;
        self
    }

    /// The next line's bytes (without its line ending), `None` at the end, or an error for a
    /// line that is too long, given as soon as it passes [`MAX_LINE`] (an endless line, as
    /// from `/dev/zero`, is reported at once, not at a newline that never comes); its rest is
    /// dropped unread by the next call.
    fn next_line(&mut self) -> Option<Result<Vec<u8>, BulkInputError>> {
        let mut line = Vec::new();
        loop {
            let buffer = match self.input.fill_buf() {
                Ok(buffer) => buffer,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    self.line += 1;
                    return Some(Err(BulkInputError {
                        line: self.line,
                        reason: format!("the input could not be read further ({})", e.kind()),
                    }));
                }
            };
            if buffer.is_empty() {
                self.done = true;
                if line.is_empty() {
                    return None;
                }
                break;
            }
            let (chunk, found) = match buffer.iter().position(|b| *b == b'\n') {
                Some(at) => (&buffer[..at], Some(at + 1)),
                None => (buffer, None),
            };
            let used = found.unwrap_or(buffer.len());
            let ends = found.is_some();
            // A line reported as too long is dropped up to its newline.
            let dropped = self.skipping;
            let too_long = !dropped && line.len() + chunk.len() > MAX_LINE;
            if !dropped && !too_long {
                line.extend_from_slice(chunk);
            }
            self.input.consume(used);
            if dropped || too_long {
                self.skipping = !ends;
            }
            if too_long {
                self.line += 1;
                return Some(Err(BulkInputError {
                    line: self.line,
                    reason: format!("longer than {} KB, skipped", MAX_LINE / 1024),
                }));
            }
            if ends && !dropped {
                break;
            }
        }
        self.line += 1;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(Ok(line))
    }

    /// One line's entry, if the line holds one.
    fn entry(&mut self, text: &str) -> Option<Result<BulkEntry, BulkInputError>> {
        let line = self.line;
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return None;
        }
        if let Format::Unknown = self.format {
            if trimmed.starts_with('{') {
                self.format = Format::Json;
            } else if is_plain_domain(trimmed) && column_role(trimmed).is_none() {
                self.format = Format::Plain;
            } else {
                return self.csv_header(trimmed);
            }
        }
        match &self.format {
            Format::Json => Some(json_entry(line, trimmed)),
            Format::Csv(roles) => csv_record(line, trimmed, roles),
            Format::Plain => Some(self.plain_entry(line, trimmed)),
            Format::Broken | Format::Unknown => None,
        }
    }

    fn plain_entry(&self, line: usize, text: &str) -> Result<BulkEntry, BulkInputError> {
        if !is_plain_domain(text) {
            return Err(BulkInputError {
                line,
                reason: "a plain list holds one domain per line".to_string(),
            });
        }
        if self.selectors.is_empty() {
            return Err(BulkInputError {
                line,
                reason: "a plain list of domains needs --selectors to say what to check"
                    .to_string(),
            });
        }
        Ok(BulkEntry {
            line,
            domain: text.to_string(),
            check: BulkCheck::Selectors(self.selectors.clone()),
            region: None,
            expect_ns: Vec::new(),
        })
    }

    fn csv_header(&mut self, text: &str) -> Option<Result<BulkEntry, BulkInputError>> {
        let line = self.line;
        let fail = |reason: &str| {
            Some(Err(BulkInputError {
                line,
                reason: reason.to_string(),
            }))
        };
        let header = match csv_cells(text) {
            Ok(cells) => cells,
            Err(reason) => {
                self.format = Format::Broken;
                return fail(&reason);
            }
        };
        let roles: Vec<Option<Column>> = header.iter().map(|h| column_role(h)).collect();
        if !roles.contains(&Some(Column::Domain)) {
            self.format = Format::Broken;
            return fail(
                "the CSV needs a header row naming its columns (domain, then tokens or selectors)",
            );
        }
        if !roles.contains(&Some(Column::Tokens)) && !roles.contains(&Some(Column::Selectors)) {
            self.format = Format::Broken;
            return fail("the CSV header has no tokens or selectors column");
        }
        self.format = Format::Csv(roles);
        None
    }
}

impl<R: std::io::BufRead> Iterator for BulkReader<R> {
    type Item = Result<BulkEntry, BulkInputError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Each pass consumes one line; blank, comment and header lines yield nothing.
        while !self.done {
            let bytes = match self.next_line()? {
                Ok(bytes) => bytes,
                Err(error) => return Some(Err(error)),
            };
            let Ok(text) = String::from_utf8(bytes) else {
                return Some(Err(BulkInputError {
                    line: self.line,
                    reason: "not UTF-8 text, skipped".to_string(),
                }));
            };
            if let Some(entry) = self.entry(&text) {
                return Some(entry);
            }
        }
        None
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

fn json_entry(line: usize, text: &str) -> Result<BulkEntry, BulkInputError> {
    serde_json::from_str::<JsonEntry>(text)
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
        })
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

/// Whether a line is one word that could be a domain (no separators of CSV or JSON).
fn is_plain_domain(text: &str) -> bool {
    !text.is_empty()
        && text.contains('.')
        && !text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | ';' | '|' | '{' | '"' | '\t'))
}

/// The cells of one CSV line, trimmed.
fn csv_cells(text: &str) -> Result<Vec<String>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    match reader.records().next() {
        Some(Ok(record)) => Ok(record.iter().map(str::to_string).collect()),
        Some(Err(e)) => Err(format!("unreadable CSV ({e})")),
        None => Ok(Vec::new()),
    }
}

fn csv_record(
    line: usize,
    text: &str,
    roles: &[Option<Column>],
) -> Option<Result<BulkEntry, BulkInputError>> {
    let cells = match csv_cells(text) {
        Ok(cells) => cells,
        Err(reason) => return Some(Err(BulkInputError { line, reason })),
    };
    if cells.iter().all(String::is_empty) {
        return None;
    }
    let mut by_role: HashMap<Column, Vec<String>> = HashMap::new();
    for (role, cell) in roles.iter().zip(&cells) {
        if let Some(role) = role {
            by_role.entry(*role).or_default().extend(split_values(cell));
        }
    }
    let mut take = |c: Column| by_role.remove(&c).unwrap_or_default();
    let domain = take(Column::Domain);
    Some(match domain.as_slice() {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(entries: Vec<Result<BulkEntry, BulkInputError>>) -> Vec<BulkEntry> {
        entries.into_iter().map(Result::unwrap).collect()
    }

    #[test]
    fn a_plain_list_of_domains_is_checked_for_the_given_selectors() {
        let text = "# customers\nexample.com\nexample.org.\nnot a domain\n";
        let entries: Vec<_> = BulkReader::new(text.as_bytes())
            .with_selectors(vec!["google".into(), "s1".into()])
            .collect();
        assert_eq!(entries.len(), 3);
        let first = entries[0].as_ref().unwrap();
        assert_eq!((first.line, first.domain.as_str()), (2, "example.com"));
        assert_eq!(
            first.check,
            BulkCheck::Selectors(vec!["google".into(), "s1".into()])
        );
        assert_eq!(entries[1].as_ref().unwrap().domain, "example.org.");
        assert_eq!(entries[2].as_ref().unwrap_err().line, 4);
        // Without selectors every line says what is missing.
        let bare: Vec<_> = BulkReader::new("example.com\n".as_bytes()).collect();
        assert!(bare[0].as_ref().unwrap_err().reason.contains("--selectors"));
    }

    #[test]
    fn a_line_too_long_or_not_utf8_is_skipped_and_the_others_read() {
        let mut input = b"{\"domain\": \"a.example\", \"selectors\": [\"s1\"]}\n".to_vec();
        input.extend(std::iter::repeat(b'x').take(MAX_LINE + 10));
        input.extend(b"\n\xff\xfe latin-1 \xe9\n");
        input.extend(b"{\"domain\": \"b.example\", \"selectors\": [\"s2\"]}\n");
        let entries: Vec<_> = BulkReader::new(&input[..]).collect();
        assert_eq!(entries.len(), 4, "{entries:?}");
        assert_eq!(entries[0].as_ref().unwrap().domain, "a.example");
        let long = entries[1].as_ref().unwrap_err();
        assert_eq!(long.line, 2);
        assert!(long.reason.contains("longer than 64 KB"), "{long}");
        let latin = entries[2].as_ref().unwrap_err();
        assert_eq!(
            (latin.line, latin.reason.as_str()),
            (3, "not UTF-8 text, skipped")
        );
        assert_eq!(entries[3].as_ref().unwrap().domain, "b.example");
        assert_eq!(entries[3].as_ref().unwrap().line, 4);
    }

    #[test]
    fn endless_input_without_a_newline_is_read_in_bounded_memory() {
        // 8 MB of zeros, as from /dev/zero: one over-long line, never kept.
        let zeros = std::io::BufReader::new(std::io::Read::take(std::io::repeat(0), 8 << 20));
        let entries: Vec<_> = BulkReader::new(zeros).collect();
        assert_eq!(entries.len(), 1);
        assert!(entries[0]
            .as_ref()
            .unwrap_err()
            .reason
            .contains("longer than"));
    }

    #[test]
    fn an_endless_line_is_reported_as_soon_as_it_is_too_long() {
        // Endless zeros: the report cannot wait for the line's end. The reader fails the test
        // (rather than hang it) if it is read far past the limit before the report.
        struct Zeros(usize);
        impl std::io::Read for Zeros {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0 += buf.len();
                assert!(self.0 < 4 * MAX_LINE, "read on past the limit");
                buf.fill(0);
                Ok(buf.len())
            }
        }
        let zeros = std::io::BufReader::new(Zeros(0));
        let first = BulkReader::new(zeros).next().unwrap().unwrap_err();
        assert_eq!(first.line, 1);
        assert!(first.reason.contains("longer than 64 KB"), "{first}");
        // The rest of the line, then the next line is read and numbered as before.
        let mut input = vec![b'x'; 3 * MAX_LINE];
        input.extend(b"\nexample.com\n");
        let entries: Vec<_> = BulkReader::new(std::io::BufReader::with_capacity(1000, &input[..]))
            .with_selectors(vec!["s1".into()])
            .collect();
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0].as_ref().unwrap_err().line, 1);
        let domain = entries[1].as_ref().unwrap();
        assert_eq!((domain.line, domain.domain.as_str()), (2, "example.com"));
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
