//! End to end against the embedded local platform, side by side: the full client runtime
//! (connection, queue, heartbeat and handler actors, receipts tracked, resend on reconnect)
//! against a bare awc WebSocket client (no actors, no queue, no acknowledgement tracking), the
//! floor. Measures message_down throughput from a service to one user, and the round trip
//! user message_up → service handler → message_down → user (p50/p99). Prints a table with the
//! ratio. Run: `cargo bench --bench e2e` (env `E2E_FRAMES`, `E2E_ROUNDS` to change the sizes).

// The integration tests' helpers (provisioning, the raw WebSocket client); the bench uses a few.
#[path = "../tests/it/support/mod.rs"]
#[allow(unused_imports)]
mod support;

mod common;

use awc::ws;
use common::{
    BareService, bare_login, bare_next_text, config, down, echo_handler, env_or, next_text, percentile, up,
    user_round_trips, wait_connected,
};
use moobius::client::{HandlerSpec, Identity, Runtime};
use moobius::platform::PlatformHandle;
use moobius::protocol::Frame;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{World, world};

#[derive(Debug, Clone, Copy)]
struct Result {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

// ----- full stack -----

async fn full_stack(platform: &PlatformHandle, w: &Arc<World>, frames: usize, rounds: usize) -> Result {
    let url = platform.ws_url();
    // The service echoes every message_up as a message_down, from its handler actor.
    let echo = echo_handler(w);
    let (service_events, mut service_rx) = HandlerSpec::channel();
    let service = Runtime::start(
        config(&url, Identity::service(&w.service_id), &w.owner.token, frames + 16),
        vec![echo, service_events],
    );
    let (user_events, mut user_rx) = HandlerSpec::channel();
    let user = Runtime::start(config(&url, Identity::User, &w.user.token, frames + 16), vec![user_events]);
    wait_connected(&mut service_rx).await;
    wait_connected(&mut user_rx).await;

    // (a) throughput: service → user.
    let started = Instant::now();
    for i in 0..frames {
        service.send(down(w, i.to_string())).unwrap();
    }
    for i in 0..frames {
        let text = next_text(&mut user_rx).await;
        debug_assert_eq!(text, i.to_string());
    }
    let per_second = frames as f64 / started.elapsed().as_secs_f64();

    // (b) round trips: user → service handler → user.
    let mut rtts = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let sent = Instant::now();
        user.send(up(w, format!("rt{i}"))).unwrap();
        let text = next_text(&mut user_rx).await;
        assert_eq!(text, format!("rt{i}"));
        rtts.push(sent.elapsed());
    }
    rtts.sort_unstable();
    let resent = service.counters().resent + user.counters().resent;
    if resent > 0 {
        eprintln!("note: the full stack reconnected during the run ({resent} frames resent)");
    }
    let _ = service.shutdown_within(Duration::from_secs(5)).await;
    let _ = user.shutdown_within(Duration::from_secs(5)).await;
    drop(service_rx);
    Result { per_second, p50: percentile(&rtts, 0.5), p99: percentile(&rtts, 0.99) }
}

// ----- bare awc -----

async fn bare(platform: &PlatformHandle, w: &Arc<World>, frames: usize, rounds: usize) -> Result {
    let url = platform.ws_url();
    let (mut user_sink, mut user_stream) = bare_login(&url, Frame::user_login(w.user.token.as_str())).await;
    let service = BareService::start(&url, w).await;
    let tx = service.tx.clone();

    // (a) throughput: service → user.
    let started = Instant::now();
    for i in 0..frames {
        let text = down(w, i.to_string()).into_request().encode();
        tx.send(ws::Message::Text(text.into())).unwrap();
    }
    for _ in 0..frames {
        bare_next_text(&mut user_stream).await;
    }
    let per_second = frames as f64 / started.elapsed().as_secs_f64();

    // (b) round trips: user → bare service echo → user.
    let rtts = user_round_trips(&mut user_sink, &mut user_stream, w, rounds).await;
    drop(tx);
    service.stop();
    Result { per_second, p50: percentile(&rtts, 0.5), p99: percentile(&rtts, 0.99) }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with tiny sizes.
    let quick = !std::env::args().any(|a| a == "--bench");
    let frames = if quick { 200 } else { env_or("E2E_FRAMES", 20_000) };
    let rounds = if quick { 50 } else { env_or("E2E_ROUNDS", 2_000) };
    actix_rt::System::new().block_on(async move {
        // A large per-connection buffer: neither path is disconnected as a slow reader while
        // the service floods (that policy is the platform's, not what is measured here).
        let platform = support::start_platform_with(
            moobius::platform::PlatformConfig::default()
                .outbound_buffer(1 << 20)
                .record_traffic(false)
                .studio(false),
        )
        .await;
        let w = Arc::new(world(&platform).await);
        // Warm up both paths once (connections, allocator, caches).
        let _ = bare(&platform, &w, frames / 10 + 1, rounds / 10 + 1).await;
        let _ = full_stack(&platform, &w, frames / 10 + 1, rounds / 10 + 1).await;
        let floor = bare(&platform, &w, frames, rounds).await;
        let full = full_stack(&platform, &w, frames, rounds).await;
        println!("e2e against the local platform: {frames} message_downs, {rounds} round trips");
        println!("| path                 | message_down/s | round trip p50 | round trip p99 |");
        println!("|----------------------|---------------:|---------------:|---------------:|");
        for (name, r) in [("bare awc client", floor), ("full actor stack", full)] {
            println!("| {name:<20} | {:>14.0} | {:>14.1?} | {:>14.1?} |", r.per_second, r.p50, r.p99);
        }
        println!(
            "| full / bare          | {:>13.0}% | {:>13.2}x | {:>13.2}x |",
            100.0 * full.per_second / floor.per_second,
            full.p50.as_secs_f64() / floor.p50.as_secs_f64(),
            full.p99.as_secs_f64() / floor.p99.as_secs_f64()
        );
        println!("goal: throughput >= 70% of bare, p99 <= 2x bare");
        platform.stop().await;
    });
}
