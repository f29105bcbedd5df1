//! What a service (or a user-mode bot) is told, with group ids already resolved to character ids.

use crate::protocol::{Context, MessageBody, MessageContent, UpdateBody, UpdateContent};

/// A message as a service receives it (`message_up`) or a user-mode bot (`message_down`).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The channel it was said in.
    pub channel_id: String,
    /// Who said it (a user's id, or the character a service spoke as).
    pub sender: String,
    /// What it says.
    pub content: MessageContent,
    /// The character ids it was addressed to (resolved from the group id; empty when the
    /// group could not be resolved).
    pub recipients: Vec<String>,
    /// The group id as it arrived, for those who need it.
    pub recipients_group: Option<String>,
    /// The platform's id of the message.
    pub message_id: Option<String>,
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// Free-form metadata.
    pub context: Context,
}

impl Message {
    pub(crate) fn from_body(body: MessageBody, recipients: Vec<String>) -> Self {
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
    pub channel_id: String,
    /// What changed.
    pub content: UpdateContent,
    /// The character ids it was addressed to (resolved from the group id).
    pub recipients: Vec<String>,
    /// For a characters update, the characters listed (resolved from the group id in
    /// [`UpdateContent::Characters`]); empty for the other kinds.
    pub characters: Vec<String>,
    /// Free-form metadata.
    pub context: Context,
}

impl Update {
    pub(crate) fn from_body(body: UpdateBody, recipients: Vec<String>, characters: Vec<String>) -> Self {
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
