//! The keepers: the supervisor of every channel actor of a service. For each channel it makes
//! the actor with the user's factory, hands it the channel's events one at a time and in order,
//! and when the factory, `started` or a handler fails (an error, a panic, or the actor stopping)
//! it restarts the actor after a backoff, within the service's [`RestartPolicy`]. Past the limit
//! the channel's actor stays stopped; the stop is logged, sent to
//! [`ServiceHandle::supervision`](super::ServiceHandle) watchers and kept in the channel's
//! [`ChannelStatus`].
//!
//! Restarts are timers, never calls from within a failure, so the stack does not grow. Events
//! that arrive while the actor restarts are held (up to the policy's limit) and delivered after,
//! in order; the event it failed on is reported once, not retried.
//!
//! # Memory
//! The supervisor is no actor of its own: its per-channel state (a slot) lives in the router,
//! whose context awaits every actor's answer (one set of futures, polled when one is ready) and
//! runs the restart timers. So a channel costs its actor (an actix context, its mailbox and the
//! [`Channel`] handle, whose shared part is one allocation for the whole service) and one slot;
//! an idle channel holds no event queue. An event of the connection sent to every channel is
//! logged once and owed by each channel, not copied into each queue; `Start` and those events
//! are handed over at most [`OWED_IN_FLIGHT`] at a time, so that start-up with many channels
//! does not have an event in flight per channel at once (the peak that sets a process's RSS).

use super::board::{Board, ChannelState, SupervisionKind};
use super::channel::{Channel, Failed};
use super::event::{ChannelEvent, EventKind, HandlerResult};
use super::restart::RestartPolicy;
use super::role::Role;
use super::router::Router;
use crate::client::handler::panic_message;
use crate::protocol::ChannelId;
use actix::dev::Request;
use actix::prelude::*;
use futures_util::StreamExt as _;
use futures_util::future::{Join, Ready, join, ready};
use futures_util::stream::FuturesUnordered;
use hashbrown::HashTable;
use std::collections::VecDeque;
use std::hash::BuildHasher as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{self, Poll, Waker};
use std::time::Instant;

/// Makes a channel actor.
pub(crate) type Factory<A, R> = Rc<dyn Fn(Channel<R>) -> A>;

/// What the supervisor keeps for one channel: its actor, the events it is owed, its failures.
///
/// The events owed come in this order: `Start` (after each start of an actor), then the
/// broadcasts `owed` names in the [`Keepers`]' log, then `held`.
struct Kept<A: Actor> {
    id: ChannelId,
    actor: Option<Addr<A>>,
    generation: u64,
    /// Broadcasts owed: the log's sequence numbers `owed.0..owed.1`, kept once for every
    /// channel (so a broadcast to 10,000 idle channels copies no event 10,000 times).
    owed: (u64, u64),
    held: VecDeque<ChannelEvent>,
    failures: VecDeque<Instant>,
    /// The actor's `Start` event is yet to be delivered (before anything else).
    start: bool,
    busy: bool,
    stopped: bool,
    /// Waits in [`Keepers::runnable`] for its `Start` or broadcast to be handed over.
    queued: bool,
}

impl<A: Actor> Kept<A> {
    /// Events waiting for the actor (`Start` aside).
    fn waiting(&self) -> usize {
        self.held.len() + (self.owed.1 - self.owed.0) as usize
    }
}

/// A broadcast (an event of the connection, to every channel), and how many channels still owe
/// it to their actor.
struct Logged {
    kind: EventKind,
    owing: usize,
}

/// Which actor an answer is from, to which kind of event, and whether that event was a `Start`
/// or a broadcast (which are handed over at most [`OWED_IN_FLIGHT`] at a time).
pub(crate) struct Tag {
    slot: u32,
    generation: u64,
    what: &'static str,
    owed: bool,
}

/// An event handed to an actor, until its handler has answered.
type InFlight<A> = Join<Request<A, ChannelEvent>, Ready<Tag>>;

/// `Start` and broadcast events in flight at once, over all channels: at start-up (every
/// channel's `Start`, then the connection's events) they are handed over in waves of this many,
/// so that a service with many channels does not have one event in flight per channel at once
/// (about 700 bytes each). A channel's own events are never held back for another channel's.
const OWED_IN_FLIGHT: usize = 512;

/// How the program reaches the current actor of a channel.
pub(crate) enum Reach<A: Actor> {
    Unknown,
    NotRunning,
    Running { actor: Addr<A>, slot: u32, generation: u64 },
}

/// The supervisor of every channel actor of a service (one state per channel, no actor of its
/// own: it lives in the router, whose context runs its timers and awaits its actors' answers).
pub(crate) struct Keepers<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    slots: Vec<Kept<A>>,
    /// Slot numbers, hashed by their channel's id.
    index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    factory: Factory<A, R>,
    policy: RestartPolicy,
    board: Arc<Board>,
    /// What every channel's [`Channel`] is made from.
    template: Channel<R>,
    /// Broadcasts some channel still owes its actor; the first has sequence number `log_base`.
    log: VecDeque<Logged>,
    log_base: u64,
    /// A broadcast is being logged: its entry stays (it may owe nothing yet).
    logging: bool,
    /// Channels whose `Start` or broadcast waits for room among [`OWED_IN_FLIGHT`].
    runnable: VecDeque<u32>,
    owed_in_flight: usize,
    in_flight: FuturesUnordered<InFlight<A>>,
    /// A [`Drive`] is in the router's context (only while answers are awaited, so that the
    /// router, with nothing in flight, stops once nothing holds its address).
    drive: bool,
    /// The router's task, woken when an event is handed over outside [`Keepers::drive`].
    waker: Option<Waker>,
    driving: bool,
}

impl<A, R> Keepers<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    pub(crate) fn new(
        template: Channel<R>,
        factory: Factory<A, R>,
        policy: RestartPolicy,
        board: Arc<Board>,
    ) -> Self {
        Self {
            slots: Vec::new(),
            index: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            factory,
            policy,
            board,
            template,
            log: VecDeque::new(),
            log_base: 0,
            logging: false,
            runnable: VecDeque::new(),
            owed_in_flight: 0,
            in_flight: FuturesUnordered::new(),
            drive: false,
            waker: None,
            driving: false,
        }
    }

    /// Room for `more` channels.
    pub(crate) fn reserve(&mut self, more: usize) {
        self.slots.reserve_exact(more);
        self.index.reserve(more, |&slot| self.hasher.hash_one(self.slots[slot as usize].id.as_str()));
    }

    /// The slot of `channel_id`, if it has one.
    pub(crate) fn find(&self, channel_id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(channel_id);
        self.index.find(hash, |&slot| self.slots[slot as usize].id.as_str() == channel_id).copied()
    }

    /// The slot of `channel_id`, made now (and its actor started) if it has none.
    pub(crate) fn slot(&mut self, channel_id: &ChannelId, ctx: &mut Context<Router<A, R>>) -> u32 {
        if let Some(slot) = self.find(channel_id) {
            return slot;
        }
        let slot = u32::try_from(self.slots.len()).expect("fewer than 2^32 channels");
        self.slots.push(Kept {
            id: channel_id.clone(),
            actor: None,
            generation: 0,
            owed: (0, 0),
            held: VecDeque::new(),
            failures: VecDeque::new(),
            start: false,
            busy: false,
            stopped: false,
            queued: false,
        });
        let (slots, hasher) = (&self.slots, &self.hasher);
        let hash = hasher.hash_one(channel_id.as_str());
        self.index.insert_unique(hash, slot, |&s| hasher.hash_one(slots[s as usize].id.as_str()));
        self.board.added();
        self.spawn_actor(slot, ctx);
        slot
    }

    /// The channel of `slot`.
    pub(crate) fn id(&self, slot: u32) -> &ChannelId {
        &self.slots[slot as usize].id
    }

    /// The current actor of `slot`, for the program's own messages.
    pub(crate) fn reach(&self, slot: Option<u32>) -> Reach<A> {
        let Some(slot) = slot else { return Reach::Unknown };
        let kept = &self.slots[slot as usize];
        match &kept.actor {
            Some(actor) => Reach::Running { actor: actor.clone(), slot, generation: kept.generation },
            None => Reach::NotRunning,
        }
    }

    /// Makes and starts the actor of `slot`, its `Start` event first.
    pub(crate) fn spawn_actor(&mut self, slot: u32, ctx: &mut Context<Router<A, R>>) {
        let kept = &mut self.slots[slot as usize];
        kept.generation += 1;
        let channel = self.template.kept(&kept.id, slot, kept.generation);
        let factory = Rc::clone(&self.factory);
        match catch_unwind(AssertUnwindSafe(|| factory(channel))) {
            Ok(actor) => {
                kept.actor = Some(actor.start());
                kept.start = true;
                self.board.running(&kept.id);
                self.pump(slot, ctx);
            }
            Err(panic) => self.failed(slot, format!("the factory {}", panic_message(panic.as_ref())), ctx),
        }
    }

    /// Whether `slot` takes another event; if not, the event is dropped (and counted).
    fn takes(&self, slot: u32, what: &str) -> bool {
        let kept = &self.slots[slot as usize];
        if kept.stopped || kept.waiting() >= self.policy.held_limit() {
            let why = if kept.stopped { "its actor is stopped" } else { "too many events are held" };
            log::warn!("channel {}: a {what} event is dropped: {why}", kept.id);
            self.board.update(&kept.id, |s| s.dropped += 1);
            return false;
        }
        true
    }

    /// Holds `event` for the actor of `slot` and hands it over if the actor is idle.
    pub(crate) fn deliver(&mut self, slot: u32, event: ChannelEvent, ctx: &mut Context<Router<A, R>>) {
        if !self.takes(slot, event.kind.name()) {
            return;
        }
        let kept = &mut self.slots[slot as usize];
        if kept.waiting() == 0 && !kept.busy && !kept.start && kept.actor.is_some() {
            // Idle: straight to the actor, not through the queue.
            return self.hand_over(slot, event, false, ctx);
        }
        if kept.held.len() == kept.held.capacity() && kept.held.len() < 4 {
            // Room for one more at a time while the queue is short: most channels hold one
            // event at a time, if any (an event is a few hundred bytes).
            kept.held.reserve_exact(1);
        }
        kept.held.push_back(event);
        self.pump(slot, ctx);
    }

    /// An event of the connection for every channel, each after what it already holds, but for
    /// the channels `except` takes (those waiting for a lookup queue it themselves).
    pub(crate) fn broadcast(
        &mut self,
        kind: &EventKind,
        mut except: impl FnMut(&ChannelId, &EventKind) -> bool,
        ctx: &mut Context<Router<A, R>>,
    ) {
        let seq = self.log_base + self.log.len() as u64;
        self.log.push_back(Logged { kind: kind.clone(), owing: 0 });
        self.logging = true;
        for slot in 0..self.slots.len() as u32 {
            let kept = &self.slots[slot as usize];
            if except(&kept.id, kind) {
                continue;
            }
            if !kept.held.is_empty() || (kept.owed.0 != kept.owed.1 && kept.owed.1 != seq) {
                // Behind held events: a copy in the queue.
                let event = ChannelEvent { channel_id: kept.id.clone(), kind: kind.clone() };
                self.deliver(slot, event, ctx);
                continue;
            }
            if !self.takes(slot, kind.name()) {
                continue;
            }
            let kept = &mut self.slots[slot as usize];
            if kept.owed.0 == kept.owed.1 {
                kept.owed = (seq, seq);
            }
            kept.owed.1 = seq + 1;
            self.log[(seq - self.log_base) as usize].owing += 1;
            self.pump(slot, ctx);
        }
        self.logging = false;
        self.trim_log();
    }

    /// Drops the broadcasts no channel owes any more.
    fn trim_log(&mut self) {
        if self.logging {
            return;
        }
        while self.log.front().is_some_and(|logged| logged.owing == 0) {
            self.log.pop_front();
            self.log_base += 1;
        }
    }

    /// Hands the actor of `slot` its next event (`Start`, a broadcast, else the first held),
    /// if it is idle.
    fn pump(&mut self, slot: u32, ctx: &mut Context<Router<A, R>>) {
        let kept = &mut self.slots[slot as usize];
        if kept.busy || kept.actor.is_none() {
            return;
        }
        if kept.start || kept.owed.0 != kept.owed.1 {
            if self.owed_in_flight >= OWED_IN_FLIGHT {
                if !kept.queued {
                    kept.queued = true;
                    self.runnable.push_back(slot);
                }
                return;
            }
            let kind = if kept.start {
                kept.start = false;
                EventKind::Start
            } else {
                let logged = &mut self.log[(kept.owed.0 - self.log_base) as usize];
                kept.owed.0 += 1;
                logged.owing -= 1;
                let kind = logged.kind.clone();
                self.trim_log();
                kind
            };
            let event = ChannelEvent { channel_id: self.slots[slot as usize].id.clone(), kind };
            return self.hand_over(slot, event, true, ctx);
        }
        let Some(event) = kept.held.pop_front() else { return };
        if kept.held.is_empty() {
            // Drained: an idle channel keeps no room for events.
            kept.held = VecDeque::new();
        }
        self.hand_over(slot, event, false, ctx);
    }

    /// Hands `event` to the idle actor of `slot` and awaits its answer.
    fn hand_over(&mut self, slot: u32, event: ChannelEvent, owed: bool, ctx: &mut Context<Router<A, R>>) {
        let kept = &mut self.slots[slot as usize];
        let Some(actor) = &kept.actor else { return };
        kept.busy = true;
        self.owed_in_flight += usize::from(owed);
        let tag = Tag { slot, generation: kept.generation, what: event.kind.name(), owed };
        self.in_flight.push(join(actor.send(event), ready(tag)));
        if !self.drive {
            self.drive = true;
            ctx.spawn(Drive);
        } else if !self.driving
            && let Some(waker) = &self.waker
        {
            waker.wake_by_ref();
        }
    }

    /// Takes the answers of the actors (the router's context polls this); done when none is
    /// awaited.
    fn drive(&mut self, ctx: &mut Context<Router<A, R>>, task: &mut task::Context<'_>) -> Poll<()> {
        if !self.waker.as_ref().is_some_and(|w| w.will_wake(task.waker())) {
            self.waker = Some(task.waker().clone());
        }
        self.driving = true;
        let done = loop {
            match self.in_flight.poll_next_unpin(task) {
                Poll::Ready(Some((answer, tag))) => self.answered(tag, answer, ctx),
                // Only `None` says every task is freed (a finished one may still sit in the
                // set's ready queue), so the drive ends there, not on an empty set.
                Poll::Ready(None) => break true,
                // Nothing ready, or the set yields (and wakes the router again).
                Poll::Pending => break false,
            }
        };
        self.driving = false;
        if done {
            self.drive = false;
            self.waker = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }

    fn answered(
        &mut self,
        tag: Tag,
        answer: Result<HandlerResult, MailboxError>,
        ctx: &mut Context<Router<A, R>>,
    ) {
        let Tag { slot, generation, what, owed } = tag;
        if owed {
            self.owed_in_flight -= 1;
        }
        let kept = &mut self.slots[slot as usize];
        if generation == kept.generation {
            kept.busy = false;
            match answer {
                Ok(Ok(())) => self.pump(slot, ctx),
                Ok(Err(error)) => {
                    self.failed(slot, format!("failed on a {what} event: {}", crate::report(&*error)), ctx)
                }
                Err(_) => self.failed(slot, format!("stopped or panicked on a {what} event"), ctx),
            }
        }
        while self.owed_in_flight < OWED_IN_FLIGHT
            && let Some(next) = self.runnable.pop_front()
        {
            self.slots[next as usize].queued = false;
            self.pump(next, ctx);
        }
    }

    /// A failure reported for the actor of `slot` (by the actor, or its death on a message of
    /// the program): a failure if that actor is still the current one.
    pub(crate) fn reported(&mut self, failed: Failed, ctx: &mut Context<Router<A, R>>) {
        let Failed { slot, generation, reason } = failed;
        let Some(kept) = self.slots.get(slot as usize) else { return };
        if generation == kept.generation && kept.actor.is_some() {
            self.failed(slot, reason, ctx);
        }
    }

    /// The actor of `slot` failed: restart it after a backoff, or stop for good past the limit.
    fn failed(&mut self, slot: u32, reason: String, ctx: &mut Context<Router<A, R>>) {
        let kept = &mut self.slots[slot as usize];
        // The failed actor gets no more events; it stops once nothing holds its address.
        kept.actor = None;
        kept.busy = false;
        kept.start = false;
        kept.generation += 1;
        let now = Instant::now();
        if !self.policy.allows(&mut kept.failures, now) {
            kept.stopped = true;
            let dropped = kept.waiting() as u64;
            kept.held = VecDeque::new();
            for seq in kept.owed.0..kept.owed.1 {
                self.log[(seq - self.log_base) as usize].owing -= 1;
            }
            kept.owed = (0, 0);
            let id = &kept.id;
            log::error!(
                "channel {id}: the actor {reason}; past the restart limit, it is stopped for good \
                 ({dropped} held event(s) dropped); the service's other channels carry on"
            );
            self.board.update(id, |s| {
                s.state = ChannelState::Stopped;
                s.last_failure = Some(reason.clone());
                s.dropped += dropped;
            });
            self.board.notify(id, SupervisionKind::Stopped { reason });
            self.trim_log();
            return;
        }
        let id = &kept.id;
        let attempt = kept.failures.len() as u32;
        kept.failures.push_back(now);
        let delay = self.policy.delay(attempt);
        log::error!("channel {id}: the actor {reason}; restarting it in {delay:?} (restart {})", attempt + 1);
        self.board.update(id, |s| {
            s.state = ChannelState::Restarting;
            s.restarts += 1;
            s.last_failure = Some(reason.clone());
        });
        self.board.notify(id, SupervisionKind::Restarting { reason, attempt: attempt + 1, delay });
        ctx.run_later(delay, move |router, ctx| router.keepers.spawn_actor(slot, ctx));
    }
}

/// The router's context item that takes the answers of the channel actors.
pub(crate) struct Drive;

impl<A, R> ActorFuture<Router<A, R>> for Drive
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        router: &mut Router<A, R>,
        ctx: &mut Context<Router<A, R>>,
        task: &mut task::Context<'_>,
    ) -> Poll<()> {
        router.keepers.drive(ctx, task)
    }
}

/// Why the program's message did not reach a channel actor.
#[derive(Debug, derive_more::Display, derive_more::Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelError {
    /// No such channel in this service.
    #[display("no actor serves channel {_0}")]
    Unknown(#[error(not(source))] ChannelId),
    /// The channel's actor is restarting or stopped; try again later (or see its status).
    #[display("the actor of channel {_0} is not running (restarting or stopped)")]
    NotRunning(#[error(not(source))] ChannelId),
    /// The actor failed on the message.
    #[display("the actor of channel {_0} failed on the message")]
    Failed(#[error(not(source))] ChannelId),
}
