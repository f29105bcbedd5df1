//! Helpers for the client runtime's tests: fast timings, a world on the local platform (owner,
//! service, channel, user, group), waiting for runtime events with a timeout, and a small
//! fault-injecting WebSocket proxy (the local platform only sends valid frames), and a TCP fault
//! proxy (sever with RST, pause, flap) for the fault suite.
#![allow(dead_code, unreachable_pub)]

pub mod proxy;
pub mod tcp_proxy;

use crate::common::{self, Account, WsClient};
use moobius::client::{
    ClientConfig, ClientConfigBuilder, ClientEvent, HandlerSpec, Identity, Lifecycle, Runtime,
};
use moobius::platform::PlatformHandle;
use moobius::protocol::{ChannelId, CharacterId, Event, Frame, GroupId, MessageContent, Secret, ServiceId};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The longest any wait in these tests lasts before failing.
pub const WAIT: Duration = Duration::from_secs(20);

/// Millisecond-scale timings so reconnect tests run fast.
pub fn fast(url: &str, identity: Identity, token: &str) -> ClientConfigBuilder {
    ClientConfig::builder(url, identity, Secret::new(token))
        .connect_timeout(Duration::from_secs(2))
        .send_timeout(Duration::from_secs(5))
        .heartbeat_interval(Duration::from_millis(200))
        .liveness_limit(Duration::from_secs(3))
        .backoff_base(Duration::from_millis(10))
        .backoff_cap(Duration::from_millis(200))
        .shutdown_deadline(Duration::from_secs(5))
}

/// What a test needs on the platform.
pub struct World {
    pub owner: Account,
    pub user: Account,
    pub service_id: ServiceId,
    pub channel_id: ChannelId,
    /// A service group holding the user.
    pub user_group: GroupId,
    /// An agent of the service, to speak as.
    pub agent: CharacterId,
}

impl World {
    /// A text `message_down` from the service's agent to the user's group.
    pub fn say(&self, text: impl Into<String>) -> Frame {
        let content = MessageContent::text(text);
        Frame::message_down(
            self.service_id.clone(),
            self.channel_id.clone(),
            content,
            self.user_group.clone(),
            self.agent.clone(),
        )
        .expect("the user's group is not empty")
    }
}

/// Owner, service, channel bound; a user who joined the channel (through a raw client that
/// is closed again); a group holding the user.
pub async fn world(platform: &PlatformHandle) -> World {
    let owner = common::sign_in(platform, "owner", "owner-password").await;
    let service_id = common::create_service(platform, &owner.token).await;
    let channel_id = common::create_channel(platform, &owner.token, "lobby").await;
    common::bind(platform, &owner.token, &service_id, &channel_id).await;
    let user = common::sign_in(platform, "alice", "alice-password").await;
    let mut user_ws = common::login_user(platform, &user.token).await;
    let receipt = user_ws.request(Frame::join_channel(user.user_id.clone(), channel_id.clone())).await;
    assert!(receipt.status, "join refused: {:?}", receipt.reason());
    drop(user_ws);
    let user_group = common::create_group(platform, &owner.token, &[&user.user_id]).await;
    let agent = common::create_character(platform, &owner.token, &service_id, "agent").await;
    World { owner, user, service_id, channel_id, user_group, agent }
}

/// A logged-in raw user client.
pub async fn raw_user(platform: &PlatformHandle, user: &Account) -> WsClient {
    common::login_user(platform, &user.token).await
}

/// The events a runtime delivered, awaited with a timeout.
pub struct Events(pub mpsc::UnboundedReceiver<Arc<ClientEvent>>);

impl Events {
    /// The next event, or a panic after [`WAIT`].
    pub async fn next(&mut self) -> Arc<ClientEvent> {
        match tokio::time::timeout(WAIT, self.0.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("the runtime's handler channel closed"),
            Err(_) => panic!("no event within {WAIT:?}"),
        }
    }

    /// The next event matching `predicate` (others are dropped), or a panic after `within`.
    pub async fn wait_for(
        &mut self,
        within: Duration,
        what: &str,
        predicate: impl Fn(&ClientEvent) -> bool,
    ) -> Arc<ClientEvent> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.0.recv()).await {
                Ok(Some(event)) if predicate(&event) => return event,
                Ok(Some(_)) => continue,
                Ok(None) => panic!("the runtime's handler channel closed while waiting for {what}"),
                Err(_) => panic!("no {what} within {within:?}"),
            }
        }
    }

    /// Waits for the (re)login.
    pub async fn logged_in(&mut self) {
        self.wait_for(WAIT, "login", |e| {
            matches!(e, ClientEvent::Lifecycle(Lifecycle::Connected | Lifecycle::Reconnected))
        })
        .await;
    }
}

/// Whether `event` is a platform event of this wire type.
pub fn is_platform(event: &ClientEvent, frame_type: &str) -> bool {
    matches!(event, ClientEvent::Platform(incoming) if incoming.event.frame_type() == Some(frame_type))
}

/// The text of a message event, if it is one.
pub fn message_text(event: &ClientEvent) -> Option<&str> {
    match event {
        ClientEvent::Platform(incoming) => match &incoming.event {
            Event::MessageUp(body) | Event::MessageDown(body) => body.content.as_text(),
            _ => None,
        },
        _ => None,
    }
}

/// A user-mode runtime for `user`, with its events.
pub fn user_runtime(url: &str, user: &Account) -> (Runtime, Events) {
    user_runtime_with(fast(url, Identity::User, &user.token))
}

/// A runtime built from `config`, with its events.
pub fn user_runtime_with(config: ClientConfigBuilder) -> (Runtime, Events) {
    let (spec, rx) = HandlerSpec::channel();
    (Runtime::start(config.build().expect("a valid config"), vec![spec]), Events(rx))
}

/// Waits until `condition` holds (checked every 10 ms), or panics after `within`. For state that
/// has no event of its own (such as the latency); everything else waits on events.
pub async fn eventually(within: Duration, what: &str, condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    while !condition() {
        assert!(tokio::time::Instant::now() < deadline, "no {what} within {within:?}");
        tick.tick().await;
    }
}
