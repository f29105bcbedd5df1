//! The inspector's feed: a WebSocket that sends `hello`, the history, then every event live, and
//! reads only close frames and pings. A reader that falls behind skips ahead with a `dropped`
//! event rather than making the platform hold more.

use super::{STUDIO_FEEDS, now_ms};
use crate::platform::server::Shared;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, Session};
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

/// `GET /studio/feed`: upgrades, unless [`STUDIO_FEEDS`] are open already (503).
pub(super) async fn feed(
    req: HttpRequest,
    body: web::Payload,
    shared: web::Data<Shared>,
) -> Result<HttpResponse, actix_web::Error> {
    let shared = shared.into_inner();
    if shared.studio.feeds.fetch_add(1, Ordering::AcqRel) >= STUDIO_FEEDS {
        shared.studio.feeds.fetch_sub(1, Ordering::AcqRel);
        let message = format!("{STUDIO_FEEDS} studio feeds are open already: close one first");
        return Ok(HttpResponse::ServiceUnavailable().json(json!({ "error": message })));
    }
    let slot = FeedSlot(shared.clone());
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let stream = stream.max_frame_size(4096).aggregate_continuations().max_continuation_size(4096);
    actix_web::rt::spawn(run(slot, session, stream));
    Ok(response)
}

async fn run(slot: FeedSlot, mut session: Session, mut stream: actix_ws::AggregatedMessageStream) {
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
    if session.text(hello.to_string()).await.is_err() {
        return;
    }
    for event in history {
        if session.text(&*event).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            event = live.recv() => match event {
                Ok(event) => if session.text(&*event).await.is_err() { return },
                Err(RecvError::Lagged(count)) => {
                    let dropped = json!({"kind": "dropped", "n": 0, "at": now_ms(), "count": count});
                    if session.text(dropped.to_string()).await.is_err() { return }
                }
                Err(RecvError::Closed) => break,
            },
            message = stream.recv() => match message {
                Some(Ok(AggregatedMessage::Ping(bytes))) => {
                    if session.pong(&bytes).await.is_err() { return }
                }
                Some(Ok(AggregatedMessage::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = session.close(None).await;
}
