//! The runtime against the local platform, the simplest way: log in, send, receive, shut down.
#![cfg(feature = "platform")]

use crate::support::client::{Events, fast, message_text};
use crate::support::{WAIT, world};
use moobius::client::{ConnectionState, HandlerSpec, Identity, Runtime};
use moobius::protocol::{Event, Frame, MessageContent};

#[actix_rt::test]
async fn a_service_logs_in_sends_and_receives() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let config = fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token).build().unwrap();
    let (spec, rx) = HandlerSpec::channel();
    let runtime = Runtime::start(config, vec![spec]);
    let mut events = Events(rx);
    events.logged_in().await;
    assert_eq!(runtime.state(), ConnectionState::Connected);

    let mut user = crate::support::login_user(&platform, &w.user.token).await;
    let frame = w.say("hello");
    runtime.send(frame).unwrap();
    let got = user.next_event().await;
    assert!(matches!(&got.event, Event::MessageDown(m) if m.content.as_text() == Some("hello")), "{got:?}");

    user.send_frame(
        Frame::message_up(
            w.user.user_id.clone(),
            w.service_id.clone(),
            w.channel_id.clone(),
            MessageContent::text("hi"),
            w.user_group.clone(),
        )
        .unwrap(),
    )
    .await;
    let up = events.wait_for(WAIT, "the message_up", |e| message_text(e) == Some("hi")).await;
    drop(up);

    let report = runtime.shutdown().await;
    assert_eq!(report.unacknowledged, 0);
    assert!(report.counters.acknowledged >= 1);
}

#[actix_rt::test]
async fn dropping_the_runtime_closes_its_connection() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let config = fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token).build().unwrap();
    let (spec, rx) = HandlerSpec::channel();
    let runtime = Runtime::start(config, vec![spec]);
    let mut events = Events(rx);
    events.logged_in().await;
    let client = runtime.client();
    crate::support::eventually(WAIT, "only the runtime connected", || platform.open_connections() == 1).await;
    drop(runtime);
    crate::support::eventually(WAIT, "the connection closed", || platform.open_connections() == 0).await;
    assert_eq!(client.state(), ConnectionState::Stopped);
}
