//! `cargo xtask lab up|down|status`: the BIND lab (see `dns_lab::bind` for its design).
//!
//! `up` installs `bind9` and `bind9-dnsutils` if `named` or `dig` is missing, adds every lab
//! address to `lo` as a /32 (BIND only listens on addresses that exist), renders `named.conf`
//! and the zone files from `dns_lab::internet::miniature_internet()` into `target/lab/`,
//! checks them with `named-checkconf -z`, starts one `named` on port 53 and waits until every
//! server answers `dig +norec`. `down` stops that `named` (by its pid file) and removes the
//! addresses. `status` says whether every server answers. Needs root (for `ip addr` and port 53).

use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use dns_lab::bind::{self, BindLab, CONF_FILE, LAB_DIR, NAMED_LOG, PID_FILE, QUERY_LOG};
use dns_lab::internet::miniature_internet;
use dns_lab::Behaviour;

/// How long `up` waits for every server to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `down` waits for `named` to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

type Result<T> = std::result::Result<T, String>;

/// Runs `lab <args>`.
pub fn run(args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("up") => up(),
        Some("down") => down(),
        Some("status") => status(),
        _ => Err("usage: cargo xtask lab up|down|status".to_string()),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn lab_dir() -> PathBuf {
    workspace_root().join(LAB_DIR)
}

fn exec(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "{shown} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
        || Path::new("/usr/sbin").join(program).exists()
}

fn ensure_packages() -> Result<()> {
    if have("named") && have("dig") && have("named-checkconf") {
        return Ok(());
    }
    eprintln!("xtask lab: installing bind9 and bind9-dnsutils with apt-get");
    exec(Command::new("apt-get").arg("update").arg("-q"))?;
    // Debian would start its own named (all addresses, port 53) on install; a policy-rc.d that
    // answers 101 ("action forbidden") stops that, as in Docker images. Only ours is removed.
    let policy = Path::new("/usr/sbin/policy-rc.d");
    let ours = !policy.exists();
    if ours {
        fs::write(policy, "#!/bin/sh\nexit 101\n")
            .map_err(|e| format!("cannot write {}: {e}", policy.display()))?;
        exec(Command::new("chmod").arg("755").arg(policy))?;
    }
    let installed = exec(
        Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(["bind9", "bind9-dnsutils"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    );
    if ours {
        let _ = fs::remove_file(policy);
    }
    installed.map(|_| ())
}

fn lo_addresses() -> Result<Vec<Ipv4Addr>> {
    let out = exec(Command::new("ip").args(["-4", "-o", "addr", "show", "dev", "lo"]))?;
    Ok(out
        .split_whitespace()
        .filter_map(|w| w.split_once('/').and_then(|(a, _)| a.parse().ok()))
        .collect())
}

fn add_addresses(addrs: &[Ipv4Addr]) -> Result<()> {
    let present = lo_addresses()?;
    for addr in addrs.iter().filter(|a| !present.contains(a)) {
        exec(Command::new("ip").args(["addr", "add", &format!("{addr}/32"), "dev", "lo"]))?;
    }
    Ok(())
}

fn remove_addresses(addrs: &[Ipv4Addr]) -> Result<()> {
    let present = lo_addresses()?;
    for addr in addrs.iter().filter(|a| present.contains(a)) {
        exec(Command::new("ip").args(["addr", "del", &format!("{addr}/32"), "dev", "lo"]))?;
    }
    Ok(())
}

fn render() -> Result<BindLab> {
    bind::render(&miniature_internet(), &lab_dir(), 53).map_err(|e| e.to_string())
}

/// Whether this checkout's lab `named` is running.
pub fn is_running() -> bool {
    running_pid().is_some()
}

fn running_pid() -> Option<u32> {
    let pid: u32 = fs::read_to_string(lab_dir().join(PID_FILE))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let conf = lab_dir().join(CONF_FILE);
    (String::from_utf8_lossy(&cmdline).contains(&*conf.to_string_lossy()) && process_alive(pid))
        .then_some(pid)
}

/// Another checkout's lab `named` (one per machine can own port 53 on the lab addresses): its
/// pid and configuration file.
fn foreign_lab() -> Option<(u32, String)> {
    let ours = lab_dir().join(CONF_FILE);
    let ours = ours.to_string_lossy();
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_named = args.first().is_some_and(|a| a.ends_with("named"));
        let conf = args.windows(2).find(|w| w[0] == "-c").map(|w| w[1].clone());
        if let (true, Some(conf)) = (is_named, conf) {
            if conf.ends_with(&format!("{LAB_DIR}/{CONF_FILE}")) && conf != ours {
                return Some((pid, conf));
            }
        }
    }
    None
}

fn write_files(lab: &BindLab) -> Result<()> {
    let dir = lab_dir();
    let zones = dir.join("zones");
    if zones.exists() {
        fs::remove_dir_all(&zones).map_err(|e| format!("cannot clear {}: {e}", zones.display()))?;
    }
    for (path, text) in &lab.zone_files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let conf = dir.join(CONF_FILE);
    fs::write(&conf, &lab.named_conf)
        .map_err(|e| format!("cannot write {}: {e}", conf.display()))?;
    for log in [QUERY_LOG, NAMED_LOG] {
        let path = dir.join(log);
        fs::write(&path, "").map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Asks `addr` for `zone SOA` with `dig +norec`; the status word (NOERROR, REFUSED...) if it
/// answered.
fn dig_status(addr: Ipv4Addr, zone: &str) -> Option<String> {
    let output = Command::new("dig")
        .args([
            "+norec",
            "+time=1",
            "+tries=1",
            &format!("@{addr}"),
            zone,
            "SOA",
        ])
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let status = text.split("status: ").nth(1)?.split(',').next()?;
    Some(status.to_string())
}

/// For each listening server: the zone to ask for and the status that proves it is up.
fn readiness_checks() -> Vec<(Ipv4Addr, String, &'static str)> {
    let network = miniature_internet();
    network
        .servers
        .iter()
        .filter_map(|server| match server.behaviour {
            Behaviour::Authoritative => {
                let zone = network.zones_of(server.addr).first()?.origin.to_string();
                Some((server.addr, zone, "NOERROR"))
            }
            Behaviour::Refuse => Some((server.addr, ".".to_string(), "REFUSED")),
            _ => None,
        })
        .collect()
}

fn not_ready() -> Vec<String> {
    readiness_checks()
        .into_iter()
        .filter_map(|(addr, zone, want)| {
            let got = dig_status(addr, &zone);
            (got.as_deref() != Some(want)).then(|| {
                format!(
                    "{addr} ({zone} SOA: {})",
                    got.unwrap_or_else(|| "no answer".to_string())
                )
            })
        })
        .collect()
}

fn up() -> Result<()> {
    ensure_packages()?;
    if running_pid().is_some() {
        eprintln!("xtask lab: a lab named is already running; restarting it");
        down()?;
    }
    if let Some((pid, conf)) = foreign_lab() {
        return Err(format!(
            "another checkout's lab holds the lab addresses (named pid {pid}, {conf}); \
             run `cargo xtask lab down` in that checkout first"
        ));
    }
    let lab = render()?;
    add_addresses(&lab.listen)?;
    let dir = lab_dir();
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    write_files(&lab)?;
    let conf = dir.join(CONF_FILE);
    exec(Command::new("named-checkconf").arg("-z").arg(&conf))?;
    exec(Command::new("named").arg("-c").arg(&conf))
        .map_err(|e| format!("{e}\nsee {}", dir.join(NAMED_LOG).display()))?;
    let started = Instant::now();
    loop {
        let missing = not_ready();
        if missing.is_empty() {
            break;
        }
        if started.elapsed() > READY_TIMEOUT {
            return Err(format!(
                "named started but these servers do not answer after {READY_TIMEOUT:?}: {}; see {}",
                missing.join(", "),
                dir.join(NAMED_LOG).display()
            ));
        }
        sleep(Duration::from_millis(250));
    }
    println!(
        "lab is up: {} servers on port 53 ({} views), query log {}",
        lab.listen.len(),
        lab.listen.len(),
        dir.join(QUERY_LOG).display()
    );
    Ok(())
}

/// Whether `pid` is a live process (a zombie waiting to be reaped has exited).
fn process_alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // Format: "pid (comm) state ..."; comm may hold spaces, the state follows the last ')'.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

fn down() -> Result<()> {
    if let Some(pid) = running_pid() {
        exec(Command::new("kill").arg("-TERM").arg(pid.to_string()))?;
        let started = Instant::now();
        while process_alive(pid) {
            if started.elapsed() > STOP_TIMEOUT {
                return Err(format!(
                    "named (pid {pid}) did not exit within {STOP_TIMEOUT:?}"
                ));
            }
            sleep(Duration::from_millis(100));
        }
    }
    let lab = render()?;
    remove_addresses(&lab.listen)?;
    let _ = fs::remove_file(lab_dir().join(PID_FILE));
    println!("lab is down");
    Ok(())
}

fn status() -> Result<()> {
    let Some(pid) = running_pid() else {
        let other = foreign_lab()
            .map(|(pid, conf)| format!(" (another checkout's lab is: named pid {pid}, {conf})"))
            .unwrap_or_default();
        return Err(format!(
            "lab is not up: no named from this checkout's {LAB_DIR} is running{other}"
        ));
    };
    let missing = not_ready();
    if !missing.is_empty() {
        return Err(format!(
            "named (pid {pid}) is running but these servers do not answer: {}",
            missing.join(", ")
        ));
    }
    println!(
        "lab is up: named pid {pid}, every server answers; query log {}",
        lab_dir().join(QUERY_LOG).display()
    );
    Ok(())
}
