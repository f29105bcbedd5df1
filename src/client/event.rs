//! What the runtime hands to its handlers: the platform's events plus what happened to the
//! connection (lifecycle, refusals, resume gaps, errors), as one typed enum.

use super::error::ClientError;
use super::state::ConnectionState;
use crate::protocol::{Incoming, ResumeGap};

/// One thing a handler is told about.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientEvent {
    /// An event from the platform (`message_up`, `message_down`, `action`, `update`, a platform
    /// error, or an unknown type), with its `seq` when the platform sends one. Receipts are not
    /// delivered here: the queue consumes them (refusals arrive as [`ClientEvent::Refused`]).
    Platform(Incoming),
    /// The platform refused a frame this runtime sent (`status: false`).
    Refused(Refusal),
    /// On resume, the platform could no longer replay these events; the program may ask for a
    /// refresh.
    ResumeGap(ResumeGap),
    /// The connection changed.
    Lifecycle(Lifecycle),
    /// A failure: a malformed inbound frame, a refused login, a transport error, the fatal stop.
    Error(ClientError),
}

/// A frame the platform refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The refused frame's `request_id`.
    pub request_id: String,
    /// Its `type`, as the receipt says.
    pub origin_type: Option<String>,
    /// The platform's reason, when it gives one.
    pub reason: Option<String>,
}

/// What happened to the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lifecycle {
    /// The state changed to this one (every change is reported, in order).
    State(ConnectionState),
    /// Logged in for the first time.
    Connected,
    /// Logged in again after a disconnect: re-send what users see if needed.
    Reconnected,
    /// A logged-in (or logging-in) connection was lost.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The runtime stopped for good.
    Stopped {
        /// The fatal reason, or `None` after a requested shutdown.
        fatal: Option<String>,
    },
}
