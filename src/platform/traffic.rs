//! What each connection was sent and refused, recorded by the platform so tests assert on real
//! traffic rather than on what a client believes it received.

use super::counters::PlatformCounters;
use crate::protocol::{Frame, Incoming};
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Who is at the far end of a connection once it logged in, as the platform sees it: a service
/// or a user, with its id. The platform keys a connection's traffic, `seq`, replay buffer and
/// request-id memory by it. (What a client logs in *as* is [`crate::client::Identity`].)
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    /// A service, by service id.
    Service(String),
    /// A user, by user id (which is also its character id).
    User(String),
}

impl Peer {
    /// The service or user id.
    pub fn id(&self) -> &str {
        match self {
            Self::Service(id) | Self::User(id) => id,
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(id) => write!(f, "service {id}"),
            Self::User(id) => write!(f, "user {id}"),
        }
    }
}

/// A frame the platform refused, as kept in [`ConnectionTraffic::refused`]: answered with a
/// receipt with `status: false` or an error frame. (What a client is told about it is
/// [`crate::client::Refusal`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedFrame {
    /// The refused frame's `request_id`, if it had one.
    pub request_id: Option<String>,
    /// The refused frame's `type` (empty when it could not be read).
    pub origin_type: String,
    /// The reason sent back.
    pub reason: String,
}

/// The traffic of one WebSocket connection.
#[derive(Debug, Clone, Default)]
pub struct ConnectionTraffic {
    /// The platform's number for the connection (in order of opening).
    pub connection: u64,
    /// Who it logged in as, once it did.
    pub identity: Option<Peer>,
    /// Whether it is still open.
    pub open: bool,
    /// Every text frame written to it, in order (when recording is on; capped per connection
    /// and in total).
    pub sent: Vec<String>,
    /// How many text frames were written to it.
    pub sent_count: u64,
    /// What it was refused (receipts with `status: false` and error frames; capped like `sent`).
    pub refused: Vec<RefusedFrame>,
    /// Why the platform closed it, when it did (idle, buffer full, refused login, severed).
    pub closed_by_platform: Option<String>,
}

impl ConnectionTraffic {
    /// The frames sent, decoded (frames that do not decode are skipped; the platform writes
    /// none).
    pub fn sent_decoded(&self) -> Vec<Incoming> {
        self.sent.iter().filter_map(|text| Incoming::decode(text).ok()).collect()
    }
}

/// Every connection's traffic, from [`PlatformHandle::traffic`](super::PlatformHandle::traffic).
#[derive(Debug, Clone, Default)]
pub struct TrafficReport {
    /// One entry per open connection and per recently closed one, in order of opening.
    pub connections: Vec<ConnectionTraffic>,
}

impl TrafficReport {
    /// The connections that logged in as `identity`.
    pub fn of(&self, identity: &Peer) -> impl Iterator<Item = &ConnectionTraffic> + use<'_> {
        let identity = identity.clone();
        self.connections.iter().filter(move |c| c.identity.as_ref() == Some(&identity))
    }

    /// Everything sent to `identity` over all its connections, decoded, in order per connection.
    pub fn sent_to(&self, identity: &Peer) -> Vec<Incoming> {
        self.of(identity).flat_map(ConnectionTraffic::sent_decoded).collect()
    }

    /// Everything `identity` was refused.
    pub fn refused_to(&self, identity: &Peer) -> Vec<RefusedFrame> {
        self.of(identity).flat_map(|c| c.refused.iter().cloned()).collect()
    }
}

/// Every connection's record, in order of opening: the open ones, and the newest
/// `closed_limit` closed ones. The frame text kept over all records is at most `total_bytes`
/// (past it frames are counted, not kept).
pub(crate) struct TrafficLogs {
    logs: VecDeque<TrafficLog>,
    closed: usize,
    closed_limit: usize,
    record: bool,
    per_connection: usize,
    bytes: Arc<AtomicUsize>,
    total_bytes: usize,
    counters: Arc<PlatformCounters>,
}

impl TrafficLogs {
    pub(crate) fn new(closed_limit: usize, record: bool, per_connection: usize, total_bytes: usize) -> Self {
        Self {
            logs: VecDeque::new(),
            closed: 0,
            closed_limit,
            record,
            per_connection,
            bytes: Arc::new(AtomicUsize::new(0)),
            total_bytes,
            counters: Arc::default(),
        }
    }

    /// The counts every record bumps (connections, frames, refusals), for the metrics.
    pub(crate) fn counters(&self) -> &Arc<PlatformCounters> {
        &self.counters
    }

    /// A record for a new connection.
    pub(crate) fn open(&mut self, connection: u64) -> TrafficLog {
        let traffic = ConnectionTraffic { connection, open: true, ..ConnectionTraffic::default() };
        let log = TrafficLog {
            inner: Arc::new(Mutex::new(Record { traffic, bytes: 0, budget: self.bytes.clone() })),
            record: self.record,
            limit: self.per_connection,
            total_bytes: self.total_bytes,
            counters: Arc::clone(&self.counters),
        };
        self.counters.opened();
        self.logs.push_back(log.clone());
        log
    }

    /// A connection closed: the oldest closed records past the limit are dropped.
    pub(crate) fn closed(&mut self) {
        self.closed += 1;
        if self.closed <= self.closed_limit {
            return;
        }
        let mut excess = self.closed - self.closed_limit;
        self.logs.retain(|log| {
            if excess > 0 && !log.with(|t| t.open) {
                excess -= 1;
                false
            } else {
                true
            }
        });
        self.closed = self.closed_limit + excess;
    }

    pub(crate) fn snapshot(&self) -> Vec<ConnectionTraffic> {
        self.logs.iter().map(TrafficLog::snapshot).collect()
    }

    /// Records kept, closed ones among them, frame bytes kept.
    pub(crate) fn sizes(&self) -> (usize, usize, usize) {
        let closed = self.logs.iter().filter(|log| !log.with(|t| t.open)).count();
        (self.logs.len(), closed, self.bytes.load(Ordering::Relaxed))
    }
}

struct Record {
    traffic: ConnectionTraffic,
    /// Frame bytes this record keeps, given back to `budget` when it is dropped.
    bytes: usize,
    budget: Arc<AtomicUsize>,
}

impl Drop for Record {
    fn drop(&mut self) {
        self.budget.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// The live record of one connection, shared by its task and the platform.
#[derive(Clone)]
pub(crate) struct TrafficLog {
    inner: Arc<Mutex<Record>>,
    record: bool,
    limit: usize,
    total_bytes: usize,
    counters: Arc<PlatformCounters>,
}

impl fmt::Debug for TrafficLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrafficLog").finish_non_exhaustive()
    }
}

impl TrafficLog {
    fn with<T>(&self, f: impl FnOnce(&mut ConnectionTraffic) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner).traffic)
    }

    /// A frame arrived and was decoded (counted by type; the text is the studio's to keep).
    pub(crate) fn received(&self, frame: &Frame) {
        self.counters.received(frame);
    }

    /// Whether [`sent`](Self::sent) keeps the text (the record is on); when it does not, a
    /// frame may be counted with [`sent_unkept`](Self::sent_unkept) without its text.
    pub(crate) fn keeps_text(&self) -> bool {
        self.record
    }

    /// A frame sent while [`keeps_text`](Self::keeps_text) is false: counted only.
    pub(crate) fn sent_unkept(&self) {
        self.counters.sent();
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).traffic.sent_count += 1;
    }

    pub(crate) fn sent(&self, text: &str) {
        if !self.record {
            return self.sent_unkept();
        }
        self.counters.sent();
        let mut record = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        record.traffic.sent_count += 1;
        if record.traffic.sent.len() >= self.limit {
            return;
        }
        let budget = record.budget.clone();
        let reserved = budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
            (used + text.len() <= self.total_bytes).then_some(used + text.len())
        });
        if reserved.is_ok() {
            record.bytes += text.len();
            record.traffic.sent.push(text.to_owned());
        }
    }

    pub(crate) fn refused(&self, request_id: Option<&str>, origin_type: &str, reason: &str) {
        let limit = self.limit;
        self.counters.refused(origin_type, reason);
        self.with(|t| {
            if t.refused.len() < limit {
                t.refused.push(RefusedFrame {
                    request_id: request_id.map(str::to_owned),
                    origin_type: origin_type.to_owned(),
                    reason: reason.to_owned(),
                });
            }
        });
    }

    pub(crate) fn logged_in(&self, identity: &Peer) {
        self.counters.logged_in(identity);
        self.with(|t| t.identity = Some(identity.clone()));
    }

    pub(crate) fn closed(&self, by_platform: Option<&str>) {
        self.with(|t| {
            if t.open {
                self.counters.closed(by_platform);
            }
            t.open = false;
            if t.closed_by_platform.is_none() {
                t.closed_by_platform = by_platform.map(str::to_owned);
            }
        });
    }

    pub(crate) fn snapshot(&self) -> ConnectionTraffic {
        self.with(|t| t.clone())
    }
}
