//! Who a service speaks as, in its types: a service (`message_down`, buttons, canvas, ...) or a
//! user-mode bot (`message_up`, joins, clicks). The role is a type parameter of the outbox, the
//! channel handle and the service handle, so an action the role cannot send does not compile.

use crate::protocol::{CharacterId, ServiceId};

mod sealed {
    pub trait Sealed {}
}

/// A role: [`AsService`] or [`AsUser`]. Sealed: the crate defines both.
pub trait Role: sealed::Sealed + Send + Sync + 'static {
    /// Who the role speaks for: a [`ServiceId`] or the user's [`CharacterId`].
    type Id: Clone + std::fmt::Debug + std::fmt::Display + Send + Sync + Unpin + 'static;
    /// `"service"` or `"user"`, for logs.
    const NAME: &'static str;
    /// The id from its text.
    #[doc(hidden)]
    fn id_from(id: &str) -> Self::Id;
}

/// Service mode: logs in with `service_login`, receives what users do, decides what they see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsService {}

/// User mode: logs in with `user_login` as a person would (a test user, a puppet), receives what
/// the service shows, sends messages and clicks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsUser {}

impl sealed::Sealed for AsService {}
impl sealed::Sealed for AsUser {}

impl Role for AsService {
    type Id = ServiceId;
    const NAME: &'static str = "service";
    fn id_from(id: &str) -> ServiceId {
        ServiceId::from(id)
    }
}

impl Role for AsUser {
    type Id = CharacterId;
    const NAME: &'static str = "user";
    fn id_from(id: &str) -> CharacterId {
        CharacterId::from(id)
    }
}
