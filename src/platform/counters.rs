//! What the local platform counts about its connections and frames, as plain atomics in fixed
//! arrays indexed by small enums (bounded labels: frame types, refusal and close classes, never
//! a user, channel or message). The traffic records bump them; `moobius::metrics` exports them
//! at the platform's `/metrics` when that feature is on.
#![cfg_attr(not(feature = "metrics"), allow(dead_code))]

use super::traffic::Peer;
use crate::protocol::Frame;
use std::sync::atomic::{AtomicU64, Ordering};

/// The protocol's client frame types, in [`Frame`]'s order.
pub(crate) const FRAME_TYPES: [&str; 7] =
    ["heartbeat", "service_login", "user_login", "action", "update", "message_up", "message_down"];

fn frame_index(frame: &Frame) -> usize {
    match frame {
        Frame::Heartbeat => 0,
        Frame::ServiceLogin { .. } => 1,
        Frame::UserLogin { .. } => 2,
        Frame::Action { .. } => 3,
        Frame::Update { .. } => 4,
        Frame::MessageUp { .. } => 5,
        Frame::MessageDown { .. } => 6,
    }
}

/// Why the platform refused a frame, in fixed classes.
pub(crate) const REFUSALS: [&str; 6] =
    ["not_logged_in", "login", "oversize", "binary", "malformed", "rejected"];

/// The class of a refusal, from what the connection task records (its reasons in `ws.rs`).
pub(crate) fn refusal_class(origin_type: &str, reason: &str) -> usize {
    if reason.starts_with("log in first") {
        0
    } else if reason.starts_with("login refused") {
        1
    } else if origin_type.is_empty() && reason.starts_with("frame of") {
        2
    } else if origin_type.is_empty() && reason.starts_with("binary") {
        3
    } else if origin_type.is_empty() {
        4
    } else {
        5
    }
}

/// Why a connection closed, in fixed classes (`client`: the client closed it or went away).
pub(crate) const CLOSES: [&str; 9] = [
    "client",
    "severed",
    "slow_consumer",
    "idle",
    "login_timeout",
    "login_refused",
    "protocol",
    "stopped",
    "other",
];

/// Where "slow_consumer" is in [`CLOSES`].
const SLOW: usize = 2;

/// The class of a close, from the reason the platform gave (`None`: the client's doing).
pub(crate) fn close_class(by_platform: Option<&str>) -> usize {
    let Some(reason) = by_platform else { return 0 };
    if reason.starts_with("severed") {
        1
    } else if reason.starts_with("outbound buffer full") {
        SLOW
    } else if reason.starts_with("idle") {
        3
    } else if reason.starts_with("not logged in") {
        4
    } else if reason.starts_with("login refused") {
        5
    } else if reason.starts_with("websocket protocol error") {
        6
    } else if reason.starts_with("the platform stopped") {
        7
    } else {
        8
    }
}

/// The platform's counts, shared by every connection's traffic record.
#[derive(Debug, Default)]
pub(crate) struct PlatformCounters {
    pub(crate) opened: AtomicU64,
    pub(crate) closed: [AtomicU64; CLOSES.len()],
    /// Logins accepted: services, users.
    pub(crate) logins: [AtomicU64; 2],
    pub(crate) received: [AtomicU64; FRAME_TYPES.len()],
    pub(crate) sent: AtomicU64,
    pub(crate) refused: [AtomicU64; REFUSALS.len()],
    pub(crate) slow_consumers: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl PlatformCounters {
    pub(crate) fn opened(&self) {
        bump(&self.opened);
    }

    pub(crate) fn closed(&self, by_platform: Option<&str>) {
        let class = close_class(by_platform);
        bump(&self.closed[class]);
        if class == SLOW {
            bump(&self.slow_consumers);
        }
    }

    pub(crate) fn logged_in(&self, identity: &Peer) {
        bump(&self.logins[usize::from(matches!(identity, Peer::User(_)))]);
    }

    pub(crate) fn received(&self, frame: &Frame) {
        bump(&self.received[frame_index(frame)]);
    }

    pub(crate) fn sent(&self) {
        bump(&self.sent);
    }

    pub(crate) fn refused(&self, origin_type: &str, reason: &str) {
        bump(&self.refused[refusal_class(origin_type, reason)]);
    }

    /// The value of one counter of an array.
    pub(crate) fn get(counters: &[AtomicU64], index: usize) -> u64 {
        counters.get(index).map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

/// Registers `GET /metrics` (feature `metrics`): the counts above and the sizes of
/// [`PlatformStats`](super::PlatformStats), in the Prometheus text format.
#[cfg(feature = "metrics")]
pub(crate) fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.route("/metrics", actix_web::web::get().to(scrape));
}

/// Without the feature there is no `/metrics`.
#[cfg(not(feature = "metrics"))]
pub(crate) fn routes(_: &mut actix_web::web::ServiceConfig) {}

#[cfg(feature = "metrics")]
async fn scrape(shared: actix_web::web::Data<super::server::Shared>) -> actix_web::HttpResponse {
    let (counters, stats) = {
        let hub = shared.hub();
        (hub.counters(), hub.stats())
    };
    actix_web::HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(crate::metrics::platform_text(counters, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_types_follow_the_protocols_names() {
        let frames = [Frame::Heartbeat];
        for frame in frames {
            assert_eq!(FRAME_TYPES[frame_index(&frame)], frame.frame_type());
        }
    }

    #[test]
    fn refusals_and_closes_fall_into_their_classes() {
        let refusal = |t, r| REFUSALS[refusal_class(t, r)];
        assert_eq!(refusal("message_up", "log in first: `message_up` before ..."), "not_logged_in");
        assert_eq!(refusal("service_login", "login refused: unknown token"), "login");
        assert_eq!(refusal("", "frame of 9 bytes is over the 8-byte limit"), "oversize");
        assert_eq!(refusal("", "binary frames are not part of the protocol"), "binary");
        assert_eq!(refusal("", "missing field `type`"), "malformed");
        assert_eq!(refusal("message_up", "not a member of the channel"), "rejected");
        let close = |r| CLOSES[close_class(r)];
        assert_eq!(close(None), "client");
        assert_eq!(close(Some("severed by the studio")), "severed");
        assert_eq!(close(Some("outbound buffer full (8 events waiting): ...")), "slow_consumer");
        assert_eq!(close(Some("idle for more than 60 s")), "idle");
        assert_eq!(close(Some("not logged in within 10 s of connecting")), "login_timeout");
        assert_eq!(close(Some("login refused: x")), "login_refused");
        assert_eq!(close(Some("websocket protocol error: x")), "protocol");
        assert_eq!(close(Some("the platform stopped")), "stopped");
        assert_eq!(close(Some("why not")), "other");
    }

    #[test]
    fn a_slow_consumer_counts_as_a_close_and_on_its_own() {
        let counters = PlatformCounters::default();
        counters.closed(Some("outbound buffer full (1 events waiting)"));
        counters.closed(None);
        assert_eq!(counters.slow_consumers.load(Ordering::Relaxed), 1);
        assert_eq!(PlatformCounters::get(&counters.closed, SLOW), 1);
        assert_eq!(PlatformCounters::get(&counters.closed, 0), 1);
    }
}
