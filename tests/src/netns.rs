//! Network namespaces made by a test for itself, and the faults injected in them.
//!
//! A fresh namespace has one interface, `lo`, down: once it is up, 127.0.0.0/8 and `::1`
//! work as on the host, and nothing else is reachable, so a test inside cannot send a packet
//! off the machine whatever it does. Its iptables rules and sysctls are its own and vanish
//! with it.

use std::ffi::OsStr;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::process::{run_ok, Output};

/// Set to `1` (as `cargo xtask test` does) to make a test fail, instead of skip, when it
/// cannot create a network namespace.
pub const REQUIRE_ENV: &str = "DKIM_DOCTOR_REQUIRE_NETNS";

/// Every name this harness gives a namespace starts with this, then the creating process's id.
const PREFIX: &str = "dkdr-";

/// The iptables comments that mark the counting rules of [`Namespace::count_sent`].
const COUNT_UDP: &str = "dkdr-count-udp";
const COUNT_TCP: &str = "dkdr-count-tcp";

/// Packets sent to a port, counted by [`Namespace::count_sent`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// UDP datagrams (queries and their retransmissions).
    pub udp: u64,
    /// TCP SYNs (connection attempts and the kernel's retransmissions of them).
    pub tcp_syn: u64,
}

/// Bound for one `ip`, `iptables` or `sysctl` command.
const COMMAND_LIMIT: Duration = Duration::from_secs(20);

/// A network namespace, deleted when dropped. Processes started in it with
/// [`Namespace::command`] must be ended before (the guards of this crate that start them do,
/// and are declared after the namespace so they drop first).
#[derive(Debug)]
pub struct Namespace {
    name: String,
}

/// A fault on the traffic to and from one port, made with iptables inside a namespace.
///
/// A packet on loopback passes the OUTPUT chain once (when sent) and the INPUT chain once
/// (when received). A DROP or REJECT in OUTPUT is reported to the sending process at once
/// (`sendto` fails with EPERM), as a local firewall does; the same rule in INPUT acts after the
/// packet has left, as a loss or a firewall on the way does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Each packet to or from the port (UDP and TCP, queries and answers alike) is silently
    /// lost with this probability, in percent.
    Loss(u8),
    /// A local firewall rejects what is sent to the port: UDP sends fail with EPERM, TCP
    /// connections are reset.
    RejectLocally,
    /// What is sent to the port is answered with ICMP port unreachable (TCP: a reset), as a
    /// firewall on the way that rejects does.
    RejectOnTheWay,
    /// A local firewall drops what is sent to the port: UDP sends fail with EPERM, TCP SYNs
    /// vanish.
    DropLocally,
    /// What is sent to the port vanishes on the way: no answer, no error, only timeouts.
    DropSilently,
    /// What is sent to the port of this one address vanishes: that server never answers,
    /// the others do.
    SilenceServer(Ipv4Addr),
}

impl Fault {
    /// The iptables rules (arguments after `iptables`) that make this fault for `port`.
    pub fn rules(self, port: u16) -> Vec<Vec<String>> {
        let port = port.to_string();
        let rule = |chain: &str, proto: &str, dir: &str, tail: &[&str]| {
            let mut rule: Vec<String> = ["-A", chain, "-p", proto, dir, &port]
                .iter()
                .map(|s| s.to_string())
                .collect();
            rule.extend(tail.iter().map(|s| s.to_string()));
            rule
        };
        let mut rules = Vec::new();
        match self {
            Fault::Loss(0) => {}
            Fault::Loss(percent) => {
                let probability = format!("{:.2}", f64::from(percent.min(100)) / 100.0);
                let tail = [
                    "-m",
                    "statistic",
                    "--mode",
                    "random",
                    "--probability",
                    &probability,
                    "-j",
                    "DROP",
                ];
                for proto in ["udp", "tcp"] {
                    // Queries to the port, answers from it: each loses `percent` once.
                    for dir in ["--dport", "--sport"] {
                        rules.push(rule("INPUT", proto, dir, &tail));
                    }
                }
            }
            Fault::RejectLocally | Fault::RejectOnTheWay => {
                let chain = if self == Fault::RejectLocally {
                    "OUTPUT"
                } else {
                    "INPUT"
                };
                rules.push(rule(chain, "udp", "--dport", &["-j", "REJECT"]));
                rules.push(rule(
                    chain,
                    "tcp",
                    "--dport",
                    &["-j", "REJECT", "--reject-with", "tcp-reset"],
                ));
            }
            Fault::SilenceServer(addr) => {
                for proto in ["udp", "tcp"] {
                    let mut silenced = rule("INPUT", proto, "--dport", &["-j", "DROP"]);
                    silenced.splice(2..2, ["-d".to_string(), addr.to_string()]);
                    rules.push(silenced);
                }
            }
            Fault::DropLocally | Fault::DropSilently => {
                let chain = if self == Fault::DropLocally {
                    "OUTPUT"
                } else {
                    "INPUT"
                };
                for proto in ["udp", "tcp"] {
                    rules.push(rule(chain, proto, "--dport", &["-j", "DROP"]));
                }
            }
        }
        rules
    }
}

impl Namespace {
    /// Creates a namespace for `purpose` (a short word that ends up in its name) with `lo` up
    /// and iptables usable in it; or says in one sentence why it cannot (not root, `ip` or
    /// `iptables` missing, namespaces not allowed here).
    pub fn create(purpose: &str) -> Result<Namespace, String> {
        if !is_root() {
            return Err("not running as root (creating network namespaces needs it)".into());
        }
        for tool in ["ip", "iptables", "sysctl"] {
            if !on_path(tool) {
                return Err(format!("`{tool}` is not installed"));
            }
        }
        remove_stale();
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let purpose: String = purpose
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(24)
            .collect();
        let name = format!(
            "{PREFIX}{}-{}-{purpose}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        run_ok(
            Command::new("ip").args(["netns", "add", &name]),
            COMMAND_LIMIT,
        )
        .map_err(|e| format!("cannot create a network namespace: {e}"))?;
        // From here on, dropping `namespace` deletes it whatever fails next.
        let namespace = Namespace { name };
        namespace.run(&["ip", "link", "set", "lo", "up"])?;
        namespace
            .run(&["iptables", "-S"])
            .map_err(|e| format!("iptables does not work in a namespace here: {e}"))?;
        Ok(namespace)
    }

    /// The namespace's name (`ip netns exec NAME ...`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A command that runs `program` inside the namespace.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name]).arg(program);
        command
    }

    /// Runs `args` inside the namespace, bounded; an error unless it exits 0.
    pub fn run(&self, args: &[&str]) -> Result<Output, String> {
        let (program, rest) = args.split_first().ok_or("no command")?;
        run_ok(self.command(program).args(rest), COMMAND_LIMIT)
    }

    /// Adds the iptables rules of `fault` on `port`.
    pub fn inject(&self, fault: Fault, port: u16) -> Result<(), String> {
        for rule in fault.rules(port) {
            let mut args = vec!["iptables"];
            args.extend(rule.iter().map(String::as_str));
            self.run(&args)?;
        }
        Ok(())
    }

    /// Counts, from now on, what is sent to `port`: UDP datagrams and TCP SYNs (the kernel's
    /// SYN retransmissions included), in OUTPUT, so packets a fault drops later are counted too.
    /// [`Namespace::clear_faults`] removes the counters as well.
    pub fn count_sent(&self, port: u16) -> Result<(), String> {
        let port = port.to_string();
        let udp = [
            "-p",
            "udp",
            "--dport",
            &port,
            "-m",
            "comment",
            "--comment",
            COUNT_UDP,
        ];
        let tcp = [
            "-p",
            "tcp",
            "--dport",
            &port,
            "--syn",
            "-m",
            "comment",
            "--comment",
            COUNT_TCP,
        ];
        for rule in [&udp[..], &tcp[..]] {
            let mut args = vec!["iptables", "-A", "OUTPUT"];
            args.extend_from_slice(rule);
            self.run(&args)?;
        }
        Ok(())
    }

    /// What the counters of [`Namespace::count_sent`] hold, and sets them back to zero.
    pub fn take_sent(&self) -> Result<Sent, String> {
        let rules = self.run(&["iptables", "-S", "OUTPUT", "-v"])?.stdout;
        self.run(&["iptables", "-Z", "OUTPUT"])?;
        let packets = |comment: &str| {
            rules
                .lines()
                .filter(|line| line.contains(comment))
                .filter_map(|line| {
                    line.split(" -c ")
                        .nth(1)?
                        .split_whitespace()
                        .next()?
                        .parse::<u64>()
                        .ok()
                })
                .sum::<u64>()
        };
        Ok(Sent {
            udp: packets(COUNT_UDP),
            tcp_syn: packets(COUNT_TCP),
        })
    }

    /// Removes every fault injected so far.
    pub fn clear_faults(&self) -> Result<(), String> {
        self.run(&["iptables", "-F", "INPUT"])?;
        self.run(&["iptables", "-F", "OUTPUT"])?;
        Ok(())
    }

    /// Puts `addr` on `lo` (IPv6 without duplicate address detection, so it is usable at once).
    pub fn add_address(&self, addr: IpAddr) -> Result<(), String> {
        let prefixed = with_host_prefix(addr);
        match addr {
            IpAddr::V4(_) => self.run(&["ip", "addr", "add", &prefixed, "dev", "lo"]),
            IpAddr::V6(_) => self.run(&["ip", "addr", "add", &prefixed, "dev", "lo", "nodad"]),
        }
        .map(drop)
    }

    /// Takes `addr` off `lo` again: sending to it then fails with "network unreachable".
    pub fn remove_address(&self, addr: IpAddr) -> Result<(), String> {
        self.run(&["ip", "addr", "del", &with_host_prefix(addr), "dev", "lo"])
            .map(drop)
    }

    /// Turns IPv6 off on `lo`: `::1` and every other IPv6 address go away, and sending to one
    /// fails with "cannot assign requested address".
    pub fn disable_ipv6(&self) -> Result<(), String> {
        self.run(&["sysctl", "-qw", "net.ipv6.conf.lo.disable_ipv6=1"])
            .map(drop)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let deleted = run_ok(
            Command::new("ip").args(["netns", "del", &self.name]),
            COMMAND_LIMIT,
        );
        if let Err(e) = deleted {
            let _ = writeln!(
                std::io::stderr(),
                "could not delete network namespace {}: {e}",
                self.name
            );
        }
    }
}

/// A namespace for the test `test`, or `None` after printing why the test is skipped. With
/// [`REQUIRE_ENV`]=1, a namespace that cannot be made fails the test instead.
pub fn namespace_or_skip(test: &str) -> Option<Namespace> {
    match Namespace::create(test) {
        Ok(namespace) => Some(namespace),
        Err(why) if required() => {
            panic!("{test}: network namespace tests are required ({REQUIRE_ENV}=1), but {why}")
        }
        Err(why) => {
            // Straight to the process's stderr: the test harness captures `eprintln!` of a
            // passing test, and a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: {why}; set {REQUIRE_ENV}=1 to make this a failure"
            );
            None
        }
    }
}

/// Whether namespace tests must run rather than skip.
pub fn required() -> bool {
    std::env::var_os(REQUIRE_ENV).is_some_and(|v| v == "1")
}

fn with_host_prefix(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(a) => format!("{a}/32"),
        IpAddr::V6(a) => format!("{a}/128"),
    }
}

/// Whether the effective user is root (from /proc, so no libc call is needed).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
            .unwrap_or(false)
    })
}

/// Whether `tool` is on PATH or in the sbin directories (not on every user's PATH).
fn on_path(tool: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].iter().map(Into::into))
        .any(|dir| Path::new(&dir).join(tool).is_file())
}

/// Deletes namespaces this harness left behind in runs that were killed before their guards
/// dropped: ours by prefix, left behind when the process id in the name no longer runs.
fn remove_stale() {
    let Ok(entries) = std::fs::read_dir("/run/netns") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = run_ok(
                Command::new("ip").args(["netns", "del", &name]),
                COMMAND_LIMIT,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_drops_each_way_once_in_input() {
        let rules = Fault::Loss(20).rules(5353);
        assert_eq!(rules.len(), 4);
        for rule in &rules {
            assert_eq!(rule[1], "INPUT");
            assert!(rule.contains(&"0.20".to_string()), "{rule:?}");
            assert!(rule.contains(&"5353".to_string()));
        }
        assert!(Fault::Loss(0).rules(53).is_empty());
    }

    #[test]
    fn local_faults_are_in_output_and_the_others_in_input() {
        for (fault, chain) in [
            (Fault::RejectLocally, "OUTPUT"),
            (Fault::DropLocally, "OUTPUT"),
            (Fault::RejectOnTheWay, "INPUT"),
            (Fault::DropSilently, "INPUT"),
        ] {
            let rules = fault.rules(53);
            assert_eq!(rules.len(), 2);
            assert!(rules.iter().all(|r| r[1] == chain), "{fault:?}: {rules:?}");
        }
    }

    #[test]
    fn a_silenced_server_is_one_address() {
        let rules = Fault::SilenceServer(Ipv4Addr::new(127, 53, 10, 2)).rules(53);
        assert_eq!(rules.len(), 2);
        assert_eq!(
            rules[0].join(" "),
            "-A INPUT -d 127.53.10.2 -p udp --dport 53 -j DROP"
        );
    }

    #[test]
    fn host_prefixes() {
        assert_eq!(
            with_host_prefix("127.53.0.1".parse().unwrap()),
            "127.53.0.1/32"
        );
        assert_eq!(with_host_prefix("fd53::1".parse().unwrap()), "fd53::1/128");
    }
}
