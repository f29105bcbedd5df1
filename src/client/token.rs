//! Where the connection gets the access token for each login: a token can be refreshed while the
//! runtime runs, and every (re)connect logs in with the current one.

use crate::protocol::Secret;
use std::sync::{Arc, RwLock};

/// Gives the current access token. Asked once per login, on the connection's thread: it must
/// return at once (keep the token in memory and refresh it elsewhere, e.g. with [`SharedToken`]).
pub trait TokenProvider: Send + Sync + 'static {
    /// The access token to log in with now.
    fn access_token(&self) -> Secret;
}

impl TokenProvider for Secret {
    fn access_token(&self) -> Secret {
        self.clone()
    }
}

impl<F> TokenProvider for F
where
    F: Fn() -> Secret + Send + Sync + 'static,
{
    fn access_token(&self) -> Secret {
        self()
    }
}

/// The HTTP session's token, kept fresh by its renewal timer
/// ([`HttpClient::spawn_token_renewal`](crate::http::HttpClient::spawn_token_renewal)), is a token
/// source too: before the first sign-in it gives an empty token (the login is refused and retried).
impl TokenProvider for crate::http::TokenSource {
    fn access_token(&self) -> Secret {
        crate::http::TokenSource::access_token(self).unwrap_or_default()
    }
}

/// A token that can be replaced while the runtime runs (e.g. by a refresh task); clones share it.
///
/// # Examples
/// ```
/// use moobius::client::{SharedToken, TokenProvider};
/// let token = SharedToken::new("first");
/// let for_runtime = token.clone();
/// token.replace("second");
/// assert_eq!(for_runtime.access_token().expose(), "second");
/// assert_eq!(format!("{token:?}"), "SharedToken([redacted])");
/// ```
#[derive(Clone, Default)]
pub struct SharedToken(Arc<RwLock<Secret>>);

impl SharedToken {
    /// A shared token holding `token`.
    pub fn new(token: impl Into<Secret>) -> Self {
        Self(Arc::new(RwLock::new(token.into())))
    }

    /// Replaces the token; the next login uses the new one.
    pub fn replace(&self, token: impl Into<Secret>) {
        let token = token.into();
        match self.0.write() {
            Ok(mut slot) => *slot = token,
            Err(poisoned) => *poisoned.into_inner() = token,
        }
    }
}

impl TokenProvider for SharedToken {
    fn access_token(&self) -> Secret {
        match self.0.read() {
            Ok(slot) => slot.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl std::fmt::Debug for SharedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedToken([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closures_and_secrets_are_token_sources() {
        let fixed: Box<dyn TokenProvider> = Box::new(Secret::new("a"));
        assert_eq!(fixed.access_token().expose(), "a");
        let computed: Box<dyn TokenProvider> = Box::new(|| Secret::new("b"));
        assert_eq!(computed.access_token().expose(), "b");
    }
}
