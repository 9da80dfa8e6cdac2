//! The SES console's CSV record set.

use dns_wire::Name;

use super::{parse_domain, InputError};
use crate::check::{is_ses_dkim_zone, Check};
use crate::Selector;

/// Builds an SES [`Check`] from the console's "Download .csv record set". The columns are
/// found by their header (a name, a type and a value column, in any order); rows that are
/// not Easy DKIM CNAMEs (MAIL FROM MX, DMARC TXT...) are skipped. The domain and the SES
/// zone come from the rows; a `domain` given by the user must agree.
pub fn check_from_records_csv(text: &str, domain: Option<&Name>) -> Result<Check, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| InputError::Csv(e.to_string()))?
        .clone();
    let column = |wanted: &[&str], what: &str| {
        headers
            .iter()
            .position(|h| {
                let h = h.to_ascii_lowercase();
                wanted.iter().any(|w| h.contains(w))
            })
            .ok_or_else(|| {
                InputError::Csv(format!(
                    "no {what} column in the header {:?}",
                    super::clip(&headers.iter().collect::<Vec<_>>().join(","))
                ))
            })
    };
    let name_col = column(&["name", "host"], "name")?;
    let type_col = column(&["type"], "type")?;
    let value_col = column(&["value", "data", "points to", "target"], "value")?;
    let mut found_domain: Option<Name> = None;
    let mut tokens = Vec::new();
    let mut zone: Option<Name> = None;
    for (index, row) in reader.records().enumerate() {
        let row = row.map_err(|e| InputError::Csv(e.to_string()))?;
        let line = index + 2;
        let field = |col: usize| row.get(col).unwrap_or("").trim();
        if !field(type_col).eq_ignore_ascii_case("CNAME") {
            continue;
        }
        let name = parse_domain(field(name_col))
            .map_err(|e| InputError::Csv(format!("line {line}: {e}")))?;
        let value = parse_domain(field(value_col))
            .map_err(|e| InputError::Csv(format!("line {line}: {e}")))?;
        let Some(target_zone) = value.parent().filter(is_ses_dkim_zone) else {
            continue;
        };
        let labels: Vec<String> = name
            .labels()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        if labels.len() < 3 || labels[1] != "_domainkey" {
            continue;
        }
        let row_domain = name
            .parent()
            .and_then(|p| p.parent())
            .ok_or_else(|| InputError::Csv(format!("line {line}: no domain in the name")))?;
        match &found_domain {
            Some(d) if *d != row_domain => {
                return Err(InputError::Csv(format!(
                    "line {line} is for {row_domain}, earlier lines for {d}; one domain per file"
                )))
            }
            _ => found_domain = Some(row_domain),
        }
        if zone.as_ref().is_some_and(|z| *z != target_zone) {
            return Err(InputError::Csv(format!(
                "line {line} points into {target_zone}, earlier lines elsewhere"
            )));
        }
        zone = Some(target_zone);
        let token = Selector::parse(&labels[0])
            .map_err(|e| InputError::Csv(format!("line {line}: {e}")))?;
        tokens.push(token);
    }
    let found = found_domain.ok_or_else(|| {
        InputError::NothingToCheck("the CSV (no CNAME to an SES DKIM zone)".into())
    })?;
    if let Some(d) = domain {
        if *d != found {
            return Err(InputError::Csv(format!(
                "the records are for {found}, not for {d}"
            )));
        }
    }
    Ok(Check::Ses {
        domain: found,
        tokens,
        signing_zone: zone,
        region: None,
        expect_ns: vec![],
        ses_soa: None,
        ses_status: None,
        mail_from: None,
        dmarc: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::tests::{n, TOKEN};

    #[test]
    fn console_csv() {
        let csv = format!(
            "Type,Name,Value\nCNAME,{TOKEN}._domainkey.example.com,{TOKEN}.dkim.amazonses.com\n\
             MX,mail.example.com,10 feedback-smtp.eu-west-1.amazonses.com\n\
             CNAME,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb._domainkey.example.com,bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.dkim.amazonses.com\n"
        );
        let check = check_from_records_csv(&csv, None).unwrap();
        assert_eq!(check.domain(), &n("example.com"));
        assert_eq!(check.selectors().len(), 2);
        assert_eq!(check.ses_zone(), Some(n("dkim.amazonses.com")));
        let reordered = format!("Record value,Record name,Record type\n{TOKEN}.dkim.amazonses.com.,{TOKEN}._domainkey.example.com.,CNAME\n");
        assert_eq!(
            check_from_records_csv(&reordered, None)
                .unwrap()
                .selectors(),
            [TOKEN]
        );
        assert!(check_from_records_csv("a,b\n1,2\n", None).is_err());
        assert!(matches!(
            check_from_records_csv("Type,Name,Value\nTXT,x.example.com,hello\n", None),
            Err(InputError::NothingToCheck(_))
        ));
        assert!(check_from_records_csv(&csv, Some(&n("example.org"))).is_err());
    }
}
