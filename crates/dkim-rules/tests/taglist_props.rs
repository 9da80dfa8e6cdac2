//! Property tests for the RFC 6376 tag-list parser and the key record rules.

use dkim_rules::{parse_key_record, parse_tag_list, KeyRecordError, PublicKey};
use proptest::prelude::*;

const KEY_2048: &str = include_str!("keys/rsa-2048.spki.b64");

/// Folding whitespace as RFC 6376 allows it: `[*WSP CRLF] 1*WSP`, or nothing.
fn fws() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_string()),
        Just("\t".to_string()),
        Just("  ".to_string()),
        Just("\r\n ".to_string()),
        Just(" \r\n\t".to_string()),
    ]
}

/// The base64 key broken into pieces with folding whitespace between them.
fn folded_key() -> impl Strategy<Value = String> {
    let key = KEY_2048.trim().to_string();
    (
        prop::collection::vec(1usize..40, 0..12),
        prop::collection::vec(fws(), 12),
    )
        .prop_map(move |(cuts, spaces)| {
            let mut out = String::new();
            let mut pos = 0;
            for (cut, space) in cuts.iter().zip(&spaces) {
                let end = (pos + cut).min(key.len());
                out.push_str(&key[pos..end]);
                out.push_str(space);
                pos = end;
            }
            out.push_str(&key[pos..]);
            out.trim_end().to_string()
        })
}

/// Tag name and value pairs of a valid record (without v=, which goes first when present).
fn optional_tags() -> impl Strategy<Value = Vec<(String, String)>> {
    let candidates = vec![
        ("k".to_string(), "rsa".to_string()),
        ("h".to_string(), "sha256".to_string()),
        ("t".to_string(), "s".to_string()),
        ("s".to_string(), "email".to_string()),
        ("n".to_string(), "a note".to_string()),
        ("x_unknown".to_string(), "ignored".to_string()),
    ];
    prop::sample::subsequence(candidates.clone(), 0..=candidates.len()).prop_shuffle()
}

fn record() -> impl Strategy<Value = (String, Vec<(String, String)>)> {
    (
        any::<bool>(),
        optional_tags(),
        folded_key(),
        any::<prop::sample::Index>(),
        prop::collection::vec(fws(), 40),
        any::<bool>(),
    )
        .prop_map(|(with_v, mut tags, key, p_at, spaces, trailing)| {
            let p_at = p_at.index(tags.len() + 1);
            tags.insert(p_at, ("p".to_string(), key));
            if with_v {
                tags.insert(0, ("v".to_string(), "DKIM1".to_string()));
            }
            let mut text = String::new();
            let mut space = spaces.iter().cycle();
            for (i, (name, value)) in tags.iter().enumerate() {
                if i > 0 {
                    text.push(';');
                }
                for part in [space.next(), Some(&name.clone()), space.next()] {
                    text.push_str(part.unwrap());
                }
                text.push('=');
                text.push_str(space.next().unwrap());
                text.push_str(value);
                text.push_str(space.next().unwrap());
            }
            if trailing {
                text.push(';');
                text.push_str(space.next().unwrap());
            }
            (text, tags)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,300}") {
        let _ = parse_tag_list(&text);
        let _ = parse_key_record(text.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_key_record(&bytes);
    }

    #[test]
    fn tag_like_text_never_panics(text in "([a-z_]{0,3}[ \t]*=?[ \t]*[A-Za-z0-9+/=: ]{0,20};?){0,8}") {
        let _ = parse_key_record(text.as_bytes());
    }

    #[test]
    fn every_valid_ordering_and_spacing_is_accepted((text, tags) in record()) {
        let parsed = parse_tag_list(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text:?}")))?;
        let names: Vec<&str> = parsed.iter().map(|t| t.name.as_str()).collect();
        let want: Vec<&str> = tags.iter().map(|(n, _)| n.as_str()).collect();
        prop_assert_eq!(names, want);
        for (tag, (_, value)) in parsed.iter().zip(&tags) {
            prop_assert_eq!(&tag.value, value);
        }
        let record = parse_key_record(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}: {text:?}")))?;
        prop_assert_eq!(record.key, PublicKey::Rsa { bits: 2048 });
    }

    #[test]
    fn any_repeated_tag_is_rejected((text, tags) in record(), which in any::<prop::sample::Index>()) {
        let (name, value) = &tags[which.index(tags.len())];
        // Drop the record's own trailing ";" so that the added tag does not make an empty
        // tag-spec (";;"), which is an error of its own.
        let base = text.trim_end().trim_end_matches(';');
        let doubled = format!("{base}; {name}={value}");
        let is_duplicate = matches!(parse_tag_list(&doubled), Err(KeyRecordError::DuplicateTag { .. }));
        prop_assert!(is_duplicate, "{doubled:?}");
    }

    #[test]
    fn an_empty_tag_spec_before_the_end_is_rejected((text, _) in record(), at in any::<prop::sample::Index>(), space in fws()) {
        // Put ";<space>;" at a tag boundary (before any tag but the first, or at the start).
        let bounds: Vec<usize> = std::iter::once(0).chain(text.match_indices(';').map(|(i, _)| i + 1)).filter(|&i| i < text.trim_end().len()).collect();
        let cut = bounds[at.index(bounds.len())];
        let broken = format!("{}{space};{}", &text[..cut], &text[cut..]);
        let rejected = matches!(parse_tag_list(&broken), Err(KeyRecordError::EmptyTagSpec { .. }));
        prop_assert!(rejected, "{broken:?}");
    }
}
