//! The replay's client of the platform, one per user of the transcript: it signs in over the
//! HTTP API, logs in as a user on its own raw WebSocket, sends frames as given (each with a fresh
//! `request_id`, awaiting its receipt so the platform sees them in the transcript's order), and
//! hands every `message_down` and `update` it receives to the replay, tagged with its user.

use super::{ReplayError, ReplayErrorKind};
use crate::http::{Credentials, HttpClient};
use crate::protocol::{CharacterId, Frame, now_millis};
use awc::ws;
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;
use std::collections::HashMap;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};

/// A client idle this long pings before the next turn (the platform closes idle connections).
const KEEPALIVE: Duration = Duration::from_secs(20);

/// The largest frame a replay client accepts.
const MAX_FRAME: usize = 64 * 1024 * 1024;

type Sink = Pin<Box<dyn futures_util::Sink<ws::Message, Error = awc::error::WsProtocolError>>>;

/// What the reader task passes to the client itself.
enum Inbound {
    /// A receipt (or an error frame): for which request, accepted or not, and why not.
    Receipt { request_id: Option<String>, status: bool, reason: Option<String> },
    /// The connection ended.
    Ended(String),
}

/// A frame a user received: the user's index and the frame.
pub(super) type Received = (usize, Value);

/// One user of the transcript, signed in and logged in.
pub(super) struct UserClient {
    pub(super) name: String,
    pub(super) id: String,
    pub(super) http: HttpClient,
    sink: Sink,
    inbound: mpsc::UnboundedReceiver<Inbound>,
    last_sent: Instant,
    /// Groups made for lists of recipients: (channel, members) → group id.
    groups: HashMap<(String, Vec<String>), String>,
}

impl UserClient {
    /// Signs `name` in, opens its WebSocket and logs in; what it receives goes to `received`.
    pub(super) async fn connect(
        urls: (&str, &str),
        name: &str,
        password: &str,
        index: usize,
        received: mpsc::UnboundedSender<Received>,
        within: Duration,
    ) -> Result<Self, ReplayError> {
        let (http_url, ws_url) = urls;
        let sign_in =
            |source| ReplayError::new(ReplayErrorKind::SignIn { user: name.to_owned() }, Some(source));
        let http = HttpClient::builder(http_url)
            .credentials(Credentials::new(name, password.to_owned()))
            .timeout(within)
            .build()
            .map_err(sign_in)?;
        http.sign_in().await.map_err(sign_in)?;
        let id = http.user_info().await.map_err(sign_in)?.user_id.to_string();
        let token = http
            .tokens()
            .access_token()
            .ok_or_else(|| ReplayError::new(ReplayErrorKind::SignIn { user: name.to_owned() }, None))?;
        let connect =
            awc::Client::builder().timeout(within).finish().ws(ws_url).max_frame_size(MAX_FRAME).connect();
        let (_, framed) = connect.await.map_err(|e| {
            ReplayError::new(
                ReplayErrorKind::Connect {
                    user: name.to_owned(),
                    url: ws_url.to_owned(),
                    detail: e.to_string(),
                },
                None,
            )
        })?;
        let (sink, stream) = framed.split();
        let (tx, inbound) = mpsc::unbounded_channel();
        actix_rt::spawn(read(stream, index, tx, received));
        let mut client = Self {
            name: name.to_owned(),
            id,
            http,
            sink: Box::pin(sink),
            inbound,
            last_sent: Instant::now(),
            groups: HashMap::new(),
        };
        let login = Frame::user_login(token).to_request(uuid::Uuid::new_v4().to_string()).encode();
        let login: Value = serde_json::from_str(&login).unwrap_or_default();
        if let (_, Some(reason)) = client.send(login, within).await? {
            return Err(ReplayError::new(ReplayErrorKind::Login { user: name.to_owned(), reason }, None));
        }
        Ok(client)
    }

    /// Sends `frame` with a fresh `request_id` (and, for a message, the time) and waits for its
    /// receipt: the frame as sent, and the platform's reason if it refused it.
    pub(super) async fn send(
        &mut self,
        mut frame: Value,
        within: Duration,
    ) -> Result<(Value, Option<String>), ReplayError> {
        let request_id = uuid::Uuid::new_v4().to_string();
        if let Value::Object(top) = &mut frame {
            top.insert("request_id".into(), request_id.clone().into());
            if top.get("type").and_then(Value::as_str) == Some("message_up")
                && let Some(Value::Object(body)) = top.get_mut("body")
            {
                body.insert("timestamp".into(), now_millis().into());
            }
        }
        let text = frame.to_string();
        self.last_sent = Instant::now();
        if let Err(e) = self.sink.send(ws::Message::Text(text.clone().into())).await {
            return Err(self.lost(e.to_string()));
        }
        let deadline = Instant::now() + within;
        loop {
            match timeout_at(deadline, self.inbound.recv()).await {
                Ok(Some(Inbound::Receipt { request_id: Some(id), status, reason })) if id == request_id => {
                    let reason = (!status).then(|| reason.unwrap_or_else(|| "refused".into()));
                    return Ok((frame, reason));
                }
                Ok(Some(Inbound::Receipt { .. })) => {}
                Ok(Some(Inbound::Ended(why))) => return Err(self.lost(why)),
                Ok(None) => return Err(self.lost("the reader stopped".into())),
                Err(_) => {
                    let kind = ReplayErrorKind::NoReceipt { user: self.name.clone(), within, frame: text };
                    return Err(ReplayError::new(kind, None));
                }
            }
        }
    }

    fn lost(&self, detail: String) -> ReplayError {
        ReplayError::new(ReplayErrorKind::Lost { user: self.name.clone(), detail }, None)
    }

    /// The group of `members` (live character ids) in `channel`, made over HTTP the first time,
    /// as a user-mode client names its recipients.
    pub(super) async fn group(&mut self, channel: &str, members: Vec<String>) -> Result<String, ReplayError> {
        let key = (channel.to_owned(), members);
        if let Some(group) = self.groups.get(&key) {
            return Ok(group.clone());
        }
        let characters: Vec<CharacterId> = key.1.iter().map(CharacterId::from).collect();
        let group = self
            .http
            .create_user_group(channel, "replay", &characters)
            .await
            .map_err(|e| ReplayError::new(ReplayErrorKind::Group { user: self.name.clone() }, Some(e)))?;
        let group = group.to_string();
        self.groups.insert(key, group.clone());
        Ok(group)
    }

    /// Pings when nothing was sent for a while, so the platform keeps the connection.
    pub(super) async fn keep_alive(&mut self) -> Result<(), ReplayError> {
        if self.last_sent.elapsed() < KEEPALIVE {
            return Ok(());
        }
        self.last_sent = Instant::now();
        let ping = self.sink.send(ws::Message::Ping(bytes::Bytes::from_static(b"replay"))).await;
        ping.map_err(|e| self.lost(e.to_string()))
    }

    /// Closes the WebSocket.
    pub(super) async fn close(mut self) {
        let _ = self.sink.send(ws::Message::Close(None)).await;
    }
}

/// Reads frames until the connection ends: receipts and errors to the client, `message_down`
/// and `update` to the replay.
async fn read(
    mut stream: impl futures_util::Stream<Item = Result<ws::Frame, awc::error::WsProtocolError>> + Unpin,
    index: usize,
    tx: mpsc::UnboundedSender<Inbound>,
    received: mpsc::UnboundedSender<Received>,
) {
    let why = loop {
        let bytes = match stream.next().await {
            Some(Ok(ws::Frame::Text(bytes))) => bytes,
            Some(Ok(ws::Frame::Close(reason))) => {
                break format!(
                    "the platform closed it: {}",
                    reason.and_then(|r| r.description).unwrap_or_default()
                );
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => break e.to_string(),
            None => break "the connection dropped".to_owned(),
        };
        let Ok(frame) = serde_json::from_slice::<Value>(&bytes) else { continue };
        let body = &frame["body"];
        let inbound = match frame["type"].as_str() {
            Some("message_down" | "update") => {
                let _ = received.send((index, frame));
                continue;
            }
            Some("copy" | "roger") => Inbound::Receipt {
                request_id: body["request_id"].as_str().map(str::to_owned),
                status: body["status"].as_bool().unwrap_or(false),
                reason: body["context"]["message"].as_str().map(str::to_owned),
            },
            Some(_) => continue,
            None => Inbound::Receipt {
                request_id: frame["request_id"].as_str().map(str::to_owned),
                status: false,
                reason: frame["message"].as_str().map(str::to_owned),
            },
        };
        if tx.send(inbound).is_err() {
            return;
        }
    };
    let _ = tx.send(Inbound::Ended(why));
}
