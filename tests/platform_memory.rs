//! Probes of the platform's memory under floods (issue 9, item 3): each flood is run and the
//! platform's own structure sizes (`PlatformHandle::stats`) and the process RSS are printed.
#![cfg(feature = "platform")]

mod common;

use common::*;
use moobius::protocol::{Frame, MessageContent};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

#[actix_rt::test]
async fn probe_request_ids() {
    let platform = start_platform().await;
    let user = sign_in(&platform, "flooder", "pw").await;
    let mut ws = login_user(&platform, &user.token).await;
    let before = rss_kib();
    let mut last = String::new();
    for _ in 0..20_000 {
        last = ws.send_frame(Frame::Heartbeat).await;
    }
    ws.receipt(&last).await;
    let stats = platform.stats();
    eprintln!("PROBE request_ids: 20000 heartbeats: {stats:?} rss {before} -> {} KiB", rss_kib());
    platform.stop().await;
}

#[actix_rt::test]
async fn probe_replay() {
    let platform = start_platform().await;
    let mut s = scenario(&platform).await;
    s.user_ws.stop_reading();
    let before = rss_kib();
    let text = "x".repeat(8 * 1024);
    let mut last = String::new();
    for _ in 0..2_000 {
        let frame = Frame::message_down(
            &s.service_id,
            &s.channel_id,
            MessageContent::text(text.clone()),
            s.user_group.clone(),
            &s.service_id,
        )
        .unwrap();
        last = s.service.send_frame(frame).await;
    }
    s.service.receipt(&last).await;
    let stats = platform.stats();
    eprintln!("PROBE replay: 2000 x 8 KiB: {stats:?} rss {before} -> {} KiB", rss_kib());
    platform.stop().await;
}

#[actix_rt::test]
async fn probe_traffic() {
    let platform = start_platform().await;
    let before = rss_kib();
    for _ in 0..1_500 {
        let mut ws = WsClient::connect(&platform).await;
        ws.send_text("not json").await;
        ws.next_text().await;
        ws.close().await;
    }
    let stats = platform.stats();
    eprintln!("PROBE traffic: 1500 connections opened and closed: {stats:?} rss {before} -> {} KiB", rss_kib());
    platform.stop().await;
}
