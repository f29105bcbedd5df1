//! A raw WebSocket client of the platform: frames sent as given and every frame received kept in
//! order, so platform tests see exactly what is on the wire.

use super::{Endpoint, WAIT, next, wait_for};
use awc::ws;
use futures_util::{SinkExt as _, StreamExt as _};
use moobius::protocol::{Event, Frame, Incoming, Receipt, Request};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

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
    pub async fn connect(platform: &impl Endpoint) -> Self {
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
        next(&mut self.pongs, "pong").await
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
        match next(&mut self.received, "frame").await {
            Received::Text(text) => text,
            Received::End(ended) => {
                self.ended = Some(ended.clone());
                panic!("the connection ended ({ended:?}) while a frame was awaited")
            }
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
        let Received::End(ended) =
            wait_for(&mut self.received, WAIT, "end of the connection", |r| matches!(r, Received::End(_)))
                .await
        else {
            unreachable!("wait_for returns only an end")
        };
        self.ended = Some(ended.clone());
        ended
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
pub async fn login_user(platform: &impl Endpoint, token: &str) -> WsClient {
    let mut client = WsClient::connect(platform).await;
    let receipt = client.request(Frame::user_login(token)).await;
    assert!(receipt.status, "user login refused: {:?}", receipt.reason());
    client
}

/// Connects and logs in as service `service_id`; panics unless the login is accepted.
pub async fn login_service(platform: &impl Endpoint, service_id: &str, token: &str) -> WsClient {
    let mut client = WsClient::connect(platform).await;
    let receipt = client.request(Frame::service_login(service_id.into(), token)).await;
    assert!(receipt.status, "service login refused: {:?}", receipt.reason());
    client
}
