//! The README's JSON example has exactly the documented shape, and names every exit code
//! as the help does.

mod common;

#[test]
fn the_documented_example_validates() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = doc.find("key-rsa1024 --json").expect("example intro");
    let block = &doc[start..];
    let open = block.find("```json\n").expect("json block") + "```json\n".len();
    let close = block[open..].find("\n```").expect("block end");
    let json: serde_json::Value = serde_json::from_str(&block[open..open + close]).unwrap();
    common::validate_check_json(&json);
}

#[test]
fn the_help_names_the_exit_codes_like_cli_md() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let help = common::run(&["--help"]).stdout;
    for (code, word) in [
        ("0", "pass"),
        ("1", "error"),
        ("2", "bad usage"),
        ("3", "could not complete"),
    ] {
        assert!(
            doc.contains(&format!("| {code} |")),
            "README.md lacks exit code {code}"
        );
        assert!(
            help.contains(&format!("{code} ")) && help.contains(word),
            "help lacks {code} {word}"
        );
    }
}
