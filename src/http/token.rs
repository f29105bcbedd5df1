//! Sign-in state: the account's credentials, the current access token (readable cheaply by every
//! part of the program) and the timer that keeps it fresh, as the reference SDK does.

use super::HttpClient;
use crate::protocol::Secret;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the access token is refreshed: every 6 hours, as the reference SDK (tokens expire
/// after 24 h).
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(6 * 60 * 60);

/// How often the client signs in again from scratch: every 7 days, as the reference SDK (refresh
/// tokens expire after 30 days).
pub const SIGN_IN_INTERVAL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long to wait before trying again when a refresh and the sign-in after it both failed.
pub const RENEWAL_RETRY: Duration = Duration::from_secs(60);

/// An account's email and password (what `account_config` holds in the reference SDK's config).
///
/// `Debug` shows the email and `[redacted]` for the password.
///
/// # Examples
/// ```
/// let account = moobius::http::Credentials::new("bot@example.com", "hunter2");
/// assert!(!format!("{account:?}").contains("hunter2"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account's email (the HTTP API calls it `username`).
    pub email: String,
    /// The account's password.
    pub password: Secret,
}

impl Credentials {
    /// Credentials from an email and a password.
    pub fn new(email: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self { email: email.into(), password: password.into() }
    }
}

#[derive(Clone, Default)]
struct Tokens {
    access: Option<Secret>,
    refresh: Option<Secret>,
    generation: u64,
}

/// The current access token, shared: clone it freely and hand it to every part that needs the
/// token (the WebSocket connection reads it on each (re)connect; the HTTP client on each call).
///
/// Reading is a lock and a clone of one string; [`TokenSource::watch`] also tells when the token
/// changes (after a sign-in or refresh). `Debug` never shows a token.
///
/// # Examples
/// ```
/// use moobius::http::TokenSource;
/// use moobius::protocol::Secret;
///
/// let tokens = TokenSource::with_access_token(Secret::new("tok"));
/// let reader = tokens.clone();
/// assert_eq!(reader.access_token().unwrap().expose(), "tok");
/// assert_eq!(format!("{reader:?}"), "TokenSource { signed_in: true, generation: 1 }");
/// ```
#[derive(Clone)]
pub struct TokenSource {
    tokens: Arc<watch::Sender<Tokens>>,
}

impl Default for TokenSource {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenSource {
    /// A source with no token yet (signed out).
    pub fn new() -> Self {
        Self { tokens: Arc::new(watch::Sender::new(Tokens::default())) }
    }

    /// A source holding a token obtained elsewhere.
    pub fn with_access_token(token: Secret) -> Self {
        let source = Self::new();
        source.set(token, None);
        source
    }

    /// The current access token, if signed in.
    pub fn access_token(&self) -> Option<Secret> {
        self.tokens.borrow().access.clone()
    }

    /// How many tokens this source has held: 0 before the first sign-in, then one more per
    /// sign-in or refresh.
    pub fn generation(&self) -> u64 {
        self.tokens.borrow().generation
    }

    /// A watcher that wakes when the token changes.
    pub fn watch(&self) -> TokenWatch {
        TokenWatch { receiver: self.tokens.subscribe() }
    }

    pub(crate) fn refresh_token(&self) -> Option<Secret> {
        self.tokens.borrow().refresh.clone()
    }

    /// Stores a new access token (and a new refresh token, when one came with it).
    pub(crate) fn set(&self, access: Secret, refresh: Option<Secret>) {
        self.tokens.send_modify(|tokens| {
            tokens.access = Some(access);
            if refresh.is_some() {
                tokens.refresh = refresh;
            }
            tokens.generation += 1;
        });
    }

    /// Forgets both tokens (after a sign-out or an account's deletion): calls need a sign-in.
    pub(crate) fn clear(&self) {
        self.tokens.send_modify(|tokens| {
            tokens.access = None;
            tokens.refresh = None;
        });
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = self.tokens.borrow();
        f.debug_struct("TokenSource")
            .field("signed_in", &tokens.access.is_some())
            .field("generation", &tokens.generation)
            .finish()
    }
}

/// Wakes when a [`TokenSource`]'s token changes.
#[derive(Debug)]
pub struct TokenWatch {
    receiver: watch::Receiver<Tokens>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens").field("generation", &self.generation).finish_non_exhaustive()
    }
}

impl TokenWatch {
    /// Waits for the next token (one stored after this watcher was made or last woke) and returns
    /// it; `None` once every [`TokenSource`] clone is gone.
    pub async fn changed(&mut self) -> Option<Secret> {
        loop {
            self.receiver.changed().await.ok()?;
            if let Some(token) = self.receiver.borrow_and_update().access.clone() {
                return Some(token);
            }
        }
    }
}

/// When the renewal timer runs. Defaults: the reference SDK's [`REFRESH_INTERVAL`],
/// [`SIGN_IN_INTERVAL`] and [`RENEWAL_RETRY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTimings {
    /// Time between refreshes of the access token.
    pub refresh_every: Duration,
    /// Time between full sign-ins (which also renew the refresh token).
    pub sign_in_every: Duration,
    /// Time before trying again after a failed renewal.
    pub retry_after: Duration,
}

impl Default for TokenTimings {
    fn default() -> Self {
        Self { refresh_every: REFRESH_INTERVAL, sign_in_every: SIGN_IN_INTERVAL, retry_after: RENEWAL_RETRY }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Renewed {
    SignIn,
    Refresh,
}

/// The running renewal timer of [`HttpClient::spawn_token_renewal`]. Dropping it (or calling
/// [`TokenRenewal::stop`]) stops the timer.
#[derive(Debug)]
#[must_use = "the renewal timer stops when this handle is dropped"]
pub struct TokenRenewal {
    task: tokio::task::JoinHandle<()>,
}

impl TokenRenewal {
    /// Stops the timer.
    pub fn stop(self) {}
}

impl Drop for TokenRenewal {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl HttpClient {
    /// Starts a timer on the current actix (tokio local) runtime that refreshes the access token
    /// every `timings.refresh_every` and signs in again every `timings.sign_in_every`. A failed
    /// refresh falls back to a sign-in; when that fails too, the timer logs a warning and tries
    /// again after `timings.retry_after`. Every new token lands in [`HttpClient::tokens`].
    ///
    /// Sign in first ([`HttpClient::sign_in`]): the timer only renews.
    ///
    /// # Panics
    /// When called outside an actix / tokio `LocalSet` context (as `actix_rt::spawn`).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.sign_in().await?;
    /// let _renewal = client.spawn_token_renewal(Default::default());
    /// // ... run the service; the token stays fresh while `_renewal` lives.
    /// # Ok(()) }
    /// ```
    pub fn spawn_token_renewal(&self, timings: TokenTimings) -> TokenRenewal {
        let client = self.clone();
        let task = actix_rt::spawn(async move {
            let start = tokio::time::Instant::now();
            let mut next_refresh = start + timings.refresh_every;
            let mut next_sign_in = start + timings.sign_in_every;
            loop {
                let sign_in_due = next_sign_in <= next_refresh;
                tokio::time::sleep_until(if sign_in_due { next_sign_in } else { next_refresh }).await;
                let renewed = if sign_in_due {
                    client.sign_in().await.map(|()| Renewed::SignIn)
                } else {
                    match client.refresh().await {
                        Ok(()) => Ok(Renewed::Refresh),
                        Err(error) => {
                            log::warn!(
                                "access token refresh failed ({}); signing in again",
                                crate::report(&error)
                            );
                            client.sign_in().await.map(|()| Renewed::SignIn)
                        }
                    }
                };
                let now = tokio::time::Instant::now();
                match renewed {
                    Ok(how) => {
                        log::debug!("access token renewed ({how:?})");
                        next_refresh = now + timings.refresh_every;
                        if how == Renewed::SignIn {
                            next_sign_in = now + timings.sign_in_every;
                        }
                    }
                    Err(error) => {
                        log::warn!(
                            "access token renewal failed ({}); trying again in {:?}",
                            crate::report(&error),
                            timings.retry_after
                        );
                        let retry = now + timings.retry_after;
                        if sign_in_due {
                            next_sign_in = retry;
                        } else {
                            next_refresh = retry;
                        }
                    }
                }
            }
        });
        TokenRenewal { task }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug() {
        let source = TokenSource::new();
        source.set(Secret::new("access-xyz"), Some(Secret::new("refresh-xyz")));
        let shown = format!("{source:?} {:?} {:?}", source.watch(), Credentials::new("a@b.c", "pw-xyz"));
        assert!(!shown.contains("xyz"), "{shown}");
        assert!(shown.contains("a@b.c"), "{shown}");
    }

    #[test]
    fn refresh_keeps_the_refresh_token_when_none_comes_back() {
        let source = TokenSource::new();
        assert_eq!(source.generation(), 0);
        assert!(source.access_token().is_none());
        source.set(Secret::new("a1"), Some(Secret::new("r1")));
        source.set(Secret::new("a2"), None);
        assert_eq!(source.access_token().unwrap().expose(), "a2");
        assert_eq!(source.refresh_token().unwrap().expose(), "r1");
        assert_eq!(source.generation(), 2);
    }

    #[actix_rt::test]
    async fn watchers_wake_on_new_tokens() {
        let source = TokenSource::new();
        let mut watch = source.watch();
        let writer = source.clone();
        actix_rt::spawn(async move { writer.set(Secret::new("fresh"), None) });
        let token = tokio::time::timeout(Duration::from_secs(5), watch.changed()).await.unwrap();
        assert_eq!(token.unwrap().expose(), "fresh");
        drop(source);
        assert!(watch.changed().await.is_none());
    }
}
