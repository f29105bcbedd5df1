//! The handle a service acts through: typed actions in, frames out, in order. The framework
//! fills in the service id, the default sender, timestamps and request ids, and turns lists of
//! characters into group ids.

use super::outbox::{Act, Action, Outbox, Role};
use super::recipients::Recipients;
use crate::client::Client;
use crate::http::{HttpError, HttpErrorKind, Profile, SharedHttp};
use crate::protocol::{
    ActionKind, Button, ButtonClick, CanvasItem, ChannelInfo, Character, ClickArgument, ClickedMessage,
    Frame, MenuItem, MenuItemClick, MessageContent, StyleItem, UpdateContent,
};
use actix::Addr;
use std::sync::Arc;

/// Sends a service's (or a user-mode bot's) actions. Cheap to clone; every clone sends through the
/// same ordered outbox, so actions leave in the order they were asked for.
///
/// Actions never block and never fail at the call: a list of characters is made a group id over
/// HTTP first (once per distinct list), then the frame joins the runtime's queue, which resends it
/// across reconnects until the platform acknowledges it. What cannot be sent (an empty recipient
/// list, a full queue) is logged at error level; a refusal by the platform reaches the service as
/// [`Service::on_refused`](super::Service::on_refused).
#[derive(Clone)]
pub struct Moobius {
    inner: Arc<Inner>,
}

struct Inner {
    role: Role,
    outbox: Addr<Outbox>,
    client: Client,
    http: Option<SharedHttp>,
}

impl std::fmt::Debug for Moobius {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Moobius").field("role", &self.inner.role).finish_non_exhaustive()
    }
}

impl Moobius {
    pub(crate) fn new(role: Role, outbox: Addr<Outbox>, client: Client, http: Option<SharedHttp>) -> Self {
        Self { inner: Arc::new(Inner { role, outbox, client, http }) }
    }

    fn act(&self, action: Action) {
        self.inner.outbox.do_send(Act(action));
    }

    /// The service id, in service mode.
    pub fn service_id(&self) -> Option<&str> {
        match &self.inner.role {
            Role::Service { service_id } => Some(service_id),
            Role::User { .. } => None,
        }
    }

    /// The user id (the user's character id), in user mode.
    pub fn user_id(&self) -> Option<&str> {
        match &self.inner.role {
            Role::User { user_id } => Some(user_id),
            Role::Service { .. } => None,
        }
    }

    /// The runtime's client: connection state, latency, queue counters, raw frames.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The HTTP API session (sign-in token, group cache), when the service has one. Make a
    /// client on the current thread with [`SharedHttp::client`] for calls of your own (agents,
    /// members, profiles).
    pub fn http(&self) -> Option<&SharedHttp> {
        self.inner.http.as_ref()
    }

    /// Creates an agent (a character this service may speak as, with
    /// [`send_message_as`](Moobius::send_message_as)). Spawn it from a handler:
    /// `cx.actix().spawn(fut.into_actor(self).map(...))`, or await it in an async task.
    ///
    /// # Errors
    /// [`HttpError`]: no HTTP session, not a service, or the platform refused.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(moobius: moobius::service::Moobius) -> Result<(), moobius::http::HttpError> {
    /// let agent = moobius.create_agent("Narrator", "tells the story").await?;
    /// moobius.send_message_as("channel-id", agent.character_id, moobius::protocol::MessageContent::text("Once upon a time"), "user-1");
    /// # Ok(()) }
    /// ```
    pub fn create_agent(
        &self,
        name: &str,
        description: &str,
    ) -> impl Future<Output = Result<Character, HttpError>> + 'static {
        let http = self.inner.http.as_ref().map(SharedHttp::client);
        let service_id = self.service_id().map(str::to_owned);
        let profile = Profile::new(name, "", description);
        async move {
            let no = |detail: &str| {
                HttpError::new(HttpErrorKind::InvalidRequest {
                    call: "POST /service/character/create".to_owned(),
                    detail: detail.to_owned(),
                })
            };
            let http = http.ok_or_else(|| no("this service has no HTTP session"))?;
            let service_id =
                service_id.ok_or_else(|| no("only a service creates agents (this is a user-mode bot)"))?;
            http.create_agent(&service_id, &profile).await
        }
    }

    /// Sends `content` to `recipients` in `channel_id`: a `message_down` spoken by the service
    /// itself (service mode) or a `message_up` (user mode).
    pub fn send_message(&self, channel_id: &str, content: MessageContent, recipients: impl Into<Recipients>) {
        let recipients = recipients.into();
        self.act(Action::Message { channel_id: channel_id.to_owned(), content, recipients, sender: None });
    }

    /// Sends a text message.
    pub fn send_text(&self, channel_id: &str, text: impl Into<String>, recipients: impl Into<Recipients>) {
        self.send_message(channel_id, MessageContent::Text(text.into()), recipients);
    }

    /// Sends `content` spoken by `sender` (an agent of this service).
    pub fn send_message_as(
        &self,
        channel_id: &str,
        sender: impl Into<String>,
        content: MessageContent,
        recipients: impl Into<Recipients>,
    ) {
        let (channel_id, sender, recipients) =
            (channel_id.to_owned(), Some(sender.into()), recipients.into());
        self.act(Action::Message { channel_id, content, recipients, sender });
    }

    fn update(&self, channel_id: &str, content: UpdateContent, recipients: impl Into<Recipients>) {
        self.act(Action::Update {
            channel_id: channel_id.to_owned(),
            content,
            recipients: recipients.into(),
        });
    }

    /// Shows these buttons to `recipients`.
    pub fn send_buttons(&self, channel_id: &str, buttons: Vec<Button>, recipients: impl Into<Recipients>) {
        self.update(channel_id, UpdateContent::Buttons(buttons), recipients);
    }

    /// Sets the right-click menu of `recipients`.
    pub fn send_menu(&self, channel_id: &str, items: Vec<MenuItem>, recipients: impl Into<Recipients>) {
        self.update(channel_id, UpdateContent::Menu(items), recipients);
    }

    /// Sets how widgets are shown to `recipients`.
    pub fn send_style(&self, channel_id: &str, items: Vec<StyleItem>, recipients: impl Into<Recipients>) {
        self.update(channel_id, UpdateContent::Style(items), recipients);
    }

    /// Sets the canvas of `recipients`.
    pub fn send_canvas(&self, channel_id: &str, items: Vec<CanvasItem>, recipients: impl Into<Recipients>) {
        self.update(channel_id, UpdateContent::Canvas(items), recipients);
    }

    /// Sets the characters `recipients` see listed.
    pub fn send_characters(
        &self,
        channel_id: &str,
        characters: Vec<String>,
        recipients: impl Into<Recipients>,
    ) {
        let (channel_id, recipients) = (channel_id.to_owned(), recipients.into());
        self.act(Action::Characters { channel_id, characters, recipients });
    }

    /// Sets the channel's name, description and type for everyone in it.
    pub fn send_channel_info(&self, info: ChannelInfo) {
        self.act(Action::ChannelInfo(info));
    }

    /// Sends a frame built by the program, in order with the rest.
    pub fn send_frame(&self, frame: Frame) {
        self.act(Action::Raw(frame));
    }

    fn user_action(&self, channel_id: &str, kind: ActionKind) {
        self.act(Action::User { channel_id: channel_id.to_owned(), kind });
    }

    /// User mode: joins `channel_id`.
    pub fn join(&self, channel_id: &str) {
        self.user_action(channel_id, ActionKind::JoinChannel);
    }

    /// User mode: leaves `channel_id`.
    pub fn leave(&self, channel_id: &str) {
        self.user_action(channel_id, ActionKind::LeaveChannel);
    }

    /// User mode: asks the service to resend everything this user sees.
    pub fn refresh(&self, channel_id: &str) {
        self.user_action(channel_id, ActionKind::Refresh);
    }

    /// User mode: clicks a button, with the dialog's bottom button and arguments if any.
    pub fn click_button(
        &self,
        channel_id: &str,
        button_id: impl Into<String>,
        bottom_button_id: Option<String>,
        arguments: Vec<ClickArgument>,
    ) {
        let click = ButtonClick { button_id: button_id.into(), bottom_button_id, arguments };
        self.user_action(channel_id, ActionKind::ButtonClick(click));
    }

    /// User mode: clicks a menu item on `message`.
    pub fn click_menu_item(
        &self,
        channel_id: &str,
        menu_item_id: impl Into<String>,
        message: ClickedMessage,
        arguments: Vec<ClickArgument>,
    ) {
        let click = MenuItemClick {
            menu_item_id: menu_item_id.into(),
            message_id: message.message_id,
            message_subtype: message.message_subtype,
            message_content: message.message_content,
            bottom_button_id: None,
            arguments,
        };
        self.user_action(channel_id, ActionKind::MenuItemClick(click));
    }

    /// User mode: sends a `fetch_*` or other field-less action.
    pub fn send_action(&self, channel_id: &str, kind: ActionKind) {
        self.user_action(channel_id, kind);
    }
}
