//! The local platform's bounds on what clients make it store (uploaded files, each channel's
//! message history and temp groups) and its account codes (sign-up and password reset), as named
//! constants with [`PlatformConfig`] setters. Past a bound the client gets a clear refusal (an
//! upload: 413 or 507 with the limit and the setter that raises it) or the oldest entries go (the
//! history).

use super::PlatformConfig;
use crate::protocol::Secret;
use std::time::Duration;

/// The largest file an upload may store (8 MiB); a larger one is refused with 413.
pub const DEFAULT_MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// The most bytes of uploaded files the platform holds over all accounts (256 MiB); an upload
/// that would pass it is refused with 507.
pub const DEFAULT_MAX_STORED_BYTES: usize = 256 * 1024 * 1024;

/// The most uploaded files the platform holds over all accounts; one more is refused with 507.
pub const DEFAULT_MAX_FILES: usize = 1000;

/// The most upload URLs (`GET /file/upload`) handed out and not used yet, over all accounts;
/// one more is refused with 429 until some are used or expire.
pub const DEFAULT_UPLOAD_SLOTS: usize = 256;

/// How long an upload URL from `GET /file/upload` may be used.
pub const DEFAULT_UPLOAD_SLOT_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// The most messages kept per channel for `/channel/history_message` (the oldest go first).
pub const DEFAULT_HISTORY_MESSAGES: usize = 1000;

/// The most bytes of messages kept per channel for `/channel/history_message` (4 MiB; the oldest
/// go first). A message counts its body and the ids of the users it was delivered to, so a
/// channel of many members keeps fewer messages, never more memory.
pub const DEFAULT_HISTORY_BYTES: usize = 4 * 1024 * 1024;

/// The most temp groups (service groups used as recipients) remembered per channel for
/// `/user/group/temp` (the least recently used go first).
pub const DEFAULT_TEMP_GROUPS: usize = 100;

/// How many channels `/channel/popular` answers, at most.
pub const DEFAULT_POPULAR_CHANNELS: usize = 20;

/// The code that dev mode accepts for every sign-up confirmation and password reset, besides the
/// code it "emails" (logs). See [`PlatformConfig::dev_mode`].
pub const DEFAULT_DEV_CODE: &str = "000000";

/// How long an emailed code (sign-up or password reset) is valid.
pub const DEFAULT_CODE_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// How many wrong tries an emailed code survives; then it is void and a new one must be asked
/// for (a six-digit code is otherwise guessable).
pub const DEFAULT_CODE_ATTEMPTS: u32 = 5;

impl PlatformConfig {
    /// The largest uploaded file (default [`DEFAULT_MAX_FILE_BYTES`]).
    pub fn max_file_bytes(mut self, bytes: usize) -> Self {
        self.max_file_bytes = bytes;
        self
    }

    /// The most bytes of files held over all uploads (default [`DEFAULT_MAX_STORED_BYTES`]).
    pub fn max_stored_bytes(mut self, bytes: usize) -> Self {
        self.max_stored_bytes = bytes;
        self
    }

    /// The most files held (default [`DEFAULT_MAX_FILES`]).
    pub fn max_files(mut self, files: usize) -> Self {
        self.max_files = files;
        self
    }

    /// Upload URLs handed out and not used yet, at most (default [`DEFAULT_UPLOAD_SLOTS`], at
    /// least 1), and how long each may be used (default [`DEFAULT_UPLOAD_SLOT_LIFETIME`]).
    pub fn upload_slots(mut self, slots: usize, lifetime: Duration) -> Self {
        self.upload_slots = slots.max(1);
        self.upload_slot_lifetime = lifetime;
        self
    }

    /// Messages kept per channel for the history (default [`DEFAULT_HISTORY_MESSAGES`]).
    pub fn history_messages(mut self, messages: usize) -> Self {
        self.history_messages = messages;
        self
    }

    /// Bytes of messages kept per channel for the history (default [`DEFAULT_HISTORY_BYTES`]).
    pub fn history_bytes(mut self, bytes: usize) -> Self {
        self.history_bytes = bytes;
        self
    }

    /// Temp groups remembered per channel (default [`DEFAULT_TEMP_GROUPS`]).
    pub fn temp_groups(mut self, groups: usize) -> Self {
        self.temp_groups = groups;
        self
    }

    /// Channels `/channel/popular` answers, at most (default [`DEFAULT_POPULAR_CHANNELS`]).
    pub fn popular_channels(mut self, channels: usize) -> Self {
        self.popular_channels = channels;
        self
    }

    /// Dev mode (default on): the platform "emails" each sign-up and password-reset code by
    /// logging it (at `info`, the one place a code is ever logged), and accepts the fixed
    /// [`dev_code`](Self::dev_code) ([`DEFAULT_DEV_CODE`], `000000`) for every account too. So
    /// anyone who can reach a platform in dev mode can confirm any account: it is a development
    /// server. Off, codes are neither logged nor fixed; a test reads the code sent with
    /// [`PlatformHandle::last_code`](super::super::PlatformHandle::last_code).
    ///
    /// # Examples
    /// ```
    /// use moobius::platform::PlatformConfig;
    /// let strict = PlatformConfig::default().dev_mode(false);
    /// let other_code = PlatformConfig::default().dev_code("424242");
    /// # let _ = (strict, other_code);
    /// ```
    pub fn dev_mode(mut self, on: bool) -> Self {
        self.dev_mode = on;
        self
    }

    /// The fixed code dev mode accepts (default [`DEFAULT_DEV_CODE`]).
    pub fn dev_code(mut self, code: impl Into<String>) -> Self {
        self.dev_code = Secret::new(code.into());
        self
    }

    /// How long an emailed code is valid (default [`DEFAULT_CODE_LIFETIME`]) and how many wrong
    /// tries it survives (default [`DEFAULT_CODE_ATTEMPTS`], at least 1).
    pub fn codes(mut self, lifetime: Duration, attempts: u32) -> Self {
        self.code_lifetime = lifetime;
        self.code_attempts = attempts.max(1);
        self
    }
}
