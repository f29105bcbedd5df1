//! Actions: what a user does (join, leave, click, refresh, fetch) as sent and as received.

use super::body::BodyWire;
use super::error::{DecodeError, parse};
use super::ids::{ChannelId, CharacterId, MessageId};
use super::types::{ClickArgument, Context};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// An action's subtype and the fields that subtype carries.
///
/// A user *sends* [`JoinChannel`](Self::JoinChannel) / [`LeaveChannel`](Self::LeaveChannel);
/// the service *receives* [`Join`](Self::Join) / [`Leave`](Self::Leave).
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// `join_channel`, sent by a user.
    JoinChannel,
    /// `leave_channel`, sent by a user.
    LeaveChannel,
    /// `join`: a user joined (received by the service).
    Join,
    /// `leave`: a user left (received by the service).
    Leave,
    /// `refresh`: resend everything this user sees.
    Refresh,
    /// `fetch_characters`.
    FetchCharacters,
    /// `fetch_buttons`.
    FetchButtons,
    /// `fetch_canvas`.
    FetchCanvas,
    /// `fetch_style`.
    FetchStyle,
    /// `fetch_menu`.
    FetchMenu,
    /// `fetch_channel_info`.
    FetchChannelInfo,
    /// `button_click`.
    ButtonClick(ButtonClick),
    /// `menu_item_click`.
    MenuItemClick(MenuItemClick),
}

/// A click on a button, possibly submitted from its dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ButtonClick {
    /// The button clicked.
    pub button_id: String,
    /// The dialog's bottom button that submitted it, if any.
    pub bottom_button_id: Option<String>,
    /// What the user entered in the dialog.
    pub arguments: Vec<ClickArgument>,
}

/// A click on a right-click menu item of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuItemClick {
    /// The menu item clicked.
    pub menu_item_id: String,
    /// The message it was clicked on.
    pub message_id: MessageId,
    /// That message's subtype (`<unknown>` when the client knew only its id).
    pub message_subtype: String,
    /// That message's content (`{}` when the client knew only its id).
    pub message_content: Context,
    /// The dialog's bottom button, if any.
    pub bottom_button_id: Option<String>,
    /// What the user entered in the dialog.
    pub arguments: Vec<ClickArgument>,
}

impl ActionKind {
    /// The wire `subtype`.
    pub fn subtype(&self) -> &'static str {
        match self {
            Self::JoinChannel => "join_channel",
            Self::LeaveChannel => "leave_channel",
            Self::Join => "join",
            Self::Leave => "leave",
            Self::Refresh => "refresh",
            Self::FetchCharacters => "fetch_characters",
            Self::FetchButtons => "fetch_buttons",
            Self::FetchCanvas => "fetch_canvas",
            Self::FetchStyle => "fetch_style",
            Self::FetchMenu => "fetch_menu",
            Self::FetchChannelInfo => "fetch_channel_info",
            Self::ButtonClick(_) => "button_click",
            Self::MenuItemClick(_) => "menu_item_click",
        }
    }
}

/// The body of an `action`: its kind, the channel, who did it (events) and context.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionBody {
    /// The channel.
    pub channel_id: ChannelId,
    /// Who acted (set by the platform on events; absent in frames a user sends).
    pub sender: Option<CharacterId>,
    /// Free-form metadata.
    pub context: Option<Context>,
    /// The subtype and its fields.
    pub kind: ActionKind,
}

/// How click arguments go on the wire: flat in events, wrapped in one more list in frames (the
/// reference SDK's quirk).
#[derive(Clone, Copy)]
pub(crate) enum ArgumentShape {
    Flat,
    Wrapped,
}

struct Arguments<'a>(&'a [ClickArgument], ArgumentShape);

impl Serialize for Arguments<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.1 {
            ArgumentShape::Flat => self.0.serialize(serializer),
            ArgumentShape::Wrapped => [self.0].serialize(serializer),
        }
    }
}

#[derive(Serialize)]
struct ActionOut<'a> {
    subtype: &'static str,
    channel_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: &'a Option<CharacterId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: &'a Option<Context>,
    #[serde(skip_serializing_if = "Option::is_none")]
    button_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    menu_item_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_subtype: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_content: Option<&'a Context>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bottom_button_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arguments: Option<Arguments<'a>>,
}

/// Serializes an [`ActionBody`] with the given argument shape.
pub(crate) struct ActionSer<'a>(pub(crate) &'a ActionBody, pub(crate) ArgumentShape);

impl Serialize for ActionSer<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ActionSer(body, shape) = self;
        let mut out = ActionOut {
            subtype: body.kind.subtype(),
            channel_id: &body.channel_id,
            sender: &body.sender,
            context: &body.context,
            button_id: None,
            menu_item_id: None,
            message_id: None,
            message_subtype: None,
            message_content: None,
            bottom_button_id: None,
            arguments: None,
        };
        match &body.kind {
            ActionKind::ButtonClick(click) => {
                out.button_id = Some(&click.button_id);
                out.bottom_button_id = click.bottom_button_id.as_deref();
                out.arguments = Some(Arguments(&click.arguments, *shape));
            }
            ActionKind::MenuItemClick(click) => {
                out.menu_item_id = Some(&click.menu_item_id);
                out.message_id = Some(&click.message_id);
                out.message_subtype = Some(&click.message_subtype);
                out.message_content = Some(&click.message_content);
                out.bottom_button_id = click.bottom_button_id.as_deref();
                out.arguments = Some(Arguments(&click.arguments, *shape));
            }
            _ => {}
        }
        out.serialize(serializer)
    }
}

impl Serialize for ActionBody {
    /// The event form: click arguments as a flat list.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ActionSer(self, ArgumentShape::Flat).serialize(serializer)
    }
}

/// Click arguments as read: a flat list, or the SDK's list wrapped in one more list (or a mix).
pub(crate) struct ArgumentsIn(pub(crate) Vec<ClickArgument>);

impl<'de> Deserialize<'de> for ArgumentsIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Item(Vec<ClickArgument>);
        impl<'de> Deserialize<'de> for Item {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ItemVisitor;
                impl<'de> Visitor<'de> for ItemVisitor {
                    type Value = Item;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a click argument {label, value} or a list of them")
                    }
                    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Item, A::Error> {
                        let one = ClickArgument::deserialize(de::value::MapAccessDeserializer::new(map))?;
                        Ok(Item(vec![one]))
                    }
                    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Item, A::Error> {
                        Vec::<ClickArgument>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                            .map(Item)
                    }
                }
                deserializer.deserialize_any(ItemVisitor)
            }
        }
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = ArgumentsIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of click arguments")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ArgumentsIn, A::Error> {
                let mut all = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(Item(items)) = seq.next_element()? {
                    all.extend(items);
                }
                Ok(ArgumentsIn(all))
            }
        }
        deserializer.deserialize_seq(ListVisitor)
    }
}

/// Why an action body did not decode into a known action.
pub(crate) enum ActionDecode {
    /// A subtype this crate does not know.
    Unknown(String),
    /// A known subtype with bad fields, or bad JSON.
    Invalid(DecodeError),
}

impl ActionBody {
    /// Decodes a body from raw JSON; `path` names the body in errors.
    pub(crate) fn decode(body: &str, path: &str) -> Result<Self, ActionDecode> {
        Self::from_wire(parse(body, path).map_err(ActionDecode::Invalid)?, path)
    }

    /// Builds the body from its fields, checking what the subtype requires.
    pub(crate) fn from_wire(wire: BodyWire<'_>, path: &str) -> Result<Self, ActionDecode> {
        fn required<T>(value: Option<T>, path: &str, field: &str) -> Result<T, ActionDecode> {
            value.ok_or_else(|| ActionDecode::Invalid(DecodeError::missing(super::error::join(path, field))))
        }
        let arguments = wire.arguments.map(|a| a.0).unwrap_or_default();
        let Some(subtype) = wire.subtype else {
            return Err(ActionDecode::Invalid(DecodeError::missing(super::error::join(path, "subtype"))));
        };
        let kind = match &*subtype {
            "join_channel" => ActionKind::JoinChannel,
            "leave_channel" => ActionKind::LeaveChannel,
            "join" => ActionKind::Join,
            "leave" => ActionKind::Leave,
            "refresh" => ActionKind::Refresh,
            "fetch_characters" => ActionKind::FetchCharacters,
            "fetch_buttons" => ActionKind::FetchButtons,
            "fetch_canvas" => ActionKind::FetchCanvas,
            "fetch_style" => ActionKind::FetchStyle,
            "fetch_menu" => ActionKind::FetchMenu,
            "fetch_channel_info" => ActionKind::FetchChannelInfo,
            "button_click" => ActionKind::ButtonClick(ButtonClick {
                button_id: required(wire.button_id, path, "button_id")?,
                bottom_button_id: wire.bottom_button_id,
                arguments,
            }),
            "menu_item_click" => ActionKind::MenuItemClick(MenuItemClick {
                menu_item_id: required(wire.menu_item_id, path, "menu_item_id")?,
                message_id: required(wire.message_id, path, "message_id")?,
                message_subtype: wire.message_subtype.unwrap_or_else(|| "<unknown>".to_owned()),
                message_content: wire.message_content.unwrap_or_default(),
                bottom_button_id: wire.bottom_button_id,
                arguments,
            }),
            other => return Err(ActionDecode::Unknown(other.to_owned())),
        };
        Ok(Self {
            channel_id: required(wire.channel_id, path, "channel_id")?,
            sender: wire.sender,
            context: wire.context,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(body: &str) -> ButtonClick {
        match ActionBody::decode(body, "body") {
            Ok(ActionBody { kind: ActionKind::ButtonClick(click), .. }) => click,
            _ => panic!("not a button click: {body}"),
        }
    }

    #[test]
    fn arguments_flat_or_wrapped_decode_alike() {
        let flat = r#"{"subtype":"button_click","channel_id":"c","button_id":"b","arguments":[{"label":"l","value":"v"}]}"#;
        let wrapped = r#"{"subtype":"button_click","channel_id":"c","button_id":"b","arguments":[[{"label":"l","value":"v"}]]}"#;
        assert_eq!(click(flat), click(wrapped));
        assert_eq!(click(flat).arguments, vec![ClickArgument::new("l", "v")]);
    }

    #[test]
    fn frames_wrap_arguments_and_events_do_not() {
        let body = ActionBody {
            channel_id: "c".into(),
            sender: None,
            context: None,
            kind: ActionKind::ButtonClick(ButtonClick {
                button_id: "b".into(),
                bottom_button_id: None,
                arguments: vec![ClickArgument::new("l", "v")],
            }),
        };
        let flat = serde_json::to_value(ActionSer(&body, ArgumentShape::Flat)).unwrap();
        let wrapped = serde_json::to_value(ActionSer(&body, ArgumentShape::Wrapped)).unwrap();
        assert_eq!(flat["arguments"][0]["label"], "l");
        assert_eq!(wrapped["arguments"][0][0]["label"], "l");
    }

    #[test]
    fn a_click_without_its_button_is_an_error_naming_it() {
        let body = r#"{"subtype":"button_click","channel_id":"c"}"#;
        match ActionBody::decode(body, "body") {
            Err(ActionDecode::Invalid(e)) => assert!(e.to_string().contains("body.button_id"), "{e}"),
            _ => panic!("accepted a click without button_id"),
        }
    }

    #[test]
    fn unknown_subtypes_are_reported_as_such() {
        let body = r#"{"subtype":"brand_new","channel_id":"c"}"#;
        assert!(
            matches!(ActionBody::decode(body, "body"), Err(ActionDecode::Unknown(s)) if s == "brand_new")
        );
    }
}
