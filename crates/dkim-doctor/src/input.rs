//! From arguments and files to a `dkim-rules` [`Check`]. Reading files is done here; what a
//! token, a domain or an identity JSON means is decided by `dkim-rules`.

use std::io::Read;
use std::path::Path;

use dkim_rules::{
    check_from_identity_json, check_from_records_csv, normalize_tokens, parse_domain, parse_region,
    parse_selectors_arg, Check, InputError, MailFromAttributes, MxFailureBehavior,
};
use dns_wire::{Name, Question, RecordType};

use crate::cli::{SelectorArgs, SesArgs};
use crate::exit::RunError;

/// A check and the notes on how its input was understood.
#[derive(Debug, Clone)]
pub struct CheckInput {
    /// What to check.
    pub check: Check,
    /// One sentence per argument that was rewritten ("took the token ... from ...").
    pub notes: Vec<String>,
}

fn bad(error: InputError) -> RunError {
    RunError::BadInput(error.to_string())
}

/// Why a file could not be read, in words that do not change from run to run (the OS text
/// carries error numbers).
pub fn io_reason(error: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "there is no such file",
        ErrorKind::PermissionDenied => "permission denied",
        ErrorKind::IsADirectory => "it is a directory",
        ErrorKind::InvalidData => "it is not UTF-8 text",
        ErrorKind::UnexpectedEof => "it ended early",
        _ => "reading failed",
    }
}

/// A path as an error message shows it: cut with an ellipsis when long.
pub fn shown_path(path: &Path) -> String {
    dkim_rules::clip(&path.display().to_string())
}

/// Opens a file, or standard input for `-`, for reading a line at a time.
pub fn open_input(path: &Path) -> Result<Box<dyn std::io::BufRead + Send>, RunError> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::BufReader::new(std::io::stdin())));
    }
    let file = std::fs::File::open(path).map_err(|e| {
        RunError::BadInput(format!(
            "cannot read {}: {}",
            shown_path(path),
            io_reason(&e)
        ))
    })?;
    Ok(Box::new(std::io::BufReader::new(file)))
}

/// Reads a file, or stdin for `-`, as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, RunError> {
    let shown = shown_path(path);
    let bytes = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| {
            RunError::BadInput(format!("cannot read standard input: {}", io_reason(&e)))
        })?;
        bytes
    } else {
        std::fs::read(path)
            .map_err(|e| RunError::BadInput(format!("cannot read {shown}: {}", io_reason(&e))))?
    };
    String::from_utf8(bytes).map_err(|_| RunError::BadInput(format!("{shown} is not UTF-8 text")))
}

/// A domain as the user typed it (IDN converted to A-labels by `dkim-rules`).
pub fn domain(text: &str) -> Result<Name, RunError> {
    parse_domain(text).map_err(bad)
}

/// `--expect-ns` names: host names, never addresses (the servers' addresses are looked up
/// from the roots like any other name).
fn names(texts: &[String]) -> Result<Vec<Name>, RunError> {
    texts
        .iter()
        .map(|t| match parse_domain(t) {
            Err(InputError::IpAddress { input }) => Err(RunError::BadInput(format!(
                "the expected name server {input} is an address: give the name server's host name (ns-1.example.net), not its address"
            ))),
            other => other.map_err(bad),
        })
        .collect()
}

/// The check of `ses`.
pub fn ses_check(args: &SesArgs) -> Result<CheckInput, RunError> {
    let mut input = ses_check_from(
        args.domain.as_deref(),
        &args.tokens,
        args.region.as_deref(),
        &args.expect_ns,
        args.identity_json.as_deref(),
        args.records_csv.as_deref(),
    )?;
    if let Some(text) = &args.mail_from {
        input.check = with_mail_from(input.check, text, &mut input.notes)?;
    }
    if args.dmarc.no_dmarc {
        input.check = without_dmarc(input.check);
    }
    Ok(input)
}

/// `--mail-from NAME` on an SES check: the identity JSON's status and behaviour kept when it
/// named a MAIL FROM domain too.
fn with_mail_from(
    mut check: Check,
    text: &str,
    notes: &mut Vec<String>,
) -> Result<Check, RunError> {
    let domain = parse_domain(text).map_err(|e| RunError::BadInput(format!("--mail-from: {e}")))?;
    let Check::Ses { mail_from, .. } = &mut check else {
        // A BYODKIM identity JSON gives a selector check, which has no MAIL FROM.
        notes.push("--mail-from is checked only for Easy DKIM identities; ignored".into());
        return Ok(check);
    };
    *mail_from = Some(match mail_from.take() {
        Some(from_json) if from_json.domain == domain => from_json,
        Some(from_json) => {
            notes.push(format!(
                "checked the MAIL FROM domain {} given with --mail-from, not {} from the identity JSON (its status and BehaviorOnMxFailure are kept)",
                domain.to_string_relative(),
                from_json.domain.to_string_relative()
            ));
            MailFromAttributes {
                domain,
                ..from_json
            }
        }
        None => MailFromAttributes {
            domain,
            status: None,
            behavior_on_mx_failure: MxFailureBehavior::default(),
        },
    });
    Ok(check)
}

/// The check without its DMARC part (`--no-dmarc`).
fn without_dmarc(mut check: Check) -> Check {
    match &mut check {
        Check::Ses { dmarc, .. } | Check::Selector { dmarc, .. } => *dmarc = false,
    }
    check
}

/// An export SES gave the user: what `--identity-json` and `--records-csv` read, and what the
/// web page of `serve` receives pasted.
#[derive(Debug, Clone, Copy)]
pub enum SesExport<'a> {
    /// `aws sesv2 get-email-identity` (or `aws ses get-identity-dkim-attributes`) output.
    IdentityJson(Source<'a>),
    /// The record set CSV the SES console downloads.
    RecordsCsv(Source<'a>),
}

/// Where an export's text is: a file (or `-` for stdin), read when needed, or the text itself.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A file, or `-` for stdin.
    File(&'a Path),
    /// The text, as pasted.
    Text(&'a str),
}

impl Source<'_> {
    fn text(&self) -> Result<std::borrow::Cow<'_, str>, RunError> {
        match self {
            Source::File(path) => read_text(path).map(std::borrow::Cow::Owned),
            Source::Text(text) => Ok(std::borrow::Cow::Borrowed(text)),
        }
    }
}

/// The check of `ses` from its parts (shared with `bulk` and `demo`).
pub fn ses_check_from(
    domain_text: Option<&str>,
    tokens: &[String],
    region: Option<&str>,
    expect_ns: &[String],
    identity_json: Option<&Path>,
    records_csv: Option<&Path>,
) -> Result<CheckInput, RunError> {
    let export = match (identity_json, records_csv) {
        (Some(path), _) => Some(SesExport::IdentityJson(Source::File(path))),
        (None, Some(path)) => Some(SesExport::RecordsCsv(Source::File(path))),
        (None, None) => None,
    };
    ses_check_with(domain_text, tokens, region, expect_ns, export)
}

/// The check of `ses` from its parts and an SES export (shared with `serve`).
pub fn ses_check_with(
    domain_text: Option<&str>,
    tokens: &[String],
    region: Option<&str>,
    expect_ns: &[String],
    export: Option<SesExport<'_>>,
) -> Result<CheckInput, RunError> {
    let domain_name = domain_text.map(domain).transpose()?;
    let expect_ns = names(expect_ns)?;
    let mut notes = Vec::new();
    let region = match region {
        Some(text) => {
            let parsed = parse_region(text).map_err(bad)?;
            notes.extend(parsed.note);
            Some(parsed.region)
        }
        None => None,
    };
    let region = region.as_deref();

    let from_file = match export {
        Some(SesExport::IdentityJson(source)) => {
            Some(check_from_identity_json(&source.text()?, domain_name.as_ref()).map_err(bad)?)
        }
        Some(SesExport::RecordsCsv(source)) => {
            Some(check_from_records_csv(&source.text()?, domain_name.as_ref()).map_err(bad)?)
        }
        None => None,
    };
    let check = match from_file {
        Some(check) => with_user_options(check, region, expect_ns),
        None => {
            let Some(domain) = domain_name else {
                return Err(RunError::BadInput(
                    "ses needs the domain (or --identity-json / --records-csv naming it)"
                        .to_string(),
                ));
            };
            if tokens.is_empty() {
                return Err(RunError::BadInput(format!(
                    "ses needs the DKIM tokens of {}: give each with --token (or use \
                     --identity-json / --records-csv)",
                    domain.to_string_relative()
                )));
            }
            let mut bare = Vec::new();
            let mut pasted_zone: Option<Name> = None;
            for text in tokens {
                for token in normalize_tokens(text, &domain).map_err(bad)? {
                    if let Some(note) = token.note {
                        notes.push(note);
                    }
                    if token.target_zone.is_some() {
                        pasted_zone = token.target_zone;
                    }
                    if !bare.contains(&token.token) {
                        bare.push(token.token);
                    }
                }
            }
            // A pasted CNAME value names the SES DKIM zone the identity uses; it counts as
            // the identity's SigningHostedZone unless the region was given.
            let signing_zone = pasted_zone.filter(|_| region.is_none());
            if let Some(zone) = &signing_zone {
                notes.push(format!(
                    "took the SES DKIM zone {} from the pasted CNAME value",
                    zone.to_string_relative()
                ));
            }
            Check::Ses {
                domain,
                tokens: bare,
                signing_zone,
                region: region.map(str::to_string),
                expect_ns,
                ses_soa: None,
                ses_status: None,
                mail_from: None,
                dmarc: true,
            }
        }
    };
    Ok(CheckInput { check, notes })
}

/// The check of `ses --identity-json` from the file's text (the demo's scenarios hold it).
pub fn ses_check_from_identity_text(
    json: &str,
    domain_text: Option<&str>,
    region: Option<&str>,
    mail_from: Option<&str>,
) -> Result<CheckInput, RunError> {
    let domain_name = domain_text.map(domain).transpose()?;
    let check = check_from_identity_json(json, domain_name.as_ref()).map_err(bad)?;
    let mut notes = Vec::new();
    let mut check = with_user_options(check, region, vec![]);
    if let Some(text) = mail_from {
        check = with_mail_from(check, text, &mut notes)?;
    }
    Ok(CheckInput { check, notes })
}

/// Adds `--region` and `--expect-ns` to a check read from a file.
fn with_user_options(check: Check, user_region: Option<&str>, user_ns: Vec<Name>) -> Check {
    match check {
        Check::Ses {
            domain,
            tokens,
            signing_zone,
            region,
            mut expect_ns,
            ses_soa,
            ses_status,
            mail_from,
            dmarc,
        } => {
            expect_ns.extend(user_ns);
            Check::Ses {
                domain,
                tokens,
                signing_zone,
                region: user_region.map(str::to_string).or(region),
                expect_ns,
                ses_soa,
                ses_status,
                mail_from,
                dmarc,
            }
        }
        Check::Selector {
            domain,
            selectors,
            mut expect_ns,
            dmarc,
        } => {
            expect_ns.extend(user_ns);
            Check::Selector {
                domain,
                selectors,
                expect_ns,
                dmarc,
            }
        }
    }
}

/// The check of `selector`.
pub fn selector_check(args: &SelectorArgs) -> Result<CheckInput, RunError> {
    let mut input = selector_check_from(&args.domain, &args.selectors, &[])?;
    if args.dmarc.no_dmarc {
        input.check = without_dmarc(input.check);
    }
    Ok(input)
}

/// The check of `selector` from its parts (shared with `bulk` and `demo`).
pub fn selector_check_from(
    domain_text: &str,
    selectors: &[String],
    expect_ns: &[String],
) -> Result<CheckInput, RunError> {
    let domain = domain(domain_text)?;
    let mut parsed = Vec::new();
    let mut notes = Vec::new();
    for text in selectors {
        for arg in parse_selectors_arg(text, &domain).map_err(bad)? {
            notes.extend(arg.note);
            if !parsed.contains(&arg.selector) {
                parsed.push(arg.selector);
            }
        }
    }
    if parsed.is_empty() {
        return Err(RunError::BadInput(
            "selector needs at least one selector after the domain".to_string(),
        ));
    }
    Ok(CheckInput {
        check: Check::Selector {
            domain,
            selectors: parsed,
            expect_ns: names(expect_ns)?,
            dmarc: true,
        },
        notes,
    })
}

/// The question of `trace NAME [TYPE]` (shared with `serve`): the root may be traced though it
/// is not a domain to check; the type defaults to A.
pub fn trace_question(name: &str, rtype: Option<&str>) -> Result<Question, RunError> {
    let name = if name.trim() == "." {
        Name::root()
    } else {
        domain(name)?
    };
    let rtype_text = rtype.unwrap_or("A");
    let rtype: RecordType = rtype_text.parse().map_err(|_| {
        RunError::BadInput(format!(
            "{rtype_text:?} is not a record type (try A, AAAA, TXT, CNAME, NS, MX or SOA)"
        ))
    })?;
    Ok(Question::new(name, rtype))
}
