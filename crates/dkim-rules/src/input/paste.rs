//! Tokens and selectors taken as people paste them: alone, as a record name (with or without
//! the domain, with or without the final dot), as a CNAME value, or as a whole record row
//! copied from a console, a CSV or a zone file, with its header line, in any column order.
//! Each argument is parsed once here, into a token or selector and a note saying how it was
//! understood.

use dns_wire::Name;

use super::{check_host_text, clip, InputError, TokenArg};
use crate::check::is_ses_dkim_zone;
use crate::Selector;

/// A selector argument after normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorArg {
    /// The selector alone (`s1`, or `a.b` for a selector with dots), lower case.
    pub selector: Selector,
    /// Set when the argument was rewritten: says what was taken from what.
    pub note: Option<String>,
}

/// Record types a pasted row may name.
const ROW_TYPES: &[&str] = &["CNAME", "TXT", "MX", "A", "AAAA", "NS", "SRV", "CAA", "PTR"];

/// Words of the header lines consoles and spreadsheets put above the rows ("Type Name Value",
/// "Record name,Record type,Record value", "Host | Points to | TTL"...).
const HEADER_WORDS: &[&str] = &[
    "type", "name", "value", "host", "hostname", "record", "records", "data", "target", "points",
    "to", "content", "ttl", "priority", "alias", "status", "of", "class", "answer",
];

/// One line of pasted text, split into fields.
struct Line<'a> {
    text: &'a str,
    fields: Vec<&'a str>,
}

impl<'a> Line<'a> {
    /// Splits on tabs when there are tabs (a spreadsheet or console copy), else on commas
    /// (CSV), else on spaces; quotes around a field are dropped.
    fn new(text: &'a str) -> Line<'a> {
        let raw: Vec<&str> = if text.contains('\t') {
            text.split('\t').collect()
        } else if text.contains(',') {
            text.split(',').collect()
        } else {
            text.split_whitespace().collect()
        };
        let fields = raw
            .into_iter()
            .map(|f| f.trim().trim_matches(|c| c == '"' || c == '\'').trim())
            .filter(|f| !f.is_empty())
            .collect();
        Line { text, fields }
    }

    /// A line of header words only, two at least (a selector may be called `host`).
    fn is_header(&self) -> bool {
        self.fields.len() >= 2
            && self.fields.iter().all(|field| {
                field.split_whitespace().all(|word| {
                    let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                    HEADER_WORDS.iter().any(|h| word.eq_ignore_ascii_case(h))
                })
            })
    }

    fn err(&self, reason: impl Into<String>) -> InputError {
        InputError::RowNotUnderstood {
            input: clip(self.text.trim()),
            reason: reason.into(),
        }
    }
}

/// A record row: its type and the two names found in it, sorted into name and value by what
/// they look like, whatever the column order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    rtype: String,
    name: String,
    /// The value; for a TXT row the remaining fields joined by spaces.
    value: String,
}

impl Row {
    fn parse(line: &Line<'_>, domain: &Name) -> Result<Row, InputError> {
        // TTLs and the class are not needed: drop them.
        let fields: Vec<&str> = line
            .fields
            .iter()
            .copied()
            .filter(|f| !f.eq_ignore_ascii_case("IN") && !f.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        let type_at: Vec<usize> = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| ROW_TYPES.iter().any(|t| f.eq_ignore_ascii_case(t)))
            .map(|(i, _)| i)
            .collect();
        let Some(&at) = type_at.first() else {
            return Err(line.err(
                "it contains spaces or separators but names no record type (CNAME, TXT...); give the token or selector alone, or the whole row",
            ));
        };
        let rtype = fields[at].to_ascii_uppercase();
        let rest: Vec<&str> = fields
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, f)| *f)
            .collect();
        if rest.is_empty() {
            return Err(line.err(format!("the row has the type {rtype} but no name")));
        }
        if rtype != "CNAME" && rtype != "TXT" {
            // Not a DKIM record (a MAIL FROM MX, an SPF A...): kept only to be skipped.
            return Ok(Row {
                rtype,
                name: rest[0].to_string(),
                value: rest[1..].join(" "),
            });
        }
        // The record name is the field under `_domainkey` of the domain (or relative to it);
        // for a TXT row everything else is the value.
        let names: Vec<usize> = rest
            .iter()
            .enumerate()
            .filter(|(_, f)| is_record_name(f, domain))
            .map(|(i, _)| i)
            .collect();
        let name_at = match (names.as_slice(), rest.len()) {
            ([one], _) => *one,
            ([], 2) if looks_like_target(rest[1]) => 0,
            ([], 2) if looks_like_target(rest[0]) => 1,
            ([], _) => {
                return Err(line.err(format!(
                    "no field is a record name under _domainkey.{}",
                    domain.to_string_relative()
                )))
            }
            // Two candidates: the one under the checked domain is the name (a Microsoft 365
            // value also holds `_domainkey`, under the tenant's domain).
            (several, _) => {
                let under: Vec<usize> = several
                    .iter()
                    .copied()
                    .filter(|&i| ends_with_domain(rest[i], domain))
                    .collect();
                match under.as_slice() {
                    [one] => *one,
                    _ => {
                        return Err(line.err(format!(
                            "cannot tell which of {:?} and {:?} is the record name",
                            clip(rest[several[0]]),
                            clip(rest[several[1]])
                        )))
                    }
                }
            }
        };
        let values: Vec<&str> = rest
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != name_at)
            .map(|(_, f)| *f)
            .collect();
        if rtype == "CNAME" && values.len() != 1 {
            return Err(line.err(if values.is_empty() {
                "the CNAME row has a name but no value".to_string()
            } else {
                "the CNAME row has more than one value".to_string()
            }));
        }
        Ok(Row {
            rtype,
            name: rest[name_at].to_string(),
            value: values.join(" "),
        })
    }
}

fn lower_name(text: &str) -> String {
    text.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn ends_with_domain(text: &str, domain: &Name) -> bool {
    let text = lower_name(text);
    let domain = domain.to_string_relative().to_ascii_lowercase();
    text == domain || text.ends_with(&format!(".{domain}"))
}

/// `<x>._domainkey`, `<x>._domainkey.<domain>` (doubled domain included).
fn is_record_name(text: &str, domain: &Name) -> bool {
    let text = lower_name(text);
    let labels: Vec<&str> = text.split('.').collect();
    labels.len() >= 2
        && labels[1..].contains(&"_domainkey")
        && (text.ends_with("._domainkey") || ends_with_domain(&text, domain))
}

/// A CNAME value of a known kind (an SES target).
fn looks_like_target(text: &str) -> bool {
    lower_name(text)
        .parse::<Name>()
        .ok()
        .and_then(|n| n.parent())
        .is_some_and(|zone| is_ses_dkim_zone(&zone))
}

/// The lines of a pasted argument, header lines noted and skipped, rows parsed; `single` is
/// called for a line that is one field.
fn pasted<T>(
    input: &str,
    domain: &Name,
    notes: &mut Vec<String>,
    mut single: impl FnMut(&str) -> Result<T, InputError>,
    mut row: impl FnMut(&Row, &Line<'_>, &mut Vec<String>) -> Result<Option<T>, InputError>,
) -> Result<Vec<T>, InputError> {
    let mut out = Vec::new();
    for text in input.lines() {
        let line = Line::new(text);
        match line.fields.len() {
            0 => continue,
            // A type word alone is a row cut short (a selector may be called "a", not "cname").
            1 if ["CNAME", "TXT"]
                .iter()
                .any(|t| line.fields[0].eq_ignore_ascii_case(t)) =>
            {
                return Err(line.err(format!(
                    "the row has the type {} but no name",
                    line.fields[0].to_ascii_uppercase()
                )));
            }
            1 if !line.is_header() => out.push(single(line.fields[0])?),
            _ if line.is_header() => {
                notes.push(format!("skipped the header line {:?}", clip(text.trim())));
            }
            _ => {
                let typed = line
                    .fields
                    .iter()
                    .any(|f| ROW_TYPES.iter().any(|t| f.eq_ignore_ascii_case(t)));
                if !typed && !line.text.contains('\t') && line.text.contains(',') {
                    // No record type: a comma-separated list (`t1,t2,t3`) when every field is
                    // one on its own. Words separated by spaces stay an error: a token with a
                    // space in it is a paste gone wrong.
                    if let Ok(each) = line
                        .fields
                        .iter()
                        .map(|f| single(f))
                        .collect::<Result<Vec<T>, _>>()
                    {
                        out.extend(each);
                        continue;
                    }
                }
                let parsed = Row::parse(&line, domain)?;
                if let Some(value) = row(&parsed, &line, notes)? {
                    out.push(value);
                }
            }
        }
    }
    Ok(out)
}

/// Normalises a token argument for `domain` into the tokens it holds. Accepted forms: the
/// bare token; the record name (`<token>._domainkey.<domain>`, with or without the final dot,
/// without the domain, or with the domain twice); the CNAME value
/// (`<token>.dkim.amazonses.com`); a record row copied from a console, a CSV or a zone file
/// (type, name and value in any order, separated by tabs, commas or spaces, with TTL and
/// class allowed), several rows on several lines, header lines skipped. Rows of other types
/// (MAIL FROM MX, DMARC TXT) are skipped with a note.
pub fn normalize_tokens(input: &str, domain: &Name) -> Result<Vec<TokenArg>, InputError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(InputError::EmptyToken);
    }
    let mut notes = Vec::new();
    let mut tokens = pasted(
        trimmed,
        domain,
        &mut notes,
        |field| token_from_text(field, input, domain, None),
        |row, line, notes| {
            if row.rtype != "CNAME" {
                notes.push(format!(
                    "skipped the {} row {:?}: Easy DKIM records are CNAMEs",
                    row.rtype,
                    clip(&row.name)
                ));
                return Ok(None);
            }
            let mut arg = token_from_text(&row.name, line.text.trim(), domain, Some("row"))?;
            if let Some(zone) = lower_name(&row.value)
                .parse::<Name>()
                .ok()
                .and_then(|v| v.parent())
                .filter(is_ses_dkim_zone)
            {
                arg.target_zone = Some(zone);
            }
            Ok(Some(arg))
        },
    )?;
    if tokens.is_empty() {
        return Err(InputError::TokenNotUnderstood {
            input: clip(trimmed),
            reason: "it holds no Easy DKIM CNAME row".into(),
        });
    }
    merge_notes(notes, &mut tokens[0].note);
    Ok(tokens)
}

/// The notes of the whole argument (header lines, skipped rows) go with its first token or
/// selector, before that one's own note, as one sentence list.
fn merge_notes(mut notes: Vec<String>, first: &mut Option<String>) {
    if notes.is_empty() {
        return;
    }
    notes.extend(first.take());
    *first = Some(notes.join("; "));
}

/// One field: a token, a record name or a CNAME value. `from_row` says the field was the
/// name of a pasted row (for the note).
fn token_from_text(
    text: &str,
    input: &str,
    domain: &Name,
    from_row: Option<&str>,
) -> Result<TokenArg, InputError> {
    let not_understood = |reason: &str| InputError::TokenNotUnderstood {
        input: clip(input.trim()),
        reason: reason.to_string(),
    };
    let text = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if text.is_empty() {
        return Err(InputError::EmptyToken);
    }
    let lower = lower_name(text);
    check_host_text(&lower, input).map_err(|e| not_understood(&e.to_string()))?;
    let name: Name = lower.parse().map_err(|e| not_understood(&format!("{e}")))?;
    let labels: Vec<String> = name
        .labels()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let mut target_zone = None;
    let (token, how) = if labels.len() == 1 {
        (labels[0].clone(), from_row.map(|_| "the record row"))
    } else if labels[1] == "_domainkey" {
        let rest = name
            .parent()
            .and_then(|p| p.parent())
            .unwrap_or_else(Name::root);
        check_same_domain(&rest, domain, input)?;
        let what = if from_row.is_some() {
            "the record row"
        } else {
            "the record name"
        };
        (labels[0].clone(), Some(what))
    } else if let Some(zone) = name.parent().filter(is_ses_dkim_zone) {
        target_zone = Some(zone);
        (labels[0].clone(), Some("the CNAME value"))
    } else {
        return Err(not_understood(
            "it is neither a token, nor a <token>._domainkey name, nor a <token>.dkim.amazonses.com value",
        ));
    };
    let shown = if from_row.is_some() { input } else { text };
    let note = how.map(|what| format!("took the token {token} from {what} {:?}", clip(shown)));
    let token = Selector::parse(&token).map_err(|e| not_understood(&e.to_string()))?;
    Ok(TokenArg {
        token,
        note,
        target_zone,
    })
}

/// A record name's domain part must be the checked domain (or the domain twice, a common
/// paste from a console that shows full names).
fn check_same_domain(rest: &Name, domain: &Name, input: &str) -> Result<(), InputError> {
    if rest.is_root() || rest == domain {
        return Ok(());
    }
    let doubled = domain.clone().append(domain).ok();
    if doubled.as_ref() == Some(rest) {
        return Ok(());
    }
    Err(InputError::TokenForOtherDomain {
        input: clip(input.trim()),
        found: clip(&rest.to_string_relative()),
        domain: domain.to_string_relative(),
    })
}

/// Normalises a selector argument for `domain`: `s`, `s._domainkey`,
/// `s._domainkey.<domain>` (or with the domain twice) and any of them with a final dot all
/// mean the selector `s`, with a note when the argument was rewritten. A pasted record row
/// (type, name and value in any order, a header line allowed) gives the selector of its
/// name. Exactly one selector must be found.
pub fn parse_selector_arg(input: &str, domain: &Name) -> Result<SelectorArg, InputError> {
    let mut found = parse_selectors_arg(input, domain)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(InputError::InvalidSelector {
            input: clip(input.trim()),
            reason: format!("it holds {n} records; give one selector at a time"),
        }),
    }
}

/// Like [`parse_selector_arg`], for an argument that may hold several pasted rows.
pub fn parse_selectors_arg(input: &str, domain: &Name) -> Result<Vec<SelectorArg>, InputError> {
    let trimmed = input.trim();
    let empty = || InputError::InvalidSelector {
        input: clip(input),
        reason: "it is empty".into(),
    };
    if trimmed.is_empty() {
        return Err(empty());
    }
    let mut notes = Vec::new();
    let mut found = pasted(
        trimmed,
        domain,
        &mut notes,
        |field| selector_from_text(field, input, domain, false),
        |row, line, _| selector_from_text(&row.name, line.text.trim(), domain, true).map(Some),
    )?;
    if found.is_empty() {
        return Err(empty());
    }
    merge_notes(notes, &mut found[0].note);
    Ok(found)
}

fn selector_from_text(
    text: &str,
    input: &str,
    domain: &Name,
    from_row: bool,
) -> Result<SelectorArg, InputError> {
    let invalid = |reason: String| InputError::InvalidSelector {
        input: clip(input.trim()),
        reason,
    };
    let trimmed = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let final_dot = trimmed.ends_with('.');
    let lower = lower_name(trimmed);
    if lower.is_empty() {
        return Err(invalid("it is empty".into()));
    }
    check_host_text(&lower, input).map_err(|e| invalid(e.to_string()))?;
    let labels: Vec<&str> = lower.split('.').collect();
    let selector = match labels.iter().position(|l| *l == "_domainkey") {
        None => lower.clone(),
        Some(0) => return Err(invalid("there is no selector before _domainkey".into())),
        Some(at) => {
            let rest = labels[at + 1..].join(".");
            if !rest.is_empty() {
                let rest_name: Name = rest.parse().map_err(|e| invalid(format!("{e}")))?;
                check_same_domain(&rest_name, domain, input).map_err(|_| {
                    invalid(format!(
                        "it is a record name of {}, not of {}",
                        clip(&rest),
                        domain.to_string_relative()
                    ))
                })?;
            }
            labels[..at].join(".")
        }
    };
    let note = if from_row {
        Some(format!(
            "took the selector {selector} from the record row {:?}",
            clip(input.trim())
        ))
    } else if selector != lower {
        Some(format!(
            "took the selector {selector} from the record name {:?}",
            clip(trimmed)
        ))
    } else if final_dot {
        Some(format!(
            "read {:?} as the selector {selector} (a final dot changes nothing)",
            clip(trimmed)
        ))
    } else {
        None
    };
    let selector = Selector::parse(&selector).map_err(|e| invalid(e.to_string()))?;
    Ok(SelectorArg { selector, note })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::normalize_token;
    use crate::input::tests::{n, TOKEN};

    const SES_VALUE: &str = "dkim.amazonses.com";

    fn tokens(input: &str) -> Vec<TokenArg> {
        normalize_tokens(input, &n("example.com")).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn a_row_in_any_column_order_and_separator_gives_the_token() {
        let name = format!("{TOKEN}._domainkey.example.com");
        let value = format!("{TOKEN}.{SES_VALUE}");
        for row in [
            format!("CNAME {name} {value}"),
            format!("CNAME\t{name}\t{value}"),
            format!("CNAME,{name},{value}"),
            format!("{value},CNAME,{name}"),
            format!("{name}\t{value}\tCNAME"),
            format!("\"CNAME\",\"{name}\",\"{value}\""),
            format!("{name}. 1800 IN CNAME {value}."),
            format!("CNAME, {TOKEN}._domainkey, {value}"),
        ] {
            let found = tokens(&row);
            assert_eq!(found.len(), 1, "{row}");
            assert_eq!(found[0].token, TOKEN, "{row}");
            assert_eq!(found[0].target_zone, Some(n(SES_VALUE)), "{row}");
            assert!(
                found[0].note.as_ref().unwrap().contains("record row"),
                "{row}: {:?}",
                found[0].note
            );
        }
    }

    #[test]
    fn a_header_line_is_skipped_with_a_note_never_read_as_a_token() {
        let text = format!(
            "Type\tName\tValue\nCNAME\t{TOKEN}._domainkey.example.com\t{TOKEN}.{SES_VALUE}\n"
        );
        let found = tokens(&text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].token, TOKEN);
        let note = found[0].note.clone().unwrap();
        assert!(note.contains("header line"), "{note}");
        let csv = format!(
            "Record name,Record type,Record value\n{TOKEN}._domainkey.example.com,CNAME,{TOKEN}.{SES_VALUE}\nMX,mail.example.com,10 feedback-smtp.eu-west-1.amazonses.com\n"
        );
        let found = tokens(&csv);
        assert_eq!(found.len(), 1);
        // A header alone holds nothing to check.
        let header_only = normalize_tokens("Type\tName\tValue", &n("example.com")).unwrap_err();
        assert!(
            header_only.to_string().contains("no Easy DKIM"),
            "{header_only}"
        );
        let header_only = normalize_tokens("Type Name Value", &n("example.com")).unwrap_err();
        assert!(
            header_only.to_string().contains("no Easy DKIM"),
            "{header_only}"
        );
    }

    #[test]
    fn several_rows_give_several_tokens() {
        let other = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        let text = format!(
            "{TOKEN}._domainkey.example.com CNAME {TOKEN}.{SES_VALUE}\n{other}._domainkey.example.com CNAME {other}.{SES_VALUE}"
        );
        let found = tokens(&text);
        assert_eq!(
            found.iter().map(|t| t.token.as_str()).collect::<Vec<_>>(),
            [TOKEN, other]
        );
        assert!(normalize_token(&text, &n("example.com")).is_err());
    }

    #[test]
    fn a_list_of_tokens_in_one_argument_gives_each() {
        let other = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        for text in [format!("{TOKEN},{other}"), format!("{TOKEN}, {other}")] {
            let found = tokens(&text);
            assert_eq!(
                found.iter().map(|t| t.token.as_str()).collect::<Vec<_>>(),
                [TOKEN, other],
                "{text}"
            );
        }
        let found = parse_selectors_arg("s1, s2", &n("example.com")).unwrap();
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn rows_not_understood_are_refused_in_one_sentence() {
        let d = n("example.com");
        let cases = [
            ("CNAME", "no name"),
            (
                &*format!("CNAME {TOKEN}._domainkey.example.com"),
                "no value",
            ),
            (
                "CNAME www.example.com other.example.net",
                "no field is a record name",
            ),
            ("abc def", "names no record type"),
        ];
        for (row, expected) in cases {
            let error = normalize_tokens(row, &d).unwrap_err().to_string();
            assert!(error.contains(expected), "{row}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
        let huge = format!("CNAME {}", "x".repeat(100_000));
        let error = normalize_tokens(&huge, &d).unwrap_err().to_string();
        assert!(error.len() < 300 && error.contains('…'), "{}", error.len());
    }

    fn selector(input: &str) -> SelectorArg {
        parse_selector_arg(input, &n("example.com")).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn every_selector_form_means_the_same_check() {
        assert_eq!(
            selector("s1"),
            SelectorArg {
                selector: "s1".parse().unwrap(),
                note: None
            }
        );
        for form in [
            "s1.",
            "s1._domainkey",
            "s1._domainkey.",
            "s1._domainkey.example.com",
            "S1._DomainKey.Example.COM.",
            "s1._domainkey.example.com.example.com",
            "TXT s1._domainkey.example.com \"v=DKIM1; p=MIIB\"",
            "Name\tType\tValue\ns1._domainkey\tCNAME\ts1.domainkey.u1.wl.sendgrid.net",
        ] {
            let arg = selector(form);
            assert_eq!(arg.selector, "s1", "{form}");
            assert!(arg.note.is_some(), "{form}: no note");
        }
        // A selector with dots keeps them; one named like a header word is a selector.
        assert_eq!(selector("a.b").selector, "a.b");
        assert_eq!(selector("host").selector, "host");
        assert_eq!(selector("a.b._domainkey.example.com").selector, "a.b");
        // Microsoft 365: the value is under _domainkey too, of another domain.
        let m365 = selector(
            "CNAME selector1._domainkey.example.com selector1-example-com._domainkey.contoso.onmicrosoft.com",
        );
        assert_eq!(m365.selector, "selector1");
    }

    #[test]
    fn selector_of_another_domain_is_refused() {
        let d = n("example.com");
        let error = parse_selector_arg("s1._domainkey.example.org", &d).unwrap_err();
        assert!(error.to_string().contains("not of example.com"), "{error}");
        assert!(parse_selector_arg("_domainkey.example.com", &d).is_err());
        assert!(parse_selector_arg("", &d).is_err());
    }
}
