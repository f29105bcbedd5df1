//! The HTTP API client on awc: one typed method per call of PROTOCOL.md's HTTP table, the
//! envelope (`{code, data}` / `{code, message}`) checked once for all of them.

use super::groups::GroupCache;
use super::types::*;
use super::{Credentials, HttpError, HttpErrorKind, TokenSource};
use crate::protocol::{AUTH_ORIGIN, Character};
use crate::protocol::{ChannelId, CharacterId, GroupId, ServiceId};
use awc::http::{Method, StatusCode, Uri, header};
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

/// The `code` of a successful answer (`204` is accepted too, as the reference SDK does).
pub const SUCCESS_CODE: i64 = 10_000;

/// A client of the platform's HTTP API.
///
/// Cheap to clone (clones share the token, the group cache and the call counter). It holds an
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
    timeout: Duration,
    connect_timeout: Duration,
    credentials: Option<Credentials>,
    sign_in_again: bool,
    tokens: TokenSource,
    pub(crate) groups: GroupCache,
    calls: AtomicU64,
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
            calls: AtomicU64::new(0),
        });
        Ok(SharedHttp { shared }.client())
    }
}

fn check_base_url(url: &str) -> Result<String, HttpError> {
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
enum Auth {
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

    // ----- auth -----

    /// Signs in with the client's credentials (`POST /auth/sign_in`) and stores the access and
    /// refresh tokens in [`HttpClient::tokens`].
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] for a wrong email or password; [`HttpErrorKind::NotSignedIn`]
    /// when the client has no credentials; transport errors and timeouts.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.sign_in().await?;
    /// assert!(client.tokens().access_token().is_some());
    /// # Ok(()) }
    /// ```
    pub async fn sign_in(&self) -> Result<(), HttpError> {
        const CALL: &str = "/auth/sign_in";
        let Some(credentials) = &self.shared.credentials else {
            return Err(HttpError::new(HttpErrorKind::NoCredentials { call: format!("POST {CALL}") }));
        };
        let request = SignInRequest { username: &credentials.email, password: &credentials.password };
        let data: AuthData = self
            .post_anonymous(CALL, &request, "data: {AuthenticationResult: {AccessToken, RefreshToken}}")
            .await?;
        self.shared.tokens.set(data.result.access_token, data.result.refresh_token);
        log::debug!("signed in as {}", credentials.email);
        Ok(())
    }

    /// Gets a new access token with the refresh token (`POST /auth/refresh`).
    ///
    /// # Errors
    /// [`HttpErrorKind::NotSignedIn`] before a sign-in; [`HttpErrorKind::Refused`] when the
    /// refresh token is no longer valid (sign in again); transport errors and timeouts.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.sign_in().await?;
    /// client.refresh().await?;
    /// # Ok(()) }
    /// ```
    pub async fn refresh(&self) -> Result<(), HttpError> {
        const CALL: &str = "/auth/refresh";
        let Some(credentials) = &self.shared.credentials else {
            return Err(HttpError::new(HttpErrorKind::NoCredentials { call: format!("POST {CALL}") }));
        };
        let Some(refresh_token) = self.shared.tokens.refresh_token() else {
            return Err(HttpError::new(HttpErrorKind::NotSignedIn { call: format!("POST {CALL}") }));
        };
        let request = RefreshRequest { username: &credentials.email, refresh_token: &refresh_token };
        let data: AuthData =
            self.post_anonymous(CALL, &request, "data: {AuthenticationResult: {AccessToken}}").await?;
        self.shared.tokens.set(data.result.access_token, data.result.refresh_token);
        Ok(())
    }

    /// The signed-in account (`GET /user/info`); in user mode its `user_id` is the character id.
    ///
    /// # Errors
    /// As every call: not signed in, refused, transport, timeout, unexpected answer.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let me = client.user_info().await?;
    /// println!("{} ({})", me.context.name, me.user_id);
    /// # Ok(()) }
    /// ```
    pub async fn user_info(&self) -> Result<UserInfo, HttpError> {
        self.get("/user/info", &[], "data: {user_id, email, context: {name, avatar, description}}").await
    }

    // ----- services -----

    /// Creates a service owned by the account (`POST /service/create`); returns its id.
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let service_id = client.create_service("an echo bot").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_service(&self, description: &str) -> Result<ServiceId, HttpError> {
        let data: ServiceIdData =
            self.post("/service/create", &CreateServiceRequest { description }, "data: {service_id}").await?;
        Ok(data.service_id)
    }

    /// The account's services and the channels bound to each (`GET /service/list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// for service in client.list_services().await? {
    ///     println!("{}: {:?}", service.service_id, service.channel_ids);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_services(&self) -> Result<Vec<ServiceSummary>, HttpError> {
        self.get("/service/list", &[], "data: [{service_id, channel_ids}]").await
    }

    /// Binds a channel to a service (`POST /service/bind`): the service receives the channel's
    /// events. A channel bound to another service of the platform moves to this one.
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] when the account does not own the service or the channel does
    /// not exist; as every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.bind(&"service-id".into(), &"channel-id".into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn bind(&self, service_id: &ServiceId, channel_id: &ChannelId) -> Result<(), HttpError> {
        let request = BindRequest { channel_id: channel_id.as_str(), service_id: service_id.as_str() };
        let _: serde::de::IgnoredAny = self.post("/service/bind", &request, "code 10000").await?;
        Ok(())
    }

    /// Unbinds a channel from a service (`POST /service/unbind`).
    ///
    /// # Errors
    /// As [`HttpClient::bind`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.unbind(&"service-id".into(), &"channel-id".into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn unbind(&self, service_id: &ServiceId, channel_id: &ChannelId) -> Result<(), HttpError> {
        let request = BindRequest { channel_id: channel_id.as_str(), service_id: service_id.as_str() };
        let _: serde::de::IgnoredAny = self.post("/service/unbind", &request, "code 10000").await?;
        Ok(())
    }

    // ----- channels -----

    /// Creates a channel (`POST /channel/create`); returns its id.
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let channel_id = client.create_channel("lobby", "where people meet").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_channel(&self, name: &str, description: &str) -> Result<ChannelId, HttpError> {
        let request = CreateChannelRequest {
            channel_name: name,
            context: ChannelContext { channel_description: description },
        };
        let data: ChannelIdData = self.post("/channel/create", &request, "data: {channel_id}").await?;
        Ok(data.channel_id)
    }

    /// The channels the caller is in (`GET /channel/list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let ids: Vec<moobius::protocol::ChannelId> = client.list_channels().await?.into_iter().map(|c| c.channel_id).collect();
    /// # Ok(()) }
    /// ```
    pub async fn list_channels(&self) -> Result<Vec<ChannelSummary>, HttpError> {
        self.get("/channel/list", &[], "data: [channel id or {channel_id}]").await
    }

    /// The real members (users) of a channel (`GET /channel/character_list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let members = client.channel_members("channel-id", "service-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn channel_members(
        &self,
        channel_id: &str,
        service_id: &str,
    ) -> Result<Vec<CharacterId>, HttpError> {
        let query = [("channel_id", channel_id), ("service_id", service_id)];
        let data: CharacterListData =
            self.get("/channel/character_list", &query, "data: {character_list: [ids]}").await?;
        Ok(data.character_list)
    }

    // ----- characters -----

    /// Creates an agent (a character the service speaks as) (`POST /service/character/create`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// use moobius::http::Profile;
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let agent = client.create_agent("service-id", &Profile::new("Echo", "https://example.com/e.png", "a bot")).await?;
    /// println!("{}", agent.character_id);
    /// # Ok(()) }
    /// ```
    pub async fn create_agent(&self, service_id: &str, profile: &Profile) -> Result<Character, HttpError> {
        let request = CreateCharacterRequest { service_id, context: profile };
        let data: CharacterData = self
            .post("/service/character/create", &request, "data: {character_id, character_context}")
            .await?;
        Ok(data.into())
    }

    /// The agents a service has created (`GET /service/character/list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let agents = client.list_agents("service-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn list_agents(&self, service_id: &str) -> Result<Vec<Character>, HttpError> {
        let data: Vec<CharacterData> = self
            .get(
                "/service/character/list",
                &[("service_id", service_id)],
                "data: [{character_id, character_context}]",
            )
            .await?;
        Ok(data.into_iter().map(Character::from).collect())
    }

    /// The profiles of these characters, users or agents (`POST /character/fetch_profile`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let profiles = client.fetch_profiles(&["user-1".into()]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_profiles(&self, character_ids: &[CharacterId]) -> Result<Vec<Character>, HttpError> {
        let request = FetchProfileRequest { character_list: character_ids };
        let data: Vec<CharacterData> = self
            .post("/character/fetch_profile", &request, "data: [{character_id, character_context}]")
            .await?;
        Ok(data.into_iter().map(Character::from).collect())
    }

    // ----- groups -----

    /// Creates a service group (`POST /service/group/create`) without looking at the cache; most
    /// callers want [`HttpClient::create_group`].
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let group_id = client.create_group_uncached(&["user-1".into()]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_group_uncached(&self, characters: &[CharacterId]) -> Result<GroupId, HttpError> {
        let request = CreateServiceGroupRequest { group_id: "", characters };
        self.post("/service/group/create", &request, "data: the group id (a string)").await
    }

    /// The members of a service group (`GET /service/group`) without looking at the cache; most
    /// callers want [`HttpClient::group_members`].
    ///
    /// # Errors
    /// As every call; an unknown group is refused.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let members = client.group_members_uncached("group-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn group_members_uncached(&self, group_id: &str) -> Result<Vec<CharacterId>, HttpError> {
        let data: GroupMembersData =
            self.get("/service/group", &[("group_id", group_id)], "data: {characters: [ids]}").await?;
        Ok(data.characters)
    }

    /// Creates a channel group (`POST /user/group/create`), as a user-mode client names its
    /// recipients; returns its id.
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let group_id = client.create_user_group("channel-id", "friends", &["user-2".into()]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_user_group(
        &self,
        channel_id: &str,
        group_name: &str,
        characters: &[CharacterId],
    ) -> Result<GroupId, HttpError> {
        let request = CreateUserGroupRequest { channel_id, group_name, characters };
        let data: GroupIdData = self.post("/user/group/create", &request, "data: {group_id}").await?;
        Ok(data.group_id)
    }

    /// The members of a channel group (`GET /user/group`).
    ///
    /// # Errors
    /// As every call; an unknown group is refused.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let members = client.user_group_members("group-id", "channel-id", "user-1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn user_group_members(
        &self,
        group_id: &str,
        channel_id: &str,
        user_id: &str,
    ) -> Result<Vec<CharacterId>, HttpError> {
        let query = [("group_id", group_id), ("channel_id", channel_id), ("user_id", user_id)];
        let data: GroupMembersData = self.get("/user/group", &query, "data: {characters: [ids]}").await?;
        Ok(data.characters)
    }

    /// The channel groups of a channel (`GET /user/group/list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// for group in client.list_user_groups("channel-id", "service-id").await? {
    ///     println!("{}: {:?}", group.group_id, group.characters);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_user_groups(
        &self,
        channel_id: &str,
        service_id: &str,
    ) -> Result<Vec<UserGroup>, HttpError> {
        let query = [("channel_id", channel_id), ("service_id", service_id)];
        self.get("/user/group/list", &query, "data: [{group_id, characters}]").await
    }

    // ----- plumbing -----

    async fn get<T: DeserializeOwned>(
        &self,
        path: &'static str,
        query: &[(&str, &str)],
        expected: &'static str,
    ) -> Result<T, HttpError> {
        let call = Call { method: Method::GET, path };
        self.exchange(&call, query, None, Auth::Bearer, expected).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &B,
        expected: &'static str,
    ) -> Result<T, HttpError> {
        let call = Call { method: Method::POST, path };
        let body = json_body(&call, body)?;
        self.exchange(&call, &[], Some(body), Auth::Bearer, expected).await
    }

    /// Sign-in and refresh: no token, no retry.
    async fn post_anonymous<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &'static str,
        body: &B,
        expected: &'static str,
    ) -> Result<T, HttpError> {
        let call = Call { method: Method::POST, path };
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
                HttpError::with_source(
                    HttpErrorKind::InvalidRequest { call: call.to_string(), detail: e.to_string() },
                    e,
                )
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
                HttpError::with_source(
                    HttpErrorKind::Transport {
                        call: call.to_string(),
                        detail: format!("reading the answer: {e}"),
                    },
                    std::io::Error::other(e.to_string()),
                )
            })?;
            Ok::<_, HttpError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(timeout, exchange).await.map_err(|_| {
            HttpError::new(HttpErrorKind::Timeout { call: call.to_string(), after: timeout })
        })??;
        let result = decode(call, status, &bytes, auth, expected);
        match &result {
            Ok(_) => log::debug!("http {call}: {status}"),
            Err(error) => log::debug!("{error}"),
        }
        result
    }
}

fn json_body<B: Serialize + ?Sized>(call: &Call, body: &B) -> Result<Bytes, HttpError> {
    serde_json::to_vec(body).map(Bytes::from).map_err(|e| {
        HttpError::with_source(
            HttpErrorKind::InvalidRequest { call: call.to_string(), detail: e.to_string() },
            e,
        )
    })
}

/// A method and path, shown as `POST /auth/sign_in` in logs and errors.
struct Call {
    method: Method,
    path: &'static str,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

fn transport_error(call: &Call, shared: &Shared, error: awc::error::SendRequestError) -> HttpError {
    use awc::error::{ConnectError, SendRequestError};
    let kind = match &error {
        SendRequestError::Timeout => HttpErrorKind::Timeout { call: call.to_string(), after: shared.timeout },
        SendRequestError::Connect(ConnectError::Timeout) => {
            HttpErrorKind::Timeout { call: call.to_string(), after: shared.connect_timeout }
        }
        other => HttpErrorKind::Transport { call: call.to_string(), detail: other.to_string() },
    };
    // awc's errors are not `Send`; keep their text (and the io error kind when there is one).
    let source = match error {
        SendRequestError::Send(io) | SendRequestError::Connect(ConnectError::Io(io)) => io,
        other => std::io::Error::other(other.to_string()),
    };
    HttpError::with_source(kind, source)
}

/// Checks the envelope and reads `data` as `T`.
fn decode<T: DeserializeOwned>(
    call: &Call,
    status: StatusCode,
    bytes: &[u8],
    auth: Auth,
    expected: &'static str,
) -> Result<T, HttpError> {
    let unexpected = |detail: String| {
        HttpError::new(HttpErrorKind::UnexpectedResponse {
            call: call.to_string(),
            expected: expected.to_owned(),
            detail,
        })
    };
    let refused = |code: Option<i64>, message: String| {
        HttpError::new(HttpErrorKind::Refused {
            call: call.to_string(),
            status: status.as_u16(),
            code: code.unwrap_or(i64::from(status.as_u16())),
            message,
        })
    };
    let empty = bytes.iter().all(u8::is_ascii_whitespace);
    let envelope: Option<RawEnvelope<'_>> = if empty { None } else { serde_json::from_slice(bytes).ok() };
    let Some(envelope) = envelope else {
        if !status.is_success() {
            return Err(refused(None, snippet(bytes, status)));
        }
        if empty && status == StatusCode::NO_CONTENT {
            return from_data(None, call, auth, expected);
        }
        return Err(unexpected(match auth {
            Auth::Anonymous => "the answer is not a JSON object".to_owned(),
            Auth::Bearer => format!("the answer is not a JSON object: {}", snippet(bytes, status)),
        }));
    };
    let code_ok = matches!(envelope.code, Some(SUCCESS_CODE | 204));
    if !status.is_success() || !code_ok {
        let message = match envelope.message {
            Some(serde_json::Value::String(text)) => text,
            Some(other) => other.to_string(),
            None if status.is_success() => format!("no `message` (code {:?})", envelope.code),
            None => snippet(bytes, status),
        };
        return Err(refused(envelope.code, message));
    }
    from_data(envelope.data, call, auth, expected)
}

fn from_data<T: DeserializeOwned>(
    data: Option<&serde_json::value::RawValue>,
    call: &Call,
    auth: Auth,
    expected: &'static str,
) -> Result<T, HttpError> {
    let text = data.map_or("null", serde_json::value::RawValue::get);
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|error| {
        let path = error.path().to_string();
        let path = match path.as_str() {
            "." => "data".to_owned(),
            index if index.starts_with('[') => format!("data{index}"),
            field => format!("data.{field}"),
        };
        let detail = match auth {
            // serde's messages can quote values, and these answers hold tokens.
            Auth::Anonymous => format!("field `{path}` is missing or has the wrong type"),
            Auth::Bearer => format!("field `{path}`: {}", error.inner()),
        };
        HttpError::with_source(
            HttpErrorKind::UnexpectedResponse {
                call: call.to_string(),
                expected: expected.to_owned(),
                detail,
            },
            error.into_inner(),
        )
    })
}

#[derive(serde::Deserialize)]
struct RawEnvelope<'a> {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default, borrow)]
    data: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    message: Option<serde_json::Value>,
}

/// The start of a body, for an error message.
fn snippet(bytes: &[u8], status: StatusCode) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    if text.is_empty() {
        return format!("empty answer ({status})");
    }
    let mut end = text.len().min(MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let more = if end < text.len() { "..." } else { "" };
    format!("{}{more}", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> Call {
        Call { method: Method::GET, path: "/service/list" }
    }

    #[test]
    fn what_crosses_threads_can() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<SharedHttp>();
        send_sync::<TokenSource>();
        send_sync::<HttpError>();
        send_sync::<Credentials>();
        send_sync::<crate::config::Config>();
        send_sync::<crate::config::ConfigError>();
    }

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(check_base_url("https://api.moobius.ai/").unwrap(), "https://api.moobius.ai");
        assert_eq!(check_base_url("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        for bad in ["wss://ws.moobius.ai/", "api.moobius.ai", "", "http://h/?a=b"] {
            let err = check_base_url(bad).unwrap_err();
            assert!(matches!(err.kind(), HttpErrorKind::InvalidUrl { .. }), "{bad}: {err}");
            assert!(err.to_string().starts_with("invalid http url"), "{err}");
        }
    }

    #[test]
    fn success_reads_data() {
        let body = br#"{"code": 10000, "data": [{"service_id": "s1", "channel_ids": ["c1"]}]}"#;
        let list: Vec<ServiceSummary> = decode(&call(), StatusCode::OK, body, Auth::Bearer, "x").unwrap();
        assert_eq!(list[0].channel_ids, ["c1"]);
    }

    #[test]
    fn refusals_keep_code_and_message() {
        let body = br#"{"code": 404, "message": "unknown group g1"}"#;
        let err = decode::<Vec<ServiceSummary>>(&call(), StatusCode::NOT_FOUND, body, Auth::Bearer, "x")
            .unwrap_err();
        assert_eq!(err.refusal(), Some((404, "unknown group g1")));
        // A 200 whose code is not a success code is a refusal too.
        let body = br#"{"code": 500, "message": "boom"}"#;
        let err =
            decode::<Vec<ServiceSummary>>(&call(), StatusCode::OK, body, Auth::Bearer, "x").unwrap_err();
        assert_eq!(err.refusal(), Some((500, "boom")));
        // Not JSON at all.
        let err =
            decode::<()>(&call(), StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>", Auth::Bearer, "x")
                .unwrap_err();
        assert_eq!(err.refusal(), Some((502, "<html>bad gateway</html>")));
    }

    #[test]
    fn wrong_shapes_name_the_field_and_what_was_expected() {
        let body = br#"{"code": 10000, "data": [{"service_id": 7}]}"#;
        let err = decode::<Vec<ServiceSummary>>(
            &call(),
            StatusCode::OK,
            body,
            Auth::Bearer,
            "data: [{service_id}]",
        )
        .unwrap_err();
        let shown = err.to_string();
        assert!(matches!(err.kind(), HttpErrorKind::UnexpectedResponse { .. }), "{shown}");
        assert!(shown.contains("expected data: [{service_id}]"), "{shown}");
        assert!(shown.contains("data[0].service_id"), "{shown}");
    }

    #[test]
    fn sign_in_answers_never_reach_error_messages() {
        let body = br#"{"code": 10000, "data": {"AuthenticationResult": {"AccessToken": 12345678}}}"#;
        let err = decode::<AuthData>(&call(), StatusCode::OK, body, Auth::Anonymous, "x").unwrap_err();
        assert!(!err.to_string().contains("12345678"), "{err}");
        let err =
            decode::<AuthData>(&call(), StatusCode::OK, b"tok-secret", Auth::Anonymous, "x").unwrap_err();
        assert!(!err.to_string().contains("tok-secret"), "{err}");
    }

    #[test]
    fn no_content_is_success() {
        let _: serde::de::IgnoredAny =
            decode(&call(), StatusCode::NO_CONTENT, b"", Auth::Bearer, "x").unwrap();
        let _: serde::de::IgnoredAny =
            decode(&call(), StatusCode::OK, br#"{"code": 204}"#, Auth::Bearer, "x").unwrap();
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = "é".repeat(300);
        let shown = snippet(long.as_bytes(), StatusCode::OK);
        assert!(shown.ends_with("..."));
        assert!(shown.len() < 210);
    }
}
