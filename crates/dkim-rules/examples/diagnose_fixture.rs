//! Prints the report for a fixture file: `cargo run -p dkim-rules --example diagnose_fixture -- tests/fixtures/ses-pass.json`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: diagnose_fixture <fixture.json>");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{path} is not JSON: {e}");
            return ExitCode::from(2);
        }
    };
    let parsed =
        serde_json::from_value::<dkim_rules::Check>(value["check"].clone()).and_then(|check| {
            serde_json::from_value::<dkim_rules::Observations>(value["observations"].clone())
                .map(|obs| (check, obs))
        });
    match parsed {
        Ok((check, observations)) => {
            let report = dkim_rules::diagnose(&check, &observations);
            match serde_json::to_string_pretty(&report) {
                Ok(json) => println!("{json}"),
                Err(e) => {
                    eprintln!("cannot print the report: {e}");
                    return ExitCode::from(1);
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path} is not a fixture (check + observations): {e}");
            ExitCode::from(2)
        }
    }
}
