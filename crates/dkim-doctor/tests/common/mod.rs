//! Shared test harness: the in-process lab on a background runtime, and the binary run with a
//! time bound.

#![allow(dead_code)]

use std::io::Read;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Longest any single run of the binary may take before the test fails.
pub const RUN_BOUND: Duration = Duration::from_secs(60);

/// A lab served by a runtime of its own, kept for the whole test binary.
pub struct Lab {
    pub roots: Vec<IpAddr>,
    pub port: u16,
}

impl Lab {
    /// The `--roots ... --port ...` arguments pointing at this lab.
    pub fn args(&self) -> Vec<String> {
        let roots: Vec<String> = self.roots.iter().map(IpAddr::to_string).collect();
        vec![
            "--roots".into(),
            roots.join(","),
            "--port".into(),
            self.port.to_string(),
            "-4".into(),
            "--timeout".into(),
            "300ms".into(),
        ]
    }
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

/// Runs `dkim-doctor` with extra environment variables and optional stdin.
pub fn run_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"));
    command
        .args(args)
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
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > RUN_BOUND {
            let _ = child.kill();
            panic!("dkim-doctor {args:?} ran longer than {RUN_BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out_thread.join().expect("stdout thread"),
        stderr: err_thread.join().expect("stderr thread"),
    }
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
