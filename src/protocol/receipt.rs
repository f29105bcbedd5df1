//! The one decode on a client's hot path, made cheap: an accepted receipt (`copy`/`roger` with
//! `status: true`) needs only its `request_id`, not a whole [`Event`](super::Event) with its
//! context map. Anything else, including a refusal, is left to [`Incoming::decode`](super::Incoming::decode).

use serde::Deserialize;
use std::borrow::Cow;

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    body: Body<'a>,
}

#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    request_id: Cow<'a, str>,
    status: bool,
}

/// The request id of `text` when it is an accepted receipt; `None` for every other frame
/// (which then goes through the full decoder, that reports what is wrong with a bad one).
pub(crate) fn accepted_receipt(text: &str) -> Option<Cow<'_, str>> {
    // The exact shape the local platform writes (src/platform/ws.rs), read without a parser.
    if let Some(id) = own_shape(text) {
        return Some(Cow::Borrowed(id));
    }
    // A cheap filter first: most other frames never mention either type.
    if !(text.contains("\"copy\"") || text.contains("\"roger\"")) {
        return None;
    }
    let wire: Wire<'_> = serde_json::from_str(text).ok()?;
    (matches!(&*wire.kind, "copy" | "roger") && wire.body.status).then_some(wire.body.request_id)
}

/// The id of `{"type":"copy","body":{"request_id":ID,"origin_type":TYPE,"status":true,"context":{}}}`
/// with ID and TYPE free of escapes; `None` for any other text, even one that means the same.
fn own_shape(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(r#"{"type":"copy","body":{"request_id":""#)?;
    let (id, rest) = plain_string(rest)?;
    let rest = rest.strip_prefix(r#","origin_type":""#)?;
    let (_, rest) = plain_string(rest)?;
    (rest == r#","status":true,"context":{}}}"#).then_some(id)
}

/// The string up to the closing quote, and what follows it; `None` when it has an escape or a
/// control character (the full decoder handles those).
fn plain_string(text: &str) -> Option<(&str, &str)> {
    let end = text.bytes().position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
    (text.as_bytes()[end] == b'"').then(|| (&text[..end], &text[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Event, Incoming};

    #[test]
    fn an_accepted_receipt_gives_its_id_as_the_full_decoder_does() {
        for text in [
            r#"{"type":"copy","body":{"request_id":"r1","origin_type":"message_down","status":true,"context":{}}}"#,
            r#"{"body": {"context": {}, "origin_type": "heartbeat", "request_id": "r1", "status": true}, "type": "roger"}"#,
        ] {
            assert_eq!(accepted_receipt(text).as_deref(), Some("r1"), "{text}");
            let Event::Receipt(receipt) = Incoming::decode(text).unwrap().event else { panic!("{text}") };
            assert!(receipt.status && receipt.request_id == "r1");
        }
    }

    #[test]
    fn the_platforms_own_receipts_are_read_without_a_parser_and_near_misses_are_not() {
        let own = r#"{"type":"copy","body":{"request_id":"r-1","origin_type":"message_down","status":true,"context":{}}}"#;
        assert_eq!(own_shape(own), Some("r-1"));
        for near in [
            r#"{"type":"copy","body":{"request_id":"r\"1","origin_type":"message_down","status":true,"context":{}}}"#,
            r#"{"type":"copy","body":{"request_id":"r-1","origin_type":"message_down","status":false,"context":{}}}"#,
            r#"{"type":"copy","body":{"request_id":"r-1","origin_type":"message_down","status":true,"context":{}}} "#,
            r#"{"type":"copy","body":{"request_id":"r-1","origin_type":"message_down","status":true,"context":{"a":1}}}"#,
            r#"{"type":"copy","body":{"request_id":"r-1"#,
            r#"{"type":"copy","body":{"request_id":"r-1","origin_type":"#,
        ] {
            assert_eq!(own_shape(near), None, "{near}");
        }
        // What the platform writes is that shape, for every id without escapes.
        let written = crate::protocol::Incoming {
            seq: None,
            event: crate::protocol::Event::Receipt(crate::protocol::Receipt {
                kind: crate::protocol::ReceiptKind::Copy,
                request_id: "00000000-0000-0000-0000-000000000002".into(),
                origin_type: Some("message_down".into()),
                status: true,
                context: Some(crate::protocol::Context::new()),
            }),
        }
        .encode();
        assert_eq!(own_shape(&written), Some("00000000-0000-0000-0000-000000000002"), "{written}");
    }

    #[test]
    fn everything_else_is_left_to_the_full_decoder() {
        for text in [
            r#"{"type":"copy","body":{"request_id":"r1","status":false,"context":{"message":"no"}}}"#,
            r#"{"type":"message_down","body":{"subtype":"text","content":{"text":"\"copy\""},"request_id":"x","status":true}}"#,
            r#"{"type":"copy","body":{"request_id":7,"status":true}}"#,
            r#"{"type":"copy","body":{"status":true}}"#,
            r#"{"type":"copy"}"#,
            r#"not json "copy""#,
            r#"{"type":"update","body":{}}"#,
        ] {
            assert_eq!(accepted_receipt(text), None, "{text}");
        }
    }
}
