//! Services as actors: what a user of this crate writes. A [`Service`] handles the events it
//! cares about and answers through a [`ServiceContext`] with typed actions; the framework fills
//! in ids, senders, timestamps and request ids, turns character lists into group ids (cached),
//! resolves incoming group ids, gives each channel its own supervised instance, and never lets a
//! reconnect reach the service except as [`Service::on_connection`].
//!
//! Start one with [`ServiceBuilder`]; run several with the [`Wand`].

mod error;
mod event;
mod handler;
mod host;
#[cfg(feature = "platform")]
mod launch;
mod moobius;
mod outbox;
mod recipients;
mod router;
mod runner;
mod wand;

pub use error::{ServiceError, ServiceErrorKind};
pub use event::{Fetch, Message, Update};
pub use handler::{Service, ServiceResult};
pub use host::{Cast, ServiceActor, ServiceContext, Spell};
#[cfg(feature = "platform")]
pub use launch::{DEV_PASSWORD, Launch};
pub use moobius::Moobius;
pub use recipients::Recipients;
pub use runner::{Running, ServiceBuilder, ServiceHandle};
pub use wand::{ShutdownSignal, Wand, wait_for_signal};
