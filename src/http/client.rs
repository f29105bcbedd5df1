//! The HTTP API client on awc: one typed method per call of PROTOCOL.md's HTTP table, the
//! envelope (`{code, data}` / `{code, message}`) checked once for all of them.

use super::envelope::{Call, decode, json_body, transport_error};
use super::groups::GroupCache;
use super::upload::FileCache;
use super::{Credentials, HttpError, HttpErrorKind, TokenSource};
use crate::protocol::AUTH_ORIGIN;
use awc::http::{Method, Uri, header};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The production HTTP API.
pub const DEFAULT_HTTP_URL: &str = "https://api.moobius.ai/";

/// How long one call may take, from connecting to the last byte of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long opening a connection (TCP and TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest answer body read; a larger one is a transport error.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// The largest download read ([`HttpClient::download`], [`HttpClient::download_to`]): 64 MiB. A
/// larger file is an [`HttpErrorKind::TooLarge`]; raise it with
/// [`HttpClientBuilder::max_download_bytes`].
pub const MAX_DOWNLOAD_BYTES: usize = 64 * 1024 * 1024;

/// The `code` of a successful answer (`204` is accepted too, as the reference SDK does).
pub const SUCCESS_CODE: i64 = 10_000;

/// A client of the platform's HTTP API.
///
/// Cheap to clone (clones share the token, the group and upload caches and the call counter). It holds an
/// `awc::Client`, which lives on one thread: to use the same session on another thread (another
/// actix arbiter), send [`HttpClient::share`] there and call [`SharedHttp::client`].
///
/// All calls but sign-in and refresh send `Authorization: Bearer <token>` and
/// `Auth-Origin: cognito`; the token comes from [`HttpClient::tokens`]. `Debug` shows no secret.
///
/// # Examples
/// ```no_run
/// use moobius::http::{Credentials, HttpClient};
///
/// # async fn demo() -> Result<(), moobius::http::HttpError> {
/// let client = HttpClient::builder("https://api.moobius.ai/")
///     .credentials(Credentials::new("bot@example.com", "hunter2"))
///     .build()?;
/// client.sign_in().await?;
/// let service_id = client.create_service("my bot").await?;
/// let channel_id = client.create_channel("lobby", "where people meet").await?;
/// client.bind(&service_id, &channel_id).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    awc: awc::Client,
    pub(crate) shared: Arc<Shared>,
}

/// The thread-safe part of an [`HttpClient`]: settings, token, group cache, call counter.
pub(crate) struct Shared {
    base: String,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) credentials: Option<Credentials>,
    sign_in_again: bool,
    pub(super) tokens: TokenSource,
    pub(crate) groups: GroupCache,
    pub(super) files: FileCache,
    pub(super) max_download: usize,
    calls: AtomicU64,
    /// Calls that ended in an error (transport, timeout, refusal, unexpected answer).
    failures: AtomicU64,
}

/// An [`HttpClient`]'s session in a form that can cross threads (`Send + Sync`): make a client
/// on the current thread with [`SharedHttp::client`]. Clients made from one `SharedHttp` share
/// the token, the group cache and the call counter.
#[derive(Clone)]
pub struct SharedHttp {
    shared: Arc<Shared>,
}

impl SharedHttp {
    /// A client on the current thread for this session.
    pub fn client(&self) -> HttpClient {
        HttpClient { awc: awc_client(&self.shared), shared: Arc::clone(&self.shared) }
    }
}

impl fmt::Debug for SharedHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedHttp").field(&self.shared).finish()
    }
}

#[cfg(feature = "metrics")]
impl Shared {
    /// Calls made, and those of them that failed (for the metrics).
    pub(crate) fn call_counts(&self) -> (u64, u64) {
        (self.calls.load(Ordering::Relaxed), self.failures.load(Ordering::Relaxed))
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &self.base)
            .field("email", &self.credentials.as_ref().map(|c| c.email.as_str()))
            .field("tokens", &self.tokens)
            .field("calls", &self.calls.load(Ordering::Relaxed))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

/// Builds an [`HttpClient`]: the base URL, the account, the timeouts.
#[derive(Debug, Clone)]
pub struct HttpClientBuilder {
    base: String,
    timeout: Duration,
    connect_timeout: Duration,
    credentials: Option<Credentials>,
    tokens: Option<TokenSource>,
    sign_in_again: bool,
    max_download: usize,
}

impl HttpClientBuilder {
    /// The account to sign in with ([`HttpClient::sign_in`] needs it).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Use this token source (one already signed in, or shared with another part of the program)
    /// instead of a new, empty one.
    pub fn token_source(mut self, tokens: TokenSource) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// How long one call may take in all (default [`REQUEST_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long opening a connection may take (default [`CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest file [`HttpClient::download`] and [`HttpClient::download_to`] read (default
    /// [`MAX_DOWNLOAD_BYTES`]).
    pub fn max_download_bytes(mut self, bytes: usize) -> Self {
        self.max_download = bytes;
        self
    }

    /// Whether a call refused as unauthorized (HTTP 401: the token expired or was revoked) makes
    /// the client sign in again and retry the call once, when it has credentials. On by default;
    /// the renewal timer ([`HttpClient::spawn_token_renewal`]) normally keeps the token valid,
    /// this covers what it cannot (a suspended machine, a platform restart).
    pub fn sign_in_again_when_unauthorized(mut self, on: bool) -> Self {
        self.sign_in_again = on;
        self
    }

    /// The client. Must run on a thread with an actix / tokio runtime when it makes calls.
    ///
    /// # Errors
    /// [`HttpErrorKind::InvalidUrl`] when the base URL is not an absolute `http(s)://` URL.
    pub fn build(self) -> Result<HttpClient, HttpError> {
        let base = check_base_url(&self.base)?;
        let shared = Arc::new(Shared {
            base,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            credentials: self.credentials,
            sign_in_again: self.sign_in_again,
            tokens: self.tokens.unwrap_or_default(),
            groups: GroupCache::default(),
            files: FileCache::default(),
            max_download: self.max_download,
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        });
        Ok(SharedHttp { shared }.client())
    }
}

pub(super) fn check_base_url(url: &str) -> Result<String, HttpError> {
    let invalid = |detail: String| HttpError::new(HttpErrorKind::InvalidUrl { url: url.to_owned(), detail });
    let uri: Uri = url.parse().map_err(|e: awc::http::uri::InvalidUri| invalid(e.to_string()))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(other) => return Err(invalid(format!("the scheme is `{other}`, expected http or https"))),
        None => return Err(invalid("it has no scheme (http:// or https://)".to_owned())),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("it has no host".to_owned()));
    }
    if uri.query().is_some() {
        return Err(invalid("it has a query (`?...`); give the base url only".to_owned()));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn awc_client(shared: &Shared) -> awc::Client {
    awc::Client::builder()
        .connector(awc::Connector::new().timeout(shared.connect_timeout))
        .timeout(shared.timeout)
        .add_default_header((header::USER_AGENT, concat!("moobius-rs/", env!("CARGO_PKG_VERSION"))))
        .finish()
}

/// Whether a call sends the access token, and whether its answer holds secrets (then no part of
/// the answer goes into an error message).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Auth {
    Bearer,
    /// Sign-in and refresh: no bearer token; the answer carries tokens.
    Anonymous,
}

impl HttpClient {
    /// A builder for a client of the HTTP API at `base_url` (such as [`DEFAULT_HTTP_URL`]).
    ///
    /// # Examples
    /// ```
    /// let builder = moobius::http::HttpClient::builder("http://127.0.0.1:8080/");
    /// ```
    pub fn builder(base_url: impl Into<String>) -> HttpClientBuilder {
        HttpClientBuilder {
            base: base_url.into(),
            timeout: REQUEST_TIMEOUT,
            connect_timeout: CONNECT_TIMEOUT,
            credentials: None,
            tokens: None,
            sign_in_again: true,
            max_download: MAX_DOWNLOAD_BYTES,
        }
    }

    /// This client's session, to make a client on another thread.
    pub fn share(&self) -> SharedHttp {
        SharedHttp { shared: Arc::clone(&self.shared) }
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.shared.base
    }

    /// The access token, shared: clone it for the parts that need it (the WebSocket login).
    pub fn tokens(&self) -> &TokenSource {
        &self.shared.tokens
    }

    /// The account's credentials, if given.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.shared.credentials.as_ref()
    }

    /// How many HTTP calls this client (and its clones and shares) has made, answered or not.
    pub fn calls(&self) -> u64 {
        self.shared.calls.load(Ordering::Relaxed)
    }

    /// How many of those calls ended in an error (transport, timeout, a refusal, an unexpected
    /// answer).
    pub fn failed_calls(&self) -> u64 {
        self.shared.failures.load(Ordering::Relaxed)
    }

    /// Counts `result` as a failed call when it is an error, and hands it back.
    fn counted<T>(&self, result: Result<T, HttpError>) -> Result<T, HttpError> {
        if result.is_err() {
            self.shared.failures.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    // The plumbing every call of the API families goes through.

    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &'static str,
        query: &[(&str, &str)],
        expected: &'static str,
    ) -> Result<T, HttpError> {
        let call = Call { method: Method::GET, path: path.into() };
        self.exchange(&call, query, None, Auth::Bearer, expected).await
    }

    pub(super) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &B,
        expected: &'static str,
    ) -> Result<T, HttpError> {
        let call = Call { method: Method::POST, path: path.into() };
        let body = json_body(&call, body)?;
        self.exchange(&call, &[], Some(body), Auth::Bearer, expected).await
    }

    /// Sign-in and refresh: no token, no retry.
    pub(super) async fn post_anonymous<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &B,
        expected: &'static str,
    ) -> Result<T, HttpError> {
        let call = Call { method: Method::POST, path: path.into() };
        let body = json_body(&call, body)?;
        self.attempt(&call, &[], Some(body), Auth::Anonymous, expected).await
    }

    /// One call; when the platform answers 401 to a call with a token and the client has
    /// credentials (and [`HttpClientBuilder::sign_in_again_when_unauthorized`] is on), signs in
    /// again and makes the call once more.
    async fn exchange<T: DeserializeOwned>(
        &self,
        call: &Call,
        query: &[(&str, &str)],
        body: Option<Bytes>,
        auth: Auth,
        expected: &'static str,
    ) -> Result<T, HttpError> {
        let first = self.attempt(call, query, body.clone(), auth, expected).await;
        match first {
            Err(error)
                if auth == Auth::Bearer
                    && self.shared.sign_in_again
                    && self.shared.credentials.is_some()
                    && matches!(error.kind(), HttpErrorKind::Refused { status: 401, .. }) =>
            {
                log::info!("{error}; signing in again and retrying once");
                self.sign_in().await?;
                self.attempt(call, query, body, auth, expected).await
            }
            other => other,
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        call: &Call,
        query: &[(&str, &str)],
        body: Option<Bytes>,
        auth: Auth,
        expected: &'static str,
    ) -> Result<T, HttpError> {
        let mut request = self.request(call, auth)?;
        if !query.is_empty() {
            request = request.query(&query).map_err(|e| {
                HttpError::new(HttpErrorKind::InvalidRequest {
                    call: call.to_string(),
                    detail: e.to_string(),
                })
            })?;
        }
        self.send(call, request, body, auth, expected).await
    }

    fn request(&self, call: &Call, auth: Auth) -> Result<awc::ClientRequest, HttpError> {
        let url = format!("{}{}", self.shared.base, call.path);
        let mut request =
            self.awc.request(call.method.clone(), url).insert_header((header::ACCEPT, "application/json"));
        if auth == Auth::Bearer {
            let Some(token) = self.shared.tokens.access_token() else {
                return Err(HttpError::new(HttpErrorKind::NotSignedIn { call: call.to_string() }));
            };
            let mut bearer =
                header::HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
                    HttpError::new(HttpErrorKind::InvalidRequest {
                        call: call.to_string(),
                        detail: "the access token holds characters a header cannot carry: sign in again"
                            .to_owned(),
                    })
                })?;
            // Kept out of HTTP/2 header compression tables and marked as secret for awc.
            bearer.set_sensitive(true);
            request = request
                .insert_header((header::AUTHORIZATION, bearer))
                .insert_header(("Auth-Origin", AUTH_ORIGIN));
        }
        Ok(request)
    }

    /// A request to a URL outside the API (an upload form, a file to download): no token,
    /// counted and timed as every call, the answer read up to `limit` bytes.
    pub(super) async fn raw(
        &self,
        call: &Call,
        url: &str,
        body: Option<(String, Bytes)>,
        limit: usize,
    ) -> Result<RawAnswer, HttpError> {
        self.shared.calls.fetch_add(1, Ordering::Relaxed);
        log::debug!("http {call}");
        let request = self.awc.request(call.method.clone(), url);
        let timeout = self.shared.timeout;
        let exchange = async {
            let mut response = match body {
                Some((content_type, body)) => request.content_type(content_type).send_body(body).await,
                None => request.send().await,
            }
            .map_err(|e| transport_error(call, &self.shared, e))?;
            let status = response.status();
            let content_length = response
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if call.method == Method::HEAD {
                return Ok(RawAnswer { status, content_length, body: Bytes::new() });
            }
            let body = response.body().limit(limit).await.map_err(|e| match e {
                awc::error::PayloadError::Overflow => {
                    HttpError::new(HttpErrorKind::TooLarge { call: call.to_string(), limit })
                }
                other => HttpError::new(HttpErrorKind::Transport {
                    call: call.to_string(),
                    detail: format!("reading the answer: {other}"),
                }),
            })?;
            Ok::<_, HttpError>(RawAnswer { status, content_length, body })
        };
        let answer = self.counted(tokio::time::timeout(timeout, exchange).await.unwrap_or_else(|_| {
            Err(HttpError::new(HttpErrorKind::Timeout { call: call.to_string(), after: timeout }))
        }))?;
        log::debug!("http {call}: {}", answer.status);
        Ok(answer)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        call: &Call,
        request: awc::ClientRequest,
        body: Option<Bytes>,
        auth: Auth,
        expected: &'static str,
    ) -> Result<T, HttpError> {
        self.shared.calls.fetch_add(1, Ordering::Relaxed);
        log::debug!("http {call}");
        let timeout = self.shared.timeout;
        let exchange = async {
            let mut response = match body {
                Some(body) => request.content_type("application/json").send_body(body).await,
                None => request.send().await,
            }
            .map_err(|e| transport_error(call, &self.shared, e))?;
            let status = response.status();
            let bytes = response.body().limit(MAX_RESPONSE_BYTES).await.map_err(|e| {
                HttpError::new(HttpErrorKind::Transport {
                    call: call.to_string(),
                    detail: format!("reading the answer: {e}"),
                })
            })?;
            Ok::<_, HttpError>((status, bytes))
        };
        let (status, bytes) =
            self.counted(tokio::time::timeout(timeout, exchange).await.unwrap_or_else(|_| {
                Err(HttpError::new(HttpErrorKind::Timeout { call: call.to_string(), after: timeout }))
            }))?;
        let result = self.counted(decode(call, status, &bytes, auth, expected));
        match &result {
            Ok(_) => log::debug!("http {call}: {status}"),
            Err(error) => log::debug!("{error}"),
        }
        result
    }
}

/// The answer to [`HttpClient::raw`].
pub(super) struct RawAnswer {
    pub(super) status: awc::http::StatusCode,
    /// The `Content-Length` header, when there was one.
    pub(super) content_length: Option<u64>,
    pub(super) body: Bytes,
}
