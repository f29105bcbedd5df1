//! The platform's whole state, under one lock: the HTTP API and the WebSocket sessions both call
//! into the `Hub`, held for microseconds and never across an await. It is a folder because one
//! file did every job; this file holds the `Hub` itself (its fields and constructor) and what its
//! parts share (connection numbers, queued events, failures, verdicts, fresh ids). The rules live
//! beside it, one concern per file, each an `impl Hub` block:
//!
//! - `accounts.rs`: accounts, sign-in, access and refresh tokens (`signin.rs`: the guard that
//!   slows password guessing; `codes.rs`: sign-up and password reset with an emailed code,
//!   sign-out, deletion);
//! - `directory.rs`: services, channels, bindings, agents (characters), profiles, groups;
//! - `files.rs`: uploaded files and upload slots; `history.rs`: each channel's message history
//!   and temp groups;
//! - `sessions.rs`: connections, login and resume, each frame's request-id check, traffic and
//!   sizes (`replay.rs`: one identity's replay buffer; `dedup.rs`: the request-id memory);
//! - `routing.rs`: who may send which frame, and delivering the resulting events to every
//!   recipient's connections (`seq`, fan-out, slow readers).

mod accounts;
mod codes;
mod dedup;
mod directory;
mod files;
mod history;
mod replay;
mod routing;
mod sessions;
mod signin;

use self::accounts::{Account, Token, UserRecord};
use self::dedup::{DedupLimits, RequestMemory};
use self::directory::{AgentRecord, ChannelRecord, GroupRecord, ServiceRecord};
use self::files::FileStore;
use self::history::ChannelMemory;
use self::sessions::{Conn, PeerState};
use self::signin::SignInGuard;
use super::config::PlatformConfig;
use super::traffic::{Peer, TrafficLogs};
use std::sync::Arc;
use std::time::Duration;

/// The hub's maps: foldhash, seeded per map from a per-process random state, in place of
/// SipHash, which was a tenth of the platform's instructions per forwarded message (callgrind).
/// What a client can put in them is bounded by the limits of [`PlatformConfig`] (request ids
/// per sender and in all, records, files), so a crafted collision costs a bounded amount.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The platform's number for a connection.
pub(crate) type ConnId = u64;

pub(crate) use self::files::too_large;

/// What waits in a connection's outbound buffer.
#[derive(Debug, Clone)]
pub(crate) enum Out {
    /// An event: its body was serialized once and is shared by every recipient; the envelope
    /// (`type`, this recipient's `seq`) is composed when it is written.
    Event { kind: &'static str, seq: u64, body: Arc<str> },
    /// A `resume_gap` (replay only).
    Gap { from_seq: u64, to_seq: u64 },
}

/// A refusal or an HTTP failure: the status to answer with and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    pub(crate) status: u16,
    pub(crate) message: String,
    /// For a 429: when to try again.
    pub(crate) retry_after: Option<Duration>,
}

impl Fail {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), retry_after: None }
    }
    fn bad(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }
    fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, message)
    }
    fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, message)
    }
    fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }
}

/// A fresh random id (UUID v4).
pub(crate) fn new_id() -> String {
    crate::protocol::new_request_id()
}

/// The answer to a frame with a request id: its receipt's status and reason.
pub(crate) type Verdict = Result<(), String>;

/// Everything the platform knows.
pub(crate) struct Hub {
    config: PlatformConfig,
    accounts: Map<String, Account>,
    users: Map<String, UserRecord>,
    tokens: Map<String, Token>,
    refresh_tokens: Map<String, Token>,
    services: Map<String, ServiceRecord>,
    channels: Map<String, ChannelRecord>,
    agents: Map<String, AgentRecord>,
    groups: Map<String, GroupRecord>,
    files: FileStore,
    /// Each channel's history and temp groups, by channel id.
    memories: Map<String, ChannelMemory>,
    peers: Map<Peer, PeerState>,
    conns: Map<ConnId, Conn>,
    next_conn: ConnId,
    logs: TrafficLogs,
    dedup: RequestMemory,
    sign_in_guard: SignInGuard,
}

impl Hub {
    pub(crate) fn new(config: PlatformConfig) -> Self {
        Self {
            accounts: Map::default(),
            users: Map::default(),
            tokens: Map::default(),
            refresh_tokens: Map::default(),
            services: Map::default(),
            channels: Map::default(),
            agents: Map::default(),
            groups: Map::default(),
            files: FileStore::default(),
            memories: Map::default(),
            peers: Map::default(),
            conns: Map::default(),
            next_conn: 1,
            logs: TrafficLogs::new(
                config.traffic_closed_records,
                config.record_traffic,
                config.traffic_record_limit,
                config.traffic_total_bytes,
            ),
            dedup: RequestMemory::new(DedupLimits {
                age: config.dedup_memory,
                per_sender: config.dedup_per_sender,
                total: config.dedup_total,
            }),
            sign_in_guard: SignInGuard::new(
                config.sign_in_failures,
                config.sign_in_window,
                config.sign_in_delay,
            ),
            config,
        }
    }
}

/// What the unit tests in this folder start from.
#[cfg(test)]
mod test_hub {
    use super::{Hub, PlatformConfig};
    use crate::protocol::Secret;

    pub(super) fn hub() -> Hub {
        Hub::new(PlatformConfig::default().replay_events(3))
    }

    pub(super) fn setup(hub: &mut Hub) -> (String, String, String, String) {
        let (owner_token, _, owner) = hub.sign_in("owner", &Secret::new("pw")).unwrap();
        let (_, _, user) = hub.sign_in("user", &Secret::new("pw")).unwrap();
        let service = hub.create_service(&owner, "svc");
        let channel = hub.create_channel(&owner, "c", "d");
        hub.bind(&owner, &service, &channel).unwrap();
        (owner_token, service, channel, user)
    }
}
