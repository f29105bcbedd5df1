//! Everything the runtime can be tuned with, as named defaults and a builder that checks them.

use super::error::ClientError;
use super::token::TokenProvider;
use std::sync::Arc;
use std::time::Duration;

/// How long a WebSocket connect (TCP, TLS, upgrade) may take before it counts as failed. The
/// reference SDK uses 16 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(16);
/// How long one write (a batch of frames handed to the socket) may take before the connection
/// counts as failed; also how long the login's receipt may take. The reference SDK uses 16 s.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(16);
/// How often a heartbeat is sent, as the reference SDK does.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(30);
/// Added to two heartbeat intervals to make the default liveness limit: with nothing at all
/// received for `2 × heartbeat + grace`, the connection is presumed half-open and replaced.
pub const LIVENESS_GRACE: Duration = Duration::from_secs(10);
/// First reconnect backoff ceiling, after the first failed attempt; it doubles per failure in a
/// row (with full jitter). Only failures back off: a connect error, a refused login, a drop before
/// the login receipt.
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_millis(100);
/// Largest reconnect backoff.
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(30);
/// After a session that had logged in drops, the reconnect waits a uniformly random time up to
/// this, no more (so many clients cut at once do not reconnect in the same millisecond).
pub const DEFAULT_SESSION_DROP_JITTER: Duration = Duration::from_millis(25);
/// Logins that may be made at once before the login pacing applies.
pub const DEFAULT_LOGIN_BURST: u32 = 5;
/// Past the burst, at most one login per this interval (2 a second), however quickly the platform
/// drops the sessions it accepts: over any window `w` at most `burst + w / interval` logins.
pub const DEFAULT_LOGIN_INTERVAL: Duration = Duration::from_millis(500);
/// Refused logins in a row after which the runtime stops (a wrong token is not fixed by retrying).
pub const DEFAULT_MAX_LOGIN_REFUSALS: u32 = 5;
/// Frames the outbound queue holds (waiting plus unacknowledged) before `send` refuses more.
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;
/// How long a graceful shutdown waits for unacknowledged frames before closing anyway.
pub const DEFAULT_SHUTDOWN_DEADLINE: Duration = Duration::from_secs(10);
/// Largest inbound WebSocket frame accepted (the platform accepts frames up to 1 MiB; events it
/// sends may be larger).
pub const DEFAULT_MAX_FRAME_SIZE: usize = 16 * 1024 * 1024;

/// Who logs in on every connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Identity {
    /// A service: `service_login` with this service id.
    Service {
        /// The service id.
        service_id: crate::protocol::ServiceId,
    },
    /// A user-mode client: `user_login`.
    User,
}

impl Identity {
    /// A service identity.
    pub fn service(service_id: impl Into<crate::protocol::ServiceId>) -> Self {
        Self::Service { service_id: service_id.into() }
    }
}

/// The client runtime's configuration. Build it with [`ClientConfig::builder`]; its `Debug`
/// never shows the token.
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) url: String,
    pub(crate) identity: Identity,
    pub(crate) token: Arc<dyn TokenProvider>,
    pub(crate) connect_timeout: Duration,
    pub(crate) send_timeout: Duration,
    pub(crate) heartbeat_interval: Duration,
    pub(crate) liveness_limit: Duration,
    pub(crate) backoff_base: Duration,
    pub(crate) backoff_cap: Duration,
    pub(crate) session_drop_jitter: Duration,
    pub(crate) login_burst: u32,
    pub(crate) login_interval: Duration,
    pub(crate) max_login_refusals: u32,
    pub(crate) queue_capacity: usize,
    pub(crate) shutdown_deadline: Duration,
    pub(crate) max_frame_size: usize,
}

impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("url", &self.url)
            .field("identity", &self.identity)
            .field("token", &"[redacted]")
            .field("connect_timeout", &self.connect_timeout)
            .field("send_timeout", &self.send_timeout)
            .field("heartbeat_interval", &self.heartbeat_interval)
            .field("liveness_limit", &self.liveness_limit)
            .field("backoff_base", &self.backoff_base)
            .field("backoff_cap", &self.backoff_cap)
            .field("session_drop_jitter", &self.session_drop_jitter)
            .field("login_burst", &self.login_burst)
            .field("login_interval", &self.login_interval)
            .field("max_login_refusals", &self.max_login_refusals)
            .field("queue_capacity", &self.queue_capacity)
            .field("shutdown_deadline", &self.shutdown_deadline)
            .field("max_frame_size", &self.max_frame_size)
            .finish()
    }
}

impl ClientConfig {
    /// A builder for connecting to `url` (`ws://` or `wss://`) as `identity`, logging in with
    /// the token `token` gives at each login. Everything else starts at the `DEFAULT_*` values.
    ///
    /// # Examples
    /// ```
    /// use moobius::client::{ClientConfig, Identity};
    /// use moobius::protocol::Secret;
    /// use std::time::Duration;
    /// let config = ClientConfig::builder("wss://ws.moobius.ai/", Identity::service("svc-1"), Secret::new("tok"))
    ///     .heartbeat_interval(Duration::from_secs(10))
    ///     .build()?;
    /// assert_eq!(config.liveness_limit(), Duration::from_secs(30));
    /// assert!(!format!("{config:?}").contains("tok\""));
    /// # Ok::<(), moobius::client::ClientError>(())
    /// ```
    pub fn builder(
        url: impl Into<String>,
        identity: Identity,
        token: impl TokenProvider,
    ) -> ClientConfigBuilder {
        ClientConfigBuilder {
            config: ClientConfig {
                url: url.into(),
                identity,
                token: Arc::new(token),
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                send_timeout: DEFAULT_SEND_TIMEOUT,
                heartbeat_interval: DEFAULT_HEARTBEAT_INTERVAL,
                liveness_limit: DEFAULT_HEARTBEAT_INTERVAL * 2 + LIVENESS_GRACE,
                backoff_base: DEFAULT_BACKOFF_BASE,
                backoff_cap: DEFAULT_BACKOFF_CAP,
                session_drop_jitter: DEFAULT_SESSION_DROP_JITTER,
                login_burst: DEFAULT_LOGIN_BURST,
                login_interval: DEFAULT_LOGIN_INTERVAL,
                max_login_refusals: DEFAULT_MAX_LOGIN_REFUSALS,
                queue_capacity: DEFAULT_QUEUE_CAPACITY,
                shutdown_deadline: DEFAULT_SHUTDOWN_DEADLINE,
                max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            },
            liveness_set: false,
        }
    }

    /// The WebSocket URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Who logs in.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The liveness limit in effect.
    pub fn liveness_limit(&self) -> Duration {
        self.liveness_limit
    }

    /// The outbound queue's capacity.
    pub fn queue_capacity(&self) -> usize {
        self.queue_capacity
    }
}

/// Builds a [`ClientConfig`]; see [`ClientConfig::builder`].
#[derive(Debug)]
#[must_use]
pub struct ClientConfigBuilder {
    config: ClientConfig,
    liveness_set: bool,
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.config.$name = value;
            self
        }
    };
}

impl ClientConfigBuilder {
    setter!(
        /// See [`DEFAULT_CONNECT_TIMEOUT`].
        connect_timeout: Duration
    );
    setter!(
        /// See [`DEFAULT_SEND_TIMEOUT`].
        send_timeout: Duration
    );
    setter!(
        /// See [`DEFAULT_HEARTBEAT_INTERVAL`]. Unless set explicitly, the liveness limit follows
        /// as `2 × interval + LIVENESS_GRACE`.
        heartbeat_interval: Duration
    );
    setter!(
        /// See [`DEFAULT_BACKOFF_BASE`].
        backoff_base: Duration
    );
    setter!(
        /// See [`DEFAULT_BACKOFF_CAP`].
        backoff_cap: Duration
    );
    setter!(
        /// See [`DEFAULT_SESSION_DROP_JITTER`].
        session_drop_jitter: Duration
    );
    setter!(
        /// See [`DEFAULT_LOGIN_BURST`] (at least 1).
        login_burst: u32
    );
    setter!(
        /// See [`DEFAULT_LOGIN_INTERVAL`]; zero turns the login pacing off.
        login_interval: Duration
    );
    setter!(
        /// See [`DEFAULT_MAX_LOGIN_REFUSALS`].
        max_login_refusals: u32
    );
    setter!(
        /// See [`DEFAULT_QUEUE_CAPACITY`].
        queue_capacity: usize
    );
    setter!(
        /// See [`DEFAULT_SHUTDOWN_DEADLINE`].
        shutdown_deadline: Duration
    );
    setter!(
        /// See [`DEFAULT_MAX_FRAME_SIZE`].
        max_frame_size: usize
    );

    /// With nothing at all received for this long, the connection is replaced (default
    /// `2 × heartbeat interval + LIVENESS_GRACE`).
    pub fn liveness_limit(mut self, limit: Duration) -> Self {
        self.config.liveness_limit = limit;
        self.liveness_set = true;
        self
    }

    /// Checks and returns the configuration.
    ///
    /// # Errors
    /// [`ClientErrorKind::InvalidConfig`](super::ClientErrorKind::InvalidConfig) when the URL is
    /// not `ws://` or `wss://`, a duration that must be positive is zero, the backoff base
    /// exceeds its cap, the queue capacity, login burst or refusal limit is zero, or the liveness limit is not
    /// longer than the heartbeat interval.
    ///
    /// # Examples
    /// ```
    /// use moobius::client::{ClientConfig, Identity};
    /// use moobius::protocol::Secret;
    /// let err = ClientConfig::builder("http://x", Identity::User, Secret::new("t")).build().unwrap_err();
    /// assert!(err.to_string().contains("ws://"));
    /// ```
    pub fn build(mut self) -> Result<ClientConfig, ClientError> {
        let c = &mut self.config;
        if !self.liveness_set {
            c.liveness_limit = c.heartbeat_interval * 2 + LIVENESS_GRACE;
        }
        if !(c.url.starts_with("ws://") || c.url.starts_with("wss://")) {
            return Err(ClientError::config(format!(
                "url `{}` must start with ws:// or wss://",
                c.url.split('?').next().unwrap_or_default()
            )));
        }
        for (name, value) in [
            ("connect_timeout", c.connect_timeout),
            ("send_timeout", c.send_timeout),
            ("heartbeat_interval", c.heartbeat_interval),
            ("backoff_cap", c.backoff_cap),
        ] {
            if value.is_zero() {
                return Err(ClientError::config(format!("{name} must be longer than zero")));
            }
        }
        if c.backoff_base > c.backoff_cap {
            return Err(ClientError::config(format!(
                "backoff_base ({:?}) exceeds backoff_cap ({:?})",
                c.backoff_base, c.backoff_cap
            )));
        }
        if c.liveness_limit <= c.heartbeat_interval {
            return Err(ClientError::config(format!(
                "liveness_limit ({:?}) must be longer than heartbeat_interval ({:?}), or every quiet interval would reconnect",
                c.liveness_limit, c.heartbeat_interval
            )));
        }
        if c.queue_capacity == 0 {
            return Err(ClientError::config("queue_capacity must be at least 1"));
        }
        if c.login_burst == 0 {
            return Err(ClientError::config("login_burst must be at least 1"));
        }
        if c.max_login_refusals == 0 {
            return Err(ClientError::config("max_login_refusals must be at least 1"));
        }
        Ok(self.config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Secret;

    fn builder() -> ClientConfigBuilder {
        ClientConfig::builder("ws://127.0.0.1:1/", Identity::service("s"), Secret::new("very-secret"))
    }

    #[test]
    fn defaults_match_the_named_constants() {
        let c = builder().build().unwrap();
        assert_eq!(c.send_timeout, Duration::from_secs(16));
        assert_eq!(c.liveness_limit, Duration::from_secs(70));
        assert_eq!(c.queue_capacity, 10_000);
        assert_eq!(c.max_login_refusals, 5);
        assert_eq!(c.session_drop_jitter, Duration::from_millis(25));
        assert_eq!((c.login_burst, c.login_interval), (5, Duration::from_millis(500)));
    }

    #[test]
    fn debug_redacts_the_token() {
        let shown = format!("{:?}", builder().build().unwrap());
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn bad_values_are_refused_with_the_field_named() {
        let err = builder().backoff_base(Duration::from_secs(60)).build().unwrap_err();
        assert!(err.to_string().contains("backoff_base"), "{err}");
        let err = builder().queue_capacity(0).build().unwrap_err();
        assert!(err.to_string().contains("queue_capacity"), "{err}");
        let err = builder().liveness_limit(Duration::from_secs(1)).build().unwrap_err();
        assert!(err.to_string().contains("liveness_limit"), "{err}");
        let err = builder().login_burst(0).build().unwrap_err();
        assert!(err.to_string().contains("login_burst"), "{err}");
        let err = builder().send_timeout(Duration::ZERO).build().unwrap_err();
        assert!(err.to_string().contains("send_timeout"), "{err}");
    }

    #[test]
    fn explicit_liveness_limit_is_kept() {
        let c = builder()
            .heartbeat_interval(Duration::from_millis(50))
            .liveness_limit(Duration::from_millis(200))
            .build()
            .unwrap();
        assert_eq!(c.liveness_limit, Duration::from_millis(200));
    }
}
