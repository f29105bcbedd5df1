//! The router actor: the runtime's handler for one service. It turns platform events into
//! [`ChannelEvent`]s (group ids resolved to character ids, cached) and hands each to the
//! supervisor ([`Keepers`]) for the actor of its channel (made on first use) or the shared one.
//!
//! No head-of-line blocking: an event whose groups are not cached waits in its own channel's
//! queue while the lookup runs, and later events of that channel wait behind it, but the other
//! channels' events go straight through. Order within a channel is kept.

use super::channel::Failed;
use super::event::{ChannelEvent, ChatMessage, EventKind, Fetch, Update};
use super::keeper::{Keepers, Reach};
use super::role::Role;
use crate::client::{ClientEvent, Delivery};
use crate::http::HttpClient;
use crate::protocol::{ActionKind, ChannelId, CharacterId, Event, GroupId, Incoming, UpdateContent};
use actix::prelude::*;
use std::collections::{HashMap, VecDeque};

/// An event waiting in its channel's queue: ready, or waiting for its groups.
enum Slot {
    Ready(Box<ChannelEvent>),
    Waiting(u64),
}

pub(crate) struct Router<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    /// The channels' actors and their supervision.
    pub(crate) keepers: Keepers<A, R>,
    /// One actor for every channel (slot 0, with no channel).
    shared: bool,
    http: Option<HttpClient>,
    /// Channels with an event waiting for a lookup, and what queued behind it.
    queues: HashMap<ChannelId, VecDeque<Slot>>,
    next_ticket: u64,
    /// Every how long the configured channels get a [`EventKind::CheckIn`], and which.
    checkin: Option<(std::time::Duration, CheckIn)>,
}

/// The channels a check-in goes to: their slots, or (to the shared actor) their ids.
#[derive(Clone)]
enum CheckIn {
    Slots(Vec<u32>),
    Shared(Vec<ChannelId>),
}

impl<A, R> Router<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    pub(crate) fn new(keepers: Keepers<A, R>, shared: bool, http: Option<HttpClient>) -> Self {
        Self { keepers, shared, http, queues: HashMap::new(), next_ticket: 0, checkin: None }
    }

    /// Starts the actors of `channels` now (so each actor starts at start-up; in shared mode,
    /// the shared actor), and sends each a check-in every `interval` (none when it is zero), as
    /// the reference SDK's scheduler does.
    pub(crate) fn warm_up(
        &mut self,
        channels: &[ChannelId],
        interval: std::time::Duration,
        ctx: &mut Context<Self>,
    ) {
        let checkin = if self.shared {
            self.slot(&ChannelId::default(), ctx);
            CheckIn::Shared(if interval.is_zero() { Vec::new() } else { channels.to_vec() })
        } else {
            self.keepers.reserve(channels.len());
            CheckIn::Slots(channels.iter().map(|channel| self.slot(channel, ctx)).collect())
        };
        self.checkin = (!interval.is_zero()).then_some((interval, checkin));
    }

    /// The slot of `channel_id`'s actor, made now if it is the channel's first event (slot 0 in
    /// shared mode).
    fn slot(&mut self, channel_id: &ChannelId, ctx: &mut Context<Self>) -> u32 {
        match self.shared {
            true => self.keepers.slot(&ChannelId::default(), ctx),
            false => self.keepers.slot(channel_id, ctx),
        }
    }

    /// Delivers now, or behind the channel's waiting events.
    fn deliver(&mut self, event: ChannelEvent, ctx: &mut Context<Self>) {
        match self.queues.get_mut(&event.channel_id) {
            Some(queue) => queue.push_back(Slot::Ready(Box::new(event))),
            None => {
                let slot = self.slot(&event.channel_id, ctx);
                self.keepers.deliver(slot, event, ctx);
            }
        }
    }

    /// Delivers the ready events at the head of a channel's queue.
    fn flush(&mut self, channel_id: &ChannelId, ctx: &mut Context<Self>) {
        let Some(queue) = self.queues.get_mut(channel_id) else { return };
        let mut ready = Vec::new();
        while let Some(Slot::Ready(_)) = queue.front() {
            if let Some(Slot::Ready(event)) = queue.pop_front() {
                ready.push(*event);
            }
        }
        if queue.is_empty() {
            self.queues.remove(channel_id);
        }
        let slot = self.slot(channel_id, ctx);
        for event in ready {
            self.keepers.deliver(slot, event, ctx);
        }
    }

    /// An event about the connection: to every channel, each in its order.
    fn broadcast(&mut self, kind: EventKind, ctx: &mut Context<Self>) {
        if self.shared {
            return self.deliver(ChannelEvent { channel_id: ChannelId::default(), kind }, ctx);
        }
        let queues = &mut self.queues;
        let waiting = |channel_id: &ChannelId, kind: &EventKind| match queues.get_mut(channel_id) {
            Some(queue) => {
                let event = ChannelEvent { channel_id: channel_id.clone(), kind: kind.clone() };
                queue.push_back(Slot::Ready(Box::new(event)));
                true
            }
            None => false,
        };
        self.keepers.broadcast(&kind, waiting, ctx);
    }
}

/// The channel event of a platform event, given its resolved groups.
fn convert(event: Event, recipients: Vec<CharacterId>, characters: Vec<CharacterId>) -> Option<ChannelEvent> {
    let (channel_id, kind) = match event {
        Event::MessageUp(body) => {
            let message = ChatMessage::from_body(body, recipients);
            (message.channel_id.clone(), EventKind::MessageUp(message))
        }
        Event::MessageDown(body) => {
            let message = ChatMessage::from_body(body, recipients);
            (message.channel_id.clone(), EventKind::MessageDown(message))
        }
        Event::Update(body) => {
            let update = Update::from_body(body, recipients, characters);
            (update.channel_id.clone(), EventKind::Update(update))
        }
        Event::Action(action) => {
            let user = action.sender.unwrap_or_default();
            let kind = match action.kind {
                ActionKind::Join | ActionKind::JoinChannel => EventKind::Join(user),
                ActionKind::Leave | ActionKind::LeaveChannel => EventKind::Leave(user),
                ActionKind::Refresh => EventKind::Refresh(user),
                ActionKind::FetchCharacters => EventKind::Fetch(user, Fetch::Characters),
                ActionKind::FetchButtons => EventKind::Fetch(user, Fetch::Buttons),
                ActionKind::FetchCanvas => EventKind::Fetch(user, Fetch::Canvas),
                ActionKind::FetchStyle => EventKind::Fetch(user, Fetch::Style),
                ActionKind::FetchMenu => EventKind::Fetch(user, Fetch::Menu),
                ActionKind::FetchChannelInfo => EventKind::Fetch(user, Fetch::ChannelInfo),
                ActionKind::ButtonClick(click) => EventKind::ButtonClick(user, click),
                ActionKind::MenuItemClick(click) => EventKind::MenuItemClick(user, click),
            };
            (action.channel_id, kind)
        }
        Event::Error(error) => {
            log::error!("platform error: {}", error.message);
            return None;
        }
        Event::Unknown(_) | Event::Receipt(_) | Event::ResumeGap(_) => return None,
    };
    Some(ChannelEvent { channel_id, kind })
}

/// The group ids an event names: its recipients, and the characters of a characters update.
fn groups_of(event: &Event) -> (Option<&GroupId>, Option<&GroupId>) {
    match event {
        Event::MessageUp(body) | Event::MessageDown(body) => (body.recipients.as_ref(), None),
        Event::Update(body) => {
            let characters = match &body.content {
                UpdateContent::Characters(group) => Some(group),
                _ => None,
            };
            (body.recipients.as_ref(), characters)
        }
        _ => (None, None),
    }
}

/// The channel an event belongs to.
fn channel_of(event: &Event) -> Option<&ChannelId> {
    match event {
        Event::MessageUp(body) | Event::MessageDown(body) => Some(&body.channel_id),
        Event::Update(body) => Some(&body.channel_id),
        Event::Action(action) => Some(&action.channel_id),
        _ => None,
    }
}

/// The members of `group` (none when there is no group, or it cannot be resolved).
async fn resolve(http: &HttpClient, group: Option<GroupId>) -> Vec<CharacterId> {
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

impl<A, R> Actor for Router<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if let Some((interval, _)) = &self.checkin {
            ctx.run_interval(*interval, |router, ctx| {
                let channels = match router.checkin.as_ref().map(|(_, to)| to.clone()) {
                    Some(CheckIn::Slots(slots)) => {
                        slots.iter().map(|&s| router.keepers.id(s).clone()).collect()
                    }
                    Some(CheckIn::Shared(channels)) => channels,
                    None => Vec::new(),
                };
                for channel_id in channels {
                    router.deliver(ChannelEvent { channel_id, kind: EventKind::CheckIn }, ctx);
                }
            });
        }
    }
}

impl<A, R> Handler<Delivery> for Router<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Result = ();

    fn handle(&mut self, Delivery(event): Delivery, ctx: &mut Context<Self>) {
        let incoming = match &*event {
            ClientEvent::Platform(incoming) => incoming,
            ClientEvent::Lifecycle(change) => {
                return self.broadcast(EventKind::Connection(change.clone()), ctx);
            }
            ClientEvent::Refused(refusal) => return self.broadcast(EventKind::Refused(refusal.clone()), ctx),
            ClientEvent::ResumeGap(gap) => return self.broadcast(EventKind::ResumeGap(*gap), ctx),
            ClientEvent::Error(error) => return log::warn!("{}", crate::report(error)),
        };
        if let Event::Unknown(unknown) = &incoming.event {
            return self.broadcast(EventKind::Unknown(unknown.clone()), ctx);
        }
        // The router is usually the runtime's only handler: then the event is taken, not copied.
        let Incoming { event, .. } = match std::sync::Arc::try_unwrap(event) {
            Ok(ClientEvent::Platform(incoming)) => incoming,
            Ok(_) => return,
            Err(shared) => match &*shared {
                ClientEvent::Platform(incoming) => incoming.clone(),
                _ => return,
            },
        };
        let Some(http) = self.http.as_ref() else {
            if let Some(event) = convert(event, Vec::new(), Vec::new()) {
                self.deliver(event, ctx);
            }
            return;
        };
        let (recipients, characters) = groups_of(&event);
        let cached = |group: Option<&GroupId>| match group {
            None => Some(Vec::new()),
            Some(group) => http.cached_group_members(group).map(|members| members.to_vec()),
        };
        if let (Some(to), Some(listed)) = (cached(recipients), cached(characters)) {
            if let Some(event) = convert(event, to, listed) {
                self.deliver(event, ctx);
            }
            return;
        }
        let Some(channel_id) = channel_of(&event).cloned() else { return };
        let (recipients, characters) = (recipients.cloned(), characters.cloned());
        let http = http.clone();
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.queues.entry(channel_id.clone()).or_default().push_back(Slot::Waiting(ticket));
        // `spawn`, not `wait`: the other channels' events go on while this lookup runs.
        ctx.spawn(
            async move { (resolve(&http, recipients).await, resolve(&http, characters).await) }
                .into_actor(self)
                .map(move |(to, listed), router, ctx| {
                    if let Some(queue) = router.queues.get_mut(&channel_id) {
                        let converted = convert(event, to, listed);
                        if let Some(position) =
                            queue.iter().position(|slot| matches!(slot, Slot::Waiting(t) if *t == ticket))
                        {
                            match converted {
                                Some(event) => queue[position] = Slot::Ready(Box::new(event)),
                                None => {
                                    queue.remove(position);
                                }
                            }
                        }
                    }
                    router.flush(&channel_id, ctx);
                }),
        );
    }
}

/// Asks the router for the current actor of a channel (the shared one in shared mode).
pub(crate) struct ActorOf<A, R>(pub(crate) ChannelId, std::marker::PhantomData<fn() -> (A, R)>);

impl<A, R> ActorOf<A, R> {
    pub(crate) fn new(channel_id: ChannelId) -> Self {
        Self(channel_id, std::marker::PhantomData)
    }
}

impl<A, R> actix::Message for ActorOf<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Result = Reach<A>;
}

impl<A, R> Handler<ActorOf<A, R>> for Router<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Result = MessageResult<ActorOf<A, R>>;

    fn handle(&mut self, ActorOf(channel_id, _): ActorOf<A, R>, _ctx: &mut Context<Self>) -> Self::Result {
        let channel_id = if self.shared { ChannelId::default() } else { channel_id };
        MessageResult(self.keepers.reach(self.keepers.find(&channel_id)))
    }
}

impl<A, R> Handler<Failed> for Router<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Result = ();

    fn handle(&mut self, failed: Failed, ctx: &mut Context<Self>) {
        self.keepers.reported(failed, ctx);
    }
}
