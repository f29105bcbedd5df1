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

mod config;
mod error;
mod http;
mod hub;
pub mod replay;
mod server;
mod stats;
pub mod studio;
mod traffic;
pub mod transcript;
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
