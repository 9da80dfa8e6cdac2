//! `dkim-doctor serve` as a child process, an in-process lab network to point it at, and a
//! minimal HTTP/1.1 client (std only) to talk to it. Every wait is bounded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long any one HTTP exchange may take.
pub const HTTP_BOUND: Duration = Duration::from_secs(60);

/// A `serve` process, killed when dropped whatever happens.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    /// Its stderr lines (the request log), read on a thread.
    pub log: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `dkim-doctor serve --listen 127.0.0.1:0 ARGS...` and reads the address it prints.
pub fn start_serve(args: &[String]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dkim-doctor serve");
    let stdout = child.stdout.take().expect("stdout");
    let (line_tx, line_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = line_tx.send(line);
    });
    let stderr = child.stderr.take().expect("stderr");
    let (log_tx, log) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if log_tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = line_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("serve did not print its address within 30 s");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Server { child, addr, log }
}

/// An HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// One request on a fresh connection (`Connection: close`), bounded by [`HTTP_BOUND`].
pub fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&[u8]>) -> HttpResponse {
    http_with(addr, method, path, &[], body)
}

/// [`http`] with extra request headers (name, value).
pub fn http_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> HttpResponse {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    stream.set_read_timeout(Some(HTTP_BOUND)).unwrap();
    stream.set_write_timeout(Some(HTTP_BOUND)).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("write head");
    if let Some(body) = body {
        // The server may answer (413) and close before reading it all: that is its right.
        let _ = stream.write_all(body);
    }
    let mut raw = Vec::new();
    // A reset after the response (the body left unread) still leaves the response read.
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> HttpResponse {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete response: {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// POSTs a JSON value.
pub fn post_json(addr: SocketAddr, path: &str, value: &serde_json::Value) -> HttpResponse {
    http(addr, "POST", path, Some(value.to_string().as_bytes()))
}

/// Serves `network` on a runtime of its own until the guard is dropped.
pub struct NetworkGuard {
    pub port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for NetworkGuard {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub fn serve_network(network: dns_lab::Network) -> NetworkGuard {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let lab = dns_lab::serve(network, 0).await.expect("lab starts");
            ready_tx.send(lab.port).unwrap();
            let _ = stop_rx.await;
            lab.shutdown().await;
        });
    });
    let port = ready_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("lab did not start");
    NetworkGuard {
        port,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}
