//! The local platform's test controls and its isolation of slow clients: sever every connection
//! (no close frame), stop and start again on the same port with state kept, pause like a hung
//! server, and disconnect a client that stops reading while everyone else is served.
#![cfg(feature = "platform")]

use crate::support::*;
use moobius::platform::{Peer, PlatformConfig};
use moobius::protocol::{Event, Frame, MessageContent, Resume};
use std::time::Duration;

fn down(s: &Live, group: &str, text: &str) -> Frame {
    Frame::message_down(
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text(text),
        group.into(),
        s.service_id.as_character(),
    )
    .unwrap()
}

#[actix_rt::test]
async fn sever_all_cuts_every_connection_without_a_close_frame_and_keeps_state() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    assert!(s.service.request(down(&s, &s.user_group.clone(), "before")).await.status);
    assert_eq!(s.user_ws.next_event().await.seq, Some(1));

    platform.sever_all();
    assert_eq!(s.user_ws.expect_end().await, Ended::NoCloseFrame);
    assert_eq!(s.service.expect_end().await, Ended::NoCloseFrame);

    // Reconnect and resume: membership, binding and seq survived.
    let mut service = login_service(&platform, &s.service_id, &s.owner.token).await;
    let mut user = WsClient::connect(&platform).await;
    let login =
        Frame::UserLogin { access_token: s.user.token.as_str().into(), resume: Some(Resume { seq: 1 }) };
    assert!(user.request(login).await.status);
    let group = s.user_group.clone();
    let frame = Frame::message_down(
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("after"),
        group.clone(),
        s.service_id.as_character(),
    )
    .unwrap();
    assert!(service.request(frame).await.status);
    let next = user.next_event().await;
    assert_eq!(next.seq, Some(2));
    let report = platform.traffic();
    let alice = Peer::User(s.user.user_id.to_string());
    let cut: Vec<_> = report.of(&alice).filter(|c| !c.open).collect();
    assert!(
        cut.iter().any(|c| c.closed_by_platform.as_deref().is_some_and(|r| r.contains("sever_all"))),
        "{cut:?}"
    );
    platform.stop().await;
}

#[actix_rt::test]
async fn stop_and_start_again_keeps_the_port_and_the_state() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let addr = platform.addr();
    platform.stop().await;
    assert_eq!(s.user_ws.expect_end().await, Ended::NoCloseFrame);
    platform.start_again().await.expect("the same port is free again");
    assert_eq!(platform.addr(), addr);
    assert!(platform.start_again().await.is_err(), "already running");

    // The old token, the binding and the membership still work.
    let info = data(http_get(&platform, "/user/info", Some(&s.user.token)).await);
    assert_eq!(info["user_id"], s.user.user_id.as_str());
    let mut service = login_service(&platform, &s.service_id, &s.owner.token).await;
    let mut user = login_user(&platform, &s.user.token).await;
    let frame = Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("still here"),
        s.user_group.clone(),
    )
    .unwrap();
    assert!(user.request(frame).await.status);
    let got = service.next_event().await;
    assert!(
        matches!(&got.event, Event::MessageUp(m) if m.content.as_text() == Some("still here")),
        "{got:?}"
    );
    let _ = &mut s;
    platform.stop().await;
}

#[actix_rt::test]
async fn pause_stops_reading_and_acknowledging_until_resumed() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    platform.pause(true);
    let id = s.user_ws.send_frame(Frame::heartbeat()).await;
    assert_eq!(
        s.user_ws.frame_within(Duration::from_millis(300)).await,
        None,
        "a paused platform acknowledges nothing"
    );
    platform.pause(false);
    assert!(s.user_ws.receipt(&id).await.status, "the frame is handled once resumed");
    platform.stop().await;
}

#[actix_rt::test]
async fn a_client_that_stops_reading_is_disconnected_and_slows_no_one() {
    let platform = start_platform_with(PlatformConfig::default().outbound_buffer(8)).await;
    let mut s = live_world(&platform).await;
    let bob = sign_in(&platform, "bob", "pw").await;
    let mut bob_ws = login_user(&platform, &bob.token).await;
    assert!(bob_ws.request(Frame::join_channel(bob.user_id.clone(), s.channel_id.clone())).await.status);
    let both = create_group(&platform, &s.owner.token, &[&s.user.user_id, &bob.user_id]).await;

    s.user_ws.stop_reading();
    let alice = Peer::User(s.user.user_id.to_string());
    let payload = "y".repeat(64 * 1024);
    let mut sent = 0;
    let cut = loop {
        assert!(sent < 2_000, "alice was never disconnected although she stopped reading");
        assert!(s.service.request(down(&s, &both, &payload)).await.status);
        sent += 1;
        // bob, who reads, has each one while alice's pile up: she slows no one. (Read before the
        // next send: with an 8-event buffer, a sender that outran bob's reader on a starved
        // machine would cut bob too, which is the buffer working, not alice slowing him.)
        let got = bob_ws.next_event().await;
        assert!(matches!(&got.event, Event::MessageDown(m) if m.content.as_text() == Some(payload.as_str())));
        let report = platform.traffic();
        if let Some(reason) = report.of(&alice).find_map(|c| c.closed_by_platform.clone()) {
            break reason;
        }
    };
    assert!(cut.contains("outbound buffer full"), "{cut}");
    let bob_peer = Peer::User(bob.user_id.to_string());
    assert!(platform.traffic().of(&bob_peer).all(|c| c.closed_by_platform.is_none()), "bob was cut");
    s.user_ws.resume_reading();
    s.user_ws.expect_end().await;
    platform.stop().await;
}

#[actix_rt::test]
async fn a_taken_port_is_a_clear_bind_error() {
    let platform = start_platform().await;
    let error =
        moobius::platform::LocalPlatform::start(platform.addr()).await.expect_err("the port is taken");
    assert!(matches!(error.kind(), moobius::platform::PlatformErrorKind::Bind { .. }), "{error}");
    assert!(error.to_string().contains(&platform.addr().to_string()), "{error}");
    platform.stop().await;
}
