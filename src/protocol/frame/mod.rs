//! Frames: everything a client sends, built as typed values. The constructors are here, one per
//! call of the reference SDK; the wire format (encoding byte-compatibly with the SDK, and the
//! platform's decoder) is in [`wire`], the hand-written reader of message frames the decoder
//! tries first in [`fast`]. Building a frame never sends it (the SDK's dry run, for free).

mod fast;
mod wire;

use super::action::{ActionBody, ActionKind, ButtonClick, MenuItemClick};
use super::ids::{ChannelId, CharacterId, GroupId, MessageId, ServiceId};
use super::message::{MessageBody, MessageContent};
use super::secret::Secret;
use super::types::{Button, CanvasItem, ChannelInfo, ClickArgument, Context, MenuItem, StyleItem};
use super::update::{UpdateBody, UpdateContent};
use derive_more::{Display, Error};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// The `auth_origin` every login sends.
pub const AUTH_ORIGIN: &str = "cognito";

/// A frame with its `request_id`: what goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The id the platform's receipt names. Fresh per new frame, kept when resent.
    pub request_id: Option<String>,
    /// The frame.
    pub frame: Frame,
}

/// The "resume" of a login: "I have handled every event up to `seq`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    /// The highest sequence number handled.
    pub seq: u64,
}

/// Everything a client sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// `heartbeat`, `body: {}`.
    Heartbeat,
    /// `service_login`: the first frame of a service's every connection.
    ServiceLogin {
        /// The service logging in.
        service_id: ServiceId,
        /// The current access token.
        access_token: Secret,
        /// Replay events after this point.
        resume: Option<Resume>,
    },
    /// `user_login`: the first frame of a user-mode client's every connection.
    UserLogin {
        /// The current access token.
        access_token: Secret,
        /// Replay events after this point.
        resume: Option<Resume>,
    },
    /// `action`, sent by a user.
    Action {
        /// The user (may be omitted: the login says who it is).
        user_id: Option<CharacterId>,
        /// What the user does.
        body: ActionBody,
    },
    /// `update`, sent by a service.
    Update {
        /// The service.
        service_id: ServiceId,
        /// What it updates.
        update: UpdatePayload,
    },
    /// `message_up`, sent by a user.
    MessageUp {
        /// The user (may be omitted).
        user_id: Option<CharacterId>,
        /// The service the SDK names (unused by the platform: the channel's binding decides).
        service_id: Option<ServiceId>,
        /// The message.
        body: MessageBody,
    },
    /// `message_down`, sent by a service.
    MessageDown {
        /// The service.
        service_id: ServiceId,
        /// The message.
        body: MessageBody,
    },
}

/// The three shapes an `update` frame takes.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdatePayload {
    /// A standard update body (characters, buttons, menu, style, canvas).
    Body(UpdateBody),
    /// `update_channel_info`: `subtype` and `channel_id` at the top level, the info as the body
    /// (the SDK's quirk, kept).
    ChannelInfo(ChannelInfo),
    /// The SDK's generic `update(data)`: the caller's data as the body, as is.
    Custom(Context),
}

/// Why a frame could not be built.
#[derive(Debug, Display, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The recipients are empty: the reference SDK sends nothing; name at least one recipient.
    #[display(
        "no recipients: the frame would reach no one, so it is not built (name at least one recipient)"
    )]
    NoRecipients,
}

/// A fresh request id: a random (v4) UUID in its hyphenated lower-case form, as the reference SDK
/// makes them; written into a stack buffer, then copied once into its `String`.
pub(crate) fn new_request_id() -> String {
    let mut buffer = uuid::Uuid::encode_buffer();
    uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer).to_owned()
}

/// Milliseconds since the Unix epoch, as message bodies carry them.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn recipients(group: GroupId) -> Result<GroupId, BuildError> {
    if group.is_empty() { Err(BuildError::NoRecipients) } else { Ok(group) }
}

impl Frame {
    /// A heartbeat.
    pub fn heartbeat() -> Self {
        Self::Heartbeat
    }

    /// A service login, without resume.
    pub fn service_login(service_id: ServiceId, access_token: impl Into<Secret>) -> Self {
        Self::ServiceLogin { service_id, access_token: access_token.into(), resume: None }
    }

    /// A user login, without resume.
    pub fn user_login(access_token: impl Into<Secret>) -> Self {
        Self::UserLogin { access_token: access_token.into(), resume: None }
    }

    fn user_action(user_id: CharacterId, channel_id: ChannelId, kind: ActionKind) -> Self {
        Self::Action {
            user_id: Some(user_id),
            body: ActionBody { channel_id, sender: None, context: Some(Context::new()), kind },
        }
    }

    /// `join_channel`: the user joins the channel.
    pub fn join_channel(user_id: CharacterId, channel_id: ChannelId) -> Self {
        Self::user_action(user_id, channel_id, ActionKind::JoinChannel)
    }

    /// `leave_channel`: the user leaves the channel.
    pub fn leave_channel(user_id: CharacterId, channel_id: ChannelId) -> Self {
        Self::user_action(user_id, channel_id, ActionKind::LeaveChannel)
    }

    /// `refresh`: the user asks the service to resend everything it sees.
    pub fn refresh(user_id: CharacterId, channel_id: ChannelId) -> Self {
        Self::user_action(user_id, channel_id, ActionKind::Refresh)
    }

    /// Another user action (`fetch_*` and the like) with no fields of its own.
    pub fn action(user_id: CharacterId, channel_id: ChannelId, kind: ActionKind) -> Self {
        Self::user_action(user_id, channel_id, kind)
    }

    /// `button_click`, with the dialog's arguments and bottom button.
    pub fn button_click(
        user_id: CharacterId,
        channel_id: ChannelId,
        button_id: impl Into<String>,
        bottom_button_id: Option<String>,
        arguments: Vec<ClickArgument>,
    ) -> Self {
        let click = ButtonClick { button_id: button_id.into(), bottom_button_id, arguments };
        Self::user_action(user_id, channel_id, ActionKind::ButtonClick(click))
    }

    /// `menu_item_click` on `message`.
    pub fn menu_item_click(
        user_id: CharacterId,
        channel_id: ChannelId,
        menu_item_id: impl Into<String>,
        message: ClickedMessage,
        bottom_button_id: Option<String>,
        arguments: Vec<ClickArgument>,
    ) -> Self {
        let click = MenuItemClick {
            menu_item_id: menu_item_id.into(),
            message_id: message.message_id,
            message_subtype: message.message_subtype,
            message_content: message.message_content,
            bottom_button_id,
            arguments,
        };
        Self::user_action(user_id, channel_id, ActionKind::MenuItemClick(click))
    }

    /// `message_up`: a user's message, stamped now.
    ///
    /// # Errors
    /// [`BuildError::NoRecipients`] when `recipients` is empty.
    pub fn message_up(
        user_id: CharacterId,
        service_id: ServiceId,
        channel_id: ChannelId,
        content: MessageContent,
        recipients_group: GroupId,
    ) -> Result<Self, BuildError> {
        Ok(Self::MessageUp {
            user_id: Some(user_id),
            service_id: Some(service_id),
            body: MessageBody {
                channel_id,
                content,
                recipients: Some(recipients(recipients_group)?),
                sender: None,
                message_id: None,
                timestamp: Some(now_millis()),
                context: Some(Context::new()),
            },
        })
    }

    /// `message_down`: a service's message spoken by `sender`, stamped now.
    ///
    /// # Errors
    /// [`BuildError::NoRecipients`] when `recipients` is empty.
    ///
    /// # Examples
    /// ```
    /// use moobius::protocol::{BuildError, Frame, MessageContent};
    /// use moobius::protocol::{ChannelId, CharacterId, GroupId, ServiceId};
    /// let (service, channel) = (ServiceId::from("svc"), ChannelId::from("chan"));
    /// let frame = Frame::message_down(service.clone(), channel.clone(), MessageContent::text("hi"), GroupId::from("group"), CharacterId::from("agent"))?;
    /// assert!(frame.to_request("id-1").encode().contains(r#""type":"message_down""#));
    /// let none = Frame::message_down(service, channel, MessageContent::text("hi"), GroupId::default(), CharacterId::from("agent"));
    /// assert_eq!(none, Err(BuildError::NoRecipients));
    /// # Ok::<(), BuildError>(())
    /// ```
    pub fn message_down(
        service_id: ServiceId,
        channel_id: ChannelId,
        content: MessageContent,
        recipients_group: GroupId,
        sender: CharacterId,
    ) -> Result<Self, BuildError> {
        Ok(Self::MessageDown {
            service_id,
            body: MessageBody {
                channel_id,
                content,
                recipients: Some(recipients(recipients_group)?),
                sender: Some(sender),
                message_id: None,
                timestamp: Some(now_millis()),
                context: Some(Context::new()),
            },
        })
    }

    fn service_update(
        service_id: ServiceId,
        channel_id: ChannelId,
        content: UpdateContent,
        recipients_group: GroupId,
    ) -> Result<Self, BuildError> {
        // The SDK sends `group_id: "temp"` and a context for these three, not for the others.
        let (group_id, context) = match content {
            UpdateContent::Buttons(_) | UpdateContent::Style(_) | UpdateContent::Canvas(_) => {
                (Some(GroupId::from("temp")), Some(Context::new()))
            }
            UpdateContent::Menu(_) => (None, Some(Context::new())),
            _ => (None, None),
        };
        Ok(Self::Update {
            service_id,
            update: UpdatePayload::Body(UpdateBody {
                channel_id,
                content,
                recipients: Some(recipients(recipients_group)?),
                group_id,
                context,
            }),
        })
    }

    /// `update` `characters`: the characters (a group id) the recipients see listed.
    ///
    /// # Errors
    /// [`BuildError::NoRecipients`] when `recipients` is empty.
    pub fn send_characters(
        service_id: ServiceId,
        channel_id: ChannelId,
        characters_group: GroupId,
        recipients_group: GroupId,
    ) -> Result<Self, BuildError> {
        let content = UpdateContent::Characters(characters_group);
        Self::service_update(service_id, channel_id, content, recipients_group)
    }

    /// `update` `buttons`.
    ///
    /// # Errors
    /// [`BuildError::NoRecipients`] when `recipients` is empty.
    pub fn send_buttons(
        service_id: ServiceId,
        channel_id: ChannelId,
        buttons: Vec<Button>,
        recipients_group: GroupId,
    ) -> Result<Self, BuildError> {
        Self::service_update(service_id, channel_id, UpdateContent::Buttons(buttons), recipients_group)
    }

    /// `update` `menu`.
    ///
    /// # Errors
    /// [`BuildError::NoRecipients`] when `recipients` is empty.
    pub fn send_menu(
        service_id: ServiceId,
        channel_id: ChannelId,
        items: Vec<MenuItem>,
        recipients_group: GroupId,
    ) -> Result<Self, BuildError> {
        Self::service_update(service_id, channel_id, UpdateContent::Menu(items), recipients_group)
    }

    /// `update` `style`.
    ///
    /// # Errors
    /// [`BuildError::NoRecipients`] when `recipients` is empty.
    pub fn send_style(
        service_id: ServiceId,
        channel_id: ChannelId,
        items: Vec<StyleItem>,
        recipients_group: GroupId,
    ) -> Result<Self, BuildError> {
        Self::service_update(service_id, channel_id, UpdateContent::Style(items), recipients_group)
    }

    /// `update` `canvas`.
    ///
    /// # Errors
    /// [`BuildError::NoRecipients`] when `recipients` is empty.
    pub fn update_canvas(
        service_id: ServiceId,
        channel_id: ChannelId,
        items: Vec<CanvasItem>,
        recipients_group: GroupId,
    ) -> Result<Self, BuildError> {
        Self::service_update(service_id, channel_id, UpdateContent::Canvas(items), recipients_group)
    }

    /// `update` `channel_info` (reaches every user in the channel).
    pub fn update_channel_info(service_id: ServiceId, info: ChannelInfo) -> Self {
        Self::Update { service_id, update: UpdatePayload::ChannelInfo(info) }
    }

    /// The SDK's generic `update(data)`: `data` is the body, as is.
    pub fn update(service_id: ServiceId, data: Context) -> Self {
        Self::Update { service_id, update: UpdatePayload::Custom(data) }
    }

    /// The wire `type`.
    pub fn frame_type(&self) -> &'static str {
        match self {
            Self::Heartbeat => "heartbeat",
            Self::ServiceLogin { .. } => "service_login",
            Self::UserLogin { .. } => "user_login",
            Self::Action { .. } => "action",
            Self::Update { .. } => "update",
            Self::MessageUp { .. } => "message_up",
            Self::MessageDown { .. } => "message_down",
        }
    }

    /// This frame with a fresh request id (UUID v4).
    pub fn into_request(self) -> Request {
        Request { request_id: Some(crate::protocol::new_request_id()), frame: self }
    }

    /// This frame with the given request id.
    pub fn to_request(&self, request_id: impl Into<String>) -> Request {
        Request { request_id: Some(request_id.into()), frame: self.clone() }
    }
}

/// The message a menu item was clicked on.
#[derive(Debug, Clone, PartialEq)]
pub struct ClickedMessage {
    /// Its id.
    pub message_id: MessageId,
    /// Its subtype.
    pub message_subtype: String,
    /// Its content.
    pub message_content: Context,
}

impl ClickedMessage {
    /// A message known only by its id (the SDK sends `<unknown>` and `{}`).
    pub fn by_id(message_id: MessageId) -> Self {
        Self { message_id, message_subtype: "<unknown>".to_owned(), message_content: Context::new() }
    }

    /// A message known in full.
    pub fn full(message_id: MessageId, content: &MessageContent) -> Self {
        let message_content = match serde_json::to_value(content) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => Context::new(),
        };
        Self { message_id, message_subtype: content.subtype().to_owned(), message_content }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_integer_in_a_custom_update_survives_a_round_trip() {
        // Found by the roundtrip fuzz target: without serde_json's `float_roundtrip`, this parsed
        // to another f64 than its own encoding `1.0000000000000001e+45` did.
        let text = r#"{"body":{"content":{"x":1000000000000000000000000000000000000000000000},"subtype":"custom"},"request_id":"r","service_id":"s","type":"update"}"#;
        let request = Request::decode(text).unwrap();
        assert_eq!(Request::decode(&request.encode()).unwrap(), request);
    }

    #[test]
    fn request_ids_are_fresh_hyphenated_v4_uuids_as_the_sdk_makes_them() {
        let (a, b) = (new_request_id(), new_request_id());
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(a, parsed.hyphenated().to_string(), "hyphenated, lower case");
        assert_eq!(Frame::Heartbeat.into_request().request_id.map(|id| id.len()), Some(36));
    }
}
