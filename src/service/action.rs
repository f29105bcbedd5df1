//! The typed action messages a channel actor sends to its [`Outbox`]: each is an actix message
//! whose answer is the platform's [`ActionReceipt`] or an [`ActionError`]. `do_send` fires and
//! forgets; `send(..).await` waits for the receipt. Which messages an outbox accepts depends on
//! its role: [`AsService`] sends messages, buttons, menus, style, canvas, characters and channel
//! info; [`AsUser`] sends messages, joins, leaves, refreshes and clicks.
//!
//! ```
//! # use moobius::prelude::*;
//! fn demo(service: actix::Addr<Outbox<AsService>>, user: actix::Addr<Outbox<AsUser>>, channel: ChannelId, to: CharacterId) {
//!     service.do_send(SendButtons::new(channel.clone(), vec![], &to));
//!     service.do_send(SendMessage::text(channel.clone(), "hi", &to));
//!     user.do_send(JoinChannel(channel.clone()));
//!     user.do_send(SendMessage::text(channel, "hi", to));
//! }
//! ```
//!
//! The same calls with the roles swapped do not compile:
//!
//! ```compile_fail
//! # use moobius::prelude::*;
//! # fn demo(user: actix::Addr<Outbox<AsUser>>, channel: ChannelId, to: CharacterId) {
//! // A user-mode bot cannot show buttons: only a service can.
//! user.do_send(SendButtons::new(channel, vec![], to));
//! # }
//! ```
//!
//! ```compile_fail
//! # use moobius::prelude::*;
//! # fn demo(service: actix::Addr<Outbox<AsService>>, channel: ChannelId) {
//! // A service does not join channels: it is bound to them.
//! service.do_send(JoinChannel(channel));
//! # }
//! ```

use super::outbox::{ActionResponse, Draft, Outbox, Speaker};
use super::recipients::Recipients;
use super::role::{AsService, AsUser};
use crate::client::ClientError;
use crate::http::{HttpError, HttpErrorKind, Profile};
use crate::protocol::{
    ActionKind, Button, ButtonClick, CanvasItem, ChannelId, ChannelInfo, Character, CharacterId,
    ClickArgument, ClickedMessage, Frame, MenuItem, MenuItemClick, MessageContent, StyleItem, UpdateContent,
};
use actix::prelude::*;
use derive_more::Display;
use std::time::Duration;

/// The platform acknowledged an action's frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionReceipt {
    /// The frame's `request_id`, as the receipt named it.
    pub request_id: String,
    /// From the frame's (last) write to its receipt.
    pub latency: Duration,
}

/// Why an action was not done. `Display` quotes the error it wraps (an HTTP or queue error);
/// `source()` is that error's own source.
#[derive(Debug, Display)]
#[display("{kind}")]
pub struct ActionError {
    kind: ActionErrorKind,
}

impl std::error::Error for ActionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ActionErrorKind::Group(error) | ActionErrorKind::Http(error) | ActionErrorKind::Upload(error) => {
                error.source()
            }
            ActionErrorKind::Queue(error) => error.source(),
            _ => None,
        }
    }
}

impl ActionError {
    pub(crate) fn new(kind: ActionErrorKind) -> Self {
        Self { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ActionErrorKind {
        &self.kind
    }

    /// The platform's reason, for a refusal.
    pub fn refusal_reason(&self) -> Option<&str> {
        match &self.kind {
            ActionErrorKind::Refused { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }
}

/// What went wrong with an action.
#[derive(Debug, Display)]
#[non_exhaustive]
pub enum ActionErrorKind {
    /// The platform refused the frame (`status: false`); its reason says why.
    #[display(
        "the platform refused frame {request_id}: {}",
        reason.as_deref().unwrap_or("no reason given")
    )]
    Refused {
        /// The refused frame's id.
        request_id: String,
        /// The platform's reason.
        reason: Option<String>,
    },
    /// The recipients were empty: nothing is sent (as the reference SDK). Name at least one.
    #[display("no recipients: nothing was sent (name at least one recipient)")]
    NoRecipients,
    /// A list of characters could not be made a group id.
    #[display("the recipients' group could not be made: {_0}")]
    Group(HttpError),
    /// A list of characters needs the HTTP API, and this service has no HTTP session.
    #[display("a list of characters needs an HTTP session to become a group id; pass a GroupId")]
    NoHttp,
    /// The outbound queue refused the frame (full, or the runtime stopped).
    #[display("the outbound queue did not take the frame: {_0}")]
    Queue(ClientError),
    /// The runtime stopped before the receipt came.
    #[display("the runtime stopped before frame {request_id} was acknowledged")]
    Gone {
        /// The frame's id.
        request_id: String,
    },
    /// A local file of the action (an image, audio, file or canvas image given as a path) could
    /// not be uploaded: the file is missing or unreadable, the platform refused it (too large,
    /// full), or the service has no HTTP session.
    #[display("a local file of the action could not be uploaded: {_0}")]
    Upload(HttpError),
    /// An HTTP call of the action failed (creating an agent).
    #[display("the action's HTTP call failed: {_0}")]
    Http(HttpError),
    /// The role cannot send this (only reachable through [`SendFrame`]-like misuse).
    #[display("{detail}")]
    WrongRole {
        /// What was asked.
        detail: String,
    },
}

/// Implements `Message` (answered with a receipt) and the outbox handlers of the roles given.
macro_rules! action {
    ($name:ident => $($role:ty),+ ; |$msg:ident| $draft:expr) => {
        impl actix::Message for $name {
            type Result = Result<ActionReceipt, ActionError>;
        }
        $(
            impl Handler<$name> for Outbox<$role> {
                type Result = ActionResponse;
                fn handle(&mut self, $msg: $name, _ctx: &mut Context<Self>) -> ActionResponse {
                    self.submit($draft)
                }
            }
        )+
    };
}

/// Sends a message: `message_down` spoken by the service (or one of its agents), or a user's
/// `message_up`.
///
/// An image, audio or file given as a local path (not a URL) is uploaded first, once per
/// distinct content per service, and its URL sent; a file's empty `filename` and zero `size` are
/// filled in (from the local file, or for a URL from a `HEAD`), as the reference SDK's
/// `send_message` does. A missing file fails the action ([`ActionErrorKind::Upload`]).
///
/// # Examples
/// ```
/// use moobius::prelude::*;
/// let to = CharacterId::from("user-1");
/// let message = SendMessage::text(ChannelId::from("c-1"), "hello", &to);
/// assert_eq!(message.content, MessageContent::text("hello"));
/// ```
#[derive(Debug, Clone)]
pub struct SendMessage {
    /// The channel.
    pub channel_id: ChannelId,
    /// What it says.
    pub content: MessageContent,
    /// Who sees it.
    pub recipients: Recipients,
    /// Who it is shown as (service mode; default: the service itself).
    pub sender: Option<CharacterId>,
}

impl SendMessage {
    /// `content` to `recipients` in `channel_id`.
    pub fn new(channel_id: ChannelId, content: MessageContent, recipients: impl Into<Recipients>) -> Self {
        Self { channel_id, content, recipients: recipients.into(), sender: None }
    }

    /// A text message.
    pub fn text(channel_id: ChannelId, text: impl Into<String>, recipients: impl Into<Recipients>) -> Self {
        Self::new(channel_id, MessageContent::Text(text.into()), recipients)
    }

    /// An image: a URL, or a local file uploaded before sending.
    ///
    /// # Examples
    /// ```
    /// use moobius::prelude::*;
    /// let to = CharacterId::from("user-1");
    /// let local = SendMessage::image(ChannelId::from("c-1"), "images/cat.png", &to); // uploaded
    /// let remote = SendMessage::image(ChannelId::from("c-1"), "https://example.com/cat.png", &to);
    /// # let _ = (local, remote);
    /// ```
    pub fn image(
        channel_id: ChannelId,
        path_or_url: impl Into<String>,
        recipients: impl Into<Recipients>,
    ) -> Self {
        Self::new(channel_id, MessageContent::Image(path_or_url.into()), recipients)
    }

    /// An audio message: a URL, or a local file uploaded before sending.
    pub fn audio(
        channel_id: ChannelId,
        path_or_url: impl Into<String>,
        recipients: impl Into<Recipients>,
    ) -> Self {
        Self::new(channel_id, MessageContent::Audio(path_or_url.into()), recipients)
    }

    /// A downloadable file: a URL, or a local file uploaded before sending; its name (the last
    /// part of the path) and size are filled in.
    ///
    /// # Examples
    /// ```
    /// use moobius::prelude::*;
    /// let message = SendMessage::file(ChannelId::from("c-1"), "reports/q3.pdf", CharacterId::from("user-1"));
    /// assert!(matches!(message.content, MessageContent::File { size: 0, .. }));
    /// ```
    pub fn file(
        channel_id: ChannelId,
        path_or_url: impl Into<String>,
        recipients: impl Into<Recipients>,
    ) -> Self {
        let content = MessageContent::File { path: path_or_url.into(), filename: String::new(), size: 0 };
        Self::new(channel_id, content, recipients)
    }

    /// Spoken by `sender` (an agent of this service) rather than by the service itself.
    pub fn as_character(mut self, sender: CharacterId) -> Self {
        self.sender = Some(sender);
        self
    }
}

action!(SendMessage => AsService, AsUser; |m| Draft::Message {
    channel_id: m.channel_id, content: m.content, recipients: m.recipients, sender: m.sender,
});

macro_rules! update_action {
    ($(#[$doc:meta])* $name:ident, $field:ident: $item:ty, $variant:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            /// The channel.
            pub channel_id: ChannelId,
            /// What to show.
            pub $field: Vec<$item>,
            /// Who sees it.
            pub recipients: Recipients,
        }

        impl $name {
            /// Shows `items` to `recipients` in `channel_id`.
            pub fn new(channel_id: ChannelId, $field: Vec<$item>, recipients: impl Into<Recipients>) -> Self {
                Self { channel_id, $field, recipients: recipients.into() }
            }
        }

        action!($name => AsService; |m| Draft::Update {
            channel_id: m.channel_id, content: UpdateContent::$variant(m.$field), recipients: m.recipients,
        });
    };
}

update_action!(
    /// Shows buttons above the chat box (service mode).
    SendButtons, buttons: Button, Buttons
);
update_action!(
    /// Sets the right-click menu on messages (service mode).
    SendMenu, items: MenuItem, Menu
);
update_action!(
    /// Sets how widgets are shown: visible, invisible, highlighted, expanded (service mode).
    SendStyle, items: StyleItem, Style
);
update_action!(
    /// Sets the canvas (service mode). An item's image given as a local path is uploaded first
    /// (once per content) and its URL sent.
    SendCanvas, items: CanvasItem, Canvas
);

/// Sets the characters listed in the channel (service mode).
#[derive(Debug, Clone)]
pub struct SendCharacters {
    /// The channel.
    pub channel_id: ChannelId,
    /// The characters to list.
    pub characters: Vec<CharacterId>,
    /// Who sees the list.
    pub recipients: Recipients,
}

impl SendCharacters {
    /// Lists `characters` to `recipients` in `channel_id`.
    pub fn new(
        channel_id: ChannelId,
        characters: Vec<CharacterId>,
        recipients: impl Into<Recipients>,
    ) -> Self {
        Self { channel_id, characters, recipients: recipients.into() }
    }
}

action!(SendCharacters => AsService; |m| Draft::Characters {
    channel_id: m.channel_id, characters: m.characters, recipients: m.recipients,
});

/// Sets the channel's name, description and type for everyone in it (service mode).
#[derive(Debug, Clone)]
pub struct SendChannelInfo(pub ChannelInfo);

action!(SendChannelInfo => AsService; |m| Draft::ChannelInfo(m.0));

/// Sends a frame built by the program, in order with the other actions.
#[derive(Debug, Clone)]
pub struct SendFrame(pub Frame);

action!(SendFrame => AsService, AsUser; |m| Draft::Raw(m.0));

/// Joins a channel (user mode).
#[derive(Debug, Clone)]
pub struct JoinChannel(pub ChannelId);

action!(JoinChannel => AsUser; |m| Draft::User { channel_id: m.0, kind: ActionKind::JoinChannel });

/// Leaves a channel (user mode).
#[derive(Debug, Clone)]
pub struct LeaveChannel(pub ChannelId);

action!(LeaveChannel => AsUser; |m| Draft::User { channel_id: m.0, kind: ActionKind::LeaveChannel });

/// Asks the service to send again everything this user sees (user mode).
#[derive(Debug, Clone)]
pub struct Refresh(pub ChannelId);

action!(Refresh => AsUser; |m| Draft::User { channel_id: m.0, kind: ActionKind::Refresh });

/// Sends a field-less user action such as `fetch_buttons` (user mode).
#[derive(Debug, Clone)]
pub struct SendAction {
    /// The channel.
    pub channel_id: ChannelId,
    /// The action.
    pub kind: ActionKind,
}

action!(SendAction => AsUser; |m| Draft::User { channel_id: m.channel_id, kind: m.kind });

/// Clicks a button, with its dialog's bottom button and arguments if any (user mode).
#[derive(Debug, Clone)]
pub struct ClickButton {
    /// The channel.
    pub channel_id: ChannelId,
    /// The click.
    pub click: ButtonClick,
}

impl ClickButton {
    /// A plain click on `button_id`.
    pub fn new(channel_id: ChannelId, button_id: impl Into<String>) -> Self {
        let click =
            ButtonClick { button_id: button_id.into(), bottom_button_id: None, arguments: Vec::new() };
        Self { channel_id, click }
    }

    /// Submitted from the dialog with `bottom_button_id` and these arguments.
    pub fn submit(mut self, bottom_button_id: impl Into<String>, arguments: Vec<ClickArgument>) -> Self {
        self.click.bottom_button_id = Some(bottom_button_id.into());
        self.click.arguments = arguments;
        self
    }
}

action!(ClickButton => AsUser; |m| Draft::User { channel_id: m.channel_id, kind: ActionKind::ButtonClick(m.click) });

/// Clicks a right-click menu item on a message (user mode).
#[derive(Debug, Clone)]
pub struct ClickMenuItem {
    /// The channel.
    pub channel_id: ChannelId,
    /// The click.
    pub click: MenuItemClick,
}

impl ClickMenuItem {
    /// A click on `menu_item_id` on `message`.
    pub fn new(channel_id: ChannelId, menu_item_id: impl Into<String>, message: ClickedMessage) -> Self {
        let click = MenuItemClick {
            menu_item_id: menu_item_id.into(),
            message_id: message.message_id,
            message_subtype: message.message_subtype,
            message_content: message.message_content,
            bottom_button_id: None,
            arguments: Vec::new(),
        };
        Self { channel_id, click }
    }
}

action!(ClickMenuItem => AsUser; |m| Draft::User { channel_id: m.channel_id, kind: ActionKind::MenuItemClick(m.click) });

/// Creates an agent, a character this service may speak as (service mode, over HTTP). Answered
/// with the agent's profile.
///
/// # Examples
/// ```
/// use moobius::service::CreateAgent;
/// let agent = CreateAgent::new("Echo", "repeats you").avatar("avatars/echo.png"); // uploaded
/// assert_eq!(agent.avatar, "avatars/echo.png");
/// ```
#[derive(Debug, Clone)]
pub struct CreateAgent {
    /// Its display name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its avatar: a URL, a local file (uploaded first, once per content), or empty for none.
    pub avatar: String,
}

impl CreateAgent {
    /// An agent named `name`, without an avatar.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self { name: name.into(), description: description.into(), avatar: String::new() }
    }

    /// With this avatar: a URL, or a local file uploaded first.
    pub fn avatar(mut self, path_or_url: impl Into<String>) -> Self {
        self.avatar = path_or_url.into();
        self
    }
}

impl actix::Message for CreateAgent {
    type Result = Result<Character, ActionError>;
}

impl Handler<CreateAgent> for Outbox<AsService> {
    type Result = ResponseFuture<Result<Character, ActionError>>;

    fn handle(&mut self, msg: CreateAgent, _ctx: &mut Context<Self>) -> Self::Result {
        let http = self.http().cloned();
        let service_id = match self.speaker() {
            Speaker::Service(id) => id.clone(),
            Speaker::User(_) => unreachable!("an Outbox<AsService> speaks for a service"),
        };
        let profile = Profile::new(msg.name, msg.avatar, msg.description);
        Box::pin(async move {
            let http = http.ok_or_else(|| {
                ActionError::new(ActionErrorKind::Http(HttpError::new(HttpErrorKind::InvalidRequest {
                    call: "POST /service/character/create".to_owned(),
                    detail: "this service has no HTTP session".to_owned(),
                })))
            })?;
            http.create_agent(&service_id, &profile)
                .await
                .map_err(|e| ActionError::new(ActionErrorKind::Http(e)))
        })
    }
}

/// The outbox address of a role: what a channel actor sends its actions to.
pub type Actions<R> = Addr<Outbox<R>>;
