#![doc = include_str!("../README.md")]
//!
//! # Architecture
//!
//! Data flows protocol → connection → dispatch → service; the HTTP client and the local platform
//! sit beside it.
//!
//! - [`protocol`]: the wire format as typed values, serde only. [`protocol::Frame`] is everything
//!   a client sends, [`protocol::Incoming`] / [`protocol::Event`] everything it receives.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(unreachable_pub)]

pub mod protocol;

/// The names most programs need, in one import.
pub mod prelude {
    pub use crate::protocol::{
        ActionKind, Button, ClickArgument, Dialog, Event, Frame, Incoming, MessageContent, Request,
    };
}
