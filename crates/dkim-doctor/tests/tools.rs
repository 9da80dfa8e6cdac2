//! The tools around the binary: shell completions and the manual page, generated from the same
//! clap definitions as `--help`, and examples in every subcommand's help.

mod common;

use common::run;

const SUBCOMMANDS: [&str; 7] = [
    "ses",
    "selector",
    "trace",
    "bulk",
    "demo",
    "completions",
    "man",
];

#[test]
fn completions_are_generated_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef dkim-doctor"),
        ("fish", "complete -c dkim-doctor"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[dkim-doctor]"),
    ] {
        let result = run(&["completions", shell]);
        assert_eq!(result.code, 0, "{shell}: {}", result.stderr);
        assert!(result.stdout.contains(marker), "{shell}: no {marker:?}");
        for sub in ["ses", "selector", "demo"] {
            assert!(result.stdout.contains(sub), "{shell} completes no {sub}");
        }
        assert!(result.stdout.contains("--roots"), "{shell}: no --roots");
    }
    assert_eq!(run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn bash_completion_script_is_valid_bash() {
    let script = run(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dkim-doctor.bash");
    std::fs::write(&path, script).unwrap();
    // `bash -n` parses without running; skipped only where there is no bash at all.
    match std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => eprintln!("bash not found ({e}); syntax check skipped"),
    }
}

#[test]
fn man_page_has_every_subcommand_and_its_examples() {
    let result = run(&["man"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let page = result.stdout;
    assert!(
        page.starts_with(".ie") || page.starts_with(".TH"),
        "not roff"
    );
    assert!(page.contains(".TH dkim-doctor 1"), "no title");
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!(".SH \"DKIM-DOCTOR {}\"", sub.to_uppercase())),
            "no section for {sub}"
        );
    }
    assert!(page.contains("Examples:"), "no examples");
    assert!(
        page.contains("\\-\\-serve"),
        "demo --serve is not documented"
    );
    // Where groff is installed, the page renders without warnings.
    if let Ok(out) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(page.as_bytes())?;
            child.wait_with_output()
        })
    {
        assert!(
            out.stderr.is_empty(),
            "groff: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_subcommand_help_shows_examples() {
    for sub in SUBCOMMANDS {
        let result = run(&[sub, "--help"]);
        assert_eq!(result.code, 0, "{sub}: {}", result.stderr);
        assert!(
            result.stdout.contains("Examples:\n  dkim-doctor "),
            "{sub} --help has no examples"
        );
    }
}
