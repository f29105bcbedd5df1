//! The short path: the [`Service`] trait, one method per event kind, each defaulting to nothing,
//! for the ten-line bot. It is a thin adapter over the actor core: [`ServiceActor`] is an
//! ordinary channel actor that calls the trait's methods, and [`ServiceContext`] offers the
//! role's actions bound to the event's channel and async work whose result updates the state.

use super::action::{
    ClickButton, JoinChannel, LeaveChannel, Refresh, SendButtons, SendCanvas, SendCharacters, SendMenu,
    SendMessage, SendStyle,
};
use super::channel::Channel;
use super::event::{ChannelEvent, ChatMessage, EventKind, Fetch, HandlerResult, Update};
use super::outbox::Outbox;
use super::recipients::Recipients;
use super::role::{AsService, AsUser, Role};
use crate::client::{Lifecycle, Refusal};
use crate::protocol::{
    Button, ButtonClick, CanvasItem, ChannelId, CharacterId, MenuItem, MenuItemClick, MessageContent,
    ResumeGap, StyleItem, UnknownEvent,
};
use actix::prelude::*;

/// What an event method returns: an error (or a panic) restarts this channel's instance alone,
/// within the service's restart policy.
pub type ServiceResult = HandlerResult;

/// A Moobius service (`Service`, i.e. `Service<AsService>`) or user-mode bot (`Service<AsUser>`)
/// written as callbacks: the state of one channel and what it does on each event. Every method
/// defaults to doing nothing, so a service handles only what it cares about.
///
/// Handlers run on the actor's thread: never block. For slow work, [`ServiceContext::spawn`] a
/// future and handle its output when it completes.
///
/// # Examples
/// ```
/// use moobius::prelude::*;
///
/// struct Echo;
///
/// impl Service for Echo {
///     fn on_message_up(&mut self, message: ChatMessage, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
///         cx.send_message(message.content, &message.sender);
///         Ok(())
///     }
/// }
/// ```
#[allow(unused_variables)]
pub trait Service<R: Role = AsService>: Sized + Unpin + 'static {
    /// This instance started (at start-up, and again after a restart).
    fn on_start(&mut self, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// The periodic check-in (every `checkin_interval` of the config; also right after
    /// [`on_start`](Self::on_start), as the reference SDK's `on_channel_init` calls
    /// `on_channel_checkin`): re-sync what the channel's members see.
    fn on_channel_checkin(&mut self, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// A user's message (service mode).
    fn on_message_up(&mut self, message: ChatMessage, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// A user joined the channel.
    fn on_join(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// A user left the channel.
    fn on_leave(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// A user asks for everything it sees to be sent again.
    fn on_refresh(&mut self, user: CharacterId, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// A user's `fetch_*` action.
    fn on_fetch(
        &mut self,
        user: CharacterId,
        what: Fetch,
        cx: &mut ServiceContext<'_, Self, R>,
    ) -> ServiceResult {
        Ok(())
    }

    /// A user clicked a button.
    fn on_button_click(
        &mut self,
        user: CharacterId,
        click: ButtonClick,
        cx: &mut ServiceContext<'_, Self, R>,
    ) -> ServiceResult {
        Ok(())
    }

    /// A user clicked a right-click menu item on a message.
    fn on_menu_item_click(
        &mut self,
        user: CharacterId,
        click: MenuItemClick,
        cx: &mut ServiceContext<'_, Self, R>,
    ) -> ServiceResult {
        Ok(())
    }

    /// A service's message (user mode).
    fn on_message_down(
        &mut self,
        message: ChatMessage,
        cx: &mut ServiceContext<'_, Self, R>,
    ) -> ServiceResult {
        Ok(())
    }

    /// What this user sees changed (user mode).
    fn on_update(&mut self, update: Update, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// An event of a type or subtype this crate does not know, as raw JSON.
    fn on_unknown(&mut self, event: UnknownEvent, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// The connection changed: after [`Lifecycle::Reconnected`], re-send what users see if the
    /// service's state may have moved on without them.
    fn on_connection(&mut self, change: Lifecycle, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        Ok(())
    }

    /// The platform refused a frame this service sent with a `send_*` of the context.
    fn on_refused(&mut self, refusal: Refusal, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        log::warn!(
            "the platform refused a `{}` frame: {}",
            refusal.origin_type.as_deref().unwrap_or("?"),
            refusal.reason.as_deref().unwrap_or("no reason given")
        );
        Ok(())
    }

    /// After a reconnect, the platform could not replay these events: consider refreshing.
    fn on_resume_gap(&mut self, gap: ResumeGap, cx: &mut ServiceContext<'_, Self, R>) -> ServiceResult {
        log::warn!("events {} to {} were lost across a reconnect", gap.from_seq, gap.to_seq);
        Ok(())
    }
}

/// What a callback gets besides the event: its channel, the role's actions bound to it, and
/// async work.
pub struct ServiceContext<'a, S, R: Role = AsService>
where
    S: Service<R>,
{
    channel: &'a Channel<R>,
    channel_id: &'a ChannelId,
    actix: &'a mut Context<ServiceActor<S, R>>,
}

impl<S: Service<R>, R: Role> std::fmt::Debug for ServiceContext<'_, S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceContext").field("channel_id", &self.channel_id).finish_non_exhaustive()
    }
}

impl<S: Service<R>, R: Role> ServiceContext<'_, S, R> {
    /// The channel this event is about.
    pub fn channel_id(&self) -> &ChannelId {
        self.channel_id
    }

    /// The channel handle: the actions' address, the HTTP session, who this service is.
    pub fn channel(&self) -> &Channel<R> {
        self.channel
    }

    /// The actix context of the hosting actor (timers, its own address).
    pub fn actix(&mut self) -> &mut Context<ServiceActor<S, R>> {
        self.actix
    }

    /// Runs `work` without blocking; when it completes, `then` gets the state, its output and a
    /// context again (an error from `then` restarts the instance, as a handler's would).
    ///
    /// # Examples
    /// ```
    /// use moobius::prelude::*;
    ///
    /// #[derive(Default)]
    /// struct Slow { answers: u32 }
    ///
    /// impl Service for Slow {
    ///     fn on_message_up(&mut self, message: ChatMessage, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
    ///         let work = async { 42 }; // an HTTP call, a database, an LLM...
    ///         cx.spawn(work, move |this: &mut Self, answer, cx| {
    ///             this.answers += 1;
    ///             cx.send_text(format!("{answer} ({} answers)", this.answers), &message.sender);
    ///             Ok(())
    ///         });
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn spawn<F, T>(&mut self, work: F, then: T)
    where
        F: Future + 'static,
        T: FnOnce(&mut S, F::Output, &mut ServiceContext<'_, S, R>) -> ServiceResult + 'static,
    {
        let channel_id = self.channel_id.clone();
        self.actix.spawn(actix::fut::wrap_future(work).map(
            move |output, actor: &mut ServiceActor<S, R>, ctx| {
                let ServiceActor { service, channel } = actor;
                let mut cx = ServiceContext { channel, channel_id: &channel_id, actix: ctx };
                if let Err(error) = then(service, output, &mut cx) {
                    channel.fail(error);
                }
            },
        ));
    }
}

impl<S: Service<R>, R: Role> ServiceContext<'_, S, R>
where
    Outbox<R>: Handler<SendMessage>,
    <Outbox<R> as Actor>::Context: actix::dev::ToEnvelope<Outbox<R>, SendMessage>,
{
    /// Sends `content` to `recipients` in this channel (as the service, or as this user).
    pub fn send_message(&self, content: MessageContent, recipients: impl Into<Recipients>) {
        self.channel.do_send(SendMessage::new(self.channel_id.clone(), content, recipients));
    }

    /// Sends a text message in this channel.
    pub fn send_text(&self, text: impl Into<String>, recipients: impl Into<Recipients>) {
        self.channel.do_send(SendMessage::text(self.channel_id.clone(), text, recipients));
    }
}

impl<S: Service<AsService>> ServiceContext<'_, S, AsService> {
    /// Sends `content` spoken by `sender` (an agent of this service, or a member) in this channel.
    pub fn send_message_as(
        &self,
        sender: CharacterId,
        content: MessageContent,
        recipients: impl Into<Recipients>,
    ) {
        self.channel
            .do_send(SendMessage::new(self.channel_id.clone(), content, recipients).as_character(sender));
    }

    /// Shows buttons in this channel.
    pub fn send_buttons(&self, buttons: Vec<Button>, recipients: impl Into<Recipients>) {
        self.channel.do_send(SendButtons::new(self.channel_id.clone(), buttons, recipients));
    }

    /// Sets the right-click menu in this channel.
    pub fn send_menu(&self, items: Vec<MenuItem>, recipients: impl Into<Recipients>) {
        self.channel.do_send(SendMenu::new(self.channel_id.clone(), items, recipients));
    }

    /// Sets the style in this channel.
    pub fn send_style(&self, items: Vec<StyleItem>, recipients: impl Into<Recipients>) {
        self.channel.do_send(SendStyle::new(self.channel_id.clone(), items, recipients));
    }

    /// Sets the canvas in this channel.
    pub fn send_canvas(&self, items: Vec<CanvasItem>, recipients: impl Into<Recipients>) {
        self.channel.do_send(SendCanvas::new(self.channel_id.clone(), items, recipients));
    }

    /// Sets the characters listed in this channel.
    pub fn send_characters(&self, characters: Vec<CharacterId>, recipients: impl Into<Recipients>) {
        self.channel.do_send(SendCharacters::new(self.channel_id.clone(), characters, recipients));
    }
}

impl<S: Service<AsUser>> ServiceContext<'_, S, AsUser> {
    /// Clicks a button in this channel.
    pub fn click_button(&self, click: ButtonClick) {
        self.channel.do_send(ClickButton { channel_id: self.channel_id.clone(), click });
    }

    /// Joins another channel.
    pub fn join(&self, channel_id: ChannelId) {
        self.channel.do_send(JoinChannel(channel_id));
    }

    /// Leaves this channel.
    pub fn leave(&self) {
        self.channel.do_send(LeaveChannel(self.channel_id.clone()));
    }

    /// Asks the service to send again what this user sees here.
    pub fn refresh(&self) {
        self.channel.do_send(Refresh(self.channel_id.clone()));
    }
}

/// The channel actor that hosts a [`Service`]: an ordinary actor of the core whose handler
/// calls the trait's methods.
pub struct ServiceActor<S: Service<R>, R: Role = AsService> {
    service: S,
    channel: Channel<R>,
}

impl<S: Service<R>, R: Role> std::fmt::Debug for ServiceActor<S, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceActor").field("channel", &self.channel).finish_non_exhaustive()
    }
}

impl<S: Service<R>, R: Role> ServiceActor<S, R> {
    pub(crate) fn new(service: S, channel: Channel<R>) -> Self {
        Self { service, channel }
    }

    /// The hosted service. The program's own messages reach it through plain actix: implement
    /// `Handler<YourMessage> for ServiceActor<YourService>` and send with
    /// [`ServiceHandle::send`](super::ServiceHandle::send).
    pub fn service(&self) -> &S {
        &self.service
    }

    /// The hosted service, mutably.
    pub fn service_mut(&mut self) -> &mut S {
        &mut self.service
    }

    /// The channel handle.
    pub fn channel(&self) -> &Channel<R> {
        &self.channel
    }
}

impl<S: Service<R>, R: Role> Actor for ServiceActor<S, R> {
    type Context = Context<Self>;
}

impl<S: Service<R>, R: Role> Handler<ChannelEvent> for ServiceActor<S, R> {
    type Result = HandlerResult;

    fn handle(
        &mut self,
        ChannelEvent { channel_id, kind }: ChannelEvent,
        ctx: &mut Context<Self>,
    ) -> HandlerResult {
        let Self { service, channel } = self;
        let cx = &mut ServiceContext { channel, channel_id: &channel_id, actix: ctx };
        match kind {
            EventKind::Start => service.on_start(cx).and_then(|()| service.on_channel_checkin(cx)),
            EventKind::CheckIn => service.on_channel_checkin(cx),
            EventKind::MessageUp(message) => service.on_message_up(message, cx),
            EventKind::MessageDown(message) => service.on_message_down(message, cx),
            EventKind::Join(user) => service.on_join(user, cx),
            EventKind::Leave(user) => service.on_leave(user, cx),
            EventKind::Refresh(user) => service.on_refresh(user, cx),
            EventKind::Fetch(user, what) => service.on_fetch(user, what, cx),
            EventKind::ButtonClick(user, click) => service.on_button_click(user, click, cx),
            EventKind::MenuItemClick(user, click) => service.on_menu_item_click(user, click, cx),
            EventKind::Update(update) => service.on_update(update, cx),
            EventKind::Unknown(event) => service.on_unknown(event, cx),
            EventKind::Connection(change) => service.on_connection(change, cx),
            EventKind::Refused(refusal) => service.on_refused(refusal, cx),
            EventKind::ResumeGap(gap) => service.on_resume_gap(gap, cx),
        }
    }
}
