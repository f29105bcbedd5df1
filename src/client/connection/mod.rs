//! The connection actor: one WebSocket at a time, under an actix `Supervisor`. It connects (with
//! a timeout), logs in first, lets the queue flush only after the login's receipt says yes,
//! decodes what arrives and hands it on. Any failure stops it; the supervisor restarts it, and it
//! reconnects by the rule of `backoff`: at once (a jitter of a few ms) after a dropped session,
//! with exponential backoff and full jitter after failed attempts, never faster than the login
//! pacing. Everything that must survive a restart (seq, frames, counters) lives outside it, in
//! `Shared` and the queue.

mod inbound;

use super::backoff;
use super::config::{ClientConfig, Identity};
use super::error::{ClientError, ClientErrorKind};
use super::event::{ClientEvent, Lifecycle};
use super::handler::Dispatch;
use super::queue::{Offline, Online, Outbound, Writer};
use super::state::{ConnectionState, Shared};
use crate::protocol::{Frame, Receipt, Resume};
use actix::prelude::*;
use awc::error::WsProtocolError;
use awc::ws;
use bytes::BytesMut;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Frames written per flush at most, so one burst cannot starve the reader.
const WRITE_BATCH: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Connecting,
    LoggingIn,
    Connected,
}

/// Replace the connection of `epoch` (sent by the liveness watchdog).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Reconnect {
    pub(crate) epoch: u64,
    pub(crate) reason: String,
}

/// Close for good (graceful shutdown): send a close frame and stop reconnecting.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Close;

/// The HTTP/1.1 client that opens the WebSocket. Its sockets get `TCP_NODELAY`: every frame is a
/// small write answered by a small write, and with Nagle's algorithm each would wait for the
/// peer's delayed ACK (~40 ms a round trip). awc's default connector leaves the OS default, so its
/// own TCP connector is wrapped to set the option on each new socket.
fn ws_client(timeout: Duration) -> awc::Client {
    use actix_service::ServiceExt as _;
    use actix_tls::connect::{Connection as TcpConnection, Connector as TcpConnector};
    let tcp = TcpConnector::default().service().map(
        |connection: TcpConnection<awc::http::Uri, actix_rt::net::TcpStream>| {
            if let Err(error) = connection.io_ref().set_nodelay(true) {
                log::debug!("could not set TCP_NODELAY on a client socket: {error}");
            }
            connection
        },
    );
    awc::Client::builder()
        .connector(awc::Connector::new().connector(tcp))
        .max_http_version(awc::http::Version::HTTP_11)
        .timeout(timeout)
        .finish()
}

/// The supervised connection actor.
pub(crate) struct Connection {
    config: Arc<ClientConfig>,
    shared: Arc<Shared>,
    queue: Addr<Outbound>,
    dispatch: Dispatch,
    http: Option<awc::Client>,
    /// The reconnect attempt and failures in a row. Survives restarts: the supervisor reuses the
    /// value.
    retry: backoff::Retry,
    /// Paces the logins (and so the connects: each one logs in). Survives restarts.
    pacer: backoff::LoginPacer,
    /// Refused logins in a row.
    refusals: u32,
    ever_connected: bool,
    // Per connection, reset by `restarting`:
    epoch: u64,
    phase: Phase,
    writer: Option<Writer>,
    login_id: Option<String>,
    up_since: Option<Instant>,
    reason: Option<String>,
    closing: bool,
    fragment: Option<BytesMut>,
}

impl Connection {
    pub(crate) fn new(
        config: Arc<ClientConfig>,
        shared: Arc<Shared>,
        queue: Addr<Outbound>,
        dispatch: Dispatch,
    ) -> Self {
        Self {
            pacer: backoff::LoginPacer::new(config.login_burst, config.login_interval),
            config,
            shared,
            queue,
            dispatch,
            http: None,
            retry: backoff::Retry::default(),
            refusals: 0,
            ever_connected: false,
            epoch: 0,
            phase: Phase::Idle,
            writer: None,
            login_id: None,
            up_since: None,
            reason: None,
            closing: false,
            fragment: None,
        }
    }

    fn set_state(&self, state: ConnectionState) {
        if self.shared.set_state(state.clone()) {
            log::debug!("connection state: {state:?}");
            self.dispatch.emit(ClientEvent::Lifecycle(Lifecycle::State(state)));
        }
    }

    /// Ends this connection; the supervisor restarts the actor (with backoff).
    fn fail(&mut self, reason: impl Into<String>, ctx: &mut Context<Self>) {
        if self.reason.is_none() {
            let reason = reason.into();
            if !self.closing {
                log::warn!("connection to {} lost: {reason}", self.config.url);
            }
            self.reason = Some(reason);
        }
        ctx.stop();
    }

    fn connect(&mut self, ctx: &mut Context<Self>) {
        if self.shared.finished() {
            ctx.stop();
            return;
        }
        self.epoch = self.shared.next_epoch();
        self.phase = Phase::Connecting;
        // The runtime starts in `Connecting`: the first attempt is reported although unchanged.
        if self.shared.set_state(ConnectionState::Connecting) || self.epoch == 1 {
            self.dispatch.emit(ClientEvent::Lifecycle(Lifecycle::State(ConnectionState::Connecting)));
        }
        let http = self.http.get_or_insert_with(|| ws_client(self.config.connect_timeout)).clone();
        let request = http.ws(self.config.url.as_str()).max_frame_size(self.config.max_frame_size);
        let timeout = self.config.connect_timeout;
        let connecting = async move { tokio::time::timeout(timeout, request.connect()).await };
        ctx.spawn(connecting.into_actor(self).map(move |outcome, act, ctx| match outcome {
            Ok(Ok((_response, socket))) => act.connected(socket, ctx),
            Ok(Err(error)) => {
                let detail = format!("connect to {} failed: {error}", act.config.url);
                act.dispatch.emit(ClientEvent::Error(ClientError::new(ClientErrorKind::Transport {
                    detail: detail.clone(),
                })));
                act.fail(detail, ctx);
            }
            Err(elapsed) => {
                let detail = format!("connect to {} timed out after {timeout:?}", act.config.url);
                let kind = ClientErrorKind::Transport { detail: detail.clone() };
                act.dispatch.emit(ClientEvent::Error(ClientError::with_source(kind, elapsed)));
                act.fail(detail, ctx);
            }
        }));
    }

    fn connected<S>(&mut self, socket: S, ctx: &mut Context<Self>)
    where
        S: futures_util::Stream<Item = Result<ws::Frame, WsProtocolError>>
            + futures_util::Sink<ws::Message, Error = WsProtocolError>
            + 'static,
    {
        let (sink, stream) = socket.split();
        ctx.add_stream(stream);
        let (writer, rx) = mpsc::unbounded_channel();
        let timeout = self.config.send_timeout;
        ctx.spawn(write_loop(sink, rx, timeout).into_actor(self).map(|outcome, act, ctx| {
            if act.closing {
                ctx.stop();
            } else {
                let reason = outcome.err().unwrap_or_else(|| "writer ended".to_owned());
                act.fail(reason, ctx);
            }
        }));
        self.writer = Some(writer);
        self.shared.touch();
        self.login(ctx);
    }

    fn login(&mut self, ctx: &mut Context<Self>) {
        let access_token = self.config.token.access_token();
        // Every re-login resumes, even with nothing handled yet (seq 0: replay all that is held),
        // so events sent during an outage are not lost; the very first login of the runtime asks
        // for no replay. A platform without `seq` ignores the field.
        let resume = match (self.shared.last_seq(), self.ever_connected) {
            (0, false) => None,
            (seq, _) => Some(Resume { seq }),
        };
        let frame = match &self.config.identity {
            Identity::Service { service_id } => {
                Frame::ServiceLogin { service_id: service_id.clone(), access_token, resume }
            }
            Identity::User => Frame::UserLogin { access_token, resume },
        };
        let request = frame.into_request();
        self.login_id = request.request_id.clone();
        let Some(writer) = &self.writer else { return };
        if writer.send(ws::Message::Text(request.encode().into())).is_err() {
            self.fail("writer closed before login", ctx);
            return;
        }
        self.phase = Phase::LoggingIn;
        self.set_state(ConnectionState::LoggingIn);
        let epoch = self.epoch;
        ctx.run_later(self.config.send_timeout, move |act, ctx| {
            if act.epoch == epoch && act.phase == Phase::LoggingIn {
                act.fail(format!("no login receipt within {:?}", act.config.send_timeout), ctx);
            }
        });
    }

    fn on_login(&mut self, receipt: Receipt, ctx: &mut Context<Self>) {
        self.login_id = None;
        if receipt.status {
            self.phase = Phase::Connected;
            self.refusals = 0;
            self.up_since = Some(Instant::now());
            self.set_state(ConnectionState::Connected);
            let event = if self.ever_connected { Lifecycle::Reconnected } else { Lifecycle::Connected };
            self.ever_connected = true;
            log::info!("logged in to {} ({event:?})", self.config.url);
            self.dispatch.emit(ClientEvent::Lifecycle(event));
            if let Some(writer) = &self.writer {
                self.queue.do_send(Online { writer: writer.clone(), epoch: self.epoch });
            }
            return;
        }
        self.refusals += 1;
        let reason = receipt.reason().unwrap_or("no reason given").to_owned();
        log::error!("login refused ({}/{}): {reason}", self.refusals, self.config.max_login_refusals);
        self.dispatch.emit(ClientEvent::Error(ClientError::new(ClientErrorKind::LoginRefused {
            reason: reason.clone(),
            refusals: self.refusals,
        })));
        if self.refusals >= self.config.max_login_refusals {
            let fatal = ClientError::new(ClientErrorKind::TooManyRefusals {
                reason: reason.clone(),
                refusals: self.refusals,
            });
            log::error!("{fatal}");
            self.shared.finish(Some(fatal.to_string()));
            self.dispatch.emit(ClientEvent::Error(fatal));
        }
        self.fail(format!("login refused: {reason}"), ctx);
    }
}

impl Actor for Connection {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.shared.finished() {
            if self.shared.set_state(ConnectionState::Stopped) {
                self.dispatch.emit(ClientEvent::Lifecycle(Lifecycle::State(ConnectionState::Stopped)));
                self.dispatch.emit(ClientEvent::Lifecycle(Lifecycle::Stopped { fatal: self.shared.fatal() }));
            }
            return; // Idle for good; the supervisor ends once the runtime drops its addresses.
        }
        let retry = self.retry;
        let delay = backoff::retry_delay(
            retry,
            self.config.backoff_base,
            self.config.backoff_cap,
            self.config.session_drop_jitter,
            backoff::jitter(),
        );
        let paced = if self.config.login_interval.is_zero() {
            Duration::ZERO
        } else {
            self.pacer.reserve(Instant::now() + delay)
        };
        if retry.attempt == 0 && delay.is_zero() && paced.is_zero() {
            self.connect(ctx);
            return;
        }
        let wait = delay + paced;
        if paced.is_zero() {
            log::info!(
                "reconnecting to {} in {wait:?} (attempt {}, {} failed in a row)",
                self.config.url,
                retry.attempt,
                retry.failures
            );
        } else {
            log::warn!(
                "reconnecting to {} in {wait:?} (attempt {}, {} failed in a row; {paced:?} of it is login pacing: \
                 at most {} logins at once, then one per {:?})",
                self.config.url,
                retry.attempt,
                retry.failures,
                self.config.login_burst,
                self.config.login_interval
            );
        }
        self.set_state(ConnectionState::BackingOff { attempt: retry.attempt });
        ctx.run_later(wait, |act, ctx| act.connect(ctx));
    }

    fn stopping(&mut self, _ctx: &mut Context<Self>) -> Running {
        if matches!(self.phase, Phase::LoggingIn | Phase::Connected) {
            self.queue.do_send(Offline { epoch: self.epoch });
            if !self.shared.finished() {
                let reason = self.reason.clone().unwrap_or_else(|| "connection stopped".to_owned());
                self.dispatch.emit(ClientEvent::Lifecycle(Lifecycle::Disconnected { reason }));
            }
        }
        self.writer = None;
        Running::Stop
    }
}

impl Supervised for Connection {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        // A session that had logged in reconnects at once; anything else was a failed attempt.
        self.retry = backoff::after_connection(self.retry, self.up_since.is_some());
        self.phase = Phase::Idle;
        self.writer = None;
        self.login_id = None;
        self.up_since = None;
        self.reason = None;
        self.fragment = None;
    }
}

impl StreamHandler<Result<ws::Frame, WsProtocolError>> for Connection {
    fn handle(&mut self, item: Result<ws::Frame, WsProtocolError>, ctx: &mut Context<Self>) {
        self.shared.touch();
        match item {
            Ok(ws::Frame::Text(bytes)) => self.on_text(&bytes, ctx),
            Ok(ws::Frame::Binary(_)) => {
                self.malformed("binary frame: the platform sends JSON text frames".to_owned())
            }
            Ok(ws::Frame::Continuation(item)) => self.on_fragment(item, ctx),
            Ok(ws::Frame::Ping(payload)) => {
                if let Some(writer) = &self.writer {
                    let _ = writer.send(ws::Message::Pong(payload));
                }
            }
            Ok(ws::Frame::Pong(_)) => {}
            Ok(ws::Frame::Close(reason)) => {
                let why = reason
                    .map(|r| format!("{:?} {}", r.code, r.description.unwrap_or_default()))
                    .unwrap_or_default();
                self.fail(format!("platform closed the connection {why}").trim_end().to_owned(), ctx);
            }
            Err(error) => self.fail(format!("websocket protocol error: {error}"), ctx),
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        self.fail("connection closed by the platform", ctx);
    }
}

impl Handler<Reconnect> for Connection {
    type Result = ();

    fn handle(&mut self, msg: Reconnect, ctx: &mut Context<Self>) {
        if msg.epoch == self.epoch && matches!(self.phase, Phase::LoggingIn | Phase::Connected) {
            self.fail(msg.reason, ctx);
        }
    }
}

impl Handler<Close> for Connection {
    type Result = ();

    fn handle(&mut self, _: Close, ctx: &mut Context<Self>) {
        self.closing = true;
        self.shared.finish(None);
        match self.writer.take() {
            Some(writer) if writer.send(ws::Message::Close(Some(ws::CloseCode::Normal.into()))).is_ok() => {
                // The writer ends after the close frame; stop then, or after the send timeout.
                ctx.run_later(self.config.send_timeout, |_, ctx| ctx.stop());
            }
            _ => ctx.stop(),
        }
    }
}

/// Writes what arrives on `rx` to the socket in batches, each under `timeout`. Ends with `Ok`
/// after a close frame (or when every sender is gone), with `Err` saying why on failure.
async fn write_loop<S: futures_util::Sink<ws::Message, Error = WsProtocolError>>(
    mut sink: SplitSink<S, ws::Message>,
    mut rx: mpsc::UnboundedReceiver<ws::Message>,
    timeout: Duration,
) -> Result<(), String> {
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    loop {
        if rx.recv_many(&mut batch, WRITE_BATCH).await == 0 {
            let _ = tokio::time::timeout(timeout, sink.close()).await;
            return Ok(());
        }
        let closing = batch.iter().any(|m| matches!(m, ws::Message::Close(_)));
        let write = async {
            for message in batch.drain(..) {
                sink.feed(message).await?;
            }
            sink.flush().await
        };
        match tokio::time::timeout(timeout, write).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(format!("send failed: {error}")),
            Err(_) => return Err(format!("send timed out after {timeout:?}")),
        }
        if closing {
            let _ = tokio::time::timeout(timeout, sink.close()).await;
            return Ok(());
        }
    }
}
