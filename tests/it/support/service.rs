//! The service layer in tests: development accounts on the platform, services with several
//! channels, user-mode bots that play the humans and hand what they receive to the test, and a
//! service that records what it hears.

use super::next;
use moobius::config::Config;
use moobius::http::{Credentials, HttpClient};
use moobius::platform::PlatformHandle;
use moobius::prelude::*;
use moobius::protocol::ClickedMessage;
use moobius::service::ServiceActor as Host;
use tokio::sync::mpsc;

/// The password of the test accounts (the local platform creates an account on first sign-in).
pub const PASSWORD: &str = "test-password";

/// The configuration of the account `<name>@test.moobius` on `platform`, with no service id and
/// no channels (start-up creates one of each).
pub fn config(platform: &PlatformHandle, name: &str) -> Config {
    let mut config = Config::new(Credentials::new(format!("{name}@test.moobius"), PASSWORD));
    config.service.http_server_uri = platform.http_url();
    config.service.ws_server_uri = platform.ws_url();
    config
}

/// [`config`] with `count` channels made over HTTP, and the signed-in client (pass it to
/// `ServiceBuilder::http` so start-up signs in once).
pub async fn config_with_channels(
    platform: &PlatformHandle,
    name: &str,
    count: usize,
) -> (Config, HttpClient) {
    let mut config = config(platform, name);
    let http = HttpClient::builder(config.service.http_server_uri.clone())
        .credentials(config.account.clone())
        .build()
        .expect("an HTTP client");
    http.sign_in().await.expect("sign-in on the local platform");
    for i in 0..count {
        let channel = http.create_channel(&format!("{name}-{i}"), "a test channel").await.expect("a channel");
        config.service.channels.push(channel);
    }
    (config, http)
}

/// What a user-mode bot received.
#[derive(Debug, Clone)]
pub enum Seen {
    /// A `message_down`.
    Message(ChatMessage),
    /// An `update`.
    Update(Update),
}

/// A user-mode service that forwards every message and update it receives.
pub struct Human(mpsc::UnboundedSender<Seen>);

impl Service<AsUser> for Human {
    fn on_message_down(
        &mut self,
        message: ChatMessage,
        _cx: &mut ServiceContext<'_, Self, AsUser>,
    ) -> ServiceResult {
        Ok(self.0.send(Seen::Message(message))?)
    }

    fn on_update(&mut self, update: Update, _cx: &mut ServiceContext<'_, Self, AsUser>) -> ServiceResult {
        Ok(self.0.send(Seen::Update(update))?)
    }
}

/// The handle of a [`User`]'s bot.
pub type UserHandle = ServiceHandle<AsUser, Host<Human, AsUser>>;

/// A human played by a user-mode bot, and what it received, in order.
pub struct User {
    pub handle: UserHandle,
    seen: mpsc::UnboundedReceiver<Seen>,
    name: String,
}

impl User {
    /// Signs in the account `<name>@test.moobius` as a user (in `channels`, not joined yet) and
    /// waits until it is logged in.
    pub async fn start(
        wand: &mut Wand,
        platform: &PlatformHandle,
        name: &str,
        channels: &[ChannelId],
    ) -> User {
        let mut config = config(platform, name);
        config.service.channels = channels.to_vec();
        User::start_with(wand, config, name).await
    }

    /// A user with this configuration.
    pub async fn start_with(wand: &mut Wand, config: Config, name: &str) -> User {
        let (tx, seen) = mpsc::unbounded_channel();
        let handle = wand
            .start(ServiceBuilder::user(config, move |_| Human(tx.clone())).shared())
            .await
            .unwrap_or_else(|e| panic!("user {name} starts: {e}"));
        handle.ready().await.unwrap_or_else(|e| panic!("user {name} logs in: {e}"));
        User { handle, seen, name: name.to_owned() }
    }

    /// The user's id (its character id).
    pub fn id(&self) -> CharacterId {
        self.handle.user_id().clone()
    }

    /// The user's actions.
    pub fn actions(&self) -> &actix::Addr<Outbox<AsUser>> {
        self.handle.actions()
    }

    /// Joins `channel`.
    pub fn join(&self, channel: &ChannelId) {
        self.actions().do_send(JoinChannel(channel.clone()));
    }

    /// Says `text` in `channel` to `service`.
    pub fn say(&self, channel: &ChannelId, text: &str, service: &ServiceId) {
        self.actions().do_send(SendMessage::text(channel.clone(), text, service.as_character()));
    }

    /// Sends `content` in `channel` to `service`.
    pub fn send(&self, channel: &ChannelId, content: MessageContent, service: &ServiceId) {
        self.actions().do_send(SendMessage::new(channel.clone(), content, service.as_character()));
    }

    /// Clicks a button.
    pub fn click(
        &self,
        channel: &ChannelId,
        button: &str,
        bottom: Option<&str>,
        arguments: Vec<ClickArgument>,
    ) {
        let click = ButtonClick {
            button_id: button.to_owned(),
            bottom_button_id: bottom.map(str::to_owned),
            arguments,
        };
        self.actions().do_send(ClickButton { channel_id: channel.clone(), click });
    }

    /// Clicks a menu item on a (text) message received before.
    pub fn click_menu(&self, message: &ChatMessage, item: &str) {
        let clicked = ClickedMessage::full(message.message_id.clone().unwrap_or_default(), &message.content);
        self.actions().do_send(ClickMenuItem::new(message.channel_id.clone(), item, clicked));
    }

    /// Asks for a refresh of `channel`.
    pub fn refresh(&self, channel: &ChannelId) {
        self.actions().do_send(Refresh(channel.clone()));
    }

    /// The next thing received; panics naming `what` was expected after [`WAIT`](super::WAIT).
    pub async fn next(&mut self, what: &str) -> Seen {
        next(&mut self.seen, &format!("{what} for {}", self.name)).await
    }

    /// The next thing received, which must be a message.
    pub async fn message(&mut self, what: &str) -> ChatMessage {
        match self.next(what).await {
            Seen::Message(message) => message,
            other => panic!("{}: expected {what} (a message), got {other:?}", self.name),
        }
    }

    /// The text of the next thing received, which must be a text message.
    pub async fn text(&mut self, what: &str) -> String {
        let message = self.message(what).await;
        message
            .text()
            .unwrap_or_else(|| panic!("{}: expected {what} as text, got {message:?}", self.name))
            .to_owned()
    }

    /// Who said what: the sender and the text of the next thing received, a text message.
    pub async fn said(&mut self, what: &str) -> (CharacterId, String) {
        let message = self.message(what).await;
        let text = message
            .text()
            .unwrap_or_else(|| panic!("{}: expected {what} as text, got {message:?}", self.name))
            .to_owned();
        (message.sender, text)
    }

    /// The content of the next thing received, which must be an update.
    pub async fn update(&mut self, what: &str) -> UpdateContent {
        self.update_event(what).await.content
    }

    /// The next thing seen, which must be an update, whole (with its resolved groups).
    pub async fn update_event(&mut self, what: &str) -> Update {
        match self.next(what).await {
            Seen::Update(update) => update,
            other => panic!("{}: expected {what} (an update), got {other:?}", self.name),
        }
    }
}

/// A service that joins, clicks and messages are reported from, per channel.
pub struct Recorder(pub mpsc::UnboundedSender<Heard>);

/// What a [`Recorder`] heard, and in which channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Heard {
    Join(ChannelId, CharacterId),
    Text(ChannelId, CharacterId, String),
    Click(ChannelId, CharacterId, ButtonClick),
}

impl Service for Recorder {
    fn on_join(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(self.0.send(Heard::Join(cx.channel_id().clone(), user))?)
    }

    fn on_message_up(&mut self, message: ChatMessage, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        let text = message.text().unwrap_or_default().to_owned();
        Ok(self.0.send(Heard::Text(cx.channel_id().clone(), message.sender, text))?)
    }

    fn on_button_click(
        &mut self,
        user: CharacterId,
        click: ButtonClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        Ok(self.0.send(Heard::Click(cx.channel_id().clone(), user, click))?)
    }
}

/// The next thing a [`Recorder`] heard; panics naming `what` after [`WAIT`](super::WAIT).
pub async fn heard(rx: &mut mpsc::UnboundedReceiver<Heard>, what: &str) -> Heard {
    next(rx, &format!("{what} (heard by the service)")).await
}

/// A new HTTP client of a running service's session (same token, group cache and call counter).
pub fn http_of<R: moobius::service::Role, A>(handle: &ServiceHandle<R, A>) -> HttpClient
where
    A: actix::Actor<Context = actix::Context<A>> + actix::Handler<ChannelEvent>,
{
    handle.http().expect("the service has an HTTP session").clone()
}
