//! What a channel actor is told: one actix message, [`ChannelEvent`], per decoded event, with
//! group ids already resolved to character ids.

use crate::client::{Lifecycle, Refusal};
use crate::protocol::{
    ButtonClick, ChannelId, CharacterId, Context, GroupId, MenuItemClick, MessageBody, MessageContent,
    MessageId, ResumeGap, UnknownEvent, UpdateBody, UpdateContent,
};

/// What a channel actor's handler returns (the client runtime's handlers return the same): an
/// error, like a panic, restarts that channel's actor alone, within its
/// [`RestartPolicy`](super::RestartPolicy); the event is reported once and not retried.
pub use crate::client::{HandlerError, HandlerResult};

/// One event for one channel, in the order the platform sent the channel's events. The message a
/// channel actor handles (`impl Handler<ChannelEvent>`).
///
/// One message type with an enum inside (rather than a message per kind) so that an actor
/// handles what it cares about in one `match` and ignores the rest with `_ => Ok(())`, so that
/// every kind of event passes through one mailbox in order, and so that a kind added later does
/// not break existing services ([`EventKind`] is `#[non_exhaustive]`).
#[derive(Debug, Clone, actix::Message)]
#[rtype(result = "HandlerResult")]
pub struct ChannelEvent {
    /// The channel (for a shared actor, the one this event is about; empty for events of the
    /// connection when shared).
    pub channel_id: ChannelId,
    /// What happened.
    pub kind: EventKind,
}

/// What happened in a channel.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventKind {
    /// The actor started (first at start-up, again after each restart): always its first event.
    /// Send what every member should see.
    Start,
    /// A user's message (service mode).
    MessageUp(ChatMessage),
    /// A service's message (user mode).
    MessageDown(ChatMessage),
    /// A user joined the channel.
    Join(CharacterId),
    /// A user left the channel.
    Leave(CharacterId),
    /// A user asks for everything it sees to be sent again.
    Refresh(CharacterId),
    /// A user's `fetch_*` action.
    Fetch(CharacterId, Fetch),
    /// A user clicked a button.
    ButtonClick(CharacterId, ButtonClick),
    /// A user clicked a right-click menu item on a message.
    MenuItemClick(CharacterId, MenuItemClick),
    /// What this user sees changed (user mode).
    Update(Update),
    /// An event of a type or subtype this crate does not know, as raw JSON.
    Unknown(UnknownEvent),
    /// The connection changed: after [`Lifecycle::Reconnected`], re-send what users see if the
    /// state may have moved on without them.
    Connection(Lifecycle),
    /// The platform refused a frame sent with `do_send` (a caller that awaits `send` gets the
    /// refusal as its error instead).
    Refused(Refusal),
    /// After a reconnect, the platform could not replay these events: consider refreshing.
    ResumeGap(ResumeGap),
    /// The periodic check-in, every `checkin_interval` of the config (the reference SDK's
    /// `on_channel_checkin`): re-sync what the channel's members see, if anything may have
    /// drifted. Not sent when the interval is zero.
    CheckIn,
}

impl EventKind {
    /// A short name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::CheckIn => "check-in",
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

/// A message as a service receives it (`message_up`) or a user-mode bot (`message_down`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    /// The channel it was said in.
    pub channel_id: ChannelId,
    /// Who said it (a user, or the character a service spoke as).
    pub sender: CharacterId,
    /// What it says.
    pub content: MessageContent,
    /// The character ids it was addressed to (resolved from the group id; empty when the group
    /// could not be resolved).
    pub recipients: Vec<CharacterId>,
    /// The group id as it arrived.
    pub recipients_group: Option<GroupId>,
    /// The platform's id of the message.
    pub message_id: Option<MessageId>,
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// Free-form metadata.
    pub context: Context,
}

impl ChatMessage {
    pub(crate) fn from_body(body: MessageBody, recipients: Vec<CharacterId>) -> Self {
        Self {
            channel_id: body.channel_id,
            sender: body.sender.unwrap_or_default(),
            content: body.content,
            recipients,
            recipients_group: body.recipients,
            message_id: body.message_id,
            timestamp: body.timestamp,
            context: body.context.unwrap_or_default(),
        }
    }

    /// The text, for a text message.
    pub fn text(&self) -> Option<&str> {
        self.content.as_text()
    }
}

/// An update as a user-mode bot receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The channel.
    pub channel_id: ChannelId,
    /// What changed.
    pub content: UpdateContent,
    /// The character ids it was addressed to (resolved from the group id).
    pub recipients: Vec<CharacterId>,
    /// For a characters update, the characters listed (resolved from the group id in
    /// [`UpdateContent::Characters`]); empty for the other kinds.
    pub characters: Vec<CharacterId>,
    /// Free-form metadata.
    pub context: Context,
}

impl Update {
    pub(crate) fn from_body(
        body: UpdateBody,
        recipients: Vec<CharacterId>,
        characters: Vec<CharacterId>,
    ) -> Self {
        let context = body.context.unwrap_or_default();
        Self { channel_id: body.channel_id, content: body.content, recipients, characters, context }
    }
}

/// Which `fetch_*` action a user sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fetch {
    /// `fetch_characters`.
    Characters,
    /// `fetch_buttons`.
    Buttons,
    /// `fetch_canvas`.
    Canvas,
    /// `fetch_style`.
    Style,
    /// `fetch_menu`.
    Menu,
    /// `fetch_channel_info`.
    ChannelInfo,
}
