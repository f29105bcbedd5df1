//! The platform's two readings of a client's frame agree: the hand-written reader of message
//! frames (`src/protocol/frame/fast.rs`) returns a frame only where serde's decoder returns the
//! same one, over every golden vector, generated frames in the SDK's layout, serde's and a
//! pretty one, their byte-level mutations, and nulls and duplicates in every field. And it takes
//! the frames it is for: the SDK's text, image and audio messages.

use super::roundtrip::{frame, text};
use super::vectors::rows;
use moobius::protocol::{Frame, MessageContent, Request};
use proptest::prelude::*;
use serde_json::Value;
use std::fmt::Write as _;

/// Whether the hand-written reader read `text`; fails when it read another frame than serde,
/// or read one serde refuses.
fn agree(text: &str) -> Result<bool, TestCaseError> {
    let (fast, serde) = Request::decode_both_ways(text);
    let Some(fast) = fast else { return Ok(false) };
    match serde {
        Ok(serde) => prop_assert_eq!(fast, serde, "the two readings differ on {}", text),
        Err(error) => prop_assert!(false, "the fast reader read a frame serde refuses ({error}): {text}"),
    }
    Ok(true)
}

fn must_agree(text: &str) -> bool {
    agree(text).unwrap_or_else(|failure| panic!("{failure}"))
}

/// Whether the reader is for this frame: a message whose content it knows, stamped after 1970.
fn is_for_the_reader(frame: &Frame) -> bool {
    let body = match frame {
        Frame::MessageDown { body, .. } | Frame::MessageUp { body, .. } => body,
        _ => return false,
    };
    matches!(body.content, MessageContent::Text(_) | MessageContent::Image(_) | MessageContent::Audio(_))
        && body.timestamp.is_none_or(|stamp| stamp >= 0)
}

/// JSON as Python's `json.dumps` writes it, which is what the reference SDK sends: `", "` and
/// `": "` between items, everything outside ASCII escaped (`ensure_ascii`).
fn python_dumps(value: &Value) -> String {
    fn string(out: &mut String, s: &str) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                ' '..='~' => out.push(c),
                _ => {
                    let mut units = [0; 2];
                    for unit in c.encode_utf16(&mut units) {
                        let _ = write!(out, "\\u{unit:04x}");
                    }
                }
            }
        }
        out.push('"');
    }
    fn write(out: &mut String, value: &Value) {
        match value {
            Value::String(s) => string(out, s),
            Value::Array(items) => {
                out.push('[');
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    write(out, item);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (n, (key, item)) in map.iter().enumerate() {
                    if n > 0 {
                        out.push_str(", ");
                    }
                    string(out, key);
                    out.push_str(": ");
                    write(out, item);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(&mut out, value);
    out
}

/// The layouts a frame's text comes in: this crate's encoder, the SDK's, serde_json's compact
/// and pretty ones.
fn layouts(text: &str) -> Vec<String> {
    let value: Value = serde_json::from_str(text).expect("JSON");
    vec![
        text.to_owned(),
        python_dumps(&value),
        value.to_string(),
        serde_json::to_string_pretty(&value).expect("JSON"),
    ]
}

#[test]
fn every_golden_vector_is_read_alike_and_the_sdk_s_messages_by_the_fast_reader() {
    let mut read = Vec::new();
    let outbound = rows("outbound.jsonl");
    for row in outbound.iter().chain(&rows("inbound.jsonl")) {
        let name = row["name"].as_str().or(row["expect"].as_str()).unwrap_or("?").to_owned();
        for layout in layouts(&row["frame"].to_string()) {
            if must_agree(&layout) {
                read.push(name.clone());
            }
        }
        // The SDK's frames (events carry fields a frame does not, such as `seq`, left to serde).
        let sdk = outbound.iter().any(|frame| std::ptr::eq(frame, row));
        let frame = Request::decode(&row["frame"].to_string()).map(|request| request.frame);
        if sdk && frame.as_ref().is_ok_and(is_for_the_reader) {
            assert!(read.contains(&name), "{name}: a message the fast reader is for, left to serde");
        }
    }
    for row in rows("malformed.jsonl") {
        let text = row["text"].as_str().expect("a malformed row's text");
        assert!(!must_agree(text), "the fast reader read a malformed frame: {text}");
    }
    for name in ["message_up_text", "message_down_text", "message_down_image"] {
        assert!(read.contains(&name.to_owned()), "{name} was not read by the fast reader: {read:?}");
    }
}

#[test]
fn a_null_or_a_second_value_in_any_field_is_read_as_serde_reads_it() {
    let sdk = r#"{"body": {"channel_id": "c", "content": {"text": "hi"}, "context": {}, "message_id": "m", "recipients": "g", "sender": "a", "subtype": "text", "timestamp": 1722014904438}, "request_id": "r", "service_id": "s", "type": "message_down", "user_id": "u"}"#;
    assert!(must_agree(sdk));
    let fields = [
        "\"channel_id\": \"c\"",
        "\"content\": {\"text\": \"hi\"}",
        "\"text\": \"hi\"",
        "\"context\": {}",
        "\"message_id\": \"m\"",
        "\"recipients\": \"g\"",
        "\"sender\": \"a\"",
        "\"subtype\": \"text\"",
        "\"timestamp\": 1722014904438",
        "\"request_id\": \"r\"",
        "\"service_id\": \"s\"",
        "\"type\": \"message_down\"",
        "\"user_id\": \"u\"",
    ];
    for field in fields {
        assert!(sdk.contains(field), "{field}");
        let key = field.split(':').next().expect("a key");
        let nulled = sdk.replacen(field, &format!("{key}: null"), 1);
        let doubled = sdk.replacen(field, &format!("{field}, {field}"), 1);
        let emptied = sdk.replacen(field, &format!("{key}: \"\""), 1);
        for text in [nulled, doubled, emptied] {
            must_agree(&text);
        }
    }
    assert!(must_agree(&sdk.replace("message_down", "message_up")));
}

/// One edit of a frame's text at `at` (a fraction of its length): a byte deleted, a character
/// inserted or a byte replaced; `None` when the edit is not UTF-8.
fn mutate(text: &str, at: f64, edit: u8, with: char) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    let at = ((bytes.len() as f64) * at) as usize % bytes.len().max(1);
    let mut buf = [0; 4];
    let with = with.encode_utf8(&mut buf).as_bytes();
    match edit % 3 {
        0 => {
            bytes.remove(at);
        }
        1 => {
            bytes.splice(at..at, with.iter().copied());
        }
        _ => bytes.splice(at..=at, with.iter().copied()).for_each(drop),
    }
    String::from_utf8(bytes).ok()
}

fn json_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            '{', '}', '[', ']', '"', '\\', ',', ':', ' ', '\n', '0', '1', '-', '.', 'e', 'n', 'u', 'l', 't',
            'x', '\u{1}', 'é', '😀'
        ]),
        any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_frames_are_read_alike_in_every_layout(frame in frame(), id in proptest::option::of(text())) {
        let is_for = is_for_the_reader(&frame);
        let text = Request { request_id: id, frame }.encode();
        for layout in layouts(&text) {
            let read = agree(&layout)?;
            prop_assert_eq!(read, is_for, "read by the fast reader: {}, expected {}: {}", read, is_for, layout);
        }
    }

    #[test]
    fn mutated_frames_are_read_alike(
        frame in frame(),
        python in any::<bool>(),
        edits in proptest::collection::vec((0.0..1.0f64, any::<u8>(), json_char()), 1..4),
    ) {
        let text = Request { request_id: Some("r".into()), frame }.encode();
        let mut text = if python { python_dumps(&serde_json::from_str(&text).unwrap()) } else { text };
        for (at, edit, with) in edits {
            if let Some(mutated) = mutate(&text, at, edit, with) {
                text = mutated;
            }
        }
        agree(&text)?;
    }
}
