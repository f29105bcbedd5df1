//! The fault suite: the client runtime and the echo example over real sockets while the network
//! and the platform misbehave (RST severs, a stopped and restarted platform, a half-open pause, a
//! platform that drops every session right after login). Each test asserts that nothing is lost,
//! doubled or reordered, and prints its figures (`cargo test --test it client::faults -- --nocapture`).
//!
//! The echo test runs the built `echo` example binary: build it first with
//! `cargo build --example echo` (a plain `cargo test` builds every example).
#![cfg(feature = "platform")]

use crate::support::client::{fast, message_text, user_runtime_with};
use crate::support::fault_proxy::{ProxyEvent, TcpProxy};
use crate::support::process::{Running, example_binary, ready_line};
use moobius::client::Identity;
use moobius::protocol::{ChannelId, Frame, GroupId, MessageContent, ServiceId};
use rand::Rng;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The `p`th percentile (nearest rank) of sorted `values`.
fn percentile(values: &[Duration], p: usize) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = (values.len() * p).div_ceil(100).max(1);
    values[rank - 1]
}

/// What arrived, judged against `0..count` sent in order.
#[derive(Debug, Default)]
struct Tally {
    lost: usize,
    duplicated: usize,
    reordered: usize,
}

fn tally(count: usize, received: &[usize]) -> Tally {
    let mut seen = vec![false; count];
    let mut tally = Tally::default();
    let mut highest: Option<usize> = None;
    for &n in received {
        if n >= count || seen[n] {
            tally.duplicated += 1;
            continue;
        }
        seen[n] = true;
        if highest.is_some_and(|h| n < h) {
            tally.reordered += 1;
        }
        highest = highest.max(Some(n));
    }
    tally.lost = seen.iter().filter(|s| !**s).count();
    tally
}

#[actix_rt::test]
async fn echo_under_severs_echoes_every_message_once_in_order_and_reconnects_fast() {
    const COUNT: usize = 2_000;
    /// 100 messages a second.
    const SEND_EVERY: Duration = Duration::from_millis(10);
    /// Severs come every 0.5–1.5 s (uniformly random) while the messages are sent.
    const SEVER_EVERY_MS: std::ops::Range<u64> = 500..1500;
    /// The last echo may come this long after the last send.
    const LAST_ECHO_WITHIN: Duration = Duration::from_secs(2);
    /// How long the test keeps collecting after the last send (so the figures are reported even
    /// when the promise is broken), and after the last expected echo (to see late duplicates).
    const COLLECT_AFTER_LAST_SEND: Duration = Duration::from_secs(10);
    const DUPLICATE_WINDOW: Duration = Duration::from_millis(500);
    /// The reconnect time the issue asks for, per sever.
    const RECONNECT_GOAL: Duration = Duration::from_millis(250);

    let echo = example_binary("echo");
    let platform = crate::support::start_platform().await;
    let mut proxy = TcpProxy::start(platform.addr()).await;
    let mut proxy_events = proxy.events();
    let env = [
        ("MOOBIUS_HTTP_URL", platform.http_url()),
        ("MOOBIUS_WS_URL", proxy.ws_url()),
        ("MOOBIUS_EMAIL", "echo-owner@test.moobius".to_owned()),
        ("MOOBIUS_PASSWORD", "echo-password".to_owned()),
    ];
    let mut process = Running::spawn(&echo, &[], &env);
    let mut lines = process.lines();
    let (service_id, channels) = ready_line(&mut lines).await;
    let channel = channels.first().expect("one channel").clone();

    let user = crate::support::sign_in(&platform, "alice", "alice-password").await;
    let (runtime, mut events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::User, &user.token).queue_capacity(4 * COUNT));
    events.logged_in().await;
    let (service_id, channel) = (ServiceId::from(service_id), ChannelId::from(channel));
    runtime.send(Frame::join_channel(user.user_id.clone(), channel.clone())).expect("the join is queued");

    let mut rng = rand::rng();
    let mut tick = tokio::time::interval(SEND_EVERY);
    let mut next_sever =
        tokio::time::Instant::now() + Duration::from_millis(rng.random_range(SEVER_EVERY_MS));
    let mut sent = 0;
    let mut last_send = None;
    let mut received = Vec::with_capacity(COUNT);
    let mut distinct = 0;
    let mut seen = vec![false; COUNT];
    let mut last_echo = None;
    let mut deadline = None;
    // The echo is logged in through the proxy (its ready line came after its login).
    let mut logged_in = true;
    let mut severed_at: Option<Instant> = None;
    let mut sever_ticks = 0;
    let mut severs = 0;
    let mut reconnects = Vec::new();
    loop {
        tokio::select! {
            _ = tick.tick(), if sent < COUNT => {
                let content = MessageContent::text(sent.to_string());
                let to = GroupId::from(service_id.as_str());
                let frame = Frame::message_up(user.user_id.clone(), service_id.clone(), channel.clone(), content, to)
                    .expect("a recipient");
                runtime.send(frame).expect("the queue accepts every message");
                sent += 1;
                if sent == COUNT {
                    let now = tokio::time::Instant::now();
                    last_send = Some(now.into_std());
                    deadline = Some(now + COLLECT_AFTER_LAST_SEND);
                }
            }
            _ = tokio::time::sleep_until(next_sever), if sent < COUNT => {
                sever_ticks += 1;
                if proxy.sever_all() > 0 {
                    severs += 1;
                    if logged_in {
                        logged_in = false;
                        severed_at.get_or_insert_with(Instant::now);
                    }
                }
                next_sever = tokio::time::Instant::now() + Duration::from_millis(rng.random_range(SEVER_EVERY_MS));
            }
            Some(event) = proxy_events.recv() => {
                if let ProxyEvent::LoginReceipt { at, accepted: true, .. } = event {
                    logged_in = true;
                    if let Some(cut) = severed_at.take() {
                        reconnects.push(at.saturating_duration_since(cut));
                    }
                }
            }
            event = events.0.recv() => {
                let Some(event) = event else { panic!("the user runtime's events ended") };
                let Some(n) = message_text(&event).and_then(|t| t.parse::<usize>().ok()) else { continue };
                received.push(n);
                last_echo = Some(Instant::now());
                if n < COUNT && !seen[n] {
                    seen[n] = true;
                    distinct += 1;
                    if distinct == COUNT {
                        deadline = Some(tokio::time::Instant::now() + DUPLICATE_WINDOW);
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => break,
        }
    }

    let tally = tally(COUNT, &received);
    reconnects.sort_unstable();
    let (p50, p99) = (percentile(&reconnects, 50), percentile(&reconnects, 99));
    let max = reconnects.last().copied().unwrap_or_default();
    let last_send = last_send.expect("all were sent");
    let tail = last_echo.map(|at| at.saturating_duration_since(last_send));
    eprintln!(
        "echo under severs: {COUNT} sent at 100/s, {sever_ticks} severs, {severs} of them \
         cutting a connection; reconnect per sever p50 {p50:?} p99 {p99:?} \
         max {max:?} (n = {}); lost {} duplicated {} reordered {}; last echo {tail:?} after the last send",
        reconnects.len(),
        tally.lost,
        tally.duplicated,
        tally.reordered,
    );

    assert!(sever_ticks >= 10, "the proxy severed throughout ({sever_ticks} severs)");
    assert_eq!((tally.lost, tally.duplicated, tally.reordered), (0, 0, 0), "{tally:?}");
    let tail = tail.expect("echoes arrived");
    assert!(tail <= LAST_ECHO_WITHIN, "the last echo came {tail:?} after the last send");
    assert!(p50 <= RECONNECT_GOAL, "reconnect per sever p50 {p50:?} exceeds {RECONNECT_GOAL:?}");
    assert!(p99 <= RECONNECT_GOAL, "reconnect per sever p99 {p99:?} exceeds {RECONNECT_GOAL:?}");
    runtime.shutdown().await;
    drop(process);
}

/// A stream of numbered message_downs from the service to the world's user.
struct Stream {
    /// The first number this stream sends (those before were sent earlier).
    first: usize,
    /// Numbers `0..count` are expected.
    count: usize,
    /// The pacing of the sends.
    every: Duration,
    /// How long to keep collecting after the last send before giving up.
    give_up: Duration,
}

/// Sends `stream` from `service`, calling `at(sent)` after each send, while collecting what the
/// user receives; returns the numbers received, in order, once every number arrived (plus
/// [`LATE_DUPLICATES`] to see late duplicates) or `give_up` after the last send, and when the
/// last missing number arrived.
async fn stream_through(
    service: &moobius::client::Runtime,
    user: &mut crate::support::client::Events,
    w: &crate::support::World,
    stream: Stream,
    mut at: impl AsyncFnMut(usize),
) -> (Vec<usize>, Option<Instant>) {
    let Stream { first, count, every, give_up } = stream;
    let mut tick = tokio::time::interval(every);
    let mut sent = first;
    let mut received = Vec::with_capacity(count);
    let mut seen = vec![false; count];
    let mut distinct = 0;
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut complete = None;
    loop {
        tokio::select! {
            _ = tick.tick(), if sent < count => {
                service.send(w.say(sent.to_string())).expect("the queue accepts every message");
                sent += 1;
                at(sent).await;
                if sent == count && deadline.is_none() {
                    deadline = Some(tokio::time::Instant::now() + give_up);
                }
            }
            event = user.0.recv() => {
                let Some(event) = event else { panic!("the user runtime's events ended") };
                let Some(n) = message_text(&event).and_then(|t| t.parse::<usize>().ok()) else { continue };
                received.push(n);
                if n < count && !seen[n] {
                    seen[n] = true;
                    distinct += 1;
                    if distinct == count {
                        complete = Some(Instant::now());
                        deadline = Some(tokio::time::Instant::now() + LATE_DUPLICATES);
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => break,
        }
    }
    (received, complete)
}

/// How long a stream is still watched after its last message arrived, for late duplicates.
const LATE_DUPLICATES: Duration = Duration::from_millis(300);

#[actix_rt::test]
async fn a_platform_restart_mid_stream_loses_and_doubles_nothing() {
    const COUNT: usize = 600;
    /// The platform stops after this many sends and starts again this many sends later (at
    /// 100 a second: a 1 s outage).
    const STOP_AT: usize = 150;
    const OUTAGE: usize = 100;
    let platform = crate::support::start_platform().await;
    let w = crate::support::world(&platform).await;
    let (service, mut service_events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    let (_user, mut user_events) = user_runtime_with(fast(&platform.ws_url(), Identity::User, &w.user.token));
    service_events.logged_in().await;
    user_events.logged_in().await;

    let restarted = std::cell::Cell::new(None);
    let (received, _) = stream_through(
        &service,
        &mut user_events,
        &w,
        Stream { first: 0, count: COUNT, every: Duration::from_millis(10), give_up: WAIT_ALL },
        async |sent| {
            if sent == STOP_AT {
                platform.stop().await;
            } else if sent == STOP_AT + OUTAGE {
                platform.start_again().await.expect("the platform starts again on its port");
                restarted.set(Some(Instant::now()));
            }
        },
    )
    .await;
    let tally = tally(COUNT, &received);
    eprintln!(
        "platform restart: {COUNT} message_downs, a {OUTAGE}-message (1 s) outage; lost {} duplicated {} reordered {}; \
         service resent {}",
        tally.lost,
        tally.duplicated,
        tally.reordered,
        service.counters().resent
    );
    assert!(restarted.get().is_some(), "the platform was restarted mid-stream");
    assert_eq!((tally.lost, tally.duplicated, tally.reordered), (0, 0, 0), "{tally:?}");
    service.shutdown().await;
}

/// How long a stream may take to complete after its last send.
const WAIT_ALL: Duration = Duration::from_secs(15);

#[actix_rt::test]
async fn a_half_open_pause_is_found_within_the_liveness_limit_and_loses_nothing() {
    const COUNT: usize = 400;
    const HEARTBEAT: Duration = Duration::from_millis(100);
    const LIVENESS: Duration = Duration::from_millis(600);
    /// The watchdog checks when the limit is reached; timers and a loaded machine get this much.
    const DETECTION_SLACK: Duration = Duration::from_millis(60);
    /// The proxy pauses after this many sends and resumes this many later (at 100 a second:
    /// 1.5 s, longer than the liveness limit).
    const PAUSE_AT: usize = 100;
    const PAUSED_FOR: usize = 150;
    let platform = crate::support::start_platform().await;
    let w = crate::support::world(&platform).await;
    let mut proxy = TcpProxy::start(platform.addr()).await;
    let _proxy_events = proxy.events();
    let (service, mut service_events) = user_runtime_with(
        fast(&proxy.ws_url(), Identity::service(&w.service_id), &w.owner.token)
            .heartbeat_interval(HEARTBEAT)
            .liveness_limit(LIVENESS)
            .send_timeout(Duration::from_millis(500)),
    );
    let (_user, mut user_events) = user_runtime_with(fast(&platform.ws_url(), Identity::User, &w.user.token));
    service_events.logged_in().await;
    user_events.logged_in().await;

    let paused_at = std::cell::Cell::new(None);
    let (detected_tx, mut detected) = mpsc::unbounded_channel();
    // The service's events are watched beside the stream, for the disconnect.
    actix_rt::spawn(async move {
        while let Some(event) = service_events.0.recv().await {
            if matches!(
                &*event,
                moobius::client::ClientEvent::Lifecycle(moobius::client::Lifecycle::Disconnected { .. })
            ) {
                let _ = detected_tx.send(Instant::now());
            }
        }
    });
    let (received, _) = stream_through(
        &service,
        &mut user_events,
        &w,
        Stream { first: 0, count: COUNT, every: Duration::from_millis(10), give_up: WAIT_ALL },
        async |sent| {
            if sent == PAUSE_AT {
                proxy.pause(true);
                paused_at.set(Some(Instant::now()));
            } else if sent == PAUSE_AT + PAUSED_FOR {
                proxy.pause(false);
            }
        },
    )
    .await;
    let paused_at = paused_at.get().expect("the proxy paused");
    let found = detected.try_recv().expect("the half-open connection was given up");
    let after = found.saturating_duration_since(paused_at);
    let tally = tally(COUNT, &received);
    eprintln!(
        "half-open pause: {COUNT} message_downs, paused {PAUSED_FOR} sends (1.5 s); zombie found {after:?} after the \
         pause (liveness limit {LIVENESS:?}); lost {} duplicated {} reordered {}",
        tally.lost, tally.duplicated, tally.reordered
    );
    assert!(
        after <= LIVENESS + DETECTION_SLACK,
        "the zombie was found {after:?} after the pause, the liveness limit is {LIVENESS:?}"
    );
    assert!(after + HEARTBEAT * 2 >= LIVENESS, "given up {after:?} after the pause: before the limit");
    assert_eq!((tally.lost, tally.duplicated, tally.reordered), (0, 0, 0), "{tally:?}");
    service.shutdown().await;
}

#[actix_rt::test]
async fn against_a_flapping_platform_logins_stay_within_the_bound_and_delivery_resumes_when_it_stops() {
    const BURST: u32 = 3;
    const INTERVAL: Duration = Duration::from_millis(200);
    /// Logins are counted over this window of flapping.
    const WINDOW: Duration = Duration::from_secs(3);
    /// Once the flapping stops, delivery resumes within one pacing interval and this.
    const RECOVERY_SLACK: Duration = Duration::from_millis(500);
    let platform = crate::support::start_platform().await;
    let w = crate::support::world(&platform).await;
    let mut proxy = TcpProxy::start(platform.addr()).await;
    let mut proxy_events = proxy.events();
    let (service, mut service_events) = user_runtime_with(
        fast(&proxy.ws_url(), Identity::service(&w.service_id), &w.owner.token)
            .login_burst(BURST)
            .login_interval(INTERVAL),
    );
    let (_user, mut user_events) = user_runtime_with(fast(&platform.ws_url(), Identity::User, &w.user.token));
    service_events.logged_in().await;
    user_events.logged_in().await;
    proxy.flap(true);
    proxy.sever_all();
    let flapping_since = Instant::now();
    let mut logins = 0u32;
    let mut sent = 0usize;
    let window_end = tokio::time::Instant::now() + WINDOW;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                service.send(w.say(sent.to_string())).expect("accepted while flapping");
                sent += 1;
            }
            Some(event) = proxy_events.recv() => {
                if let ProxyEvent::LoginReceipt { accepted: true, .. } = event {
                    logins += 1;
                }
            }
            _ = tokio::time::sleep_until(window_end) => break,
        }
    }
    let bound = BURST + (WINDOW.as_millis() / INTERVAL.as_millis()) as u32 + 1;
    let rate = f64::from(logins) / flapping_since.elapsed().as_secs_f64();
    eprintln!(
        "flapping: {logins} logins in {WINDOW:?} ({rate:.1}/s; bound {bound}: burst {BURST} + one per {INTERVAL:?})"
    );
    assert!(logins <= bound, "{logins} logins in {WINDOW:?}, the bound is {bound}");
    assert!(logins >= 2, "the client kept logging in while the platform flapped ({logins})");

    proxy.flap(false);
    let stopped = Instant::now();
    // Delivery resumes: everything sent so far arrives, once and in order, then one more.
    let (received, complete) = stream_through(
        &service,
        &mut user_events,
        &w,
        Stream { first: sent, count: sent + 1, every: Duration::from_millis(1), give_up: WAIT_ALL },
        async |_| {},
    )
    .await;
    let recovered = complete.map(|at| at.saturating_duration_since(stopped));
    let tally = tally(sent + 1, &received);
    eprintln!(
        "flapping stopped: delivery complete {recovered:?} later; lost {} duplicated {} reordered {}",
        tally.lost, tally.duplicated, tally.reordered
    );
    assert_eq!((tally.lost, tally.duplicated, tally.reordered), (0, 0, 0), "{tally:?}");
    let recovered = recovered.expect("delivery completed");
    assert!(
        recovered <= INTERVAL + RECOVERY_SLACK,
        "delivery resumed {recovered:?} after the flapping stopped"
    );
    service.shutdown().await;
}
