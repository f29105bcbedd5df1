//! Round trips user `message_up` → service handler → `message_down` → user.

use crate::common::{
    BareService, bare_login, bare_next_text, config, echo_handler, percentile, up, wait_connected,
};
use crate::support::{self, World};
use awc::ws;
use futures_util::SinkExt as _;
use moobius::client::{HandlerSpec, Identity, Runtime};
use moobius::protocol::Frame;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub(crate) struct RoundTrip {
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

async fn round_trips(ws: &str, w: &World, rounds: usize) -> Vec<Duration> {
    let (mut sink, mut stream) = bare_login(ws, Frame::user_login(w.user.token.as_str())).await;
    let mut rtts = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let sent = Instant::now();
        let frame = up(w, format!("rt{i}")).into_request().encode();
        sink.send(ws::Message::Text(frame.into())).await.unwrap();
        let text = bare_next_text(&mut stream).await;
        assert_eq!(text, format!("rt{i}"), "the echo of round trip {i}");
        rtts.push(sent.elapsed());
    }
    rtts.sort_unstable();
    rtts
}

pub(crate) async fn rtt_runtime(ws: &str, w: &Arc<World>, rounds: usize) -> Vec<Duration> {
    let (events, mut rx) = HandlerSpec::channel();
    let service = Runtime::start(
        config(ws, Identity::service(&w.service_id), &w.owner.token, rounds + 16),
        vec![echo_handler(w), events],
    );
    wait_connected(&mut rx).await;
    let rtts = round_trips(ws, w, rounds).await;
    let _ = service.shutdown_within(support::WAIT).await;
    rtts
}

pub(crate) async fn rtt_bare(ws: &str, w: &Arc<World>, rounds: usize) -> Vec<Duration> {
    let service = BareService::start(ws, w).await;
    let rtts = round_trips(ws, w, rounds).await;
    service.stop();
    rtts
}

pub(crate) fn summary(rtts: &[Duration]) -> RoundTrip {
    let mut sorted = rtts.to_vec();
    sorted.sort_unstable();
    RoundTrip { p50: percentile(&sorted, 0.5), p99: percentile(&sorted, 0.99) }
}
