//! A hand-written reader for the frames that come in floods, `message_down` and `message_up`: one
//! pass over the bytes, every string borrowed from the text until it is owned once.
//!
//! It reads only what it is sure of: a message frame's known fields, text, image and audio
//! content, a context that is empty (or read by serde_json from its own slice), plain JSON with
//! no duplicate keys. On anything else (another frame type, an unknown field, a negative or
//! fractional number, a lone surrogate, a syntax error, a missing field) it gives up and the
//! serde decoder reads the frame and decides, so it never returns an error of its own and never
//! returns another frame than serde would. A test holds the two equal over every golden vector,
//! generated frames in several layouts and their mutations (`tests/it/protocol/fast_decode.rs`),
//! and the `request` fuzz target compares them on every input.
//!
//! Why: in the platform's profile, serde's derived decoder over the union of every body's fields
//! was 36% of the instructions per forwarded message.

use super::{Frame, Request};
use crate::protocol::fast_json::plain_prefix;
use crate::protocol::ids::{ChannelId, CharacterId, GroupId, MessageId, ServiceId};
use crate::protocol::message::{MessageBody, MessageContent};
use crate::protocol::types::Context;
use std::borrow::Cow;

/// How deep a context may nest for this reader to hand it to serde_json on its own. Far under
/// serde_json's own limit of 128 counted from the frame's top, so that what the slice accepts
/// the whole frame would have accepted too; deeper contexts go to the serde decoder.
const CONTEXT_DEPTH: usize = 32;

/// The frame, when `text` is a message frame this reader is sure of; `None` leaves it to serde.
pub(super) fn message(text: &str) -> Option<Request> {
    let mut reader = Reader { text, bytes: text.as_bytes(), at: 0 };
    let mut top = Top::default();
    reader.ws();
    reader.object(|reader, key| top.field(reader, key))?;
    reader.ws();
    if reader.at != reader.bytes.len() {
        return None;
    }
    top.into_request()
}

/// Sets a field once: a second value for the same key is a duplicate, which serde refuses.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value);
            Some(())
        }
    }
}

fn owned<T: From<String>>(value: Option<Option<Cow<'_, str>>>) -> Option<T> {
    value.flatten().map(|text| T::from(text.into_owned()))
}

/// A frame's top-level fields. The outer `Option` is "seen", the inner one "not null".
#[derive(Default)]
struct Top<'a> {
    kind: Option<Cow<'a, str>>,
    request_id: Option<Option<Cow<'a, str>>>,
    body: Option<Option<Body<'a>>>,
    service_id: Option<Option<Cow<'a, str>>>,
    user_id: Option<Option<Cow<'a, str>>>,
}

impl<'a> Top<'a> {
    fn field(&mut self, reader: &mut Reader<'a>, key: &str) -> Option<()> {
        match key {
            "type" => once(&mut self.kind, reader.string()?),
            "request_id" => once(&mut self.request_id, reader.nullable(Reader::string)?),
            "body" => once(&mut self.body, reader.nullable(Body::read)?),
            "service_id" => once(&mut self.service_id, reader.nullable(Reader::string)?),
            "user_id" => once(&mut self.user_id, reader.nullable(Reader::string)?),
            _ => None,
        }
    }

    fn into_request(self) -> Option<Request> {
        let body = self.body.flatten()?.into_message()?;
        let frame = match &*self.kind? {
            "message_down" => Frame::MessageDown { service_id: owned::<ServiceId>(self.service_id)?, body },
            "message_up" => Frame::MessageUp {
                user_id: owned::<CharacterId>(self.user_id),
                service_id: owned::<ServiceId>(self.service_id),
                body,
            },
            _ => return None,
        };
        Some(Request { request_id: self.request_id.flatten().map(Cow::into_owned), frame })
    }
}

/// A message body's fields.
#[derive(Default)]
struct Body<'a> {
    subtype: Option<Option<Cow<'a, str>>>,
    channel_id: Option<Option<Cow<'a, str>>>,
    content: Option<Option<Content<'a>>>,
    recipients: Option<Option<Cow<'a, str>>>,
    sender: Option<Option<Cow<'a, str>>>,
    message_id: Option<Option<Cow<'a, str>>>,
    timestamp: Option<Option<i64>>,
    context: Option<Option<Context>>,
}

/// A content this reader knows: `{"text": ...}` or `{"path": ...}`, one key and nothing else.
enum Content<'a> {
    Text(Cow<'a, str>),
    Path(Cow<'a, str>),
}

impl<'a> Body<'a> {
    fn read(reader: &mut Reader<'a>) -> Option<Self> {
        let mut body = Self::default();
        reader.object(|reader, key| body.field(reader, key))?;
        Some(body)
    }

    fn field(&mut self, reader: &mut Reader<'a>, key: &str) -> Option<()> {
        match key {
            "subtype" => once(&mut self.subtype, reader.nullable(Reader::string)?),
            "channel_id" => once(&mut self.channel_id, reader.nullable(Reader::string)?),
            "content" => once(&mut self.content, reader.nullable(Content::read)?),
            "recipients" => once(&mut self.recipients, reader.nullable(Reader::string)?),
            "sender" => once(&mut self.sender, reader.nullable(Reader::string)?),
            "message_id" => once(&mut self.message_id, reader.nullable(Reader::string)?),
            "timestamp" => once(&mut self.timestamp, reader.nullable(Reader::timestamp)?),
            "context" => once(&mut self.context, reader.nullable(Reader::context)?),
            _ => None,
        }
    }

    fn into_message(self) -> Option<MessageBody> {
        let content = match (&*self.subtype.flatten()?, self.content.flatten()?) {
            ("text", Content::Text(text)) => MessageContent::Text(text.into_owned()),
            ("image", Content::Path(path)) => MessageContent::Image(path.into_owned()),
            ("audio", Content::Path(path)) => MessageContent::Audio(path.into_owned()),
            _ => return None,
        };
        Some(MessageBody {
            channel_id: owned::<ChannelId>(self.channel_id)?,
            content,
            recipients: owned::<GroupId>(self.recipients),
            sender: owned::<CharacterId>(self.sender),
            message_id: owned::<MessageId>(self.message_id),
            timestamp: self.timestamp.flatten(),
            context: self.context.flatten(),
        })
    }
}

impl<'a> Content<'a> {
    fn read(reader: &mut Reader<'a>) -> Option<Self> {
        let mut content = None;
        reader.object(|reader, key| {
            let value = match key {
                "text" => Content::Text(reader.string()?),
                "path" => Content::Path(reader.string()?),
                _ => return None,
            };
            // One key only: a second (even another known one) is left to serde.
            once(&mut content, value)
        })?;
        content
    }
}

/// A cursor over the frame's bytes. Every method returns `None` where serde might not agree.
struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// JSON's whitespace, as serde_json skips it.
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// `null` as `Ok(None)`, anything else read by `read`.
    fn nullable<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.bytes.get(self.at..).is_some_and(|rest| rest.starts_with(b"null")) {
            self.at += 4;
            Some(None)
        } else {
            read(self).map(Some)
        }
    }

    /// An object, each field handed to `field` with the cursor at its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            field(self, key)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// A key with no escapes (an escaped key could spell a known one; serde reads those).
    fn key(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        self.skip_plain();
        let key = self.text.get(start..self.at)?;
        self.eat(b'"')?;
        Some(key)
    }

    /// Moves past the bytes a string holds as they are (up to a quote, a backslash or a control
    /// character).
    fn skip_plain(&mut self) {
        self.at += plain_prefix(self.bytes.get(self.at..).unwrap_or_default());
    }

    /// A string, borrowed when it has no escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        self.skip_plain();
        match self.peek()? {
            b'"' => {
                self.at += 1;
                return self.text.get(start..self.at - 1).map(Cow::Borrowed);
            }
            b'\\' => {}
            _ => return None,
        }
        let mut out = String::with_capacity(self.at - start + 16);
        out.push_str(self.text.get(start..self.at)?);
        loop {
            let run = self.at;
            self.skip_plain();
            out.push_str(self.text.get(run..self.at)?);
            match self.next()? {
                b'"' => return Some(Cow::Owned(out)),
                b'\\' => out.push(self.escape()?),
                _ => return None,
            }
        }
    }

    /// The character of an escape, after its backslash.
    fn escape(&mut self) -> Option<char> {
        Some(match self.next()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        self.eat(b'\\')?;
                        self.eat(b'u')?;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
                    }
                    // A lone trailing surrogate: serde_json's call.
                    0xDC00..=0xDFFF => return None,
                    _ => char::from_u32(unit)?,
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut value = 0;
        for &digit in digits {
            value = value * 16 + char::from(digit).to_digit(16)?;
        }
        self.at += 4;
        Some(value)
    }

    /// A timestamp: a non-negative integer within `i64`, without leading zeros, fraction or
    /// exponent (a negative one, `-0` among them, is left to serde, which refuses some).
    fn timestamp(&mut self) -> Option<i64> {
        let start = self.at;
        let mut value: i64 = 0;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            value = value.checked_mul(10)?.checked_add(i64::from(digit - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        if digits == 0 || (digits > 1 && self.bytes[start] == b'0') {
            return None;
        }
        match self.peek() {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(value),
        }
    }

    /// A context: `{}` read here, any other object read by serde_json from its own slice.
    fn context(&mut self) -> Option<Context> {
        let start = self.at;
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(Context::new());
        }
        self.at = start;
        serde_json::from_str(self.object_slice()?).ok()
    }

    /// The text of the object at the cursor, found by its brackets (serde_json then checks it).
    fn object_slice(&mut self) -> Option<&'a str> {
        let start = self.at;
        let mut depth = 0;
        loop {
            match self.next()? {
                b'{' | b'[' => {
                    depth += 1;
                    if depth > CONTEXT_DEPTH {
                        return None;
                    }
                }
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return self.text.get(start..self.at);
                    }
                }
                b'"' => loop {
                    match self.next()? {
                        b'\\' => {
                            self.next()?;
                        }
                        b'"' => break,
                        _ => {}
                    }
                },
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDK_DOWN: &str = r#"{"body": {"channel_id": "chan-0001", "content": {"text": "hi there"}, "context": {}, "recipients": "group-rec", "sender": "agent-1", "subtype": "text", "timestamp": 1722014904438}, "request_id": "00000000-0000-0000-0000-00000000000e", "service_id": "svc-0001", "type": "message_down"}"#;

    #[test]
    fn the_sdk_s_message_down_is_read() {
        let request = message(SDK_DOWN).expect("read");
        assert_eq!(request.request_id.as_deref(), Some("00000000-0000-0000-0000-00000000000e"));
        let Frame::MessageDown { service_id, body } = request.frame else { panic!("a message_down") };
        assert_eq!(service_id, "svc-0001");
        assert_eq!(body.content, MessageContent::text("hi there"));
        assert_eq!(body.timestamp, Some(1_722_014_904_438));
        assert_eq!(body.context, Some(Context::new()));
        assert_eq!(body.sender.as_deref(), Some("agent-1"));
    }

    #[test]
    fn escapes_are_decoded_and_surrogate_pairs_joined() {
        let text = SDK_DOWN.replace("hi there", r#"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \n\t"#);
        let Frame::MessageDown { body, .. } = message(&text).expect("read").frame else { panic!() };
        assert_eq!(body.content, MessageContent::text("café 😀 \"q\" \\ / \n\t"));
    }

    #[test]
    fn what_serde_might_read_otherwise_is_left_to_it() {
        for (from, to) in [
            ("hi there", r"\ud83d"),                                        // a lone surrogate
            ("hi there", r"\udc00"),                                        // a lone trailing one
            ("hi there", "a\u{1}b"),                                        // a raw control character
            ("1722014904438", "-1"),                                        // a negative number
            ("1722014904438", "01"),                                        // a leading zero
            ("1722014904438", "1.5"),                                       // a fraction
            ("1722014904438", "99999999999999999999"),                      // past i64
            (r#""context": {}"#, r#""context": {"a": [}"#),                 // broken context
            (r#""sender""#, r#""sendr""#),                                  // an unknown field
            (r#""sender""#, r#""\u0073ender""#),                            // an escaped key
            (r#""subtype": "text""#, r#""subtype": "file""#), // content this reader does not know
            (r#""service_id""#, r#""type": "message_down", "service_id""#), // a duplicate
            (r#""text": "hi there""#, r#""text": "hi", "path": "p""#), // two content keys
        ] {
            assert!(SDK_DOWN.contains(from), "{from}");
            let text = SDK_DOWN.replacen(from, to, 1);
            assert!(message(&text).is_none(), "{text}");
        }
        assert!(message(&format!("{SDK_DOWN} x")).is_none(), "trailing text");
        assert!(message(&SDK_DOWN.replace("message_down", "update")).is_none());
    }

    #[test]
    fn a_context_deeper_than_the_limit_is_left_to_serde() {
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        let with =
            |n: usize| SDK_DOWN.replace(r#""context": {}"#, &format!(r#""context": {{"a": {}}}"#, deep(n)));
        assert!(message(&with(CONTEXT_DEPTH - 1)).is_some());
        assert!(message(&with(CONTEXT_DEPTH)).is_none());
    }
}
