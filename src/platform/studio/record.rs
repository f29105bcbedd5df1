//! The studio's recorder of transcripts: while on, every frame a user sends and every
//! `message_down` / `update` a user is sent is kept (bounded by [`STUDIO_TRANSCRIPT_FRAMES`] and
//! [`STUDIO_TRANSCRIPT_BYTES`]); `GET /studio/api/transcript` normalizes what was kept (or the
//! studio's history, when nothing was recorded) through the hub. Off, it costs one atomic load
//! per frame.

use super::Studio;
use crate::platform::server::Shared;
use crate::platform::transcript::{self, Directory, RawFrame};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// Frames a recording keeps at most; later ones are counted in the header's `dropped`.
pub const STUDIO_TRANSCRIPT_FRAMES: usize = 10_000;
/// Bytes of frame text a recording keeps at most; later frames are counted as dropped.
pub const STUDIO_TRANSCRIPT_BYTES: usize = 8 * 1024 * 1024;

/// The recorder: off until `POST /studio/api/record` turns it on.
#[derive(Default)]
pub(crate) struct Recording {
    on: AtomicBool,
    state: Mutex<Option<Recorded>>,
}

#[derive(Default)]
struct Recorded {
    frames: Vec<RawFrame>,
    bytes: usize,
    dropped: u64,
    /// The channels' names when the recording began (a service may rename a channel).
    names: HashMap<String, String>,
}

impl Recording {
    /// Whether frames are being recorded (one atomic load).
    pub(crate) fn is_on(&self) -> bool {
        self.on.load(Ordering::Acquire)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Recorded>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a fresh recording, with the channels' names as they are now.
    fn start(&self, names: HashMap<String, String>) {
        *self.lock() = Some(Recorded { names, ..Recorded::default() });
        self.on.store(true, Ordering::Release);
    }

    /// Stops recording; the frames kept.
    fn stop(&self) -> usize {
        self.on.store(false, Ordering::Release);
        self.lock().as_ref().map_or(0, |r| r.frames.len())
    }

    /// A frame of the user `user` (`sent` by it, or sent to it).
    pub(crate) fn frame(&self, user: &str, sent: bool, text: &str) {
        if !transcript::kept(sent, text) {
            return;
        }
        let mut state = self.lock();
        let Some(recorded) = state.as_mut().filter(|_| self.is_on()) else { return };
        if recorded.frames.len() >= STUDIO_TRANSCRIPT_FRAMES
            || recorded.bytes + text.len() > STUDIO_TRANSCRIPT_BYTES
        {
            recorded.dropped += 1;
            return;
        }
        recorded.bytes += text.len();
        recorded.frames.push(RawFrame { user: user.to_owned(), sent, text: text.to_owned() });
    }
}

/// The hub as the normalizer's directory: the users are those of the conversation.
struct HubDirectory<'a> {
    shared: &'a Shared,
    users: HashSet<String>,
    services: HashSet<String>,
    names: HashMap<String, String>,
}

impl<'a> HubDirectory<'a> {
    fn new(shared: &'a Shared, frames: &[RawFrame], names: HashMap<String, String>) -> Self {
        let services =
            shared.hub().all_channels().into_iter().filter_map(|(_, c)| c.service.clone()).collect();
        let users = frames.iter().map(|f| f.user.clone()).collect();
        Self { shared, users, services, names }
    }
}

impl Directory for HubDirectory<'_> {
    fn user_name(&self, id: &str) -> Option<String> {
        self.users.contains(id).then(|| self.shared.hub().username(id).map(str::to_owned)).flatten()
    }

    fn channel(&self, id: &str) -> Option<(String, Option<String>)> {
        let hub = self.shared.hub();
        let channel = hub.channel(id).ok()?;
        let name = self.names.get(id).unwrap_or(&channel.name).clone();
        Some((name, channel.service.clone()))
    }

    fn is_service(&self, id: &str) -> bool {
        self.services.contains(id)
    }

    fn group_members(&self, id: &str) -> Option<Vec<String>> {
        self.shared.hub().group(id).ok().map(<[String]>::to_vec)
    }
}

impl Studio {
    /// The users' frames in the history (oldest first), for a transcript when nothing was
    /// recorded. Frames the feed cut are left out.
    fn history_frames(&self) -> Vec<RawFrame> {
        let (events, _) = self.subscribe();
        events
            .iter()
            .filter_map(|event| {
                let event: Value = serde_json::from_str(event).ok()?;
                if event["kind"] != "frame" || event["peer"]["role"] != "user" || event["truncated"] == true {
                    return None;
                }
                let sent = event["dir"] == "in";
                let text = event["text"].as_str()?;
                transcript::kept(sent, text).then(|| RawFrame {
                    user: event["peer"]["id"].as_str().unwrap_or_default().to_owned(),
                    sent,
                    text: text.to_owned(),
                })
            })
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    recording: bool,
}

/// `POST /studio/api/record`: `{"recording": true}` starts a fresh recording, `false` stops it.
pub(super) async fn record(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: Record = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            let error = format!(r#"the body must be a JSON object such as {{"recording": true}}: {e}"#);
            return HttpResponse::BadRequest().json(json!({ "error": error }));
        }
    };
    let recording = &shared.studio.recording;
    if request.recording {
        let names =
            shared.hub().all_channels().into_iter().map(|(id, c)| (id.to_owned(), c.name.clone())).collect();
        recording.start(names);
        shared.studio.control("record", None, None);
        HttpResponse::Ok().json(json!({ "recording": true }))
    } else {
        let frames = recording.stop();
        shared.studio.control("record_stop", None, None);
        HttpResponse::Ok().json(json!({ "recording": false, "frames": frames }))
    }
}

/// `GET /studio/api/transcript`: the recording so far, else the history's conversation.
pub(super) async fn transcript(shared: web::Data<Shared>) -> HttpResponse {
    let recorded =
        shared.studio.recording.lock().as_ref().map(|r| (r.frames.clone(), r.dropped, r.names.clone()));
    let (frames, dropped, names, source) = match recorded {
        Some((frames, dropped, names)) => (frames, dropped, names, "recording"),
        None => (shared.studio.history_frames(), 0, HashMap::new(), "history"),
    };
    let directory = HubDirectory::new(&shared, &frames, names);
    let transcript = transcript::build(&frames, &directory, source, dropped);
    HttpResponse::Ok().content_type("application/x-ndjson").body(transcript.to_jsonl())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_users_frames_of_a_conversation_are_kept_and_the_recording_is_bounded() {
        let recording = Recording::default();
        recording.frame("u", true, r#"{"type":"action","body":{}}"#);
        assert!(recording.lock().is_none(), "off: nothing kept");
        recording.start(HashMap::new());
        for text in [
            r#"{"type":"heartbeat","body":{}}"#,
            r#"{"request_id":"r","type":"user_login","access_token":"secret"}"#,
            r#"not json"#,
        ] {
            recording.frame("u", true, text);
        }
        recording.frame("u", false, r#"{"type":"copy","body":{"request_id":"r"}}"#);
        assert_eq!(recording.lock().as_ref().unwrap().frames.len(), 0, "heartbeats, logins, receipts: no");
        recording.frame("u", true, r#"{"body":{},"type":"message_up"}"#);
        recording.frame("u", false, r#"{"type":"update","seq":1,"body":{}}"#);
        recording.frame("u", false, r#"{"type":"message_down","seq":2,"body":{}}"#);
        assert_eq!(recording.stop(), 3);
        recording.frame("u", true, r#"{"type":"action","body":{}}"#);
        assert_eq!(recording.lock().as_ref().unwrap().frames.len(), 3, "stopped: nothing more");

        recording.start(HashMap::new());
        assert_eq!(recording.lock().as_ref().unwrap().frames.len(), 0, "a fresh recording");
        let big = format!(
            r#"{{"type":"message_up","body":{{"t":"{}"}}}}"#,
            "x".repeat(STUDIO_TRANSCRIPT_BYTES / 3)
        );
        for _ in 0..4 {
            recording.frame("u", true, &big);
        }
        let state = recording.lock();
        let recorded = state.as_ref().unwrap();
        assert_eq!((recorded.frames.len(), recorded.dropped), (2, 2));
        assert!(recorded.bytes <= STUDIO_TRANSCRIPT_BYTES);
    }
}
