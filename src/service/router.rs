//! The router actor: the runtime's handler for one service. It turns platform events into
//! service events (group ids resolved to character ids, cached), in arrival order, and delivers
//! each to the instance of its channel (made on first use by the factory) or to the shared one.

use super::event::{Fetch, Message, Update};
use super::handler::Service;
use super::host::{Deliver, Factory, ServiceActor, ServiceEvent};
use super::moobius::Moobius;
use crate::client::{ClientEvent, Delivery};
use crate::http::HttpClient;
use crate::protocol::{ActionKind, Event, Incoming, UpdateContent};
use actix::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Where a service's events go.
pub(crate) enum Instances<S: Service> {
    /// One instance per channel, made by the factory.
    PerChannel { factory: Factory<S>, actors: HashMap<Arc<str>, Addr<ServiceActor<S>>> },
    /// One instance for every channel.
    Shared(Addr<ServiceActor<S>>),
}

pub(crate) struct Router<S: Service> {
    instances: Instances<S>,
    moobius: Moobius,
    http: Option<HttpClient>,
}

impl<S: Service> Router<S> {
    pub(crate) fn new(instances: Instances<S>, moobius: Moobius, http: Option<HttpClient>) -> Self {
        Self { instances, moobius, http }
    }

    /// The instance for `channel_id`, made now if it is the channel's first event.
    fn instance(&mut self, channel_id: &str) -> (Arc<str>, Addr<ServiceActor<S>>) {
        match &mut self.instances {
            Instances::Shared(addr) => (Arc::from(channel_id), addr.clone()),
            Instances::PerChannel { factory, actors } => {
                if let Some((key, addr)) = actors.get_key_value(channel_id) {
                    return (Arc::clone(key), addr.clone());
                }
                let key: Arc<str> = Arc::from(channel_id);
                let actor = ServiceActor::new(Arc::clone(factory), Arc::clone(&key), self.moobius.clone());
                let addr = actor.start();
                actors.insert(Arc::clone(&key), addr.clone());
                (key, addr)
            }
        }
    }

    fn deliver(&mut self, channel_id: &str, event: ServiceEvent) {
        let (channel_id, addr) = self.instance(channel_id);
        addr.do_send(Deliver { channel_id, event });
    }

    /// Delivers an event that belongs to no channel to every instance.
    fn broadcast(&self, make: impl Fn() -> ServiceEvent) {
        match &self.instances {
            Instances::Shared(addr) => addr.do_send(Deliver { channel_id: Arc::from(""), event: make() }),
            Instances::PerChannel { actors, .. } => {
                for (channel_id, addr) in actors {
                    addr.do_send(Deliver { channel_id: Arc::clone(channel_id), event: make() });
                }
            }
        }
    }

    /// Starts the instances of `channels` now (so `on_start` runs at start-up).
    pub(crate) fn warm_up(&mut self, channels: &[String]) {
        for channel in channels {
            self.instance(channel);
        }
    }

    fn route(&mut self, event: Event, recipients: Vec<String>, characters: Vec<String>) {
        match event {
            Event::MessageUp(body) => {
                let message = Message::from_body(body, recipients);
                let channel = message.channel_id.clone();
                self.deliver(&channel, ServiceEvent::MessageUp(message));
            }
            Event::MessageDown(body) => {
                let message = Message::from_body(body, recipients);
                let channel = message.channel_id.clone();
                self.deliver(&channel, ServiceEvent::MessageDown(message));
            }
            Event::Update(body) => {
                let update = Update::from_body(body, recipients, characters);
                let channel = update.channel_id.clone();
                self.deliver(&channel, ServiceEvent::Update(update));
            }
            Event::Action(action) => {
                let user = action.sender.unwrap_or_default();
                let event = match action.kind {
                    ActionKind::Join | ActionKind::JoinChannel => ServiceEvent::Join(user),
                    ActionKind::Leave | ActionKind::LeaveChannel => ServiceEvent::Leave(user),
                    ActionKind::Refresh => ServiceEvent::Refresh(user),
                    ActionKind::FetchCharacters => ServiceEvent::Fetch(user, Fetch::Characters),
                    ActionKind::FetchButtons => ServiceEvent::Fetch(user, Fetch::Buttons),
                    ActionKind::FetchCanvas => ServiceEvent::Fetch(user, Fetch::Canvas),
                    ActionKind::FetchStyle => ServiceEvent::Fetch(user, Fetch::Style),
                    ActionKind::FetchMenu => ServiceEvent::Fetch(user, Fetch::Menu),
                    ActionKind::FetchChannelInfo => ServiceEvent::Fetch(user, Fetch::ChannelInfo),
                    ActionKind::ButtonClick(click) => ServiceEvent::ButtonClick(user, click),
                    ActionKind::MenuItemClick(click) => ServiceEvent::MenuItemClick(user, click),
                };
                self.deliver(&action.channel_id, event);
            }
            Event::Unknown(unknown) => self.broadcast(|| ServiceEvent::Unknown(unknown.clone())),
            Event::PlatformError(error) => log::error!("platform error: {}", error.message),
            Event::Receipt(_) | Event::ResumeGap(_) => {}
        }
    }
}

impl<S: Service> Actor for Router<S> {
    type Context = Context<Self>;
}

/// The group ids an event names: its recipients, and the characters of a characters update.
fn groups_of(event: &Event) -> (Option<&str>, Option<&str>) {
    match event {
        Event::MessageUp(body) | Event::MessageDown(body) => (body.recipients.as_deref(), None),
        Event::Update(body) => {
            let characters = match &body.content {
                UpdateContent::Characters(group) => Some(group.as_str()),
                _ => None,
            };
            (body.recipients.as_deref(), characters)
        }
        _ => (None, None),
    }
}

/// The members of `group` (none when there is no group, or it cannot be resolved).
async fn resolve(http: &HttpClient, group: Option<String>) -> Vec<String> {
    let Some(group) = group else { return Vec::new() };
    match http.group_members(&group).await {
        Ok(members) => members.to_vec(),
        Err(e) => {
            log::warn!(
                "group `{group}` could not be resolved ({e}); delivering the event without its members"
            );
            Vec::new()
        }
    }
}

impl<S: Service> Handler<Delivery> for Router<S> {
    type Result = ();

    fn handle(&mut self, Delivery(event): Delivery, ctx: &mut Context<Self>) {
        // The router is usually the runtime's only handler: then the event is taken, not copied.
        let event = match Arc::try_unwrap(event) {
            Ok(event) => event,
            Err(shared) => match clone_event(&shared) {
                Some(event) => event,
                None => return log::warn!("{shared:?}"),
            },
        };
        let incoming = match event {
            ClientEvent::Platform(incoming) => incoming,
            ClientEvent::Lifecycle(change) => {
                return self.broadcast(|| ServiceEvent::Connection(change.clone()));
            }
            ClientEvent::Refused(refusal) => {
                return self.broadcast(|| ServiceEvent::Refused(refusal.clone()));
            }
            ClientEvent::ResumeGap(gap) => return self.broadcast(|| ServiceEvent::ResumeGap(gap)),
            ClientEvent::Error(error) => return log::warn!("{error}"),
        };
        let Incoming { event, .. } = incoming;
        let Some(http) = self.http.as_ref() else { return self.route(event, Vec::new(), Vec::new()) };
        let (recipients, characters) = groups_of(&event);
        let cached = |group: Option<&str>| match group {
            None => Some(Vec::new()),
            Some(group) => http.cached_group_members(group).map(|members| members.to_vec()),
        };
        if let (Some(to), Some(listed)) = (cached(recipients), cached(characters)) {
            return self.route(event, to, listed);
        }
        let (recipients, characters) = (recipients.map(str::to_owned), characters.map(str::to_owned));
        let http = http.clone();
        // `wait` holds later events until this one's groups are resolved, so order is kept.
        ctx.wait(
            async move { (resolve(&http, recipients).await, resolve(&http, characters).await) }
                .into_actor(self)
                .map(move |(to, listed), router, _| router.route(event, to, listed)),
        );
    }
}

/// A copy of a shared event; `None` for errors, which the router only logs.
fn clone_event(event: &ClientEvent) -> Option<ClientEvent> {
    Some(match event {
        ClientEvent::Platform(incoming) => ClientEvent::Platform(incoming.clone()),
        ClientEvent::Refused(refusal) => ClientEvent::Refused(refusal.clone()),
        ClientEvent::ResumeGap(gap) => ClientEvent::ResumeGap(*gap),
        ClientEvent::Lifecycle(change) => ClientEvent::Lifecycle(change.clone()),
        _ => return None,
    })
}

/// Asks the router for the instance of a channel (made now if needed; the shared one in shared
/// mode).
pub(crate) struct InstanceOf<S: Service>(String, std::marker::PhantomData<fn() -> S>);

impl<S: Service> InstanceOf<S> {
    pub(crate) fn new(channel_id: &str) -> Self {
        Self(channel_id.to_owned(), std::marker::PhantomData)
    }
}

impl<S: Service> actix::Message for InstanceOf<S> {
    type Result = Addr<ServiceActor<S>>;
}

impl<S: Service> Handler<InstanceOf<S>> for Router<S> {
    type Result = MessageResult<InstanceOf<S>>;

    fn handle(&mut self, InstanceOf(channel_id, _): InstanceOf<S>, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(self.instance(&channel_id).1)
    }
}
