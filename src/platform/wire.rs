//! One WebSocket's bytes, once the HTTP upgrade has handed its socket over: the handshake's
//! answer, frames read and decoded in place (continuations reassembled within a limit), frames
//! written into one buffer that is flushed once per batch, and the closing handshake.
//!
//! Why not a framework's session: an idle connection here holds no buffer at all (the read
//! buffer is let go when drained, the write buffer when flushed), where actix-web's dispatcher
//! kept 8 KiB each for reading and writing for the life of every connection; and a frame goes
//! from the socket to the hub and back with no channel hop and no copy.
//!
//! Limits: a frame is at most the codec's size (`PlatformConfig::hard_frame_limit`), a message
//! reassembled from fragments at most `PlatformConfig::reassembly_limit`, and the unflushed
//! output at most [`WRITE_BACKLOG`] before the connection stops taking input.

use super::cut_at;
use actix_codec::{Decoder as _, Framed};
use actix_http::body::BodySize;
use actix_http::h1;
use actix_http::ws::{self, CloseCode, CloseReason, Frame, Item, ProtocolError};
use actix_http::{Request, Response, StatusCode};
use actix_web::rt::net::TcpStream;
use bytes::{BufMut, Bytes, BytesMut};
use futures_util::SinkExt as _;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::{Instant, timeout_at};

/// What one read asks the socket for at most.
const READ_CHUNK: usize = 16 * 1024;

/// Output written at once when input keeps coming (otherwise each batch is flushed when the
/// input runs dry).
pub(crate) const FLUSH_BATCH: usize = 64 * 1024;

/// Unflushed output past which a connection takes no more input (neither its client's frames
/// nor events for it) until the socket drains: a client that writes without reading is slowed
/// by TCP, and its queued events back up into the hub, which cuts a slow consumer.
pub const WRITE_BACKLOG: usize = 4 * 1024 * 1024;

/// How long the closing handshake may take: the close frame written, then the client's close
/// (or end of stream) awaited.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The longest reason a close frame carries (a control frame's payload is at most 125 bytes, two
/// of them the code).
const CLOSE_REASON_MAX: usize = 123;

/// A message from the client.
#[derive(Debug)]
pub(crate) enum WsMessage {
    /// A text message, whole (its UTF-8 is the reader's to check: [`WireError::NotUtf8`]).
    Text(Bytes),
    /// A binary message, whole.
    Binary,
    /// A ping with its payload.
    Ping(Bytes),
    /// A pong.
    Pong,
    /// The client's close.
    Close,
}

/// Why the client's bytes are not a WebSocket message; each is closed with its code.
#[derive(Debug)]
pub(crate) enum WireError {
    /// A framing error (bad opcode, unmasked frame, a frame over the size limit, ...).
    Protocol(ProtocolError),
    /// A message reassembled from fragments grew past the limit.
    TooLarge { limit: usize },
    /// A text message that is not UTF-8.
    NotUtf8,
    /// The socket failed.
    Io(io::Error),
}

impl WireError {
    /// The close code and the reason this error closes the connection with.
    pub(crate) fn close_reason(&self) -> CloseReason {
        let (code, description) = match self {
            Self::Protocol(ProtocolError::Overflow) => {
                (CloseCode::Size, "websocket protocol error: frame over the size limit".to_owned())
            }
            Self::Protocol(error) => (CloseCode::Protocol, format!("websocket protocol error: {error}")),
            Self::TooLarge { limit } => (
                CloseCode::Size,
                format!(
                    "websocket protocol error: a fragmented message over the {limit}-byte continuation size"
                ),
            ),
            Self::NotUtf8 => {
                (CloseCode::Invalid, "websocket protocol error: text that is not UTF-8".to_owned())
            }
            Self::Io(error) => (CloseCode::Abnormal, format!("socket error: {error}")),
        };
        CloseReason { code, description: Some(description) }
    }
}

/// A message being reassembled from fragments.
struct Partial {
    text: bool,
    bytes: BytesMut,
}

/// One upgraded WebSocket connection's socket and buffers (server side).
pub(crate) struct Wire {
    io: Arc<TcpStream>,
    codec: ws::Codec,
    read: BytesMut,
    write: BytesMut,
    partial: Option<Partial>,
    reassembly_limit: usize,
    eof: bool,
}

/// Answers an upgrade request: the handshake's 101 and the connection's [`Wire`], or the refusal
/// written and `None` (a request that is no WebSocket handshake).
pub(crate) async fn accept(
    req: &Request,
    framed: Framed<TcpStream, h1::Codec>,
    max_frame: usize,
    reassembly_limit: usize,
) -> Option<Wire> {
    match ws::handshake(req.head()) {
        Ok(mut builder) => {
            let response = builder.finish().drop_body();
            let mut framed = framed;
            framed.send(h1::Message::Item((response, BodySize::None))).await.ok()?;
            let parts = framed.into_parts();
            Some(Wire {
                io: Arc::new(parts.io),
                codec: ws::Codec::new().max_size(max_frame),
                // Frames the client sent right behind its request may be in the buffer already.
                read: if parts.read_buf.is_empty() { BytesMut::new() } else { parts.read_buf },
                write: BytesMut::new(),
                partial: None,
                reassembly_limit,
                eof: false,
            })
        }
        Err(error) => {
            let message = format!("{error}: connect with a WebSocket client (GET with Upgrade: websocket)");
            refuse(framed, Response::from(error).status(), &message).await;
            None
        }
    }
}

/// Writes a refusal with a JSON `{"error": message}` body and closes.
pub(crate) async fn refuse(mut framed: Framed<TcpStream, h1::Codec>, status: StatusCode, message: &str) {
    let body = Bytes::from(serde_json::json!({ "error": message }).to_string());
    let mut response = Response::with_body(status, ());
    response.headers_mut().insert(
        actix_http::header::CONTENT_TYPE,
        actix_http::header::HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(actix_http::header::CONNECTION, actix_http::header::HeaderValue::from_static("close"));
    let size = BodySize::Sized(body.len() as u64);
    let _ = framed.send(h1::Message::Item((response, size))).await;
    let _ = framed.send(h1::Message::Chunk(Some(body))).await;
    let _ = framed.send(h1::Message::Chunk(None)).await;
}

impl Wire {
    /// The socket, for a cut from elsewhere (shut down, no close frame).
    pub(crate) fn socket(&self) -> Arc<TcpStream> {
        self.io.clone()
    }

    /// The next message: from what is buffered, else read. `None` at the end of the stream.
    /// Cancel-safe: a message is decoded only when it is returned.
    pub(crate) async fn recv(&mut self) -> Option<Result<WsMessage, WireError>> {
        loop {
            match self.decode() {
                Ok(Some(message)) => return Some(Ok(message)),
                Ok(None) => {}
                Err(error) => return Some(Err(error)),
            }
            if self.eof {
                return None;
            }
            if let Err(error) = self.fill().await {
                return Some(Err(WireError::Io(error)));
            }
        }
    }

    /// A message that is in the buffer already, without reading.
    pub(crate) fn try_recv(&mut self) -> Option<Result<WsMessage, WireError>> {
        if self.read.is_empty() { None } else { self.decode().transpose() }
    }

    /// Reads once (waiting for the socket to be readable); the read buffer is allocated here and
    /// let go once drained, so an idle connection holds none.
    async fn fill(&mut self) -> io::Result<()> {
        loop {
            if self.read.is_empty() && self.read.capacity() > 0 {
                self.read = BytesMut::new();
            }
            self.io.readable().await?;
            self.read.reserve(READ_CHUNK);
            match self.io.try_read_buf(&mut self.read) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(_) => return Ok(()),
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(error),
            }
        }
    }

    fn decode(&mut self) -> Result<Option<WsMessage>, WireError> {
        loop {
            let Some(frame) = self.codec.decode(&mut self.read).map_err(WireError::Protocol)? else {
                return Ok(None);
            };
            let message = match frame {
                Frame::Text(bytes) => WsMessage::Text(bytes),
                Frame::Binary(_) => WsMessage::Binary,
                Frame::Ping(bytes) => WsMessage::Ping(bytes),
                Frame::Pong(_) => WsMessage::Pong,
                Frame::Close(_) => WsMessage::Close,
                Frame::Continuation(item) => match self.continuation(item)? {
                    Some(message) => message,
                    None => continue,
                },
            };
            return Ok(Some(message));
        }
    }

    fn continuation(&mut self, item: Item) -> Result<Option<WsMessage>, WireError> {
        let (first, bytes, last) = match item {
            Item::FirstText(bytes) => (Some(true), bytes, false),
            Item::FirstBinary(bytes) => (Some(false), bytes, false),
            Item::Continue(bytes) => (None, bytes, false),
            Item::Last(bytes) => (None, bytes, true),
        };
        if let Some(text) = first {
            self.partial = Some(Partial { text, bytes: BytesMut::new() });
        }
        let limit = self.reassembly_limit;
        let Some(partial) = self.partial.as_mut() else {
            return Err(WireError::Protocol(ProtocolError::ContinuationNotStarted));
        };
        if partial.bytes.len() + bytes.len() > limit {
            self.partial = None;
            return Err(WireError::TooLarge { limit });
        }
        partial.bytes.extend_from_slice(&bytes);
        if !last {
            return Ok(None);
        }
        let Some(Partial { text: is_text, bytes }) = self.partial.take() else { return Ok(None) };
        Ok(Some(if is_text { WsMessage::Text(bytes.freeze()) } else { WsMessage::Binary }))
    }

    /// Queues a text frame (written at the next [`flush`](Self::flush)).
    pub(crate) fn text(&mut self, text: &str) {
        put_frame(&mut self.write, 0x1, text.as_bytes());
    }

    /// Queues a text frame whose text is `parts` one after the other, written in place (no
    /// string joins them first).
    pub(crate) fn text_parts(&mut self, parts: &[&str]) {
        put_text_parts(&mut self.write, parts);
    }

    /// Queues a pong with the ping's payload.
    pub(crate) fn pong(&mut self, payload: &[u8]) {
        put_frame(&mut self.write, 0xA, payload);
    }

    /// Bytes queued and not written yet.
    pub(crate) fn backlog(&self) -> usize {
        self.write.len()
    }

    /// Writes what the socket takes now, without waiting; the buffer is let go once empty.
    ///
    /// # Errors
    /// The socket's error (the peer is gone).
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        while !self.write.is_empty() {
            match self.io.try_write(&self.write) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    let _ = self.write.split_to(n);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(error) => return Err(error),
            }
        }
        self.write = BytesMut::new();
        Ok(())
    }

    /// Waits until the socket takes more output (only worth awaiting with a backlog).
    pub(crate) async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// The closing handshake: what is queued and the close frame written, then the client's
    /// close or the end of its stream awaited (what it still sends is read and dropped, so the
    /// socket is not reset under the close frame), within [`CLOSE_GRACE`].
    pub(crate) async fn close(mut self, reason: Option<CloseReason>) {
        let deadline = Instant::now() + CLOSE_GRACE;
        let mut payload = Vec::new();
        if let Some(reason) = reason {
            payload.extend_from_slice(&u16::from(reason.code).to_be_bytes());
            if let Some(description) = &reason.description {
                payload.extend_from_slice(cut_at(description, CLOSE_REASON_MAX).as_bytes());
            }
        }
        put_frame(&mut self.write, 0x8, &payload);
        let written = timeout_at(deadline, async {
            loop {
                self.flush()?;
                if self.write.is_empty() {
                    return Ok::<(), io::Error>(());
                }
                self.writable().await?;
            }
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            return;
        }
        let _ = timeout_at(deadline, async {
            loop {
                match self.decode() {
                    Ok(Some(WsMessage::Close)) | Err(_) => return,
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        if self.eof || self.fill().await.is_err() {
                            return;
                        }
                    }
                }
            }
        })
        .await;
    }
}

/// Writes one unmasked, final frame (a server's) with `opcode` and `payload`.
fn put_frame(buf: &mut BytesMut, opcode: u8, payload: &[u8]) {
    put_header(buf, opcode, payload.len());
    buf.put_slice(payload);
}

/// Writes one server text frame whose payload is `parts` joined.
fn put_text_parts(buf: &mut BytesMut, parts: &[&str]) {
    put_header(buf, 0x1, parts.iter().map(|part| part.len()).sum());
    for part in parts {
        buf.put_slice(part.as_bytes());
    }
}

/// Writes the header of an unmasked, final frame with `opcode` and a payload of `len` bytes,
/// with room reserved for the payload.
fn put_header(buf: &mut BytesMut, opcode: u8, len: usize) {
    buf.reserve(len + 10);
    buf.put_u8(0x80 | opcode);
    if len < 126 {
        buf.put_u8(len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        buf.put_u8(126);
        buf.put_u16(len);
    } else {
        buf.put_u8(127);
        buf.put_u64(len as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_codec::Encoder as _;

    /// What actix-http's own encoder writes for a server's frame.
    fn encoded(message: ws::Message) -> BytesMut {
        let mut out = BytesMut::new();
        ws::Codec::new().encode(message, &mut out).unwrap();
        out
    }

    #[test]
    fn frames_are_written_as_the_codec_writes_them() {
        for len in [0, 1, 125, 126, 127, 65_535, 65_536, 70_000] {
            let text = "x".repeat(len);
            let mut ours = BytesMut::new();
            put_frame(&mut ours, 0x1, text.as_bytes());
            assert_eq!(ours, encoded(ws::Message::Text(text.clone().into())), "text of {len}");
            let mut pong = BytesMut::new();
            put_frame(&mut pong, 0xA, &text.as_bytes()[..len.min(125)]);
            assert_eq!(pong, encoded(ws::Message::Pong(Bytes::from(text[..len.min(125)].to_owned()))));
        }
    }

    #[test]
    fn a_frame_written_in_parts_is_the_frame_of_the_joined_text() {
        for len in [0, 1, 125, 126, 127, 65_535, 65_536, 70_000] {
            let text = "é".repeat(len / 2) + &"x".repeat(len % 2);
            for cut in [0, text.len() / 2 - text.len() / 2 % 2, text.len()] {
                let (head, tail) = text.split_at(cut);
                let mut parts = BytesMut::new();
                put_text_parts(&mut parts, &[head, "", tail]);
                assert_eq!(parts, encoded(ws::Message::Text(text.clone().into())), "{len} cut at {cut}");
            }
        }
    }

    #[test]
    fn close_reasons_fit_a_control_frame_at_a_char_boundary() {
        assert_eq!(cut_at("short", CLOSE_REASON_MAX), "short");
        let long = "é".repeat(100);
        let cut = cut_at(&long, CLOSE_REASON_MAX);
        assert!(cut.len() <= CLOSE_REASON_MAX && cut.len() >= CLOSE_REASON_MAX - 1);
        assert!(long.starts_with(cut));
    }
}
