//! Each example's service started in process, and a scripted conversation with it played by
//! user-mode bots (the conversations of `bots.rs`, made strictly turn by turn: every action
//! waits for its receipt, and every turn waits for everything it makes the users receive), so a
//! recording of it is the same text on every run. `transcripts.rs` records them and replays
//! the recordings.

use super::{assistant, buttons, echo, groupchat, menu_canvas, multi_channel, puppet};
use crate::support::service::{User, config, config_with_channels};
use moobius::platform::PlatformHandle;
use moobius::prelude::*;
use moobius::service::Outbox;

/// The examples with a transcript in `tests/transcripts/`.
pub const EXAMPLES: [&str; 7] =
    ["echo", "buttons", "groupchat", "menu_canvas", "assistant", "puppet", "multi_channel"];

/// Starts `example`'s service(s) on `platform` and waits until they are ready; their channels in
/// the order they were made.
pub async fn start(example: &str, wand: &mut Wand, platform: &PlatformHandle) -> Vec<ChannelId> {
    /// Starts one service and waits until it is ready; its channels.
    macro_rules! ready {
        ($builder:expr) => {{
            let handle = wand.start($builder).await.unwrap_or_else(|e| panic!("{example} starts: {e}"));
            handle.ready().await.unwrap_or_else(|e| panic!("{example} is ready: {e}"));
            handle.channels().to_vec()
        }};
    }
    match example {
        "echo" => ready!(ServiceBuilder::actor(config(platform, "echo"), echo::Echo::new)),
        "buttons" => ready!(ServiceBuilder::new(config(platform, "buttons"), |_| buttons::Buttons)),
        "groupchat" => {
            ready!(ServiceBuilder::new(config(platform, "groupchat"), |_| groupchat::GroupChat::default()))
        }
        "menu_canvas" => {
            ready!(ServiceBuilder::new(config(platform, "menu"), |_| menu_canvas::MenuCanvas::default()))
        }
        "assistant" => {
            ready!(ServiceBuilder::actor(config(platform, "assistant"), assistant::Assistant::new))
        }
        "puppet" => ready!(ServiceBuilder::new(config(platform, "p-echo"), |_| puppet::Echo)),
        "multi_channel" => {
            let (config, http) = config_with_channels(platform, "counter", 2).await;
            // Fresh storage each time, so the counts (and so the transcript) start from zero.
            let config = multi_channel::with_storage(config, crate::support::scratch("transcript-counter"));
            let counter = ready!(ServiceBuilder::actor(config, multi_channel::Counter::new).http(http));
            let (config, http) = config_with_channels(platform, "rollcall", 2).await;
            let roll_call =
                ready!(ServiceBuilder::new(config, |_| multi_channel::RollCall::default()).http(http));
            [counter, roll_call].concat()
        }
        other => panic!("no conversation for the example `{other}`"),
    }
}

/// Sends `action` as `user` and waits for the platform's receipt.
async fn act<M>(user: &User, action: M)
where
    M: actix::Message<Result = Result<ActionReceipt, ActionError>> + Send + 'static,
    Outbox<AsUser>: actix::Handler<M>,
{
    let receipt = user.actions().send(action).await.expect("the user's outbox runs");
    receipt.expect("the platform accepts the user's frame");
}

async fn join(user: &User, channel: &ChannelId) {
    act(user, JoinChannel(channel.clone())).await;
}

async fn say(user: &User, channel: &ChannelId, text: &str, to: &CharacterId) {
    act(user, SendMessage::text(channel.clone(), text, to)).await;
}

async fn click(
    user: &User,
    channel: &ChannelId,
    button: &str,
    bottom: Option<&str>,
    arguments: Vec<ClickArgument>,
) {
    let click = ButtonClick { button_id: button.into(), bottom_button_id: bottom.map(Into::into), arguments };
    act(user, ClickButton { channel_id: channel.clone(), click }).await;
}

async fn click_menu(user: &User, message: &ChatMessage, item: &str) {
    let clicked = moobius::protocol::ClickedMessage::full(
        message.message_id.clone().unwrap_or_default(),
        &message.content,
    );
    act(user, ClickMenuItem::new(message.channel_id.clone(), item, clicked)).await;
}

/// Waits until `user` received `count` more things.
async fn receives(user: &mut User, count: usize, what: &str) {
    for _ in 0..count {
        user.next(what).await;
    }
}

/// Plays `example`'s conversation on `platform`, whose service(s) run on `channels`.
pub async fn converse(example: &str, wand: &mut Wand, platform: &PlatformHandle, channels: &[ChannelId]) {
    let mut users = Vec::new();
    for name in ["alice", "bob", "carol"] {
        users.push(User::start(wand, platform, name, channels).await);
    }
    let [alice, bob, carol] = &mut users[..] else { unreachable!() };
    let to = |channel: usize| bound_service(platform, &channels[channel]);
    match example {
        "echo" => {
            let to = to(0).await;
            let c = &channels[0];
            join(alice, c).await;
            join(bob, c).await;
            say(alice, c, "hello", &to).await;
            assert_eq!(alice.text("the echo").await, "hello");
            act(
                alice,
                SendMessage::new(c.clone(), MessageContent::Image("https://example.com/cat.png".into()), &to),
            )
            .await;
            alice.message("the echo of the image").await;
            say(bob, c, "from bob", &to).await;
            assert_eq!(bob.text("bob's echo").await, "from bob");
            say(alice, c, "fence", &to).await;
            assert_eq!(alice.text("the fence's echo").await, "fence");
        }
        "buttons" => {
            let c = &channels[0];
            join(alice, c).await;
            receives(alice, 2, "the buttons and the invitation").await;
            click(alice, c, "simple", None, Vec::new()).await;
            alice.text("the simple click's answer").await;
            let arguments = vec![ClickArgument::new("Dish", "soup"), ClickArgument::new("Note", "no salt")];
            click(alice, c, "meal", None, arguments).await;
            alice.text("the dialog's answer").await;
            click(alice, c, "launch", Some("no"), Vec::new()).await;
            alice.text("the bottom button's answer").await;
            act(alice, Refresh(c.clone())).await;
            alice.update("the buttons again").await;
        }
        "groupchat" => {
            let (c, to) = (&channels[0], to(0).await);
            for user in [&mut *alice, &mut *bob, &mut *carol] {
                join(user, c).await;
                receives(user, 2, "the mode buttons and the welcome").await;
            }
            say(alice, c, "hi all", &to).await;
            for user in [&mut *alice, &mut *bob, &mut *carol] {
                user.text("alice's greeting").await;
            }
            click(bob, c, "quiet", None, Vec::new()).await;
            bob.text("bob's mode").await;
            click(carol, c, "vip", None, Vec::new()).await;
            carol.text("carol's mode").await;
            say(carol, c, "vip only", &to).await;
            carol.text("carol's VIP message").await;
            say(alice, c, "public", &to).await;
            alice.text("alice's public message").await;
            carol.text("alice's public message").await;
            click(bob, c, "default", None, Vec::new()).await;
            bob.text("bob's mode").await;
            click(bob, c, "loud", None, Vec::new()).await;
            bob.text("an unknown mode").await;
        }
        "menu_canvas" => {
            let (c, to) = (&channels[0], to(0).await);
            for user in [&mut *alice, &mut *bob] {
                join(user, c).await;
                receives(user, 5, "the menu, canvas, style, button and invitation").await;
            }
            say(alice, c, "hello world", &to).await;
            let echoed = alice.message("the echo").await;
            for item in ["shout", "count"] {
                click_menu(alice, &echoed, item).await;
                receives(alice, 2, "the answer and the canvas").await;
                bob.update("the canvas").await;
            }
            for _ in 0..2 {
                click(alice, c, "canvas", None, Vec::new()).await;
                alice.update("the canvas's style").await;
            }
            join(carol, c).await;
            receives(carol, 5, "what joining shows").await;
            say(carol, c, "hi", &to).await;
            let hi = carol.message("carol's echo").await;
            click_menu(carol, &hi, "shout").await;
            receives(carol, 2, "the answer and the canvas").await;
            alice.update("the canvas").await;
            bob.update("the canvas").await;
        }
        "assistant" => {
            let (c, to) = (&channels[0], to(0).await);
            join(alice, c).await;
            join(bob, c).await;
            for i in 0..3 {
                say(alice, c, &format!("a{i}"), &to).await;
                alice.message("a reply").await;
                say(bob, c, &format!("b{i}"), &to).await;
                bob.message("a reply").await;
            }
        }
        "puppet" => {
            let (c, to) = (&channels[0], to(0).await);
            join(alice, c).await;
            alice.update("the poke button").await;
            click(alice, c, "poke", None, Vec::new()).await;
            alice.text("the poke's answer").await;
            say(alice, c, "hi", &to).await;
            alice.text("the echo").await;
        }
        "multi_channel" => {
            let [c1, c2, r1, r2] = channels else { panic!("four channels: {channels:?}") };
            let counter = to(0).await;
            join(alice, c1).await;
            join(alice, c2).await;
            for channel in [c1, c1, c2, c1] {
                say(alice, channel, "count me", &counter).await;
                alice.text("the count").await;
            }
            join(alice, r1).await;
            alice.text("alice alone in r1").await;
            join(bob, r2).await;
            bob.text("bob alone in r2").await;
            // Never two in one roll call: it lists its members by id, an order no two runs share.
        }
        other => panic!("no conversation for the example `{other}`"),
    }
}

/// The service bound to `channel`, as a character to address.
async fn bound_service(platform: &PlatformHandle, channel: &ChannelId) -> CharacterId {
    let (status, answer) = crate::support::http_get(platform, "/studio/api/channels", None).await;
    assert_eq!(status, 200, "{answer}");
    let listed = answer["channels"].as_array().expect("a list of channels");
    let found = listed.iter().find(|c| c["channel_id"] == channel.as_str()).expect("the channel is listed");
    CharacterId::from(found["service_id"].as_str().expect("a bound service"))
}
