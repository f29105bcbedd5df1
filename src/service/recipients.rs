//! Who a message or update goes to: character ids (the framework turns them into a group id over
//! HTTP, cached) or a group id the program already holds.

/// The audience of a message or update.
///
/// # Examples
/// ```
/// use moobius::service::Recipients;
/// let one: Recipients = "user-1".into();
/// let many: Recipients = vec!["user-1".to_owned(), "user-2".to_owned()].into();
/// let group = Recipients::group("a-group-id");
/// assert_eq!(one, Recipients::Characters(vec!["user-1".into()]));
/// # let _ = (many, group);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipients {
    /// These character ids; an empty list sends nothing (as the reference SDK).
    Characters(Vec<String>),
    /// A group id, used as is.
    Group(String),
}

impl Recipients {
    /// A group id the program already holds.
    pub fn group(group_id: impl Into<String>) -> Self {
        Self::Group(group_id.into())
    }
}

impl From<&str> for Recipients {
    fn from(character: &str) -> Self {
        Self::Characters(vec![character.to_owned()])
    }
}

impl From<String> for Recipients {
    fn from(character: String) -> Self {
        Self::Characters(vec![character])
    }
}

impl From<&String> for Recipients {
    fn from(character: &String) -> Self {
        Self::Characters(vec![character.clone()])
    }
}

impl From<Vec<String>> for Recipients {
    fn from(characters: Vec<String>) -> Self {
        Self::Characters(characters)
    }
}

impl From<&[String]> for Recipients {
    fn from(characters: &[String]) -> Self {
        Self::Characters(characters.to_vec())
    }
}

impl From<&Vec<String>> for Recipients {
    fn from(characters: &Vec<String>) -> Self {
        Self::Characters(characters.clone())
    }
}
