//! The router actor: the runtime's handler for one service. It turns platform events into
//! [`ChannelEvent`]s (group ids resolved to character ids, cached) and hands each to the keeper
//! of its channel (made on first use) or to the shared one.
//!
//! No head-of-line blocking: an event whose groups are not cached waits in its own channel's
//! queue while the lookup runs, and later events of that channel wait behind it, but the other
//! channels' events go straight through. Order within a channel is kept.

use super::event::{ChannelEvent, ChatMessage, EventKind, Fetch, Update};
use super::keeper::Keeper;
use super::role::Role;
use crate::client::{ClientEvent, Delivery};
use crate::http::HttpClient;
use crate::protocol::{ActionKind, ChannelId, CharacterId, Event, GroupId, Incoming, UpdateContent};
use actix::prelude::*;
use std::collections::{HashMap, VecDeque};

/// Makes the keeper of a channel.
pub(crate) type MakeKeeper<A, R> = Box<dyn Fn(ChannelId) -> Addr<Keeper<A, R>>>;

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
    keepers: HashMap<ChannelId, Addr<Keeper<A, R>>>,
    shared: Option<Addr<Keeper<A, R>>>,
    make: MakeKeeper<A, R>,
    http: Option<HttpClient>,
    /// Channels with an event waiting for a lookup, and what queued behind it.
    queues: HashMap<ChannelId, VecDeque<Slot>>,
    next_ticket: u64,
    /// Every how long the configured channels get a [`EventKind::CheckIn`], and which.
    checkin: Option<(std::time::Duration, Vec<ChannelId>)>,
}

impl<A, R> Router<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    pub(crate) fn new(make: MakeKeeper<A, R>, shared: bool, http: Option<HttpClient>) -> Self {
        let shared = shared.then(|| make(ChannelId::default()));
        Self {
            keepers: HashMap::new(),
            shared,
            make,
            http,
            queues: HashMap::new(),
            next_ticket: 0,
            checkin: None,
        }
    }

    /// Sends each of `channels` a check-in every `interval` (none when it is zero), as the
    /// reference SDK's scheduler does.
    pub(crate) fn check_in(&mut self, interval: std::time::Duration, channels: &[ChannelId]) {
        self.checkin = (!interval.is_zero()).then(|| (interval, channels.to_vec()));
    }

    /// The keeper for `channel_id`, made now if it is the channel's first event.
    pub(crate) fn keeper(&mut self, channel_id: &ChannelId) -> Addr<Keeper<A, R>> {
        if let Some(shared) = &self.shared {
            return shared.clone();
        }
        if let Some(keeper) = self.keepers.get(channel_id) {
            return keeper.clone();
        }
        let keeper = (self.make)(channel_id.clone());
        self.keepers.insert(channel_id.clone(), keeper.clone());
        keeper
    }

    /// Delivers now, or behind the channel's waiting events.
    fn deliver(&mut self, event: ChannelEvent) {
        match self.queues.get_mut(&event.channel_id) {
            Some(queue) => queue.push_back(Slot::Ready(Box::new(event))),
            None => {
                let keeper = self.keeper(&event.channel_id);
                keeper.do_send(event);
            }
        }
    }

    /// Delivers the ready events at the head of a channel's queue.
    fn flush(&mut self, channel_id: &ChannelId) {
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
        let keeper = self.keeper(channel_id);
        for event in ready {
            keeper.do_send(event);
        }
    }

    /// An event about the connection: to every channel, each in its order.
    fn broadcast(&mut self, kind: EventKind) {
        if self.shared.is_some() {
            return self.deliver(ChannelEvent { channel_id: ChannelId::default(), kind });
        }
        let channels: Vec<ChannelId> = self.keepers.keys().cloned().collect();
        for channel_id in channels {
            self.deliver(ChannelEvent { channel_id, kind: kind.clone() });
        }
    }

    /// Starts the keepers of `channels` now (so each actor starts at start-up).
    pub(crate) fn warm_up(&mut self, channels: &[ChannelId]) {
        for channel in channels {
            self.keeper(channel);
        }
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
            ctx.run_interval(*interval, |router, _| {
                let channels = router.checkin.as_ref().map(|(_, c)| c.clone()).unwrap_or_default();
                for channel_id in channels {
                    router.deliver(ChannelEvent { channel_id, kind: EventKind::CheckIn });
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
            ClientEvent::Lifecycle(change) => return self.broadcast(EventKind::Connection(change.clone())),
            ClientEvent::Refused(refusal) => return self.broadcast(EventKind::Refused(refusal.clone())),
            ClientEvent::ResumeGap(gap) => return self.broadcast(EventKind::ResumeGap(*gap)),
            ClientEvent::Error(error) => return log::warn!("{}", crate::report(error)),
        };
        if let Event::Unknown(unknown) = &incoming.event {
            return self.broadcast(EventKind::Unknown(unknown.clone()));
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
                self.deliver(event);
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
                self.deliver(event);
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
                .map(move |(to, listed), router, _| {
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
                    router.flush(&channel_id);
                }),
        );
    }
}

/// Asks the router for the keeper of a channel (the shared one in shared mode).
pub(crate) struct KeeperOf<A, R>(pub(crate) ChannelId, std::marker::PhantomData<fn() -> (A, R)>);

impl<A, R> KeeperOf<A, R> {
    pub(crate) fn new(channel_id: ChannelId) -> Self {
        Self(channel_id, std::marker::PhantomData)
    }
}

impl<A, R> actix::Message for KeeperOf<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Result = Option<Addr<Keeper<A, R>>>;
}

impl<A, R> Handler<KeeperOf<A, R>> for Router<A, R>
where
    A: Actor<Context = Context<A>> + Handler<ChannelEvent>,
    R: Role,
{
    type Result = MessageResult<KeeperOf<A, R>>;

    fn handle(&mut self, KeeperOf(channel_id, _): KeeperOf<A, R>, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(match &self.shared {
            Some(shared) => Some(shared.clone()),
            None => self.keepers.get(&channel_id).cloned(),
        })
    }
}
