//! The one provisioned world most tests start from: an owner, a service, a channel bound to it, a
//! user who joined the channel, a service group holding the user and an agent of the service.
//! [`world`] leaves nobody connected (for tests of the client and service layers); [`live_world`]
//! keeps the service and the user logged in on raw WebSockets (for tests of the platform).

use super::Endpoint;
use super::http::{Account, bind, create_channel, create_character, create_group, create_service, sign_in};
use super::ws::{WsClient, login_service, login_user};
use moobius::protocol::{ChannelId, CharacterId, Event, Frame, GroupId, MessageContent, ServiceId};
use std::ops::{Deref, DerefMut};

/// What a test needs on the platform.
#[derive(Debug, Clone)]
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

/// The [`World`], with the service and the user logged in on raw clients.
pub struct Live {
    pub world: World,
    /// The service's connection (it has seen the user's join).
    pub service: WsClient,
    /// The user's connection (it has joined the channel).
    pub user_ws: WsClient,
}

impl Deref for Live {
    type Target = World;

    fn deref(&self) -> &World {
        &self.world
    }
}

impl DerefMut for Live {
    fn deref_mut(&mut self) -> &mut World {
        &mut self.world
    }
}

/// The world, nobody connected: the user joined through a raw client that is closed again.
pub async fn world(platform: &impl Endpoint) -> World {
    provision(platform, false).await.0
}

/// The world with the service logged in before the user joined (the service has seen the join)
/// and both connections kept.
pub async fn live_world(platform: &impl Endpoint) -> Live {
    let (world, connections) = provision(platform, true).await;
    let (service, user_ws) = connections.expect("live provisioning keeps the connections");
    Live { world, service, user_ws }
}

async fn provision(platform: &impl Endpoint, live: bool) -> (World, Option<(WsClient, WsClient)>) {
    let owner = sign_in(platform, "owner", "owner-password").await;
    let service_id = create_service(platform, &owner.token).await;
    let channel_id = create_channel(platform, &owner.token, "lobby").await;
    bind(platform, &owner.token, &service_id, &channel_id).await;
    let service = match live {
        true => Some(login_service(platform, &service_id, &owner.token).await),
        false => None,
    };
    let user = sign_in(platform, "alice", "alice-password").await;
    let mut user_ws = login_user(platform, &user.token).await;
    let receipt = user_ws.request(Frame::join_channel(user.user_id.clone(), channel_id.clone())).await;
    assert!(receipt.status, "join refused: {:?}", receipt.reason());
    let connections = match service {
        Some(mut service) => {
            let join = service.next_event().await;
            assert!(
                matches!(&join.event, Event::Action(a) if a.sender.as_ref() == Some(&user.user_id)),
                "{join:?}"
            );
            Some((service, user_ws))
        }
        None => {
            drop(user_ws);
            None
        }
    };
    let user_group = create_group(platform, &owner.token, &[&user.user_id]).await;
    let agent = create_character(platform, &owner.token, &service_id, "agent").await;
    (World { owner, user, service_id, channel_id, user_group, agent }, connections)
}
