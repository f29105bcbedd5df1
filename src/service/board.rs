//! What a service's channel actors' supervision reports: each channel's state and history
//! ([`ChannelStatus`]), the notices sent to watchers ([`Supervision`]), and the board that keeps
//! both for the supervisor in [`keeper`](super::keeper) and for the metrics.

use crate::protocol::ChannelId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;
use tokio::sync::broadcast;

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
    /// Only the channels whose actor failed at least once: the others are running.
    statuses: Mutex<HashMap<ChannelId, ChannelStatus>>,
    /// Channels with an actor (running or not).
    channels: AtomicUsize,
    /// Made by the first watcher (its buffer is [`NOTICE_CAPACITY`] notices): with none, a
    /// notice has nobody to go to.
    notices: OnceLock<broadcast::Sender<Supervision>>,
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
        Arc::new(Self { statuses: Mutex::default(), channels: AtomicUsize::new(0), notices: OnceLock::new() })
    }

    pub(crate) fn status(&self, channel: &str) -> Option<ChannelStatus> {
        self.statuses.lock().unwrap_or_else(PoisonError::into_inner).get(channel).cloned()
    }

    pub(crate) fn watch(&self) -> broadcast::Receiver<Supervision> {
        self.notices.get_or_init(|| broadcast::channel(NOTICE_CAPACITY).0).subscribe()
    }

    /// The channel actors by state, and their restarts, failures and dropped events summed (no
    /// per-channel figure: the metrics keep their labels bounded).
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn summary(&self) -> BoardSummary {
        let statuses = self.statuses.lock().unwrap_or_else(PoisonError::into_inner);
        let mut summary = BoardSummary::default();
        for status in statuses.values() {
            match status.state {
                ChannelState::Running => {}
                ChannelState::Restarting => summary.restarting += 1,
                ChannelState::Stopped => summary.stopped += 1,
            }
            summary.restarts += status.restarts;
            summary.dropped += status.dropped;
        }
        // A channel with no status never failed: it is running.
        summary.running =
            self.channels.load(Ordering::Relaxed).saturating_sub(summary.restarting + summary.stopped);
        // Every failure either restarted the actor or stopped it for good.
        summary.failures = summary.restarts + summary.stopped as u64;
        summary
    }

    /// One more channel has an actor.
    pub(super) fn added(&self) {
        self.channels.fetch_add(1, Ordering::Relaxed);
    }

    /// The actor of `channel` runs (again): only a channel that failed before has a status.
    pub(super) fn running(&self, channel: &str) {
        let mut statuses = self.statuses.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(status) = statuses.get_mut(channel) {
            status.state = ChannelState::Running;
        }
    }

    pub(super) fn update(&self, channel: &ChannelId, change: impl FnOnce(&mut ChannelStatus)) {
        let mut statuses = self.statuses.lock().unwrap_or_else(PoisonError::into_inner);
        let status = statuses.entry(channel.clone()).or_insert_with(|| ChannelStatus {
            state: ChannelState::Running,
            restarts: 0,
            last_failure: None,
            dropped: 0,
        });
        change(status);
    }

    pub(super) fn notify(&self, channel_id: &ChannelId, kind: SupervisionKind) {
        if let Some(notices) = self.notices.get() {
            let _ = notices.send(Supervision { channel_id: channel_id.clone(), kind });
        }
    }
}
