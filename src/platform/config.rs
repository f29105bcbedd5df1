//! The local platform's settings: every timing and bound is a named constant here and can be
//! changed through [`PlatformConfig`]'s builder methods.

use std::time::Duration;

/// How long an access token from `/auth/sign_in` or `/auth/refresh` is valid (the reference SDK
/// refreshes every 6 hours, so 12 hours leaves room).
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// How long a refresh token is valid (the reference SDK signs in again every 7 days).
pub const DEFAULT_REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(8 * 24 * 60 * 60);

/// A WebSocket connection that sends nothing (no frame, no ping) for this long is closed.
pub const DEFAULT_IDLE_LIMIT: Duration = Duration::from_secs(90);

/// At least this many events are held per identity for `resume`.
pub const DEFAULT_REPLAY_EVENTS: usize = 10_000;

/// Events younger than this are held per identity for `resume`, whatever their number.
pub const DEFAULT_REPLAY_AGE: Duration = Duration::from_secs(5 * 60);

/// How long a sender's `request_id`s are remembered, so a resent frame is not delivered twice.
pub const DEFAULT_DEDUP_MEMORY: Duration = Duration::from_secs(10 * 60);

/// How many events may wait for one connection; a client that lets more pile up (it stopped
/// reading) is disconnected, so it slows no one else. It resumes from its last `seq`.
pub const DEFAULT_OUTBOUND_BUFFER: usize = 1024;

/// The largest text frame the platform accepts (1 MiB). A larger one is answered with an
/// error frame and the connection stays up.
pub const DEFAULT_MAX_FRAME: usize = 1024 * 1024;

/// The largest frame the WebSocket codec reads at all (16 MiB): past this the connection is
/// closed with code 1009, since reading it would cost the memory the limit protects.
pub const DEFAULT_HARD_FRAME_LIMIT: usize = 16 * 1024 * 1024;

/// How many worker threads serve connections.
pub const DEFAULT_WORKERS: usize = 1;

/// How many frames per connection the traffic report keeps (the counts go on past it).
pub const DEFAULT_TRAFFIC_RECORD_LIMIT: usize = 10_000;

/// The local platform's settings, built with chained setters.
///
/// # Examples
/// ```
/// use moobius::platform::PlatformConfig;
/// use std::time::Duration;
/// let config = PlatformConfig::default().idle_limit(Duration::from_secs(30)).outbound_buffer(64);
/// assert_eq!(config.idle_limit_value(), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    pub(crate) access_token_lifetime: Duration,
    pub(crate) refresh_token_lifetime: Duration,
    pub(crate) idle_limit: Duration,
    pub(crate) replay_events: usize,
    pub(crate) replay_age: Duration,
    pub(crate) dedup_memory: Duration,
    pub(crate) outbound_buffer: usize,
    pub(crate) max_frame: usize,
    pub(crate) hard_frame_limit: usize,
    pub(crate) workers: usize,
    pub(crate) record_traffic: bool,
    pub(crate) traffic_record_limit: usize,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        Self {
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            refresh_token_lifetime: DEFAULT_REFRESH_TOKEN_LIFETIME,
            idle_limit: DEFAULT_IDLE_LIMIT,
            replay_events: DEFAULT_REPLAY_EVENTS,
            replay_age: DEFAULT_REPLAY_AGE,
            dedup_memory: DEFAULT_DEDUP_MEMORY,
            outbound_buffer: DEFAULT_OUTBOUND_BUFFER,
            max_frame: DEFAULT_MAX_FRAME,
            hard_frame_limit: DEFAULT_HARD_FRAME_LIMIT,
            workers: DEFAULT_WORKERS,
            record_traffic: true,
            traffic_record_limit: DEFAULT_TRAFFIC_RECORD_LIMIT,
        }
    }
}

impl PlatformConfig {
    /// Access token lifetime (default [`DEFAULT_ACCESS_TOKEN_LIFETIME`]).
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Refresh token lifetime (default [`DEFAULT_REFRESH_TOKEN_LIFETIME`]).
    pub fn refresh_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.refresh_token_lifetime = lifetime;
        self
    }

    /// Idle limit of a WebSocket connection (default [`DEFAULT_IDLE_LIMIT`]).
    pub fn idle_limit(mut self, limit: Duration) -> Self {
        self.idle_limit = limit;
        self
    }

    /// The idle limit in force.
    pub fn idle_limit_value(&self) -> Duration {
        self.idle_limit
    }

    /// Events held per identity for resume, at least (default [`DEFAULT_REPLAY_EVENTS`]).
    pub fn replay_events(mut self, events: usize) -> Self {
        self.replay_events = events;
        self
    }

    /// Age under which events are held for resume (default [`DEFAULT_REPLAY_AGE`]).
    pub fn replay_age(mut self, age: Duration) -> Self {
        self.replay_age = age;
        self
    }

    /// How long request ids are remembered (default [`DEFAULT_DEDUP_MEMORY`]).
    pub fn dedup_memory(mut self, memory: Duration) -> Self {
        self.dedup_memory = memory;
        self
    }

    /// Events that may wait per connection (default [`DEFAULT_OUTBOUND_BUFFER`], at least 1).
    pub fn outbound_buffer(mut self, frames: usize) -> Self {
        self.outbound_buffer = frames.max(1);
        self
    }

    /// The largest accepted text frame in bytes (default [`DEFAULT_MAX_FRAME`]).
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.max_frame = bytes;
        self
    }

    /// Worker threads (default [`DEFAULT_WORKERS`], at least 1).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers.max(1);
        self
    }

    /// Whether the traffic report keeps the text of every frame sent (default on; a benchmark
    /// turns it off). Counts and refusals are kept either way.
    pub fn record_traffic(mut self, record: bool) -> Self {
        self.record_traffic = record;
        self
    }
}
