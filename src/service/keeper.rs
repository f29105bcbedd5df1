//! The keeper: the supervisor of one channel actor. It makes the actor with the user's factory,
//! hands it the channel's events one at a time and in order, and when the factory, `started` or
//! a handler fails (an error, a panic, or the actor stopping) it restarts the actor after a
//! backoff, within the service's [`RestartPolicy`]. Past the limit the channel's actor stays
//! stopped; the stop is logged, sent to [`ServiceHandle::supervision`](super::ServiceHandle)
//! watchers and kept in the channel's [`ChannelStatus`].
//!
//! Restarts are timers, never calls from within a failure, so the stack does not grow. Events
//! that arrive while the actor restarts are held (up to the policy's limit) and delivered after,
//! in order; the event it failed on is reported once, not retried.

use super::channel::{Channel, Failed};
use super::event::{ChannelEvent, EventKind};
use super::restart::RestartPolicy;
use super::role::Role;
use crate::client::handler::panic_message;
use crate::protocol::ChannelId;
use actix::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Makes a channel actor.
pub(crate) type Factory<A, R> = Rc<dyn Fn(Channel<R>) -> A>;

/// How a channel actor fares.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelState {
    /// Serving events.
    Running,
    /// Failed; restarting after a backoff.
    Restarting,
    /// Failed more often than the restart policy allows: stopped for good.
    Stopped,
}

/// A channel actor's state and history, from [`ServiceHandle::status`](super::ServiceHandle::status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelStatus {
    /// Running, restarting or stopped.
    pub state: ChannelState,
    /// Restarts so far.
    pub restarts: u64,
    /// Why it last failed.
    pub last_failure: Option<String>,
    /// Events not delivered: held past the limit during a restart, or arriving after the stop.
    pub dropped: u64,
}

/// What the supervisor of a channel did, as [`ServiceHandle::supervision`](super::ServiceHandle)
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supervision {
    /// The channel (empty for a shared actor).
    pub channel_id: ChannelId,
    /// What happened.
    pub kind: SupervisionKind,
}

/// What the supervisor did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SupervisionKind {
    /// The actor failed and restarts after `delay`.
    Restarting {
        /// Why it failed (the event it failed on included).
        reason: String,
        /// Restarts within the policy's window so far, this one included.
        attempt: u32,
        /// The backoff before the restart.
        delay: Duration,
    },
    /// The actor failed past the restart limit and stays stopped.
    Stopped {
        /// Why it last failed.
        reason: String,
    },
}

/// The status of every channel actor of a service, and the watchers of its supervision.
#[derive(Debug)]
pub(crate) struct Board {
    statuses: Mutex<HashMap<ChannelId, ChannelStatus>>,
    notices: broadcast::Sender<Supervision>,
}

/// What [`Board::summary`] adds up.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) struct BoardSummary {
    pub(crate) running: usize,
    pub(crate) restarting: usize,
    pub(crate) stopped: usize,
    pub(crate) restarts: u64,
    pub(crate) failures: u64,
    pub(crate) dropped: u64,
}

/// Supervision notices a slow watcher may miss before it lags.
const NOTICE_CAPACITY: usize = 256;

impl Board {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self { statuses: Mutex::default(), notices: broadcast::channel(NOTICE_CAPACITY).0 })
    }

    pub(crate) fn status(&self, channel: &str) -> Option<ChannelStatus> {
        self.statuses.lock().unwrap_or_else(PoisonError::into_inner).get(channel).cloned()
    }

    pub(crate) fn watch(&self) -> broadcast::Receiver<Supervision> {
        self.notices.subscribe()
    }

    /// The channel actors by state, and their restarts, failures and dropped events summed (no
    /// per-channel figure: the metrics keep their labels bounded).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn summary(&self) -> BoardSummary {
        let statuses = self.statuses.lock().unwrap_or_else(PoisonError::into_inner);
        let mut summary = BoardSummary::default();
        for status in statuses.values() {
            match status.state {
                ChannelState::Running => summary.running += 1,
                ChannelState::Restarting => summary.restarting += 1,
                ChannelState::Stopped => summary.stopped += 1,
            }
            summary.restarts += status.restarts;
            summary.dropped += status.dropped;
        }
        // Every failure either restarted the actor or stopped it for good.
        summary.failures = summary.restarts + summary.stopped as u64;
        summary
    }

    fn update(&self, channel: &ChannelId, change: impl FnOnce(&mut ChannelStatus)) {
        let mut statuses = self.statuses.lock().unwrap_or_else(PoisonError::into_inner);
        let status = statuses.entry(channel.clone()).or_insert_with(|| ChannelStatus {
            state: ChannelState::Running,
            restarts: 0,
            last_failure: None,
            dropped: 0,
        });
        change(status);
    }

    fn notify(&self, channel_id: &ChannelId, kind: SupervisionKind) {
        let _ = self.notices.send(Supervision { channel_id: channel_id.clone(), kind });
    }
}

/// The supervisor of one channel actor.
pub(crate) struct Keeper<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    channel: Channel<R>,
    factory: Factory<A, R>,
    policy: RestartPolicy,
    board: Arc<Board>,
    actor: Option<Addr<A>>,
    generation: u64,
    held: VecDeque<ChannelEvent>,
    busy: bool,
    failures: VecDeque<Instant>,
    stopped: bool,
}

impl<A, R> Keeper<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    pub(crate) fn new(
        channel: Channel<R>,
        factory: Factory<A, R>,
        policy: RestartPolicy,
        board: Arc<Board>,
    ) -> Self {
        Self {
            channel,
            factory,
            policy,
            board,
            actor: None,
            generation: 0,
            held: VecDeque::new(),
            busy: false,
            failures: VecDeque::new(),
            stopped: false,
        }
    }

    fn id(&self) -> &ChannelId {
        self.channel.id()
    }

    /// Makes and starts the actor, its `Start` event first.
    fn spawn_actor(&mut self, ctx: &mut Context<Self>) {
        self.generation += 1;
        let id = self.id().clone();
        let channel = self.channel.clone().kept(ctx.address().recipient(), self.generation);
        let factory = Rc::clone(&self.factory);
        match catch_unwind(AssertUnwindSafe(|| factory(channel))) {
            Ok(actor) => {
                self.actor = Some(actor.start());
                self.held.push_front(ChannelEvent { channel_id: id.clone(), kind: EventKind::Start });
                self.board.update(&id, |s| s.state = ChannelState::Running);
                self.pump(ctx);
            }
            Err(panic) => self.failed(format!("the factory {}", panic_message(panic.as_ref())), ctx),
        }
    }

    /// Hands the actor the next held event, if it is idle.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if self.busy {
            return;
        }
        let Some(actor) = &self.actor else { return };
        let Some(event) = self.held.pop_front() else { return };
        self.busy = true;
        let what = event.kind.name();
        let generation = self.generation;
        ctx.spawn(actor.send(event).into_actor(self).map(move |answer, keeper, ctx| {
            if generation != keeper.generation {
                return;
            }
            keeper.busy = false;
            match answer {
                Ok(Ok(())) => keeper.pump(ctx),
                Ok(Err(error)) => {
                    keeper.failed(format!("failed on a {what} event: {}", crate::report(&*error)), ctx)
                }
                Err(_) => keeper.failed(format!("stopped or panicked on a {what} event"), ctx),
            }
        }));
    }

    /// The actor failed: restart it after a backoff, or stop for good past the limit.
    fn failed(&mut self, reason: String, ctx: &mut Context<Self>) {
        // The failed actor gets no more events; it stops once nothing holds its address.
        self.actor = None;
        self.busy = false;
        self.generation += 1;
        let now = Instant::now();
        let id = self.id().clone();
        if !self.policy.allows(&mut self.failures, now) {
            self.stopped = true;
            let dropped = self.held.len() as u64;
            self.held.clear();
            log::error!(
                "channel {id}: the actor {reason}; past the restart limit, it is stopped for good \
                 ({dropped} held event(s) dropped); the service's other channels carry on"
            );
            self.board.update(&id, |s| {
                s.state = ChannelState::Stopped;
                s.last_failure = Some(reason.clone());
                s.dropped += dropped;
            });
            self.board.notify(&id, SupervisionKind::Stopped { reason });
            return;
        }
        let attempt = self.failures.len() as u32;
        self.failures.push_back(now);
        let delay = self.policy.delay(attempt);
        log::error!("channel {id}: the actor {reason}; restarting it in {delay:?} (restart {})", attempt + 1);
        self.board.update(&id, |s| {
            s.state = ChannelState::Restarting;
            s.restarts += 1;
            s.last_failure = Some(reason.clone());
        });
        self.board.notify(&id, SupervisionKind::Restarting { reason, attempt: attempt + 1, delay });
        ctx.run_later(delay, |keeper, ctx| keeper.spawn_actor(ctx));
    }
}

impl<A, R> Actor for Keeper<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.spawn_actor(ctx);
    }
}

impl<A, R> Handler<ChannelEvent> for Keeper<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Result = super::event::HandlerResult;

    fn handle(&mut self, event: ChannelEvent, ctx: &mut Context<Self>) -> Self::Result {
        if self.stopped || self.held.len() >= self.policy.held_limit() {
            let why = if self.stopped { "its actor is stopped" } else { "too many events are held" };
            log::warn!("channel {}: a {} event is dropped: {why}", self.id(), event.kind.name());
            self.board.update(self.channel.id(), |s| s.dropped += 1);
            return Ok(());
        }
        self.held.push_back(event);
        self.pump(ctx);
        Ok(())
    }
}

impl<A, R> Handler<Failed> for Keeper<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Result = ();

    fn handle(&mut self, Failed { generation, reason }: Failed, ctx: &mut Context<Self>) {
        if generation == self.generation && self.actor.is_some() {
            self.failed(format!("reported a failure: {reason}"), ctx);
        }
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

/// The program's own message `M` for the current actor of a channel.
pub(crate) struct Relay<M>(pub(crate) M);

impl<M> actix::Message for Relay<M>
where
    M: actix::Message,
    M::Result: 'static,
{
    type Result = Result<M::Result, ChannelError>;
}

impl<A, R, M> Handler<Relay<M>> for Keeper<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent> + Handler<M>,
    R: Role,
    M: actix::Message + Send + 'static,
    M::Result: Send + 'static,
{
    type Result = ResponseActFuture<Self, Result<M::Result, ChannelError>>;

    fn handle(&mut self, Relay(message): Relay<M>, _ctx: &mut Context<Self>) -> Self::Result {
        let id = self.id().clone();
        let Some(actor) = self.actor.clone() else {
            return Box::pin(actix::fut::ready(Err(ChannelError::NotRunning(id))));
        };
        let generation = self.generation;
        Box::pin(actor.send(message).into_actor(self).map(move |answer, keeper, ctx| {
            answer.map_err(|_| {
                // The actor died on the program's message: restart it as after a failed event.
                if generation == keeper.generation {
                    keeper.failed("stopped or panicked on a message of the program".to_owned(), ctx);
                }
                ChannelError::Failed(id)
            })
        }))
    }
}
