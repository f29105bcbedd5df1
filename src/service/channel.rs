//! What the framework hands each channel actor when it makes it: the channel's id, the address
//! its actions go to (typed by role), the HTTP session, the channel's storage, and a way to
//! report a failure of async work so that the actor is restarted as if a handler had failed.

use super::event::HandlerError;
use super::outbox::Outbox;
use super::role::Role;
use crate::http::HttpClient;
use crate::protocol::ChannelId;
use crate::storage::Storage;
use actix::prelude::*;

/// A failure reported outside a handler (by async work, through [`Channel::fail`]).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Failed {
    pub(crate) generation: u64,
    pub(crate) reason: String,
}

/// The channel a channel actor serves. Cheap to clone; keep it in the actor.
pub struct Channel<R: Role> {
    id: ChannelId,
    me: R::Id,
    actions: Addr<Outbox<R>>,
    http: Option<HttpClient>,
    storage: Storage,
    keeper: Option<Recipient<Failed>>,
    generation: u64,
}

impl<R: Role> Clone for Channel<R> {
    fn clone(&self) -> Self {
        Self {
            id: self.id.clone(),
            me: self.me.clone(),
            actions: self.actions.clone(),
            http: self.http.clone(),
            storage: self.storage.clone(),
            keeper: self.keeper.clone(),
            generation: self.generation,
        }
    }
}

impl<R: Role> std::fmt::Debug for Channel<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").field("id", &self.id).field("me", &self.me).finish_non_exhaustive()
    }
}

impl<R: Role> Channel<R> {
    pub(crate) fn new(
        id: ChannelId,
        me: R::Id,
        actions: Addr<Outbox<R>>,
        http: Option<HttpClient>,
        storage: Storage,
    ) -> Self {
        Self { id, me, actions, http, storage, keeper: None, generation: 0 }
    }

    pub(crate) fn kept(mut self, keeper: Recipient<Failed>, generation: u64) -> Self {
        self.keeper = Some(keeper);
        self.generation = generation;
        self
    }

    pub(crate) fn kept_id(mut self, id: ChannelId) -> Self {
        self.storage = self.storage.channel(&id);
        self.id = id;
        self
    }

    /// The channel's id (empty for a shared actor: each event names its channel).
    pub fn id(&self) -> &ChannelId {
        &self.id
    }

    /// Who this service speaks as: its service id, or the user's character id.
    pub fn me(&self) -> &R::Id {
        &self.me
    }

    /// The address to send action messages to (see [`action`](super::action)).
    pub fn actions(&self) -> &Addr<Outbox<R>> {
        &self.actions
    }

    /// Sends an action and forgets it (a refusal comes back as
    /// [`EventKind::Refused`](super::EventKind::Refused)).
    pub fn do_send<M>(&self, action: M)
    where
        M: actix::Message + Send + 'static,
        M::Result: Send,
        Outbox<R>: Handler<M>,
        <Outbox<R> as Actor>::Context: actix::dev::ToEnvelope<Outbox<R>, M>,
    {
        self.actions.do_send(action);
    }

    /// Sends an action; the future gives its answer (for actions, the platform's receipt).
    pub fn send<M>(&self, action: M) -> Request<Outbox<R>, M>
    where
        M: actix::Message + Send + 'static,
        M::Result: Send,
        Outbox<R>: Handler<M>,
        <Outbox<R> as Actor>::Context: actix::dev::ToEnvelope<Outbox<R>, M>,
    {
        self.actions.send(action)
    }

    /// The HTTP API session (profiles, agents, members), when the service has one.
    pub fn http(&self) -> Option<&HttpClient> {
        self.http.as_ref()
    }

    /// This channel's storage: the containers the configuration's `db_config` lists, kept per
    /// service and channel (see [`storage`](crate::storage)). It outlives the actor, so a
    /// restarted actor finds what it stored. A shared actor's is the service's, with no channel:
    /// take each event's with `storage().channel(&event.channel_id)`.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Reports that this actor failed outside a handler (in async work it spawned): the actor
    /// is restarted as if a handler had returned this error.
    pub fn fail(&self, error: impl Into<HandlerError>) {
        if let Some(keeper) = &self.keeper {
            keeper.do_send(Failed { generation: self.generation, reason: error.into().to_string() });
        }
    }
}
