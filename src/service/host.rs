//! The actor that hosts a service instance: it delivers events to the [`Service`] methods, and
//! when one returns an error or panics it logs it and rebuilds the instance from its factory,
//! keeping its mailbox, so the events after the failing one still arrive and no other channel
//! notices.

use super::event::{Fetch, Message, Update};
use super::handler::{Service, ServiceResult};
use super::moobius::Moobius;
use super::recipients::Recipients;
use crate::client::{Lifecycle, Refusal};
use crate::protocol::{
    Button, ButtonClick, CanvasItem, ClickArgument, MenuItem, MenuItemClick, MessageContent, ResumeGap,
    StyleItem, UnknownEvent,
};
use actix::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Builds a service instance for a channel (the channel id; empty for a shared instance).
pub(crate) type Factory<S> = Arc<dyn Fn(&str) -> S>;

/// An event for a service instance.
#[derive(Debug)]
pub(crate) enum ServiceEvent {
    MessageUp(Message),
    MessageDown(Message),
    Join(String),
    Leave(String),
    Refresh(String),
    Fetch(String, Fetch),
    ButtonClick(String, ButtonClick),
    MenuItemClick(String, MenuItemClick),
    Update(Update),
    Unknown(UnknownEvent),
    Connection(Lifecycle),
    Refused(Refusal),
    ResumeGap(ResumeGap),
}

impl ServiceEvent {
    fn kind(&self) -> &'static str {
        match self {
            Self::MessageUp(_) => "message_up",
            Self::MessageDown(_) => "message_down",
            Self::Join(_) => "join",
            Self::Leave(_) => "leave",
            Self::Refresh(_) => "refresh",
            Self::Fetch(..) => "fetch",
            Self::ButtonClick(..) => "button_click",
            Self::MenuItemClick(..) => "menu_item_click",
            Self::Update(_) => "update",
            Self::Unknown(_) => "unknown",
            Self::Connection(_) => "connection",
            Self::Refused(_) => "refusal",
            Self::ResumeGap(_) => "resume_gap",
        }
    }
}

/// Delivers one event, in `channel_id`, to a service instance.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Deliver {
    pub(crate) channel_id: Arc<str>,
    pub(crate) event: ServiceEvent,
}

/// A message of the program's own for a service (what the reference SDK calls a spell):
/// `addr.send(Cast(spell))` reaches [`Spell::cast`]. Its answer is `None` when the service failed
/// on it (the service was then restarted).
#[derive(Debug)]
pub struct Cast<M>(pub M);

impl<M: actix::Message> actix::Message for Cast<M>
where
    M::Result: 'static,
{
    type Result = Option<M::Result>;
}

/// A service that accepts the program's message `M` (see [`Cast`]).
pub trait Spell<M: actix::Message>: Service {
    /// Handles the message.
    fn cast(&mut self, spell: M, cx: &mut ServiceContext<'_, Self>) -> M::Result;
}

/// What a service handler gets besides the event: the channel it is about, the actions, and the
/// actix context (to spawn futures, set timers, get its own address).
pub struct ServiceContext<'a, S: Service> {
    moobius: &'a Moobius,
    channel_id: &'a str,
    actix: &'a mut Context<ServiceActor<S>>,
}

impl<S: Service> std::fmt::Debug for ServiceContext<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceContext").field("channel_id", &self.channel_id).finish_non_exhaustive()
    }
}

impl<S: Service> ServiceContext<'_, S> {
    /// The channel this event is about (empty in `on_start` of a shared instance).
    pub fn channel_id(&self) -> &str {
        self.channel_id
    }

    /// The service's action handle, for other channels or to keep for later.
    pub fn moobius(&self) -> &Moobius {
        self.moobius
    }

    /// The actix context of the hosting actor.
    pub fn actix(&mut self) -> &mut Context<ServiceActor<S>> {
        self.actix
    }

    /// Sends `content` to `recipients` in this channel (as the service, or as this user).
    pub fn send_message(&self, content: MessageContent, recipients: impl Into<Recipients>) {
        self.moobius.send_message(self.channel_id, content, recipients);
    }

    /// Sends a text message in this channel.
    pub fn send_text(&self, text: impl Into<String>, recipients: impl Into<Recipients>) {
        self.moobius.send_text(self.channel_id, text, recipients);
    }

    /// Sends `content` spoken by `sender` (an agent of this service) in this channel.
    pub fn send_message_as(
        &self,
        sender: impl Into<String>,
        content: MessageContent,
        recipients: impl Into<Recipients>,
    ) {
        self.moobius.send_message_as(self.channel_id, sender, content, recipients);
    }

    /// Shows buttons in this channel.
    pub fn send_buttons(&self, buttons: Vec<Button>, recipients: impl Into<Recipients>) {
        self.moobius.send_buttons(self.channel_id, buttons, recipients);
    }

    /// Sets the right-click menu in this channel.
    pub fn send_menu(&self, items: Vec<MenuItem>, recipients: impl Into<Recipients>) {
        self.moobius.send_menu(self.channel_id, items, recipients);
    }

    /// Sets the style in this channel.
    pub fn send_style(&self, items: Vec<StyleItem>, recipients: impl Into<Recipients>) {
        self.moobius.send_style(self.channel_id, items, recipients);
    }

    /// Sets the canvas in this channel.
    pub fn send_canvas(&self, items: Vec<CanvasItem>, recipients: impl Into<Recipients>) {
        self.moobius.send_canvas(self.channel_id, items, recipients);
    }

    /// Sets the characters listed in this channel.
    pub fn send_characters(&self, characters: Vec<String>, recipients: impl Into<Recipients>) {
        self.moobius.send_characters(self.channel_id, characters, recipients);
    }

    /// User mode: clicks a button in this channel.
    pub fn click_button(
        &self,
        button_id: impl Into<String>,
        bottom_button_id: Option<String>,
        arguments: Vec<ClickArgument>,
    ) {
        self.moobius.click_button(self.channel_id, button_id, bottom_button_id, arguments);
    }
}

/// The actix actor hosting one service instance (one per channel, or one shared). Its address
/// takes the program's own messages through [`Cast`].
pub struct ServiceActor<S: Service> {
    service: Box<S>,
    factory: Factory<S>,
    channel_id: Arc<str>,
    moobius: Moobius,
    restarts: u64,
}

impl<S: Service> ServiceActor<S> {
    pub(crate) fn new(factory: Factory<S>, channel_id: Arc<str>, moobius: Moobius) -> Self {
        Self { service: Box::new(factory(&channel_id)), factory, channel_id, moobius, restarts: 0 }
    }

    /// Runs `f` on the service; an error or a panic restarts the instance (and `on_start` runs).
    fn run<R>(
        &mut self,
        ctx: &mut Context<Self>,
        channel_id: &str,
        what: &str,
        f: impl FnOnce(&mut S, &mut ServiceContext<'_, S>) -> Result<R, String>,
    ) -> Option<R> {
        let outcome = {
            let mut cx = ServiceContext { moobius: &self.moobius, channel_id, actix: ctx };
            let service = &mut *self.service;
            catch_unwind(AssertUnwindSafe(|| f(service, &mut cx)))
        };
        let failure = match outcome {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(error)) => error,
            Err(panic) => panic_message(panic.as_ref()),
        };
        self.restarts += 1;
        log::error!(
            "service instance for channel `{}` failed on a {what} event ({failure}); restarting it (restart {})",
            self.channel_id,
            self.restarts
        );
        *self.service = (self.factory)(&self.channel_id);
        self.start_instance(ctx);
        None
    }

    fn start_instance(&mut self, ctx: &mut Context<Self>) {
        let channel = Arc::clone(&self.channel_id);
        self.run(ctx, &channel, "start", |s, cx| s.on_start(cx).map_err(|e| e.to_string()));
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string payload".to_owned());
    format!("panicked: {text}")
}

impl<S: Service> Actor for ServiceActor<S> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.start_instance(ctx);
    }
}

fn dispatch<S: Service>(
    service: &mut S,
    event: ServiceEvent,
    cx: &mut ServiceContext<'_, S>,
) -> ServiceResult {
    match event {
        ServiceEvent::MessageUp(message) => service.on_message_up(message, cx),
        ServiceEvent::MessageDown(message) => service.on_message_down(message, cx),
        ServiceEvent::Join(user) => service.on_join(user, cx),
        ServiceEvent::Leave(user) => service.on_leave(user, cx),
        ServiceEvent::Refresh(user) => service.on_refresh(user, cx),
        ServiceEvent::Fetch(user, what) => service.on_fetch(user, what, cx),
        ServiceEvent::ButtonClick(user, click) => service.on_button_click(user, click, cx),
        ServiceEvent::MenuItemClick(user, click) => service.on_menu_item_click(user, click, cx),
        ServiceEvent::Update(update) => service.on_update(update, cx),
        ServiceEvent::Unknown(event) => service.on_unknown(event, cx),
        ServiceEvent::Connection(change) => service.on_connection(change, cx),
        ServiceEvent::Refused(refusal) => service.on_refused(refusal, cx),
        ServiceEvent::ResumeGap(gap) => service.on_resume_gap(gap, cx),
    }
}

impl<S: Service> Handler<Deliver> for ServiceActor<S> {
    type Result = ();

    fn handle(&mut self, Deliver { channel_id, event }: Deliver, ctx: &mut Context<Self>) {
        let what = event.kind();
        self.run(ctx, &channel_id, what, |s, cx| dispatch(s, event, cx).map_err(|e| e.to_string()));
    }
}

impl<S, M> Handler<Cast<M>> for ServiceActor<S>
where
    S: Spell<M>,
    M: actix::Message + 'static,
    M::Result: 'static,
{
    type Result = Option<M::Result>;

    fn handle(&mut self, Cast(spell): Cast<M>, ctx: &mut Context<Self>) -> Option<M::Result> {
        let channel = Arc::clone(&self.channel_id);
        self.run(ctx, &channel, "cast", |s, cx| Ok(s.cast(spell, cx)))
    }
}
