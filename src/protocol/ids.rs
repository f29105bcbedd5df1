//! Ids as types: a channel id, a character id, a service id, a group id and a message id are
//! all strings on the wire, and each is its own type here, so that a constructor that takes five
//! of them cannot be called with two swapped.
//!
//! Each id is serde-transparent (it reads and writes the plain string), derefs to `str`, prints
//! as the string, and compares with `str`. It is made from a string only by naming its type
//! (`ChannelId::from("...")`, `"...".into()` where the type is known): functions that take ids
//! take the id types, never `impl Into<String>`.

use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }

            /// Whether the id is empty (no id at all).
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl From<&$name> for Arc<str> {
            fn from(id: &$name) -> Arc<str> {
                Arc::from(id.0.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

id! {
    /// A channel's id.
    ///
    /// # Examples
    /// ```
    /// use moobius::protocol::ChannelId;
    /// let channel = ChannelId::from("c-1");
    /// assert_eq!(channel, "c-1");
    /// assert_eq!(serde_json::to_string(&channel).unwrap(), r#""c-1""#);
    /// ```
    ChannelId
}

id! {
    /// A character's id: a user (a user's character) or an agent of a service.
    CharacterId
}

id! {
    /// A service's id.
    ServiceId
}

id! {
    /// A group's id: a recipient list the platform made (`/user/group/create`), as messages and
    /// updates carry it.
    GroupId
}

id! {
    /// A message's id, as the platform assigns it.
    MessageId
}

impl ServiceId {
    /// The service as a character (a service speaks as itself with its own id).
    pub fn as_character(&self) -> CharacterId {
        CharacterId(self.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn ids_read_and_write_plain_strings() {
        let id: CharacterId = serde_json::from_str(r#""u-1""#).unwrap();
        assert_eq!(id, "u-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""u-1""#);
        assert_eq!(format!("{id} {id:?}"), r#"u-1 "u-1""#);
    }

    #[test]
    fn ids_look_up_by_str() {
        let mut map = HashMap::new();
        map.insert(ChannelId::from("c"), 1);
        assert_eq!(map.get("c"), Some(&1));
    }

    #[test]
    fn a_service_speaks_as_itself() {
        assert_eq!(ServiceId::from("s").as_character(), CharacterId::from("s"));
    }
}
