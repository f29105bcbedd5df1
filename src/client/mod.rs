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
//! supervisor restarts it: at once (a jitter of at most 25 ms) when the session had logged in,
//! after an exponential backoff with full jitter when the attempt failed, and never faster than the
//! login pacing allows (see the reconnect rule below). It decodes inbound frames: receipts
//! go to the queue as `Settle`, everything else goes to the handlers as [`Delivery`] messages
//! (events whose `seq` was already handled are dropped). The queue owns every accepted frame
//! (`Enqueue`, admitted against its capacity by [`Client::send`]) until its receipt, resends the
//! unacknowledged ones in order on each `Online`, and reports refusals to the handlers. The
//! **heartbeat** actor enqueues a heartbeat every interval, reads the latency from its receipt,
//! and sends `Reconnect` to the connection when nothing has arrived for the liveness limit. Each
//! **handler** runs in its own supervised actor. What must outlive a connection (state, highest
//! `seq`, counters, latency, admission) lives in a shared `Shared` value, not in the connection.
//!
//! # Reconnect rule
//!
//! - A drop of a connection that had logged in (login receipt `status: true`) reconnects at once,
//!   after a random jitter of at most [`DEFAULT_SESSION_DROP_JITTER`] (25 ms;
//!   [`ClientConfigBuilder::session_drop_jitter`]).
//! - Only failed attempts back off: a connect error, a refused login, or a drop before the login
//!   receipt. The `n`th failure in a row waits a random time in
//!   `[0, min(cap, base × 2^(n-1))]` ([`DEFAULT_BACKOFF_BASE`] 100 ms, [`DEFAULT_BACKOFF_CAP`]
//!   30 s). A successful login starts the count again.
//! - Logins are paced whatever the above says: at most [`DEFAULT_LOGIN_BURST`] (5) at once, then
//!   one per [`DEFAULT_LOGIN_INTERVAL`] (500 ms), so a platform that accepts logins and drops them
//!   at once ("flapping") sees at most `burst + window / interval` logins in any window
//!   ([`ClientConfigBuilder::login_burst`], [`ClientConfigBuilder::login_interval`]).
//! - [`DEFAULT_MAX_LOGIN_REFUSALS`] refused logins in a row stop the runtime for good.

mod backoff;
mod config;
mod connection;
mod error;
mod event;
pub(crate) mod handler;
mod heartbeat;
mod in_flight;
mod queue;
mod runtime;
mod state;
pub(crate) mod stats;
mod token;

pub use config::{
    ClientConfig, ClientConfigBuilder, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_HEARTBEAT_INTERVAL, DEFAULT_LOGIN_BURST, DEFAULT_LOGIN_INTERVAL, DEFAULT_MAX_FRAME_SIZE,
    DEFAULT_MAX_LOGIN_REFUSALS, DEFAULT_QUEUE_CAPACITY, DEFAULT_SEND_TIMEOUT, DEFAULT_SESSION_DROP_JITTER,
    DEFAULT_SHUTDOWN_DEADLINE, Identity, LIVENESS_GRACE,
};
pub use error::{ClientError, ClientErrorKind};
pub use event::{ClientEvent, Lifecycle, Refusal};
pub use handler::{Delivery, EventHandler, HandlerError, HandlerResult, HandlerSpec};
pub(crate) use queue::Acked;
pub use runtime::{Client, Runtime, ShutdownReport};
#[cfg(feature = "metrics")]
pub(crate) use state::Shared as RuntimeShared;
pub use state::{ConnectionState, Counters};
pub use token::{SharedToken, TokenProvider};
