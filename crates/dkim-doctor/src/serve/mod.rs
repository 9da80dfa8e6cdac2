//! `dkim-doctor serve`: the checks over HTTP (a versioned JSON API and a web page), for
//! platform teams and for the person stuck at "pending".
//!
//! - `POST /v1/check/ses`, `POST /v1/check/selector`: the body is a `bulk` JSON line
//!   (`{"domain": ..., "tokens": [...]}`, `{"domain": ..., "selectors": [...]}`, `region` and
//!   `expect_ns` optional; for SES also `identity_json` or `records_csv`, the text of an SES
//!   export); the response is the report `ses --json` prints.
//! - `POST /v1/trace`: `{"name": ..., "type": ...}`; the response is `trace --json`'s.
//! - `GET /healthz`, `GET /metrics` (Prometheus text), `GET /` (the page).
//!
//! The same check asked again within the lifetime of its evidence gets the report already made
//! ([`crate::service::ReportCache`]: the smallest TTL of its records, at most `--cache-ttl`, a
//! second when a server did not answer), and identical requests that come while their check
//! runs wait for that check; `Cache-Control: no-cache` asks for a check of its own. The
//! response says which (`x-dkim-doctor-cache: hit|joined|miss`, `Age`).
//!
//! Exposed to strangers, it must not become their tool: the resolver's address policy keeps
//! queries off loopback and private networks (unless `--allow-private`), each client address
//! has a rate limit and all clients together a cap on checks at once (429 with Retry-After
//! beyond them), request bodies are capped (413), every check is bounded by the resolver's
//! budget and a deadline, and no response carries internal error text.

mod conn;
mod limits;
mod metrics;
mod page;
mod requests;

use std::fmt::Write as _;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;

use crate::exit::RunError;
use crate::input::{self, CheckInput, SesExport, Source};
use crate::output::error_line;
use crate::render::report::report_outcome;
use crate::render::trace::trace_json;
use crate::service::{report_json, CachePolicy, Checker, ReportCache};
pub use conn::ConnectionLimits;
use conn::{BoundedListener, ClientAddr};
use limits::{CheckSlots, ClientLimits};
use metrics::Metrics;
use requests::{ReadCheck, ReadChecks};

/// Limits and addresses of a server.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Checks running at once, over all clients.
    pub max_checks: usize,
    /// Checks per minute per client address.
    pub client_rate: u32,
    /// Checks a client may start at once before the rate applies.
    pub client_burst: u32,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Longest a check may run before the request is answered 504.
    pub check_deadline: Duration,
    /// Connections open at once, per client and in all, and their idle time.
    pub connections: ConnectionLimits,
    /// How long reports are given again, and how many are kept.
    pub cache: CachePolicy,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 8053)),
            max_checks: 64,
            client_rate: 60,
            client_burst: 20,
            body_limit: 64 * 1024,
            check_deadline: Duration::from_secs(120),
            connections: ConnectionLimits {
                total: 1024,
                per_client: 64,
                // A client waits silently for its report: longer than the check deadline.
                idle: Duration::from_secs(130),
            },
            cache: CachePolicy::default(),
        }
    }
}

/// What every request handler shares.
struct App {
    checker: Arc<Checker>,
    metrics: Metrics,
    clients: ClientLimits,
    slots: CheckSlots,
    /// Reports by request: the check and the notes on its input, as JSON.
    reports: ReportCache<Arc<str>, Report>,
    /// Check request bodies already read.
    read: ReadChecks,
    options: ServeOptions,
}

/// A report as it is answered: its JSON, made once and given as is to every request for it.
#[derive(Debug, Clone)]
struct Report {
    json: Bytes,
}

/// The response header that says where a report came from: `hit`, `joined` or `miss`.
const CACHE_HEADER: HeaderName = HeaderName::from_static("x-dkim-doctor-cache");

/// The request header whose id is kept, and the response header that gives the id.
const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id a request is logged under, and answered with (`x-request-id`); a header value
/// already, shared by the request, its log lines and its response without a copy.
#[derive(Debug, Clone)]
struct RequestId(HeaderValue);

impl RequestId {
    fn as_str(&self) -> &str {
        // Made of visible ASCII only (see `request_id`).
        self.0.to_str().unwrap_or("-")
    }
}

/// Whether the request asks for a check of its own ([`wants_fresh`]), read from its headers
/// where they are (the `HeaderMap` extractor would copy them all).
struct WantsFresh(bool);

impl<S: Send + Sync> FromRequestParts<S> for WantsFresh {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(WantsFresh(wants_fresh(&parts.headers)))
    }
}

/// Serves until `shutdown` completes, then finishes the requests in progress. `ready` is
/// called with the address actually bound (the port may have been 0).
pub async fn run(
    checker: Arc<Checker>,
    options: ServeOptions,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| {
            RunError::CouldNotRun(format!(
                "cannot listen on {}: {}",
                options.listen,
                crate::input::io_reason(&e)
            ))
        })?;
    let bound = listener
        .local_addr()
        .map_err(|_| RunError::CouldNotRun("cannot read the listening address".to_string()))?;
    ready(bound);
    let listener = BoundedListener::new(listener, options.connections);
    let app = router(checker, options);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|_| RunError::CouldNotRun("the HTTP server stopped".to_string()))
}

fn router(checker: Arc<Checker>, options: ServeOptions) -> Router {
    let app = Arc::new(App {
        checker,
        metrics: Metrics::default(),
        clients: ClientLimits::new(options.client_rate, options.client_burst),
        slots: CheckSlots::new(options.max_checks),
        reports: ReportCache::new(options.cache),
        read: ReadChecks::new(options.cache.max_entries),
        options: options.clone(),
    });
    Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/style.css", get(page::style))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/v1/check/ses", post(check_ses))
        .route("/v1/check/selector", post(check_selector))
        .route("/v1/trace", post(trace))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(options.body_limit))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            log_request,
        ))
        .with_state(app)
}

/// Source of request ids: a per-process prefix from the start time, then a counter.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn request_id(given: Option<&HeaderValue>) -> RequestId {
    // A load balancer's id is kept when it is a plain token, so logs join up.
    if let Some(value) = given {
        let text = value.as_bytes();
        if !text.is_empty()
            && text.len() <= 64
            && text
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return RequestId(value.clone());
        }
    }
    let prefix = process_prefix();
    let id = format!("{prefix:08x}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    // Hex digits, a dash and digits: always a valid header value.
    RequestId(HeaderValue::try_from(id).unwrap_or(HeaderValue::from_static("-")))
}

fn process_prefix() -> u32 {
    static PREFIX: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PREFIX.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
            .unwrap_or(0);
        nanos ^ std::process::id().rotate_left(16)
    })
}

/// Gives every request an id, logs it with its outcome on stderr, and counts the response.
async fn log_request(
    State(app): State<Arc<App>>,
    ConnectInfo(ClientAddr(peer)): ConnectInfo<ClientAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = request_id(request.headers().get(&REQUEST_ID_HEADER));
    let method = request.method().clone();
    // A cheap copy (shared bytes), read once the response is made.
    let uri = request.uri().clone();
    request.extensions_mut().insert(id.clone());
    let started = Instant::now();
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    app.metrics.responded(status);
    let mut line = format!(
        "serve: request={} client={} {method} {} -> {status} in {} ms",
        id.as_str(),
        peer.ip(),
        log_path(uri.path()),
        started.elapsed().as_millis()
    );
    if let Some(outcome) = response.headers().get(&CACHE_HEADER) {
        let _ = write!(line, " (report: {})", outcome.to_str().unwrap_or("?"));
    }
    response.headers_mut().insert(REQUEST_ID_HEADER, id.0);
    crate::output::eprint_line(&line);
    response
}

/// A request's path as logged: its first 100 characters, as one line ([`error_line`]);
/// without a copy in the usual case, a short path of visible characters.
fn log_path(path: &str) -> std::borrow::Cow<'_, str> {
    if path.len() <= 100 && !path.chars().any(char::is_control) {
        return path.into();
    }
    error_line(&path.chars().take(100).collect::<String>()).into()
}

/// A JSON error body `{"error": "..."}` with `status`; the text is one sentence for the
/// user, never internal detail.
fn error_response(status: StatusCode, text: &str) -> Response {
    let body = serde_json::json!({ "error": error_line(text) }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn too_many(text: &str, retry_after: Duration) -> Response {
    let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("{text}; retry after {seconds} s"),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

fn json_response<T: serde::Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        // Never the serializer's text: it is of no use to the client.
        Err(_) => error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

async fn not_found() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        "no such endpoint: POST /v1/check/ses, POST /v1/check/selector, POST /v1/trace, GET /healthz, GET /metrics",
    )
}

async fn method_not_allowed() -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "wrong method: checks and traces are POSTed, the page, /healthz and /metrics are read with GET",
    )
}

async fn healthz() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
        .into_response()
}

async fn metrics_text(State(app): State<Arc<App>>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics
            .render(app.checker.queries_sent(), &app.reports.stats()),
    )
        .into_response()
}

/// A check's request: a `bulk` JSON line, plus for SES the text of an export.
#[derive(Debug, Deserialize)]
struct CheckRequest {
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    tokens: Vec<String>,
    #[serde(default)]
    selectors: Vec<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    expect_ns: Vec<String>,
    /// `aws sesv2 get-email-identity` output, as text.
    #[serde(default)]
    identity_json: Option<String>,
    /// The SES console's record set CSV, as text.
    #[serde(default)]
    records_csv: Option<String>,
}

/// `/v1/trace`'s request.
#[derive(Debug, Deserialize)]
struct TraceRequest {
    name: String,
    #[serde(rename = "type", default)]
    rtype: Option<String>,
}

/// The body as JSON of type `T`, or the response that says why not (413 over the cap).
fn parse_body<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
    shape: &str,
) -> Result<T, Response> {
    parse_json(&body_bytes(body, limit)?, shape)
}

/// The body, or the response that says why not (413 over the cap).
fn body_bytes(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, Response> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {limit} bytes"),
            )
        } else {
            error_response(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )
        }
    })
}

/// `bytes` as JSON of type `T`, or the 400 response that says why not.
fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], shape: &str) -> Result<T, Response> {
    serde_json::from_slice(bytes).map_err(|e| {
        // serde_json's message says where the JSON went wrong, about the client's own text.
        error_response(
            StatusCode::BAD_REQUEST,
            &format!("the body is not {shape}: {e}"),
        )
    })
}

/// Which check an endpoint runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ses = 0,
    Selector = 1,
}

fn check_input(kind: Kind, request: CheckRequest) -> Result<CheckInput, RunError> {
    match kind {
        Kind::Ses => {
            if !request.selectors.is_empty() {
                return Err(RunError::BadInput(
                    "this is the SES check: give tokens, or POST the selectors to /v1/check/selector"
                        .to_string(),
                ));
            }
            let export = match (&request.identity_json, &request.records_csv) {
                (Some(_), Some(_)) => {
                    return Err(RunError::BadInput(
                        "give identity_json or records_csv, not both".to_string(),
                    ))
                }
                (Some(json), None) => Some(SesExport::IdentityJson(Source::Text(json))),
                (None, Some(csv)) => Some(SesExport::RecordsCsv(Source::Text(csv))),
                (None, None) => None,
            };
            let domain = request.domain.as_deref().filter(|d| !d.trim().is_empty());
            // What is missing, in the request's words (the shared input rules speak of the
            // command line's options).
            if export.is_none() {
                let Some(domain) = domain else {
                    return Err(RunError::BadInput(
                        "the domain is missing: give \"domain\", or an SES export \
                         (\"identity_json\" or \"records_csv\") that names it"
                            .to_string(),
                    ));
                };
                if request.tokens.is_empty() {
                    return Err(RunError::BadInput(format!(
                        "the DKIM tokens of {} are missing: give \"tokens\" (the three SES \
                         shows for the identity), or an SES export (\"identity_json\" or \
                         \"records_csv\")",
                        domain.trim()
                    )));
                }
            }
            input::ses_check_with(
                domain,
                &request.tokens,
                request.region.as_deref(),
                &request.expect_ns,
                export,
            )
        }
        Kind::Selector => {
            if !request.tokens.is_empty() {
                return Err(RunError::BadInput(
                    "this is the selector check: give selectors, or POST the SES tokens to /v1/check/ses"
                        .to_string(),
                ));
            }
            let Some(domain) = request.domain.as_deref() else {
                return Err(RunError::BadInput(
                    "the domain is missing: give \"domain\"".to_string(),
                ));
            };
            if request.selectors.is_empty() {
                return Err(RunError::BadInput(
                    "the DKIM selectors are missing: give \"selectors\" (the s= of the \
                     signatures, e.g. [\"google\"])"
                        .to_string(),
                ));
            }
            input::selector_check_from(domain, &request.selectors, &request.expect_ns)
        }
    }
}

/// The limit every check and trace request passes first: the client's rate.
fn admit_client(app: &App, peer: IpAddr) -> Result<(), Response> {
    app.clients
        .admit(peer, Instant::now())
        .map_err(|wait| too_many("too many checks from your address", wait))
}

/// The limit every check or trace actually run passes: a free slot.
fn take_slot(app: &App) -> Result<tokio::sync::OwnedSemaphorePermit, Response> {
    app.slots.try_take().ok_or_else(|| {
        too_many(
            "the server is running as many checks as it allows",
            Duration::from_secs(1),
        )
    })
}

/// The limits every trace passes first: the client's rate, then a free slot.
fn admit(app: &App, peer: IpAddr) -> Result<tokio::sync::OwnedSemaphorePermit, Response> {
    admit_client(app, peer)?;
    take_slot(app)
}

/// Whether the request asks for a check of its own rather than a kept report
/// (`Cache-Control: no-cache`, `no-store` or `max-age=0`).
fn wants_fresh(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|directive| directive.trim().to_ascii_lowercase())
        .any(|directive| {
            directive == "no-cache" || directive == "no-store" || directive == "max-age=0"
        })
}

async fn check_ses(
    State(app): State<Arc<App>>,
    ConnectInfo(ClientAddr(peer)): ConnectInfo<ClientAddr>,
    Extension(id): Extension<RequestId>,
    WantsFresh(fresh): WantsFresh,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    check_endpoint(app, peer, id, fresh, body, Kind::Ses).await
}

async fn check_selector(
    State(app): State<Arc<App>>,
    ConnectInfo(ClientAddr(peer)): ConnectInfo<ClientAddr>,
    Extension(id): Extension<RequestId>,
    WantsFresh(fresh): WantsFresh,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    check_endpoint(app, peer, id, fresh, body, Kind::Selector).await
}

async fn check_endpoint(
    app: Arc<App>,
    peer: SocketAddr,
    id: RequestId,
    fresh: bool,
    body: Result<Bytes, BytesRejection>,
    kind: Kind,
) -> Response {
    let read = match body_bytes(body, app.options.body_limit)
        .and_then(|bytes| read_check(&app, kind, &bytes))
    {
        Ok(read) => read,
        Err(response) => return response,
    };
    if let Err(response) = admit_client(&app, peer.ip()) {
        return response;
    }
    let reported = app
        .reports
        .get_or_run(Arc::clone(&read.key), fresh, || {
            // Boxed: a check's future is large, and inline it would be moved into every
            // request's future, most of which are answered from the cache without it.
            Box::pin(run_check(&app, &id, read.input.clone(), kind))
        })
        .await;
    match reported {
        Ok(cached) => {
            let mut response = (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                cached.value.json,
            )
                .into_response();
            let headers = response.headers_mut();
            headers.insert(
                CACHE_HEADER,
                HeaderValue::from_static(cached.outcome.as_str()),
            );
            headers.insert(header::AGE, HeaderValue::from(cached.age.as_secs()));
            response
        }
        Err(response) => response,
    }
}

/// The check a body asks for, and its report cache key; or the 400 response that says why the
/// body is not one.
fn read_check(app: &App, kind: Kind, bytes: &[u8]) -> Result<Arc<ReadCheck>, Response> {
    let endpoint = kind as usize;
    if let Some(read) = app.read.get(endpoint, bytes) {
        return Ok(read);
    }
    let request: CheckRequest = parse_json(
        bytes,
        "a JSON object like {\"domain\": ..., \"tokens\": [...]}",
    )?;
    let input = check_input(kind, request)
        .map_err(|error| error_response(StatusCode::BAD_REQUEST, &error.to_string()))?;
    // The same check of the same input gives the same report: the notes on how the input was
    // read are part of it.
    let key = serde_json::to_string(&(&input.check, &input.notes))
        .map_err(|_| error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))?;
    let read = Arc::new(ReadCheck {
        key: key.into(),
        input,
    });
    app.read.insert(endpoint, bytes, &read);
    Ok(read)
}

/// Runs a check for a request that found no report to reuse: the report's JSON and how long
/// it may be given again, or the response that says why there is none (no free slot, the
/// deadline passed).
async fn run_check(
    app: &App,
    id: &RequestId,
    input: CheckInput,
    kind: Kind,
) -> Result<(Report, Duration), Response> {
    let _slot = take_slot(app)?;
    let started = Instant::now();
    let running = app.metrics.start_check();
    let domain = input.check.domain().to_string_relative();
    let checked =
        tokio::time::timeout(app.options.check_deadline, app.checker.check(input.check)).await;
    drop(running);
    let Ok(run) = checked else {
        return Err(error_response(
            StatusCode::GATEWAY_TIMEOUT,
            &format!(
                "the check of {domain} did not finish within {} s",
                app.options.check_deadline.as_secs()
            ),
        ));
    };
    let check = if kind == Kind::Ses { "ses" } else { "selector" };
    let verdict = match report_outcome(&run.report) {
        crate::exit::Outcome::Pass => "pass",
        crate::exit::Outcome::Fail => "fail",
        _ => "incomplete",
    };
    app.metrics
        .finished_check(check, verdict, started.elapsed());
    crate::output::eprint_line(&format!(
        "serve: request={} check {check} {} -> {verdict} ({} queries)",
        id.as_str(),
        error_line(&domain),
        run.queries()
    ));
    // Never the serializer's text: it is of no use to the client.
    let json = serde_json::to_vec(&report_json(&run, &input.notes, false))
        .map_err(|_| error_response(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))?;
    let lifetime = app.options.cache.lifetime(&run);
    Ok((
        Report {
            json: Bytes::from(json),
        },
        lifetime,
    ))
}

async fn trace(
    State(app): State<Arc<App>>,
    ConnectInfo(ClientAddr(peer)): ConnectInfo<ClientAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request: TraceRequest = match parse_body(
        body,
        app.options.body_limit,
        "a JSON object like {\"name\": ..., \"type\": \"TXT\"}",
    ) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let question = match input::trace_question(&request.name, request.rtype.as_deref()) {
        Ok(question) => question,
        Err(error) => return error_response(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let _slot = match admit(&app, peer.ip()) {
        Ok(slot) => slot,
        Err(response) => return response,
    };
    let traced = tokio::time::timeout(
        app.options.check_deadline,
        app.checker.trace(&question.name, question.qtype),
    )
    .await;
    match traced {
        Ok(run) => json_response(&trace_json(&run)),
        Err(_) => error_response(
            StatusCode::GATEWAY_TIMEOUT,
            &format!(
                "the trace did not finish within {} s",
                app.options.check_deadline.as_secs()
            ),
        ),
    }
}

/// An HTML or text response of one embedded file.
fn embedded(content_type: &'static str, body: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            // Only this server's own files run or load; no framing by other sites.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                 form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Body::from(body),
    )
        .into_response()
}
