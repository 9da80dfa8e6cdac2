//! Unbound configured to validate the lab (no I/O here; the tests write the files and start
//! `unbound`): the lab's trust anchor ([`crate::signing::trust_anchor`]), the lab's time
//! (`val-override-date`, so the fixed signature windows mean the same on every run), the
//! reason of each validation failure logged (`val-log-level: 2`) and answered as an extended
//! DNS error (`ede: yes`), loopback servers allowed (`do-not-query-localhost: no`).
//!
//! The root is a stub zone at the lab's root servers. Unbound has no destination port other
//! than the one in a stub's address, so for a lab on another port than 53 (the in-process
//! servers, which all listen on one port they picked) every lab zone is a stub at its servers
//! on that port, each stub what the parent's delegation says; Unbound still asks the DS of a
//! stub zone of the parent's servers, so the chain of trust is its own.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::network::Network;
use crate::signing::{trust_anchor, LAB_NOW};

/// The anchor file, relative to the directory.
pub const ANCHOR_FILE: &str = "lab-anchor.txt";
/// The configuration file, relative to the directory.
pub const CONF_FILE: &str = "unbound.conf";

/// Everything to write before starting `unbound -d -c <dir>/unbound.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnboundLab {
    /// `unbound.conf`.
    pub conf: String,
    /// Files it reads: path relative to the directory, content.
    pub files: Vec<(PathBuf, String)>,
}

/// Unbound in `dir` (absolute), listening on `listen`, resolving `network` whose servers
/// listen on `lab_port`.
pub fn render(network: &Network, dir: &Path, listen: SocketAddr, lab_port: u16) -> UnboundLab {
    let anchor = dir.join(ANCHOR_FILE);
    let mut conf = format!(
        r#"# Unbound validating the dkim-doctor lab, rendered by dns-lab. Do not edit.
server:
    interface: {ip}
    port: {port}
    do-ip6: no
    do-daemonize: no
    chroot: ""
    username: ""
    directory: "{dir}"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    so-reuseport: no
    access-control: 127.0.0.0/8 allow
    module-config: "validator iterator"
    trust-anchor-file: "{anchor}"
    val-override-date: "{date}"
    val-log-level: 2
    ede: yes
    do-not-query-localhost: no
remote-control:
    control-enable: no
"#,
        ip = listen.ip(),
        port = listen.port(),
        dir = dir.display(),
        anchor = anchor.display(),
        date = dns_wire::rrsig_time(LAB_NOW),
    );
    for origin in network.origins() {
        if !origin.is_root() && lab_port == 53 {
            continue;
        }
        let servers = network.servers_of(&origin);
        if servers.is_empty() {
            continue;
        }
        conf.push_str(&format!("stub-zone:\n    name: \"{origin}\"\n"));
        for addr in servers {
            conf.push_str(&format!("    stub-addr: {addr}@{lab_port}\n"));
        }
    }
    UnboundLab {
        conf,
        files: vec![(PathBuf::from(ANCHOR_FILE), trust_anchor() + "\n")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::internet::miniature_internet;

    #[test]
    fn the_lab_time_anchor_and_stubs_are_configured() {
        let net = miniature_internet();
        let listen: SocketAddr = "127.0.0.1:5399".parse().unwrap();
        let on_53 = render(&net, Path::new("/tmp/u"), listen, 53);
        assert!(on_53.conf.contains("val-override-date: \"20261201000000\""));
        assert!(on_53
            .conf
            .contains("trust-anchor-file: \"/tmp/u/lab-anchor.txt\""));
        assert!(on_53
            .conf
            .contains("interface: 127.0.0.1\n    port: 5399\n"));
        // On port 53 the root is enough: referrals lead everywhere else.
        assert_eq!(on_53.conf.matches("stub-zone:").count(), 1);
        assert!(on_53.conf.contains("stub-addr: 127.53.0.1@53"));
        // Elsewhere every zone is a stub on that port.
        let elsewhere = render(&net, Path::new("/tmp/u"), listen, 40123);
        assert_eq!(
            elsewhere.conf.matches("stub-zone:").count(),
            net.origins().len()
        );
        assert!(elsewhere
            .conf
            .contains("name: \"com.\"\n    stub-addr: 127.53.1.1@40123"));
        assert_eq!(on_53.files[0].1, trust_anchor() + "\n");
    }
}
