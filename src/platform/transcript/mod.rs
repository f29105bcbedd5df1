//! Transcripts: a conversation with a service as JSON lines (what the users sent and what each of
//! them received), with every id normalized so that two runs of the same conversation give the
//! same text. The studio records them (`POST /studio/api/record`, `GET /studio/api/transcript`);
//! [`replay`](super::replay) plays a transcript's users against a service and compares.
//!
//! # The format
//!
//! One JSON object per line. The first line is the header; then one line per frame a user sent
//! and per frame a user received, in turns:
//!
//! ```json
//! {"transcript":1,"source":"recording","users":["alice@test.moobius"],"channels":[{"channel":"channel:1","name":"Moobius channel","service":"service:1"}]}
//! {"turn":1,"user":"alice@test.moobius","sent":{"body":{"channel_id":"channel:1","context":{},"subtype":"join_channel"},"type":"action","user_id":"alice@test.moobius"}}
//! {"turn":2,"user":"alice@test.moobius","sent":{"body":{"channel_id":"channel:1","content":{"text":"hello"},"context":{},"recipients":["service:1"],"subtype":"text"},"service_id":"service:1","type":"message_up","user_id":"alice@test.moobius"}}
//! {"turn":2,"user":"alice@test.moobius","received":{"body":{"channel_id":"channel:1","content":{"text":"hello"},"context":{},"message_id":"message:1","recipients":["alice@test.moobius"],"sender":"service:1","subtype":"text"},"type":"message_down"}}
//! ```
//!
//! - Header: `transcript` is the format's version ([`TRANSCRIPT_VERSION`]); `source` says where
//!   it came from (`recording`, or `history`: the studio's history when nothing was recorded);
//!   `users` are the users' names, sorted; `channels` each channel placeholder with the
//!   channel's name and the placeholder of the service bound to it (`null` when none);
//!   `dropped` (only when not 0) counts the frames the recorder left out past its limit.
//! - `turn`: a turn begins with a frame a user sent after something was received (or with the
//!   first one): frames sent one after another form one turn, and what the users received until
//!   the next turn belongs to it. Turn 0 holds what was received before any frame was sent.
//! - `user` and `sent`: a frame the user sent (any but `heartbeat` and the logins), as on the
//!   wire, normalized. `received`: a `message_down` or an `update` (every subtype) the user was
//!   sent. Receipts, refusals and `resume_gap` are left out. In a turn, the sent lines come in
//!   the order sent, then the received lines by user name, each user's in the order received.
//!
//! Normalization of a frame: `request_id` and `seq` are dropped, and `timestamp` (at the top and
//! in `body`); object keys are sorted. Ids (the platform's are UUIDs) become names:
//!
//! - a user id becomes the user's name (the username it signed in with);
//! - a group id in `recipients` or in a `characters` update becomes the sorted list of its
//!   members, each named as below;
//! - channel, service, agent, message and other group ids become placeholders numbered by order
//!   of first appearance: `channel:1`, `service:1`, `agent:1`, `message:1`, `group:1`, and
//!   `id:1` for an id of no known kind. Strings are walked in the order of the lines, keys in
//!   sorted order;
//! - an id inside a longer string (`<user id>: hi all`) is replaced the same way.
//!
//! So a transcript holds no live id: it replays on any fresh platform.

mod normalize;

pub(crate) use normalize::{Directory, Normalizer, group_refs, recipient_lists};

use derive_more::{Display, Error};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The version of the format this crate writes and reads (the header's `transcript`).
pub const TRANSCRIPT_VERSION: u64 = 1;

/// A conversation: the header and the lines, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The first line.
    pub header: Header,
    /// The other lines.
    pub entries: Vec<Entry>,
}

/// The header line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The format's version, [`TRANSCRIPT_VERSION`].
    pub transcript: u64,
    /// Where it came from: `recording` or `history`.
    pub source: String,
    /// The users' names, sorted.
    pub users: Vec<String>,
    /// The channels, by placeholder.
    pub channels: Vec<ChannelEntry>,
    /// Frames left out because the recorder was full.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A channel of the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelEntry {
    /// Its placeholder (`channel:1`).
    pub channel: String,
    /// Its name on the platform it was recorded on.
    pub name: String,
    /// The placeholder of the service bound to it, if any.
    pub service: Option<String>,
}

/// Whether a user sent a frame or received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The user sent it (`"sent"`).
    Sent,
    /// The user received it (`"received"`).
    Received,
}

/// A line after the header: one frame of one user in one turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The turn (0: before anything was sent).
    pub turn: u32,
    /// The user's name.
    pub user: String,
    /// Sent or received.
    pub direction: Direction,
    /// The frame, normalized.
    pub frame: Value,
}

/// An entry as written: `sent` or `received` holds the frame.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryLine {
    turn: u32,
    user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sent: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    received: Option<Value>,
}

/// Why a transcript could not be read.
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct TranscriptError {
    kind: TranscriptErrorKind,
    source: Option<std::io::Error>,
}

/// What was wrong with a transcript.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TranscriptErrorKind {
    /// The file could not be read (the system's reason is the source).
    #[display("cannot read the transcript {path}")]
    Read {
        /// The file.
        path: String,
    },
    /// No header line.
    #[display("the transcript is empty: its first line must be the header {{\"transcript\":1,...}}")]
    Empty,
    /// A line is not what the format says.
    #[display("transcript line {line}: {detail}")]
    Line {
        /// The line's number, from 1.
        line: usize,
        /// What was wrong.
        detail: String,
    },
    /// Another version of the format.
    #[display("the transcript is version {found}; this build reads version {TRANSCRIPT_VERSION}")]
    Version {
        /// The header's version.
        found: u64,
    },
}

impl TranscriptError {
    /// What was wrong.
    pub fn kind(&self) -> &TranscriptErrorKind {
        &self.kind
    }

    fn line(line: usize, detail: impl Into<String>) -> Self {
        Self { kind: TranscriptErrorKind::Line { line, detail: detail.into() }, source: None }
    }
}

impl Transcript {
    /// Reads a transcript from its JSON lines (blank lines are skipped).
    ///
    /// # Errors
    /// [`TranscriptErrorKind::Empty`] with no header, [`TranscriptErrorKind::Version`] for
    /// another version, [`TranscriptErrorKind::Line`] naming the first line that is not valid.
    ///
    /// # Examples
    /// ```
    /// use moobius::platform::transcript::{Direction, Transcript};
    /// let text = r#"{"transcript":1,"source":"recording","users":["alice"],"channels":[]}
    /// {"turn":1,"user":"alice","sent":{"type":"action","body":{"subtype":"join_channel","channel_id":"channel:1"}}}"#;
    /// let transcript = Transcript::parse(text)?;
    /// assert_eq!(transcript.entries[0].direction, Direction::Sent);
    /// assert_eq!(Transcript::parse(&transcript.to_jsonl())?, transcript);
    /// # Ok::<(), moobius::platform::transcript::TranscriptError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, TranscriptError> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let Some((n, first)) = lines.next() else {
            return Err(TranscriptError { kind: TranscriptErrorKind::Empty, source: None });
        };
        let probe: Value = serde_json::from_str(first)
            .map_err(|e| TranscriptError::line(n + 1, format!("not JSON: {e}")))?;
        match probe.get("transcript").and_then(Value::as_u64) {
            Some(TRANSCRIPT_VERSION) => {}
            Some(found) => {
                return Err(TranscriptError { kind: TranscriptErrorKind::Version { found }, source: None });
            }
            None => return Err(TranscriptError::line(n + 1, "the header has no `transcript` version")),
        }
        let header: Header = serde_json::from_value(probe)
            .map_err(|e| TranscriptError::line(n + 1, format!("not a header: {e}")))?;
        let mut entries = Vec::new();
        for (n, line) in lines {
            let parsed: EntryLine = serde_json::from_str(line).map_err(|e| {
                TranscriptError::line(n + 1, format!("not a line {{turn, user, sent | received}}: {e}"))
            })?;
            let (direction, frame) = match (parsed.sent, parsed.received) {
                (Some(frame), None) => (Direction::Sent, frame),
                (None, Some(frame)) => (Direction::Received, frame),
                _ => {
                    return Err(TranscriptError::line(
                        n + 1,
                        "a line has exactly one of `sent` and `received`",
                    ));
                }
            };
            if !frame.is_object() {
                return Err(TranscriptError::line(n + 1, "the frame is not a JSON object"));
            }
            entries.push(Entry { turn: parsed.turn, user: parsed.user, direction, frame });
        }
        Ok(Self { header, entries })
    }

    /// Reads the transcript in the file at `path`.
    ///
    /// # Errors
    /// [`TranscriptErrorKind::Read`] when the file cannot be read; otherwise as
    /// [`Transcript::parse`].
    ///
    /// # Examples
    /// ```no_run
    /// let transcript = moobius::platform::transcript::Transcript::read("tests/transcripts/echo.jsonl")?;
    /// println!("{} turns", transcript.turn_count());
    /// # Ok::<(), moobius::platform::transcript::TranscriptError>(())
    /// ```
    pub fn read(path: impl AsRef<Path>) -> Result<Self, TranscriptError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| TranscriptError {
            kind: TranscriptErrorKind::Read { path: path.display().to_string() },
            source: Some(e),
        })?;
        Self::parse(&text)
    }

    /// The JSON lines, each ending with a newline.
    pub fn to_jsonl(&self) -> String {
        let mut out = serde_json::to_string(&self.header).unwrap_or_default();
        out.push('\n');
        for entry in &self.entries {
            let (sent, received) = match entry.direction {
                Direction::Sent => (Some(entry.frame.clone()), None),
                Direction::Received => (None, Some(entry.frame.clone())),
            };
            let line = EntryLine { turn: entry.turn, user: entry.user.clone(), sent, received };
            out.push_str(&serde_json::to_string(&line).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// The number of the last turn (0 when nothing was sent).
    pub fn turn_count(&self) -> u32 {
        self.entries.iter().map(|e| e.turn).max().unwrap_or(0)
    }

    /// The entries by turn, in order.
    pub fn turns(&self) -> BTreeMap<u32, Vec<&Entry>> {
        let mut turns: BTreeMap<u32, Vec<&Entry>> = BTreeMap::new();
        for entry in &self.entries {
            turns.entry(entry.turn).or_default().push(entry);
        }
        turns
    }

    /// The service placeholders of the header's channels, in order, once each.
    pub fn services(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.header.channels.iter().filter_map(|c| c.service.as_deref()).filter(|s| seen.insert(*s)).collect()
    }
}

/// A frame as the platform saw it, before normalization: the user's id, whether the user sent
/// it, and its text.
#[derive(Debug, Clone)]
pub(crate) struct RawFrame {
    pub(crate) user: String,
    pub(crate) sent: bool,
    pub(crate) text: String,
}

/// Whether a frame belongs in a transcript: a user's frame but a heartbeat or a login, or a
/// `message_down` or an `update` sent to a user (the platform composes them with `type` first).
pub(crate) fn kept(sent: bool, text: &str) -> bool {
    if !sent {
        return text.starts_with(r#"{"type":"message_down""#) || text.starts_with(r#"{"type":"update""#);
    }
    #[derive(Deserialize)]
    struct Kind<'a> {
        #[serde(rename = "type", borrow)]
        kind: Option<std::borrow::Cow<'a, str>>,
    }
    match serde_json::from_str::<Kind<'_>>(text) {
        Ok(Kind { kind: Some(kind) }) => !matches!(&*kind, "heartbeat" | "user_login" | "service_login"),
        _ => false,
    }
}

/// Builds a transcript from frames in the order the platform saw them: turns, the canonical
/// order within each, normalization, the header.
pub(crate) fn build(
    frames: &[RawFrame],
    directory: &dyn Directory,
    source: &str,
    dropped: u64,
) -> Transcript {
    /// Frames of a turn, parsed: those sent, then those received.
    type Turn<'a> = (Vec<(&'a RawFrame, Value)>, Vec<(&'a RawFrame, Value)>);
    let mut turns: Vec<Turn<'_>> = vec![(Vec::new(), Vec::new())];
    let mut last_sent = false;
    for frame in frames {
        let Ok(value) = serde_json::from_str::<Value>(&frame.text) else { continue };
        if frame.sent && !last_sent {
            turns.push((Vec::new(), Vec::new()));
        }
        last_sent = frame.sent;
        let turn = turns.last_mut().expect("there is always a turn");
        if frame.sent { turn.0.push((frame, value)) } else { turn.1.push((frame, value)) }
    }
    let name = |id: &str| directory.user_name(id).unwrap_or_else(|| id.to_owned());
    let mut normalizer = Normalizer::default();
    let mut entries = Vec::new();
    let mut users = BTreeSet::new();
    for (n, (sent, mut received)) in turns.into_iter().enumerate() {
        received.sort_by_cached_key(|(f, _)| name(&f.user));
        let all = sent
            .iter()
            .map(|s| (s, Direction::Sent))
            .chain(received.iter().map(|r| (r, Direction::Received)));
        for ((frame, value), direction) in all {
            let user = name(&frame.user);
            users.insert(user.clone());
            let frame = normalizer.frame(directory, value);
            entries.push(Entry { turn: n as u32, user, direction, frame });
        }
    }
    let mut channels = Vec::new();
    for (placeholder, live) in normalizer.placeholders("channel") {
        let (name, service) = directory.channel(&live).unwrap_or_default();
        let service = service.map(|s| normalizer.id(directory, Some("service_id"), &s));
        channels.push(ChannelEntry { channel: placeholder, name, service });
    }
    let header = Header {
        transcript: TRANSCRIPT_VERSION,
        source: source.to_owned(),
        users: users.into_iter().collect(),
        channels,
        dropped,
    };
    Transcript { header, entries }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No ids to look up: the frames of these tests hold none.
    struct Nobody;

    impl Directory for Nobody {
        fn user_name(&self, id: &str) -> Option<String> {
            Some(format!("user {id}"))
        }
        fn channel(&self, _: &str) -> Option<(String, Option<String>)> {
            None
        }
        fn is_service(&self, _: &str) -> bool {
            false
        }
        fn group_members(&self, _: &str) -> Option<Vec<String>> {
            None
        }
    }

    fn raw(user: &str, sent: bool, n: u32) -> RawFrame {
        let kind = if sent { "action" } else { "update" };
        RawFrame {
            user: user.into(),
            sent,
            text: format!(r#"{{"type":"{kind}","seq":{n},"body":{{"n":{n}}}}}"#),
        }
    }

    #[test]
    fn frames_sent_in_a_row_are_one_turn_and_each_turn_lists_the_received_by_user() {
        let frames = [
            raw("b", false, 0),
            raw("a", true, 1),
            raw("b", true, 2),
            raw("b", false, 3),
            raw("a", false, 4),
            raw("b", false, 5),
            raw("a", true, 6),
        ];
        let transcript = build(&frames, &Nobody, "recording", 0);
        let lines: Vec<(u32, &str, Direction, u64)> = transcript
            .entries
            .iter()
            .map(|e| (e.turn, e.user.as_str(), e.direction, e.frame["body"]["n"].as_u64().unwrap()))
            .collect();
        use Direction::{Received as R, Sent as S};
        assert_eq!(
            lines,
            [
                (0, "user b", R, 0),
                (1, "user a", S, 1),
                (1, "user b", S, 2),
                (1, "user a", R, 4),
                (1, "user b", R, 3),
                (1, "user b", R, 5),
                (2, "user a", S, 6),
            ]
        );
        assert!(transcript.entries.iter().all(|e| e.frame.get("seq").is_none()));
        assert_eq!(transcript.header.users, ["user a", "user b"]);
        assert_eq!(Transcript::parse(&transcript.to_jsonl()).unwrap(), transcript);
        assert_eq!(transcript.turn_count(), 2);
    }

    #[test]
    fn what_is_not_a_transcript_is_refused_with_its_line() {
        let kind = |text: &str| Transcript::parse(text).unwrap_err().kind().clone();
        assert_eq!(kind("\n"), TranscriptErrorKind::Empty);
        assert_eq!(kind(r#"{"transcript":2}"#), TranscriptErrorKind::Version { found: 2 });
        let header = r#"{"transcript":1,"source":"recording","users":[],"channels":[]}"#;
        let both = format!("{header}\n\n{{\"turn\":1,\"user\":\"a\",\"sent\":{{}},\"received\":{{}}}}");
        assert!(matches!(kind(&both), TranscriptErrorKind::Line { line: 3, .. }), "{:?}", kind(&both));
        let text = format!("{header}\n{{\"turn\":1,\"user\":\"a\",\"sent\":[1]}}");
        assert!(matches!(kind(&text), TranscriptErrorKind::Line { line: 2, .. }));
        assert!(matches!(kind("{}"), TranscriptErrorKind::Line { line: 1, .. }));
    }

    #[test]
    fn only_users_frames_but_heartbeats_and_logins_and_only_messages_and_updates_to_them_are_kept() {
        assert!(kept(true, r#"{"body":{},"type":"message_up"}"#));
        assert!(!kept(true, r#"{"type":"heartbeat","body":{}}"#));
        assert!(!kept(true, r#"{"type":"user_login","access_token":"t"}"#));
        assert!(kept(false, r#"{"type":"update","seq":1,"body":{}}"#));
        assert!(!kept(false, r#"{"type":"copy","body":{}}"#));
        assert!(!kept(false, r#"{"type":"resume_gap","body":{}}"#));
    }
}
