//! Events: every frame a client receives, decoded straight from text into one typed enum.

use super::action::{ActionBody, ActionDecode};
use super::body::BodyWire;
use super::error::{DecodeError, DecodeErrorKind, check_object, parse};
use super::message::MessageBody;
use super::types::Context;
use super::update::{UpdateBody, UpdateDecode};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// One frame a client receives, with the platform's sequence number when it sends one.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The per-identity sequence number (local platform extension; `None` from production).
    pub seq: Option<u64>,
    /// What arrived.
    pub event: Event,
}

/// Everything a client can receive.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `message_up`: a user's message, received by the service.
    MessageUp(MessageBody),
    /// `message_down`: a service's message, received by a user.
    MessageDown(MessageBody),
    /// `action`: something a user did, received by the service.
    Action(ActionBody),
    /// `update`: what a user sees changed, received by a user.
    Update(UpdateBody),
    /// `copy` or `roger`: the platform's receipt for a request.
    Receipt(Receipt),
    /// `resume_gap`: events the platform could no longer replay on resume.
    ResumeGap(ResumeGap),
    /// A frame with no `type` but a `message`: a platform error.
    Error(ErrorEvent),
    /// A type or subtype this crate does not know, kept as raw JSON.
    Unknown(UnknownEvent),
}

/// Which word the platform used for a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptKind {
    /// `copy` (what the local platform sends).
    Copy,
    /// `roger`.
    Roger,
}

/// The platform's receipt for the request with `request_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Receipt {
    /// `copy` or `roger`.
    pub kind: ReceiptKind,
    /// The request this answers.
    pub request_id: String,
    /// The answered frame's `type`.
    pub origin_type: Option<String>,
    /// `true`: accepted; `false`: refused (see [`Receipt::reason`]).
    pub status: bool,
    /// Free-form; the local platform puts a refusal's reason in `message`.
    pub context: Option<Context>,
}

impl Receipt {
    /// The reason given for a refusal (`context.message`), if any.
    ///
    /// # Examples
    /// ```
    /// use moobius::protocol::{Event, Incoming};
    /// let text = r#"{"type":"copy","body":{"request_id":"r","status":false,"context":{"message":"login failed"}}}"#;
    /// let Event::Receipt(receipt) = Incoming::decode(text)?.event else { unreachable!() };
    /// assert_eq!(receipt.reason(), Some("login failed"));
    /// # Ok::<(), moobius::protocol::DecodeError>(())
    /// ```
    pub fn reason(&self) -> Option<&str> {
        self.context.as_ref()?.get("message")?.as_str()
    }
}

/// The range of events a resume could not replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeGap {
    /// First missing sequence number.
    pub from_seq: u64,
    /// Last missing sequence number.
    pub to_seq: u64,
}

/// A platform error frame (`{"message": ...}` with no `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// What the platform said.
    pub message: String,
    /// The `request_id` it concerns, when the platform could read one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Any other fields (production sends `connectionId`, `requestId`).
    #[serde(flatten)]
    pub extra: Context,
}

/// A frame of a type (or subtype) this crate does not know, as it arrived.
#[derive(Debug, Clone)]
pub struct UnknownEvent {
    raw: Box<RawValue>,
}

impl UnknownEvent {
    /// The frame's JSON text.
    pub fn raw(&self) -> &str {
        self.raw.get()
    }

    /// The frame's `type`, when it has one.
    pub fn frame_type(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct Type {
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        serde_json::from_str::<Type>(self.raw.get()).ok()?.kind
    }
}

impl PartialEq for UnknownEvent {
    fn eq(&self, other: &Self) -> bool {
        self.raw.get() == other.raw.get()
    }
}

#[derive(Deserialize)]
struct FastWire<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    body: Option<BodyWire<'a>>,
    seq: Option<u64>,
}

#[derive(Deserialize)]
struct EventWire<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    body: Option<&'a RawValue>,
    seq: Option<u64>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
}

impl Incoming {
    /// Decodes one text frame.
    ///
    /// # Errors
    /// A [`DecodeError`] saying what was wrong (which field, what was expected) when the text is
    /// not JSON, not an object, nests too deep, or a known event lacks a field or has one of the
    /// wrong type. Unknown types and subtypes are not errors: they decode to [`Event::Unknown`].
    ///
    /// # Examples
    /// ```
    /// use moobius::protocol::{Event, Incoming};
    /// let text = r#"{"type":"message_up","seq":3,"body":{"subtype":"text","channel_id":"c",
    ///     "content":{"text":"hi"},"sender":"u","recipients":"g"}}"#;
    /// let incoming = Incoming::decode(text)?;
    /// assert_eq!(incoming.seq, Some(3));
    /// let Event::MessageUp(message) = incoming.event else { unreachable!() };
    /// assert_eq!(message.content.as_text(), Some("hi"));
    /// # Ok::<(), moobius::protocol::DecodeError>(())
    /// ```
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        check_object(text)?;
        // Fast path: one pass, the body read into the union of body fields as it streams by.
        if let Ok(FastWire { kind: Some(kind), body, seq }) = serde_json::from_str::<FastWire<'_>>(text) {
            return Ok(Self { seq, event: Event::from_wire(text, &kind, body)? });
        }
        // Slow path, taken for platform errors, unknown shapes and invalid frames: the body is
        // read on its own so that an error names the field.
        let wire: EventWire<'_> = parse(text, "")?;
        let event = match wire.kind.as_deref() {
            None if wire.message.is_some() => Event::Error(parse(text, "")?),
            None => return Err(DecodeError::new(DecodeErrorKind::MissingType)),
            Some(kind) if !KNOWN_TYPES.contains(&kind) => Event::Unknown(UnknownEvent { raw: raw_of(text) }),
            Some(kind) => {
                let body = wire.body.map(|raw| parse::<BodyWire<'_>>(raw.get(), "body")).transpose()?;
                Event::from_wire(text, kind, body)?
            }
        };
        Ok(Self { seq: wire.seq, event })
    }

    /// Encodes the frame as JSON text (what the platform sends).
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("events serialize to JSON")
    }
}

const KNOWN_TYPES: [&str; 7] =
    ["message_up", "message_down", "action", "update", "copy", "roger", "resume_gap"];

impl Event {
    /// Builds the event of type `kind` from its body's fields; `text` is the whole frame, kept
    /// for unknown types and subtypes.
    fn from_wire(text: &str, kind: &str, body: Option<BodyWire<'_>>) -> Result<Self, DecodeError> {
        let unknown = || Event::Unknown(UnknownEvent { raw: raw_of(text) });
        if !KNOWN_TYPES.contains(&kind) {
            return Ok(unknown());
        }
        let body = body.ok_or_else(|| {
            DecodeError::field("body", format!("missing: a `{kind}` event carries a body object"))
        })?;
        let required = |field: &str| DecodeError::missing(format!("body.{field}"));
        Ok(match kind {
            "message_up" => Event::MessageUp(MessageBody::from_wire(body, "body")?),
            "message_down" => Event::MessageDown(MessageBody::from_wire(body, "body")?),
            "action" => match ActionBody::from_wire(body, "body") {
                Ok(action) => Event::Action(action),
                Err(ActionDecode::Unknown(_)) => unknown(),
                Err(ActionDecode::Invalid(error)) => return Err(error),
            },
            "update" => match UpdateBody::from_wire(body, "body") {
                Ok(update) => Event::Update(update),
                Err(UpdateDecode::Unknown) => unknown(),
                Err(UpdateDecode::Invalid(error)) => return Err(error),
            },
            "resume_gap" => Event::ResumeGap(ResumeGap {
                from_seq: body.from_seq.ok_or_else(|| required("from_seq"))?,
                to_seq: body.to_seq.ok_or_else(|| required("to_seq"))?,
            }),
            roger_or_copy => Event::Receipt(Receipt {
                kind: if roger_or_copy == "roger" { ReceiptKind::Roger } else { ReceiptKind::Copy },
                request_id: body.request_id.ok_or_else(|| required("request_id"))?,
                origin_type: body.origin_type,
                status: body.status.ok_or_else(|| required("status"))?,
                context: body.context,
            }),
        })
    }

    /// Decodes one text frame, dropping its sequence number. See [`Incoming::decode`].
    ///
    /// # Errors
    /// As [`Incoming::decode`].
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        Incoming::decode(text).map(|incoming| incoming.event)
    }

    /// The wire `type` of this event (`None` for platform errors).
    pub fn frame_type(&self) -> Option<&'static str> {
        Some(match self {
            Self::MessageUp(_) => "message_up",
            Self::MessageDown(_) => "message_down",
            Self::Action(_) => "action",
            Self::Update(_) => "update",
            Self::Receipt(Receipt { kind: ReceiptKind::Copy, .. }) => "copy",
            Self::Receipt(Receipt { kind: ReceiptKind::Roger, .. }) => "roger",
            Self::ResumeGap(_) => "resume_gap",
            Self::Error(_) | Self::Unknown(_) => return None,
        })
    }
}

fn raw_of(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.trim().to_owned()).expect("text was already parsed as one JSON object")
}

impl Serialize for Incoming {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let frame_type = match &self.event {
            Event::Error(error) => return error.serialize(serializer),
            Event::Unknown(unknown) => return unknown.raw.serialize(serializer),
            other => other.frame_type().expect("typed events have a type"),
        };
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", frame_type)?;
        if let Some(seq) = self.seq {
            map.serialize_entry("seq", &seq)?;
        }
        match &self.event {
            Event::MessageUp(body) | Event::MessageDown(body) => map.serialize_entry("body", body)?,
            Event::Action(body) => map.serialize_entry("body", body)?,
            Event::Update(body) => map.serialize_entry("body", body)?,
            Event::Receipt(receipt) => map.serialize_entry(
                "body",
                &ReceiptWireRef {
                    request_id: &receipt.request_id,
                    origin_type: &receipt.origin_type,
                    status: receipt.status,
                    context: &receipt.context,
                },
            )?,
            Event::ResumeGap(gap) => map.serialize_entry("body", gap)?,
            Event::Error(_) | Event::Unknown(_) => unreachable!("returned above"),
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ReceiptWireRef<'a> {
    request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin_type: &'a Option<String>,
    status: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: &'a Option<Context>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .expect("no stack overflow")
    }

    #[test]
    fn deep_nesting_anywhere_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        for text in [
            format!(
                r#"{{"type":"message_up","body":{{"subtype":"text","channel_id":"c","content":{{"text":"x"}},"context":{{"k":{deep}}}}}}}"#
            ),
            format!(
                r#"{{"type":"message_up","body":{{"subtype":"text","channel_id":"c","content":{deep}}}}}"#
            ),
            format!(r#"{{"type":"brand_new","x":{deep}}}"#),
            format!(r#"{{"message":{deep}}}"#),
        ] {
            let outcome =
                on_small_stack(move || Incoming::decode(&text).map(|_| ()).map_err(|e| e.to_string()));
            if let Err(message) = outcome {
                assert!(!message.is_empty());
            }
        }
    }

    #[test]
    fn a_known_type_without_body_names_the_body() {
        let err = Incoming::decode(r#"{"type":"action"}"#).unwrap_err();
        assert!(err.to_string().contains("`body`"), "{err}");
    }

    #[test]
    fn a_frame_without_type_or_message_is_refused() {
        let err = Incoming::decode(r#"{"body":{}}"#).unwrap_err();
        assert_eq!(err.kind(), &DecodeErrorKind::MissingType);
    }

    #[test]
    fn roger_is_a_receipt_too() {
        let text = r#"{"type":"roger","body":{"request_id":"r","origin_type":"heartbeat","status":true}}"#;
        let Event::Receipt(receipt) = Event::decode(text).unwrap() else { panic!("not a receipt") };
        assert_eq!(receipt.kind, ReceiptKind::Roger);
        assert!(
            Incoming { seq: None, event: Event::Receipt(receipt) }.encode().contains(r#""type":"roger""#)
        );
    }
}
