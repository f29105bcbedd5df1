//! The minimal round trip against the embedded platform: sign in, log in, join, message up to
//! the service, message down to the user, one receipt per request.
#![cfg(feature = "platform")]

use crate::support::*;
use moobius::protocol::{ActionKind, Event, Frame, MessageContent};

#[actix_rt::test]
async fn a_user_message_reaches_the_service_and_the_answer_reaches_the_user() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;

    let up = Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("hello"),
        s.user_group.clone(),
    )
    .unwrap();
    let receipt = s.user_ws.request(up).await;
    assert!(receipt.status, "{:?}", receipt.reason());
    assert_eq!(receipt.origin_type.as_deref(), Some("message_up"));

    let got = s.service.next_event().await;
    let Event::MessageUp(message) = got.event else { panic!("expected message_up, got {got:?}") };
    assert_eq!(message.content.as_text(), Some("hello"));
    assert_eq!(message.sender.as_deref(), Some(s.user.user_id.as_str()));
    assert_eq!(message.recipients.as_deref(), Some(s.user_group.as_str()));
    assert!(message.message_id.is_some() && message.timestamp.is_some());
    assert_eq!(got.seq, Some(2), "the join was seq 1");

    let down = Frame::message_down(
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("hi back"),
        s.user_group.clone(),
        s.service_id.as_character(),
    )
    .unwrap();
    let receipt = s.service.request(down).await;
    assert!(receipt.status, "{:?}", receipt.reason());

    let got = s.user_ws.next_event().await;
    let Event::MessageDown(message) = got.event else { panic!("expected message_down, got {got:?}") };
    assert_eq!(message.content.as_text(), Some("hi back"));
    assert_eq!(got.seq, Some(1));

    // The platform's own record agrees.
    let report = platform.traffic();
    let user = moobius::platform::Peer::User(s.user.user_id.to_string());
    assert!(
        report
            .sent_to(&user)
            .iter()
            .any(|i| matches!(&i.event, Event::MessageDown(m) if m.content.as_text() == Some("hi back")))
    );
    let service = moobius::platform::Peer::Service(s.service_id.to_string());
    assert!(
        report
            .sent_to(&service)
            .iter()
            .any(|i| matches!(&i.event, Event::Action(a) if a.kind == ActionKind::Join))
    );
    platform.stop().await;
}
