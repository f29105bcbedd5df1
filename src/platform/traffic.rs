//! What each connection was sent and refused, recorded by the platform so tests assert on real
//! traffic rather than on what a client believes it received.

use crate::protocol::Incoming;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// Who a connection logged in as.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Identity {
    /// A service, by service id.
    Service(String),
    /// A user, by user id (which is also its character id).
    User(String),
}

impl Identity {
    /// The service or user id.
    pub fn id(&self) -> &str {
        match self {
            Self::Service(id) | Self::User(id) => id,
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(id) => write!(f, "service {id}"),
            Self::User(id) => write!(f, "user {id}"),
        }
    }
}

/// A frame the platform refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
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
    pub identity: Option<Identity>,
    /// Whether it is still open.
    pub open: bool,
    /// Every text frame written to it, in order (when recording is on; capped).
    pub sent: Vec<String>,
    /// How many text frames were written to it.
    pub sent_count: u64,
    /// What it was refused (receipts with `status: false` and error frames).
    pub refused: Vec<Refusal>,
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
    /// One entry per connection ever opened, in order.
    pub connections: Vec<ConnectionTraffic>,
}

impl TrafficReport {
    /// The connections that logged in as `identity`.
    pub fn of(&self, identity: &Identity) -> impl Iterator<Item = &ConnectionTraffic> + use<'_> {
        let identity = identity.clone();
        self.connections.iter().filter(move |c| c.identity.as_ref() == Some(&identity))
    }

    /// Everything sent to `identity` over all its connections, decoded, in order per connection.
    pub fn sent_to(&self, identity: &Identity) -> Vec<Incoming> {
        self.of(identity).flat_map(ConnectionTraffic::sent_decoded).collect()
    }

    /// Everything `identity` was refused.
    pub fn refused_to(&self, identity: &Identity) -> Vec<Refusal> {
        self.of(identity).flat_map(|c| c.refused.iter().cloned()).collect()
    }
}

/// The live record of one connection, shared by its task and the platform.
#[derive(Debug, Clone)]
pub(crate) struct TrafficLog {
    inner: Arc<Mutex<ConnectionTraffic>>,
    record: bool,
    limit: usize,
}

impl TrafficLog {
    pub(crate) fn new(connection: u64, record: bool, limit: usize) -> Self {
        let traffic = ConnectionTraffic { connection, open: true, ..ConnectionTraffic::default() };
        Self { inner: Arc::new(Mutex::new(traffic)), record, limit }
    }

    fn with<T>(&self, f: impl FnOnce(&mut ConnectionTraffic) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub(crate) fn sent(&self, text: &str) {
        let (record, limit) = (self.record, self.limit);
        self.with(|t| {
            t.sent_count += 1;
            if record && t.sent.len() < limit {
                t.sent.push(text.to_owned());
            }
        });
    }

    pub(crate) fn refused(&self, request_id: Option<&str>, origin_type: &str, reason: &str) {
        self.with(|t| {
            t.refused.push(Refusal {
                request_id: request_id.map(str::to_owned),
                origin_type: origin_type.to_owned(),
                reason: reason.to_owned(),
            })
        });
    }

    pub(crate) fn logged_in(&self, identity: &Identity) {
        self.with(|t| t.identity = Some(identity.clone()));
    }

    pub(crate) fn closed(&self, by_platform: Option<&str>) {
        self.with(|t| {
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
