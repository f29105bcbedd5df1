//! The forms a service takes: recipient lists turned into cached groups (HTTP calls counted), a
//! user-mode bot receiving every update kind, one shared instance for every channel, and a
//! service that handles nothing.

use super::supervision::{Say, fragile};
use crate::support::service::{User, config, config_with_channels};
use crate::support::{next, start_platform};
use moobius::http::Profile;
use moobius::prelude::*;
use moobius::service::ServiceContext as Cx;
use std::collections::BTreeSet;
use tokio::sync::mpsc;

#[actix_rt::test]
async fn a_recipient_list_costs_one_http_call_per_process_and_incoming_groups_are_resolved_once() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (service, [a, _], _starts) = fragile(&mut wand, &platform).await;
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&a)).await;
    let mut bob = User::start(&mut wand, &platform, "bob", std::slice::from_ref(&a)).await;
    alice.join(&a);
    bob.join(&a);
    let both = vec![alice.id(), bob.id()];
    let service_http = crate::support::service::http_of(&service);
    let alice_http = crate::support::service::http_of(&alice.handle);
    let (service_before, alice_before) = (service_http.calls(), alice_http.calls());

    for text in ["one", "two", "three"] {
        service.send(&a, Say { to: both.clone(), text }).await.unwrap();
        for user in [&mut alice, &mut bob] {
            let message = user.message(text).await;
            assert_eq!(message.text(), Some(text));
            // The group id was resolved to the characters on the way in.
            assert_eq!(message.recipients.iter().collect::<BTreeSet<_>>(), both.iter().collect());
            assert!(message.recipients_group.is_some());
        }
    }
    // Three messages to one list: one group made; alice resolved its id once.
    assert_eq!(service_http.calls() - service_before, 1, "one POST /service/group/create");
    assert_eq!(alice_http.calls() - alice_before, 1, "one GET /service/group");

    // Another list is another group; the first is still cached.
    service.send(&a, Say { to: vec![alice.id()], text: "alone" }).await.unwrap();
    service.send(&a, Say { to: both.clone(), text: "both" }).await.unwrap();
    assert_eq!(alice.text("alone").await, "alone");
    assert_eq!(alice.text("both").await, "both");
    assert_eq!(service_http.calls() - service_before, 2);
    // An empty list sends nothing and costs nothing: bob's next message is the last one.
    service.send(&a, Say { to: Vec::new(), text: "nobody" }).await.unwrap();
    service.send(&a, Say { to: vec![bob.id()], text: "last" }).await.unwrap();
    assert_eq!(bob.text("both").await, "both");
    assert_eq!(bob.text("last, not `nobody`").await, "last");
    assert_eq!(service_http.calls() - service_before, 3);
    wand.shutdown().await;
}

/// Shows a user every kind of update and speaks through an agent.
struct Showcase {
    agent: CharacterId,
}

impl Service for Showcase {
    fn on_join(&mut self, user: CharacterId, cx: &mut Cx<'_, Self>) -> ServiceResult {
        cx.send_buttons(vec![Button::new("b", "B")], &user);
        let item = MenuItem {
            menu_item_id: "m".into(),
            menu_item_text: "M".into(),
            message_subtypes: vec!["text".into()],
            dialog: None,
        };
        cx.send_menu(vec![item], &user);
        let style = StyleItem {
            widget: "canvas".into(),
            display: Visibility::Highlight,
            expand: None,
            button_id: None,
            text: None,
        };
        cx.send_style(vec![style], &user);
        cx.send_canvas(vec![CanvasItem { text: Some("canvas".into()), path: None }], &user);
        cx.send_characters(vec![user.clone(), self.agent.clone()], &user);
        cx.channel().do_send(SendChannelInfo(ChannelInfo {
            channel_id: cx.channel_id().clone(),
            channel_name: "renamed".into(),
            channel_description: "by the showcase".into(),
            channel_type: "ccs".into(),
        }));
        cx.send_message_as(self.agent.clone(), MessageContent::Text("I am an agent".into()), user);
        Ok(())
    }
}

#[actix_rt::test]
async fn a_user_mode_bot_receives_every_update_kind_and_messages_from_agents() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (config, http) = config_with_channels(&platform, "showcase", 1).await;
    let mut service_id_config = config.clone();
    let service_id = http.create_service("showcase").await.unwrap();
    service_id_config.service.service_id = Some(service_id.clone());
    let agent =
        http.create_agent(&service_id, &Profile::new("Agent", "", "an agent")).await.unwrap().character_id;
    let factory_agent = agent.clone();
    let service = wand
        .start(
            ServiceBuilder::new(service_id_config, move |_| Showcase { agent: factory_agent.clone() })
                .http(http),
        )
        .await
        .unwrap();
    service.ready().await.unwrap();
    assert_eq!(service.service_id(), &service_id, "the configured service id is used");
    assert!(service.created().is_empty(), "nothing was created: {}", service.created());
    let channel = service.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);

    assert_eq!(alice.update("buttons").await, UpdateContent::Buttons(vec![Button::new("b", "B")]));
    assert!(matches!(alice.update("menu").await, UpdateContent::Menu(m) if m[0].menu_item_id == "m"));
    assert!(
        matches!(alice.update("style").await, UpdateContent::Style(s) if s[0].display == Visibility::Highlight)
    );
    assert!(
        matches!(alice.update("canvas").await, UpdateContent::Canvas(c) if c[0].text.as_deref() == Some("canvas"))
    );
    // The characters update names a group id; it arrives resolved to the characters listed.
    let update = alice.update_event("characters").await;
    assert!(matches!(update.content, UpdateContent::Characters(_)), "{update:?}");
    assert_eq!(
        update.characters.iter().collect::<BTreeSet<_>>(),
        [alice.id(), agent.clone()].iter().collect()
    );
    let info = alice.update("channel info").await;
    assert!(matches!(&info, UpdateContent::ChannelInfo(i) if i.channel_name == "renamed"), "{info:?}");
    let message = alice.message("the agent's message").await;
    assert_eq!((message.sender.as_str(), message.text()), (agent.as_str(), Some("I am an agent")));
    wand.shutdown().await;
}

/// Counts, across all channels, the messages of one shared instance.
struct Tally {
    count: u32,
}

impl Service for Tally {
    fn on_message_up(&mut self, message: ChatMessage, cx: &mut Cx<'_, Self>) -> ServiceResult {
        self.count += 1;
        cx.send_text(format!("{} in {}", self.count, cx.channel_id()), message.sender);
        Ok(())
    }
}

#[actix_rt::test]
async fn a_shared_instance_serves_every_channel_with_one_state() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (config, http) = config_with_channels(&platform, "tally", 2).await;
    let (made, mut factory_calls) = mpsc::unbounded_channel();
    let service = wand
        .start(
            ServiceBuilder::new(config, move |channel| {
                made.send(channel.clone()).unwrap();
                Tally { count: 0 }
            })
            .http(http)
            .shared(),
        )
        .await
        .unwrap();
    service.ready().await.unwrap();
    assert_eq!(next(&mut factory_calls, "the shared instance").await, "", "made once, for no channel");
    let (a, b) = (service.channels()[0].clone(), service.channels()[1].clone());
    let mut alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);
    alice.say(&a, "x", service.service_id());
    assert_eq!(alice.text("1 in a").await, format!("1 in {a}"));
    alice.say(&b, "x", service.service_id());
    assert_eq!(alice.text("2 in b").await, format!("2 in {b}"));
    assert!(factory_calls.try_recv().is_err(), "the factory made one instance only");
    wand.shutdown().await;
}

#[actix_rt::test]
async fn a_service_that_handles_nothing_still_runs() {
    struct Zero;
    impl Service for Zero {}

    let platform = start_platform().await;
    let mut wand = Wand::new();
    let zero = wand.start(ServiceBuilder::new(config(&platform, "zero"), |_| Zero)).await.unwrap();
    zero.ready().await.unwrap();
    let channel = zero.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);
    alice.say(&channel, "anyone?", zero.service_id());
    // The program can still act for it.
    zero.actions().do_send(SendMessage::text(channel.clone(), "the program speaks", alice.id()));
    assert_eq!(alice.text("the program's message").await, "the program speaks");
    for (_, report) in wand.shutdown().await {
        assert_eq!(report.unacknowledged, 0);
    }
}
