//! What a runtime counts about its connection and its inbound events, as plain atomics in fixed
//! arrays indexed by small enums: one relaxed increment per event, no lock, no allocation, no
//! string formatting. The counts are always kept (they cost next to nothing); `moobius::metrics`
//! exports them in the Prometheus text format when that feature is on.
#![cfg_attr(not(feature = "metrics"), allow(dead_code))]

use super::error::ClientErrorKind;
use super::event::{ClientEvent, Lifecycle};
use super::state::ConnectionState;
use crate::protocol::Event;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Why a logged-in (or logging-in) connection was lost, in a few fixed classes (a bounded label,
/// whatever the platform's or the system's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// The platform closed it (a close frame, or the stream ended).
    Closed,
    /// The liveness watchdog found nothing arriving for the limit.
    Liveness,
    /// A write failed or timed out.
    Send,
    /// A WebSocket protocol error.
    Protocol,
    /// The login was refused.
    LoginRefused,
    /// No login receipt within the send timeout.
    LoginTimeout,
    /// Anything else.
    Other,
}

impl DropReason {
    pub(crate) const ALL: [Self; 7] = [
        Self::Closed,
        Self::Liveness,
        Self::Send,
        Self::Protocol,
        Self::LoginRefused,
        Self::LoginTimeout,
        Self::Other,
    ];

    /// The label value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Liveness => "liveness",
            Self::Send => "send",
            Self::Protocol => "protocol",
            Self::LoginRefused => "login_refused",
            Self::LoginTimeout => "login_timeout",
            Self::Other => "other",
        }
    }

    /// The class of a disconnect reason as the connection actor words it (`fail`'s reasons in
    /// `connection/`). Runs once per disconnect, never per frame.
    pub(crate) fn classify(reason: &str) -> Self {
        let has = |needle: &str| reason.contains(needle);
        if has("nothing received for") {
            Self::Liveness
        } else if has("login refused") {
            Self::LoginRefused
        } else if has("no login receipt") {
            Self::LoginTimeout
        } else if has("protocol error") {
            Self::Protocol
        } else if has("send failed") || has("send timed out") || has("writer") {
            Self::Send
        } else if has("closed") || has("connection stopped") {
            Self::Closed
        } else {
            Self::Other
        }
    }
}

/// The type of an inbound event handed to the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    MessageUp,
    MessageDown,
    Action,
    Update,
    Error,
    Unknown,
}

impl EventType {
    pub(crate) const ALL: [Self; 6] =
        [Self::MessageUp, Self::MessageDown, Self::Action, Self::Update, Self::Error, Self::Unknown];

    /// The label value (the protocol's `type`, or `error` / `unknown`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::MessageUp => "message_up",
            Self::MessageDown => "message_down",
            Self::Action => "action",
            Self::Update => "update",
            Self::Error => "error",
            Self::Unknown => "unknown",
        }
    }

    fn of(event: &Event) -> Self {
        match event {
            Event::MessageUp(_) => Self::MessageUp,
            Event::MessageDown(_) => Self::MessageDown,
            Event::Action(_) => Self::Action,
            Event::Update(_) => Self::Update,
            Event::Error(_) => Self::Error,
            _ => Self::Unknown,
        }
    }
}

/// The kind of an error reported to the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    Transport,
    LoginRefused,
    TooManyRefusals,
    Malformed,
    Other,
}

impl ErrorClass {
    pub(crate) const ALL: [Self; 5] =
        [Self::Transport, Self::LoginRefused, Self::TooManyRefusals, Self::Malformed, Self::Other];

    /// The label value.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Transport => "transport",
            Self::LoginRefused => "login_refused",
            Self::TooManyRefusals => "too_many_refusals",
            Self::Malformed => "malformed",
            Self::Other => "other",
        }
    }

    fn of(kind: &ClientErrorKind) -> Self {
        match kind {
            ClientErrorKind::Transport { .. } => Self::Transport,
            ClientErrorKind::LoginRefused { .. } => Self::LoginRefused,
            ClientErrorKind::TooManyRefusals { .. } => Self::TooManyRefusals,
            ClientErrorKind::Malformed { .. } => Self::Malformed,
            _ => Self::Other,
        }
    }
}

/// The counts, read by the exporter at scrape time.
#[derive(Debug, Default)]
pub(crate) struct ClientStats {
    /// Connect attempts (each `Connecting` state entered, the first included).
    pub(crate) connect_attempts: AtomicU64,
    /// First logins.
    pub(crate) connects: AtomicU64,
    /// Logins after a disconnect, by the reason of the disconnect before them.
    pub(crate) reconnects: [AtomicU64; DropReason::ALL.len()],
    /// Connections lost after they had connected, by reason.
    pub(crate) disconnects: [AtomicU64; DropReason::ALL.len()],
    /// The class of the latest disconnect (an index into [`DropReason::ALL`]).
    last_drop: AtomicUsize,
    /// Inbound events handed to the handlers, by type.
    pub(crate) events: [AtomicU64; EventType::ALL.len()],
    /// `resume_gap` notices.
    pub(crate) resume_gaps: AtomicU64,
    /// Events the gaps said were lost (`to_seq - from_seq + 1`, summed).
    pub(crate) resume_gap_events: AtomicU64,
    /// Errors reported to the handlers, by kind.
    pub(crate) errors: [AtomicU64; ErrorClass::ALL.len()],
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl ClientStats {
    /// Counts what `event` says; called once for every event the runtime emits.
    pub(crate) fn observe(&self, event: &ClientEvent) {
        match event {
            ClientEvent::Platform(incoming) => bump(&self.events[EventType::of(&incoming.event) as usize]),
            ClientEvent::ResumeGap(gap) => {
                bump(&self.resume_gaps);
                let lost = gap.to_seq.saturating_sub(gap.from_seq).saturating_add(1);
                self.resume_gap_events.fetch_add(lost, Ordering::Relaxed);
            }
            ClientEvent::Lifecycle(Lifecycle::State(ConnectionState::Connecting)) => {
                bump(&self.connect_attempts)
            }
            ClientEvent::Lifecycle(Lifecycle::Connected) => bump(&self.connects),
            ClientEvent::Lifecycle(Lifecycle::Reconnected) => {
                bump(&self.reconnects[self.last_drop.load(Ordering::Relaxed)])
            }
            ClientEvent::Lifecycle(Lifecycle::Disconnected { reason }) => {
                let class = DropReason::classify(reason) as usize;
                self.last_drop.store(class, Ordering::Relaxed);
                bump(&self.disconnects[class]);
            }
            ClientEvent::Error(error) => bump(&self.errors[ErrorClass::of(error.kind()) as usize]),
            ClientEvent::Refused(_) | ClientEvent::Lifecycle(_) => {}
        }
    }

    /// The value of one counter of an array.
    pub(crate) fn get(counters: &[AtomicU64], index: usize) -> u64 {
        counters.get(index).map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientError;
    use crate::protocol::{Incoming, MessageBody, MessageContent, ResumeGap};

    #[test]
    fn disconnect_reasons_fall_into_their_classes() {
        let cases = [
            ("nothing received for 3s (liveness limit 3s)", DropReason::Liveness),
            ("login refused: bad token", DropReason::LoginRefused),
            ("no login receipt within 5s", DropReason::LoginTimeout),
            ("websocket protocol error: x", DropReason::Protocol),
            ("send failed: broken pipe", DropReason::Send),
            ("send timed out after 5s", DropReason::Send),
            ("writer ended", DropReason::Send),
            ("platform closed the connection Normal", DropReason::Closed),
            ("connection closed by the platform", DropReason::Closed),
            ("connection stopped", DropReason::Closed),
            ("who knows", DropReason::Other),
        ];
        for (reason, class) in cases {
            assert_eq!(DropReason::classify(reason), class, "{reason}");
        }
    }

    #[test]
    fn a_reconnect_counts_under_the_reason_of_the_drop_before_it() {
        let stats = ClientStats::default();
        stats.observe(&ClientEvent::Lifecycle(Lifecycle::State(ConnectionState::Connecting)));
        stats.observe(&ClientEvent::Lifecycle(Lifecycle::Connected));
        stats.observe(&ClientEvent::Lifecycle(Lifecycle::Disconnected {
            reason: "connection closed by the platform".into(),
        }));
        stats.observe(&ClientEvent::Lifecycle(Lifecycle::State(ConnectionState::Connecting)));
        stats.observe(&ClientEvent::Lifecycle(Lifecycle::Reconnected));
        let closed = DropReason::Closed as usize;
        assert_eq!(stats.connect_attempts.load(Ordering::Relaxed), 2);
        assert_eq!(stats.connects.load(Ordering::Relaxed), 1);
        assert_eq!(ClientStats::get(&stats.disconnects, closed), 1);
        assert_eq!(ClientStats::get(&stats.reconnects, closed), 1);
        assert_eq!(ClientStats::get(&stats.reconnects, DropReason::Liveness as usize), 0);
    }

    #[test]
    fn events_gaps_and_errors_are_counted_by_type() {
        let stats = ClientStats::default();
        let body = MessageBody {
            channel_id: "c".into(),
            content: MessageContent::text("hi"),
            recipients: Some("g".into()),
            sender: Some("u".into()),
            message_id: None,
            timestamp: None,
            context: None,
        };
        stats.observe(&ClientEvent::Platform(Incoming { seq: Some(1), event: Event::MessageUp(body) }));
        stats.observe(&ClientEvent::ResumeGap(ResumeGap { from_seq: 3, to_seq: 5 }));
        stats.observe(&ClientEvent::Error(ClientError::new(ClientErrorKind::Malformed {
            detail: "x".into(),
        })));
        assert_eq!(ClientStats::get(&stats.events, EventType::MessageUp as usize), 1);
        assert_eq!(ClientStats::get(&stats.events, EventType::Update as usize), 0);
        assert_eq!(stats.resume_gaps.load(Ordering::Relaxed), 1);
        assert_eq!(stats.resume_gap_events.load(Ordering::Relaxed), 3);
        assert_eq!(ClientStats::get(&stats.errors, ErrorClass::Malformed as usize), 1);
    }
}
