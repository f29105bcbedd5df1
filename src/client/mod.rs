//! The client runtime: a supervised WebSocket connection to a Moobius platform that logs in on
//! every connect, sends through a bounded outbound queue that loses nothing (receipts, resend in
//! order), watches liveness with heartbeats, resumes inbound events by `seq`, and hands events to
//! supervised handler actors.
//!
//! Start one with [`Runtime::start`]; send with [`Client::send`]; stop with
//! [`Runtime::shutdown`].
//!
//! # Actor topology
//!
//! The **connection** actor (under an actix `Supervisor`) owns the one WebSocket: it connects,
//! writes the login first, and only on the login receipt `status: true` sends `Online` (with its
//! writer) to the **outbound-queue** actor; any failure stops it, it sends `Offline`, and the
//! supervisor restarts it after a backoff with full jitter. It decodes inbound frames: receipts
//! go to the queue as `Settle`, everything else goes to the handlers as [`Delivery`] messages
//! (events whose `seq` was already handled are dropped). The queue owns every accepted frame
//! (`Enqueue`, admitted against its capacity by [`Client::send`]) until its receipt, resends the
//! unacknowledged ones in order on each `Online`, and reports refusals to the handlers. The
//! **heartbeat** actor enqueues a heartbeat every interval, reads the latency from its receipt,
//! and sends `Reconnect` to the connection when nothing has arrived for the liveness limit. Each
//! **handler** runs in its own supervised actor. What must outlive a connection (state, highest
//! `seq`, counters, latency, admission) lives in a shared `Shared` value, not in the connection.

mod backoff;
mod config;
mod connection;
mod error;
mod event;
mod handler;
mod heartbeat;
mod queue;
mod runtime;
mod state;
mod token;

pub use config::{
    ClientConfig, ClientConfigBuilder, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP,
    DEFAULT_BACKOFF_RESET_AFTER, DEFAULT_CONNECT_TIMEOUT, DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_MAX_FRAME_SIZE,
    DEFAULT_MAX_LOGIN_REFUSALS, DEFAULT_QUEUE_CAPACITY, DEFAULT_SEND_TIMEOUT, DEFAULT_SHUTDOWN_DEADLINE,
    Identity, LIVENESS_GRACE,
};
pub use error::{ClientError, ClientErrorKind};
pub use event::{ClientEvent, Lifecycle, Refusal};
pub use handler::{Delivery, EventHandler, HandlerError, HandlerResult, HandlerSpec};
pub(crate) use queue::Acked;
pub use runtime::{Client, Runtime, ShutdownReport};
pub use state::{ConnectionState, Counters};
pub use token::{SharedToken, TokenProvider};
