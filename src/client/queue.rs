//! The outbound-queue actor: holds every accepted frame until the platform's receipt for its
//! `request_id` arrives, sends in FIFO order while logged in, and after a reconnect resends the
//! unacknowledged frames first, in their original order with their original ids.

use super::event::{ClientEvent, Refusal};
use super::handler::Dispatch;
use super::in_flight::{InFlight, Keyed};
use super::state::Shared;
use actix::prelude::*;
use awc::ws;
use bytestring::ByteString;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};

/// The connection's writer: frames put here go out on the current socket, in order.
pub(crate) type Writer = mpsc::UnboundedSender<ws::Message>;

/// What the queue reports to whoever asked to hear about one frame's receipt.
#[derive(Debug, Clone)]
pub(crate) struct Acked {
    /// The receipt's status.
    pub(crate) status: bool,
    /// When the frame was last written (its latest resend, if any).
    pub(crate) sent_at: Instant,
    /// The platform's reason, for a refusal.
    pub(crate) reason: Option<String>,
}

/// One frame the queue holds.
struct Entry {
    request_id: String,
    text: ByteString,
    sent_at: Option<Instant>,
    notify: Option<oneshot::Sender<Acked>>,
}

impl Keyed for Entry {
    fn request_id(&self) -> &str {
        &self.request_id
    }
}

/// Accept one frame (its capacity slot is already taken by the caller).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Enqueue {
    pub(crate) request_id: String,
    pub(crate) text: ByteString,
    pub(crate) notify: Option<oneshot::Sender<Acked>>,
}

/// The connection logged in: flush through `writer`.
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Online {
    pub(crate) writer: Writer,
    pub(crate) epoch: u64,
}

/// The connection of `epoch` is gone: hold everything until the next [`Online`].
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Offline {
    pub(crate) epoch: u64,
}

/// The platform answered `request_id` (a receipt, or an error frame naming it).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Settle {
    pub(crate) request_id: String,
    pub(crate) status: bool,
    pub(crate) origin_type: Option<String>,
    pub(crate) reason: Option<String>,
}

/// Answer once the queue holds nothing (every accepted frame acknowledged).
#[derive(Message)]
#[rtype(result = "()")]
pub(crate) struct Drained(pub(crate) oneshot::Sender<()>);

/// The outbound queue. Not supervised: it never fails, and it must outlive connection restarts.
pub(crate) struct Outbound {
    shared: Arc<Shared>,
    dispatch: Dispatch,
    /// Accepted, not yet written on the current connection (all newer than `in_flight`).
    waiting: VecDeque<Entry>,
    /// Written, awaiting a receipt, in acceptance order.
    in_flight: InFlight<Entry>,
    link: Option<(Writer, u64)>,
    drain_waiters: Vec<oneshot::Sender<()>>,
}

impl Outbound {
    pub(crate) fn new(shared: Arc<Shared>, dispatch: Dispatch) -> Self {
        Self {
            shared,
            dispatch,
            waiting: VecDeque::new(),
            in_flight: InFlight::new(),
            link: None,
            drain_waiters: Vec::new(),
        }
    }

    /// Writes `entry` if online; returns it if it could not be written.
    fn transmit(&mut self, mut entry: Entry) -> Result<(), Entry> {
        let Some((writer, _)) = &self.link else { return Err(entry) };
        if writer.send(ws::Message::Text(entry.text.clone())).is_err() {
            self.link = None;
            return Err(entry);
        }
        entry.sent_at = Some(Instant::now());
        self.shared.sent.fetch_add(1, Ordering::Relaxed);
        self.in_flight.push(entry);
        Ok(())
    }

    fn publish(&self) {
        self.shared.queued.store(self.waiting.len(), Ordering::Release);
        self.shared.in_flight.store(self.in_flight.len(), Ordering::Release);
    }

    fn check_drained(&mut self) {
        if self.waiting.is_empty() && self.in_flight.is_empty() {
            for waiter in self.drain_waiters.drain(..) {
                let _ = waiter.send(());
            }
        }
    }
}

impl Actor for Outbound {
    type Context = Context<Self>;
}

impl Handler<Enqueue> for Outbound {
    type Result = ();

    fn handle(&mut self, msg: Enqueue, _ctx: &mut Context<Self>) {
        let entry = Entry { request_id: msg.request_id, text: msg.text, sent_at: None, notify: msg.notify };
        // FIFO: never overtake frames still waiting for the connection.
        if self.waiting.is_empty() {
            if let Err(entry) = self.transmit(entry) {
                self.waiting.push_back(entry);
            }
        } else {
            self.waiting.push_back(entry);
        }
        self.publish();
    }
}

impl Handler<Online> for Outbound {
    type Result = ();

    fn handle(&mut self, Online { writer, epoch }: Online, _ctx: &mut Context<Self>) {
        // First the unacknowledged frames, in their original order with their original ids.
        let mut resent = 0u64;
        let now = Instant::now();
        let mut gone = false;
        for entry in self.in_flight.iter_mut() {
            if writer.send(ws::Message::Text(entry.text.clone())).is_err() {
                gone = true;
                break;
            }
            entry.sent_at = Some(now);
            resent += 1;
        }
        if gone {
            self.publish();
            return; // That connection is already gone; the next Online resends.
        }
        self.shared.resent.fetch_add(resent, Ordering::AcqRel);
        if resent > 0 {
            log::info!("resent {resent} unacknowledged frames after reconnect");
        }
        self.link = Some((writer, epoch));
        // Then the rest, in order.
        while let Some(entry) = self.waiting.pop_front() {
            if let Err(entry) = self.transmit(entry) {
                self.waiting.push_front(entry);
                break;
            }
        }
        self.publish();
    }
}

impl Handler<Offline> for Outbound {
    type Result = ();

    fn handle(&mut self, Offline { epoch }: Offline, _ctx: &mut Context<Self>) {
        if self.link.as_ref().is_some_and(|(_, current)| *current == epoch) {
            self.link = None;
        }
    }
}

impl Handler<Settle> for Outbound {
    type Result = ();

    fn handle(&mut self, msg: Settle, _ctx: &mut Context<Self>) {
        // An id we do not hold: a second receipt for a resent frame, or not ours. Nothing to do.
        let Some(entry) = self.in_flight.remove(&msg.request_id) else { return };
        self.shared.release(1);
        if msg.status {
            self.shared.acknowledged.fetch_add(1, Ordering::AcqRel);
        } else {
            self.shared.refused.fetch_add(1, Ordering::AcqRel);
            log::warn!(
                "platform refused {} frame {}: {}",
                msg.origin_type.as_deref().unwrap_or("a"),
                msg.request_id,
                msg.reason.as_deref().unwrap_or("no reason given")
            );
        }
        let sent_at = entry.sent_at.unwrap_or_else(Instant::now);
        match entry.notify {
            // Whoever asked for this frame's receipt hears of its refusal; nobody else does.
            Some(notify) => {
                let _ = notify.send(Acked { status: msg.status, sent_at, reason: msg.reason });
            }
            None if !msg.status => self.dispatch.emit(ClientEvent::Refused(Refusal {
                request_id: msg.request_id,
                origin_type: msg.origin_type,
                reason: msg.reason,
            })),
            None => {}
        }
        self.publish();
        self.check_drained();
    }
}

impl Handler<Drained> for Outbound {
    type Result = ();

    fn handle(&mut self, Drained(waiter): Drained, _ctx: &mut Context<Self>) {
        self.drain_waiters.push(waiter);
        self.check_drained();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(message: ws::Message) -> String {
        match message {
            ws::Message::Text(text) => text.to_string(),
            other => panic!("not a text frame: {other:?}"),
        }
    }

    fn drain(rx: &mut mpsc::UnboundedReceiver<ws::Message>) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(message) = rx.try_recv() {
            out.push(text(message));
        }
        out
    }

    #[actix_rt::test]
    async fn after_a_reconnect_unacknowledged_frames_go_first_in_order_then_the_rest() {
        let shared = Arc::new(Shared::new(100));
        let queue = Outbound::new(Arc::clone(&shared), Dispatch::new(Vec::new())).start();
        let enqueue = |id: &str| {
            shared.admit().unwrap();
            queue.do_send(Enqueue { request_id: id.to_owned(), text: id.into(), notify: None });
        };
        enqueue("a");
        enqueue("b");
        let (writer, mut rx) = mpsc::unbounded_channel();
        queue.send(Online { writer, epoch: 1 }).await.unwrap();
        enqueue("c");
        queue
            .send(Settle { request_id: "b".into(), status: true, origin_type: None, reason: None })
            .await
            .unwrap();
        assert_eq!(drain(&mut rx), ["a", "b", "c"]);

        queue.send(Offline { epoch: 1 }).await.unwrap();
        enqueue("d");
        enqueue("e");
        let (writer, mut rx) = mpsc::unbounded_channel();
        queue.send(Online { writer, epoch: 2 }).await.unwrap();
        assert_eq!(drain(&mut rx), ["a", "c", "d", "e"], "resent a and c first, then the new ones");
        let counters = shared.counters();
        assert_eq!((counters.resent, counters.acknowledged, counters.in_flight), (2, 1, 4));
    }

    #[actix_rt::test]
    async fn a_stale_offline_does_not_cut_the_new_connection() {
        let shared = Arc::new(Shared::new(10));
        let queue = Outbound::new(Arc::clone(&shared), Dispatch::new(Vec::new())).start();
        let (writer, mut rx) = mpsc::unbounded_channel();
        queue.send(Online { writer, epoch: 2 }).await.unwrap();
        queue.send(Offline { epoch: 1 }).await.unwrap();
        shared.admit().unwrap();
        queue.send(Enqueue { request_id: "x".into(), text: "x".into(), notify: None }).await.unwrap();
        assert_eq!(drain(&mut rx), ["x"]);
    }
}
