//! Who a message or update goes to: character ids (the framework turns them into a group id over
//! HTTP, cached) or a group id the program already holds.

use crate::protocol::{CharacterId, GroupId};

/// The audience of a message or update.
///
/// # Examples
/// ```
/// use moobius::protocol::{CharacterId, GroupId};
/// use moobius::service::Recipients;
/// let user = CharacterId::from("user-1");
/// let one: Recipients = user.clone().into();
/// let many: Recipients = vec![user.clone(), CharacterId::from("user-2")].into();
/// let group: Recipients = GroupId::from("a-group-id").into();
/// assert_eq!(one, Recipients::Characters(vec![user]));
/// # let _ = (many, group);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipients {
    /// These character ids; an empty list sends nothing (as the reference SDK).
    Characters(Vec<CharacterId>),
    /// A group id, used as is.
    Group(GroupId),
}

impl Recipients {
    /// Whether the framework must make a group of a list first (an HTTP call, cached).
    pub(crate) fn needs_group(&self) -> bool {
        matches!(self, Self::Characters(list) if !list.is_empty())
    }
}

impl From<CharacterId> for Recipients {
    fn from(character: CharacterId) -> Self {
        Self::Characters(vec![character])
    }
}

impl From<&CharacterId> for Recipients {
    fn from(character: &CharacterId) -> Self {
        Self::Characters(vec![character.clone()])
    }
}

impl From<Vec<CharacterId>> for Recipients {
    fn from(characters: Vec<CharacterId>) -> Self {
        Self::Characters(characters)
    }
}

impl From<&[CharacterId]> for Recipients {
    fn from(characters: &[CharacterId]) -> Self {
        Self::Characters(characters.to_vec())
    }
}

impl From<&Vec<CharacterId>> for Recipients {
    fn from(characters: &Vec<CharacterId>) -> Self {
        Self::Characters(characters.clone())
    }
}

impl From<GroupId> for Recipients {
    fn from(group: GroupId) -> Self {
        Self::Group(group)
    }
}
