//! The one error type of the local platform's embedding boundary: why it could not start or stop.

use derive_more::{Display, Error};
use std::net::SocketAddr;

/// Why the local platform could not start, restart or stop. `Display` says what failed and
/// what to do; the system's reason is the `source()` (print the chain with
/// [`report`](crate::report)).
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct PlatformError {
    kind: PlatformErrorKind,
    source: Option<std::io::Error>,
}

/// What went wrong.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlatformErrorKind {
    /// The address could not be bound (in use, not local, no permission).
    #[display("cannot listen on {addr}: pick a free port (or port 0 for any)")]
    Bind {
        /// The address asked for.
        addr: String,
    },
    /// `start_again` while the platform is running.
    #[display("the platform is already running on {addr}: stop it first")]
    AlreadyRunning {
        /// Where it runs.
        addr: SocketAddr,
    },
    /// The HTTP server could not be built (the system's reason is the source).
    #[display("cannot start the HTTP server")]
    Server,
}

impl PlatformError {
    /// What went wrong.
    pub fn kind(&self) -> &PlatformErrorKind {
        &self.kind
    }

    pub(crate) fn new(kind: PlatformErrorKind, source: Option<std::io::Error>) -> Self {
        Self { kind, source }
    }
}
