//! The service layer against the embedded local platform, with user-mode bots playing the humans:
//! per-channel actors and their supervision (a panic or an error restarts one channel's actor
//! alone, and the events behind it still arrive; restarts are bounded; a panicking factory), the
//! actor form with async work, receipts and refusals returned to the caller, per-channel order
//! without head-of-line blocking, the shared actor, the program's own messages, recipient lists
//! turned into cached groups (HTTP calls counted), what a user-mode bot receives, agents, and
//! starting from a reference-SDK config file or from the environment.

use crate::support::service::{User, config, config_with_channels};
use crate::support::{WAIT, start_platform};
use actix::prelude::*;
use moobius::config::Config;
use moobius::http::Profile;
use moobius::prelude::*;
use moobius::service::{
    ActionErrorKind, ChannelError, ChannelState, ServiceContext as Cx, ServiceErrorKind, SupervisionKind,
};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// Answers `<text> #<n>` (its n-th message in the channel), panics on `panic`, fails on `error`,
/// and reports each start of an instance (at start-up and after each restart) with its channel.
struct Fragile {
    seen: u32,
    starts: mpsc::UnboundedSender<ChannelId>,
}

impl Service for Fragile {
    fn on_start(&mut self, cx: &mut Cx<'_, Self>) -> ServiceResult {
        Ok(self.starts.send(cx.channel_id().clone())?)
    }

    fn on_message_up(&mut self, message: ChatMessage, cx: &mut Cx<'_, Self>) -> ServiceResult {
        self.seen += 1;
        match message.text() {
            Some("panic") => panic!("a poison message"),
            Some("error") => Err("an error message".into()),
            text => {
                cx.send_text(format!("{} #{}", text.unwrap_or("?"), self.seen), message.sender);
                Ok(())
            }
        }
    }
}

type FragileActor = ServiceActor<Fragile>;

/// The program asks an instance how many messages it has seen (a plain actix message).
struct Seen;

impl actix::Message for Seen {
    type Result = u32;
}

impl Handler<Seen> for FragileActor {
    type Result = u32;

    fn handle(&mut self, _: Seen, _ctx: &mut Context<Self>) -> u32 {
        self.service().seen
    }
}

/// A message its instance fails on.
struct Poison;

impl actix::Message for Poison {
    type Result = ();
}

impl Handler<Poison> for FragileActor {
    type Result = ();

    fn handle(&mut self, _: Poison, _ctx: &mut Context<Self>) {
        panic!("a poison message of the program")
    }
}

/// Makes the instance send `text` to `to` in its channel, and answers the receipt.
struct Say {
    to: Vec<CharacterId>,
    text: &'static str,
}

impl actix::Message for Say {
    type Result = ();
}

impl Handler<Say> for FragileActor {
    type Result = ();

    fn handle(&mut self, Say { to, text }: Say, _ctx: &mut Context<Self>) {
        let channel = self.channel().id().clone();
        self.channel().do_send(SendMessage::text(channel, text, to));
    }
}

/// Two channels of a `Fragile` service, both joined by alice, and the starts seen so far drained.
async fn fragile(
    wand: &mut Wand,
    platform: &moobius::platform::PlatformHandle,
) -> (ServiceHandle<AsService, FragileActor>, [ChannelId; 2], mpsc::UnboundedReceiver<ChannelId>) {
    let (config, http) = config_with_channels(platform, "fragile", 2).await;
    let (tx, mut starts) = mpsc::unbounded_channel();
    let service = wand
        .start(ServiceBuilder::new(config, move |_| Fragile { seen: 0, starts: tx.clone() }).http(http))
        .await;
    let service = service.expect("the service starts");
    service.ready().await.unwrap();
    let [a, b] = <[ChannelId; 2]>::try_from(service.channels().to_vec()).expect("two channels");
    // Each channel's instance starts once at start-up.
    let mut started = BTreeSet::new();
    for _ in 0..2 {
        started.insert(next(&mut starts, "an instance's start").await);
    }
    assert_eq!(started, BTreeSet::from([a.clone(), b.clone()]));
    (service, [a, b], starts)
}

async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>, what: &str) -> T {
    match tokio::time::timeout(WAIT, rx.recv()).await {
        Ok(Some(item)) => item,
        _ => panic!("nothing within {WAIT:?} while waiting for {what}"),
    }
}

/// The next `n` texts, in any order (replies from two channels' instances may interleave).
async fn texts(user: &mut User, n: usize, what: &str) -> BTreeSet<String> {
    let mut got = BTreeSet::new();
    for _ in 0..n {
        got.insert(user.text(what).await);
    }
    got
}

#[actix_rt::test]
async fn a_panic_restarts_only_its_channels_instance_and_the_events_behind_it_still_arrive() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (service, [a, b], mut starts) = fragile(&mut wand, &platform).await;
    let id = service.service_id().clone();
    let mut alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);

    alice.say(&a, "a", &id);
    assert_eq!(alice.text("a #1").await, "a #1");
    alice.say(&a, "a", &id);
    assert_eq!(alice.text("a #2").await, "a #2");
    alice.say(&b, "b", &id);
    assert_eq!(alice.text("b #1").await, "b #1");

    // The poison and the next message of A, back to back, and one for B.
    alice.say(&a, "panic", &id);
    alice.say(&a, "after", &id);
    alice.say(&b, "b", &id);
    // A's instance was rebuilt (its count starts again) and got the message behind the poison;
    // B's kept its state.
    assert_eq!(
        texts(&mut alice, 2, "the replies after the panic").await,
        BTreeSet::from(["after #1".into(), "b #2".into()])
    );
    assert_eq!(next(&mut starts, "A's restart").await, a);

    // A's new instance answers the next message.
    alice.say(&a, "again", &id);
    assert_eq!(alice.text("again #2").await, "again #2");
    alice.say(&b, "b", &id);
    assert_eq!(alice.text("b #3").await, "b #3");
    assert_eq!(service.send(&a, Seen).await.unwrap(), 2);
    assert_eq!(service.send(&b, Seen).await.unwrap(), 3);
    wand.shutdown().await;
}

#[actix_rt::test]
async fn an_error_return_restarts_the_instance_too() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (service, [a, b], mut starts) = fragile(&mut wand, &platform).await;
    let id = service.service_id().clone();
    let mut alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);

    alice.say(&a, "x", &id);
    assert_eq!(alice.text("x #1").await, "x #1");
    alice.say(&b, "y", &id);
    assert_eq!(alice.text("y #1").await, "y #1");
    alice.say(&a, "error", &id);
    alice.say(&a, "after", &id);
    alice.say(&b, "y", &id);
    assert_eq!(
        texts(&mut alice, 2, "the replies after the error").await,
        BTreeSet::from(["after #1".into(), "y #2".into()])
    );
    assert_eq!(next(&mut starts, "A's restart").await, a);
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_programs_messages_reach_the_actor_of_their_channel_and_a_failing_one_restarts_it() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (service, [a, b], mut starts) = fragile(&mut wand, &platform).await;
    let id = service.service_id().clone();
    let mut alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);
    alice.say(&a, "one", &id);
    assert_eq!(alice.text("one #1").await, "one #1");

    assert_eq!(service.send(&a, Seen).await.unwrap(), 1);
    assert_eq!(service.send(&b, Seen).await.unwrap(), 0);
    // A message that panics is an error for the program and restarts that actor alone.
    assert_eq!(service.send(&a, Poison).await, Err(ChannelError::Failed(a.clone())));
    assert_eq!(next(&mut starts, "A's restart").await, a);
    assert_eq!(service.send(&a, Seen).await.unwrap(), 0);
    assert_eq!(service.status(&a).map(|s| s.restarts), Some(1));
    // A message that acts: the actor sends in its own channel.
    service.send(&b, Say { to: vec![alice.id()], text: "from the program" }).await.unwrap();
    let message = alice.message("the program's message").await;
    assert_eq!((message.text(), message.channel_id.as_str()), (Some("from the program"), b.as_str()));
    // An unknown channel is an error that names it.
    let nowhere = ChannelId::from("nowhere");
    assert_eq!(service.send(&nowhere, Seen).await, Err(ChannelError::Unknown(nowhere)));
    wand.shutdown().await;
}

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

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("moobius-service-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A config file in the reference SDK's shape (with the sections this crate does not use).
fn sdk_file(
    platform: &moobius::platform::PlatformHandle,
    service_id: &str,
    channels: &[ChannelId],
) -> String {
    serde_json::json!({
        "account_config": {"email": "sdk-user@test.moobius", "password": "sdk-password"},
        "service_config": {
            "http_server_uri": platform.http_url(),
            "ws_server_uri": platform.ws_url(),
            "service_id": service_id,
            "channels": channels,
            "others": "ignore",
            "no_warn_cannot_save_service_id": true
        },
        "log_config": {"log_level": "INFO", "terminal_log_level": "WARNING"},
        "db_config": [{"implementation": "json", "load": true, "clear": false, "name": "character", "settings": {"root_dir": "data"}}]
    })
    .to_string()
}

#[actix_rt::test]
async fn a_reference_sdk_config_file_starts_a_service_and_its_ids_are_reused() {
    let platform = start_platform().await;
    let dir = scratch("sdk-file");
    let file = dir.join("config.json");
    std::fs::write(&file, sdk_file(&platform, "", &[])).unwrap();

    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(Config::from_file(&file).unwrap(), |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    let (service, channels) = (echo.service_id().clone(), echo.channels().to_vec());
    assert_eq!(echo.created().service_id.as_ref(), Some(&service));
    assert_eq!(echo.created().channels, channels);
    let shown = echo.created().to_string();
    assert!(shown.contains(service.as_str()) && shown.contains(channels[0].as_str()), "{shown}");
    wand.shutdown().await;

    // The reported ids written back into the file: nothing is created, they are used.
    std::fs::write(&file, sdk_file(&platform, service.as_str(), &channels)).unwrap();
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(Config::from_file(&file).unwrap(), |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    assert!(echo.created().is_empty());
    assert_eq!((echo.service_id(), echo.channels()), (&service, channels.as_slice()));
    let mut alice = User::start(&mut wand, &platform, "alice", &channels).await;
    alice.join(&channels[0]);
    alice.say(&channels[0], "from the file", &service);
    assert_eq!(alice.text("the echo").await, "from the file");
    wand.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

struct Echo;

impl Service for Echo {
    fn on_message_up(&mut self, message: ChatMessage, cx: &mut Cx<'_, Self>) -> ServiceResult {
        cx.send_message(message.content, message.sender);
        Ok(())
    }
}

#[actix_rt::test]
async fn the_environment_alone_configures_a_service() {
    let platform = start_platform().await;
    let env = [
        ("MOOBIUS_HTTP_URL", platform.http_url()),
        ("MOOBIUS_WS_URL", platform.ws_url()),
        ("MOOBIUS_EMAIL", "env-user@test.moobius".to_owned()),
        ("MOOBIUS_PASSWORD", crate::support::service::PASSWORD.to_owned()),
    ];
    let config = Config::loader().env_vars(env.clone()).load().unwrap();
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(config, |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    let (service, channels) = (echo.service_id().clone(), echo.channels().to_vec());
    wand.shutdown().await;

    // MOOBIUS_SERVICE_ID and MOOBIUS_CHANNELS (comma separated) name what to use.
    let mut wand = Wand::new();
    let (config, http) = config_with_channels(&platform, "env-user", 1).await;
    let more = [channels[0].clone(), config.service.channels[0].clone()];
    drop(http);
    let mut env = env.to_vec();
    env.push(("MOOBIUS_SERVICE_ID", service.to_string()));
    env.push(("MOOBIUS_CHANNELS", more.join(",")));
    let config = Config::loader().env_vars(env).load().unwrap();
    let echo = wand.start(ServiceBuilder::new(config, |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    assert!(echo.created().is_empty());
    assert_eq!((echo.service_id(), echo.channels()), (&service, more.as_slice()));
    let mut alice = User::start(&mut wand, &platform, "alice", &more).await;
    alice.join(&more[1]);
    alice.say(&more[1], "second channel", &service);
    assert_eq!(alice.text("the echo in the second channel").await, "second channel");
    wand.shutdown().await;
}

#[actix_rt::test]
async fn configuration_and_start_up_errors_say_what_is_wrong() {
    // The environment without a password names the missing field and where it was looked for.
    let err = Config::loader()
        .env_vars([("MOOBIUS_EMAIL", "a@b.c"), ("MOOBIUS_WS_URL", "ws://127.0.0.1:1/ws")])
        .load()
        .unwrap_err()
        .to_string();
    assert!(err.contains("password") && err.contains("MOOBIUS_PASSWORD"), "{err}");
    // A malformed channel list in the file names the field and the file.
    let dir = scratch("bad-channels");
    let file = dir.join("config.json");
    std::fs::write(
        &file,
        r#"{"account_config": {"email": "a@b.c", "password": "p"}, "service_config": {"channels": "c1"}}"#,
    )
    .unwrap();
    let err = Config::from_file(&file).unwrap_err().to_string();
    assert!(err.contains("service_config.channels") && err.contains("config.json"), "{err}");
    let _ = std::fs::remove_dir_all(dir);

    // A wrong password: the start-up fails at sign-in, and the password is nowhere in the error.
    let platform = start_platform().await;
    let mut good = config(&platform, "guarded");
    ServiceBuilder::new(good.clone(), |_| Echo).start().await.unwrap().shutdown().await;
    good.account = moobius::http::Credentials::new("guarded@test.moobius", "not-the-password-123");
    let err = ServiceBuilder::new(good, |_| Echo).start().await.unwrap_err();
    assert!(matches!(err.kind(), ServiceErrorKind::Http(_)), "{err:?}");
    let (shown, debug) = (err.to_string(), format!("{err:?}"));
    assert!(shown.starts_with("start-up over HTTP"), "{shown}");
    assert!(!shown.contains("not-the-password-123") && !debug.contains("not-the-password-123"), "{debug}");
}

/// An echo written as a plain actix actor that awaits each echo's receipt and counts them.
struct Acknowledged {
    channel: Channel<AsService>,
    receipts: mpsc::UnboundedSender<Result<ActionReceipt, String>>,
}

impl Actor for Acknowledged {
    type Context = Context<Self>;
}

impl Handler<ChannelEvent> for Acknowledged {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, ctx: &mut Context<Self>) -> HandlerResult {
        let message = match event.kind {
            EventKind::MessageUp(message) => message,
            // A refusal of a frame sent with `do_send` comes back as an event.
            EventKind::Refused(refusal) => {
                let _ = self.receipts.send(Err(format!("event: {}", refusal.reason.unwrap_or_default())));
                return Ok(());
            }
            _ => return Ok(()),
        };
        if message.text() == Some("impersonate quietly") {
            let echo = SendMessage::new(event.channel_id, message.content.clone(), &message.sender);
            self.channel.do_send(echo.as_character(CharacterId::from("not-a-member-or-agent")));
            return Ok(());
        }
        let mut echo = SendMessage::new(event.channel_id, message.content.clone(), &message.sender);
        if message.text() == Some("impersonate") {
            // Nobody this service may speak as: the platform refuses.
            echo = echo.as_character(CharacterId::from("not-a-member-or-agent"));
        }
        let receipts = self.receipts.clone();
        ctx.spawn(self.channel.send(echo).into_actor(self).map(move |answer, _this, _ctx| {
            let answer = answer.expect("the outbox is alive").map_err(|e| {
                assert!(matches!(e.kind(), ActionErrorKind::Refused { .. }), "{e:?}");
                e.refusal_reason().unwrap_or_default().to_owned()
            });
            let _ = receipts.send(answer);
        }));
        Ok(())
    }
}

#[actix_rt::test]
async fn an_actor_awaits_the_receipt_of_its_action_and_a_refusal_comes_back_to_it_with_the_reason() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (tx, mut receipts) = mpsc::unbounded_channel();
    let service = wand
        .start(ServiceBuilder::actor(config(&platform, "acked"), move |channel| Acknowledged {
            channel,
            receipts: tx.clone(),
        }))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);

    alice.say(&channel, "hello", service.service_id());
    assert_eq!(alice.text("the echo").await, "hello");
    let receipt = next(&mut receipts, "the echo's receipt").await.expect("acknowledged");
    assert!(!receipt.request_id.is_empty());

    alice.say(&channel, "impersonate", service.service_id());
    let reason = next(&mut receipts, "the refusal").await.expect_err("refused");
    assert!(!reason.is_empty(), "the platform's reason reaches the caller");
    // The refused echo never reached alice: her next message is the next echo.
    alice.say(&channel, "after", service.service_id());
    assert_eq!(alice.text("the echo after the refusal").await, "after");
    assert!(next(&mut receipts, "the last receipt").await.is_ok());
    // Fire and forget: nobody awaits, so the refusal reaches the channel's actor as an event.
    alice.say(&channel, "impersonate quietly", service.service_id());
    let event = next(&mut receipts, "the refusal event").await.expect_err("refused");
    assert!(event.starts_with("event: ") && event.len() > "event: ".len(), "{event}");

    // The program awaits receipts too, through the handle's actions.
    let receipt = service
        .actions()
        .send(SendMessage::text(channel.clone(), "from the program", alice.id()))
        .await
        .unwrap()
        .expect("acknowledged");
    assert!(!receipt.request_id.is_empty());
    assert_eq!(alice.text("the program's message").await, "from the program");
    // An empty recipient list is an error value, not a silent drop.
    let empty =
        service.actions().send(SendMessage::text(channel.clone(), "nobody", Vec::new())).await.unwrap();
    assert!(matches!(empty.unwrap_err().kind(), ActionErrorKind::NoRecipients));
    wand.shutdown().await;
}

/// Answers each message after an await (a timer standing in for an HTTP call or an LLM), and
/// counts the answers in its state when the work completes.
#[derive(Default)]
struct Slow {
    answered: u32,
}

impl Service for Slow {
    fn on_message_up(&mut self, message: ChatMessage, cx: &mut Cx<'_, Self>) -> ServiceResult {
        let text = message.text().unwrap_or_default().to_owned();
        let work = async move {
            tokio::task::yield_now().await;
            text.to_uppercase()
        };
        cx.spawn(work, move |this: &mut Self, loud, cx| {
            this.answered += 1;
            if loud == "FAIL" {
                return Err("the async work failed".into());
            }
            cx.send_text(format!("{loud} ({} answered)", this.answered), &message.sender);
            Ok(())
        });
        Ok(())
    }
}

#[actix_rt::test]
async fn async_work_updates_the_state_when_it_completes_and_its_failure_restarts_the_instance() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let service =
        wand.start(ServiceBuilder::new(config(&platform, "slow"), |_| Slow::default())).await.unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let mut watch = service.supervision();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);
    alice.say(&channel, "one", service.service_id());
    assert_eq!(alice.text("the first answer").await, "ONE (1 answered)");
    alice.say(&channel, "two", service.service_id());
    assert_eq!(alice.text("the second answer").await, "TWO (2 answered)");
    // A continuation that fails restarts the instance (its count starts again).
    alice.say(&channel, "fail", service.service_id());
    let notice = tokio::time::timeout(WAIT, watch.recv()).await.expect("a restart notice").unwrap();
    assert_eq!(notice.channel_id, channel);
    assert!(
        matches!(&notice.kind, SupervisionKind::Restarting { reason, .. } if reason.contains("async work failed"))
    );
    alice.say(&channel, "three", service.service_id());
    assert_eq!(alice.text("the answer of the new instance").await, "THREE (1 answered)");
    wand.shutdown().await;
}

/// A service whose start always fails.
struct NeverStarts;

impl Service for NeverStarts {
    fn on_start(&mut self, _cx: &mut Cx<'_, Self>) -> ServiceResult {
        Err("the database is unreachable".into())
    }
}

#[actix_rt::test]
async fn a_service_whose_start_always_fails_is_stopped_at_its_restart_limit_while_another_serves() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(config(&platform, "healthy"), |_| Echo)).await.unwrap();
    // Many restarts with no backoff: a restart that recursed would overflow the stack long before.
    const RESTARTS: u32 = 2_000;
    let policy = RestartPolicy::default().max_restarts(RESTARTS).backoff(Duration::ZERO, Duration::ZERO);
    let broken = ServiceBuilder::new(config(&platform, "broken"), |_| NeverStarts).restart_policy(policy);
    let broken = wand.start(broken).await.unwrap();
    let mut watch = broken.supervision();
    echo.ready().await.unwrap();
    broken.ready().await.unwrap();
    let channel = broken.channels()[0].clone();

    let reason = loop {
        let notice = tokio::time::timeout(WAIT, watch.recv()).await.expect("the stop within the wait");
        match notice {
            Ok(moobius::service::Supervision { kind: SupervisionKind::Stopped { reason }, .. }) => {
                break reason;
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(e) => panic!("{e}"),
        }
    };
    assert!(reason.contains("start") && reason.contains("database is unreachable"), "{reason}");
    let status = broken.status(&channel).expect("a status");
    assert_eq!((status.state, status.restarts), (ChannelState::Stopped, u64::from(RESTARTS)));
    assert_eq!(broken.send(&channel, Ping).await, Err(ChannelError::NotRunning(channel.clone())));

    // The other service, in the same process, still serves.
    let here = echo.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&here)).await;
    alice.join(&here);
    alice.say(&here, "still here?", echo.service_id());
    assert_eq!(alice.text("the healthy echo").await, "still here?");
    wand.shutdown().await;
}

/// A message nothing handles specially.
struct Ping;

impl actix::Message for Ping {
    type Result = ();
}

impl Handler<Ping> for ServiceActor<NeverStarts> {
    type Result = ();

    fn handle(&mut self, _: Ping, _ctx: &mut Context<Self>) {}
}

#[actix_rt::test]
async fn a_factory_that_panics_is_retried_with_backoff_and_the_events_held_meanwhile_arrive_in_order() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let counted = std::rc::Rc::clone(&calls);
    let policy = RestartPolicy::default().backoff(Duration::from_millis(20), Duration::from_millis(200));
    let (config, http) = config_with_channels(&platform, "flaky-factory", 1).await;
    let service = wand
        .start(
            ServiceBuilder::new(config, move |_| {
                counted.set(counted.get() + 1);
                // The first three attempts fail, as a factory whose resource is not up yet.
                assert!(counted.get() > 3, "the factory's resource is not ready (attempt {})", counted.get());
                Echo
            })
            .http(http)
            .restart_policy(policy),
        )
        .await
        .unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);
    for text in ["first", "second", "third"] {
        alice.say(&channel, text, service.service_id());
    }
    for text in ["first", "second", "third"] {
        assert_eq!(alice.text("the echoes, in order").await, text);
    }
    assert_eq!(calls.get(), 4, "three panics, then one instance");
    let status = service.status(&channel).expect("a status");
    assert_eq!((status.state, status.restarts), (ChannelState::Running, 3));
    assert!(status.last_failure.unwrap().contains("factory panicked"));
    wand.shutdown().await;
}

/// An HTTP proxy in front of the platform that holds every group lookup (`GET /service/group`)
/// while its gate is closed: a slow HTTP API, controlled by the test.
struct GatedHttp {
    url: String,
    gate: tokio::sync::watch::Sender<bool>,
    server: actix_web::dev::ServerHandle,
}

struct Upstream {
    base: String,
    gate: tokio::sync::watch::Receiver<bool>,
}

async fn forward(
    req: actix_web::HttpRequest,
    body: actix_web::web::Bytes,
    upstream: actix_web::web::Data<Upstream>,
) -> actix_web::HttpResponse {
    if req.path() == "/service/group" {
        let mut gate = upstream.gate.clone();
        let _ = gate.wait_for(|open| *open).await;
    }
    let url = format!("{}{}", upstream.base, req.uri().path_and_query().map_or("", |p| p.as_str()));
    let mut forwarded = awc::Client::default().request(req.method().clone(), url);
    for (name, value) in req.headers() {
        if name != "host" {
            forwarded = forwarded.insert_header((name.clone(), value.clone()));
        }
    }
    let mut answer = forwarded.send_body(body).await.expect("the platform answers");
    let bytes = answer.body().await.expect("the platform's body");
    let mut response = actix_web::HttpResponse::build(answer.status());
    if let Some(kind) = answer.headers().get("content-type") {
        response.insert_header(("content-type", kind.clone()));
    }
    response.body(bytes)
}

impl GatedHttp {
    async fn start(platform_http: &str) -> Self {
        let (gate, rx) = tokio::sync::watch::channel(true);
        let data = actix_web::web::Data::new(Upstream {
            base: platform_http.trim_end_matches('/').to_owned(),
            gate: rx,
        });
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new().app_data(data.clone()).default_service(actix_web::web::to(forward))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Self { url, gate, server: handle }
    }
}

#[actix_rt::test]
async fn a_group_lookup_in_one_channel_delays_no_other_channel_and_order_within_it_is_kept() {
    let platform = start_platform().await;
    let gated = GatedHttp::start(&platform.http_url()).await;
    let mut wand = Wand::new();
    let (mut config, _) = config_with_channels(&platform, "lookups", 2).await;
    config.service.http_server_uri = gated.url.clone();
    let (tx, mut heard) = mpsc::unbounded_channel();
    let service = wand
        .start(ServiceBuilder::new(config, move |_| crate::support::service::Recorder(tx.clone())))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let [a, b] = [service.channels()[0].clone(), service.channels()[1].clone()];
    let id = service.service_id().clone();
    let alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);
    let text = |channel: &ChannelId, text: &str| {
        crate::support::service::Heard::Text(channel.clone(), alice.id(), text.to_owned())
    };
    let mut next_text = async || loop {
        match crate::support::service::heard(&mut heard, "a message").await {
            crate::support::service::Heard::Join(..) => {}
            other => break other,
        }
    };
    // B's recipient group is looked up once, with the gate open; then it is cached.
    alice.say(&b, "b0", &id);
    assert_eq!(next_text().await, text(&b, "b0"));

    // A's first message needs a lookup, held at the gate; A's second waits behind it; B's passes.
    gated.gate.send_replace(false);
    alice.say(&a, "a1", &id);
    alice.say(&a, "a2", &id);
    alice.say(&b, "b1", &id);
    assert_eq!(next_text().await, text(&b, "b1"), "channel B is not held behind A's lookup");
    gated.gate.send_replace(true);
    assert_eq!(next_text().await, text(&a, "a1"));
    assert_eq!(next_text().await, text(&a, "a2"), "order within channel A is kept");
    wand.shutdown().await;
    gated.server.stop(true).await;
}
