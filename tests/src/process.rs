//! Running a command with a time bound: a hung child is killed, never waited for forever.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a running child is polled.
const POLL: Duration = Duration::from_millis(5);

/// What a finished command produced.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit code (-1 when a signal ended it).
    pub code: i32,
    /// Everything it wrote to stdout.
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// From spawn to exit.
    pub elapsed: Duration,
    /// The highest resident set size the kernel reported for the process (`VmHWM`, in KiB),
    /// sampled while waiting for it: its peak memory, missing at most what it grew in its
    /// last few milliseconds. `None` where /proc does not say.
    pub peak_rss_kib: Option<u64>,
}

/// Runs `command` (stdin closed, stdout and stderr captured) and waits at most `limit`; a
/// command still running then is killed and reported as an error.
pub fn run_bounded(command: &mut Command, limit: Duration) -> Result<Output, String> {
    let described = format!("{command:?}");
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {described}: {e}"))?;
    // Both pipes are drained on threads so a full pipe never blocks the child.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let mut peak_rss_kib = None;
    let status = wait_bounded_sampling(&mut child, limit, |pid| {
        if let Some(kib) = high_water_mark(pid) {
            peak_rss_kib = Some(peak_rss_kib.unwrap_or(0).max(kib));
        }
    });
    let elapsed = started.elapsed();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status {
        Some(status) => Ok(Output {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
            elapsed,
            peak_rss_kib,
        }),
        None => Err(format!(
            "{described} ran longer than {limit:?} and was killed; stderr: {stderr}"
        )),
    }
}

/// Like [`run_bounded`], and an error unless the command exits 0.
pub fn run_ok(command: &mut Command, limit: Duration) -> Result<Output, String> {
    let described = format!("{command:?}");
    let output = run_bounded(command, limit)?;
    if output.code == 0 {
        Ok(output)
    } else {
        Err(format!(
            "{described} exited with {}: {}",
            output.code,
            output.stderr.trim()
        ))
    }
}

/// Waits for `child` at most `limit`; kills it (and reaps it) if it is still running then.
pub fn wait_bounded(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    wait_bounded_sampling(child, limit, |_| {})
}

/// [`wait_bounded`], calling `sample` with the child's pid at every poll while it runs.
fn wait_bounded_sampling(
    child: &mut Child,
    limit: Duration,
    mut sample: impl FnMut(u32),
) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if started.elapsed() < limit => {
                sample(child.id());
                std::thread::sleep(POLL);
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// `VmHWM` of process `pid` in KiB: the peak resident set size so far.
fn high_water_mark(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            text = String::from_utf8_lossy(&bytes).into_owned();
        }
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hung_command_is_killed_at_the_bound() {
        let started = Instant::now();
        let result = run_bounded(Command::new("sleep").arg("30"), Duration::from_millis(200));
        assert!(result.unwrap_err().contains("was killed"));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn output_and_code_are_kept() {
        let output = run_bounded(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(output.code, 3);
        assert_eq!(output.stdout, "out\n");
        assert_eq!(output.stderr, "err\n");
        // A process that holds 64 MiB for a moment shows it in its peak.
        let big = run_bounded(
            Command::new("sh").args([
                "-c",
                "x=$(head -c 67108864 /dev/zero | tr '\\0' a); sleep 0.2",
            ]),
            Duration::from_secs(30),
        )
        .unwrap();
        let kib = big.peak_rss_kib.expect("VmHWM from /proc");
        assert!(kib > 64 * 1024, "{kib} KiB");
        assert!(run_ok(Command::new("false").arg("x"), Duration::from_secs(10)).is_err());
    }
}
