//! A TCP-level fault proxy for the fault suite: it relays bytes between clients and the platform
//! and can sever every open connection with a RST (data in flight is dropped), pause relaying
//! (a half-open link: sockets stay open, nothing moves), or "flap" (sever each session right after
//! the platform's login receipt has passed). It reports, with timestamps, every connection opened,
//! every login receipt it relayed and every sever, so tests can measure reconnect times and login
//! rates without sleeping.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

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
            read = upstream.read(&mut down_buf), if !hold => match read {
                Ok(0) | Err(_) => break false,
                Ok(n) => {
                    if client.write_all(&down_buf[..n]).await.is_err() { break false }
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
    use super::ReceiptWatch;

    #[test]
    fn the_receipt_is_found_across_chunks() {
        let mut watch = ReceiptWatch::default();
        assert_eq!(watch.feed(b"HTTP/1.1 101 Switching\r\nA: b\r"), None);
        assert_eq!(watch.feed(b"\n\r\n\x81\x10{\"body\":{\"stat"), None);
        assert_eq!(watch.feed(b"us\":true}}"), Some(true));
        assert_eq!(watch.feed(b"\"status\":true"), None, "once per connection");
    }
}
