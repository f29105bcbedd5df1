//! Replays a [`Transcript`]'s users against a service running on a fresh local platform, and
//! compares what they receive with the transcript, turn by turn.
//!
//! Each user of the transcript signs in by name (the local platform creates the account) and logs
//! in over its own raw WebSocket (the replay's client of the platform, in `client.rs`). The
//! transcript's placeholders are mapped to the ids of this run: the channels to the service's
//! channels ([`ReplayOptions::channels`], else the platform's channels with a bound service, by
//! name, from `GET /studio/api/channels`), the services through the channels they are bound to,
//! agents, messages and groups by order of appearance in what arrives (what arrives is normalized
//! as the recorder normalizes, see [`transcript`](super::transcript)). Then, turn by turn: each
//! frame the users sent is sent again, in order, each after the receipt of the one before; the turn
//! is complete when each user received as many frames as the transcript says (bounded by
//! [`ReplayOptions::turn_timeout`]), plus a grace period ([`ReplayOptions::grace`]) in which
//! further frames count as extra. What came is compared with what was expected, per user: text,
//! buttons, canvas, menus, style, characters, recipients, and missing and extra frames
//! ([`ReplayReport`]).
//!
//! ```no_run
//! # async fn demo(platform: moobius::platform::PlatformHandle) -> Result<(), Box<dyn std::error::Error>> {
//! use moobius::platform::replay::{ReplayOptions, replay};
//! use moobius::platform::transcript::Transcript;
//! let transcript = Transcript::read("tests/transcripts/echo.jsonl")?;
//! // ... start the echo service on `platform` first ...
//! let report = replay(&platform, &transcript, ReplayOptions::default()).await?;
//! assert!(report.is_empty(), "{report}");
//! # Ok(()) }
//! ```

mod client;
mod error;
mod report;

pub use error::{ReplayError, ReplayErrorKind};
pub use report::{Difference, DifferenceKind, ReplayReport, TurnReport};

use super::PlatformHandle;
use super::transcript::{Direction, Directory, Normalizer, Transcript, group_refs, recipient_lists};
use crate::protocol::ChannelId;
use client::{Received, UserClient};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout_at};

/// How long a turn waits for the frames the transcript expects, by default.
pub const DEFAULT_TURN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a turn waits, once the expected frames came, for frames the transcript does not
/// hold (they are reported as extra), by default.
pub const DEFAULT_GRACE: Duration = Duration::from_millis(100);
/// The password the replay's users sign in with, by default (the local platform creates each
/// account on its first sign-in).
pub const DEFAULT_REPLAY_PASSWORD: &str = "replay-password";

/// How a replay runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReplayOptions {
    /// How long a turn waits for the expected frames ([`DEFAULT_TURN_TIMEOUT`]); also the bound
    /// of each HTTP call and receipt.
    pub turn_timeout: Duration,
    /// How long a complete turn still waits for extras ([`DEFAULT_GRACE`]).
    pub grace: Duration,
    /// The users' password ([`DEFAULT_REPLAY_PASSWORD`]).
    pub password: String,
    /// The live channels for `channel:1`, `channel:2`, ... in order; empty (the default): the
    /// platform's channels with a bound service whose names are the transcript's.
    pub channels: Vec<ChannelId>,
    /// Whether a user's frames must come in the transcript's order (default `true`).
    pub ordered: bool,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        Self {
            turn_timeout: DEFAULT_TURN_TIMEOUT,
            grace: DEFAULT_GRACE,
            password: DEFAULT_REPLAY_PASSWORD.to_owned(),
            channels: Vec::new(),
            ordered: true,
        }
    }
}

impl ReplayOptions {
    /// With this turn timeout.
    pub fn turn_timeout(mut self, timeout: Duration) -> Self {
        self.turn_timeout = timeout;
        self
    }

    /// With this grace period.
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// With this password for the users.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = password.into();
        self
    }

    /// With these channels for the transcript's, in order (a service's `channels()`, or the
    /// ids its `ready:` line prints).
    pub fn channels(mut self, channels: Vec<ChannelId>) -> Self {
        self.channels = channels;
        self
    }

    /// Whether each user's frames must come in the transcript's order.
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }
}

/// What the replay knows of this run's ids.
#[derive(Default)]
struct LiveDirectory {
    /// User id → name.
    users: HashMap<String, String>,
    /// Channel id → (name, bound service).
    channels: HashMap<String, (String, Option<String>)>,
    services: HashSet<String>,
    /// Group id → members, as fetched.
    groups: HashMap<String, Vec<String>>,
}

impl Directory for LiveDirectory {
    fn user_name(&self, id: &str) -> Option<String> {
        self.users.get(id).cloned()
    }
    fn channel(&self, id: &str) -> Option<(String, Option<String>)> {
        self.channels.get(id).cloned()
    }
    fn is_service(&self, id: &str) -> bool {
        self.services.contains(id)
    }
    fn group_members(&self, id: &str) -> Option<Vec<String>> {
        self.groups.get(id).cloned()
    }
}

/// Replays `transcript` against the service running on `platform` (fresh: no other users).
///
/// # Errors
/// [`ReplayError`] when the replay cannot run to its end: the channels cannot be mapped, a user
/// cannot sign in or connect, a connection ends, a frame gets no receipt. Differences are not
/// errors: they are in the [`ReplayReport`].
///
/// # Examples
/// ```no_run
/// # async fn demo(platform: moobius::platform::PlatformHandle) -> Result<(), Box<dyn std::error::Error>> {
/// use moobius::platform::replay::{ReplayOptions, replay};
/// use moobius::platform::transcript::Transcript;
/// let transcript = Transcript::read("tests/transcripts/buttons.jsonl")?;
/// let options = ReplayOptions::default().grace(std::time::Duration::from_millis(50));
/// let report = replay(&platform, &transcript, options).await?;
/// for (turn, difference) in report.differences() {
///     eprintln!("turn {turn}: {difference}");
/// }
/// # Ok(()) }
/// ```
pub async fn replay(
    platform: &PlatformHandle,
    transcript: &Transcript,
    options: ReplayOptions,
) -> Result<ReplayReport, ReplayError> {
    replay_at(&platform.http_url(), &platform.ws_url(), transcript, options).await
}

/// [`replay`] against the local platform at these URLs (`moobius platform`'s, say).
///
/// # Errors
/// As [`replay`].
///
/// # Examples
/// ```no_run
/// # async fn demo(transcript: moobius::platform::transcript::Transcript) -> Result<(), moobius::platform::replay::ReplayError> {
/// use moobius::platform::replay::{ReplayOptions, replay_at};
/// let options = ReplayOptions::default();
/// let report = replay_at("http://127.0.0.1:8787", "ws://127.0.0.1:8787/ws", &transcript, options).await?;
/// println!("{report}");
/// # Ok(()) }
/// ```
pub async fn replay_at(
    http_url: &str,
    ws_url: &str,
    transcript: &Transcript,
    options: ReplayOptions,
) -> Result<ReplayReport, ReplayError> {
    let started = Instant::now();
    let mut directory = LiveDirectory::default();
    let mut normalizer = Normalizer::default();
    map_channels(http_url, transcript, &options, &mut directory, &mut normalizer).await?;
    let (tx, mut received) = mpsc::unbounded_channel();
    let mut users = Vec::new();
    for (index, name) in transcript.header.users.iter().enumerate() {
        let urls = (http_url, ws_url);
        let user =
            UserClient::connect(urls, name, &options.password, index, tx.clone(), options.turn_timeout)
                .await?;
        directory.users.insert(user.id.clone(), name.clone());
        normalizer.seed(name, &user.id);
        users.push(user);
    }
    drop(tx);
    let mut run = Run { options: &options, directory, normalizer, users, turns: Vec::new() };
    let outcome = run.turns(transcript, &mut received).await;
    for user in run.users {
        user.close().await;
    }
    outcome?;
    Ok(ReplayReport { turns: run.turns, elapsed: started.elapsed() })
}

/// Maps the header's channels (and their services) to this platform's.
async fn map_channels(
    http_url: &str,
    transcript: &Transcript,
    options: &ReplayOptions,
    directory: &mut LiveDirectory,
    normalizer: &mut Normalizer,
) -> Result<(), ReplayError> {
    let studio = |detail: String| ReplayError::new(ReplayErrorKind::Studio { detail }, None);
    let client = awc::Client::builder().timeout(options.turn_timeout).finish();
    let mut response = client
        .get(format!("{}/studio/api/channels", http_url.trim_end_matches('/')))
        .send()
        .await
        .map_err(|e| studio(e.to_string()))?;
    let answer: Value = response.json().limit(16 * 1024 * 1024).await.map_err(|e| studio(e.to_string()))?;
    let listed =
        answer["channels"].as_array().ok_or_else(|| studio(format!("unexpected answer {answer}")))?;
    let mut live: Vec<(String, String, Option<String>)> = Vec::new();
    for channel in listed {
        let id = channel["channel_id"].as_str().unwrap_or_default().to_owned();
        let name = channel["channel_name"].as_str().unwrap_or_default().to_owned();
        let service = channel["service_id"].as_str().map(str::to_owned);
        directory.services.extend(service.clone());
        directory.channels.insert(id.clone(), (name.clone(), service.clone()));
        live.push((id, name, service));
    }
    let channels = |detail: String| ReplayError::new(ReplayErrorKind::Channels { detail }, None);
    let mut taken = HashSet::new();
    for (i, wanted) in transcript.header.channels.iter().enumerate() {
        let id = match options.channels.get(i) {
            Some(id) => id.to_string(),
            None if !options.channels.is_empty() => {
                return Err(channels(format!(
                    "the transcript has {} channels, the options name {}",
                    transcript.header.channels.len(),
                    options.channels.len()
                )));
            }
            None => live
                .iter()
                .find(|(id, name, service)| *name == wanted.name && service.is_some() && !taken.contains(id))
                .map(|(id, _, _)| id.clone())
                .ok_or_else(|| {
                    channels(format!(
                        "no channel named `{}` with a bound service for {} (is the service running?)",
                        wanted.name, wanted.channel
                    ))
                })?,
        };
        taken.insert(id.clone());
        normalizer.seed(&wanted.channel, &id);
        let bound = directory.channels.get(&id).and_then(|(_, s)| s.clone());
        if let (Some(placeholder), Some(service)) = (&wanted.service, bound) {
            match normalizer.live_id(placeholder) {
                Some(seen) if seen != service => {
                    return Err(channels(format!(
                        "{} and another channel of {placeholder} are bound to different services here",
                        wanted.channel
                    )));
                }
                _ => normalizer.seed(placeholder, &service),
            }
        }
    }
    Ok(())
}

/// A replay under way.
struct Run<'a> {
    options: &'a ReplayOptions,
    directory: LiveDirectory,
    normalizer: Normalizer,
    users: Vec<UserClient>,
    turns: Vec<TurnReport>,
}

impl Run<'_> {
    async fn turns(
        &mut self,
        transcript: &Transcript,
        received: &mut mpsc::UnboundedReceiver<Received>,
    ) -> Result<(), ReplayError> {
        let index: HashMap<&str, usize> =
            transcript.header.users.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        for (turn, entries) in transcript.turns() {
            let started = Instant::now();
            let mut differences = Vec::new();
            let mut expected: Vec<Vec<Value>> = vec![Vec::new(); self.users.len()];
            let mut sent = 0;
            for user in &mut self.users {
                user.keep_alive().await?;
            }
            for entry in &entries {
                let Some(&user) = index.get(entry.user.as_str()) else {
                    let kind = match entry.direction {
                        Direction::Sent => DifferenceKind::NotSent {
                            frame: entry.frame.clone(),
                            reason: "the user is not in the header's `users`".into(),
                        },
                        Direction::Received => DifferenceKind::Missing { expected: entry.frame.clone() },
                    };
                    differences.push(Difference { user: entry.user.clone(), kind });
                    continue;
                };
                match entry.direction {
                    Direction::Received => expected[user].push(entry.frame.clone()),
                    Direction::Sent => {
                        sent += 1;
                        if let Err(reason) = self.send(user, &entry.frame).await? {
                            let kind = DifferenceKind::NotSent { frame: entry.frame.clone(), reason };
                            differences.push(Difference { user: entry.user.clone(), kind });
                        }
                    }
                }
            }
            let got = self.collect(&expected, received).await?;
            for (user, (expected, got)) in expected.iter().zip(&got).enumerate() {
                let name = &self.users[user].name;
                report::compare(name, expected, got, self.options.ordered, &mut differences);
            }
            self.turns.push(TurnReport {
                turn,
                sent,
                expected: expected.iter().map(Vec::len).sum(),
                received: got.iter().map(Vec::len).sum(),
                elapsed: started.elapsed(),
                differences,
            });
        }
        Ok(())
    }

    /// Sends one frame of the transcript as `user`; `Err(reason)` when it cannot be mapped.
    async fn send(&mut self, user: usize, frame: &Value) -> Result<Result<(), String>, ReplayError> {
        let mut groups = HashMap::new();
        for list in recipient_lists(frame) {
            let members: Option<Vec<String>> =
                list.iter().map(|m| self.normalizer.live_id(m).map(str::to_owned)).collect();
            let channel = frame["body"]["channel_id"].as_str().and_then(|c| self.normalizer.live_id(c));
            let (Some(members), Some(channel)) = (members, channel.map(str::to_owned)) else {
                return Ok(Err(format!("the recipients {list:?} name someone unknown in this replay")));
            };
            let group = self.users[user].group(&channel, members.clone()).await?;
            self.directory.groups.insert(group.clone(), members);
            groups.insert(list, group);
        }
        let live = match self.normalizer.denormalize(frame, &groups) {
            Ok(live) => live,
            Err(reason) => return Ok(Err(reason)),
        };
        let (sent, refused) = self.users[user].send(live, self.options.turn_timeout).await?;
        if let Some(reason) = refused {
            log::info!("replay: {}'s frame was refused: {reason}", self.users[user].name);
        }
        // Numbered as the recorder numbered the frame it saw.
        self.normalizer.frame(&self.directory, &sent);
        Ok(Ok(()))
    }

    /// What each user received in this turn (normalized): until each has what it expects or the
    /// turn times out, then during the grace period.
    async fn collect(
        &mut self,
        expected: &[Vec<Value>],
        received: &mut mpsc::UnboundedReceiver<Received>,
    ) -> Result<Vec<Vec<Value>>, ReplayError> {
        let mut raw: Vec<Vec<Value>> = vec![Vec::new(); self.users.len()];
        let complete = |raw: &[Vec<Value>]| raw.iter().zip(expected).all(|(r, e)| r.len() >= e.len());
        let deadline = Instant::now() + self.options.turn_timeout;
        while !complete(&raw) {
            match timeout_at(deadline, received.recv()).await {
                Ok(Some((user, frame))) => raw[user].push(frame),
                Ok(None) | Err(_) => break,
            }
        }
        let grace = Instant::now() + self.options.grace;
        while let Ok(Some((user, frame))) = timeout_at(grace, received.recv()).await {
            raw[user].push(frame);
        }
        let mut refs = Vec::new();
        raw.iter().flatten().for_each(|frame| group_refs(frame, &mut refs));
        for group in refs {
            let Some(user) = self.users.first().filter(|_| !self.directory.groups.contains_key(&group))
            else {
                continue;
            };
            // A group that cannot be read stays a placeholder; the comparison shows it.
            if let Ok(members) = user.http.group_members_uncached(&group).await {
                self.directory.groups.insert(group, members.into_iter().map(String::from).collect());
            }
        }
        // The recorder's order: users by name (the header's order), each in the order received.
        let normalizer = &mut self.normalizer;
        let directory = &self.directory;
        Ok(raw
            .into_iter()
            .map(|frames| frames.iter().map(|f| normalizer.frame(directory, f)).collect())
            .collect())
    }
}
