#![doc = include_str!("../README.md")]
//!
//! # Architecture
//!
//! Data flows protocol → connection → dispatch → service; the HTTP client and the local platform
//! sit beside it.
//!
//! - [`protocol`]: the wire format as typed values, serde only. [`protocol::Frame`] is everything
//!   a client sends, [`protocol::Incoming`] / [`protocol::Event`] everything it receives.
//! - [`http`]: the platform's HTTP API on awc: sign-in and token renewal ([`http::TokenSource`]
//!   is the shared access token), services, binding, channels, agents, and the cached
//!   recipient-list ↔ group-id mapping. One error type, [`http::HttpError`].
//! - [`config`]: the reference SDK's `config.json`, with `MOOBIUS_*` environment overrides, and
//!   [`config::ensure_service_and_channels`] to create the service and channel it lacks.
//! - `platform` (feature `platform`, on by default): the embedded local Moobius platform, an
//!   actix-web server speaking the protocol's WebSocket and HTTP API, with test controls.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]

pub mod config;
pub mod http;
pub mod protocol;

#[cfg(feature = "platform")]
pub mod platform;

/// The names most programs need, in one import.
pub mod prelude {
    pub use crate::protocol::{
        ActionKind, Button, ClickArgument, Dialog, Event, Frame, Incoming, MessageContent, Request,
    };
}
