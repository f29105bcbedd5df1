//! Delivery guarantees of the local platform: one receipt per request id, request-id memory
//! across connections (acknowledged again, never delivered twice), `seq` and resume with
//! `resume_gap`, heartbeats and pings, idle close, and bad frames answered without closing.
#![cfg(feature = "platform")]

use crate::support::*;
use moobius::platform::{Peer, PlatformConfig};
use moobius::protocol::{Event, Frame, Incoming, MessageContent, Resume};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

fn text_of(incoming: &Incoming) -> Option<&str> {
    match &incoming.event {
        Event::MessageDown(m) | Event::MessageUp(m) => m.content.as_text(),
        _ => None,
    }
}

fn up(s: &Live, text: &str) -> Frame {
    Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text(text),
        s.user_group.clone(),
    )
    .unwrap()
}

fn down(s: &Live, text: &str) -> Frame {
    Frame::message_down(
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text(text),
        s.user_group.clone(),
        s.service_id.as_character(),
    )
    .unwrap()
}

#[actix_rt::test]
async fn every_request_id_gets_exactly_one_receipt_with_its_origin_type() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let mut ids = HashMap::new();
    for i in 0..10 {
        let frame = if i % 2 == 0 { Frame::heartbeat() } else { up(&s, &format!("m{i}")) };
        let kind = frame.frame_type();
        ids.insert(s.user_ws.send_frame(frame).await, kind);
    }
    // A marker: when its receipt is in, every earlier one is too (one connection, in order).
    let marker = s.user_ws.request(Frame::heartbeat()).await;
    assert!(marker.status);
    let report = platform.traffic();
    let sent = report.sent_to(&Peer::User(s.user.user_id.to_string()));
    for (id, kind) in &ids {
        let receipts: Vec<_> = sent
            .iter()
            .filter_map(|i| match &i.event {
                Event::Receipt(r) if &r.request_id == id => Some((i.seq, r)),
                _ => None,
            })
            .collect();
        assert_eq!(receipts.len(), 1, "request {id} got {} receipts", receipts.len());
        let (seq, receipt) = receipts[0];
        assert_eq!(receipt.origin_type.as_deref(), Some(*kind));
        assert!(receipt.status);
        assert_eq!(seq, None, "receipts carry no seq");
    }
    platform.stop().await;
}

#[actix_rt::test]
async fn a_resent_request_id_is_acknowledged_again_but_not_delivered_twice() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let once = up(&s, "only once").to_request("dup-1");
    s.user_ws.send(&once).await;
    assert!(s.user_ws.receipt("dup-1").await.status);
    assert_eq!(text_of(&s.service.next_event().await), Some("only once"));

    // A refused frame is remembered with its refusal too.
    let elsewhere = create_channel(&platform, &s.owner.token, "elsewhere").await;
    bind(&platform, &s.owner.token, &s.service_id, &elsewhere).await;
    let early = Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        elsewhere.clone(),
        MessageContent::text("too early"),
        s.user_group.clone(),
    )
    .unwrap()
    .to_request("dup-2");
    s.user_ws.send(&early).await;
    let first = s.user_ws.receipt("dup-2").await;
    assert!(!first.status);

    // The client reconnects (a new connection of the same user) and resends both.
    let mut again = login_user(&platform, &s.user.token).await;
    assert!(again.request(Frame::join_channel(s.user.user_id.clone(), elsewhere.clone())).await.status);
    assert!(matches!(s.service.next_event().await.event, Event::Action(_)), "the join");
    again.send(&once).await;
    let receipt = again.receipt("dup-1").await;
    assert!(receipt.status, "acknowledged again with the original status");
    again.send(&early).await;
    let receipt = again.receipt("dup-2").await;
    assert_eq!(
        (receipt.status, receipt.reason()),
        (false, first.reason()),
        "the original refusal, though it would pass now"
    );

    assert!(again.request(up(&s, "marker")).await.status);
    let next = s.service.next_event().await;
    assert_eq!(text_of(&next), Some("marker"), "the resent frames were not delivered again: {next:?}");
    platform.stop().await;
}

#[actix_rt::test]
async fn heartbeats_and_pings_are_answered() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let receipt = s.user_ws.request(Frame::heartbeat()).await;
    assert!(receipt.status);
    assert_eq!(receipt.origin_type.as_deref(), Some("heartbeat"));
    s.user_ws.ping(b"are you there").await;
    assert_eq!(&s.user_ws.expect_pong().await[..], b"are you there");
    platform.stop().await;
}

#[actix_rt::test]
async fn events_carry_seq_per_identity_and_resume_replays_in_order_before_anything_new() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let mut second = login_user(&platform, &s.user.token).await; // the same user, twice
    for i in 1..=3 {
        assert!(s.service.request(down(&s, &format!("d{i}"))).await.status);
        let a = s.user_ws.next_event().await;
        let b = second.next_event().await;
        assert_eq!((a.seq, b.seq), (Some(i), Some(i)), "seq counts per identity, across its connections");
    }

    let mut resumed = WsClient::connect(&platform).await;
    let login =
        Frame::UserLogin { access_token: s.user.token.as_str().into(), resume: Some(Resume { seq: 1 }) };
    let receipt = resumed.request(login).await;
    assert!(receipt.status);
    assert!(s.service.request(down(&s, "d4")).await.status);
    let got: Vec<(Option<u64>, String)> = {
        let mut got = Vec::new();
        for _ in 0..3 {
            let i = resumed.next_event().await;
            got.push((i.seq, text_of(&i).unwrap_or_default().to_owned()));
        }
        got
    };
    assert_eq!(got, vec![(Some(2), "d2".into()), (Some(3), "d3".into()), (Some(4), "d4".into())]);

    // Without resume: no replay, the next event is the new one.
    let mut fresh = login_user(&platform, &s.user.token).await;
    assert!(s.service.request(down(&s, "d5")).await.status);
    let next = fresh.next_event().await;
    assert_eq!((next.seq, text_of(&next)), (Some(5), Some("d5")));
    platform.stop().await;
}

#[actix_rt::test]
async fn resume_past_what_is_held_reports_the_gap_first() {
    let config = PlatformConfig::default().replay_events(2).replay_age(Duration::ZERO);
    let platform = start_platform_with(config).await;
    let mut s = live_world(&platform).await;
    for i in 1..=5 {
        assert!(s.service.request(down(&s, &format!("d{i}"))).await.status);
    }
    let mut resumed = WsClient::connect(&platform).await;
    let login =
        Frame::UserLogin { access_token: s.user.token.as_str().into(), resume: Some(Resume { seq: 0 }) };
    assert!(resumed.request(login).await.status);
    let gap = resumed.next_event().await;
    assert!(matches!(gap.event, Event::ResumeGap(g) if g.from_seq == 1 && g.to_seq == 3), "{gap:?}");
    assert_eq!(resumed.next_event().await.seq, Some(4));
    assert_eq!(resumed.next_event().await.seq, Some(5));
    platform.stop().await;
}

#[actix_rt::test]
async fn a_silent_connection_is_closed_after_the_idle_limit() {
    let platform =
        start_platform_with(PlatformConfig::default().idle_limit(Duration::from_millis(300))).await;
    let account = sign_in(&platform, "quiet", "pw").await;
    let mut ws = login_user(&platform, &account.token).await;
    match ws.expect_end().await {
        Ended::CloseFrame(Some(reason)) => {
            assert!(reason.description.unwrap_or_default().contains("idle"), "the close says why")
        }
        other => panic!("expected a close frame naming idleness, got {other:?}"),
    }
    platform.stop().await;
}

fn malformed_rows() -> Vec<(String, String)> {
    let dir = std::env::var_os("MOOBIUS_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/protocol/vectors"));
    let path = dir.join("malformed.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {} ({e}): the project's shared/ must sit beside the crate", path.display())
    });
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let row: serde_json::Value = serde_json::from_str(l).expect("a JSON row");
            (row["name"].as_str().unwrap().to_owned(), row["text"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[actix_rt::test]
async fn malformed_oversized_unknown_and_binary_frames_get_an_error_and_the_connection_stays() {
    let platform = start_platform().await;
    let account = sign_in(&platform, "fuzzer", "pw").await;
    let mut ws = login_user(&platform, &account.token).await;
    let mut cases = malformed_rows();
    assert!(!cases.is_empty());
    let big = format!(
        r#"{{"type":"heartbeat","request_id":"big","body":{{"pad":"{}"}}}}"#,
        "x".repeat(1536 * 1024)
    );
    cases.push(("over 1 MiB".into(), big));
    cases.push(("unknown type".into(), r#"{"type":"warp","request_id":"w1","body":{}}"#.into()));
    for (name, text) in cases {
        ws.send_text(text).await;
        let answer = ws.next_incoming().await;
        let Event::Error(error) = &answer.event else {
            panic!("{name}: expected an error frame, got {answer:?}")
        };
        assert!(!error.message.is_empty(), "{name}");
        match name.as_str() {
            "over 1 MiB" => assert!(error.message.contains("limit"), "{}", error.message),
            "unknown type" => {
                assert_eq!(error.request_id.as_deref(), Some("w1"));
                assert!(error.message.contains("warp"), "{}", error.message);
            }
            _ => {}
        }
        let receipt = ws.request(Frame::heartbeat()).await;
        assert!(receipt.status, "{name}: the connection stays up");
    }
    ws.send_binary(b"\x00\x01").await;
    let answer = ws.next_incoming().await;
    assert!(matches!(&answer.event, Event::Error(e) if e.message.contains("binary")), "{answer:?}");
    assert!(ws.request(Frame::heartbeat()).await.status);
    platform.stop().await;
}

#[actix_rt::test]
async fn traffic_keeps_a_connection_past_the_idle_limit() {
    let idle = Duration::from_millis(1500);
    let platform = start_platform_with(PlatformConfig::default().idle_limit(idle)).await;
    let account = sign_in(&platform, "chatty", "pw").await;
    let mut ws = login_user(&platform, &account.token).await;
    // Heartbeats every 250 ms for twice the idle limit: each one must be answered.
    let mut ticks = tokio::time::interval(Duration::from_millis(250));
    let started = tokio::time::Instant::now();
    while started.elapsed() < idle * 2 {
        ticks.tick().await;
        assert!(ws.request(Frame::heartbeat()).await.status, "the connection stays while it talks");
    }
    let report = platform.traffic();
    let mine = report.of(&Peer::User(account.user_id.to_string())).next().unwrap();
    assert!(mine.open && mine.closed_by_platform.is_none(), "{mine:?}");
    platform.stop().await;
}

#[actix_rt::test]
async fn the_websocket_is_served_at_the_root_too() {
    let platform = start_platform().await;
    let account = sign_in(&platform, "rooted", "pw").await;
    let mut ws = WsClient::connect_url(&format!("ws://{}/", platform.addr())).await;
    assert!(ws.request(Frame::user_login(account.token.as_str())).await.status);
    platform.stop().await;
}

#[actix_rt::test]
async fn a_service_resumes_what_users_sent_while_it_was_away() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await; // the join was the service's seq 1
    let away = std::mem::replace(&mut s.service, WsClient::connect(&platform).await);
    away.close().await;
    for text in ["while away 1", "while away 2"] {
        assert!(s.user_ws.request(up(&s, text)).await.status, "accepted and held while the service is away");
    }
    let mut service = WsClient::connect(&platform).await;
    let login = Frame::ServiceLogin {
        service_id: s.service_id.clone(),
        access_token: s.owner.token.as_str().into(),
        resume: Some(Resume { seq: 1 }),
    };
    assert!(service.request(login).await.status);
    for (seq, text) in [(2, "while away 1"), (3, "while away 2")] {
        let got = service.next_event().await;
        assert_eq!((got.seq, text_of(&got)), (Some(seq), Some(text)));
    }
    platform.stop().await;
}
