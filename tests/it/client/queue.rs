//! The outbound queue's bound and the graceful shutdown: at capacity `send` says so and nothing
//! already accepted is lost; shutdown waits for receipts and reports what was left.
#![cfg(feature = "platform")]

use crate::support::client::{fast, message_text, user_runtime_with};
use crate::support::{WAIT, eventually, world};
use moobius::client::{ClientErrorKind, ConnectionState, Identity};
use moobius::protocol::{Frame, MessageContent};
use std::time::Duration;

#[actix_rt::test]
async fn a_full_queue_refuses_more_and_loses_nothing_it_accepted() {
    const CAPACITY: usize = 100;
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    // Slow heartbeats: no heartbeat takes a slot of the queue during this test.
    let (service, mut service_events) = user_runtime_with(
        fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token)
            .queue_capacity(CAPACITY)
            .heartbeat_interval(Duration::from_secs(60))
            .liveness_limit(Duration::from_secs(180)),
    );
    let (_user, mut user_events) = user_runtime_with(fast(&platform.ws_url(), Identity::User, &w.user.token));
    service_events.logged_in().await;
    user_events.logged_in().await;

    let say = |i: usize| w.say(i.to_string());
    // One message first, so the user has a `seq` to resume from after the outage.
    service.send(say(usize::MAX)).unwrap();
    user_events.wait_for(WAIT, "the first message", |e| message_text(e).is_some()).await;
    // The platform goes away: everything sent now stays in the queue.
    platform.stop().await;
    service_events
        .wait_for(WAIT, "the disconnect", |e| {
            matches!(
                e,
                moobius::client::ClientEvent::Lifecycle(moobius::client::Lifecycle::Disconnected { .. })
            )
        })
        .await;
    for i in 0..CAPACITY {
        service.send(say(i)).unwrap_or_else(|e| panic!("frame {i} refused: {e}"));
    }
    let err = service.send(say(CAPACITY)).expect_err("the queue is full");
    assert_eq!(err.kind(), &ClientErrorKind::QueueFull { capacity: CAPACITY });
    assert!(err.to_string().contains("retry"), "{err}");
    eventually(WAIT, "all frames held", || service.counters().queued == CAPACITY).await;

    platform.start_again().await.expect("the platform is back");
    for i in 0..CAPACITY {
        let got = user_events.wait_for(WAIT, "an accepted message", |e| message_text(e).is_some()).await;
        assert_eq!(message_text(&got), Some(i.to_string().as_str()), "accepted frames arrive in order");
    }
    eventually(WAIT, "the queue drained", || service.counters().unacknowledged() == 0).await;
    service.send(say(CAPACITY)).expect("room again once receipts arrived");
    let got = user_events.wait_for(WAIT, "the late message", |e| message_text(e).is_some()).await;
    assert_eq!(message_text(&got), Some(CAPACITY.to_string().as_str()));
}

#[actix_rt::test]
async fn shutdown_waits_for_receipts_and_reports_what_was_left() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let say = |text: &str| w.say(text);

    // Everything acknowledged: nothing left.
    let (service, mut events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    events.logged_in().await;
    for i in 0..20 {
        service.send(say(&i.to_string())).unwrap();
    }
    let client = service.client();
    let report = service.shutdown().await;
    assert_eq!(report.unacknowledged, 0, "{report:?}");
    assert!(report.counters.acknowledged >= 20, "{report:?}");
    assert_eq!(client.state(), ConnectionState::Stopped);
    assert_eq!(client.send(say("late")).unwrap_err().kind(), &ClientErrorKind::Closed);

    // The platform gone: the deadline passes and the report says how many were left.
    let (service, mut events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    events.logged_in().await;
    platform.stop().await;
    events
        .wait_for(WAIT, "the disconnect", |e| {
            matches!(
                e,
                moobius::client::ClientEvent::Lifecycle(moobius::client::Lifecycle::Disconnected { .. })
            )
        })
        .await;
    for i in 0..5 {
        service.send(say(&format!("stuck {i}"))).unwrap();
    }
    let report = service.shutdown_within(Duration::from_millis(300)).await;
    assert_eq!(report.unacknowledged, 5, "{report:?}");
}

#[actix_rt::test]
async fn a_refused_frame_reaches_the_program_with_the_reason() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let (service, mut events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    events.logged_in().await;
    let frame = Frame::message_down(
        w.service_id.clone(),
        w.channel_id.clone(),
        MessageContent::text("to nobody"),
        "no-such-group".into(),
        w.agent.clone(),
    )
    .unwrap();
    let request_id = service.send(frame).unwrap();
    let event =
        events.wait_for(WAIT, "the refusal", |e| matches!(e, moobius::client::ClientEvent::Refused(_))).await;
    let moobius::client::ClientEvent::Refused(refusal) = &*event else { unreachable!() };
    assert_eq!(refusal.request_id, request_id);
    assert_eq!(refusal.origin_type.as_deref(), Some("message_down"));
    let reason = refusal.reason.as_deref().expect("the platform gives a reason");
    assert!(!reason.is_empty());
    eventually(WAIT, "the refusal counted", || service.counters().refused == 1).await;
    assert_eq!(service.counters().unacknowledged(), 0, "a refused frame is settled, not resent");
}
