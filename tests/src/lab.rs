//! The lab's servers in a process of their own (the `lab-server` binary of this crate), so they
//! can run inside a network namespace next to the dkim-doctor under test.
//!
//! Protocol: `lab-server NETWORK` serves the network on a free port of its addresses and prints
//! one line, `ready port=N roots=ADDR,ADDR...` (every address of every root server, IPv4 and
//! IPv6), then serves until its stdin is closed, so it ends with the test that started it even
//! when that test is killed.

use std::io::{BufRead, BufReader, Read};
use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use dns_lab::fixtures::{dual_stack_network, fanout_network};
use dns_lab::internet::miniature_internet;
use dns_lab::Network;

use crate::netns::Namespace;
use crate::process::wait_bounded;

/// How long the servers may take to bind and say they are ready.
pub const START_LIMIT: Duration = Duration::from_secs(30);

/// How many NS names the fan-out networks' referral lists.
pub const FANOUT_NAMES: usize = 2000;

/// The networks `lab-server` can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabNetwork {
    /// The miniature internet of every scenario ([`dns_lab::scenarios::SCENARIOS`]).
    Demo,
    /// [`dns_lab::fixtures::dual_stack_network`]: needs its IPv6 addresses on `lo`.
    DualStack,
    /// [`dns_lab::fixtures::fanout_network`] with [`FANOUT_NAMES`] names, third party alive.
    Fanout,
    /// The same with the third party's server unreachable: no NS name resolves.
    FanoutDead,
}

impl LabNetwork {
    /// Every network, for the usage text.
    pub const ALL: [LabNetwork; 4] = [
        LabNetwork::Demo,
        LabNetwork::DualStack,
        LabNetwork::Fanout,
        LabNetwork::FanoutDead,
    ];

    /// The name on `lab-server`'s command line.
    pub fn name(self) -> &'static str {
        match self {
            LabNetwork::Demo => "demo",
            LabNetwork::DualStack => "dual-stack",
            LabNetwork::Fanout => "fanout",
            LabNetwork::FanoutDead => "fanout-dead",
        }
    }

    /// The network called `name`.
    pub fn from_name(name: &str) -> Option<LabNetwork> {
        LabNetwork::ALL.into_iter().find(|n| n.name() == name)
    }

    /// Its description.
    pub fn build(self) -> Network {
        match self {
            LabNetwork::Demo => miniature_internet(),
            LabNetwork::DualStack => dual_stack_network(),
            LabNetwork::Fanout => fanout_network(FANOUT_NAMES, true),
            LabNetwork::FanoutDead => fanout_network(FANOUT_NAMES, false),
        }
    }
}

/// The line `lab-server` prints once it serves.
pub fn ready_line(port: u16, roots: &[IpAddr]) -> String {
    let roots: Vec<String> = roots.iter().map(IpAddr::to_string).collect();
    format!("ready port={port} roots={}", roots.join(","))
}

fn parse_ready_line(line: &str) -> Option<(u16, Vec<IpAddr>)> {
    let rest = line.trim().strip_prefix("ready port=")?;
    let (port, roots) = rest.split_once(" roots=")?;
    let roots = roots
        .split(',')
        .map(str::parse)
        .collect::<Result<Vec<IpAddr>, _>>()
        .ok()?;
    Some((port.parse().ok()?, roots))
}

/// A running `lab-server`, killed when dropped.
#[derive(Debug)]
pub struct LabProcess {
    child: Child,
    /// The lab root's trust anchor, written for the checks (removed on drop), when the
    /// network is the signed miniature internet.
    anchor: Option<std::path::PathBuf>,
    /// `--trust-anchor` (that file) and `--validation-time`, written once at the start; empty
    /// for an unsigned network.
    dnssec_args: Vec<String>,
    /// Every address of every root server.
    pub roots: Vec<IpAddr>,
    /// The port every server listens on.
    pub port: u16,
}

/// Lab processes started by this process, for unique anchor file names.
static LAB_PROCESSES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl LabProcess {
    /// Starts `binary` (the `lab-server` executable) serving `network`, inside `namespace` when
    /// given, and waits until it is ready.
    pub fn start(
        binary: &Path,
        network: LabNetwork,
        namespace: Option<&Namespace>,
    ) -> Result<LabProcess, String> {
        let mut command = match namespace {
            Some(namespace) => namespace.command(binary),
            None => Command::new(binary),
        };
        command
            .arg(network.name())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let stderr = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text);
                if let Ok(mut all) = stderr.lock() {
                    all.push_str(&text);
                }
            });
        }
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next();
            let _ = sender.send(first);
            // Keep reading so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let mut process = LabProcess {
            child,
            // The fixture networks are unsigned: no anchor, DNSSEC not checked.
            anchor: matches!(network, LabNetwork::Demo).then(|| {
                std::env::temp_dir().join(format!(
                    "dkim-doctor-lab-anchor-{}-{}.ds",
                    std::process::id(),
                    LAB_PROCESSES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                ))
            }),
            dnssec_args: Vec::new(),
            roots: Vec::new(),
            port: 0,
        };
        if let Some(anchor) = &process.anchor {
            process.dnssec_args = dns_lab::signing::check_options(anchor)
                .map_err(|e| format!("{}: {e}", anchor.display()))?;
        }
        let line = match receiver.recv_timeout(START_LIMIT) {
            Ok(Some(Ok(line))) => line,
            _ => {
                // Let the stderr thread catch the server's last words.
                let _ = wait_bounded(&mut process.child, Duration::from_secs(2));
                let why = stderr.lock().map(|s| s.clone()).unwrap_or_default();
                return Err(format!(
                    "lab-server {} did not become ready within {START_LIMIT:?}: {}",
                    network.name(),
                    why.trim()
                ));
            }
        };
        let (port, roots) = parse_ready_line(&line)
            .ok_or_else(|| format!("lab-server said {line:?}, not a ready line"))?;
        process.port = port;
        process.roots = roots;
        Ok(process)
    }

    /// The `--roots ADDR,... --port N` arguments that point dkim-doctor at this lab, using
    /// the root addresses `keep` accepts, with the lab's trust anchor and time when its zones
    /// are signed (the miniature internet).
    pub fn args_where(&self, keep: impl Fn(&IpAddr) -> bool) -> Vec<String> {
        let roots: Vec<String> = self
            .roots
            .iter()
            .filter(|a| keep(a))
            .map(IpAddr::to_string)
            .collect();
        let mut args = vec![
            "--roots".into(),
            roots.join(","),
            "--port".into(),
            self.port.to_string(),
        ];
        args.extend(self.dnssec_args.iter().cloned());
        args
    }

    /// The `--roots ... --port N` arguments with every root address.
    pub fn args(&self) -> Vec<String> {
        self.args_where(|_| true)
    }
}

impl Drop for LabProcess {
    fn drop(&mut self) {
        if let Some(anchor) = &self.anchor {
            let _ = std::fs::remove_file(anchor);
        }
        let _ = self.child.kill();
        let _ = wait_bounded(&mut self.child, Duration::from_secs(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_line_round_trips() {
        let roots: Vec<IpAddr> = vec!["127.53.0.1".parse().unwrap(), "fd53::1".parse().unwrap()];
        let line = ready_line(5353, &roots);
        assert_eq!(line, "ready port=5353 roots=127.53.0.1,fd53::1");
        assert_eq!(parse_ready_line(&line), Some((5353, roots)));
        assert_eq!(parse_ready_line("cannot bind"), None);
    }

    #[test]
    fn every_network_has_a_name_and_is_valid() {
        for network in LabNetwork::ALL {
            assert_eq!(LabNetwork::from_name(network.name()), Some(network));
            network.build().validate().unwrap();
        }
    }
}
