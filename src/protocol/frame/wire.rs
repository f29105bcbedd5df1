//! The wire format of frames: what the reference SDK writes (a hand-written `Serialize`, since
//! the SDK's quirks put fields at the top level or wrap them twice), and the platform's decoder,
//! which reads a frame in one pass when it can and names the bad field when it cannot.

use super::{Frame, Request, Resume, UpdatePayload};
use crate::protocol::action::{ActionBody, ActionDecode, ActionSer, ArgumentShape};
use crate::protocol::body::BodyWire;
use crate::protocol::error::{DecodeError, DecodeErrorKind, check_object, parse};
use crate::protocol::frame::AUTH_ORIGIN;
use crate::protocol::ids::{CharacterId, ServiceId};
use crate::protocol::message::MessageBody;
use crate::protocol::secret::Secret;
use crate::protocol::types::ChannelInfo;
use crate::protocol::update::{UpdateBody, UpdateDecode};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use std::borrow::Cow;

impl Request {
    /// Encodes the frame as JSON text.
    pub fn encode(&self) -> String {
        if let Some(text) = super::super::fast_json::message_request(self) {
            return text;
        }
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
        // The frames that come in floods, read by hand when the reader is sure of them.
        match super::fast::message(text) {
            Some(request) => Ok(request),
            None => Self::decode_with_serde(text),
        }
    }

    /// Both of the decoder's readings of `text`: the hand-written reader of message frames
    /// (`None` where it leaves the frame to serde) and the serde decoder's. For the tests and the
    /// fuzz target that hold the two equal; [`Request::decode`] is the one to call.
    #[doc(hidden)]
    pub fn decode_both_ways(text: &str) -> (Option<Self>, Result<Self, DecodeError>) {
        (super::fast::message(text), Self::decode_with_serde(text))
    }

    fn decode_with_serde(text: &str) -> Result<Self, DecodeError> {
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
