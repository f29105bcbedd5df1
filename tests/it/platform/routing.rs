//! Who gets what on the local platform: join/leave, message_up to the bound service, message_down
//! and updates to recipient users in the channel (groups expanded), actions with flat arguments,
//! agents, binding moves, and refusals with reasons that are never delivered.
#![cfg(feature = "platform")]

use crate::support::*;
use moobius::platform::{Peer, PlatformHandle};
use moobius::protocol::{
    ActionKind, Button, CanvasItem, ChannelInfo, ClickArgument, ClickedMessage, Event, Frame, Incoming,
    MenuItem, MessageContent, Receipt, StyleItem, UpdateContent, Visibility,
};
use serde_json::json;

/// Signs `name` in, logs in, joins the scenario's channel; the service sees the join.
async fn another_user(platform: &PlatformHandle, s: &mut Live, name: &str) -> (Account, WsClient) {
    let account = sign_in(platform, name, "pw").await;
    let mut ws = login_user(platform, &account.token).await;
    assert!(ws.request(Frame::join_channel(account.user_id.clone(), s.channel_id.clone())).await.status);
    let join = s.service.next_event().await;
    assert!(matches!(&join.event, Event::Action(a) if a.kind == ActionKind::Join), "{join:?}");
    (account, ws)
}

fn text_of(incoming: &Incoming) -> Option<&str> {
    match &incoming.event {
        Event::MessageDown(m) | Event::MessageUp(m) => m.content.as_text(),
        _ => None,
    }
}

fn refused(receipt: &Receipt, needle: &str) {
    assert!(!receipt.status, "accepted, expected a refusal mentioning {needle:?}");
    let reason = receipt.reason().unwrap_or_default();
    assert!(reason.contains(needle), "reason {reason:?} does not mention {needle:?}");
}

async fn say_down(s: &mut Live, group: &str, text: &str) -> Receipt {
    let frame = Frame::message_down(
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text(text),
        group.into(),
        s.service_id.as_character(),
    )
    .unwrap();
    s.service.request(frame).await
}

async fn say_up(s: &mut Live, text: &str) -> Receipt {
    let frame = Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text(text),
        s.user_group.clone(),
    )
    .unwrap();
    s.user_ws.request(frame).await
}

#[actix_rt::test]
async fn join_and_leave_reach_the_bound_service_with_the_sender() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let members = data(
        http_get(
            &platform,
            &format!("/channel/character_list?channel_id={}&service_id={}", s.channel_id, s.service_id),
            Some(&s.owner.token),
        )
        .await,
    );
    assert_eq!(members["character_list"], json!([s.user.user_id]));

    assert!(
        s.user_ws.request(Frame::leave_channel(s.user.user_id.clone(), s.channel_id.clone())).await.status
    );
    let leave = s.service.next_event().await;
    let Event::Action(action) = leave.event else { panic!("{leave:?}") };
    assert_eq!(
        (action.kind, action.sender.as_deref(), action.channel_id.as_str()),
        (ActionKind::Leave, Some(s.user.user_id.as_str()), s.channel_id.as_str())
    );

    // Once left, the user may not send there.
    refused(&say_up(&mut s, "still here?").await, "not in channel");
    let members = data(
        http_get(
            &platform,
            &format!("/channel/character_list?channel_id={}", s.channel_id),
            Some(&s.owner.token),
        )
        .await,
    );
    assert_eq!(members["character_list"], json!([]));
    platform.stop().await;
}

#[actix_rt::test]
async fn message_up_without_a_bound_service_is_refused() {
    let platform = start_platform().await;
    let user = sign_in(&platform, "u", "pw").await;
    let channel = create_channel(&platform, &user.token, "unbound").await;
    let mut ws = login_user(&platform, &user.token).await;
    assert!(
        ws.request(Frame::join_channel(user.user_id.clone(), channel.clone())).await.status,
        "joining needs no service"
    );
    let frame = Frame::message_up(
        user.user_id.clone(),
        "whatever".into(),
        channel.clone(),
        MessageContent::text("hi"),
        "g".into(),
    )
    .unwrap();
    refused(&ws.request(frame).await, "no service bound");
    platform.stop().await;
}

#[actix_rt::test]
async fn a_user_sends_only_as_itself_and_only_where_it_joined() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let frame = Frame::message_up(
        "someone-else".into(),
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("forged"),
        s.user_group.clone(),
    )
    .unwrap();
    refused(&s.user_ws.request(frame).await, "not the logged-in user");
    let other = create_channel(&platform, &s.owner.token, "other").await;
    bind(&platform, &s.owner.token, &s.service_id, &other).await;
    let frame = Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        other.clone(),
        MessageContent::text("intruding"),
        s.user_group.clone(),
    )
    .unwrap();
    refused(&s.user_ws.request(frame).await, "join it first");
    // A user may not send service frames.
    refused(&say_down_as_user(&mut s).await, "only a service");

    assert!(say_up(&mut s, "marker").await.status);
    let next = s.service.next_event().await;
    assert_eq!(text_of(&next), Some("marker"), "nothing refused was delivered: {next:?}");
    let refusals = platform.traffic().refused_to(&Peer::User(s.user.user_id.to_string()));
    assert_eq!(refusals.len(), 3, "{refusals:?}");
    platform.stop().await;
}

async fn say_down_as_user(s: &mut Live) -> Receipt {
    let frame = Frame::message_down(
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("x"),
        s.user_group.clone(),
        s.service_id.as_character(),
    )
    .unwrap();
    s.user_ws.request(frame).await
}

#[actix_rt::test]
async fn a_service_sends_only_into_its_channels_and_as_its_characters() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let foreign = create_channel(&platform, &s.owner.token, "not bound").await;
    let frame = Frame::message_down(
        s.service_id.clone(),
        foreign.clone(),
        MessageContent::text("x"),
        s.user_group.clone(),
        s.service_id.as_character(),
    )
    .unwrap();
    refused(&s.service.request(frame).await, "not bound to service");
    let frame = Frame::message_down(
        "another-service".into(),
        s.channel_id.clone(),
        MessageContent::text("x"),
        s.user_group.clone(),
        "a".into(),
    )
    .unwrap();
    refused(&s.service.request(frame).await, "not the logged-in service");
    let frame = Frame::message_down(
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("x"),
        s.user_group.clone(),
        "stranger".into(),
    )
    .unwrap();
    refused(&s.service.request(frame).await, "not a character");
    refused(&say_down(&mut s, "no-such-group", "x").await, "does not exist");
    let frame = Frame::join_channel(s.user.user_id.clone(), s.channel_id.clone());
    refused(&s.service.request(frame).await, "only a user");

    // Agents: created over HTTP, usable as sender, listed, with profiles.
    let agent = create_character(&platform, &s.owner.token, &s.service_id, "Bot").await;
    let frame = Frame::message_down(
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("from the agent"),
        s.user_group.clone(),
        agent.clone(),
    )
    .unwrap();
    assert!(s.service.request(frame).await.status);
    let got = s.user_ws.next_event().await;
    let Event::MessageDown(message) = &got.event else { panic!("{got:?}") };
    assert_eq!(
        (message.sender.as_deref(), message.content.as_text()),
        (Some(agent.as_str()), Some("from the agent")),
        "nothing refused came first"
    );
    let list = data(
        http_get(
            &platform,
            &format!("/service/character/list?service_id={}", s.service_id),
            Some(&s.owner.token),
        )
        .await,
    );
    // The world's own agent is listed too.
    let listed = list.as_array().expect("a list").iter().find(|c| c["character_id"] == agent.as_str());
    assert_eq!(listed.expect("the new agent is listed")["character_context"]["name"], "Bot");
    let profiles = data(
        http_post(
            &platform,
            "/character/fetch_profile",
            Some(&s.owner.token),
            json!({"character_list": [agent, s.user.user_id]}),
        )
        .await,
    );
    assert_eq!(profiles[1]["character_context"]["name"], "alice");
    platform.stop().await;
}

#[actix_rt::test]
async fn message_down_reaches_the_group_members_in_the_channel_and_no_one_else() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let (bob, mut bob_ws) = another_user(&platform, &mut s, "bob").await;
    let carol = sign_in(&platform, "carol", "pw").await;
    let mut carol_ws = login_user(&platform, &carol.token).await; // connected, not in the channel
    let everyone =
        create_group(&platform, &s.owner.token, &[&s.user.user_id, &bob.user_id, &carol.user_id]).await;

    assert!(say_down(&mut s, &everyone, "to all").await.status);
    for ws in [&mut s.user_ws, &mut bob_ws] {
        let got = ws.next_event().await;
        assert_eq!(text_of(&got), Some("to all"));
        let Event::MessageDown(m) = &got.event else { unreachable!() };
        assert_eq!(m.recipients.as_deref(), Some(everyone.as_str()));
        assert!(m.message_id.is_some() && m.timestamp.is_some());
    }
    // Only alice's group: bob does not get it; his next message is the one meant for him.
    let alice_group = s.user_group.clone();
    assert!(say_down(&mut s, &alice_group, "alice only").await.status);
    assert_eq!(text_of(&s.user_ws.next_event().await), Some("alice only"));
    let bob_group = create_group(&platform, &s.owner.token, &[&bob.user_id]).await;
    assert!(say_down(&mut s, &bob_group, "bob only").await.status);
    assert_eq!(text_of(&bob_ws.next_event().await), Some("bob only"));

    // An empty group is delivered to no one, and accepted.
    let empty = create_group(&platform, &s.owner.token, &[]).await;
    assert!(say_down(&mut s, &empty, "nobody").await.status);

    // carol, outside the channel, got nothing at all.
    assert!(carol_ws.request(Frame::heartbeat()).await.status);
    let carol_sent = platform.traffic().sent_to(&Peer::User(carol.user_id.to_string()));
    assert!(carol_sent.iter().all(|i| matches!(i.event, Event::Receipt(_))), "{carol_sent:?}");
    assert_eq!(
        data(http_get(&platform, &format!("/service/group?group_id={everyone}"), Some(&s.owner.token)).await)
            ["characters"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    platform.stop().await;
}

#[actix_rt::test]
async fn updates_of_every_subtype_reach_the_recipients_and_unknown_ones_are_refused() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let (sid, cid, group) = (s.service_id.clone(), s.channel_id.clone(), s.user_group.clone());
    let frames = vec![
        Frame::send_characters(sid.clone(), cid.clone(), group.clone(), group.clone()).unwrap(),
        Frame::send_buttons(sid.clone(), cid.clone(), vec![Button::new("b1", "Press")], group.clone())
            .unwrap(),
        Frame::send_menu(
            sid.clone(),
            cid.clone(),
            vec![MenuItem {
                menu_item_id: "m1".into(),
                menu_item_text: "Quote".into(),
                message_subtypes: vec!["text".into()],
                dialog: None,
            }],
            group.clone(),
        )
        .unwrap(),
        Frame::send_style(
            sid.clone(),
            cid.clone(),
            vec![StyleItem {
                widget: "canvas".into(),
                display: Visibility::Visible,
                expand: Some(true),
                button_id: None,
                text: None,
            }],
            group.clone(),
        )
        .unwrap(),
        Frame::update_canvas(
            sid.clone(),
            cid.clone(),
            vec![CanvasItem { text: Some("hello".into()), path: None }],
            group.clone(),
        )
        .unwrap(),
        Frame::update_channel_info(
            sid.clone(),
            ChannelInfo {
                channel_id: cid.clone(),
                channel_name: "Renamed".into(),
                channel_description: "d".into(),
                channel_type: "ccs".into(),
            },
        ),
    ];
    for frame in frames {
        let expected = match &frame {
            Frame::Update { update: moobius::protocol::UpdatePayload::Body(body), .. } => {
                body.content.subtype()
            }
            _ => "channel_info",
        };
        assert!(s.service.request(frame).await.status, "{expected} refused");
        let got = s.user_ws.next_event().await;
        let Event::Update(update) = &got.event else { panic!("expected an update, got {got:?}") };
        assert_eq!(update.content.subtype(), expected);
        assert!(got.seq.is_some());
        if let UpdateContent::ChannelInfo(info) = &update.content {
            assert_eq!(info.channel_name, "Renamed");
        }
    }
    let mut custom = moobius::protocol::Context::new();
    custom.insert("subtype".into(), "confetti".into());
    custom.insert("channel_id".into(), cid.as_str().into());
    refused(
        &s.service.request(Frame::update(sid.clone(), custom)).await,
        "unknown update subtype `confetti`",
    );
    platform.stop().await;
}

#[actix_rt::test]
async fn user_actions_reach_the_service_with_the_sender_and_flat_arguments() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let (uid, cid) = (s.user.user_id.clone(), s.channel_id.clone());
    let args = vec![ClickArgument::new("name", "Ann")];
    // Frame::button_click encodes the SDK's doubly wrapped arguments.
    let click = Frame::button_click(uid.clone(), cid.clone(), "b1", Some("confirm".into()), args.clone());
    assert!(click.to_request("r").encode().contains("[[{"), "the frame is wrapped");
    assert!(s.user_ws.request(click).await.status);
    let got = s.service.next_event().await;
    let Event::Action(action) = &got.event else { panic!("{got:?}") };
    assert_eq!(action.sender.as_deref(), Some(uid.as_str()));
    let ActionKind::ButtonClick(b) = &action.kind else { panic!("{action:?}") };
    assert_eq!((b.button_id.as_str(), &b.arguments), ("b1", &args));
    let raw = s.service_raw_last(&platform);
    assert!(raw.contains(r#""arguments":[{"label":"name""#), "delivered flat: {raw}");

    // A flat list is accepted too.
    let flat = json!({"type": "action", "request_id": "flat-1", "user_id": uid, "body": {"subtype": "button_click", "channel_id": cid, "button_id": "b2", "arguments": [{"label": "x", "value": "1"}], "context": {}}});
    s.user_ws.send_text(flat.to_string()).await;
    assert!(s.user_ws.receipt("flat-1").await.status);
    let got = s.service.next_event().await;
    assert!(
        matches!(&got.event, Event::Action(a) if matches!(&a.kind, ActionKind::ButtonClick(b) if b.button_id == "b2" && b.arguments.len() == 1)),
        "{got:?}"
    );

    let others = vec![
        Frame::menu_item_click(
            uid.clone(),
            cid.clone(),
            "m1",
            ClickedMessage::by_id("msg-1".into()),
            None,
            vec![],
        ),
        Frame::refresh(uid.clone(), cid.clone()),
        Frame::action(uid.clone(), cid.clone(), ActionKind::FetchCharacters),
        Frame::action(uid.clone(), cid.clone(), ActionKind::FetchChannelInfo),
    ];
    for frame in others {
        let Frame::Action { body, .. } = &frame else { unreachable!() };
        let subtype = body.kind.subtype();
        assert!(s.user_ws.request(frame).await.status, "{subtype}");
        let got = s.service.next_event().await;
        let Event::Action(action) = &got.event else { panic!("{got:?}") };
        assert_eq!((action.kind.subtype(), action.sender.as_deref()), (subtype, Some(uid.as_str())));
    }
    platform.stop().await;
}

trait LastRaw {
    fn service_raw_last(&self, platform: &PlatformHandle) -> String;
}

impl LastRaw for Live {
    /// The last frame the platform wrote to the service, as text.
    fn service_raw_last(&self, platform: &PlatformHandle) -> String {
        let report = platform.traffic();
        let conn = report
            .of(&Peer::Service(self.service_id.to_string()))
            .last()
            .expect("the service connected")
            .clone();
        conn.sent.iter().rev().find(|t| t.contains(r#""type":"action""#)).cloned().unwrap_or_default()
    }
}

#[actix_rt::test]
async fn binding_moves_a_channel_and_only_the_owner_may_bind() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let second = create_service(&platform, &s.owner.token).await;
    let mut second_ws = login_service(&platform, &second, &s.owner.token).await;
    bind(&platform, &s.owner.token, &second, &s.channel_id).await;
    assert!(say_up(&mut s, "to the new service").await.status);
    assert_eq!(text_of(&second_ws.next_event().await), Some("to the new service"));
    let group = s.user_group.clone();
    refused(&say_down(&mut s, &group, "old service").await, "not bound to service");

    let list = data(http_get(&platform, "/service/list", Some(&s.owner.token)).await);
    let entry = list.as_array().unwrap().iter().find(|e| e["service_id"] == second.as_str()).unwrap().clone();
    assert_eq!(entry["channel_ids"], json!([s.channel_id]));

    let mallory = sign_in(&platform, "mallory", "pw").await;
    let (status, body) = http_post(
        &platform,
        "/service/bind",
        Some(&mallory.token),
        json!({"service_id": s.service_id, "channel_id": s.channel_id}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], 403);
    platform.stop().await;
}
