//! `demo --serve` keeps the demo network up and prints the options that point the real
//! commands at it: `ses`, `selector` and `trace` run against it as a user would run them,
//! pasting what it printed, and diagnose the scenarios as the lab describes them.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{check_report, run_owned};
use dns_lab::scenarios::{SES_HEALTHY, SES_MISSING, SES_TOKENS};

/// The `demo --serve` process, killed when the test ends whatever happens.
struct Served {
    child: Child,
    options: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `demo --serve` with `args` and reads the options it prints.
fn serve(args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .arg("demo")
        .arg("--serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo --serve");
    let stdout = child.stdout.take().expect("stdout");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut served = Served {
        child,
        options: Vec::new(),
    };
    // The options line is printed once the servers listen; a bounded wait for it.
    for _ in 0..100 {
        let Ok(line) = receiver.recv_timeout(Duration::from_secs(30)) else {
            break;
        };
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&line) {
            let options = doc["options"].as_str().expect("options").to_string();
            served.options = options.split_whitespace().map(str::to_string).collect();
            break;
        }
        if let Some(options) = line.trim().strip_prefix("--roots ") {
            served.options = format!("--roots {options}")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            break;
        }
    }
    assert!(
        !served.options.is_empty(),
        "demo --serve printed no --roots/--port"
    );
    served
}

fn ses_args(domain: &str, served: &Served) -> Vec<String> {
    let mut args = vec!["ses".to_string(), domain.to_string(), "--json".to_string()];
    for token in SES_TOKENS {
        args.push("--token".into());
        args.push(token.to_string());
    }
    args.extend(served.options.iter().cloned());
    args
}

#[test]
fn ses_runs_against_the_served_demo_network() {
    let served = serve(&["--json"]);
    assert_eq!(served.options[0], "--roots");
    assert_eq!(served.options[2], "--port");
    let missing = run_owned(&ses_args(SES_MISSING, &served));
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    let doc = check_report(&missing);
    assert_eq!(doc["verdict"], "fail");
    assert!(
        doc["summary"]
            .as_str()
            .unwrap()
            .starts_with("FAIL: none of the 3 SES records exist"),
        "{}",
        doc["summary"]
    );
    assert_eq!(doc["actions"][0]["kind"], "create");

    let healthy = run_owned(&ses_args(SES_HEALTHY, &served));
    assert_eq!(healthy.code, 0, "{}", healthy.stderr);
    assert_eq!(check_report(&healthy)["verdict"], "pass");
}

#[test]
fn every_command_the_served_demo_prints_runs_as_printed() {
    let served = serve(&["--color", "never"]);
    let output = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(["demo", "ses-missing", "--color", "never"])
        .output()
        .expect("demo ses-missing");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let command = text
        .lines()
        .find_map(|l| l.strip_prefix("$ dkim-doctor "))
        .expect("demo prints the command");
    assert!(
        command.contains("--roots 127.53.") && command.contains(" --port "),
        "{command}"
    );
    // The printed command, pointed at the served network (its own run's port is gone).
    let mut args: Vec<String> = command
        .split(" --roots ")
        .next()
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    args.extend(served.options.iter().cloned());
    let run = run_owned(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let first = run.stdout.lines().next().unwrap_or("");
    assert!(
        first.starts_with("FAIL: none of the 3 SES records"),
        "{first}"
    );

    let mut trace: Vec<String> = ["trace", "mail._domainkey.dkim-zone-cut.com", "TXT"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    trace.extend(served.options.iter().cloned());
    let traced = run_owned(&trace);
    assert_eq!(traced.code, 0, "{}", traced.stderr);
}
