//! Bounded platform memory (issue 9, item 3): floods of request ids, of events to a user who
//! stopped reading, of connections and of frames, while the platform's own structure sizes
//! (`PlatformHandle::stats`) stay under the configured limits. Each test prints its figures
//! (and the process RSS) with `--nocapture`.
#![cfg(feature = "platform")]

use crate::support::*;
use moobius::platform::PlatformConfig;
use moobius::protocol::Resume;
use moobius::protocol::{Event, Frame, MessageContent, Secret};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

async fn heartbeats(ws: &mut WsClient, count: usize) -> String {
    let mut last = String::new();
    for _ in 0..count {
        last = ws.send_frame(Frame::Heartbeat).await;
    }
    assert!(ws.receipt(&last).await.status);
    last
}

#[actix_rt::test]
async fn request_ids_are_bounded_per_sender_and_in_total() {
    let config = PlatformConfig::default().dedup_per_sender(500).dedup_total(800);
    let platform = start_platform_with(config).await;
    let before = rss_kib();
    let one = sign_in(&platform, "flooder-1", "pw").await;
    let mut ws = login_user(&platform, &one.token).await;
    let last = heartbeats(&mut ws, 5_000).await;
    let stats = platform.stats();
    eprintln!("FIGURE request ids, 5000 heartbeats from one sender (per sender 500): {stats:?}");
    assert!(stats.request_ids_max_per_sender <= 500, "{stats:?}");
    // The newest ids are still remembered: a resend is receipted, not handled again.
    ws.send(&moobius::protocol::Request { request_id: Some(last.clone()), frame: Frame::Heartbeat }).await;
    assert!(ws.receipt(&last).await.status);

    let two = sign_in(&platform, "flooder-2", "pw").await;
    let mut ws2 = login_user(&platform, &two.token).await;
    heartbeats(&mut ws2, 5_000).await;
    let stats = platform.stats();
    eprintln!(
        "FIGURE request ids, 5000 more from a second sender (total 800): {stats:?}, rss {before} -> {} KiB",
        rss_kib()
    );
    assert!(stats.request_ids <= 800 && stats.request_ids_max_per_sender <= 500, "{stats:?}");
    platform.stop().await;
}

#[actix_rt::test]
async fn the_replay_buffer_is_bounded_by_count_and_bytes_and_reports_the_gap() {
    let config = PlatformConfig::default().replay_events(100).replay_bytes(256 * 1024);
    let platform = start_platform_with(config).await;
    let mut s = live_world(&platform).await;
    s.user_ws.stop_reading();
    let before = rss_kib();
    let text = "x".repeat(8 * 1024);
    let mut last = String::new();
    for _ in 0..2_000 {
        let frame = Frame::message_down(
            s.service_id.clone(),
            s.channel_id.clone(),
            MessageContent::text(text.clone()),
            s.user_group.clone(),
            s.service_id.as_character(),
        )
        .unwrap();
        last = s.service.send_frame(frame).await;
    }
    assert!(s.service.receipt(&last).await.status);
    let stats = platform.stats();
    eprintln!(
        "FIGURE replay, 2000 x 8 KiB to a user who stopped reading (100 events, 256 KiB): {stats:?}, rss {before} -> {} KiB",
        rss_kib()
    );
    assert!(stats.replay_max_bytes <= 256 * 1024 && stats.replay_max_events <= 100, "{stats:?}");
    assert!(stats.replay_max_events > 0, "the newest are still held: {stats:?}");

    // A resume from the start gets a gap for what fell out, then what is held.
    let mut again = WsClient::connect(&platform).await;
    let login =
        Frame::UserLogin { access_token: Secret::new(s.user.token.clone()), resume: Some(Resume { seq: 0 }) };
    assert!(again.request(login).await.status);
    let first = again.next_event().await;
    assert!(matches!(&first.event, Event::ResumeGap(g) if g.from_seq == 1 && g.to_seq > 1), "{first:?}");
    platform.stop().await;
}

#[actix_rt::test]
async fn the_traffic_log_keeps_a_bounded_number_of_closed_connections_and_bytes() {
    let config = PlatformConfig::default().traffic_closed_records(50).traffic_total_bytes(64 * 1024);
    let platform = start_platform_with(config).await;
    let before = rss_kib();
    for _ in 0..300 {
        let mut ws = WsClient::connect(&platform).await;
        ws.send_text("not json").await;
        ws.next_text().await;
        ws.close().await;
    }
    // The last close is handled by the platform after the client saw it: wait for it.
    let deadline = tokio::time::Instant::now() + WAIT;
    while platform.open_connections() > 0 && tokio::time::Instant::now() < deadline {
        tokio::task::yield_now().await;
    }
    let stats = platform.stats();
    eprintln!("FIGURE traffic, 300 connections opened and closed (50 closed kept): {stats:?}");
    assert!(stats.traffic_closed_records <= 50 && stats.traffic_records <= 51, "{stats:?}");

    let user = sign_in(&platform, "chatty", "pw").await;
    let mut ws = login_user(&platform, &user.token).await;
    heartbeats(&mut ws, 3_000).await;
    let stats = platform.stats();
    eprintln!(
        "FIGURE traffic, 3000 receipts to one connection (64 KiB total): {stats:?}, rss {before} -> {} KiB",
        rss_kib()
    );
    assert!(stats.traffic_bytes <= 64 * 1024 && stats.traffic_bytes > 0, "{stats:?}");
    let report = platform.traffic();
    assert_eq!(report.connections.last().map(|c| c.sent_count), Some(3_001), "counted past the cap");
    platform.stop().await;
}
