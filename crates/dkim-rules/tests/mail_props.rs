//! The SPF and DMARC parsers never panic and the SPF lookup count stays bounded, whatever the
//! records say.

use std::collections::BTreeMap;

use dkim_rules::dmarc::parse_dmarc;
use dkim_rules::spf::{evaluate_spf, parse_spf, Fetched, SPF_MAX_FETCHES};
use dns_wire::Name;
use proptest::prelude::*;

/// SPF-looking text: the version, then terms drawn from a grammar-shaped alphabet.
fn spf_text() -> impl Strategy<Value = String> {
    let term = prop_oneof![
        Just("include:a.example".to_string()),
        Just("include:b.example".to_string()),
        Just("redirect=a.example".to_string()),
        Just("-all".to_string()),
        Just("mx".to_string()),
        Just("a:%{i}.x.example/24".to_string()),
        "[ -~]{0,12}",
    ];
    prop::collection::vec(term, 0..12).prop_map(|t| format!("v=spf1 {}", t.join(" ")))
}

proptest! {
    #[test]
    fn parsers_never_panic(text in "\\PC{0,300}") {
        let _ = parse_spf(&text);
        let _ = parse_dmarc(&text);
        let _ = parse_spf(&format!("v=spf1 {text}"));
        let _ = parse_dmarc(&format!("v=DMARC1; {text}"));
    }

    #[test]
    fn the_count_is_bounded_through_any_records(top in spf_text(), a in spf_text(), b in spf_text()) {
        let Ok(record) = parse_spf(&top) else { return Ok(()) };
        let mut fetched: BTreeMap<Name, Fetched> = BTreeMap::new();
        fetched.insert("a.example".parse().unwrap(), Fetched::Texts(vec![a]));
        fetched.insert("b.example".parse().unwrap(), Fetched::Texts(vec![b]));
        let eval = evaluate_spf(&record, &fetched);
        let followed = eval
            .nodes
            .iter()
            .filter(|n| matches!(n.outcome, dkim_rules::spf::NodeOutcome::Record { .. }))
            .count();
        prop_assert!(followed <= SPF_MAX_FETCHES);
        prop_assert!(eval.nodes.len() <= 13 * (SPF_MAX_FETCHES + 1));
    }
}
