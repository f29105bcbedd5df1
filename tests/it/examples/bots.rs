//! Each example's service in process against the embedded local platform, with user-mode bots
//! playing the humans: each test asserts what the users receive.

use super::{assistant, buttons, echo, groupchat, menu_canvas, multi_channel, puppet};
use crate::support::service::{Heard, Recorder, Seen, User, config, config_with_channels, heard};
use crate::support::{scratch, start_platform};
use moobius::prelude::*;
use tokio::sync::mpsc;

#[actix_rt::test]
async fn echo_returns_every_message_to_its_sender_only() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::actor(config(&platform, "echo"), echo::Echo::new)).await.unwrap();
    echo.ready().await.unwrap();
    // No service id and no channel configured: both were created and reported.
    assert_eq!(echo.created().service_id.as_ref(), Some(echo.service_id()));
    assert_eq!(echo.created().channels, echo.channels());
    let channel = echo.channels()[0].clone();
    let service = echo.service_id().clone();

    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    let mut bob = User::start(&mut wand, &platform, "bob", std::slice::from_ref(&channel)).await;
    alice.join(&channel);
    bob.join(&channel);

    alice.say(&channel, "hello", &service);
    let echoed = alice.message("the echo of hello").await;
    assert_eq!(echoed.text(), Some("hello"));
    assert_eq!(echoed.sender, service.as_character());
    assert_eq!(echoed.channel_id, channel);
    assert_eq!(echoed.recipients, [alice.id()], "the echo is addressed to alice alone");

    // Any content kind comes back as it went.
    let image = MessageContent::Image("https://example.com/cat.png".into());
    alice.send(&channel, image.clone(), &service);
    assert_eq!(alice.message("the echo of the image").await.content, image);

    // Bob's message goes back to Bob, not to Alice: her next message is her own fence's echo.
    bob.say(&channel, "from bob", &service);
    assert_eq!(bob.text("bob's echo").await, "from bob");
    alice.say(&channel, "fence", &service);
    assert_eq!(alice.text("the fence's echo, not bob's message").await, "fence");

    let reports = wand.shutdown().await;
    assert_eq!(reports.len(), 3);
}

#[actix_rt::test]
async fn buttons_answer_each_click_with_what_was_chosen() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let service =
        wand.start(ServiceBuilder::new(config(&platform, "buttons"), |_| buttons::Buttons)).await.unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;

    alice.join(&channel);
    let shown = alice.update("the buttons").await;
    let UpdateContent::Buttons(shown) = shown else { panic!("expected buttons, got {shown:?}") };
    assert_eq!(shown, buttons::buttons());
    let dialog = shown[1].dialog.as_ref().expect("the meal button opens a dialog");
    let kinds: Vec<_> = dialog.components.iter().flatten().map(|c| c.kind).collect();
    assert_eq!(kinds, [InputType::Dropdown, InputType::Text]);
    assert_eq!(shown[2].dialog.as_ref().and_then(|d| d.bottom_buttons.as_ref()).map(Vec::len), Some(2));
    assert_eq!(alice.text("the invitation").await, "Click a button.");

    alice.click(&channel, "simple", None, Vec::new());
    assert_eq!(alice.text("the simple click's answer").await, "You clicked `simple`.");

    let arguments = vec![ClickArgument::new("Dish", "soup"), ClickArgument::new("Note", "no salt")];
    alice.click(&channel, "meal", None, arguments);
    assert_eq!(
        alice.text("the dialog's answer").await,
        "You clicked `meal` with Dish = soup, Note = no salt."
    );

    alice.click(&channel, "launch", Some("no"), Vec::new());
    assert_eq!(alice.text("the bottom button's answer").await, "You clicked `launch` and chose `no`.");

    alice.refresh(&channel);
    assert_eq!(alice.update("the buttons again").await, UpdateContent::Buttons(buttons::buttons()));
    wand.shutdown().await;
}

#[actix_rt::test]
async fn groupchat_relays_by_mode_default_quiet_and_vip() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let chat = wand
        .start(ServiceBuilder::new(config(&platform, "groupchat"), |_| groupchat::GroupChat::default()))
        .await
        .unwrap();
    chat.ready().await.unwrap();
    let (channel, service) = (chat.channels()[0].clone(), chat.service_id().clone());
    let here = std::slice::from_ref(&channel);
    let mut alice = User::start(&mut wand, &platform, "alice", here).await;
    let mut bob = User::start(&mut wand, &platform, "bob", here).await;
    let mut carol = User::start(&mut wand, &platform, "carol", here).await;

    for (n, user) in [&mut alice, &mut bob, &mut carol].into_iter().enumerate() {
        user.join(&channel);
        assert_eq!(user.update("the mode buttons").await, UpdateContent::Buttons(groupchat::mode_buttons()));
        let welcome = user.text("the welcome").await;
        assert_eq!(welcome, format!("Welcome! {} member(s) here; you are in default mode.", n + 1));
    }

    // Everyone in default mode hears everyone, the speaker included.
    alice.say(&channel, "hi all", &service);
    // Relayed in its author's name, as the reference demo does.
    let relayed = (alice.id(), "hi all".to_owned());
    for user in [&mut alice, &mut bob, &mut carol] {
        assert_eq!(user.said("alice's greeting").await, relayed);
    }

    bob.click(&channel, "quiet", None, Vec::new());
    assert_eq!(bob.text("bob's mode").await, "You are now in Quiet mode.");
    carol.click(&channel, "vip", None, Vec::new());
    assert_eq!(carol.text("carol's mode").await, "You are now in VIP mode.");

    // A VIP's message reaches only VIPs.
    carol.say(&channel, "vip only", &service);
    assert_eq!(carol.said("carol's own VIP message").await, (carol.id(), "vip only".to_owned()));
    // A default member's message reaches everyone but the quiet: alice's next message is this one,
    // so carol's did not reach her (the service relays in order).
    alice.say(&channel, "public", &service);
    let public = (alice.id(), "public".to_owned());
    assert_eq!(alice.said("alice's public message, not carol's").await, public);
    assert_eq!(carol.said("alice's message reaches the VIP").await, public);
    // The quiet member heard neither: his next message is the answer to his next click.
    bob.click(&channel, "default", None, Vec::new());
    assert_eq!(bob.text("bob's mode, nothing before it").await, "You are now in Default mode.");
    bob.click(&channel, "loud", None, Vec::new());
    assert_eq!(bob.text("an unknown mode").await, "There is no `loud` mode.");
    wand.shutdown().await;
}

#[actix_rt::test]
async fn groupchat_modes_are_per_channel() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (config, http) = config_with_channels(&platform, "groupchat2", 2).await;
    let chat = wand
        .start(ServiceBuilder::new(config, |_| groupchat::GroupChat::default()).http(http))
        .await
        .unwrap();
    chat.ready().await.unwrap();
    let [one, two] = [chat.channels()[0].clone(), chat.channels()[1].clone()];
    let id = chat.service_id().clone();
    let both = [one.clone(), two.clone()];
    let mut alice = User::start(&mut wand, &platform, "alice", &both).await;
    let mut bob = User::start(&mut wand, &platform, "bob", &both).await;
    for user in [&mut alice, &mut bob] {
        for channel in &both {
            user.join(channel);
            user.update("the mode buttons").await;
            user.text("the welcome").await;
        }
    }
    alice.click(&one, "vip", None, Vec::new());
    assert_eq!(alice.text("alice is VIP in one").await, "You are now in VIP mode.");

    // In channel one, alice's message reaches only her; in channel two she is in default mode.
    alice.say(&one, "vip talk", &id);
    assert_eq!(alice.said("her VIP message").await, (alice.id(), "vip talk".to_owned()));
    alice.say(&two, "plain talk", &id);
    assert_eq!(alice.said("her plain message").await, (alice.id(), "plain talk".to_owned()));
    let message = bob.message("alice's plain message, not her VIP one").await;
    assert_eq!(
        (message.sender.clone(), message.text(), message.channel_id.as_str()),
        (alice.id(), Some("plain talk"), two.as_str())
    );
    wand.shutdown().await;
}

#[actix_rt::test]
async fn menu_canvas_answers_menu_clicks_updates_the_canvas_and_toggles_its_style() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let service = wand
        .start(ServiceBuilder::new(config(&platform, "menu"), |_| menu_canvas::MenuCanvas::default()))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let (channel, id) = (service.channels()[0].clone(), service.service_id().clone());
    let here = std::slice::from_ref(&channel);
    let mut alice = User::start(&mut wand, &platform, "alice", here).await;
    let mut bob = User::start(&mut wand, &platform, "bob", here).await;

    for user in [&mut alice, &mut bob] {
        user.join(&channel);
        assert_eq!(user.update("the menu").await, UpdateContent::Menu(menu_canvas::menu()));
        assert_eq!(user.update("the canvas").await, UpdateContent::Canvas(menu_canvas::canvas(0)));
        assert_eq!(user.update("the style").await, UpdateContent::Style(menu_canvas::canvas_style(true)));
        let button = user.update("the button").await;
        assert!(matches!(&button, UpdateContent::Buttons(b) if b[0].button_id == "canvas"), "{button:?}");
        assert_eq!(user.text("the invitation").await, "Say something, then right-click it.");
    }

    alice.say(&channel, "hello world", &id);
    let echoed = alice.message("the echo").await;
    assert_eq!(echoed.text(), Some("hello world"));
    assert!(echoed.message_id.is_some(), "the platform gives every message an id");

    // A menu click is answered to the clicker; the channel's canvas changes for every member.
    alice.click_menu(&echoed, "shout");
    assert_eq!(alice.text("the shout").await, "HELLO WORLD!");
    for user in [&mut alice, &mut bob] {
        assert_eq!(
            user.update("the canvas after a click").await,
            UpdateContent::Canvas(menu_canvas::canvas(1))
        );
    }
    alice.click_menu(&echoed, "count");
    assert_eq!(alice.text("the count").await, "`hello world` has 10 letter(s).");
    assert_eq!(alice.update("the canvas after two").await, UpdateContent::Canvas(menu_canvas::canvas(2)));
    assert_eq!(bob.update("the canvas after two").await, UpdateContent::Canvas(menu_canvas::canvas(2)));

    // The style change is per user.
    alice.click(&channel, "canvas", None, Vec::new());
    assert_eq!(
        alice.update("the canvas hidden").await,
        UpdateContent::Style(menu_canvas::canvas_style(false))
    );
    alice.click(&channel, "canvas", None, Vec::new());
    assert_eq!(alice.update("the canvas shown").await, UpdateContent::Style(menu_canvas::canvas_style(true)));

    // A newcomer sees the channel's count.
    let mut carol = User::start(&mut wand, &platform, "carol", here).await;
    carol.join(&channel);
    carol.update("the menu").await;
    assert_eq!(carol.update("the channel's canvas").await, UpdateContent::Canvas(menu_canvas::canvas(2)));
    // Bob saw no style change: his next update is the canvas after carol's click.
    carol.say(&channel, "hi", &id);
    let carols = loop {
        match carol.next("carol's echo").await {
            Seen::Message(m) if m.text() == Some("hi") => break m,
            _ => {} // the rest of what joining showed her
        }
    };
    carol.click_menu(&carols, "shout");
    assert_eq!(
        bob.update("the canvas after carol's click").await,
        UpdateContent::Canvas(menu_canvas::canvas(3))
    );
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_puppet_joins_clicks_the_first_button_once_and_answers_questions() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let recorder = wand
        .start(ServiceBuilder::new(config(&platform, "recorder"), move |_| Recorder(tx.clone())))
        .await
        .unwrap();
    recorder.ready().await.unwrap();
    let (channel, service) = (recorder.channels()[0].clone(), recorder.service_id().clone());

    let mut puppet_config = config(&platform, "puppet");
    puppet_config.service.channels = vec![channel.clone()];
    let target = Some(service.clone());
    let puppet = wand
        .start(ServiceBuilder::user(puppet_config, move |_| puppet::Puppet::new(target.clone())).shared())
        .await
        .unwrap();
    puppet.ready().await.unwrap();
    let me = puppet.user_id().clone();

    puppet.actions().do_send(JoinChannel(channel.clone()));
    assert_eq!(heard(&mut rx, "the puppet's join").await, Heard::Join(channel.clone(), me.clone()));
    puppet.actions().do_send(SendMessage::text(channel.clone(), puppet::GREETING, service.as_character()));
    assert_eq!(
        heard(&mut rx, "the greeting").await,
        Heard::Text(channel.clone(), me.clone(), puppet::GREETING.into())
    );

    let shown = vec![Button::new("poke", "Poke"), Button::new("other", "Other")];
    recorder.actions().do_send(SendButtons::new(channel.clone(), shown.clone(), &me));
    match heard(&mut rx, "the click on the first button").await {
        Heard::Click(c, who, click) => {
            assert_eq!((c, who, click.button_id.as_str()), (channel.clone(), me.clone(), "poke"));
        }
        other => panic!("expected a click, got {other:?}"),
    }
    // Buttons again: no second click. A statement: no answer. A question: an answer, which is the
    // next thing the service hears.
    recorder.actions().do_send(SendButtons::new(channel.clone(), shown, &me));
    recorder.actions().do_send(SendMessage::text(channel.clone(), "just saying", &me));
    recorder.actions().do_send(SendMessage::text(channel.clone(), "are you there?", &me));
    assert_eq!(
        heard(&mut rx, "the answer").await,
        Heard::Text(channel.clone(), me.clone(), "yes, I heard `are you there?`".into())
    );
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_puppets_echo_service_offers_a_button_and_echoes() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(config(&platform, "p-echo"), |_| puppet::Echo)).await.unwrap();
    echo.ready().await.unwrap();
    let (channel, service) = (echo.channels()[0].clone(), echo.service_id().clone());
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);
    assert_eq!(
        alice.update("the poke button").await,
        UpdateContent::Buttons(vec![Button::new("poke", "Poke the service")])
    );
    alice.click(&channel, "poke", None, Vec::new());
    assert_eq!(alice.text("the poke's answer").await, "ouch! are you a puppet?");
    alice.say(&channel, "hi", &service);
    assert_eq!(alice.text("the echo").await, "hi");
    wand.shutdown().await;
}

#[actix_rt::test]
async fn multi_channel_runs_two_services_with_per_channel_state_under_one_wand() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (config, http) = config_with_channels(&platform, "counter", 2).await;
    let config = multi_channel::with_storage(config, scratch("multi-channel"));
    let counter =
        wand.start(ServiceBuilder::actor(config, multi_channel::Counter::new).http(http)).await.unwrap();
    let (config, http) = config_with_channels(&platform, "rollcall", 2).await;
    let roll_call = wand
        .start(ServiceBuilder::new(config, |_| multi_channel::RollCall::default()).http(http))
        .await
        .unwrap();
    counter.ready().await.unwrap();
    roll_call.ready().await.unwrap();
    assert_ne!(counter.service_id(), roll_call.service_id());
    let ([c1, c2], [r1, r2]) = (counter.channels(), roll_call.channels()) else {
        panic!("two channels each: {:?} {:?}", counter.channels(), roll_call.channels())
    };
    let everywhere = [c1.clone(), c2.clone(), r1.clone(), r2.clone()];
    let mut alice = User::start(&mut wand, &platform, "alice", &everywhere).await;
    let mut bob = User::start(&mut wand, &platform, "bob", &everywhere).await;

    // Counter: each channel counts its own messages.
    alice.join(c1);
    alice.join(c2);
    let id = counter.service_id();
    for (channel, expected) in [(c1, 1), (c1, 2), (c2, 1), (c1, 3)] {
        alice.say(channel, "count me", id);
        assert_eq!(alice.text("the count").await, format!("message #{expected} in this channel"));
    }
    assert_eq!(counter.send(c1, multi_channel::HowMany).await.unwrap(), 3);
    assert_eq!(counter.send(c2, multi_channel::HowMany).await.unwrap(), 1);

    // RollCall: each channel has its own members.
    alice.join(r1);
    assert_eq!(alice.text("alice alone in r1").await, format!("1 here: {}", alice.id()));
    bob.join(r1);
    let mut both = [alice.id(), bob.id()];
    both.sort();
    let two = format!("2 here: {}", both.join(", "));
    assert_eq!(alice.text("bob joined r1").await, two);
    assert_eq!(bob.text("bob joined r1").await, two);
    bob.join(r2);
    assert_eq!(bob.text("bob alone in r2").await, format!("1 here: {}", bob.id()));
    bob.actions().do_send(LeaveChannel(r1.clone()));
    assert_eq!(alice.text("bob left r1").await, format!("1 here: {}", alice.id()));

    let reports = wand.shutdown().await;
    let ids: Vec<_> = reports.iter().map(|(id, _)| id.as_str()).collect();
    assert!(
        ids.contains(&counter.service_id().as_str()) && ids.contains(&roll_call.service_id().as_str()),
        "{ids:?}"
    );
}

#[actix_rt::test]
async fn multi_channel_counts_survive_a_restart_of_the_service() {
    let platform = start_platform().await;
    let root = scratch("multi-channel-restart");
    let (config, http) = config_with_channels(&platform, "counter-restart", 2).await;
    let mut config = multi_channel::with_storage(config, &root);
    let mut wand = Wand::new();
    let counter = wand
        .start(ServiceBuilder::actor(config.clone(), multi_channel::Counter::new).http(http))
        .await
        .unwrap();
    counter.ready().await.unwrap();
    let (id, channels) = (counter.service_id().clone(), counter.channels().to_vec());
    let mut alice = User::start(&mut wand, &platform, "alice", &channels).await;
    for (channel, expected) in [(&channels[0], 1), (&channels[0], 2), (&channels[1], 1)] {
        alice.join(channel);
        alice.say(channel, "count me", &id);
        assert_eq!(alice.text("the count").await, format!("message #{expected} in this channel"));
    }
    wand.shutdown().await;

    // Started again on the same service and channels: each channel counts on from its own.
    config.service.service_id = Some(id.clone());
    let mut wand = Wand::new();
    let counter = wand.start(ServiceBuilder::actor(config, multi_channel::Counter::new)).await.unwrap();
    counter.ready().await.unwrap();
    assert_eq!(counter.send(&channels[0], multi_channel::HowMany).await.unwrap(), 2);
    assert_eq!(counter.send(&channels[1], multi_channel::HowMany).await.unwrap(), 1);
    let mut alice = User::start(&mut wand, &platform, "alice", &channels).await;
    alice.join(&channels[0]);
    alice.say(&channels[0], "count me", &id);
    assert_eq!(alice.text("the count after the restart").await, "message #3 in this channel");
    let file = root.join(format!("service_{id}/channel_{}/counter/count.json", channels[0]));
    assert_eq!(std::fs::read_to_string(file).unwrap(), "3", "in the reference SDK's layout");
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_assistant_answers_each_user_in_order_with_its_profile_name_and_one_count_per_channel() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let service = wand
        .start(ServiceBuilder::actor(config(&platform, "assistant"), assistant::Assistant::new))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let (channel, id) = (service.channels()[0].clone(), service.service_id().clone());
    let here = std::slice::from_ref(&channel);
    let mut alice = User::start(&mut wand, &platform, "alice", here).await;
    let mut bob = User::start(&mut wand, &platform, "bob", here).await;
    alice.join(&channel);
    bob.join(&channel);

    // Both write at once, before any profile is known: the lookups run while messages arrive.
    const EACH: usize = 25;
    for i in 0..EACH {
        alice.say(&channel, &format!("a{i}"), &id);
        bob.say(&channel, &format!("b{i}"), &id);
    }
    let mut numbers = Vec::new();
    for (user, name, prefix) in [(&mut alice, "alice@test.moobius", "a"), (&mut bob, "bob@test.moobius", "b")]
    {
        for i in 0..EACH {
            let reply = user.message("a reply").await;
            assert_eq!(reply.recipients, [user.id()], "each reply goes to its sender alone");
            let text = reply.text().unwrap();
            let (n, rest) = text.split_once(". ").unwrap_or_else(|| panic!("bad reply `{text}`"));
            assert_eq!(
                rest,
                format!("Hello {name}, you said: {prefix}{i}"),
                "replies in the order of the messages"
            );
            numbers.push(n.parse::<usize>().unwrap());
        }
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=2 * EACH).collect::<Vec<_>>(), "the numbers run 1..N once each");
    wand.shutdown().await;
}
