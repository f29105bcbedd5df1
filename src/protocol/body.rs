//! The union of every body's fields, read in one pass before the frame's `type` is known
//! (`type` usually comes after `body`: the reference SDK sorts keys).

use super::action::ArgumentsIn;
use super::ids::{ChannelId, CharacterId, GroupId, MessageId};
use super::types::Context;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// Every field a message, action, update, receipt or resume-gap body may carry, all optional.
/// Each body type checks what it requires when it is built from this (`from_wire`), so an error
/// names the field. `content` stays raw until the subtype says what it is.
#[derive(Deserialize)]
pub(crate) struct BodyWire<'a> {
    #[serde(borrow)]
    pub(crate) subtype: Option<Cow<'a, str>>,
    pub(crate) channel_id: Option<ChannelId>,
    #[serde(borrow)]
    pub(crate) content: Option<&'a RawValue>,
    pub(crate) recipients: Option<GroupId>,
    pub(crate) sender: Option<CharacterId>,
    pub(crate) message_id: Option<MessageId>,
    pub(crate) timestamp: Option<i64>,
    pub(crate) context: Option<Context>,
    pub(crate) group_id: Option<GroupId>,
    pub(crate) button_id: Option<String>,
    pub(crate) bottom_button_id: Option<String>,
    pub(crate) menu_item_id: Option<String>,
    pub(crate) message_subtype: Option<String>,
    pub(crate) message_content: Option<Context>,
    pub(crate) arguments: Option<ArgumentsIn>,
    pub(crate) request_id: Option<String>,
    pub(crate) origin_type: Option<String>,
    pub(crate) status: Option<bool>,
    pub(crate) from_seq: Option<u64>,
    pub(crate) to_seq: Option<u64>,
}
