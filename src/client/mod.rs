//! The client runtime: a supervised WebSocket connection to a Moobius platform that logs in on
//! every connect, sends through a bounded outbound queue that loses nothing (receipts, resend in
//! order), watches liveness with heartbeats, resumes inbound events by `seq`, and hands events to
//! supervised handler actors.
//!
//! Start one with [`Runtime::start`]; send with [`Client::send`]; stop with
//! [`Runtime::shutdown`].

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
pub use handler::{Delivery, EventHandler, HandlerResult, HandlerSpec};
pub use runtime::{Client, Runtime, ShutdownReport};
pub use state::{ConnectionState, Counters};
pub use token::{SharedToken, TokenSource};
