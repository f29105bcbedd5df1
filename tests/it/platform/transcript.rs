//! The studio's transcripts on the wire: `POST /studio/api/record` starts a fresh recording and
//! stops it, `GET /studio/api/transcript` answers the users' frames normalized (names and
//! placeholders, no request ids, times or `seq`), as JSON lines; without a recording, the
//! conversation in the studio's history; the recorder works with the feed turned off.
#![cfg(feature = "platform")]

use crate::support::studio::{Feed, get_raw};
use crate::support::*;
use moobius::platform::PlatformConfig;
use moobius::platform::transcript::{Direction, Transcript};
use moobius::protocol::{Event, Frame, MessageContent};
use serde_json::json;

/// The transcript the studio answers now.
async fn transcript(platform: &moobius::platform::PlatformHandle) -> (Transcript, String) {
    let (status, content_type, text) = get_raw(platform, "/studio/api/transcript").await;
    assert_eq!((status, content_type.as_str()), (200, "application/x-ndjson"), "{text}");
    (Transcript::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}")), text)
}

/// The user says `text` to the service, and the service's agent answers `answer` to the user:
/// both arrive.
async fn exchange(s: &mut Live, text: &str, answer: &str) {
    let up = Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text(text),
        s.user_group.clone(),
    )
    .unwrap();
    assert!(s.user_ws.request(up).await.status);
    let heard = s.service.next_event().await;
    assert!(matches!(heard.event, Event::MessageUp(_)), "{heard:?}");
    let down = s.say(answer);
    assert!(s.service.request(down).await.status);
    let got = s.user_ws.next_event().await;
    assert!(matches!(got.event, Event::MessageDown(_)), "{got:?}");
}

#[actix_rt::test]
async fn a_recording_holds_the_users_frames_normalized_and_stops_on_request() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let (mut feed, _) = Feed::open(&platform).await;
    let answer = http_post(&platform, "/studio/api/record", None, json!({"recording": true})).await;
    assert_eq!(answer, (200, json!({"recording": true})));
    let control = feed.wait_for("the record control", |e| e["kind"] == "control").await;
    assert_eq!(control["action"], "record");

    exchange(&mut s, "hello", "hi there").await;
    assert!(s.user_ws.request(Frame::heartbeat()).await.status);
    let (recorded, text) = transcript(&platform).await;
    assert_eq!(recorded.header.source, "recording");
    assert_eq!(recorded.header.users, ["alice"]);
    let channels = serde_json::to_value(&recorded.header.channels).unwrap();
    assert_eq!(channels, json!([{"channel": "channel:1", "name": "lobby", "service": "service:1"}]));
    // The message up and the answer, in one turn; no heartbeat, receipt, login or join (before).
    let lines: Vec<_> = recorded.entries.iter().map(|e| (e.turn, e.user.as_str(), e.direction)).collect();
    assert_eq!(lines, [(1, "alice", Direction::Sent), (1, "alice", Direction::Received)]);
    assert_eq!(
        recorded.entries[0].frame,
        json!({"type": "message_up", "user_id": "alice", "service_id": "service:1", "body": {
            "subtype": "text", "channel_id": "channel:1", "content": {"text": "hello"},
            "recipients": ["alice"], "context": {},
        }})
    );
    assert_eq!(
        recorded.entries[1].frame,
        json!({"type": "message_down", "body": {
            "subtype": "text", "channel_id": "channel:1", "content": {"text": "hi there"},
            "recipients": ["alice"], "sender": "agent:1", "message_id": "message:1", "context": {},
        }})
    );
    for live in [s.user.user_id.as_str(), s.channel_id.as_str(), s.service_id.as_str(), s.agent.as_str()] {
        assert!(!text.contains(live), "a live id in the transcript: {text}");
    }
    assert!(
        !text.contains("request_id") && !text.contains("timestamp") && !text.contains("\"seq\""),
        "{text}"
    );

    // Stopped: the recording stays as it was.
    let answer = http_post(&platform, "/studio/api/record", None, json!({"recording": false})).await;
    assert_eq!(answer, (200, json!({"recording": false, "frames": 2})));
    let control = feed.wait_for("the stop control", |e| e["kind"] == "control").await;
    assert_eq!(control["action"], "record_stop");
    exchange(&mut s, "again", "not recorded").await;
    assert_eq!(transcript(&platform).await.0, recorded);

    // Started again: a fresh recording.
    let answer = http_post(&platform, "/studio/api/record", None, json!({"recording": true})).await;
    assert_eq!(answer.0, 200);
    assert!(transcript(&platform).await.0.entries.is_empty());
    exchange(&mut s, "third", "recorded").await;
    let (again, _) = transcript(&platform).await;
    assert_eq!(again.entries.len(), 2);
    assert_eq!(again.entries[1].frame["body"]["message_id"], "message:1", "numbered afresh");
}

#[actix_rt::test]
async fn without_a_recording_the_transcript_is_the_conversation_in_the_history() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    exchange(&mut s, "hello", "hi there").await;
    let (history, _) = transcript(&platform).await;
    assert_eq!(history.header.source, "history");
    // The join of the provisioning (then nothing received: turn 1), the message and its answer.
    let kinds: Vec<_> = history
        .entries
        .iter()
        .map(|e| (e.turn, e.direction, e.frame["type"].as_str().unwrap_or_default().to_owned()))
        .collect();
    assert_eq!(
        kinds,
        [
            (1, Direction::Sent, "action".to_owned()),
            (1, Direction::Sent, "message_up".into()),
            (1, Direction::Received, "message_down".into())
        ]
    );
    assert_eq!(history.entries[0].frame["body"]["subtype"], "join_channel");
}

#[actix_rt::test]
async fn the_recorder_works_with_the_feed_off_and_refuses_bad_bodies() {
    let platform = start_platform_with(PlatformConfig::default().studio(false)).await;
    let mut s = live_world(&platform).await;
    let (empty, _) = transcript(&platform).await;
    assert_eq!((empty.header.source.as_str(), empty.entries.len()), ("history", 0), "the feed keeps nothing");
    assert_eq!(http_post(&platform, "/studio/api/record", None, json!({"recording": true})).await.0, 200);
    exchange(&mut s, "hello", "hi").await;
    assert_eq!(transcript(&platform).await.0.entries.len(), 2);

    for body in [json!({}), json!({"recording": "yes"}), json!({"recording": true, "extra": 1})] {
        let (status, answer) = http_post(&platform, "/studio/api/record", None, body.clone()).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["error"].as_str().unwrap().contains(r#"{"recording": true}"#), "{answer}");
    }
}
