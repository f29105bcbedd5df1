//! Round trips user `message_up` → service handler → `message_down` → user.

use crate::common::{
    BareService, bare_login, config, echo_handler, percentile, user_round_trips, wait_connected,
};
use crate::support::{self, World};
use moobius::client::{HandlerSpec, Identity, Runtime};
use moobius::protocol::Frame;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Copy, Debug)]
pub(crate) struct RoundTrip {
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

async fn round_trips(ws: &str, w: &World, rounds: usize) -> Vec<Duration> {
    let (mut sink, mut stream) = bare_login(ws, Frame::user_login(w.user.token.as_str())).await;
    user_round_trips(&mut sink, &mut stream, w, rounds).await
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
