//! Shared test harness: the in-process lab on a background runtime, and the binary run with a
//! time bound.

#![allow(dead_code)]

use std::io::Read;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub mod server;

/// Longest any single run of the binary may take before the test fails.
pub const RUN_BOUND: Duration = Duration::from_secs(60);

/// A lab served by a runtime of its own, kept for the whole test binary.
pub struct Lab {
    pub roots: Vec<IpAddr>,
    pub port: u16,
}

impl Lab {
    /// The `--roots ... --port ...` arguments pointing at this lab, with its DNSSEC trust
    /// anchor and its time (the lab's signatures have fixed windows around it).
    pub fn args(&self) -> Vec<String> {
        let mut args = self.network_args();
        args.extend(lab_dnssec_args());
        args
    }

    /// The `--roots ... --port ...` arguments alone, for a test that gives the DNSSEC
    /// options itself.
    pub fn network_args(&self) -> Vec<String> {
        let roots: Vec<String> = self.roots.iter().map(IpAddr::to_string).collect();
        vec![
            "--roots".into(),
            roots.join(","),
            "--port".into(),
            self.port.to_string(),
            "-4".into(),
            "--timeout".into(),
            "1s".into(),
        ]
    }
}

/// `--trust-anchor FILE --validation-time TIME` for the in-process lab
/// ([`dns_lab::signing::check_options`], the anchor written once per test binary).
pub fn lab_dnssec_args() -> Vec<String> {
    static ANCHOR: OnceLock<(tempfile::TempPath, Vec<String>)> = OnceLock::new();
    let (_, args) = ANCHOR.get_or_init(|| {
        let path = tempfile::NamedTempFile::new()
            .expect("a temporary file")
            .into_temp_path();
        let args = dns_lab::signing::check_options(&path).expect("the lab's anchor is written");
        (path, args)
    });
    args.clone()
}

/// The lab's time as `--validation-time` takes it (RFC 3339), checked against
/// `dns_lab::signing::LAB_NOW`.
pub fn lab_time() -> String {
    let time = dns_lab::signing::LAB_TIME;
    let parsed: jiff::Timestamp = time.parse().expect("the lab's time is RFC 3339");
    assert_eq!(parsed.as_second(), i64::from(dns_lab::signing::LAB_NOW));
    time.to_string()
}

/// The miniature internet, served in process once per test binary.
pub fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("test runtime");
            runtime.block_on(async move {
                let lab = dns_lab::demo::start(0).await.expect("lab starts");
                sender
                    .send(Lab {
                        roots: lab.roots.clone(),
                        port: lab.port,
                    })
                    .expect("send lab");
                // Serve until the test process exits.
                std::future::pending::<()>().await;
                drop(lab);
            });
        });
        receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("the lab did not start within 30 s")
    })
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `dkim-doctor` with `args` (no color, no NO_COLOR games), killed after [`RUN_BOUND`].
pub fn run(args: &[&str]) -> Run {
    run_with(args, &[], None)
}

/// Runs `dkim-doctor` under an open-file limit (`ulimit -n`, set by `sh` before it execs the
/// binary), killed after [`RUN_BOUND`].
#[allow(dead_code)]
pub fn run_with_open_file_limit(args: &[&str], limit: u32) -> Run {
    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -n \"$1\" && shift && exec \"$@\"", "sh"])
        .arg(limit.to_string())
        .arg(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(args);
    run_command(command, args, &[], None)
}

/// Runs `dkim-doctor` with extra environment variables and optional stdin.
pub fn run_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"));
    command.args(args);
    run_command(command, args, env, stdin)
}

fn run_command(
    mut command: Command,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Run {
    command
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("spawn dkim-doctor");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    // Read both pipes on threads so a full pipe never blocks the child.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = wait_bounded(&mut child, RUN_BOUND)
        .unwrap_or_else(|| panic!("dkim-doctor {args:?} ran longer than {RUN_BOUND:?}"));
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_thread.join().expect("stdout thread"),
        stderr: err_thread.join().expect("stderr thread"),
    }
}

/// Waits for `child` at most `bound`; kills it and returns `None` when it runs longer.
pub fn wait_bounded(child: &mut std::process::Child, bound: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `dkim-doctor` with `args` and its stdout closed at once (like `| head -0`), and checks
/// that it still exits 0 within [`RUN_BOUND`] without a panic or a "Broken pipe" message.
pub fn assert_quiet_on_closed_stdout(args: &[String]) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_BOUND {
            let _ = child.kill();
            panic!("dkim-doctor {args:?} hung on a closed pipe");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

/// `args` followed by the lab's `--roots/--port` arguments.
pub fn with_lab(args: &[&str]) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(lab().args());
    all
}

/// Runs with owned arguments.
pub fn run_owned(args: &[String]) -> Run {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs)
}

/// The directory of snapshot files.
pub fn snapshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// Masks what changes from run to run in the human output: the closing "N queries in N ms"
/// line and the trace's "N queries, N ms" summary.
pub fn mask_timing(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.ends_with(" ms") && line.contains(" queries") {
                mask_numbers(line)
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + if text.ends_with('\n') { "\n" } else { "" }
}

fn mask_numbers(line: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// Compares `actual` with the snapshot file `name`; with `UPDATE_SNAPSHOTS=1` in the
/// environment, writes it instead.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = snapshot_dir().join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot_dir()).expect("snapshot dir");
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}; run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "snapshot {} differs from line {}:\n--- expected\n{}\n--- actual\n{}\n\
             (UPDATE_SNAPSHOTS=1 rewrites it)",
            path.display(),
            first + 1,
            expected
                .lines()
                .skip(first)
                .take(5)
                .collect::<Vec<_>>()
                .join("\n"),
            actual
                .lines()
                .skip(first)
                .take(5)
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}

use serde_json::Value;

fn expect_string(value: &Value, what: &str) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value}"))
        .to_string()
}

fn expect_array<'a>(value: &'a Value, what: &str) -> &'a Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{what} is not an array: {value}"))
}

fn expect_keys(value: &Value, what: &str, keys: &[&str]) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {value}"));
    for key in keys {
        assert!(object.contains_key(*key), "{what} has no {key:?}: {value}");
    }
    for key in object.keys() {
        assert!(
            keys.contains(&key.as_str()),
            "{what} has the undocumented key {key:?}"
        );
    }
}

fn expect_server_ref(value: &Value, what: &str) {
    expect_keys(value, what, &["name", "address"]);
    expect_string(&value["name"], what);
    let address = expect_string(&value["address"], what);
    assert!(address.parse::<IpAddr>().is_ok(), "{what}: {address}");
}

fn expect_opt_u64(value: &Value, what: &str) {
    assert!(value.is_null() || value.is_u64(), "{what}: {value}");
}

fn expect_status(value: &Value, what: &str) {
    assert!(
        matches!(
            value.as_str(),
            Some("ok" | "missing" | "wrong-value" | "wrong-type" | "inconsistent" | "unreachable")
        ),
        "{what} status {value}"
    );
}

fn expect_server_values(value: &Value, what: &str) {
    for server in expect_array(value, what) {
        expect_keys(server, what, &["server", "value", "correct"]);
        expect_server_ref(&server["server"], what);
        expect_string(&server["value"], what);
        assert!(server["correct"].is_boolean(), "{what}");
    }
}

fn expect_fixes(value: &Value, what: &str) {
    for fix in expect_array(value, what) {
        expect_keys(
            fix,
            what,
            &["name", "type", "value", "change", "delete", "codes"],
        );
        assert!(expect_string(&fix["name"], what).ends_with('.'));
        assert!(matches!(fix["type"].as_str(), Some("MX" | "TXT")), "{fix}");
        expect_string(&fix["value"], what);
        assert!(fix["change"].is_boolean());
        for triple in expect_array(&fix["delete"], what) {
            assert_eq!(expect_array(triple, what).len(), 3, "{triple}");
        }
        for code in expect_array(&fix["codes"], what) {
            assert!(dkim_rules::FindingCode::from_code(&expect_string(code, what)).is_some());
        }
    }
}

fn expect_alignment(value: &Value, what: &str) {
    expect_keys(
        value,
        what,
        &["domain", "mode", "aligned", "passes", "summary"],
    );
    expect_string(&value["domain"], what);
    assert!(
        matches!(value["mode"].as_str(), Some("relaxed" | "strict")),
        "{value}"
    );
    assert!(value["aligned"].is_boolean() && value["passes"].is_boolean());
    expect_string(&value["summary"], what);
}

/// `mail_from` and `dmarc` of a check report, each null or of the documented shape.
fn validate_mail_json(mail_from: &Value, dmarc: &Value) {
    if !mail_from.is_null() {
        expect_keys(
            mail_from,
            "mail_from",
            &[
                "domain",
                "ses_status",
                "behavior_on_mx_failure",
                "region",
                "expected_mx",
                "mx",
                "spf",
                "fixes",
                "summary",
            ],
        );
        assert!(expect_string(&mail_from["domain"], "mail_from domain").ends_with('.'));
        assert!(matches!(
            mail_from["behavior_on_mx_failure"].as_str(),
            Some("USE_DEFAULT_VALUE" | "REJECT_MESSAGE")
        ));
        expect_string(&mail_from["expected_mx"], "expected_mx");
        expect_keys(&mail_from["mx"], "mail_from mx", &["status", "servers"]);
        expect_status(&mail_from["mx"]["status"], "mx");
        expect_server_values(&mail_from["mx"]["servers"], "mx servers");
        let spf = &mail_from["spf"];
        expect_keys(
            spf,
            "spf",
            &[
                "status",
                "record",
                "servers",
                "lookups",
                "lookups_complete",
                "void_lookups",
                "includes_amazonses",
                "includes",
            ],
        );
        expect_status(&spf["status"], "spf");
        expect_server_values(&spf["servers"], "spf servers");
        expect_opt_u64(&spf["lookups"], "spf lookups");
        for include in expect_array(&spf["includes"], "spf includes") {
            expect_keys(
                include,
                "spf include",
                &["domain", "depth", "redirect", "lookups", "outcome"],
            );
            expect_opt_u64(&include["lookups"], "include lookups");
        }
        expect_fixes(&mail_from["fixes"], "mail_from fixes");
        expect_string(&mail_from["summary"], "mail_from summary");
    }
    if !dmarc.is_null() {
        expect_keys(
            dmarc,
            "dmarc",
            &[
                "domain",
                "organizational_domain",
                "organizational_domain_method",
                "record_name",
                "status",
                "record",
                "servers",
                "policy",
                "policy_words",
                "dkim",
                "spf",
                "fixes",
                "summary",
            ],
        );
        assert_eq!(dmarc["organizational_domain_method"], "public-suffix-list");
        assert!(expect_string(&dmarc["record_name"], "record_name").starts_with("_dmarc."));
        expect_status(&dmarc["status"], "dmarc");
        expect_server_values(&dmarc["servers"], "dmarc servers");
        if !dmarc["policy"].is_null() {
            expect_keys(
                &dmarc["policy"],
                "dmarc policy",
                &[
                    "policy",
                    "subdomain_policy",
                    "nonexistent_policy",
                    "pct",
                    "adkim",
                    "aspf",
                    "testing",
                    "rua",
                ],
            );
            assert!(matches!(
                dmarc["policy"]["policy"].as_str(),
                Some("none" | "quarantine" | "reject")
            ));
        }
        expect_alignment(&dmarc["dkim"], "dmarc dkim");
        if !dmarc["spf"].is_null() {
            expect_alignment(&dmarc["spf"], "dmarc spf");
        }
        expect_fixes(&dmarc["fixes"], "dmarc fixes");
        expect_string(&dmarc["summary"], "dmarc summary");
    }
}

/// The check report a `--json` run printed, checked against the documented shape
/// ([`validate_check_json`]); a run whose stdout is not JSON fails with its stdout and stderr.
pub fn check_report(run: &Run) -> Value {
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", run.stdout, run.stderr));
    validate_check_json(&doc);
    doc
}

/// Checks a check report against the shape documented in the README: every key, its type, the
/// verdict and severity values, finding codes from the rules' table.
pub fn validate_check_json(doc: &Value) {
    let mut keys = vec![
        "domain",
        "check",
        "verdict",
        "summary",
        "records",
        "findings",
        "actions",
        "dns_hosts",
        "delegation",
        "negative_caching",
        "ses_view",
        "mail_from",
        "dmarc",
        "notes",
        "queries",
        "discarded_responses",
        "elapsed_ms",
    ];
    if doc.get("trace").is_some() {
        keys.push("trace");
    }
    expect_keys(doc, "report", &keys);
    let domain = expect_string(&doc["domain"], "domain");
    assert!(
        !domain.ends_with('.') && !domain.is_empty(),
        "domain {domain:?}"
    );
    assert!(
        matches!(doc["check"].as_str(), Some("ses" | "selector")),
        "check {}",
        doc["check"]
    );
    assert!(
        matches!(
            doc["verdict"].as_str(),
            Some("pass" | "fail" | "incomplete")
        ),
        "verdict {}",
        doc["verdict"]
    );
    let summary = expect_string(&doc["summary"], "summary");
    let word = doc["verdict"].as_str().unwrap_or("").to_ascii_uppercase();
    assert!(summary.starts_with(&word), "summary {summary:?}");
    assert!(!summary.contains('\n'), "summary {summary:?}");
    for action in expect_array(&doc["actions"], "actions") {
        expect_keys(
            action,
            "action",
            &[
                "kind", "where", "record", "delete", "text", "quirks", "codes",
            ],
        );
        assert!(
            matches!(
                action["kind"].as_str(),
                Some("create" | "change" | "replace" | "step")
            ),
            "kind {}",
            action["kind"]
        );
        expect_string(&action["where"], "where");
        expect_string(&action["text"], "action text");
        let mut specs: Vec<&Value> = expect_array(&action["delete"], "delete").iter().collect();
        if !action["record"].is_null() {
            specs.push(&action["record"]);
        } else {
            assert_eq!(action["kind"], "step", "{action}");
        }
        for spec in specs {
            expect_keys(
                spec,
                "record spec",
                &["name", "form_name", "type", "value", "zone_line"],
            );
            let name = expect_string(&spec["name"], "spec name");
            assert!(name.ends_with('.'), "{name}");
            expect_string(&spec["form_name"], "form_name");
            expect_string(&spec["type"], "type");
            assert!(spec["value"].is_null() || spec["value"].is_string());
            let line = expect_string(&spec["zone_line"], "zone_line");
            assert!(line.starts_with(&name), "{line}");
        }
        for quirk in expect_array(&action["quirks"], "quirks") {
            expect_string(quirk, "quirk");
        }
        for code in expect_array(&action["codes"], "codes") {
            let code = expect_string(code, "action code");
            assert!(
                dkim_rules::FindingCode::from_code(&code).is_some(),
                "unknown code {code}"
            );
        }
    }
    for host in expect_array(&doc["dns_hosts"], "dns_hosts") {
        expect_keys(host, "dns host", &["host", "ns", "quirks"]);
        assert!(host["host"].is_null() || host["host"].is_string());
        for ns in expect_array(&host["ns"], "host ns") {
            assert!(expect_string(ns, "ns").ends_with('.'));
        }
        expect_array(&host["quirks"], "host quirks");
    }
    assert!(doc["queries"].is_u64(), "queries");
    assert!(doc["elapsed_ms"].is_u64(), "elapsed_ms");
    validate_mail_json(&doc["mail_from"], &doc["dmarc"]);
    for note in expect_array(&doc["notes"], "notes") {
        expect_string(note, "note");
    }

    for record in expect_array(&doc["records"], "records") {
        expect_keys(
            record,
            "record",
            &["name", "expected", "provider", "status", "servers", "key"],
        );
        assert!(expect_string(&record["name"], "record name").ends_with('.'));
        expect_string(&record["expected"], "expected");
        assert!(record["provider"].is_null() || record["provider"].is_string());
        assert!(
            matches!(
                record["status"].as_str(),
                Some(
                    "ok" | "missing"
                        | "wrong-value"
                        | "wrong-type"
                        | "inconsistent"
                        | "unreachable"
                )
            ),
            "status {}",
            record["status"]
        );
        for server in expect_array(&record["servers"], "record servers") {
            expect_keys(server, "record server", &["server", "value", "correct"]);
            expect_server_ref(&server["server"], "record server");
            expect_string(&server["value"], "value");
            assert!(server["correct"].is_boolean());
        }
        if !record["key"].is_null() {
            let key = &record["key"];
            expect_keys(key, "key", &["at", "algorithm", "bits", "empty", "flags"]);
            expect_string(&key["at"], "key at");
            expect_string(&key["algorithm"], "algorithm");
            expect_opt_u64(&key["bits"], "bits");
            assert!(key["empty"].is_boolean());
            expect_array(&key["flags"], "flags");
        }
    }

    let codes: Vec<&str> = dkim_rules::FindingCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    for finding in expect_array(&doc["findings"], "findings") {
        expect_keys(
            finding,
            "finding",
            &[
                "code",
                "severity",
                "name",
                "servers",
                "summary",
                "fix",
                "ses_error_type",
            ],
        );
        let code = expect_string(&finding["code"], "code");
        assert!(codes.contains(&code.as_str()), "unknown code {code}");
        assert!(
            matches!(
                finding["severity"].as_str(),
                Some("error" | "warning" | "info")
            ),
            "severity {}",
            finding["severity"]
        );
        expect_string(&finding["name"], "finding name");
        for server in expect_array(&finding["servers"], "finding servers") {
            expect_server_ref(server, "finding server");
        }
        assert!(!expect_string(&finding["summary"], "summary").is_empty());
        expect_string(&finding["fix"], "fix");
        assert!(
            finding["ses_error_type"].is_null()
                || matches!(
                    finding["ses_error_type"].as_str(),
                    Some(
                        "HOST_NOT_FOUND" | "TYPE_NOT_FOUND" | "INVALID_VALUE" | "DNS_SERVER_ERROR"
                    )
                ),
            "ses_error_type {}",
            finding["ses_error_type"]
        );
    }

    let delegation = &doc["delegation"];
    expect_keys(
        delegation,
        "delegation",
        &[
            "zone",
            "parent_ns",
            "child_ns",
            "servers",
            "soa",
            "lame",
            "ns_ignored",
            "path",
        ],
    );
    assert!(delegation["ns_ignored"].is_u64());
    assert!(delegation["zone"].is_null() || delegation["zone"].is_string());
    for list in ["parent_ns", "child_ns"] {
        for name in expect_array(&delegation[list], list) {
            expect_string(name, list);
        }
    }
    for server in expect_array(&delegation["servers"], "delegation servers") {
        expect_keys(
            server,
            "delegation server",
            &[
                "name",
                "address",
                "in_parent",
                "in_child",
                "user_named",
                "soa_serial",
                "not_checked",
            ],
        );
        assert!(server["not_checked"].is_null() || server["not_checked"].is_string());
        expect_server_ref(
            &serde_json::json!({"name": server["name"], "address": server["address"]}),
            "delegation server",
        );
        for flag in ["in_parent", "in_child", "user_named"] {
            assert!(server[flag].is_boolean(), "{flag}");
        }
        expect_opt_u64(&server["soa_serial"], "soa_serial");
    }
    if !delegation["soa"].is_null() {
        let soa = &delegation["soa"];
        expect_keys(soa, "soa", &["mname", "rname", "serial", "minimum", "ttl"]);
        for number in ["serial", "minimum", "ttl"] {
            assert!(soa[number].is_u64(), "soa {number}");
        }
    }
    for lame in expect_array(&delegation["lame"], "lame") {
        expect_keys(lame, "lame", &["name", "address", "reason"]);
        expect_string(&lame["reason"], "reason");
    }
    for step in expect_array(&delegation["path"], "path") {
        expect_keys(step, "path step", &["zone", "ns"]);
        expect_string(&step["zone"], "path zone");
        expect_array(&step["ns"], "path ns");
    }

    if !doc["negative_caching"].is_null() {
        let caching = &doc["negative_caching"];
        expect_keys(
            caching,
            "negative_caching",
            &["seconds", "soa_minimum", "soa_ttl", "hint"],
        );
        assert!(caching["seconds"].is_u64());
        expect_string(&caching["hint"], "hint");
    }
    if !doc["ses_view"].is_null() {
        let view = &doc["ses_view"];
        expect_keys(
            view,
            "ses_view",
            &["dkim_status", "error_type", "matching", "summary"],
        );
        for code in expect_array(&view["matching"], "matching") {
            let code = expect_string(code, "matching code");
            assert!(codes.contains(&code.as_str()), "unknown code {code}");
        }
        expect_string(&view["summary"], "ses_view summary");
    }
    if let Some(trace) = doc.get("trace") {
        for query in expect_array(trace, "trace") {
            expect_keys(
                query,
                "query",
                &[
                    "zone", "server", "address", "name", "type", "result", "rcode", "rtt_ms",
                    "error",
                ],
            );
        }
    }
}

/// The exit code a report's verdict stands for (README): pass 0, fail 1, incomplete 3.
pub fn verdict_code(doc: &Value) -> i32 {
    match doc["verdict"].as_str() {
        Some("pass") => 0,
        Some("fail") => 1,
        Some("incomplete") => 3,
        other => panic!("verdict {other:?}"),
    }
}

/// The finding codes of a report.
pub fn codes(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .filter_map(|f| f["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `jobs` closures on a few threads at once (each run of the binary is its own process;
/// a handful at a time keeps a 2-core machine responsive) and returns their results in order.
pub fn parallel<T: Send + 'static>(
    jobs: Vec<Box<dyn FnOnce() -> T + Send>>,
    width: usize,
) -> Vec<T> {
    let jobs = std::sync::Mutex::new(jobs.into_iter().enumerate().collect::<Vec<_>>());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..width {
            scope.spawn(|| loop {
                let job = jobs.lock().unwrap().pop();
                let Some((index, job)) = job else { break };
                let result = job();
                results.lock().unwrap().push((index, result));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}

/// The command line a user would type for a lab scenario (`ses` or `selector`, `--json`),
/// followed by `servers`: the options that point it at a lab.
pub fn scenario_argv(scenario: &dns_lab::scenarios::Scenario, servers: &[String]) -> Vec<String> {
    let mut args = scenario.args();
    args.push("--json".into());
    args.extend_from_slice(servers);
    args
}

/// Runs every lab scenario's command against the lab that `servers` points at, and checks
/// each JSON report's shape, exit code and the finding codes the lab's table names.
pub fn assert_every_scenario_diagnosed(servers: &[String]) {
    use dns_lab::scenarios::SCENARIOS;
    let jobs: Vec<Box<dyn FnOnce() -> Run + Send>> = SCENARIOS
        .iter()
        .map(|scenario| {
            let args = scenario_argv(scenario, servers);
            Box::new(move || run_owned(&args)) as Box<dyn FnOnce() -> Run + Send>
        })
        .collect();
    for (result, scenario) in parallel(jobs, 3).into_iter().zip(SCENARIOS) {
        let id = scenario.id;
        let doc: Value = serde_json::from_str(&result.stdout).unwrap_or_else(|e| {
            panic!("{id}: not JSON ({e}): {} {}", result.stdout, result.stderr)
        });
        validate_check_json(&doc);
        assert_eq!(result.code, verdict_code(&doc), "{id}");
        let found = codes(&doc);
        for code in scenario.findings {
            assert!(
                found.iter().any(|c| c == code),
                "{id}: {code} not in {found:?}"
            );
        }
    }
}
