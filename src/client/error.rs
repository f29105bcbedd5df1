//! The one error type of the client runtime's boundary: what went wrong and what to do about it.

use derive_more::{Display, Error};

/// Something the client runtime could not do, or a failure it reports to the program.
///
/// Returned by [`Client::send`](super::Client::send) and the config builder, and delivered to
/// handlers as [`ClientEvent::Error`](super::ClientEvent::Error). Match on [`ClientError::kind`]
/// to act on it; its `Display` says what was wrong and what to do.
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct ClientError {
    kind: ClientErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What went wrong.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientErrorKind {
    /// The outbound queue holds its capacity: nothing was accepted. Retry later (backpressure).
    #[display(
        "outbound queue full ({capacity} frames waiting or unacknowledged): the frame was not accepted, retry once receipts arrive"
    )]
    QueueFull {
        /// The queue's capacity.
        capacity: usize,
    },
    /// The runtime is shutting down or stopped: it accepts no more frames.
    #[display("client runtime stopped: it accepts no more frames (start a new runtime)")]
    Closed,
    /// The configuration is invalid.
    #[display("invalid client configuration: {detail}")]
    InvalidConfig {
        /// What was wrong.
        detail: String,
    },
    /// An inbound text frame that is not a valid event; the connection stays up.
    #[display("malformed frame from the platform, ignored: {detail}")]
    Malformed {
        /// What was wrong (the decoder's message).
        detail: String,
    },
    /// The platform refused the login; it is retried with backoff.
    #[display("login refused ({refusals} in a row): {reason}")]
    LoginRefused {
        /// The platform's reason.
        reason: String,
        /// Refusals in a row so far.
        refusals: u32,
    },
    /// The login was refused too many times in a row: the runtime stopped.
    #[display(
        "login refused {refusals} times in a row, giving up: {reason} (check the credentials and service id, then start again)"
    )]
    TooManyRefusals {
        /// The platform's last reason.
        reason: String,
        /// Refusals in a row.
        refusals: u32,
    },
    /// A transport failure (connect, send, close); retried with backoff.
    #[display("connection failed: {detail}")]
    Transport {
        /// What failed.
        detail: String,
    },
}

impl ClientError {
    /// What went wrong.
    pub fn kind(&self) -> &ClientErrorKind {
        &self.kind
    }

    pub(crate) fn new(kind: ClientErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(crate) fn with_source(
        kind: ClientErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self { kind, source: Some(Box::new(source)) }
    }

    pub(crate) fn config(detail: impl Into<String>) -> Self {
        Self::new(ClientErrorKind::InvalidConfig { detail: detail.into() })
    }
}

impl From<ClientErrorKind> for ClientError {
    fn from(kind: ClientErrorKind) -> Self {
        Self::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lowercase_and_says_what_to_do() {
        let full = ClientError::new(ClientErrorKind::QueueFull { capacity: 3 }).to_string();
        assert!(full.starts_with("outbound queue full (3 frames"), "{full}");
        assert!(full.contains("retry"), "{full}");
        let fatal =
            ClientError::new(ClientErrorKind::TooManyRefusals { reason: "bad token".into(), refusals: 5 });
        assert!(fatal.to_string().contains("bad token"), "{fatal}");
    }
}
