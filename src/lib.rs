#![doc = include_str!("../README.md")]
//!
//! # Modules and actors
//!
//! Data flows protocol → connection → dispatch → service; the HTTP client and the local platform
//! sit beside it.
//!
//! - [`protocol`]: the wire format as typed values, serde only. [`protocol::Frame`] is everything
//!   a client sends, [`protocol::Incoming`] / [`protocol::Event`] everything it receives. The
//!   frames that come in floods are written, and read on the platform, by hand-written code
//!   held byte-equal to serde's (message frames, receipts).
//! - [`client`]: the client runtime, a set of actors behind one [`client::Runtime`] handle:
//!   - connection actor (supervised by actix `Supervisor`): one WebSocket at a time; logs in
//!     first on every connect, decodes inbound frames, drops already-handled `seq`s, reconnects
//!     with exponential backoff and full jitter;
//!   - outbound-queue actor: bounded FIFO of accepted frames, each kept until its receipt, resent
//!     in order with its original `request_id` after a reconnect;
//!   - heartbeat actor: heartbeats through the queue, latency from their receipts, and the
//!     liveness watchdog that tells the connection to reconnect when nothing arrives;
//!   - handler actors (each under its own `Supervisor`): receive events as
//!     [`client::Delivery`] messages; a failing handler is restarted, the connection is not
//!     touched.
//! - [`http`]: the platform's HTTP API on awc: sign-in and token renewal ([`http::TokenSource`]
//!   is the shared access token), services, binding, channels, agents, and the cached
//!   recipient-list ↔ group-id mapping. One error type, [`http::HttpError`].
//! - [`config`]: the reference SDK's `config.json`, with `MOOBIUS_*` environment overrides, and
//!   [`config::ensure_service_and_channels`] to create the service and channel it lacks.
//! - [`service`]: what users write and run:
//!   - channel actors: the user's own actix actors, one per channel (or one shared), receiving
//!     [`service::ChannelEvent`] messages and sending typed action messages
//!     ([`service::action`]) to a role-typed [`service::Outbox`], which answers with receipts;
//!   - router actor: the runtime's handler for one service; resolves group ids to character
//!     ids (cached; a lookup holds only its own channel's queue) and routes each event to its
//!     channel's actor. It supervises each channel actor in a slot of its own (no actor more
//!     per channel): makes it with the user's factory, hands it its events one at a time and in
//!     order, restarts it on an error or panic with a bounded count and a backoff
//!     ([`service::RestartPolicy`]), holds events during a restart;
//!   - outbox actor: turns action messages into frames in order, character lists into group
//!     ids, and reports each frame's receipt to whoever awaits it;
//!   - [`service::Service`]: the short callback form, an adapter over the core
//!     ([`service::ServiceActor`]);
//!   - [`service::ServiceBuilder`] and [`service::Wand`]: start one or several services (sign
//!     in, create and bind what is missing, start the actors) and stop them on a signal.
//! - [`storage`]: per-channel storage as the reference SDK's `db_config` describes it: typed
//!   containers of serde values on the json (the SDK's file layout), Redis or null backend,
//!   reached from a channel actor through [`service::Channel::storage`].
//! - `platform` (feature `platform`, on by default): the embedded local Moobius platform, an
//!   actix-http server speaking the protocol's HTTP API (an actix-web app) and WebSocket (each
//!   upgraded connection owns its socket and runs in its own task), with test controls; its
//!   studio (`platform::studio`: the page at `/`, the inspector's feed, fault controls,
//!   recording), `platform::transcript` (conversations as normalised JSON lines) and
//!   `platform::replay` (a transcript's users played against a live service, turn by turn).
//! - `logging` (feature `logging`, on by default): the reference SDK's `log_config` applied.
//! - `metrics` (feature `metrics`, on by default): Prometheus metrics and health. One
//!   `metrics::Metrics` handle per process reads, at scrape time, the counters the runtimes,
//!   services and HTTP clients keep anyway (plain atomics); [`service::Wand`]'s `serve_metrics`
//!   serves `/metrics`, `/healthz` and `/readyz` on an address the program chooses, and the local
//!   platform serves its own `/metrics`.
//! - [`report`]: an error with its causes, each printed once.
//!
//! Each boundary has one error type with a `#[non_exhaustive]` kind. Its `Display` is a whole
//! sentence (what failed, what to do); [`report`] adds the system's reasons from `source()`,
//! each cause once.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]

pub mod client;
pub mod config;
pub mod http;
#[cfg(feature = "logging")]
pub mod logging;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod protocol;
mod report;
pub mod service;
pub mod storage;

#[cfg(feature = "platform")]
pub mod platform;

pub use report::{Report, report};

/// The names most programs need, in one import. Nothing here shadows a name of actix's prelude
/// or of std's, so `use actix::prelude::*; use moobius::prelude::*;` is safe.
///
/// # Examples
/// ```
/// use actix::prelude::*;
/// use moobius::prelude::*;
/// use std::fmt::Display;
///
/// #[derive(Message)]
/// #[rtype(result = "()")]
/// struct Ping;
///
/// struct Bot;
/// impl Actor for Bot {
///     type Context = Context<Self>;
/// }
/// impl Handler<ChannelEvent> for Bot {
///     type Result = HandlerResult;
///     fn handle(&mut self, _: ChannelEvent, _: &mut Context<Self>) -> HandlerResult {
///         Ok(())
///     }
/// }
/// fn shown(id: &ChannelId) -> &dyn Display { id }
/// # let _ = (shown, Ping, None::<Recipient<Ping>>, None::<Addr<Bot>>, Visibility::Visible);
/// ```
pub mod prelude {
    pub use crate::protocol::{
        ActionKind, BottomButton, Button, ButtonClick, CanvasItem, ChannelId, ChannelInfo, CharacterId,
        ClickArgument, ClickedMessage, Dialog, GroupId, InputComponent, InputType, MenuItem, MenuItemClick,
        MessageContent, MessageId, ServiceId, StyleItem, UpdateContent, Visibility,
    };
    pub use crate::service::{
        ActionError, ActionReceipt, AsService, AsUser, Channel, ChannelEvent, ChatMessage, ClickButton,
        ClickMenuItem, CreateAgent, EventKind, Fetch, HandlerResult, JoinChannel, LeaveChannel, Outbox,
        Recipients, Refresh, RestartPolicy, SendAction, SendButtons, SendCanvas, SendChannelInfo,
        SendCharacters, SendFrame, SendMenu, SendMessage, SendStyle, Service, ServiceActor, ServiceBuilder,
        ServiceContext, ServiceHandle, ServiceResult, Update, Wand,
    };
    pub use crate::storage::{Container, Storage, StorageError};
}
