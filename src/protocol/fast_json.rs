//! A direct JSON writer for the frames that come in floods: messages (`message_up`,
//! `message_down`) and their bodies. It writes byte for byte what the serde encoders write (the
//! tests below hold the two equal over every golden frame and hostile strings), in one buffer
//! sized up front, and copies a string that needs no escaping (every id, most texts) in one go.
//!
//! Why: in the profile of a service sending message_downs, serde_json's per-byte escaping of
//! the ids and keys was a fifth of the client's instructions, and the serialisation of the
//! event body the largest single part of the platform's after the decode.

use super::frame::{Frame, Request};
use super::message::{MessageBody, MessageContent};
use serde::Serialize;

/// Whether serde_json would escape some byte of `s` (a control character, `"` or `\`).
pub(crate) fn needs_escape(s: &[u8]) -> bool {
    plain_prefix(s) < s.len()
}

/// How many bytes `s` starts with that JSON writes and reads as they are: the index of its first
/// control character, `"` or `\`, or its length. Eight bytes at a time (a SWAR test on `u64`s:
/// a byte below 0x20, or equal to `"` or `\`, sets its top bit in the mask; the lowest set bit
/// is exact, since borrows only run upwards), the tail one at a time.
pub(crate) fn plain_prefix(s: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut at = 0;
    for chunk in s.chunks_exact(8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let hits =
            below(x, 0x20) | below(x ^ (ONES * u64::from(b'"')), 1) | below(x ^ (ONES * u64::from(b'\\')), 1);
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + s[at..].iter().position(|&b| b < 0x20 || b == b'"' || b == b'\\').unwrap_or(s.len() - at)
}

/// Writes `s` as a JSON string.
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        push_serde(out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// Writes `value` with serde_json (into a `Vec`, which cannot fail for these types).
fn push_serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    if let Err(error) = serde_json::to_writer(&mut *out, value) {
        // Only a map with non-string keys or a failing Serialize impl errs; ours do neither.
        log::error!("cannot serialize a frame field: {error}");
        out.extend_from_slice(b"null");
    }
}

/// `,"key":` (keys are literals that need no escaping).
fn key(out: &mut Vec<u8>, key: &str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Writes a message body as [`MessageBody`]'s `Serialize` does.
pub(crate) fn push_message_body(out: &mut Vec<u8>, body: &MessageBody) {
    push_message(out, body, None);
}

/// What the platform sets on a message it delivers: who speaks it, its fresh id and the time.
#[cfg_attr(not(feature = "platform"), allow(dead_code))]
pub(crate) struct Stamp<'a> {
    /// The sender shown.
    pub(crate) sender: &'a str,
    /// The platform's id of the message.
    pub(crate) message_id: &'a str,
    /// Milliseconds since the epoch.
    pub(crate) timestamp: i64,
}

/// Writes `body`, with `stamp`'s fields in place of its own and its context `{}` when it has
/// none, when there is a stamp: what serializing that stamped copy writes, with no copy made.
fn push_message(out: &mut Vec<u8>, body: &MessageBody, stamp: Option<&Stamp<'_>>) {
    out.extend_from_slice(b"{\"subtype\":");
    push_str(out, body.content.subtype());
    key(out, "channel_id");
    push_str(out, &body.channel_id);
    key(out, "content");
    match &body.content {
        // The common case, written directly: `{"text":...}`, as MessageContent::Text serializes.
        MessageContent::Text(text) => {
            out.extend_from_slice(b"{\"text\":");
            push_str(out, text);
            out.push(b'}');
        }
        _ => push_serde(out, &body.content),
    }
    if let Some(recipients) = &body.recipients {
        key(out, "recipients");
        push_str(out, recipients);
    }
    let (sender, message_id, timestamp) = match stamp {
        Some(stamp) => (Some(stamp.sender), Some(stamp.message_id), Some(stamp.timestamp)),
        None => (body.sender.as_deref(), body.message_id.as_deref(), body.timestamp),
    };
    if let Some(sender) = sender {
        key(out, "sender");
        push_str(out, sender);
    }
    if let Some(message_id) = message_id {
        key(out, "message_id");
        push_str(out, message_id);
    }
    if let Some(timestamp) = timestamp {
        key(out, "timestamp");
        out.extend_from_slice(itoa::Buffer::new().format(timestamp).as_bytes());
    }
    match &body.context {
        Some(context) if !context.is_empty() => {
            key(out, "context");
            push_serde(out, context);
        }
        Some(_) => out.extend_from_slice(b",\"context\":{}"),
        None if stamp.is_some() => out.extend_from_slice(b",\"context\":{}"),
        None => {}
    }
    out.push(b'}');
}

/// A body's JSON text, as `serde_json::to_string(body)` gives it (what the tests compare).
#[cfg(test)]
fn message_body(body: &MessageBody) -> String {
    let mut out = Vec::with_capacity(256);
    push_message_body(&mut out, body);
    into_string(out)
}

/// The JSON text of `body` as the platform delivers it, stamped: what serde writes for a copy of it with `stamp`'s fields set and its context defaulted to `{}`.
#[cfg_attr(not(feature = "platform"), allow(dead_code))]
pub(crate) fn stamped_message_body(body: &MessageBody, stamp: &Stamp<'_>) -> String {
    let mut out = Vec::with_capacity(192 + body.content.as_text().map_or(64, str::len));
    push_message(&mut out, body, Some(stamp));
    into_string(out)
}

/// The request's JSON text when it is a message (`message_up`, `message_down`); `None` for
/// every other frame, which the serde encoder writes.
pub(crate) fn message_request(request: &Request) -> Option<String> {
    if !matches!(request.frame, Frame::MessageDown { .. } | Frame::MessageUp { .. }) {
        return None;
    }
    let mut out = Vec::with_capacity(384);
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(request.frame.frame_type().as_bytes());
    out.push(b'"');
    if let Some(id) = &request.request_id {
        key(&mut out, "request_id");
        push_str(&mut out, id);
    }
    let body = match &request.frame {
        Frame::MessageDown { service_id, body } => {
            key(&mut out, "service_id");
            push_str(&mut out, service_id);
            body
        }
        Frame::MessageUp { user_id, service_id, body } => {
            if let Some(user_id) = user_id {
                key(&mut out, "user_id");
                push_str(&mut out, user_id);
            }
            if let Some(service_id) = service_id {
                key(&mut out, "service_id");
                push_str(&mut out, service_id);
            }
            body
        }
        _ => return None,
    };
    key(&mut out, "body");
    push_message_body(&mut out, body);
    out.push(b'}');
    Some(into_string(out))
}

fn into_string(out: Vec<u8>) -> String {
    // Only `&str`s and serde_json's output were written: valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Context;

    const HOSTILE: [&str; 6] =
        ["", "plain", "quote\" back\\ nl\n tab\t", "é ✓ 😀", "\u{1}\u{1f}\u{7f}", "0123456789abcdef\""];

    fn bodies() -> Vec<MessageBody> {
        let mut out = Vec::new();
        for text in HOSTILE {
            let mut context = Context::new();
            context.insert("k".into(), text.into());
            for (content, full) in [
                (MessageContent::text(text), true),
                (MessageContent::text(text), false),
                (MessageContent::File { path: text.into(), filename: text.into(), size: 3 }, true),
                (MessageContent::Image(text.into()), false),
            ] {
                out.push(MessageBody {
                    channel_id: text.into(),
                    content,
                    recipients: full.then(|| text.into()),
                    sender: full.then(|| text.into()),
                    message_id: full.then(|| text.into()),
                    timestamp: full.then_some(-1_722_014_904_438),
                    context: if full { Some(context.clone()) } else { Some(Context::new()) },
                });
            }
        }
        out
    }

    #[test]
    fn needs_escape_finds_every_escaped_byte_at_every_position() {
        for len in 0..40 {
            assert!(!needs_escape("a".repeat(len).as_bytes()));
            for at in 0..len {
                for bad in [b'"', b'\\', 0u8, 0x1f] {
                    let mut s = vec![b'a'; len];
                    s[at] = bad;
                    assert!(needs_escape(&s), "{len} {at} {bad}");
                }
            }
        }
    }

    #[test]
    fn the_plain_prefix_ends_at_the_first_byte_to_escape_whatever_follows() {
        let naive = |s: &[u8]| s.iter().position(|&b| b < 0x20 || b == b'"' || b == b'\\').unwrap_or(s.len());
        // Every byte value at every position of a word and its tail, after plain bytes of every
        // kind (the borrows of the SWAR test run through 0x00, 0x1f, 0x21, 0x5b, 0x80 and 0xff).
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    for filler in [b'a', b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xff] {
                        let mut s = vec![filler; len];
                        s[at] = byte;
                        for after in &mut s[at + 1..] {
                            *after = byte.wrapping_add(1);
                        }
                        assert_eq!(plain_prefix(&s), naive(&s), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn bodies_are_written_as_serde_writes_them() {
        for body in bodies() {
            assert_eq!(message_body(&body), serde_json::to_string(&body).unwrap(), "{body:?}");
        }
    }

    #[test]
    fn stamped_bodies_are_written_as_their_stamped_copies_are() {
        for mut body in bodies() {
            for context in [None, Some(Context::new()), body.context.clone()] {
                body.context = context;
                for id in HOSTILE {
                    let stamp = Stamp { sender: id, message_id: "m-1", timestamp: 1_722_014_904_438 };
                    let copy = MessageBody {
                        sender: Some(id.into()),
                        message_id: Some("m-1".into()),
                        timestamp: Some(1_722_014_904_438),
                        context: Some(body.context.clone().unwrap_or_default()),
                        ..body.clone()
                    };
                    assert_eq!(stamped_message_body(&body, &stamp), serde_json::to_string(&copy).unwrap());
                }
            }
        }
    }

    #[test]
    fn message_requests_are_written_as_serde_writes_them() {
        for body in bodies() {
            for id in HOSTILE {
                for frame in [
                    Frame::MessageDown { service_id: id.into(), body: body.clone() },
                    Frame::MessageUp {
                        user_id: Some(id.into()),
                        service_id: Some(id.into()),
                        body: body.clone(),
                    },
                    Frame::MessageUp { user_id: None, service_id: None, body: body.clone() },
                ] {
                    for request_id in [Some(id.to_owned()), None] {
                        let request = Request { request_id, frame: frame.clone() };
                        let serde = serde_json::to_string(&request).unwrap();
                        assert_eq!(message_request(&request).as_deref(), Some(serde.as_str()));
                    }
                }
            }
        }
    }

    #[test]
    fn every_golden_message_frame_is_written_as_serde_writes_it() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/protocol/vectors/outbound.jsonl");
        let Ok(vectors) = std::fs::read_to_string(&path) else {
            panic!("the golden vectors are read from {}", path.display());
        };
        let mut messages = 0;
        for line in vectors.lines().filter(|l| !l.trim().is_empty()) {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            let Ok(request) = Request::decode(&row["frame"].to_string()) else { continue };
            let serde = serde_json::to_string(&request).unwrap();
            match message_request(&request) {
                Some(fast) => {
                    messages += 1;
                    assert_eq!(fast, serde, "{line}");
                }
                None => {
                    assert!(!matches!(request.frame, Frame::MessageDown { .. } | Frame::MessageUp { .. }))
                }
            }
        }
        assert!(messages >= 5, "the vectors hold message frames of every subtype ({messages} found)");
    }
}
