//! The service layer against the embedded local platform, with user-mode bots playing the humans:
//! per-channel actors and their supervision (a panic or an error restarts one channel's actor
//! alone, and the events behind it still arrive; restarts are bounded; a panicking factory), the
//! actor form with async work, receipts and refusals returned to the caller, per-channel order
//! without head-of-line blocking, the shared actor, the program's own messages, recipient lists
//! turned into cached groups (HTTP calls counted), what a user-mode bot receives, agents, and
//! starting from a reference-SDK config file or from the environment.

mod service_support;

use actix::prelude::*;
use moobius::config::Config;
use moobius::http::Profile;
use moobius::prelude::*;
use moobius::service::{
    ActionErrorKind, ChannelError, ChannelState, ServiceContext as Cx, ServiceErrorKind, SupervisionKind,
};
use service_support::{User, WAIT, config, config_with_channels, platform};
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
    let platform = platform().await;
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
    let platform = platform().await;
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
    let platform = platform().await;
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
    let platform = platform().await;
    let mut wand = Wand::new();
    let (service, [a, _], _starts) = fragile(&mut wand, &platform).await;
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&a)).await;
    let mut bob = User::start(&mut wand, &platform, "bob", std::slice::from_ref(&a)).await;
    alice.join(&a);
    bob.join(&a);
    let both = vec![alice.id(), bob.id()];
    let service_http = service_support::http_of(&service);
    let alice_http = service_support::http_of(&alice.handle);
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
            display: Display::Highlight,
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
    let platform = platform().await;
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
        matches!(alice.update("style").await, UpdateContent::Style(s) if s[0].display == Display::Highlight)
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
    let platform = platform().await;
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

    let platform = platform().await;
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
fn sdk_file(platform: &moobius::platform::PlatformHandle, service_id: &str, channels: &[ChannelId]) -> String {
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
    let platform = platform().await;
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
    let platform = platform().await;
    let env = [
        ("MOOBIUS_HTTP_URL", platform.http_url()),
        ("MOOBIUS_WS_URL", platform.ws_url()),
        ("MOOBIUS_EMAIL", "env-user@test.moobius".to_owned()),
        ("MOOBIUS_PASSWORD", service_support::PASSWORD.to_owned()),
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
    let platform = platform().await;
    let mut good = config(&platform, "guarded");
    ServiceBuilder::new(good.clone(), |_| Echo).start().await.unwrap().shutdown().await;
    good.account = moobius::http::Credentials::new("guarded@test.moobius", "not-the-password-123");
    let err = ServiceBuilder::new(good, |_| Echo).start().await.unwrap_err();
    assert!(matches!(err.kind(), ServiceErrorKind::Http(_)), "{err:?}");
    let (shown, debug) = (err.to_string(), format!("{err:?}"));
    assert!(shown.starts_with("start-up over HTTP"), "{shown}");
    assert!(!shown.contains("not-the-password-123") && !debug.contains("not-the-password-123"), "{debug}");
}
