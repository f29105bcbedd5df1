//! The local platform's metrics: its connection, frame and refusal counts and the sizes of what
//! it holds, written in the Prometheus text format for its own `GET /metrics`.

use super::service::{counter, gauge};
use crate::platform::PlatformStats;
use crate::platform::counters::{CLOSES, FRAME_TYPES, PlatformCounters, REFUSALS};
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::registry::Registry;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The platform's figures at one scrape.
#[derive(Debug)]
struct Collector {
    counters: Arc<PlatformCounters>,
    stats: PlatformStats,
}

type One = [(&'static str, &'static str); 1];

fn labelled<'a, const N: usize>(
    key: &'static str,
    labels: [&'static str; N],
    counters: &'a [AtomicU64; N],
) -> impl Iterator<Item = (One, u64)> + 'a {
    (0..N).map(move |i| ([(key, labels[i])], PlatformCounters::get(counters, i)))
}

fn none(value: u64) -> [([(&'static str, &'static str); 0], u64); 1] {
    [([], value)]
}

impl prometheus_client::collector::Collector for Collector {
    fn encode(&self, mut e: DescriptorEncoder) -> fmt::Result {
        let (c, s) = (&self.counters, &self.stats);
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        counter(
            &mut e,
            "moobius_platform_connections_opened",
            "WebSocket connections opened",
            none(load(&c.opened)),
        )?;
        counter(
            &mut e,
            "moobius_platform_connections_closed",
            "WebSocket connections closed, by why",
            labelled("reason", CLOSES, &c.closed),
        )?;
        gauge(
            &mut e,
            "moobius_platform_connections_open",
            "WebSocket connections open now",
            none(s.open_connections as u64),
        )?;
        gauge(
            &mut e,
            "moobius_platform_connections_unauthenticated",
            "Open connections that have not logged in",
            none(s.unauthenticated_connections as u64),
        )?;
        let logins = [
            ([("kind", "service")], PlatformCounters::get(&c.logins, 0)),
            ([("kind", "user")], PlatformCounters::get(&c.logins, 1)),
        ];
        counter(&mut e, "moobius_platform_logins", "Logins accepted, services and users", logins)?;
        counter(
            &mut e,
            "moobius_platform_frames_received",
            "Client frames received and decoded, by type",
            labelled("type", FRAME_TYPES, &c.received),
        )?;
        counter(
            &mut e,
            "moobius_platform_frames_sent",
            "Text frames written to clients (events, receipts, errors)",
            none(load(&c.sent)),
        )?;
        counter(
            &mut e,
            "moobius_platform_refusals",
            "Frames refused, by class",
            labelled("reason", REFUSALS, &c.refused),
        )?;
        counter(
            &mut e,
            "moobius_platform_slow_consumers_cut",
            "Connections cut because their outbound buffer was full",
            none(load(&c.slow_consumers)),
        )?;
        gauge(
            &mut e,
            "moobius_platform_replay_events",
            "Events held for resume, over all identities",
            none(s.replay_events as u64),
        )?;
        gauge(
            &mut e,
            "moobius_platform_replay_bytes",
            "Bytes of events held for resume, over all identities",
            none(s.replay_bytes as u64),
        )?;
        gauge(
            &mut e,
            "moobius_platform_replay_max_events",
            "The most events held for one identity",
            none(s.replay_max_events as u64),
        )?;
        gauge(
            &mut e,
            "moobius_platform_replay_max_bytes",
            "The most bytes held for one identity",
            none(s.replay_max_bytes as u64),
        )?;
        gauge(
            &mut e,
            "moobius_platform_request_ids",
            "Request ids remembered for exactly-once, over all senders",
            none(s.request_ids as u64),
        )?;
        gauge(
            &mut e,
            "moobius_platform_history_messages",
            "Messages held in the channels' histories",
            none(s.history_messages as u64),
        )?;
        gauge(&mut e, "moobius_platform_files", "Uploaded files held", none(s.files as u64))?;
        Ok(())
    }
}

/// The platform's metrics as Prometheus text.
pub(crate) fn text(counters: Arc<PlatformCounters>, stats: PlatformStats) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Collector { counters, stats }));
    let mut text = String::with_capacity(4 * 1024);
    if let Err(error) = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry) {
        log::warn!("encoding the platform's metrics failed: {error}");
    }
    text
}
