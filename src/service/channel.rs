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
use std::rc::Rc;

/// A failure reported outside a handler (by async work, through [`Channel::fail`]), or a channel
/// actor that died on a message of the program: for the supervisor of the actor in `slot`.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Failed {
    pub(crate) slot: u32,
    pub(crate) generation: u64,
    pub(crate) reason: String,
}

/// What every channel actor of a service shares.
struct Shared<R: Role> {
    me: R::Id,
    actions: Addr<Outbox<R>>,
    http: Option<HttpClient>,
    keeper: Option<Recipient<Failed>>,
}

/// The channel a channel actor serves. Cheap to clone; keep it in the actor.
///
/// Its own part is the channel's storage (which holds the channel's id) and which actor of its
/// supervisor it is; the rest is shared by every channel of the service, so an idle channel
/// actor costs little.
pub struct Channel<R: Role> {
    storage: Storage,
    shared: Rc<Shared<R>>,
    slot: u32,
    generation: u64,
}

impl<R: Role> Clone for Channel<R> {
    fn clone(&self) -> Self {
        Self {
            storage: self.storage.clone(),
            shared: Rc::clone(&self.shared),
            slot: self.slot,
            generation: self.generation,
        }
    }
}

impl<R: Role> std::fmt::Debug for Channel<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel").field("id", self.id()).field("me", &self.shared.me).finish_non_exhaustive()
    }
}

impl<R: Role> Channel<R> {
    /// The template of a service's channels: `storage` is the service's (no channel), failures
    /// go to `keeper`.
    pub(crate) fn new(
        me: R::Id,
        actions: Addr<Outbox<R>>,
        http: Option<HttpClient>,
        storage: Storage,
        keeper: Option<Recipient<Failed>>,
    ) -> Self {
        Self { storage, shared: Rc::new(Shared { me, actions, http, keeper }), slot: 0, generation: 0 }
    }

    /// This template for channel `id`, the actor in `slot` of its supervisor, its `generation`.
    pub(crate) fn kept(&self, id: &ChannelId, slot: u32, generation: u64) -> Self {
        Self { storage: self.storage.channel(id), shared: Rc::clone(&self.shared), slot, generation }
    }

    /// The channel's id (empty for a shared actor: each event names its channel).
    pub fn id(&self) -> &ChannelId {
        self.storage.channel_id()
    }

    /// Who this service speaks as: its service id, or the user's character id.
    pub fn me(&self) -> &R::Id {
        &self.shared.me
    }

    /// The address to send action messages to (see [`action`](super::action)).
    pub fn actions(&self) -> &Addr<Outbox<R>> {
        &self.shared.actions
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
        self.shared.actions.do_send(action);
    }

    /// Sends an action; the future gives its answer (for actions, the platform's receipt).
    pub fn send<M>(&self, action: M) -> Request<Outbox<R>, M>
    where
        M: actix::Message + Send + 'static,
        M::Result: Send,
        Outbox<R>: Handler<M>,
        <Outbox<R> as Actor>::Context: actix::dev::ToEnvelope<Outbox<R>, M>,
    {
        self.shared.actions.send(action)
    }

    /// The HTTP API session (profiles, agents, members), when the service has one.
    pub fn http(&self) -> Option<&HttpClient> {
        self.shared.http.as_ref()
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
        if let Some(keeper) = &self.shared.keeper {
            let reason = format!("reported a failure: {}", error.into());
            keeper.do_send(Failed { slot: self.slot, generation: self.generation, reason });
        }
    }
}
