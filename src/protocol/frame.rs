//! Frames: everything a client sends, built as typed values and encoded byte-compatibly with the
//! reference SDK. Building a frame never sends it (the SDK's dry run, for free).

use super::action::{
    ActionBody, ActionDecode, ActionKind, ActionSer, ArgumentShape, ButtonClick, MenuItemClick,
};
use super::body::BodyWire;
use super::error::{DecodeError, DecodeErrorKind, check_object, parse};
use super::ids::{ChannelId, CharacterId, GroupId, MessageId, ServiceId};
use super::message::{MessageBody, MessageContent};
use super::secret::Secret;
use super::types::{Button, CanvasItem, ChannelInfo, ClickArgument, Context, MenuItem, StyleItem};
use super::update::{UpdateBody, UpdateContent, UpdateDecode};
use derive_more::{Display, Error};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
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
        Request { request_id: Some(uuid::Uuid::new_v4().to_string()), frame: self }
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

impl Request {
    /// Encodes the frame as JSON text.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("frames serialize to JSON")
    }

    /// Decodes a frame a client sent (what the platform reads).
    ///
    /// # Errors
    /// A [`DecodeError`] naming what was wrong; it carries the `request_id` when one could be read.
    ///
    /// # Examples
    /// ```
    /// use moobius::protocol::{Frame, Request};
    /// let request = Request::decode(r#"{"type":"heartbeat","request_id":"r1","body":{}}"#)?;
    /// assert_eq!(request.frame, Frame::Heartbeat);
    /// let err = Request::decode(r#"{"type":"warp","request_id":"r2"}"#).unwrap_err();
    /// assert_eq!(err.request_id(), Some("r2"));
    /// # Ok::<(), moobius::protocol::DecodeError>(())
    /// ```
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        check_object(text)?;
        // Fast path: one pass, the body read into the union of body fields as it streams by.
        if let Ok(mut wire) = serde_json::from_str::<FrameWire<'_, BodyWire<'_>>>(text) {
            let request_id = wire.request_id.take();
            match wire.into_frame() {
                Ok(Some(frame)) => return Ok(Self { request_id, frame }),
                Ok(None) => {}
                Err(error) => return Err(error.with_request_id(request_id)),
            }
        }
        // Slow path: bodies kept raw (channel info, generic updates) and invalid frames, whose
        // errors name the field.
        let mut wire: FrameWire<'_, &RawValue> = match parse(text, "") {
            Ok(wire) => wire,
            Err(error) => return Err(error.with_request_id(read_request_id(text))),
        };
        let request_id = wire.request_id.take();
        match wire.into_frame() {
            Ok(Some(frame)) => Ok(Self { request_id, frame }),
            Ok(None) => unreachable!("a raw body is always readable"),
            Err(error) => Err(error.with_request_id(request_id)),
        }
    }
}

fn read_request_id(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Id {
        request_id: Option<String>,
    }
    serde_json::from_str::<Id>(text).ok()?.request_id
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "B: Deserialize<'de>"))]
struct FrameWire<'a, B> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    request_id: Option<String>,
    body: Option<B>,
    service_id: Option<ServiceId>,
    user_id: Option<CharacterId>,
    access_token: Option<Secret>,
    resume: Option<Resume>,
    #[serde(borrow)]
    subtype: Option<Cow<'a, str>>,
}

/// A frame's body as read: the union of body fields, read in the same pass as the frame (the
/// fast path), or its raw text, read again on its own so that errors name the field (the slow
/// path, and the only one that keeps the raw text the SDK's channel-info and generic updates need).
trait FrameBody<'a> {
    fn message(self) -> Result<MessageBody, DecodeError>;
    fn action(self) -> Result<ActionBody, ActionDecode>;
    fn update(self) -> Result<UpdateBody, UpdateDecode>;
    /// The raw text, when this reading kept it.
    fn raw(&self) -> Option<&'a str>;
}

impl<'a> FrameBody<'a> for &'a RawValue {
    fn message(self) -> Result<MessageBody, DecodeError> {
        MessageBody::decode(self.get(), "body")
    }
    fn action(self) -> Result<ActionBody, ActionDecode> {
        ActionBody::decode(self.get(), "body")
    }
    fn update(self) -> Result<UpdateBody, UpdateDecode> {
        UpdateBody::decode(self.get(), "body")
    }
    fn raw(&self) -> Option<&'a str> {
        Some(self.get())
    }
}

impl<'a> FrameBody<'a> for BodyWire<'a> {
    fn message(self) -> Result<MessageBody, DecodeError> {
        MessageBody::from_wire(self, "body")
    }
    fn action(self) -> Result<ActionBody, ActionDecode> {
        ActionBody::from_wire(self, "body")
    }
    fn update(self) -> Result<UpdateBody, UpdateDecode> {
        UpdateBody::from_wire(self, "body")
    }
    fn raw(&self) -> Option<&'a str> {
        None
    }
}

impl<'a, B: FrameBody<'a>> FrameWire<'a, B> {
    /// The frame; `Ok(None)` when its body must be read raw (the caller takes the slow path).
    fn into_frame(self) -> Result<Option<Frame>, DecodeError> {
        let kind = &*self.kind;
        let body = self.body.ok_or_else(|| {
            DecodeError::field("body", format!("missing: a `{kind}` frame carries a body object"))
        });
        let service_id = |id: Option<ServiceId>| id.ok_or_else(|| DecodeError::missing("service_id"));
        let access_token = |token: Option<Secret>| token.ok_or_else(|| DecodeError::missing("access_token"));
        Ok(Some(match kind {
            "heartbeat" => Frame::Heartbeat,
            "service_login" => Frame::ServiceLogin {
                service_id: service_id(self.service_id)?,
                access_token: access_token(self.access_token)?,
                resume: self.resume,
            },
            "user_login" => {
                Frame::UserLogin { access_token: access_token(self.access_token)?, resume: self.resume }
            }
            "action" => match body?.action() {
                Ok(body) => Frame::Action { user_id: self.user_id, body },
                Err(ActionDecode::Invalid(error)) => return Err(error),
                Err(ActionDecode::Unknown(subtype)) => {
                    return Err(DecodeError::new(DecodeErrorKind::UnknownSubtype {
                        frame_type: "action".to_owned(),
                        subtype,
                    }));
                }
            },
            "update" => {
                let service_id = service_id(self.service_id)?;
                let body = body?;
                let raw = body.raw();
                let update = if self.subtype.as_deref() == Some("channel_info") {
                    let Some(raw) = raw else { return Ok(None) };
                    UpdatePayload::ChannelInfo(parse(raw, "body")?)
                } else {
                    match body.update() {
                        Ok(update) => UpdatePayload::Body(update),
                        Err(UpdateDecode::Invalid(error)) => return Err(error),
                        Err(UpdateDecode::Unknown) => match raw {
                            Some(raw) => UpdatePayload::Custom(parse(raw, "body")?),
                            None => return Ok(None),
                        },
                    }
                };
                Frame::Update { service_id, update }
            }
            "message_up" => Frame::MessageUp {
                user_id: self.user_id,
                service_id: self.service_id,
                body: body?.message()?,
            },
            "message_down" => {
                Frame::MessageDown { service_id: service_id(self.service_id)?, body: body?.message()? }
            }
            other => {
                return Err(DecodeError::new(DecodeErrorKind::UnknownType { frame_type: other.to_owned() }));
            }
        }))
    }
}

#[derive(Serialize)]
struct ChannelInfoContext<'a> {
    channel_description: &'a str,
    channel_type: &'a str,
}

#[derive(Serialize)]
struct ChannelInfoBody<'a> {
    #[serde(flatten)]
    info: &'a ChannelInfo,
    context: ChannelInfoContext<'a>,
}

struct Empty;

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_map(Some(0))?.end()
    }
}

impl Serialize for Request {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", self.frame.frame_type())?;
        if let Some(id) = &self.request_id {
            map.serialize_entry("request_id", id)?;
        }
        match &self.frame {
            Frame::Heartbeat => map.serialize_entry("body", &Empty)?,
            Frame::ServiceLogin { service_id, access_token, resume } => {
                map.serialize_entry("auth_origin", AUTH_ORIGIN)?;
                map.serialize_entry("access_token", access_token)?;
                map.serialize_entry("service_id", service_id)?;
                if let Some(resume) = resume {
                    map.serialize_entry("resume", resume)?;
                }
            }
            Frame::UserLogin { access_token, resume } => {
                map.serialize_entry("auth_origin", AUTH_ORIGIN)?;
                map.serialize_entry("access_token", access_token)?;
                if let Some(resume) = resume {
                    map.serialize_entry("resume", resume)?;
                }
            }
            Frame::Action { user_id, body } => {
                if let Some(user_id) = user_id {
                    map.serialize_entry("user_id", user_id)?;
                }
                map.serialize_entry("body", &ActionSer(body, ArgumentShape::Wrapped))?;
            }
            Frame::Update { service_id, update } => {
                map.serialize_entry("service_id", service_id)?;
                match update {
                    UpdatePayload::Body(body) => map.serialize_entry("body", body)?,
                    UpdatePayload::ChannelInfo(info) => {
                        map.serialize_entry("subtype", "channel_info")?;
                        map.serialize_entry("channel_id", &info.channel_id)?;
                        let context = ChannelInfoContext {
                            channel_description: &info.channel_description,
                            channel_type: &info.channel_type,
                        };
                        map.serialize_entry("body", &ChannelInfoBody { info, context })?;
                    }
                    UpdatePayload::Custom(data) => map.serialize_entry("body", data)?,
                }
            }
            Frame::MessageUp { user_id, service_id, body } => {
                if let Some(user_id) = user_id {
                    map.serialize_entry("user_id", user_id)?;
                }
                if let Some(service_id) = service_id {
                    map.serialize_entry("service_id", service_id)?;
                }
                map.serialize_entry("body", body)?;
            }
            Frame::MessageDown { service_id, body } => {
                map.serialize_entry("service_id", service_id)?;
                map.serialize_entry("body", body)?;
            }
        }
        map.end()
    }
}
