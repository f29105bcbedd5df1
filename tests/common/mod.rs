//! Shared helpers for tests against the embedded local platform: start it, provision accounts,
//! services, channels and groups over plain HTTP, and drive raw WebSocket clients.
//!
//! Stable names (other test files and branches rely on them):
//! - [`start_platform`] / [`start_platform_with`]: a platform on 127.0.0.1:0.
//! - HTTP (awc, JSON): [`http_post`], [`http_get`] → `(status, body)`; [`sign_in`] → [`Account`]
//!   `{token, refresh_token, user_id, username}`; [`create_service`], [`create_channel`], [`bind`],
//!   [`create_group`] (service group of character ids → group id), [`create_character`].
//! - WebSocket: [`WsClient::connect`], [`login_user`], [`login_service`]; on a client:
//!   `send_text`, `send` (a `Request`), `send_frame` (→ request id), `request` (send and await its
//!   receipt), `next_incoming`, `next_matching(pred)`, `next_event` (skips receipts), `receipt(id)`,
//!   `expect_end` (→ [`Ended`]), `close`, `stop_reading` / `resume_reading`, `ping` / `expect_pong`.
//! - [`scenario`]: owner + service (logged in) + channel bound + user (logged in, joined) + a group
//!   holding the user, the usual starting point.
//!
//! Every wait is bounded by [`WAIT`]; nothing sleeps to synchronise.
#![allow(dead_code, unreachable_pub)]

use awc::ws;
use futures_util::{SinkExt as _, StreamExt as _};
use moobius::platform::{LocalPlatform, PlatformConfig, PlatformHandle};
use moobius::protocol::{
    ChannelId, CharacterId, Event, Frame, GroupId, Incoming, Receipt, Request, ServiceId,
};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// The longest any helper waits for something to arrive.
pub const WAIT: Duration = Duration::from_secs(10);

/// Starts a platform with the default settings on 127.0.0.1:0.
pub async fn start_platform() -> PlatformHandle {
    start_platform_with(PlatformConfig::default()).await
}

/// Starts a platform with `config` on 127.0.0.1:0.
pub async fn start_platform_with(config: PlatformConfig) -> PlatformHandle {
    LocalPlatform::start_with("127.0.0.1:0", config).await.expect("the platform starts on 127.0.0.1:0")
}

fn client() -> awc::Client {
    awc::Client::builder().timeout(WAIT).finish()
}

fn auth(req: awc::ClientRequest, token: Option<&str>) -> awc::ClientRequest {
    match token {
        Some(token) => req
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Auth-Origin", "cognito")),
        None => req,
    }
}

async fn read(
    mut response: awc::ClientResponse<
        impl futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
    >,
) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body = response.body().limit(16 * 1024 * 1024).await.expect("the response body arrives");
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type:?} for {}",
        String::from_utf8_lossy(&body)
    );
    (status, serde_json::from_slice(&body).expect("the response is JSON"))
}

/// POSTs `body` as JSON to `path`, with the bearer token if given. Returns status and JSON body.
pub async fn http_post(
    platform: &PlatformHandle,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let url = format!("{}{path}", platform.http_url());
    let response =
        auth(client().post(url), token).send_json(&body).await.expect("the HTTP request goes through");
    read(response).await
}

/// GETs `path` (with its query string), with the bearer token if given.
pub async fn http_get(platform: &PlatformHandle, path: &str, token: Option<&str>) -> (u16, Value) {
    let url = format!("{}{path}", platform.http_url());
    let response = auth(client().get(url), token).send().await.expect("the HTTP request goes through");
    read(response).await
}

/// The `data` of a successful call; panics with the body otherwise.
pub fn data(answer: (u16, Value)) -> Value {
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["code"], 10000, "{}", answer.1);
    answer.1["data"].clone()
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub username: String,
    pub token: String,
    pub refresh_token: String,
    pub user_id: CharacterId,
}

/// Signs in (the first sign-in creates the account) and reads the user id from `/user/info`.
pub async fn sign_in(platform: &PlatformHandle, username: &str, password: &str) -> Account {
    let result = data(
        http_post(platform, "/auth/sign_in", None, json!({"username": username, "password": password})).await,
    );
    let token = result["AuthenticationResult"]["AccessToken"].as_str().expect("an access token").to_owned();
    let refresh_token =
        result["AuthenticationResult"]["RefreshToken"].as_str().expect("a refresh token").to_owned();
    let info = data(http_get(platform, "/user/info", Some(&token)).await);
    let user_id = info["user_id"].as_str().expect("a user id").into();
    Account { username: username.to_owned(), token, refresh_token, user_id }
}

/// Creates a service owned by `token`'s account.
pub async fn create_service(platform: &PlatformHandle, token: &str) -> ServiceId {
    let result = data(
        http_post(platform, "/service/create", Some(token), json!({"description": "test service"})).await,
    );
    result["service_id"].as_str().expect("a service id").into()
}

/// Creates a channel.
pub async fn create_channel(platform: &PlatformHandle, token: &str, name: &str) -> ChannelId {
    let body = json!({"channel_name": name, "context": {"channel_description": "a test channel"}});
    let result = data(http_post(platform, "/channel/create", Some(token), body).await);
    result["channel_id"].as_str().expect("a channel id").into()
}

/// Binds `channel_id` to `service_id` (panics if refused).
pub async fn bind(platform: &PlatformHandle, token: &str, service_id: &str, channel_id: &str) {
    data(
        http_post(
            platform,
            "/service/bind",
            Some(token),
            json!({"service_id": service_id, "channel_id": channel_id}),
        )
        .await,
    );
}

/// Creates a service group of `characters` and returns its id.
pub async fn create_group(platform: &PlatformHandle, token: &str, characters: &[&str]) -> GroupId {
    let result = data(
        http_post(
            platform,
            "/service/group/create",
            Some(token),
            json!({"group_id": "", "characters": characters}),
        )
        .await,
    );
    result.as_str().expect("the group id is a bare string").into()
}

/// Creates an agent of `service_id` and returns its character id.
pub async fn create_character(
    platform: &PlatformHandle,
    token: &str,
    service_id: &str,
    name: &str,
) -> CharacterId {
    let body =
        json!({"service_id": service_id, "context": {"name": name, "avatar": "", "description": "an agent"}});
    let result = data(http_post(platform, "/service/character/create", Some(token), body).await);
    result["character_id"].as_str().expect("a character id").into()
}

/// How a connection ended, as the client saw it.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    /// The server sent a close frame (with its reason).
    CloseFrame(Option<ws::CloseReason>),
    /// The connection dropped without a close frame (a cut).
    NoCloseFrame,
}

enum Received {
    Text(String),
    End(Ended),
}

type Sink = std::pin::Pin<Box<dyn futures_util::Sink<ws::Message, Error = awc::error::WsProtocolError>>>;

/// A raw WebSocket test client. A task reads every frame into a queue (unless reading is
/// stopped), so the test consumes them at its pace.
pub struct WsClient {
    sink: Sink,
    received: mpsc::UnboundedReceiver<Received>,
    pongs: mpsc::UnboundedReceiver<bytes::Bytes>,
    reading: watch::Sender<bool>,
    ended: Option<Ended>,
}

impl WsClient {
    /// Opens a WebSocket to the platform's `/ws` (not logged in).
    pub async fn connect(platform: &PlatformHandle) -> Self {
        Self::connect_url(&platform.ws_url()).await
    }

    /// Opens a WebSocket to `url`.
    pub async fn connect_url(url: &str) -> Self {
        let (_, framed) = awc::Client::builder()
            .timeout(WAIT)
            .finish()
            .ws(url)
            .max_frame_size(64 * 1024 * 1024)
            .connect()
            .await
            .expect("the websocket connects");
        let (sink, mut stream) = framed.split();
        let (tx, received) = mpsc::unbounded_channel();
        let (pong_tx, pongs) = mpsc::unbounded_channel();
        let (reading, mut reading_rx) = watch::channel(true);
        actix_rt::spawn(async move {
            loop {
                if reading_rx.wait_for(|r| *r).await.is_err() {
                    return;
                }
                tokio::select! {
                    changed = reading_rx.changed() => if changed.is_err() { return },
                    frame = stream.next() => {
                        let item = match frame {
                            Some(Ok(ws::Frame::Text(bytes))) => Received::Text(String::from_utf8_lossy(&bytes).into_owned()),
                            Some(Ok(ws::Frame::Close(reason))) => Received::End(Ended::CloseFrame(reason)),
                            Some(Ok(ws::Frame::Pong(bytes))) => {
                                let _ = pong_tx.send(bytes);
                                continue;
                            }
                            Some(Ok(_)) => continue,
                            Some(Err(_)) | None => Received::End(Ended::NoCloseFrame),
                        };
                        let end = matches!(item, Received::End(_));
                        if tx.send(item).is_err() || end {
                            return;
                        }
                    }
                }
            }
        });
        Self { sink: Box::pin(sink), received, pongs, reading, ended: None }
    }

    /// Sends a text frame as is.
    pub async fn send_text(&mut self, text: impl Into<String>) {
        let text: String = text.into();
        self.sink.send(ws::Message::Text(text.into())).await.expect("the frame is sent");
    }

    /// Sends a request.
    pub async fn send(&mut self, request: &Request) {
        self.send_text(request.encode()).await;
    }

    /// Sends a frame with a fresh request id, returned.
    pub async fn send_frame(&mut self, frame: Frame) -> String {
        let request = frame.into_request();
        self.send(&request).await;
        request.request_id.expect("into_request sets an id")
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, payload: &[u8]) {
        self.sink
            .send(ws::Message::Binary(bytes::Bytes::copy_from_slice(payload)))
            .await
            .expect("the frame is sent");
    }

    /// Sends any WebSocket message as is (fragments, for instance).
    pub async fn send_message(&mut self, message: ws::Message) {
        self.sink.send(message).await.expect("the message is sent");
    }

    /// Sends a WebSocket ping.
    pub async fn ping(&mut self, payload: &[u8]) {
        self.sink
            .send(ws::Message::Ping(bytes::Bytes::copy_from_slice(payload)))
            .await
            .expect("the ping is sent");
    }

    /// The next pong's payload.
    pub async fn expect_pong(&mut self) -> bytes::Bytes {
        match tokio::time::timeout(WAIT, self.pongs.recv()).await {
            Ok(Some(bytes)) => bytes,
            _ => panic!("no pong within {WAIT:?}"),
        }
    }

    /// Whether a frame arrives within `within` (for asserting that nothing does, briefly).
    pub async fn frame_within(&mut self, within: Duration) -> Option<String> {
        match tokio::time::timeout(within, self.received.recv()).await {
            Ok(Some(Received::Text(text))) => Some(text),
            Ok(Some(Received::End(ended))) => {
                self.ended = Some(ended);
                None
            }
            _ => None,
        }
    }

    /// Sends a frame and waits for its receipt.
    pub async fn request(&mut self, frame: Frame) -> Receipt {
        let id = self.send_frame(frame).await;
        self.receipt(&id).await
    }

    /// The next text frame, raw. Panics after [`WAIT`] or if the connection ended.
    pub async fn next_text(&mut self) -> String {
        match tokio::time::timeout(WAIT, self.received.recv()).await {
            Ok(Some(Received::Text(text))) => text,
            Ok(Some(Received::End(ended))) => {
                self.ended = Some(ended.clone());
                panic!("the connection ended ({ended:?}) while a frame was awaited")
            }
            Ok(None) => panic!("the connection's reader stopped while a frame was awaited"),
            Err(_) => panic!("no frame within {WAIT:?}"),
        }
    }

    /// The next frame, decoded.
    pub async fn next_incoming(&mut self) -> Incoming {
        let text = self.next_text().await;
        Incoming::decode(&text)
            .unwrap_or_else(|e| panic!("the platform sent an undecodable frame ({e}): {text}"))
    }

    /// The next frame matching `predicate`; frames before it are dropped.
    pub async fn next_matching(&mut self, predicate: impl Fn(&Incoming) -> bool) -> Incoming {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let incoming = tokio::time::timeout_at(deadline, self.next_incoming())
                .await
                .unwrap_or_else(|_| panic!("no matching frame within {WAIT:?}"));
            if predicate(&incoming) {
                return incoming;
            }
        }
    }

    /// The next event that is not a receipt.
    pub async fn next_event(&mut self) -> Incoming {
        self.next_matching(|i| !matches!(i.event, Event::Receipt(_))).await
    }

    /// The receipt for `request_id` (frames before it are dropped).
    pub async fn receipt(&mut self, request_id: &str) -> Receipt {
        match self
            .next_matching(|i| matches!(&i.event, Event::Receipt(r) if r.request_id == request_id))
            .await
            .event
        {
            Event::Receipt(receipt) => receipt,
            _ => unreachable!(),
        }
    }

    /// Waits until the connection ends (frames before are dropped) and says how.
    pub async fn expect_end(&mut self) -> Ended {
        if let Some(ended) = &self.ended {
            return ended.clone();
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.received.recv()).await {
                Ok(Some(Received::Text(_))) => continue,
                Ok(Some(Received::End(ended))) => {
                    self.ended = Some(ended.clone());
                    return ended;
                }
                Ok(None) => return Ended::NoCloseFrame,
                Err(_) => panic!("the connection did not end within {WAIT:?}"),
            }
        }
    }

    /// Closes the connection with a close frame and waits until the platform has closed it.
    pub async fn close(mut self) {
        self.sink.send(ws::Message::Close(None)).await.expect("the close frame is sent");
        self.expect_end().await;
    }

    /// Stops reading from the socket (frames pile up in the platform's buffer).
    pub fn stop_reading(&self) {
        self.reading.send_replace(false);
    }

    /// Reads again.
    pub fn resume_reading(&self) {
        self.reading.send_replace(true);
    }
}

/// Connects and logs in as the user of `token`; panics unless the login is accepted.
pub async fn login_user(platform: &PlatformHandle, token: &str) -> WsClient {
    let mut client = WsClient::connect(platform).await;
    let receipt = client.request(Frame::user_login(token)).await;
    assert!(receipt.status, "user login refused: {:?}", receipt.reason());
    client
}

/// Connects and logs in as service `service_id`; panics unless the login is accepted.
pub async fn login_service(platform: &PlatformHandle, service_id: &str, token: &str) -> WsClient {
    let mut client = WsClient::connect(platform).await;
    let receipt = client.request(Frame::service_login(service_id.into(), token)).await;
    assert!(receipt.status, "service login refused: {:?}", receipt.reason());
    client
}

/// The usual starting point of a test.
pub struct Scenario {
    pub owner: Account,
    pub user: Account,
    pub service_id: ServiceId,
    pub channel_id: ChannelId,
    /// A service group holding the user.
    pub user_group: GroupId,
    /// The service's connection (it has seen the user's join).
    pub service: WsClient,
    /// The user's connection (it has joined the channel).
    pub user_ws: WsClient,
}

/// Owner signs in, creates a service and a channel and binds them; the service logs in; a user
/// signs in, logs in and joins (the service sees the join); a group holding the user is made.
pub async fn scenario(platform: &PlatformHandle) -> Scenario {
    let owner = sign_in(platform, "owner", "owner-password").await;
    let service_id = create_service(platform, &owner.token).await;
    let channel_id = create_channel(platform, &owner.token, "lobby").await;
    bind(platform, &owner.token, &service_id, &channel_id).await;
    let mut service = login_service(platform, &service_id, &owner.token).await;
    let user = sign_in(platform, "alice", "alice-password").await;
    let mut user_ws = login_user(platform, &user.token).await;
    let receipt = user_ws.request(Frame::join_channel(user.user_id.clone(), channel_id.clone())).await;
    assert!(receipt.status, "join refused: {:?}", receipt.reason());
    let join = service.next_event().await;
    assert!(matches!(&join.event, Event::Action(a) if a.sender.as_ref() == Some(&user.user_id)), "{join:?}");
    let user_group = create_group(platform, &owner.token, &[&user.user_id]).await;
    Scenario { owner, user, service_id, channel_id, user_group, service, user_ws }
}
