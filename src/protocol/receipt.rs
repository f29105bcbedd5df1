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
    // A cheap filter first: most other frames never mention either type.
    if !(text.contains("\"copy\"") || text.contains("\"roger\"")) {
        return None;
    }
    let wire: Wire<'_> = serde_json::from_str(text).ok()?;
    (matches!(&*wire.kind, "copy" | "roger") && wire.body.status).then_some(wire.body.request_id)
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
