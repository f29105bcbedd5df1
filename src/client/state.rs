//! State that outlives any one connection: the connection's state, the highest event `seq`
//! handled, counters, latency and admission to the queue. It lives outside the supervised
//! connection actor, so a restart (which reuses the actor and drops the message in flight)
//! never loses it, and the public handle can read it at any time from any thread.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Where the connection is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Opening the WebSocket.
    Connecting,
    /// Connected; the login was sent and its receipt is awaited. Nothing else is sent yet.
    LoggingIn,
    /// Logged in: the queue flows.
    Connected,
    /// Waiting before reconnect attempt `attempt` (1 for the first retry).
    BackingOff {
        /// The attempt about to be made.
        attempt: u32,
    },
    /// Stopped for good (shut down, or too many refused logins).
    Stopped,
}

/// The outbound queue's counters, as a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Counters {
    /// Frames accepted and not yet sent on the current connection.
    pub queued: usize,
    /// Frames sent and awaiting their receipt.
    pub in_flight: usize,
    /// Frames written for the first time (resends are counted in `resent`, not here).
    pub sent: u64,
    /// Receipts with `status: true`.
    pub acknowledged: u64,
    /// Frames sent again after a reconnect (each resend counts).
    pub resent: u64,
    /// Receipts with `status: false`.
    pub refused: u64,
    /// Inbound events dropped because their `seq` was already handled (repeated, or lower than
    /// the highest handled); each is logged as a warning with both numbers.
    pub duplicates_dropped: u64,
}

impl Counters {
    /// Frames accepted and not yet acknowledged (queued plus in flight).
    pub fn unacknowledged(&self) -> usize {
        self.queued + self.in_flight
    }
}

/// Shared by every actor of one runtime and by its handles.
#[derive(Debug)]
pub(crate) struct Shared {
    state: watch::Sender<ConnectionState>,
    /// Highest event `seq` handed to the handlers (0: none yet).
    last_seq: AtomicU64,
    /// Incremented for every connect attempt, so stale messages can be told apart.
    epoch: AtomicU64,
    /// When anything last arrived, in micros since `base`.
    last_rx: AtomicU64,
    base: Instant,
    /// Latest heartbeat round trip in micros (`u64::MAX`: none yet).
    latency: AtomicU64,
    /// Frames held by the queue (waiting plus in flight): the admission counter.
    held: AtomicUsize,
    capacity: usize,
    accepting: AtomicBool,
    /// Set once the runtime stops for good (shutdown or fatal).
    finished: AtomicBool,
    fatal: Mutex<Option<String>>,
    pub(crate) queued: AtomicUsize,
    pub(crate) in_flight: AtomicUsize,
    pub(crate) sent: AtomicU64,
    pub(crate) acknowledged: AtomicU64,
    pub(crate) resent: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) duplicates: AtomicU64,
    /// Connects, disconnects and inbound events by type, for the metrics.
    pub(crate) stats: super::stats::ClientStats,
}

impl Shared {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            state: watch::Sender::new(ConnectionState::Connecting),
            last_seq: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            last_rx: AtomicU64::new(0),
            base: Instant::now(),
            latency: AtomicU64::new(u64::MAX),
            held: AtomicUsize::new(0),
            capacity,
            accepting: AtomicBool::new(true),
            finished: AtomicBool::new(false),
            fatal: Mutex::new(None),
            queued: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            sent: AtomicU64::new(0),
            acknowledged: AtomicU64::new(0),
            resent: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            stats: super::stats::ClientStats::default(),
        }
    }

    pub(crate) fn state(&self) -> ConnectionState {
        self.state.borrow().clone()
    }

    /// Sets the state; returns whether it changed.
    pub(crate) fn set_state(&self, state: ConnectionState) -> bool {
        self.state.send_if_modified(|current| {
            if *current == state {
                false
            } else {
                *current = state;
                true
            }
        })
    }

    pub(crate) fn watch_state(&self) -> watch::Receiver<ConnectionState> {
        self.state.subscribe()
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.last_seq.load(Ordering::Acquire)
    }

    /// Records `seq` as handled; `Err(highest)` (the highest seq handled before) if it, or a later
    /// one, already was: a repeated or out-of-order event.
    pub(crate) fn advance_seq(&self, seq: u64) -> Result<(), u64> {
        match self.last_seq.fetch_max(seq, Ordering::AcqRel) {
            highest if highest < seq => Ok(()),
            highest => Err(highest),
        }
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub(crate) fn next_epoch(&self) -> u64 {
        self.epoch.fetch_add(1, Ordering::AcqRel) + 1
    }

    pub(crate) fn touch(&self) {
        self.last_rx.store(micros(self.base.elapsed()), Ordering::Release);
    }

    pub(crate) fn silent_for(&self) -> Duration {
        let now = micros(self.base.elapsed());
        Duration::from_micros(now.saturating_sub(self.last_rx.load(Ordering::Acquire)))
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        self.latency.store(micros(latency).min(u64::MAX - 1), Ordering::Release);
    }

    pub(crate) fn latency(&self) -> Option<Duration> {
        match self.latency.load(Ordering::Acquire) {
            u64::MAX => None,
            us => Some(Duration::from_micros(us)),
        }
    }

    /// The queue's capacity (frames waiting plus in flight).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Takes one slot of the queue's capacity, or says why not.
    pub(crate) fn admit(&self) -> Result<(), super::ClientErrorKind> {
        if !self.accepting.load(Ordering::Acquire) {
            return Err(super::ClientErrorKind::Closed);
        }
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                (held < self.capacity).then_some(held + 1)
            })
            .map(|_| ())
            .map_err(|_| super::ClientErrorKind::QueueFull { capacity: self.capacity })
    }

    /// Gives back `n` slots (frames receipted, or never enqueued).
    pub(crate) fn release(&self, n: usize) {
        self.held.fetch_sub(n, Ordering::AcqRel);
    }

    pub(crate) fn stop_accepting(&self) {
        self.accepting.store(false, Ordering::Release);
    }

    pub(crate) fn finish(&self, fatal: Option<String>) {
        self.stop_accepting();
        if fatal.is_some() {
            *self.fatal.lock().unwrap_or_else(|p| p.into_inner()) = fatal;
        }
        self.finished.store(true, Ordering::Release);
    }

    pub(crate) fn finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    pub(crate) fn fatal(&self) -> Option<String> {
        self.fatal.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn counters(&self) -> Counters {
        Counters {
            queued: self.queued.load(Ordering::Acquire),
            in_flight: self.in_flight.load(Ordering::Acquire),
            sent: self.sent.load(Ordering::Acquire),
            acknowledged: self.acknowledged.load(Ordering::Acquire),
            resent: self.resent.load(Ordering::Acquire),
            refused: self.refused.load(Ordering::Acquire),
            duplicates_dropped: self.duplicates.load(Ordering::Acquire),
        }
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_only_moves_forward_and_flags_duplicates() {
        let shared = Shared::new(1);
        assert_eq!(shared.advance_seq(1), Ok(()));
        assert_eq!(shared.advance_seq(3), Ok(()));
        assert_eq!(shared.advance_seq(2), Err(3), "an older seq is a duplicate, reported with the highest");
        assert_eq!(shared.advance_seq(3), Err(3), "the same seq is a duplicate");
        assert_eq!(shared.last_seq(), 3);
    }

    #[test]
    fn admission_is_bounded_and_closable() {
        let shared = Shared::new(2);
        assert!(shared.admit().is_ok());
        assert!(shared.admit().is_ok());
        assert_eq!(shared.admit(), Err(crate::client::ClientErrorKind::QueueFull { capacity: 2 }));
        shared.release(1);
        assert!(shared.admit().is_ok());
        shared.stop_accepting();
        assert_eq!(shared.admit(), Err(crate::client::ClientErrorKind::Closed));
    }

    #[test]
    fn state_changes_are_reported_once() {
        let shared = Shared::new(1);
        assert!(shared.set_state(ConnectionState::LoggingIn));
        assert!(!shared.set_state(ConnectionState::LoggingIn));
        assert_eq!(shared.state(), ConnectionState::LoggingIn);
    }
}
