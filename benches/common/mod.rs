//! What the end-to-end benches share (`e2e.rs`, `vs_python/`): the frames of the provisioned
//! [`World`](crate::support::World), the full client runtime's configuration and its awaited
//! events, the bare awc WebSocket client (the floor: no actors, no queue, no receipt tracking)
//! and the two echo services (runtime and bare) of the round-trip measurements, percentiles, and
//! the size knobs read from the environment. Each bench includes it with `mod common;` beside
//! `mod support;`.
#![allow(dead_code, unreachable_pub)]

use crate::support::{self, World};
use awc::ws;
use futures_util::{SinkExt as _, StreamExt as _};
use moobius::client::{Client, ClientConfig, ClientEvent, HandlerResult, HandlerSpec, Identity, Lifecycle};
use moobius::protocol::{Event, Frame, Incoming, MessageContent, Secret};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// A text `message_down` from the world's agent to the user's group.
pub fn down(w: &World, text: String) -> Frame {
    w.say(text)
}

/// A text `message_up` from the world's user to its group.
pub fn up(w: &World, text: String) -> Frame {
    let content = MessageContent::text(text);
    Frame::message_up(
        w.user.user_id.clone(),
        w.service_id.clone(),
        w.channel_id.clone(),
        content,
        w.user_group.clone(),
    )
    .unwrap()
}

/// The text of a message event.
pub fn text_of(event: &Event) -> Option<&str> {
    match event {
        Event::MessageUp(body) | Event::MessageDown(body) => body.content.as_text(),
        _ => None,
    }
}

/// The `p` quantile (0..=1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// `name` from the environment as a number, else `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

// ----- the full client runtime -----

/// The runtime's configuration for `url` with a queue of `capacity` frames.
pub fn config(url: &str, identity: Identity, token: &str, capacity: usize) -> ClientConfig {
    ClientConfig::builder(url, identity, Secret::new(token)).queue_capacity(capacity).build().unwrap()
}

/// The text of the next message event from a runtime's event channel.
pub async fn next_text(rx: &mut mpsc::UnboundedReceiver<Arc<ClientEvent>>) -> String {
    loop {
        let event = tokio::time::timeout(support::WAIT, rx.recv()).await.expect("an event in time").unwrap();
        match &*event {
            ClientEvent::Platform(Incoming { event, .. }) => {
                if let Some(text) = text_of(event) {
                    return text.to_owned();
                }
            }
            ClientEvent::Lifecycle(Lifecycle::Disconnected { reason }) => {
                eprintln!("note: a runtime was disconnected during the run: {reason}");
            }
            _ => {}
        }
    }
}

/// Waits (bounded) until a runtime's event channel says it logged in.
pub async fn wait_connected(rx: &mut mpsc::UnboundedReceiver<Arc<ClientEvent>>) {
    loop {
        let event = tokio::time::timeout(support::WAIT, rx.recv()).await.expect("login in time").unwrap();
        if matches!(&*event, ClientEvent::Lifecycle(Lifecycle::Connected)) {
            return;
        }
    }
}

/// A handler that answers every `message_up` with a `message_down` of the same text to the
/// world's user group (the service side of a round trip).
pub fn echo_handler(w: &Arc<World>) -> HandlerSpec {
    let w = Arc::clone(w);
    HandlerSpec::supervised("echo", move || {
        let w = Arc::clone(&w);
        move |event: &ClientEvent, client: &Client| -> HandlerResult {
            if let ClientEvent::Platform(Incoming { event: Event::MessageUp(body), .. }) = event
                && let Some(text) = body.content.as_text()
            {
                client.send(down(&w, text.to_owned()))?;
            }
            Ok(())
        }
    })
}

// ----- the bare awc client -----

/// The sending half of a bare connection.
pub type Sink = std::pin::Pin<Box<dyn futures_util::Sink<ws::Message, Error = awc::error::WsProtocolError>>>;
/// The receiving half of a bare connection.
pub type Stream = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = std::result::Result<ws::Frame, awc::error::WsProtocolError>>>,
>;

/// Opens a bare connection to `url` with `client` and sends `frame` (a login); returns the
/// halves once its receipt arrived (panics if refused or after [`support::WAIT`]).
pub async fn bare_login_with(client: &awc::Client, url: &str, frame: Frame) -> (Sink, Stream) {
    let connecting = client.ws(url).max_frame_size(16 << 20).connect();
    let (_, framed) = tokio::time::timeout(support::WAIT, connecting)
        .await
        .expect("the WebSocket connects in time")
        .expect("the WebSocket connects");
    let (mut sink, stream) = framed.split();
    sink.send(ws::Message::Text(frame.into_request().encode().into())).await.unwrap();
    let mut stream: Stream = Box::pin(stream);
    bare_receipt(&mut stream, "the bare login's receipt").await;
    (Box::pin(sink), stream)
}

/// [`bare_login_with`] with a client of its own.
pub async fn bare_login(url: &str, frame: Frame) -> (Sink, Stream) {
    bare_login_with(&awc::Client::new(), url, frame).await
}

/// Reads until the next receipt and asserts it accepted the request; panics naming `what`
/// after [`support::WAIT`].
pub async fn bare_receipt(stream: &mut Stream, what: &str) {
    let reading = async {
        loop {
            match stream.next().await {
                Some(Ok(ws::Frame::Text(bytes))) => {
                    if let Ok(Incoming { event: Event::Receipt(receipt), .. }) =
                        Incoming::decode(std::str::from_utf8(&bytes).unwrap())
                    {
                        assert!(receipt.status, "{what}: refused ({:?})", receipt.reason());
                        return;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("{what}: the connection failed: {error}"),
                None => panic!("{what}: the platform closed the connection"),
            }
        }
    };
    tokio::time::timeout(support::WAIT, reading)
        .await
        .unwrap_or_else(|_| panic!("{what} did not arrive within {:?}", support::WAIT));
}

/// The text of the next message event on a bare connection (bounded by [`support::WAIT`]).
pub async fn bare_next_text(stream: &mut Stream) -> String {
    loop {
        let frame = tokio::time::timeout(support::WAIT, stream.next()).await.expect("a frame in time");
        match frame {
            Some(Ok(ws::Frame::Text(bytes))) => {
                let incoming = Incoming::decode(std::str::from_utf8(&bytes).unwrap()).unwrap();
                if let Some(text) = text_of(&incoming.event) {
                    return text.to_owned();
                }
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => panic!("the bare client's connection failed: {error}"),
            None => panic!("the platform closed the bare client's connection"),
        }
    }
}

/// `rounds` round trips on a logged-in user's bare connection: each sends a message_up `rt<i>`
/// and waits for its echo. The durations come back sorted.
pub async fn user_round_trips(
    sink: &mut Sink,
    stream: &mut Stream,
    w: &World,
    rounds: usize,
) -> Vec<Duration> {
    let mut rtts = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let sent = std::time::Instant::now();
        let frame = up(w, format!("rt{i}")).into_request().encode();
        sink.send(ws::Message::Text(frame.into())).await.unwrap();
        let text = bare_next_text(stream).await;
        assert_eq!(text, format!("rt{i}"), "the echo of round trip {i}");
        rtts.push(sent.elapsed());
    }
    rtts.sort_unstable();
    rtts
}

/// A bare service: one task writes whatever is handed to it (flushing per burst), one reads
/// everything (receipts are dropped undecoded) and echoes each `message_up` as a `message_down`.
pub struct BareService {
    /// Frames to send.
    pub tx: mpsc::UnboundedSender<ws::Message>,
    writer: actix_rt::task::JoinHandle<()>,
    reader: actix_rt::task::JoinHandle<()>,
}

/// A task that writes what is sent to it on `sink`, in batches of up to 256 frames a flush, as
/// the full runtime's connection does; abort the handle to stop it.
pub fn batched_writer(
    mut sink: Sink,
) -> (mpsc::UnboundedSender<ws::Message>, actix_rt::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<ws::Message>();
    let writer = actix_rt::spawn(async move {
        let mut batch = Vec::with_capacity(256);
        while rx.recv_many(&mut batch, 256).await > 0 {
            for message in batch.drain(..) {
                sink.feed(message).await.unwrap();
            }
            sink.flush().await.unwrap();
        }
    });
    (tx, writer)
}

impl BareService {
    /// Logs in as the world's service at `url` and starts both tasks.
    pub async fn start(url: &str, w: &Arc<World>) -> Self {
        let (sink, mut stream) =
            bare_login(url, Frame::service_login(w.service_id.clone(), w.owner.token.as_str())).await;
        let (tx, writer) = batched_writer(sink);
        let reader = {
            let (w, tx) = (Arc::clone(w), tx.clone());
            actix_rt::spawn(async move {
                while let Some(Ok(frame)) = stream.next().await {
                    if let ws::Frame::Text(bytes) = frame
                        && bytes.windows(12).any(|b| b == b"\"message_up\"")
                        && let Ok(Incoming { event: Event::MessageUp(body), .. }) =
                            Incoming::decode(std::str::from_utf8(&bytes).unwrap())
                        && let Some(text) = body.content.as_text()
                    {
                        let reply = down(&w, text.to_owned()).into_request().encode();
                        let _ = tx.send(ws::Message::Text(reply.into()));
                    }
                }
            })
        };
        Self { tx, writer, reader }
    }

    /// Stops both tasks (the connection is dropped).
    pub fn stop(self) {
        self.reader.abort();
        drop(self.tx);
        self.writer.abort();
    }
}
