//! Services as actors: what a user of this crate writes.
//!
//! # The core: a channel actor
//!
//! A service is an ordinary actix actor per channel (or one shared), made by the program's
//! factory from the channel's [`Channel`] handle. The framework delivers each decoded event of
//! the channel to it as a [`ChannelEvent`] message, with group ids already resolved to character
//! ids, in the order the platform sent them; channels run concurrently. The actor answers with
//! typed action messages ([`SendMessage`], [`SendButtons`], [`SendCanvas`], [`JoinChannel`], ...)
//! sent to its [`Outbox`] address: `do_send` fires and forgets, `send(..).await` gives the
//! platform's [`ActionReceipt`] or an [`ActionError`] saying why it was refused. Async work is plain
//! actix: `ctx.spawn(fut.into_actor(self).map(|result, actor, ctx| ...))`.
//!
//! **Why one event message with an enum inside**, rather than one message per kind: an actor
//! handles what it cares about in one `match` and ignores the rest (`_ => Ok(())`) without a
//! `Handler` impl per kind; every event of a channel passes through one mailbox, so order within
//! the channel is the platform's; and [`EventKind`] is `#[non_exhaustive]`, so a kind added later
//! does not break a service.
//!
//! **Roles are types.** [`AsService`] and [`AsUser`] parameterise the outbox, the channel and the
//! handle: `Outbox<AsUser>` has no handler for [`SendButtons`], so a user-mode bot that tries to
//! show buttons does not compile.
//!
//! # Supervision
//!
//! Each channel actor runs under a supervisor. An error returned by its handler, a panic (in a
//! handler, in `started`, or in the factory), the actor stopping, or a failure reported with
//! [`Channel::fail`] restarts that actor alone, after a backoff, at most
//! [`RestartPolicy`]'s count within its window; past it the actor stays stopped, which is
//! logged, sent to [`ServiceHandle::supervision`] and kept in [`ServiceHandle::status`]. Events
//! that arrive during a restart are delivered after it, in order; the event it failed on is
//! reported once and not retried. Every other channel and service keeps serving.
//!
//! # The short path
//!
//! The [`Service`] trait, one method per event kind, is a thin adapter over the core
//! ([`ServiceActor`]) for the ten-line bot; [`ServiceContext::spawn`] runs async work and hands
//! its output back with the state.
//!
//! Start one with [`ServiceBuilder`]; run several with the [`Wand`].

pub mod action;
mod board;
mod callback;
mod channel;
mod error;
mod event;
mod keeper;
#[cfg(feature = "platform")]
mod launch;
mod outbox;
pub(crate) mod provision;
mod recipients;
mod restart;
mod role;
mod router;
mod runner;
mod wand;

#[cfg(feature = "metrics")]
pub(crate) use board::{Board, BoardSummary};

pub use action::{
    ActionError, ActionErrorKind, ActionReceipt, Actions, ClickButton, ClickMenuItem, CreateAgent,
    JoinChannel, LeaveChannel, Refresh, SendAction, SendButtons, SendCanvas, SendChannelInfo, SendCharacters,
    SendFrame, SendMenu, SendMessage, SendStyle,
};
pub use board::{ChannelState, ChannelStatus, Supervision, SupervisionKind};
pub use callback::{Service, ServiceActor, ServiceContext, ServiceResult};
pub use channel::Channel;
pub use error::{ServiceError, ServiceErrorKind};
pub use event::{ChannelEvent, ChatMessage, EventKind, Fetch, HandlerError, HandlerResult, Update};
pub use keeper::ChannelError;
#[cfg(feature = "platform")]
pub use launch::{DEV_PASSWORD, Launch};
pub use outbox::{ActionResponse, Outbox};
pub use recipients::Recipients;
pub use restart::{
    DEFAULT_MAX_HELD_EVENTS, DEFAULT_MAX_RESTARTS, DEFAULT_RESTART_BACKOFF_BASE, DEFAULT_RESTART_BACKOFF_CAP,
    DEFAULT_RESTART_WINDOW, RestartPolicy,
};
pub use role::{AsService, AsUser, Role};
pub use runner::{Running, ServiceBuilder, ServiceHandle};
pub use wand::{ShutdownSignal, Wand, wait_for_signal};
