//! The Moobius wire protocol as typed values: frames a client sends, events it receives.
//!
//! Serde only, no actors and no I/O: every other part of the crate (the client runtime, the
//! services, the local platform) speaks through these types. Decoding goes straight from text to
//! the typed value; encoding writes exactly what the reference SDK writes (`null` fields are left
//! out, which PROTOCOL.md counts as equal).

mod action;
mod body;
mod error;
mod event;
mod fast_json;
mod frame;
mod ids;
mod message;
mod receipt;
mod secret;
mod types;
mod update;

pub use action::{ActionBody, ActionKind, ButtonClick, MenuItemClick};
pub use error::{DecodeError, DecodeErrorKind};
pub use event::{ErrorEvent, Event, Incoming, Receipt, ReceiptKind, ResumeGap, UnknownEvent};
#[cfg(feature = "platform")]
pub(crate) use fast_json::{Stamp, needs_escape, stamped_message_body};
pub(crate) use frame::new_request_id;
pub use frame::{AUTH_ORIGIN, BuildError, ClickedMessage, Frame, Request, Resume, UpdatePayload, now_millis};
pub use ids::{ChannelId, CharacterId, GroupId, MessageId, ServiceId};
pub use message::{MessageBody, MessageContent};
pub(crate) use receipt::accepted_receipt;
pub use secret::Secret;
pub use types::{
    BottomButton, Button, CanvasItem, ChannelInfo, Character, ClickArgument, Context, Dialog, InputComponent,
    InputType, MenuItem, StyleItem, Visibility,
};
pub use update::{UpdateBody, UpdateContent};
