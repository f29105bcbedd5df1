//! The embedded local Moobius platform: a development server that speaks the real protocol
//! (WebSocket and HTTP API of PROTOCOL.md), so services, tests, examples and benchmarks run
//! offline. It is a real server on a real socket, not a mock.
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use moobius::platform::LocalPlatform;
//! let platform = LocalPlatform::start("127.0.0.1:0").await?;
//! println!("HTTP at {}, WebSocket at {}", platform.http_url(), platform.ws_url());
//! platform.stop().await;
//! # Ok::<(), moobius::platform::PlatformError>(())
//! # }).unwrap();
//! ```
//!
//! What it does where the production platform is silent is written in PROTOCOL.md ("What the
//! local platform does ..."): login first, refusals as receipts with a reason, `seq` and resume,
//! request-id memory, groups, binding.
//!
//! Beyond PROTOCOL.md's HTTP table it serves the rest of what the reference SDK calls, in the
//! same envelope:
//!
//! | route | what it does here |
//! |---|---|
//! | `GET /file/upload?extension=` | an upload slot: `{url: "http://HOST/file/bucket/", fields: {key, token}}`; refused 429 past [`DEFAULT_UPLOAD_SLOTS`], 507 past [`DEFAULT_MAX_FILES`] |
//! | `POST /file/bucket/` | `multipart/form-data` with `key`, `token` and `file`: stores the file, 204; 413 past [`DEFAULT_MAX_FILE_BYTES`], 507 past [`DEFAULT_MAX_STORED_BYTES`] |
//! | `GET`, `HEAD /file/bucket/{key}` | the file (no token), `HEAD` with its length |
//! | `GET /channel/history_message?channel_id=&limit=&before=` | the last `limit` messages before the message `before` (`null`: the newest), oldest first, as delivered; kept per channel up to [`DEFAULT_HISTORY_MESSAGES`] and [`DEFAULT_HISTORY_BYTES`]; the owners of the channel and of its service see all, a member what it sent and received |
//! | `POST /channel/update` | `{channel_id, channel_name, context: {channel_description}}`, by the channel's creator |
//! | `GET /channel/popular` | the channels with the most members, at most [`DEFAULT_POPULAR_CHANNELS`] |
//! | `GET /user/group/temp?channel_id=&service_id=` | the service groups used as recipients in the channel (at most [`DEFAULT_TEMP_GROUPS`]) |
//! | `POST /service/character/update` | `{service_id, character_id, context: {name, avatar, description}}`, by the service's owner |
//! | `POST /user/info` | `{name, avatar, description}`: the caller's own profile |
//! | `POST /auth/sign_up`, `/auth/resend_confirmation`, `/auth/confirm_sign_up` | an unconfirmed account and its emailed code; a new code; the confirmation |
//! | `POST /auth/forgot_password`, `/auth/confirm_reset_password` | a reset code; the new password with it (every session ends) |
//! | `POST /auth/sign_out`, `/auth/delete_account` | the bearer's session ends; the account goes (with its password) |
//! | `GET /metrics` | (feature `metrics`) the platform's metrics in the Prometheus text format: connections, frames by type, refusals by class, replay buffer sizes, slow consumers cut (see `docs/metrics.md`) |
//!
//! Codes are "emailed" by logging them in dev mode ([`PlatformConfig::dev_mode`], the default),
//! which also accepts the fixed [`DEFAULT_DEV_CODE`] (`000000`); [`PlatformHandle::last_code`]
//! reads the last code sent.

mod config;
pub(crate) mod counters;
mod error;
mod http;
mod hub;
pub mod replay;
mod server;
mod stats;
pub mod studio;
mod traffic;
pub mod transcript;
mod wire;
mod ws;

pub use config::*;
pub use error::{PlatformError, PlatformErrorKind};
pub use server::{LocalPlatform, PlatformHandle};
pub use stats::PlatformStats;
pub use studio::{
    STUDIO_FEED_LAG, STUDIO_FEEDS, STUDIO_FRAME_TEXT, STUDIO_HISTORY_BYTES, STUDIO_HISTORY_EVENTS,
    STUDIO_MAX_LATENCY, STUDIO_TRANSCRIPT_BYTES, STUDIO_TRANSCRIPT_FRAMES,
};
pub use traffic::{ConnectionTraffic, Peer, RefusedFrame, TrafficReport};
pub use wire::WRITE_BACKLOG;

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary (a
/// frame's text in the studio's feed, a close frame's reason).
pub(crate) fn cut_at(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
