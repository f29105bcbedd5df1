//! The inspector's feed: a WebSocket that sends `hello`, the history, then every event live, and
//! reads only close frames and pings. A reader that falls behind skips ahead with a `dropped`
//! event rather than making the platform hold more.

use super::{STUDIO_FEEDS, now_ms};
use crate::platform::server::Shared;
use crate::platform::wire::{self, WRITE_BACKLOG, Wire, WsMessage};
use actix_codec::Framed;
use actix_http::{Request, StatusCode, h1};
use actix_web::rt::net::TcpStream;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::broadcast::error::RecvError;

/// Counts an open feed; the count drops when this does.
struct FeedSlot(Arc<Shared>);

impl Drop for FeedSlot {
    fn drop(&mut self) {
        self.0.studio.feeds.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A WebSocket upgrade at `/studio/feed`: served, unless [`STUDIO_FEEDS`] are open already (503).
pub(crate) async fn serve_feed(shared: Arc<Shared>, req: Request, framed: Framed<TcpStream, h1::Codec>) {
    if shared.studio.feeds.fetch_add(1, Ordering::AcqRel) >= STUDIO_FEEDS {
        shared.studio.feeds.fetch_sub(1, Ordering::AcqRel);
        let message = format!("{STUDIO_FEEDS} studio feeds are open already: close one first");
        wire::refuse(framed, StatusCode::SERVICE_UNAVAILABLE, &message).await;
        return;
    }
    let slot = FeedSlot(shared);
    // The feed reads only pings and closes.
    let wire = wire::accept(&req, framed, 4096, 4096).await;
    drop(req);
    if let Some(wire) = wire {
        run(slot, wire).await;
    }
}

async fn run(slot: FeedSlot, mut wire: Wire) {
    let studio = &slot.0.studio;
    let (history, mut live) = studio.subscribe();
    let hello = json!({
        "kind": "hello",
        "n": 0,
        "at": now_ms(),
        "history": history.len(),
        "paused": *slot.0.paused.borrow(),
        "recording": studio.enabled(),
    });
    wire.text(&hello.to_string());
    let socket = wire.socket();
    let mut history = history.into_iter();
    loop {
        // The history goes out as the socket takes it, not all into the buffer at once.
        while wire.backlog() < WRITE_BACKLOG {
            let Some(event) = history.next() else { break };
            wire.text(&event);
        }
        if wire.flush().is_err() {
            return;
        }
        let backlog = wire.backlog();
        let congested = backlog >= WRITE_BACKLOG || history.len() > 0;
        tokio::select! {
            // A reader that falls behind lags in the broadcast, not in this buffer.
            event = live.recv(), if !congested => match event {
                Ok(event) => wire.text(&event),
                Err(RecvError::Lagged(count)) => {
                    let dropped = json!({"kind": "dropped", "n": 0, "at": now_ms(), "count": count});
                    wire.text(&dropped.to_string());
                }
                Err(RecvError::Closed) => break,
            },
            writable = socket.writable(), if backlog > 0 => if writable.is_err() { return },
            message = wire.recv() => match message {
                Some(Ok(WsMessage::Ping(bytes))) => wire.pong(&bytes),
                Some(Ok(WsMessage::Close) | Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    wire.close(None).await;
}
