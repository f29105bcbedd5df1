#![doc = include_str!("API.md")]
//!
//! In this folder: `mod.rs` is the event bus every connection reports to (a bounded history and
//! a broadcast to the open feeds); `feed.rs` the feed's WebSocket; `controls.rs` the control API
//! and the page's routes; `assets.rs` the page's files; `record.rs` the recorder of transcripts.

mod assets;
mod controls;
mod feed;
mod record;

pub use record::{STUDIO_TRANSCRIPT_BYTES, STUDIO_TRANSCRIPT_FRAMES};

pub(crate) use controls::routes;
pub(crate) use feed::serve_feed;

use super::cut_at;
use super::hub::ConnId;
use super::traffic::Peer;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::broadcast;

/// Events the studio's history keeps (the newest; older ones fall out).
pub const STUDIO_HISTORY_EVENTS: usize = 5_000;
/// Bytes of event text the studio's history keeps at most.
pub const STUDIO_HISTORY_BYTES: usize = 8 * 1024 * 1024;
/// A frame's text in the feed is cut at this many bytes (`"truncated": true`).
pub const STUDIO_FRAME_TEXT: usize = 256 * 1024;
/// How far a feed reader may fall behind before it skips ahead (a `dropped` event).
pub const STUDIO_FEED_LAG: usize = 4_096;
/// Feeds open at once; more are refused with 503.
pub const STUDIO_FEEDS: usize = 16;
/// The longest latency the control accepts.
pub const STUDIO_MAX_LATENCY: Duration = Duration::from_secs(60);

/// Which way a frame went, as the platform sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dir {
    /// Received from the client.
    In,
    /// Sent to the client.
    Out,
}

/// The studio's state: the history, the live broadcast, the feeds open, the latencies set.
pub(crate) struct Studio {
    enabled: bool,
    history: Mutex<History>,
    live: broadcast::Sender<Arc<str>>,
    feeds: AtomicUsize,
    latencies: Mutex<HashMap<ConnId, Arc<AtomicU64>>>,
    /// The recorder of transcripts (works whether the feed is enabled or not).
    recording: record::Recording,
}

#[derive(Default)]
struct History {
    next: u64,
    events: VecDeque<Arc<str>>,
    bytes: usize,
}

#[derive(Serialize)]
struct PeerJson<'a> {
    role: &'static str,
    id: &'a str,
}

impl<'a> From<&'a Peer> for PeerJson<'a> {
    fn from(peer: &'a Peer) -> Self {
        match peer {
            Peer::Service(id) => Self { role: "service", id },
            Peer::User(id) => Self { role: "user", id },
        }
    }
}

/// One event of the feed, without its number and time (added when it is published).
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Event<'a> {
    Open {
        connection: ConnId,
    },
    Login {
        connection: ConnId,
        peer: PeerJson<'a>,
    },
    Frame {
        connection: ConnId,
        peer: Option<PeerJson<'a>>,
        dir: &'static str,
        text: &'a str,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        truncated: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        length: Option<usize>,
    },
    Close {
        connection: ConnId,
        reason: Option<&'a str>,
    },
    Control {
        action: &'a str,
        connection: Option<ConnId>,
        ms: Option<u64>,
    },
}

#[derive(Serialize)]
struct Numbered<'a> {
    n: u64,
    at: u64,
    #[serde(flatten)]
    event: Event<'a>,
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl Studio {
    /// A studio; a disabled one records and broadcasts nothing (the page is still served).
    pub(crate) fn new(enabled: bool) -> Self {
        let (live, _) = broadcast::channel(STUDIO_FEED_LAG);
        Self {
            enabled,
            history: Mutex::new(History::default()),
            live,
            feeds: AtomicUsize::new(0),
            latencies: Mutex::new(HashMap::new()),
            recording: record::Recording::default(),
        }
    }

    /// Whether frames and connections are recorded.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether [`frame`](Self::frame) takes frames' text: the feed is enabled or a transcript
    /// is being recorded. When neither, a connection may write its frames without composing
    /// their text first.
    pub(crate) fn wants_frames(&self) -> bool {
        self.enabled || self.recording.is_on()
    }

    fn publish(&self, event: Event<'_>) {
        if !self.enabled {
            return;
        }
        let mut history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        history.next += 1;
        let numbered = Numbered { n: history.next, at: now_ms(), event };
        let text: Arc<str> = match serde_json::to_string(&numbered) {
            Ok(text) => text.into(),
            Err(error) => return log::error!("cannot serialize a studio event: {error}"),
        };
        history.bytes += text.len();
        history.events.push_back(text.clone());
        while history.events.len() > STUDIO_HISTORY_EVENTS || history.bytes > STUDIO_HISTORY_BYTES {
            match history.events.pop_front() {
                Some(old) => history.bytes -= old.len(),
                None => break,
            }
        }
        // Sent under the lock, so the broadcast's order is the numbering's.
        let _ = self.live.send(text);
    }

    /// A connection was accepted.
    pub(crate) fn opened(&self, connection: ConnId) {
        self.publish(Event::Open { connection });
    }

    /// A connection logged in.
    pub(crate) fn logged_in(&self, connection: ConnId, peer: &Peer) {
        self.publish(Event::Login { connection, peer: peer.into() });
    }

    /// A text frame went in or out.
    pub(crate) fn frame(&self, connection: ConnId, peer: Option<&Peer>, dir: Dir, text: &str) {
        if self.recording.is_on()
            && let Some(Peer::User(user)) = peer
        {
            self.recording.frame(user, matches!(dir, Dir::In), text);
        }
        if !self.enabled {
            return;
        }
        let shown = cut_at(text, STUDIO_FRAME_TEXT);
        let truncated = shown.len() < text.len();
        self.publish(Event::Frame {
            connection,
            peer: peer.map(PeerJson::from),
            dir: match dir {
                Dir::In => "in",
                Dir::Out => "out",
            },
            text: shown,
            truncated,
            length: truncated.then_some(text.len()),
        });
    }

    /// A connection ended (`reason` when the platform closed it).
    pub(crate) fn closed(&self, connection: ConnId, reason: Option<&str>) {
        self.publish(Event::Close { connection, reason });
    }

    /// A fault control was used.
    pub(crate) fn control(&self, action: &str, connection: Option<ConnId>, ms: Option<u64>) {
        self.publish(Event::Control { action, connection, ms });
    }

    /// The history and a receiver of what comes after it, with no gap and no repeat between them.
    fn subscribe(&self) -> (Vec<Arc<str>>, broadcast::Receiver<Arc<str>>) {
        let history = self.history.lock().unwrap_or_else(PoisonError::into_inner);
        (history.events.iter().cloned().collect(), self.live.subscribe())
    }

    /// The latency cell of a new connection (0 ms until the control sets it).
    pub(crate) fn register(&self, connection: ConnId) -> Arc<AtomicU64> {
        let cell = Arc::new(AtomicU64::new(0));
        self.latencies.lock().unwrap_or_else(PoisonError::into_inner).insert(connection, cell.clone());
        cell
    }

    /// Forgets a connection's latency cell.
    pub(crate) fn unregister(&self, connection: ConnId) {
        self.latencies.lock().unwrap_or_else(PoisonError::into_inner).remove(&connection);
    }

    /// Sets a connection's latency; `false` if no such connection is open.
    fn set_latency(&self, connection: ConnId, latency: Duration) -> bool {
        let latencies = self.latencies.lock().unwrap_or_else(PoisonError::into_inner);
        match latencies.get(&connection) {
            Some(cell) => {
                cell.store(latency.as_millis() as u64, Ordering::Release);
                true
            }
            None => false,
        }
    }

    /// A connection's latency in ms (0 when none, or when it is not open).
    fn latency_ms(&self, connection: ConnId) -> u64 {
        let latencies = self.latencies.lock().unwrap_or_else(PoisonError::into_inner);
        latencies.get(&connection).map_or(0, |cell| cell.load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(studio: &Studio) -> Vec<serde_json::Value> {
        studio.subscribe().0.iter().map(|e| serde_json::from_str(e).unwrap()).collect()
    }

    #[test]
    fn events_are_numbered_in_order_with_their_fields() {
        let studio = Studio::new(true);
        let peer = Peer::User("u1".into());
        studio.opened(1);
        studio.logged_in(1, &peer);
        studio.frame(1, Some(&peer), Dir::In, r#"{"type":"heartbeat","body":{}}"#);
        studio.closed(1, Some("severed"));
        studio.control("latency", Some(2), Some(300));
        let got = events(&studio);
        let kinds: Vec<_> = got.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
        assert_eq!(kinds, ["open", "login", "frame", "close", "control"]);
        assert_eq!(got.iter().map(|e| e["n"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(got[1]["peer"], serde_json::json!({"role": "user", "id": "u1"}));
        assert_eq!(got[2]["dir"], "in");
        assert_eq!(got[2]["text"], r#"{"type":"heartbeat","body":{}}"#);
        assert!(got[2].get("truncated").is_none());
        assert_eq!(got[3]["reason"], "severed");
        assert_eq!((got[4]["action"].as_str(), got[4]["ms"].as_u64()), (Some("latency"), Some(300)));
        assert!(got[0]["at"].as_u64().unwrap() > 1_600_000_000_000);
    }

    #[test]
    fn the_history_is_bounded_and_long_frames_are_cut() {
        let studio = Studio::new(true);
        let long = "é".repeat(STUDIO_FRAME_TEXT);
        studio.frame(1, None, Dir::Out, &long);
        let got = events(&studio);
        assert_eq!(got[0]["truncated"], true);
        assert_eq!(got[0]["length"].as_u64(), Some(long.len() as u64));
        assert!(got[0]["text"].as_str().unwrap().len() <= STUDIO_FRAME_TEXT);
        for _ in 0..STUDIO_HISTORY_EVENTS + 10 {
            studio.opened(2);
        }
        let history = studio.history.lock().unwrap();
        assert_eq!(history.events.len(), STUDIO_HISTORY_EVENTS);
        assert!(history.bytes <= STUDIO_HISTORY_BYTES);
        assert_eq!(history.next, STUDIO_HISTORY_EVENTS as u64 + 11);
    }

    #[test]
    fn a_disabled_studio_keeps_nothing() {
        let studio = Studio::new(false);
        studio.opened(1);
        studio.frame(1, None, Dir::In, "{}");
        assert!(studio.subscribe().0.is_empty());
    }

    #[test]
    fn latency_is_set_only_on_open_connections() {
        let studio = Studio::new(true);
        let cell = studio.register(3);
        assert!(studio.set_latency(3, Duration::from_millis(250)));
        assert_eq!(cell.load(Ordering::Acquire), 250);
        assert_eq!(studio.latency_ms(3), 250);
        studio.unregister(3);
        assert!(!studio.set_latency(3, Duration::from_millis(1)));
    }
}
