//! The replay's one error type: why a replay could not run to its end (a difference is not an
//! error: it is in the report).

use crate::http::HttpError;
use derive_more::{Display, Error};
use std::time::Duration;

/// Why a replay could not run to its end (differences are not errors: they are the report).
#[derive(Debug, Display, Error)]
#[display("{kind}")]
pub struct ReplayError {
    kind: ReplayErrorKind,
    source: Option<HttpError>,
}

/// What stopped a replay.
#[derive(Debug, Display, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayErrorKind {
    /// `GET /studio/api/channels` failed: is this a local Moobius platform?
    #[display("cannot list the platform's channels (GET /studio/api/channels): {detail}")]
    Studio {
        /// What failed.
        detail: String,
    },
    /// The transcript's channels have no counterpart on this platform.
    #[display("cannot map the transcript's channels to this platform's: {detail}")]
    Channels {
        /// Which channel and why.
        detail: String,
    },
    /// A user could not sign in (the HTTP error is the source).
    #[display("cannot sign in as `{user}`: is the password the one the account was made with?")]
    SignIn {
        /// The user.
        user: String,
    },
    /// A user's WebSocket could not be opened.
    #[display("cannot open `{user}`'s WebSocket to {url}: {detail}")]
    Connect {
        /// The user.
        user: String,
        /// Where.
        url: String,
        /// Why.
        detail: String,
    },
    /// A user's login was refused.
    #[display("`{user}`'s user_login was refused: {reason}")]
    Login {
        /// The user.
        user: String,
        /// The platform's reason.
        reason: String,
    },
    /// A user's connection ended during the replay.
    #[display("`{user}`'s connection ended during the replay: {detail}")]
    Lost {
        /// The user.
        user: String,
        /// How.
        detail: String,
    },
    /// A frame got no receipt in time.
    #[display("`{user}`'s frame got no receipt within {within:?}: {frame}")]
    NoReceipt {
        /// The user.
        user: String,
        /// How long it waited.
        within: Duration,
        /// The frame as sent.
        frame: String,
    },
    /// A group for a frame's recipients could not be made (the HTTP error is the source).
    #[display("cannot make a group of recipients for `{user}` (POST /user/group/create)")]
    Group {
        /// The user.
        user: String,
    },
}

impl ReplayError {
    /// What stopped the replay.
    pub fn kind(&self) -> &ReplayErrorKind {
        &self.kind
    }

    pub(super) fn new(kind: ReplayErrorKind, source: Option<HttpError>) -> Self {
        Self { kind, source }
    }
}
