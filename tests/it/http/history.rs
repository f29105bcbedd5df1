//! The rest of the reference SDK's calls on channels and characters, through the client against
//! the local platform: message history (pages, who sees what, the bound), updating a channel,
//! popular channels, the channel's temp groups, and updating the user's and an agent's profile;
//! each with its main refusal.

use super::signed_in;
use crate::support::{live_world, start_platform, start_platform_with, world};
use moobius::http::{HttpErrorKind, Profile};
use moobius::platform::PlatformConfig;
use moobius::protocol::{Event, Frame, MessageContent, MessageId};

/// The texts of a page of history, in order.
fn texts(page: &[moobius::protocol::MessageBody]) -> Vec<String> {
    page.iter().map(|m| m.content.as_text().unwrap_or("<not text>").to_owned()).collect()
}

#[actix_rt::test]
async fn the_history_pages_back_and_each_caller_sees_what_it_may() {
    let platform = start_platform().await;
    let mut live = live_world(&platform).await;
    let up = Frame::message_up(
        live.user.user_id.clone(),
        live.service_id.clone(),
        live.channel_id.clone(),
        MessageContent::text("one"),
        live.user_group.clone(),
    )
    .unwrap();
    assert!(live.user_ws.request(up).await.status);
    let heard = live.service.next_event().await;
    assert!(matches!(heard.event, Event::MessageUp(_)), "{heard:?}");
    let down = live.say("two");
    assert!(live.service.request(down).await.status);
    live.user_ws.next_event().await;

    let owner = signed_in(&platform, "owner").await;
    let page = owner.fetch_message_history(&live.channel_id, 10, None).await.unwrap();
    assert_eq!(texts(&page), ["one", "two"]);
    assert_eq!(page[0].sender.as_ref(), Some(&live.user.user_id));
    assert_eq!(page[1].sender.as_ref(), Some(&live.agent));
    assert!(page.iter().all(|m| m.message_id.is_some() && m.timestamp.is_some()), "{page:?}");
    assert_eq!(texts(&owner.fetch_message_history(&live.channel_id, 1, None).await.unwrap()), ["two"]);
    let newest = page[1].message_id.clone().unwrap();
    let before = owner.fetch_message_history(&live.channel_id, 10, Some(&newest)).await.unwrap();
    assert_eq!(texts(&before), ["one"]);

    // The user sees what it sent and what it was sent.
    let alice = signed_in(&platform, "alice").await;
    assert_eq!(
        texts(&alice.fetch_message_history(&live.channel_id, 10, None).await.unwrap()),
        ["one", "two"]
    );

    // Refusals: not a member nor an owner; a message id the history does not hold.
    let stranger = signed_in(&platform, "mallory").await;
    let err = stranger.fetch_message_history(&live.channel_id, 10, None).await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(403), "{err}");
    let err = owner
        .fetch_message_history(&live.channel_id, 10, Some(&MessageId::from("not-a-message")))
        .await
        .unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(404), "{err}");
    let err = owner.fetch_message_history(&"no-such-channel".into(), 10, None).await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(404), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn the_history_keeps_the_last_messages_only() {
    let platform = start_platform_with(PlatformConfig::default().history_messages(2)).await;
    let mut live = live_world(&platform).await;
    for text in ["a", "b", "c"] {
        let frame = live.say(text);
        assert!(live.service.request(frame).await.status);
        live.user_ws.next_event().await;
    }
    let owner = signed_in(&platform, "owner").await;
    assert_eq!(texts(&owner.fetch_message_history(&live.channel_id, 100, None).await.unwrap()), ["b", "c"]);
    assert_eq!(platform.stats().history_messages, 2);
    platform.stop().await;
}

#[actix_rt::test]
async fn channels_are_updated_by_their_creator_and_popular_ones_listed() {
    let platform = start_platform().await;
    let world = world(&platform).await;
    let owner = signed_in(&platform, "owner").await;
    owner.update_channel(&world.channel_id, "Lobby 2", "renamed").await.unwrap();
    let alice = signed_in(&platform, "alice").await;
    let listed = alice.list_channels().await.unwrap();
    let lobby = listed.iter().find(|c| c.channel_id == world.channel_id).expect("alice is in the lobby");
    assert_eq!(lobby.extra["channel_name"], "Lobby 2");
    assert_eq!(lobby.extra["context"]["channel_description"], "renamed");

    let err = alice.update_channel(&world.channel_id, "mine now", "").await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(403), "{err}");
    let err = owner.update_channel(&"no-such-channel".into(), "x", "y").await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(404), "{err}");

    // The lobby has a member; an empty channel comes after it.
    let empty = owner.create_channel("empty", "nobody here").await.unwrap();
    let popular = alice.popular_channels().await.unwrap();
    let order: Vec<_> = popular.iter().map(|c| c.channel_id.clone()).collect();
    let (lobby_at, empty_at) = (
        order.iter().position(|c| *c == world.channel_id).expect("the lobby is popular"),
        order.iter().position(|c| *c == empty).expect("so is the empty channel, after it"),
    );
    assert!(lobby_at < empty_at, "{popular:?}");
    assert_eq!(popular[lobby_at].extra["member_count"], 1);
    platform.stop().await;
}

#[actix_rt::test]
async fn the_temp_groups_are_the_service_groups_a_channel_was_sent_to() {
    let platform = start_platform().await;
    let mut live = live_world(&platform).await;
    let owner = signed_in(&platform, "owner").await;
    assert!(owner.channel_temp_groups(&live.channel_id, &live.service_id).await.unwrap().is_empty());
    let frame = live.say("hello");
    assert!(live.service.request(frame).await.status);
    let groups = owner.channel_temp_groups(&live.channel_id, &live.service_id).await.unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].group_id, live.user_group);
    assert_eq!(groups[0].characters, vec![live.user.user_id.clone()]);

    let stranger = signed_in(&platform, "mallory").await;
    let err = stranger.channel_temp_groups(&live.channel_id, &live.service_id).await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(403), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn profiles_of_the_user_and_of_agents_are_updated() {
    let platform = start_platform().await;
    let world = world(&platform).await;
    let alice = signed_in(&platform, "alice").await;
    alice.update_current_user(&Profile::new("Alice A.", "https://example.com/a.png", "hi")).await.unwrap();
    let me = alice.user_info().await.unwrap();
    assert_eq!((me.context.name.as_str(), me.context.description.as_str()), ("Alice A.", "hi"));
    let owner = signed_in(&platform, "owner").await;
    let profiles = owner.fetch_profiles(std::slice::from_ref(&world.user.user_id)).await.unwrap();
    assert_eq!(profiles[0].name, "Alice A.", "others see the new profile");
    assert_eq!(profiles[0].avatar.as_deref(), Some("https://example.com/a.png"));

    let profile = Profile::new("Agent 2", "https://example.com/agent.png", "renamed");
    owner.update_agent(&world.service_id, &world.agent, &profile).await.unwrap();
    let agents = owner.list_agents(&world.service_id).await.unwrap();
    assert_eq!(agents[0].name, "Agent 2");
    assert_eq!(agents[0].description.as_deref(), Some("renamed"));

    // Refusals: another account's service; an agent the service does not have.
    let err = alice.update_agent(&world.service_id, &world.agent, &profile).await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(403), "{err}");
    let err = owner.update_agent(&world.service_id, &"no-such-agent".into(), &profile).await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(404), "{err}");
    assert!(matches!(err.kind(), HttpErrorKind::Refused { .. }));
    platform.stop().await;
}
