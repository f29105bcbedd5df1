//! The service metrics: what is registered (a service's runtime, HTTP client and channel-actor
//! board under its `service` label), readiness over it, and the `prometheus_client` collector
//! that reads their counters at scrape time and writes every family.

use crate::client::stats::{ClientStats, DropReason, ErrorClass, EventType};
use crate::client::{ConnectionState, RuntimeShared};
use crate::http::HttpShared;
use crate::service::{Board, BoardSummary};
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The connection states, as the `state` label of `moobius_connection_state`.
const STATES: [&str; 5] = ["connecting", "logging_in", "connected", "backing_off", "stopped"];

fn state_label(state: &ConnectionState) -> &'static str {
    match state {
        ConnectionState::Connecting => STATES[0],
        ConnectionState::LoggingIn => STATES[1],
        ConnectionState::Connected => STATES[2],
        ConnectionState::BackingOff { .. } => STATES[3],
        ConnectionState::Stopped => STATES[4],
    }
}

/// One registered service (or bare client runtime).
pub(crate) struct ServiceSource {
    name: String,
    client: Arc<RuntimeShared>,
    http: Option<Arc<HttpShared>>,
    board: Option<Arc<Board>>,
}

impl ServiceSource {
    pub(crate) fn new(
        name: String,
        client: Arc<RuntimeShared>,
        http: Option<Arc<HttpShared>>,
        board: Option<Arc<Board>>,
    ) -> Self {
        Self { name, client, http, board }
    }
}

/// Everything registered with one [`Metrics`](super::Metrics), and the services still starting.
#[derive(Default)]
pub(crate) struct Services {
    list: Mutex<Vec<ServiceSource>>,
    starting: AtomicUsize,
}

impl fmt::Debug for Services {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Services").field("names", &self.names()).finish_non_exhaustive()
    }
}

impl Services {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ServiceSource>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers `source`, replacing one of the same name (a service started again).
    pub(crate) fn add(&self, source: ServiceSource) {
        let mut list = self.lock();
        list.retain(|s| s.name != source.name);
        list.push(source);
    }

    pub(crate) fn names(&self) -> Vec<String> {
        self.lock().iter().map(|s| s.name.clone()).collect()
    }

    /// `Err(why)` unless some service is registered, none is starting and all are logged in.
    pub(crate) fn readiness(&self) -> Result<(), String> {
        let starting = self.starting.load(Ordering::Acquire);
        if starting > 0 {
            return Err(format!("{starting} service(s) still starting (signing in, binding channels)"));
        }
        let list = self.lock();
        if list.is_empty() {
            return Err("no service started yet".to_owned());
        }
        let waiting: Vec<String> = list
            .iter()
            .filter_map(|s| {
                let state = s.client.state();
                (state != ConnectionState::Connected)
                    .then(|| format!("service {} is {}", s.name, state_label(&state).replace('_', " ")))
            })
            .collect();
        if waiting.is_empty() { Ok(()) } else { Err(format!("not ready: {}", waiting.join("; "))) }
    }
}

/// Marks a service as starting until dropped.
pub(crate) struct Starting(Arc<Services>);

impl Starting {
    pub(crate) fn new(services: Arc<Services>) -> Self {
        services.starting.fetch_add(1, Ordering::AcqRel);
        Self(services)
    }
}

impl Drop for Starting {
    fn drop(&mut self) {
        self.0.starting.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One service's figures, read once per scrape.
struct Snapshot {
    name: String,
    state: &'static str,
    latency: Option<f64>,
    counters: crate::client::Counters,
    capacity: usize,
    connect_attempts: u64,
    connects: u64,
    reconnects: [u64; DropReason::ALL.len()],
    disconnects: [u64; DropReason::ALL.len()],
    errors: [u64; ErrorClass::ALL.len()],
    events: [u64; EventType::ALL.len()],
    resume_gaps: u64,
    resume_gap_events: u64,
    board: Option<BoardSummary>,
    http: Option<HttpFigures>,
}

struct HttpFigures {
    calls: u64,
    failures: u64,
    hits: u64,
    misses: u64,
    lists: usize,
    ids: usize,
}

fn read<const N: usize>(counters: &[std::sync::atomic::AtomicU64; N]) -> [u64; N] {
    std::array::from_fn(|i| ClientStats::get(counters, i))
}

impl Snapshot {
    fn of(source: &ServiceSource) -> Self {
        let shared = &source.client;
        let stats = &shared.stats;
        let http = source.http.as_ref().map(|http| {
            let (calls, failures) = http.call_counts();
            let (hits, misses) = http.groups.hits_and_misses();
            let (lists, ids) = http.groups.len();
            HttpFigures { calls, failures, hits, misses, lists, ids }
        });
        Self {
            name: source.name.clone(),
            state: state_label(&shared.state()),
            latency: shared.latency().map(|l| l.as_secs_f64()),
            counters: shared.counters(),
            capacity: shared.capacity(),
            connect_attempts: stats.connect_attempts.load(Ordering::Relaxed),
            connects: stats.connects.load(Ordering::Relaxed),
            reconnects: read(&stats.reconnects),
            disconnects: read(&stats.disconnects),
            errors: read(&stats.errors),
            events: read(&stats.events),
            resume_gaps: stats.resume_gaps.load(Ordering::Relaxed),
            resume_gap_events: stats.resume_gap_events.load(Ordering::Relaxed),
            board: source.board.as_ref().map(|b| b.summary()),
            http,
        }
    }
}

/// Writes one counter family.
pub(super) fn counter<L: EncodeLabelSet>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (L, u64)>,
) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, value) in samples {
        ConstCounter::new(value).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

/// Writes one gauge family.
pub(super) fn gauge<L: EncodeLabelSet, V: prometheus_client::encoding::EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (L, V)>,
) -> fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in samples {
        ConstGauge::new(value).encode(metric.encode_family(&labels)?)?;
    }
    Ok(())
}

/// The collector registered in the [`Metrics`](super::Metrics) registry.
#[derive(Debug)]
pub(crate) struct Collector(pub(crate) Arc<Services>);

type One<'a> = [(&'static str, &'a str); 1];
type Two<'a> = [(&'static str, &'a str); 2];

fn each<'a>(
    snaps: &'a [Snapshot],
    value: impl Fn(&Snapshot) -> u64 + 'a,
) -> impl Iterator<Item = (One<'a>, u64)> {
    snaps.iter().map(move |s| ([("service", s.name.as_str())], value(s)))
}

/// One sample per service and label value of `labels`, the value at the same index.
fn by<'a, const N: usize>(
    snaps: &'a [Snapshot],
    key: &'static str,
    labels: [&'static str; N],
    values: impl Fn(&Snapshot) -> [u64; N] + 'a,
) -> impl Iterator<Item = (Two<'a>, u64)> {
    snaps.iter().flat_map(move |s| {
        let values = values(s);
        (0..N).map(move |i| ([("service", s.name.as_str()), (key, labels[i])], values[i]))
    })
}

impl prometheus_client::collector::Collector for Collector {
    fn encode(&self, mut e: DescriptorEncoder) -> fmt::Result {
        let snaps: Vec<Snapshot> = self.0.lock().iter().map(Snapshot::of).collect();
        let s = snaps.as_slice();
        let states = s.iter().flat_map(|snap| {
            STATES.map(|state| {
                ([("service", snap.name.as_str()), ("state", state)], i64::from(snap.state == state))
            })
        });
        gauge(
            &mut e,
            "moobius_connection_state",
            "The connection's state: 1 for the current one, 0 for the others",
            states,
        )?;
        counter(
            &mut e,
            "moobius_connect_attempts",
            "WebSocket connect attempts, the first included",
            each(s, |x| x.connect_attempts),
        )?;
        counter(&mut e, "moobius_connects", "First successful logins", each(s, |x| x.connects))?;
        let reasons = DropReason::ALL.map(DropReason::as_str);
        counter(
            &mut e,
            "moobius_reconnects",
            "Successful logins after a disconnect, by the reason of that disconnect",
            by(s, "reason", reasons, |x| x.reconnects),
        )?;
        counter(
            &mut e,
            "moobius_disconnects",
            "Logged-in (or logging-in) connections lost, by reason",
            by(s, "reason", reasons, |x| x.disconnects),
        )?;
        counter(
            &mut e,
            "moobius_client_errors",
            "Errors the runtime reported to its handlers, by kind",
            by(s, "kind", ErrorClass::ALL.map(ErrorClass::as_str), |x| x.errors),
        )?;
        let latency = s.iter().filter_map(|x| x.latency.map(|l| ([("service", x.name.as_str())], l)));
        gauge(
            &mut e,
            "moobius_heartbeat_latency_seconds",
            "The latest heartbeat round trip (frame written to receipt read)",
            latency,
        )?;
        gauge(
            &mut e,
            "moobius_outbound_queued_frames",
            "Frames accepted and not yet written on the current connection",
            each(s, |x| x.counters.queued as u64),
        )?;
        gauge(
            &mut e,
            "moobius_outbound_in_flight_frames",
            "Frames written and awaiting their receipt",
            each(s, |x| x.counters.in_flight as u64),
        )?;
        gauge(
            &mut e,
            "moobius_outbound_queue_capacity_frames",
            "The outbound queue's capacity (queued plus in flight)",
            each(s, |x| x.capacity as u64),
        )?;
        counter(
            &mut e,
            "moobius_frames_sent",
            "Frames written for the first time (heartbeats included; resends are counted apart)",
            each(s, |x| x.counters.sent),
        )?;
        counter(
            &mut e,
            "moobius_frames_acknowledged",
            "Receipts with status true",
            each(s, |x| x.counters.acknowledged),
        )?;
        counter(
            &mut e,
            "moobius_frames_resent",
            "Frames written again after a reconnect (each resend counts)",
            each(s, |x| x.counters.resent),
        )?;
        counter(
            &mut e,
            "moobius_frames_refused",
            "Receipts with status false, and error frames naming a frame",
            each(s, |x| x.counters.refused),
        )?;
        counter(
            &mut e,
            "moobius_events_received",
            "Inbound events handed to the handlers, by type (duplicates excluded)",
            by(s, "type", EventType::ALL.map(EventType::as_str), |x| x.events),
        )?;
        counter(
            &mut e,
            "moobius_duplicates_dropped",
            "Inbound events dropped because their seq was already handled",
            each(s, |x| x.counters.duplicates_dropped),
        )?;
        counter(
            &mut e,
            "moobius_resume_gaps",
            "resume_gap notices: events the platform could no longer replay",
            each(s, |x| x.resume_gaps),
        )?;
        counter(
            &mut e,
            "moobius_resume_gap_events",
            "Events the resume gaps said were lost",
            each(s, |x| x.resume_gap_events),
        )?;
        let boards: Vec<&Snapshot> = s.iter().filter(|x| x.board.is_some()).collect();
        let board = |f: fn(&BoardSummary) -> u64| {
            boards.iter().map(move |x| ([("service", x.name.as_str())], x.board.as_ref().map_or(0, f)))
        };
        let actors = boards.iter().flat_map(|x| {
            let b = x.board.unwrap_or_default();
            [("running", b.running), ("restarting", b.restarting), ("stopped", b.stopped)]
                .map(|(state, n)| ([("service", x.name.as_str()), ("state", state)], n as u64))
        });
        gauge(&mut e, "moobius_channel_actors", "Channel actors, by state", actors)?;
        counter(
            &mut e,
            "moobius_channel_actor_failures",
            "Channel actor failures (an error, a panic, a stop): each restarts it or stops it for good",
            board(|b| b.failures),
        )?;
        counter(&mut e, "moobius_channel_actor_restarts", "Channel actor restarts", board(|b| b.restarts))?;
        counter(
            &mut e,
            "moobius_channel_events_dropped",
            "Channel events not delivered (held past the limit during a restart, or after a stop)",
            board(|b| b.dropped),
        )?;
        let https: Vec<(&str, &HttpFigures)> =
            s.iter().filter_map(|x| x.http.as_ref().map(|h| (x.name.as_str(), h))).collect();
        let http =
            |f: fn(&HttpFigures) -> u64| https.iter().map(move |(name, h)| ([("service", *name)], f(h)));
        counter(&mut e, "moobius_http_calls", "HTTP API calls made, answered or not", http(|h| h.calls))?;
        counter(
            &mut e,
            "moobius_http_call_failures",
            "HTTP API calls that ended in an error",
            http(|h| h.failures),
        )?;
        counter(
            &mut e,
            "moobius_group_cache_hits",
            "Group lookups answered from the cache",
            http(|h| h.hits),
        )?;
        counter(
            &mut e,
            "moobius_group_cache_misses",
            "Group lookups that made the HTTP call",
            http(|h| h.misses),
        )?;
        let entries = https.iter().flat_map(|(name, h)| {
            [("lists", h.lists), ("group_ids", h.ids)]
                .map(|(kind, n)| ([("service", *name), ("kind", kind)], n as u64))
        });
        gauge(
            &mut e,
            "moobius_group_cache_entries",
            "Entries in the group cache: member lists and group ids",
            entries,
        )?;
        Ok(())
    }
}
