//! The sizes of the platform's client-growable structures, so tests (and a curious developer)
//! can check that every one stays under its limit while a flood runs, and falls back after.

/// A snapshot of what the platform holds, from
/// [`PlatformHandle::stats`](super::PlatformHandle::stats).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformStats {
    /// WebSocket connections open now.
    pub open_connections: usize,
    /// Open connections that have not logged in.
    pub unauthenticated_connections: usize,
    /// Connection records the traffic report keeps (open and closed).
    pub traffic_records: usize,
    /// Closed connections among them.
    pub traffic_closed_records: usize,
    /// Bytes of frame text the traffic report keeps, over all records.
    pub traffic_bytes: usize,
    /// Request ids remembered (for exactly-once), over all senders.
    pub request_ids: usize,
    /// The most request ids remembered for one sender.
    pub request_ids_max_per_sender: usize,
    /// Events held for resume, over all identities.
    pub replay_events: usize,
    /// Bytes of event bodies held for resume, over all identities.
    pub replay_bytes: usize,
    /// The most events held for one identity.
    pub replay_max_events: usize,
    /// The most bytes held for one identity.
    pub replay_max_bytes: usize,
    /// Uploaded files held.
    pub files: usize,
    /// Bytes of uploaded files held.
    pub file_bytes: usize,
    /// Upload URLs handed out and not used (nor expired) yet.
    pub upload_slots: usize,
    /// Messages held in the channels' histories, over all channels.
    pub history_messages: usize,
    /// Bytes of those messages.
    pub history_bytes: usize,
}
