//! Chat messages: the body of `message_up` and `message_down`, in both directions.

use super::body::BodyWire;
use super::error::{DecodeError, join, parse};
use super::ids::{ChannelId, CharacterId, GroupId, MessageId};
use super::types::Context;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// What a message says, by subtype (`text`, `image`, `audio`, `file`, `card`).
#[derive(Debug, Clone, PartialEq)]
pub enum MessageContent {
    /// `text`: `{text}`.
    Text(String),
    /// `image`: `{path}`, a URL.
    Image(String),
    /// `audio`: `{path}`, a URL.
    Audio(String),
    /// `file`: `{path, filename, size}`.
    File {
        /// The file's URL.
        path: String,
        /// The name shown.
        filename: String,
        /// Its size in bytes.
        size: u64,
    },
    /// `card`: `{link, title, button, text}`.
    Card {
        /// Where the card leads.
        link: String,
        /// Its title.
        title: String,
        /// The label of its button.
        button: String,
        /// Its text.
        text: String,
    },
    /// A subtype this crate does not know, kept as is.
    Other {
        /// The subtype.
        subtype: String,
        /// The content, as JSON.
        content: serde_json::Value,
    },
}

impl MessageContent {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// The subtype this content goes under on the wire.
    pub fn subtype(&self) -> &str {
        match self {
            Self::Text(_) => "text",
            Self::Image(_) => "image",
            Self::Audio(_) => "audio",
            Self::File { .. } => "file",
            Self::Card { .. } => "card",
            Self::Other { subtype, .. } => subtype,
        }
    }

    /// The text of a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }

    /// Decodes `content` (raw JSON) for `subtype`. `path` names `content` in errors.
    pub(crate) fn decode(subtype: &str, content: &str, path: &str) -> Result<Self, DecodeError> {
        #[derive(Deserialize)]
        struct Text {
            text: String,
        }
        #[derive(Deserialize)]
        struct Path {
            path: String,
        }
        #[derive(Deserialize)]
        struct File {
            path: String,
            filename: String,
            size: u64,
        }
        #[derive(Deserialize)]
        struct Card {
            link: String,
            title: String,
            button: String,
            text: String,
        }
        Ok(match subtype {
            "text" => Self::Text(parse::<Text>(content, path)?.text),
            "image" => Self::Image(parse::<Path>(content, path)?.path),
            "audio" => Self::Audio(parse::<Path>(content, path)?.path),
            "file" => {
                let File { path: p, filename, size } = parse(content, path)?;
                Self::File { path: p, filename, size }
            }
            "card" => {
                let Card { link, title, button, text } = parse(content, path)?;
                Self::Card { link, title, button, text }
            }
            other => Self::Other { subtype: other.to_owned(), content: parse(content, path)? },
        })
    }
}

impl Serialize for MessageContent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map;
        match self {
            Self::Text(text) => {
                map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("text", text)?;
            }
            Self::Image(path) | Self::Audio(path) => {
                map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("path", path)?;
            }
            Self::File { path, filename, size } => {
                map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("path", path)?;
                map.serialize_entry("filename", filename)?;
                map.serialize_entry("size", size)?;
            }
            Self::Card { link, title, button, text } => {
                map = serializer.serialize_map(Some(4))?;
                map.serialize_entry("link", link)?;
                map.serialize_entry("title", title)?;
                map.serialize_entry("button", button)?;
                map.serialize_entry("text", text)?;
            }
            Self::Other { content, .. } => return content.serialize(serializer),
        }
        map.end()
    }
}

/// The body of a message, sent (`message_up` by a user, `message_down` by a service) or
/// received (with `sender`, `message_id` and `timestamp` set by the platform).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageBody {
    /// The channel the message is in.
    pub channel_id: ChannelId,
    /// What it says; its subtype goes on the wire as `subtype`.
    pub content: MessageContent,
    /// The group id of the recipients.
    pub recipients: Option<GroupId>,
    /// The character shown as the author.
    pub sender: Option<CharacterId>,
    /// The platform's id of the message (events only).
    pub message_id: Option<MessageId>,
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// Free-form metadata.
    pub context: Option<Context>,
}

#[derive(Serialize)]
struct MessageOut<'a> {
    subtype: &'a str,
    channel_id: &'a str,
    content: &'a MessageContent,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipients: &'a Option<GroupId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: &'a Option<CharacterId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: &'a Option<MessageId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: &'a Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: &'a Option<Context>,
}

impl Serialize for MessageBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        MessageOut {
            subtype: self.content.subtype(),
            channel_id: &self.channel_id,
            content: &self.content,
            recipients: &self.recipients,
            sender: &self.sender,
            message_id: &self.message_id,
            timestamp: &self.timestamp,
            context: &self.context,
        }
        .serialize(serializer)
    }
}

impl MessageBody {
    /// Decodes a body from its raw JSON; `path` names the body in errors.
    pub(crate) fn decode(body: &str, path: &str) -> Result<Self, DecodeError> {
        Self::from_wire(parse(body, path)?, path)
    }

    /// Builds the body from its fields, checking what a message requires.
    pub(crate) fn from_wire(wire: BodyWire<'_>, path: &str) -> Result<Self, DecodeError> {
        let at = |field: &str| join(path, field);
        let subtype = wire.subtype.ok_or_else(|| DecodeError::missing(at("subtype")))?;
        let content = wire.content.ok_or_else(|| DecodeError::missing(at("content")))?;
        Ok(Self {
            content: MessageContent::decode(&subtype, content.get(), &at("content"))?,
            channel_id: wire.channel_id.ok_or_else(|| DecodeError::missing(at("channel_id")))?,
            recipients: wire.recipients,
            sender: wire.sender,
            message_id: wire.message_id,
            timestamp: wire.timestamp,
            context: wire.context,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decodes_by_subtype_whatever_the_field_order() {
        let body = r#"{"content": {"size": 3, "filename": "r.pdf", "path": "p"}, "subtype": "file", "channel_id": "c"}"#;
        let decoded = MessageBody::decode(body, "body").unwrap();
        assert_eq!(
            decoded.content,
            MessageContent::File { path: "p".into(), filename: "r.pdf".into(), size: 3 }
        );
    }

    #[test]
    fn wrong_content_names_the_field() {
        let body = r#"{"content": {"text": 5}, "subtype": "text", "channel_id": "c"}"#;
        let err = MessageBody::decode(body, "body").unwrap_err().to_string();
        assert!(err.contains("body.content.text"), "{err}");
    }

    #[test]
    fn unknown_subtypes_are_kept() {
        let body = r#"{"content": {"url": "v"}, "subtype": "video", "channel_id": "c"}"#;
        let decoded = MessageBody::decode(body, "body").unwrap();
        assert_eq!(decoded.content.subtype(), "video");
        let back = serde_json::to_value(&decoded).unwrap();
        assert_eq!(back["content"]["url"], "v");
    }
}
