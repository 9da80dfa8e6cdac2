//! The JSON of `aws sesv2 get-email-identity` (and of the older `aws ses
//! get-identity-dkim-attributes`).

use dns_wire::Name;
use serde_json::Value;

use super::{normalize_token, parse_domain, parse_selector, InputError};
use crate::check::{Check, MailFromAttributes, MxFailureBehavior, SesStatus, SoaSeen};

/// The top-level fields that may name the identity in a saved `get-email-identity` output:
/// the request's own parameter (`EmailIdentity`, as in `--cli-input-json` files and in
/// scripts that save the request with the response) and `list-email-identities`'s
/// `IdentityName`. The plain response names no domain.
const IDENTITY_NAME_FIELDS: [&str; 2] = ["EmailIdentity", "IdentityName"];

/// Builds an SES [`Check`] from the output of `aws sesv2 get-email-identity`, or of the older
/// `aws ses get-identity-dkim-attributes` (which carries the domain). The sesv2 response does
/// not name the domain: pass it, unless the file holds it as `EmailIdentity` or
/// `IdentityName` (when both are there they must agree). For a BYODKIM identity
/// (`SigningAttributesOrigin` `EXTERNAL`), the tokens are selectors and a selector check is
/// returned. `MailFromAttributes` becomes [`Check::Ses`]'s `mail_from`.
pub fn check_from_identity_json(text: &str, domain: Option<&Name>) -> Result<Check, InputError> {
    let json: Value = serde_json::from_str(text).map_err(|e| InputError::Json(e.to_string()))?;
    let dkim = json
        .get("DkimAttributes")
        .ok_or_else(|| InputError::Json("it has no \"DkimAttributes\" object".into()))?;
    if dkim.get("Tokens").is_none() && dkim.get("SigningEnabled").is_none() {
        return check_from_v1_json(dkim, domain);
    }
    let named = identity_name(&json)?;
    let domain = match (domain, named) {
        (Some(given), Some(named)) if *given != named => {
            return Err(InputError::Json(format!(
                "the JSON is for {}, not for {}",
                named.to_string_relative(),
                given.to_string_relative()
            )))
        }
        (Some(given), _) => given.clone(),
        (None, Some(named)) => named,
        (None, None) => {
            return Err(InputError::Json(
                "get-email-identity output does not name the domain; give the domain as an argument too"
                    .into(),
            ))
        }
    };
    let mail_from = mail_from_attributes(&json)?;
    let tokens = string_list(dkim.get("Tokens"), "DkimAttributes.Tokens")?;
    let origin = dkim
        .get("SigningAttributesOrigin")
        .and_then(Value::as_str)
        .unwrap_or("AWS_SES");
    if origin == "EXTERNAL" {
        let selectors = tokens
            .iter()
            .map(|s| parse_selector(s))
            .collect::<Result<Vec<_>, _>>()?;
        if selectors.is_empty() {
            return Err(InputError::NothingToCheck("the identity JSON".into()));
        }
        return Ok(Check::Selector {
            domain,
            selectors,
            expect_ns: vec![],
            dmarc: true,
        });
    }
    let tokens = tokens
        .iter()
        .map(|t| normalize_token(t, &domain).map(|a| a.token))
        .collect::<Result<Vec<_>, _>>()?;
    if tokens.is_empty() {
        return Err(InputError::NothingToCheck("the identity JSON".into()));
    }
    let signing_zone = match dkim.get("SigningHostedZone").and_then(Value::as_str) {
        Some(zone) => Some(parse_domain(zone).map_err(|e| {
            InputError::Json(format!(
                "DkimAttributes.SigningHostedZone is not a domain: {e}"
            ))
        })?),
        None => None,
    };
    let info = json.get("VerificationInfo");
    let ses_soa = match info.and_then(|i| i.get("SOARecord")) {
        Some(soa) => {
            let mname = soa
                .get("PrimaryNameServer")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    InputError::Json("VerificationInfo.SOARecord has no PrimaryNameServer".into())
                })?;
            Some(SoaSeen {
                primary_name_server: parse_domain(mname).map_err(|e| {
                    InputError::Json(format!("SOARecord.PrimaryNameServer is not a name: {e}"))
                })?,
                admin_email: soa
                    .get("AdminEmail")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                serial: soa
                    .get("SerialNumber")
                    .and_then(Value::as_u64)
                    .and_then(|s| u32::try_from(s).ok()),
            })
        }
        None => None,
    };
    let status = SesStatus {
        dkim_status: dkim
            .get("Status")
            .and_then(Value::as_str)
            .map(str::to_string),
        error_type: info
            .and_then(|i| i.get("ErrorType"))
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    let ses_status = (status != SesStatus::default()).then_some(status);
    Ok(Check::Ses {
        domain,
        tokens,
        signing_zone,
        region: None,
        expect_ns: vec![],
        ses_soa,
        ses_status,
        mail_from,
        dmarc: true,
    })
}

/// The domain named by [`IDENTITY_NAME_FIELDS`], if any.
fn identity_name(json: &Value) -> Result<Option<Name>, InputError> {
    let mut found: Option<Name> = None;
    for field in IDENTITY_NAME_FIELDS {
        let Some(value) = json.get(field) else {
            continue;
        };
        let text = value
            .as_str()
            .ok_or_else(|| InputError::Json(format!("{field} is not text")))?;
        let name = parse_domain(text)
            .map_err(|e| InputError::Json(format!("{field} is not a domain: {e}")))?;
        if let Some(other) = &found {
            if *other != name {
                return Err(InputError::Json(format!(
                    "{} and {field} name different domains",
                    IDENTITY_NAME_FIELDS[0]
                )));
            }
        }
        found = Some(name);
    }
    Ok(found)
}

/// `MailFromAttributes`, when it names a MAIL FROM domain (SES prints the object without
/// `MailFromDomain` for identities that have none).
fn mail_from_attributes(json: &Value) -> Result<Option<MailFromAttributes>, InputError> {
    let Some(attrs) = json.get("MailFromAttributes") else {
        return Ok(None);
    };
    let text = |field: &str| -> Result<Option<&str>, InputError> {
        match attrs.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim())),
            Some(_) => Err(InputError::Json(format!(
                "MailFromAttributes.{field} is not text"
            ))),
        }
    };
    let Some(domain) = text("MailFromDomain")? else {
        return Ok(None);
    };
    let domain = parse_domain(domain).map_err(|e| {
        InputError::Json(format!(
            "MailFromAttributes.MailFromDomain is not a domain: {e}"
        ))
    })?;
    let behavior_on_mx_failure = match text("BehaviorOnMxFailure")? {
        None => MxFailureBehavior::default(),
        Some(b) if b.eq_ignore_ascii_case("REJECT_MESSAGE") => MxFailureBehavior::RejectMessage,
        Some(b) if b.eq_ignore_ascii_case("USE_DEFAULT_VALUE") => {
            MxFailureBehavior::UseDefaultValue
        }
        Some(other) => {
            return Err(InputError::Json(format!(
                "MailFromAttributes.BehaviorOnMxFailure is {:?}; SES knows USE_DEFAULT_VALUE and REJECT_MESSAGE",
                crate::clip(other)
            )))
        }
    };
    Ok(Some(MailFromAttributes {
        domain,
        status: text("MailFromDomainStatus")?.map(str::to_ascii_uppercase),
        behavior_on_mx_failure,
    }))
}

/// `{"DkimAttributes": {"example.com": {"DkimTokens": [...], "DkimVerificationStatus": ...}}}`.
fn check_from_v1_json(dkim: &Value, domain: Option<&Name>) -> Result<Check, InputError> {
    let map = dkim
        .as_object()
        .ok_or_else(|| InputError::Json("\"DkimAttributes\" is not an object".into()))?;
    let mut entries = map.iter().filter(|(_, v)| v.get("DkimTokens").is_some());
    let (key, attrs) = match (entries.next(), entries.next(), domain) {
        (Some(entry), None, _) => entry,
        (Some(_), Some(_), Some(d)) => map
            .iter()
            .find(|(k, _)| parse_domain(k).ok().as_ref() == Some(d))
            .ok_or_else(|| InputError::Json(format!("no entry for {d} in DkimAttributes")))?,
        (Some(_), Some(_), None) => {
            return Err(InputError::Json(
                "it holds several identities; give the domain as an argument".into(),
            ))
        }
        (None, _, _) => {
            return Err(InputError::Json(
                "\"DkimAttributes\" has neither \"Tokens\" (sesv2) nor per-identity \"DkimTokens\" (ses)"
                    .into(),
            ))
        }
    };
    let found = parse_domain(key)?;
    if let Some(d) = domain {
        if *d != found {
            return Err(InputError::Json(format!(
                "the JSON is for {found}, not for {d}"
            )));
        }
    }
    let tokens = string_list(attrs.get("DkimTokens"), "DkimTokens")?
        .iter()
        .map(|t| normalize_token(t, &found).map(|a| a.token))
        .collect::<Result<Vec<_>, _>>()?;
    if tokens.is_empty() {
        return Err(InputError::NothingToCheck("the identity JSON".into()));
    }
    let dkim_status = attrs
        .get("DkimVerificationStatus")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Check::Ses {
        domain: found,
        tokens,
        signing_zone: None,
        region: None,
        expect_ns: vec![],
        ses_soa: None,
        ses_status: dkim_status.map(|s| SesStatus {
            dkim_status: Some(s),
            error_type: None,
        }),
        mail_from: None,
        dmarc: true,
    })
}

fn string_list(value: Option<&Value>, field: &str) -> Result<Vec<String>, InputError> {
    let Some(value) = value else {
        return Ok(vec![]);
    };
    let array = value
        .as_array()
        .ok_or_else(|| InputError::Json(format!("{field} is not a list")))?;
    array
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| InputError::Json(format!("{field} holds something other than text")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::tests::{n, TOKEN};

    #[test]
    fn sesv2_identity_json() {
        let json = format!(
            r#"{{"IdentityType":"DOMAIN","DkimAttributes":{{"SigningEnabled":true,"Status":"FAILED",
            "Tokens":["{TOKEN}","bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","cccccccccccccccccccccccccccccccc"],
            "SigningHostedZone":"dkim.af-south-1.amazonses.com","SigningAttributesOrigin":"AWS_SES"}},
            "VerificationInfo":{{"ErrorType":"HOST_NOT_FOUND","SOARecord":{{"PrimaryNameServer":"ns-1.awsdns-01.org",
            "AdminEmail":"awsdns-hostmaster.amazon.com","SerialNumber":7}}}}}}"#
        );
        let check = check_from_identity_json(&json, Some(&n("example.com"))).unwrap();
        let Check::Ses {
            tokens,
            signing_zone,
            ses_soa,
            ses_status,
            ..
        } = &check
        else {
            panic!("{check:?}")
        };
        assert_eq!(tokens.len(), 3);
        assert_eq!(
            signing_zone.as_ref().unwrap(),
            &n("dkim.af-south-1.amazonses.com")
        );
        assert_eq!(ses_soa.as_ref().unwrap().serial, Some(7));
        assert_eq!(
            ses_status.as_ref().unwrap().error_type.as_deref(),
            Some("HOST_NOT_FOUND")
        );
        let missing_domain = check_from_identity_json(&json, None).unwrap_err();
        assert!(
            missing_domain.to_string().contains("domain"),
            "{missing_domain}"
        );
        assert!(check_from_identity_json("{not json", Some(&n("example.com"))).is_err());
        assert!(check_from_identity_json("[]", Some(&n("example.com"))).is_err());
    }

    #[test]
    fn mail_from_attributes_and_the_identity_name() {
        let json = format!(
            r#"{{"EmailIdentity":"Example.COM","IdentityType":"DOMAIN","DkimAttributes":{{"SigningEnabled":true,
            "Status":"SUCCESS","Tokens":["{TOKEN}"]}},
            "MailFromAttributes":{{"MailFromDomain":"mail.example.com","MailFromDomainStatus":"Pending","BehaviorOnMxFailure":"REJECT_MESSAGE"}}}}"#
        );
        let check = check_from_identity_json(&json, None).unwrap();
        assert_eq!(check.domain(), &n("example.com"));
        let mail_from = check.mail_from().unwrap();
        assert_eq!(mail_from.domain, n("mail.example.com"));
        assert_eq!(mail_from.status.as_deref(), Some("PENDING"));
        assert_eq!(
            mail_from.behavior_on_mx_failure,
            MxFailureBehavior::RejectMessage
        );
        assert!(check.checks_dmarc());
        // The same domain given as an argument is fine; another one is refused.
        assert!(check_from_identity_json(&json, Some(&n("example.com."))).is_ok());
        let other = check_from_identity_json(&json, Some(&n("example.org"))).unwrap_err();
        assert!(other.to_string().contains("not for example.org"), "{other}");
        // No MailFromDomain (SES prints the object for every identity): no MAIL FROM check;
        // a missing behaviour is SES's default.
        let none = json.replace(r#""MailFromDomain":"mail.example.com","#, "");
        assert!(check_from_identity_json(&none, None)
            .unwrap()
            .mail_from()
            .is_none());
        let default = json.replace(r#","BehaviorOnMxFailure":"REJECT_MESSAGE""#, "");
        assert_eq!(
            check_from_identity_json(&default, None)
                .unwrap()
                .mail_from()
                .unwrap()
                .behavior_on_mx_failure,
            MxFailureBehavior::UseDefaultValue
        );
        for (from, to) in [
            ("REJECT_MESSAGE", "BOUNCE"),
            (r#""mail.example.com""#, "17"),
            (r#""mail.example.com""#, r#""mail..example.com""#),
            (r#""Example.COM""#, "[]"),
        ] {
            let bad = json.replacen(from, to, 1);
            let error = check_from_identity_json(&bad, None)
                .unwrap_err()
                .to_string();
            assert!(error.len() < 200 && !error.contains('\n'), "{error}");
        }
    }

    #[test]
    fn byodkim_and_v1_json() {
        let byo = r#"{"DkimAttributes":{"SigningEnabled":true,"Status":"SUCCESS","Tokens":["mysel"],"SigningAttributesOrigin":"EXTERNAL"}}"#;
        let check = check_from_identity_json(byo, Some(&n("example.com"))).unwrap();
        assert!(matches!(check, Check::Selector { ref selectors, .. } if selectors == &["mysel"]));
        let v1 = format!(
            r#"{{"DkimAttributes":{{"Example.com":{{"DkimEnabled":true,"DkimVerificationStatus":"Pending","DkimTokens":["{TOKEN}"]}}}}}}"#
        );
        let check = check_from_identity_json(&v1, None).unwrap();
        assert_eq!(check.domain(), &n("example.com"));
        assert!(check_from_identity_json(&v1, Some(&n("example.org"))).is_err());
    }
}
