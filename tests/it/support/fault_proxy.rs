//! The one fault proxy: a TCP relay between clients and the platform that can sever every open
//! connection with a RST (data in flight is dropped), pause relaying (a half-open link: sockets
//! stay open, nothing moves), "flap" (sever each session right after the platform's login receipt
//! has passed), and inject frames of its own between the platform's frames (the platform itself
//! only sends valid ones). It reports, with timestamps, every connection opened, every login
//! receipt it relayed and every sever, so tests can measure reconnect times and login rates
//! without sleeping.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, mpsc, watch};

/// Bytes read from a socket at a time.
const CHUNK: usize = 16 * 1024;
/// How much of the first WebSocket frame after the upgrade is inspected for the login receipt.
const RECEIPT_WINDOW: usize = 4096;

/// What happened on the proxy, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyEvent {
    /// A client connection was accepted (`id`).
    Opened { id: u64, at: Instant },
    /// The first frame the platform sent on `id` after the upgrade (the login receipt) passed.
    LoginReceipt { id: u64, at: Instant, accepted: bool },
    /// `id` was cut with a RST by a control (sever or flap).
    Severed { id: u64, at: Instant },
}

struct Inner {
    upstream: SocketAddr,
    next_id: AtomicU64,
    severs: Mutex<HashMap<u64, watch::Sender<bool>>>,
    paused: watch::Sender<bool>,
    flapping: AtomicBool,
    events: mpsc::UnboundedSender<ProxyEvent>,
    /// Encoded frames for every open connection's client side.
    inject: broadcast::Sender<Arc<[u8]>>,
}

impl Inner {
    fn emit(&self, event: ProxyEvent) {
        let _ = self.events.send(event);
    }
}

/// A running TCP fault proxy on 127.0.0.1. Its accept loop ends when it is dropped.
pub struct TcpProxy {
    addr: SocketAddr,
    inner: Arc<Inner>,
    events: Option<mpsc::UnboundedReceiver<ProxyEvent>>,
    _stop: watch::Sender<()>,
}

impl TcpProxy {
    /// Starts a proxy on 127.0.0.1:0 relaying to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("the proxy binds");
        let addr = listener.local_addr().expect("a local address");
        let (events_tx, events) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            upstream,
            next_id: AtomicU64::new(1),
            severs: Mutex::new(HashMap::new()),
            paused: watch::Sender::new(false),
            flapping: AtomicBool::new(false),
            events: events_tx,
            inject: broadcast::Sender::new(1024),
        });
        let (stop, mut stopped) = watch::channel(());
        let accept_inner = inner.clone();
        actix_rt::spawn(async move {
            loop {
                tokio::select! {
                    _ = stopped.changed() => return,
                    accepted = listener.accept() => {
                        let Ok((client, _)) = accepted else { continue };
                        let id = accept_inner.next_id.fetch_add(1, Ordering::Relaxed);
                        actix_rt::spawn(serve(accept_inner.clone(), id, client));
                    }
                }
            }
        });
        Self { addr, inner, events: Some(events), _stop: stop }
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `ws://ADDR/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The event stream (once).
    pub fn events(&mut self) -> mpsc::UnboundedReceiver<ProxyEvent> {
        self.events.take().expect("events() is called once")
    }

    /// Cuts every open connection with a RST on both sides; returns how many were cut.
    pub fn sever_all(&self) -> usize {
        let severs = self.inner.severs.lock().unwrap_or_else(PoisonError::into_inner);
        for sever in severs.values() {
            sever.send_replace(true);
        }
        severs.len()
    }

    /// Stops (`true`) or resumes (`false`) relaying on every connection, new ones included.
    pub fn pause(&self, paused: bool) {
        self.inner.paused.send_replace(paused);
    }

    /// While on, every connection is cut with a RST right after its login receipt passed.
    pub fn flap(&self, on: bool) {
        self.inner.flapping.store(on, Ordering::Release);
    }

    /// Sends `text` as a text frame to the client of every open connection, between two of the
    /// platform's frames.
    pub fn inject_text(&self, text: &str) {
        self.inject_frame(0x1, text.as_bytes());
    }

    /// Sends one unfragmented frame with this opcode and payload to the client of every open
    /// connection, between two of the platform's frames.
    pub fn inject_frame(&self, opcode: u8, payload: &[u8]) {
        let _ = self.inner.inject.send(encode_frame(opcode, payload).into());
    }

    /// How many connections are open through the proxy.
    pub fn open_connections(&self) -> usize {
        self.inner.severs.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

/// Finds the end of the HTTP upgrade response and the login receipt after it, in what the
/// platform sends on one connection.
#[derive(Default)]
struct ReceiptWatch {
    header: Vec<u8>,
    header_done: bool,
    first_frame: Vec<u8>,
    decided: bool,
}

impl ReceiptWatch {
    /// Feeds bytes; returns `Some(accepted)` once, when the login receipt has been seen.
    fn feed(&mut self, mut bytes: &[u8]) -> Option<bool> {
        if self.decided {
            return None;
        }
        if !self.header_done {
            let start = self.header.len().saturating_sub(3);
            self.header.extend_from_slice(bytes);
            let end = self.header[start..].windows(4).position(|w| w == b"\r\n\r\n")?;
            let body_at = start + end + 4;
            self.header_done = true;
            let rest = self.header.split_off(body_at);
            self.first_frame = rest;
            bytes = &[];
        }
        let room = RECEIPT_WINDOW.saturating_sub(self.first_frame.len());
        self.first_frame.extend_from_slice(&bytes[..bytes.len().min(room)]);
        let has = |needle: &[u8]| self.first_frame.windows(needle.len()).any(|w| w == needle);
        let verdict = if has(b"\"status\":true") || has(b"\"status\": true") {
            Some(true)
        } else if has(b"\"status\":false")
            || has(b"\"status\": false")
            || self.first_frame.len() >= RECEIPT_WINDOW
        {
            Some(false)
        } else {
            None
        };
        self.decided = verdict.is_some();
        verdict
    }
}

/// A server-to-client WebSocket frame (FIN set, unmasked).
fn encode_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 10);
    frame.push(0x80 | opcode);
    match payload.len() {
        len @ 0..=125 => frame.push(len as u8),
        len @ 126..=0xffff => {
            frame.push(126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    frame
}

/// Where the frames end in what the platform sends on one connection (after the HTTP upgrade
/// response), so an injected frame goes between two frames and never inside one.
#[derive(Default)]
struct Frames {
    /// The upgrade response's last bytes seen, until its end is found.
    header_tail: Vec<u8>,
    upgraded: bool,
    /// The current frame's header, while incomplete.
    head: Vec<u8>,
    /// Payload bytes left in the current frame.
    left: u64,
}

impl Frames {
    /// Whether the stream is between two frames.
    fn at_boundary(&self) -> bool {
        self.upgraded && self.head.is_empty() && self.left == 0
    }

    /// Consumes the start of `bytes` up to the next boundary or the end of a header part; returns
    /// how many bytes (at least one when `bytes` is not empty).
    fn consume(&mut self, bytes: &[u8]) -> usize {
        if bytes.is_empty() {
            return 0;
        }
        if !self.upgraded {
            let kept = self.header_tail.len();
            self.header_tail.extend_from_slice(&bytes[..bytes.len().min(4096)]);
            return match self.header_tail.windows(4).position(|w| w == b"\r\n\r\n") {
                Some(at) => {
                    self.upgraded = true;
                    self.header_tail = Vec::new();
                    at + 4 - kept
                }
                None => {
                    let keep_from = self.header_tail.len().saturating_sub(3);
                    self.header_tail.drain(..keep_from);
                    bytes.len().min(4096)
                }
            };
        }
        if self.left > 0 {
            let take = bytes.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
            self.left -= take as u64;
            return take;
        }
        self.head.push(bytes[0]);
        if self.head.len() >= 2 {
            let (len7, masked) = (self.head[1] & 0x7f, self.head[1] & 0x80 != 0);
            let extended = match len7 {
                126 => 2,
                127 => 8,
                _ => 0,
            };
            let full = 2 + extended + if masked { 4 } else { 0 };
            if self.head.len() == full {
                self.left = match extended {
                    0 => u64::from(len7),
                    _ => self.head[2..2 + extended].iter().fold(0, |n, b| n << 8 | u64::from(*b)),
                };
                self.head.clear();
            }
        }
        1
    }
}

/// Writes what the platform sent to the client, with the pending injected frames at the first
/// boundary.
async fn relay_down(
    client: &mut TcpStream,
    mut bytes: &[u8],
    frames: &mut Frames,
    pending: &mut Vec<Arc<[u8]>>,
) -> std::io::Result<()> {
    if pending.is_empty() {
        // The common case: track the boundaries, write the chunk whole.
        let mut rest = bytes;
        while !rest.is_empty() {
            rest = &rest[frames.consume(rest)..];
        }
        return client.write_all(bytes).await;
    }
    while !bytes.is_empty() {
        let k = frames.consume(bytes);
        client.write_all(&bytes[..k]).await?;
        bytes = &bytes[k..];
        if frames.at_boundary() {
            for frame in pending.drain(..) {
                client.write_all(&frame).await?;
            }
        }
    }
    Ok(())
}

/// Cuts `stream` with a RST: SO_LINGER 0, then close.
fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

async fn serve(inner: Arc<Inner>, id: u64, mut client: TcpStream) {
    inner.emit(ProxyEvent::Opened { id, at: Instant::now() });
    let Ok(mut upstream) = TcpStream::connect(inner.upstream).await else {
        reset(client);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (sever_tx, mut sever) = watch::channel(false);
    inner.severs.lock().unwrap_or_else(PoisonError::into_inner).insert(id, sever_tx);
    let mut paused = inner.paused.subscribe();
    let mut injected = inner.inject.subscribe();
    let mut frames = Frames::default();
    let mut pending: Vec<Arc<[u8]>> = Vec::new();
    let mut up_buf = vec![0u8; CHUNK];
    let mut down_buf = vec![0u8; CHUNK];
    let mut receipt = ReceiptWatch::default();
    let cut = loop {
        let hold = *paused.borrow_and_update();
        tokio::select! {
            _ = sever.wait_for(|s| *s) => break true,
            changed = paused.changed() => if changed.is_err() { break false },
            read = client.read(&mut up_buf), if !hold => match read {
                Ok(0) | Err(_) => break false,
                Ok(n) => if upstream.write_all(&up_buf[..n]).await.is_err() { break false },
            },
            frame = injected.recv() => match frame {
                Ok(frame) if frames.at_boundary() => {
                    if client.write_all(&frame).await.is_err() { break false }
                }
                Ok(frame) => pending.push(frame),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break false,
            },
            read = upstream.read(&mut down_buf), if !hold => match read {
                Ok(0) | Err(_) => break false,
                Ok(n) => {
                    if relay_down(&mut client, &down_buf[..n], &mut frames, &mut pending).await.is_err() {
                        break false;
                    }
                    if let Some(accepted) = receipt.feed(&down_buf[..n]) {
                        inner.emit(ProxyEvent::LoginReceipt { id, at: Instant::now(), accepted });
                        if inner.flapping.load(Ordering::Acquire) {
                            break true;
                        }
                    }
                }
            },
        }
    };
    inner.severs.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    if cut {
        inner.emit(ProxyEvent::Severed { id, at: Instant::now() });
        reset(client);
        reset(upstream);
    }
}

#[cfg(test)]
mod tests {
    use super::{Frames, ReceiptWatch, encode_frame};

    #[test]
    fn frame_boundaries_are_found_across_chunks_and_lengths() {
        let mut stream = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
        let header_len = stream.len();
        let mut ends = Vec::new();
        for len in [0, 5, 125, 126, 300, 70_000] {
            stream.extend_from_slice(&encode_frame(0x1, &vec![b'x'; len]));
            ends.push(stream.len());
        }
        for chunk in [1, 3, 7, 4096, stream.len()] {
            let mut frames = Frames::default();
            let mut seen = Vec::new();
            let mut at = 0;
            for piece in stream.chunks(chunk) {
                let mut rest = piece;
                while !rest.is_empty() {
                    let k = frames.consume(rest);
                    assert!(k > 0);
                    at += k;
                    rest = &rest[k..];
                    if frames.at_boundary() && seen.last() != Some(&at) {
                        seen.push(at);
                    }
                }
            }
            assert_eq!(seen[0], header_len, "chunk {chunk}: the upgrade response ends at a boundary");
            assert_eq!(seen[1..], ends[..], "chunk {chunk}");
        }
    }

    #[test]
    fn the_receipt_is_found_across_chunks() {
        let mut watch = ReceiptWatch::default();
        assert_eq!(watch.feed(b"HTTP/1.1 101 Switching\r\nA: b\r"), None);
        assert_eq!(watch.feed(b"\n\r\n\x81\x10{\"body\":{\"stat"), None);
        assert_eq!(watch.feed(b"us\":true}}"), Some(true));
        assert_eq!(watch.feed(b"\"status\":true"), None, "once per connection");
    }
}
