//! The web page of `serve` in a real browser: headless Chromium driven through WebDriver
//! (Debian's `chromium` and `chromium-driver`), against the in-process demo network. It fills
//! the form as a person would and reads the verdict and the records to create.
//!
//! Without `chromedriver` the test says so and passes, unless `DKIM_DOCTOR_REQUIRE_BROWSER` is
//! set (`.ci/run` sets it and installs the packages), where it fails instead.
//!
//! Nothing leaves the machine: Chromium gets a proxy that does not exist for every
//! non-loopback URL, a host resolver that resolves nothing, and its background services off.

mod common;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::server::{start_serve, Server};
use dns_lab::scenarios::{SES_HEALTHY, SES_MISSING, SES_TOKENS};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// Set to make a missing browser a failure instead of a skip.
const REQUIRE_ENV: &str = "DKIM_DOCTOR_REQUIRE_BROWSER";

/// How long the page may take to show a verdict.
const VERDICT_BOUND: Duration = Duration::from_secs(60);

fn find_program(name: &str, fixed: &str) -> Option<PathBuf> {
    let fixed = PathBuf::from(fixed);
    if fixed.exists() {
        return Some(fixed);
    }
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(name))
        .find(|path| path.exists())
}

/// chromedriver, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(program: &PathBuf) -> Driver {
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver {
        child,
        url: format!("http://{addr}"),
    }
}

async fn browser(driver: &Driver) -> Client {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        // Every non-loopback URL goes to a proxy that does not exist, and no name resolves:
        // not a packet leaves the machine, and the system resolver is never asked.
        "--proxy-server=http://127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ];
    let mut options = json!({ "args": args });
    if let Some(chromium) = find_program("chromium", "/usr/bin/chromium") {
        options["binary"] = json!(chromium.display().to_string());
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".to_string(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// Fills the form (mode, domain, pasted text) and submits it.
async fn fill(client: &Client, server: &Server, mode: &str, domain: &str, pasted: &str) {
    client
        .goto(&format!("http://{}/", server.addr))
        .await
        .unwrap();
    client
        .find(Locator::Css(&format!("input[name=mode][value={mode}]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let domain_field = client.find(Locator::Id("domain")).await.unwrap();
    domain_field.clear().await.unwrap();
    domain_field.send_keys(domain).await.unwrap();
    let pasted_field = client.find(Locator::Id("pasted")).await.unwrap();
    pasted_field.clear().await.unwrap();
    pasted_field.send_keys(pasted).await.unwrap();
    client
        .find(Locator::Id("check-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The verdict the page shows, once it shows one.
async fn verdict(client: &Client) -> String {
    let started = Instant::now();
    loop {
        let shown = client
            .find(Locator::Id("verdict"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if !shown.is_empty() {
            return shown;
        }
        let status = client
            .find(Locator::Id("status"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            started.elapsed() < VERDICT_BOUND,
            "no verdict within {VERDICT_BOUND:?} (status: {status:?})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text_of(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn scenarios(client: &Client, server: &Server) {
    // The person stuck at pending: three tokens pasted, none published.
    fill(
        client,
        server,
        "tokens",
        SES_MISSING,
        &SES_TOKENS.join("\n"),
    )
    .await;
    assert_eq!(verdict(client).await, "FAIL");
    let summary = text_of(client, "summary").await;
    assert!(summary.contains("none of the 3 SES records"), "{summary}");
    let actions = text_of(client, "actions").await;
    for token in SES_TOKENS {
        assert!(
            actions.contains(&format!("{token}.dkim.amazonses.com")),
            "the record to create for {token} is not shown: {actions}"
        );
    }
    assert!(actions.contains("CNAME"), "{actions}");

    // The same person after publishing them, pasting the identity JSON instead.
    let identity = format!(
        r#"{{"IdentityType": "DOMAIN", "DkimAttributes": {{"SigningEnabled": true, "Status": "PENDING", "Tokens": ["{}", "{}", "{}"], "SigningHostedZone": "dkim.amazonses.com"}}}}"#,
        SES_TOKENS[0], SES_TOKENS[1], SES_TOKENS[2]
    );
    fill(client, server, "identity", SES_HEALTHY, &identity).await;
    assert_eq!(verdict(client).await, "PASS");

    // The record set CSV the SES console downloads, the domain read from it.
    let csv: String = std::iter::once("Type,Name,Value".to_string())
        .chain(
            SES_TOKENS
                .iter()
                .map(|t| format!("CNAME,{t}._domainkey.{SES_HEALTHY},{t}.dkim.amazonses.com")),
        )
        .collect::<Vec<_>>()
        .join("\n");
    fill(client, server, "csv", "", &csv).await;
    assert_eq!(verdict(client).await, "PASS");
    let summary = text_of(client, "summary").await;
    assert!(summary.contains("PASS"), "{summary}");

    // Another provider's selector.
    fill(client, server, "selector", "key-rsa1024.org", "mail").await;
    assert_eq!(verdict(client).await, "PASS");
    let findings = text_of(client, "findings").await;
    assert!(findings.contains("key-weak"), "{findings}");

    // Input the server refuses: one sentence on the page, no report.
    fill(client, server, "tokens", "192.0.2.1", "t1").await;
    let started = Instant::now();
    let status = loop {
        let status = text_of(client, "status").await;
        if status.contains("IP address") {
            break status;
        }
        assert!(
            started.elapsed() < VERDICT_BOUND,
            "no error shown: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!status.contains("panicked"), "{status}");
}

#[test]
fn the_page_fills_in_and_shows_the_verdict_in_headless_chromium() {
    let Some(program) = find_program("chromedriver", "/usr/bin/chromedriver") else {
        if std::env::var_os(REQUIRE_ENV).is_some() {
            panic!("{REQUIRE_ENV} is set but chromedriver is missing (apt-get install chromium chromium-driver)");
        }
        eprintln!(
            "skipped: no chromedriver (apt-get install chromium chromium-driver, or set {REQUIRE_ENV} to fail instead)"
        );
        return;
    };
    let lab = common::lab();
    let mut args = lab.args();
    args.extend(["--allow-private".to_string(), "127.53.0.0/16".to_string()]);
    let server = start_serve(&args);
    let driver = start_driver(&program);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = browser(&driver).await;
        // The session is closed even when an assertion fails.
        let outcome = tokio::time::timeout(
            Duration::from_secs(240),
            std::panic::AssertUnwindSafe(scenarios(&client, &server)).catch_unwind_compat(),
        )
        .await;
        let _ = client.close().await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => panic!("the browser scenarios took longer than 240 s"),
        }
    });
}

/// `catch_unwind` for a future, without the futures crate.
trait CatchUnwindCompat: std::future::Future + Sized {
    fn catch_unwind_compat(self) -> CatchUnwind<Self> {
        CatchUnwind(Box::pin(self))
    }
}

impl<F: std::future::Future> CatchUnwindCompat for std::panic::AssertUnwindSafe<F> {}

struct CatchUnwind<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn std::any::Any + Send>>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(value)) => std::task::Poll::Ready(Ok(value)),
            Err(panic) => std::task::Poll::Ready(Err(panic)),
        }
    }
}
