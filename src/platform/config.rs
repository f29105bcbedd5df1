//! The local platform's settings: every timing and bound is a named constant here and can be
//! changed through [`PlatformConfig`]'s builder methods. The bounds on what clients store (files,
//! message history) and the account codes are in `config/content.rs`.

mod content;

pub use content::*;

use crate::protocol::Secret;
use std::time::Duration;

/// How long an access token from `/auth/sign_in` or `/auth/refresh` is valid (the reference SDK
/// refreshes every 6 hours, so 12 hours leaves room).
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(12 * 60 * 60);

/// How long a refresh token is valid (the reference SDK signs in again every 7 days).
pub const DEFAULT_REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(8 * 24 * 60 * 60);

/// A WebSocket connection that sends nothing (no frame, no ping) for this long is closed.
pub const DEFAULT_IDLE_LIMIT: Duration = Duration::from_secs(90);

/// A connection that has not logged in this long after it opened is closed (code 1008),
/// whatever it sends meanwhile, pings included.
pub const DEFAULT_LOGIN_DEADLINE: Duration = Duration::from_secs(30);

/// At most this many events are held per identity for `resume` (the oldest fall out; a resume
/// from before them gets a `resume_gap`).
pub const DEFAULT_REPLAY_EVENTS: usize = 10_000;

/// At most this many bytes of event bodies are held per identity for `resume` (8 MiB).
pub const DEFAULT_REPLAY_BYTES: usize = 8 * 1024 * 1024;

/// Kept for compatibility: events used to be held while younger than this whatever their
/// number; now [`DEFAULT_REPLAY_EVENTS`] and [`DEFAULT_REPLAY_BYTES`] bound the buffer and the
/// age has no effect.
pub const DEFAULT_REPLAY_AGE: Duration = Duration::from_secs(5 * 60);

/// How long a sender's `request_id`s are remembered, so a resent frame is not delivered twice.
pub const DEFAULT_DEDUP_MEMORY: Duration = Duration::from_secs(10 * 60);

/// At most this many `request_id`s are remembered per sender (the oldest are forgotten first).
pub const DEFAULT_DEDUP_PER_SENDER: usize = 4096;

/// At most this many `request_id`s are remembered over all senders.
pub const DEFAULT_DEDUP_TOTAL: usize = 65_536;

/// How many events may wait for one connection; a client that lets more pile up (it stopped
/// reading) is disconnected, so it slows no one else. It resumes from its last `seq`.
pub const DEFAULT_OUTBOUND_BUFFER: usize = 1024;

/// The largest text frame the platform accepts (1 MiB). A larger one is answered with an
/// error frame and the connection stays up.
pub const DEFAULT_MAX_FRAME: usize = 1024 * 1024;

/// The largest frame the WebSocket codec reads at all (16 MiB): past this the connection is
/// closed with code 1009, since reading it would cost the memory the limit protects.
pub const DEFAULT_HARD_FRAME_LIMIT: usize = 16 * 1024 * 1024;

/// The largest message reassembled from fragments (continuation frames), 1 MiB: past it the
/// connection is closed with code 1009 (a message sent in fragments with no final one would
/// otherwise be held up to the hard frame limit, per connection, logged in or not).
pub const DEFAULT_REASSEMBLY_LIMIT: usize = 1024 * 1024;

/// The largest HTTP request body read (1 MiB); a larger one is answered 413.
pub const DEFAULT_HTTP_BODY_LIMIT: usize = 1024 * 1024;

/// A client must send its request line and headers within this (else 408 and close).
pub const DEFAULT_HTTP_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// A request must be read and answered within this, body included (a body shorter than its
/// `Content-Length` is answered 408 and the connection closed).
pub const DEFAULT_HTTP_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// An idle keep-alive HTTP connection is closed after this.
pub const DEFAULT_HTTP_KEEP_ALIVE: Duration = Duration::from_secs(5);

/// After this many wrong passwords for one account within [`DEFAULT_SIGN_IN_WINDOW`], its
/// password is checked at most once per [`DEFAULT_SIGN_IN_DELAY`] (other attempts: 429 with
/// `Retry-After`).
pub const DEFAULT_SIGN_IN_FAILURES: usize = 10;

/// The window in which wrong passwords are counted.
pub const DEFAULT_SIGN_IN_WINDOW: Duration = Duration::from_secs(60);

/// Past the failure threshold, how long apart an account's password is checked.
pub const DEFAULT_SIGN_IN_DELAY: Duration = Duration::from_secs(1);

/// How many worker threads serve connections.
pub const DEFAULT_WORKERS: usize = 1;

/// How many frames (and refusals) per connection the traffic report keeps (the counts go on
/// past it).
pub const DEFAULT_TRAFFIC_RECORD_LIMIT: usize = 10_000;

/// How many bytes of frame text the traffic report keeps over all connections (64 MiB).
pub const DEFAULT_TRAFFIC_TOTAL_BYTES: usize = 64 * 1024 * 1024;

/// How many closed connections the traffic report keeps (the oldest are dropped).
pub const DEFAULT_TRAFFIC_CLOSED_RECORDS: usize = 1000;

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
    pub(crate) login_deadline: Duration,
    pub(crate) replay_events: usize,
    pub(crate) replay_bytes: usize,
    pub(crate) replay_age: Duration,
    pub(crate) dedup_memory: Duration,
    pub(crate) dedup_per_sender: usize,
    pub(crate) dedup_total: usize,
    pub(crate) outbound_buffer: usize,
    pub(crate) max_frame: usize,
    pub(crate) hard_frame_limit: usize,
    pub(crate) reassembly_limit: usize,
    pub(crate) http_body_limit: usize,
    pub(crate) http_header_timeout: Duration,
    pub(crate) http_request_timeout: Duration,
    pub(crate) http_keep_alive: Duration,
    pub(crate) sign_in_failures: usize,
    pub(crate) sign_in_window: Duration,
    pub(crate) sign_in_delay: Duration,
    pub(crate) workers: usize,
    pub(crate) record_traffic: bool,
    pub(crate) studio: bool,
    pub(crate) traffic_record_limit: usize,
    pub(crate) traffic_total_bytes: usize,
    pub(crate) traffic_closed_records: usize,
    pub(crate) max_file_bytes: usize,
    pub(crate) max_stored_bytes: usize,
    pub(crate) max_files: usize,
    pub(crate) upload_slots: usize,
    pub(crate) upload_slot_lifetime: Duration,
    pub(crate) history_messages: usize,
    pub(crate) history_bytes: usize,
    pub(crate) temp_groups: usize,
    pub(crate) popular_channels: usize,
    pub(crate) dev_mode: bool,
    pub(crate) dev_code: Secret,
    pub(crate) code_lifetime: Duration,
    pub(crate) code_attempts: u32,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        Self {
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            refresh_token_lifetime: DEFAULT_REFRESH_TOKEN_LIFETIME,
            idle_limit: DEFAULT_IDLE_LIMIT,
            login_deadline: DEFAULT_LOGIN_DEADLINE,
            replay_events: DEFAULT_REPLAY_EVENTS,
            replay_bytes: DEFAULT_REPLAY_BYTES,
            replay_age: DEFAULT_REPLAY_AGE,
            dedup_memory: DEFAULT_DEDUP_MEMORY,
            dedup_per_sender: DEFAULT_DEDUP_PER_SENDER,
            dedup_total: DEFAULT_DEDUP_TOTAL,
            outbound_buffer: DEFAULT_OUTBOUND_BUFFER,
            max_frame: DEFAULT_MAX_FRAME,
            hard_frame_limit: DEFAULT_HARD_FRAME_LIMIT,
            reassembly_limit: DEFAULT_REASSEMBLY_LIMIT,
            http_body_limit: DEFAULT_HTTP_BODY_LIMIT,
            http_header_timeout: DEFAULT_HTTP_HEADER_TIMEOUT,
            http_request_timeout: DEFAULT_HTTP_REQUEST_TIMEOUT,
            http_keep_alive: DEFAULT_HTTP_KEEP_ALIVE,
            sign_in_failures: DEFAULT_SIGN_IN_FAILURES,
            sign_in_window: DEFAULT_SIGN_IN_WINDOW,
            sign_in_delay: DEFAULT_SIGN_IN_DELAY,
            workers: DEFAULT_WORKERS,
            record_traffic: true,
            studio: true,
            traffic_record_limit: DEFAULT_TRAFFIC_RECORD_LIMIT,
            traffic_total_bytes: DEFAULT_TRAFFIC_TOTAL_BYTES,
            traffic_closed_records: DEFAULT_TRAFFIC_CLOSED_RECORDS,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_stored_bytes: DEFAULT_MAX_STORED_BYTES,
            max_files: DEFAULT_MAX_FILES,
            upload_slots: DEFAULT_UPLOAD_SLOTS,
            upload_slot_lifetime: DEFAULT_UPLOAD_SLOT_LIFETIME,
            history_messages: DEFAULT_HISTORY_MESSAGES,
            history_bytes: DEFAULT_HISTORY_BYTES,
            temp_groups: DEFAULT_TEMP_GROUPS,
            popular_channels: DEFAULT_POPULAR_CHANNELS,
            dev_mode: true,
            dev_code: Secret::new(DEFAULT_DEV_CODE),
            code_lifetime: DEFAULT_CODE_LIFETIME,
            code_attempts: DEFAULT_CODE_ATTEMPTS,
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

    /// Login deadline of a WebSocket connection (default [`DEFAULT_LOGIN_DEADLINE`]).
    pub fn login_deadline(mut self, deadline: Duration) -> Self {
        self.login_deadline = deadline;
        self
    }

    /// Events held per identity for resume, at most (default [`DEFAULT_REPLAY_EVENTS`]).
    pub fn replay_events(mut self, events: usize) -> Self {
        self.replay_events = events;
        self
    }

    /// Bytes of event bodies held per identity for resume, at most (default
    /// [`DEFAULT_REPLAY_BYTES`]).
    pub fn replay_bytes(mut self, bytes: usize) -> Self {
        self.replay_bytes = bytes;
        self
    }

    /// Kept for compatibility; no effect (see [`DEFAULT_REPLAY_AGE`]).
    pub fn replay_age(mut self, age: Duration) -> Self {
        self.replay_age = age;
        self
    }

    /// How long request ids are remembered (default [`DEFAULT_DEDUP_MEMORY`]).
    pub fn dedup_memory(mut self, memory: Duration) -> Self {
        self.dedup_memory = memory;
        self
    }

    /// Request ids remembered per sender, at most (default [`DEFAULT_DEDUP_PER_SENDER`]).
    pub fn dedup_per_sender(mut self, ids: usize) -> Self {
        self.dedup_per_sender = ids;
        self
    }

    /// Request ids remembered over all senders, at most (default [`DEFAULT_DEDUP_TOTAL`]).
    pub fn dedup_total(mut self, ids: usize) -> Self {
        self.dedup_total = ids;
        self
    }

    /// The largest message reassembled from fragments (default [`DEFAULT_REASSEMBLY_LIMIT`]).
    pub fn reassembly_limit(mut self, bytes: usize) -> Self {
        self.reassembly_limit = bytes;
        self
    }

    /// The largest HTTP request body (default [`DEFAULT_HTTP_BODY_LIMIT`]).
    pub fn http_body_limit(mut self, bytes: usize) -> Self {
        self.http_body_limit = bytes;
        self
    }

    /// Time for an HTTP request's line and headers (default [`DEFAULT_HTTP_HEADER_TIMEOUT`]).
    pub fn http_header_timeout(mut self, timeout: Duration) -> Self {
        self.http_header_timeout = timeout;
        self
    }

    /// Time to read and answer an HTTP request, body included (default
    /// [`DEFAULT_HTTP_REQUEST_TIMEOUT`]).
    pub fn http_request_timeout(mut self, timeout: Duration) -> Self {
        self.http_request_timeout = timeout;
        self
    }

    /// Idle keep-alive HTTP connections are closed after this (default
    /// [`DEFAULT_HTTP_KEEP_ALIVE`]).
    pub fn http_keep_alive(mut self, keep_alive: Duration) -> Self {
        self.http_keep_alive = keep_alive;
        self
    }

    /// Wrong-password slowdown: after `failures` within `window`, one check per `delay` (defaults
    /// [`DEFAULT_SIGN_IN_FAILURES`], [`DEFAULT_SIGN_IN_WINDOW`], [`DEFAULT_SIGN_IN_DELAY`]).
    pub fn sign_in_throttle(mut self, failures: usize, window: Duration, delay: Duration) -> Self {
        self.sign_in_failures = failures.max(1);
        self.sign_in_window = window;
        self.sign_in_delay = delay;
        self
    }

    /// Frame text the traffic report keeps over all connections (default
    /// [`DEFAULT_TRAFFIC_TOTAL_BYTES`]).
    pub fn traffic_total_bytes(mut self, bytes: usize) -> Self {
        self.traffic_total_bytes = bytes;
        self
    }

    /// Closed connections the traffic report keeps (default [`DEFAULT_TRAFFIC_CLOSED_RECORDS`]).
    pub fn traffic_closed_records(mut self, records: usize) -> Self {
        self.traffic_closed_records = records;
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

    /// Whether the studio's inspector records every connection and frame (default on; a
    /// benchmark turns it off). The page and the controls are served either way. What it holds
    /// is bounded by [`STUDIO_HISTORY_EVENTS`](super::STUDIO_HISTORY_EVENTS) and
    /// [`STUDIO_HISTORY_BYTES`](super::STUDIO_HISTORY_BYTES).
    pub fn studio(mut self, record: bool) -> Self {
        self.studio = record;
        self
    }
}
