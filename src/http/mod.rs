//! The platform's HTTP API: sign-in and token renewal, the account's life (sign-up with a code,
//! password reset, sign-out, deletion), services, binding, channels, members, agents, groups,
//! message history and files (PROTOCOL.md, "HTTP API", and the reference SDK's
//! `http_api_wrapper.py`), on awc.
//!
//! [`HttpClient`] has one typed method per call. Every answer's envelope is checked in one place:
//! success is `{"code": 10000, "data": ...}`; anything else becomes an [`HttpError`] whose kind
//! carries the platform's `code` and `message` ([`HttpErrorKind::Refused`]). Tokens and passwords
//! are [`Secret`](crate::protocol::Secret)s: never logged, never in `Debug` output or errors.
//!
//! - [`TokenSource`]: the current access token, cheap to clone and read from anywhere;
//!   [`HttpClient::spawn_token_renewal`] refreshes it every 6 hours and signs in again every 7
//!   days, as the reference SDK. A call refused as unauthorized (HTTP 401) signs in again and is
//!   retried once ([`HttpClientBuilder::sign_in_again_when_unauthorized`]).
//! - [`HttpClient::create_group`] / [`HttpClient::group_members`]: recipient lists to group ids and
//!   back, cached (one HTTP call per distinct list per client); [`HttpClient::calls`] counts calls.
//!   User mode's channel groups: [`HttpClient::create_channel_group`] /
//!   [`HttpClient::channel_group_members`], cached the same way.
//! - Files: [`HttpClient::upload_bytes`] / [`HttpClient::upload_path`] (the SDK's flow:
//!   `GET /file/upload`, then a multipart POST to the URL it gives), cached by content (one
//!   upload per distinct content per client); [`HttpClient::convert_to_url`] uploads a local
//!   path and passes a URL through; [`HttpClient::download`], [`HttpClient::download_to`],
//!   [`HttpClient::download_size`].
//! - Timeouts: [`REQUEST_TIMEOUT`] and [`CONNECT_TIMEOUT`], set per client with
//!   [`HttpClientBuilder::timeout`] and [`HttpClientBuilder::connect_timeout`].

mod accounts;
mod auth;
mod channels;
mod characters;
mod client;
mod envelope;
mod error;
mod files;
mod group_calls;
mod groups;
mod history;
mod services;
mod token;
mod types;
mod upload;

pub use accounts::ConfirmationCode;
#[cfg(feature = "metrics")]
pub(crate) use client::Shared as HttpShared;
pub use client::{
    CONNECT_TIMEOUT, DEFAULT_HTTP_URL, HttpClient, HttpClientBuilder, MAX_DOWNLOAD_BYTES, MAX_RESPONSE_BYTES,
    REQUEST_TIMEOUT, SUCCESS_CODE, SharedHttp,
};
pub use error::{HttpError, HttpErrorKind};
pub use files::{FileUrl, Uploaded, is_url, local_path};
pub use groups::CHANNEL_GROUP_NAME;
pub use token::{
    Credentials, REFRESH_INTERVAL, RENEWAL_RETRY, SIGN_IN_INTERVAL, TokenRenewal, TokenSource, TokenTimings,
    TokenWatch,
};
pub use types::{ChannelSummary, Profile, ServiceSummary, UserGroup, UserInfo};
