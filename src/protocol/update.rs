//! Updates: what a service makes its users see (characters, buttons, menu, style, canvas,
//! channel info), as sent and as received.

use super::body::BodyWire;
use super::error::{DecodeError, join, parse};
use super::ids::{ChannelId, GroupId};
use super::types::{Button, CanvasItem, ChannelInfo, Context, MenuItem, StyleItem};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// What an update sets, by subtype.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateContent {
    /// `characters`: `{characters: <group id>}`, the characters listed in the channel.
    Characters(GroupId),
    /// `buttons`: the button bar.
    Buttons(Vec<Button>),
    /// `menu`: the right-click menu on messages.
    Menu(Vec<MenuItem>),
    /// `style`: how widgets are shown.
    Style(Vec<StyleItem>),
    /// `canvas`: the canvas.
    Canvas(Vec<CanvasItem>),
    /// `channel_info`: the channel's name and description.
    ChannelInfo(ChannelInfo),
}

impl UpdateContent {
    /// The wire `subtype`.
    pub fn subtype(&self) -> &'static str {
        match self {
            Self::Characters(_) => "characters",
            Self::Buttons(_) => "buttons",
            Self::Menu(_) => "menu",
            Self::Style(_) => "style",
            Self::Canvas(_) => "canvas",
            Self::ChannelInfo(_) => "channel_info",
        }
    }
}

impl Serialize for UpdateContent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Characters(group) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("characters", group)?;
                map.end()
            }
            Self::Buttons(items) => items.serialize(serializer),
            Self::Menu(items) => items.serialize(serializer),
            Self::Style(items) => items.serialize(serializer),
            Self::Canvas(items) => items.serialize(serializer),
            Self::ChannelInfo(info) => info.serialize(serializer),
        }
    }
}

/// The body of an `update`, as a service sends it and as a user receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateBody {
    /// The channel.
    pub channel_id: ChannelId,
    /// What is set; its subtype goes on the wire as `subtype`.
    pub content: UpdateContent,
    /// The group id of the users who see it.
    pub recipients: Option<GroupId>,
    /// The reference SDK sends `"temp"` here for buttons, style and canvas.
    pub group_id: Option<GroupId>,
    /// Free-form metadata.
    pub context: Option<Context>,
}

#[derive(Serialize)]
struct UpdateOut<'a> {
    subtype: &'static str,
    channel_id: &'a str,
    content: &'a UpdateContent,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipients: &'a Option<GroupId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: &'a Option<GroupId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: &'a Option<Context>,
}

impl Serialize for UpdateBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        UpdateOut {
            subtype: self.content.subtype(),
            channel_id: &self.channel_id,
            content: &self.content,
            recipients: &self.recipients,
            group_id: &self.group_id,
            context: &self.context,
        }
        .serialize(serializer)
    }
}

/// Why an update body did not decode into a known update.
pub(crate) enum UpdateDecode {
    /// A subtype this crate does not know.
    Unknown,
    /// A known subtype with bad fields, or bad JSON.
    Invalid(DecodeError),
}

impl From<DecodeError> for UpdateDecode {
    fn from(error: DecodeError) -> Self {
        Self::Invalid(error)
    }
}

impl UpdateBody {
    /// Decodes a body from raw JSON; `path` names the body in errors.
    pub(crate) fn decode(body: &str, path: &str) -> Result<Self, UpdateDecode> {
        Self::from_wire(parse(body, path)?, path)
    }

    /// Builds the body from its fields, checking what the subtype requires.
    pub(crate) fn from_wire(wire: BodyWire<'_>, path: &str) -> Result<Self, UpdateDecode> {
        #[derive(Deserialize)]
        struct Characters {
            characters: GroupId,
        }
        let known = ["characters", "buttons", "menu", "style", "canvas", "channel_info"];
        let subtype = match wire.subtype.as_deref() {
            Some(subtype) if known.contains(&subtype) => subtype,
            _ => return Err(UpdateDecode::Unknown),
        };
        let at = join(path, "content");
        let raw = wire.content.ok_or_else(|| DecodeError::missing(&at))?.get();
        let channel_id = wire.channel_id.ok_or_else(|| DecodeError::missing(join(path, "channel_id")))?;
        let content = match subtype {
            "characters" => UpdateContent::Characters(parse::<Characters>(raw, &at)?.characters),
            "buttons" => UpdateContent::Buttons(parse(raw, &at)?),
            "menu" => UpdateContent::Menu(parse(raw, &at)?),
            "style" => UpdateContent::Style(parse(raw, &at)?),
            "canvas" => UpdateContent::Canvas(parse(raw, &at)?),
            _ => UpdateContent::ChannelInfo(parse(raw, &at)?),
        };
        Ok(Self {
            channel_id,
            content,
            recipients: wire.recipients,
            group_id: wire.group_id,
            context: wire.context,
        })
    }
}
