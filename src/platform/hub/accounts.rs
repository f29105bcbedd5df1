//! Accounts and their tokens: the first sign-in of a username creates its account (and its user),
//! later ones check the password (slowed after repeated failures by `signin.rs`); an access token
//! says which user a request or a login comes from, a refresh token gets a new access token.

use super::{Fail, Hub, new_id};
use crate::protocol::Secret;
use std::time::Instant;

/// The longest username accepted, in bytes.
pub(crate) const MAX_USERNAME: usize = 256;

/// A fresh unguessable token: 256 random bits, hex.
fn new_token() -> String {
    let (a, b) = (rand::random::<u128>(), rand::random::<u128>());
    format!("{a:032x}{b:032x}")
}

pub(super) struct Account {
    user_id: String,
    password: Secret,
}

pub(super) struct Token {
    user_id: String,
    expires: Instant,
}

pub(super) struct UserRecord {
    /// Read by `directory.rs` for a user's profile.
    pub(super) username: String,
}

impl Hub {
    pub(crate) fn sign_in(
        &mut self,
        username: &str,
        password: &Secret,
    ) -> Result<(String, String, String), Fail> {
        let username = username.trim();
        if username.is_empty() {
            return Err(Fail::bad("`username` is empty: sign in with a username and a password"));
        }
        if username.contains('\0') {
            return Err(Fail::bad("`username` holds a NUL character: use printable characters"));
        }
        if username.len() > MAX_USERNAME {
            return Err(Fail::bad(format!("`username` is over {MAX_USERNAME} bytes")));
        }
        if password.expose().is_empty() {
            return Err(Fail::bad("`password` is empty: sign in with a username and a password"));
        }
        let now = Instant::now();
        self.tokens.retain(|_, t| t.expires > now);
        self.refresh_tokens.retain(|_, t| t.expires > now);
        if self.accounts.contains_key(username)
            && let Err(wait) = self.sign_in_guard.check(username, now)
        {
            let mut fail = Fail::new(
                429,
                format!("too many wrong passwords for `{username}`: try again in {} ms", wait.as_millis()),
            );
            fail.retry_after = Some(wait);
            return Err(fail);
        }
        let user_id = match self.accounts.get(username) {
            Some(account) if account.password == *password => {
                self.sign_in_guard.succeeded(username);
                account.user_id.clone()
            }
            Some(_) => {
                self.sign_in_guard.failed(username, now);
                return Err(Fail::unauthorized(format!("wrong password for `{username}`")));
            }
            None => {
                let user_id = new_id();
                self.accounts.insert(
                    username.to_owned(),
                    Account { user_id: user_id.clone(), password: password.clone() },
                );
                self.users.insert(user_id.clone(), UserRecord { username: username.to_owned() });
                user_id
            }
        };
        let access = self.issue_access(&user_id);
        let refresh = new_token();
        let expires = now + self.config.refresh_token_lifetime;
        self.refresh_tokens.insert(refresh.clone(), Token { user_id: user_id.clone(), expires });
        Ok((access, refresh, user_id))
    }

    fn issue_access(&mut self, user_id: &str) -> String {
        let token = new_token();
        let expires = Instant::now() + self.config.access_token_lifetime;
        self.tokens.insert(token.clone(), Token { user_id: user_id.to_owned(), expires });
        token
    }

    pub(crate) fn refresh(&mut self, username: &str, refresh_token: &str) -> Result<String, Fail> {
        let user_id = match self.refresh_tokens.get(refresh_token) {
            Some(t) if t.expires > Instant::now() => t.user_id.clone(),
            _ => return Err(Fail::unauthorized("refresh token unknown or expired: sign in again")),
        };
        if !username.is_empty() && self.users.get(&user_id).is_some_and(|u| u.username != username) {
            return Err(Fail::unauthorized(format!("the refresh token is not `{username}`'s")));
        }
        Ok(self.issue_access(&user_id))
    }

    /// The user an access token belongs to.
    pub(crate) fn authenticate(&self, token: &str) -> Result<String, Fail> {
        match self.tokens.get(token) {
            Some(t) if t.expires > Instant::now() => Ok(t.user_id.clone()),
            Some(_) => Err(Fail::unauthorized("access token expired: refresh it or sign in again")),
            None => Err(Fail::unauthorized("access token unknown: sign in to get one")),
        }
    }

    pub(crate) fn username(&self, user_id: &str) -> Option<&str> {
        self.users.get(user_id).map(|u| u.username.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_hub::hub;
    use crate::protocol::Secret;

    #[test]
    fn wrong_password_is_refused_and_the_first_sign_in_creates() {
        let mut hub = hub();
        let (_, _, id) = hub.sign_in("a", &Secret::new("one")).unwrap();
        let (_, _, again) = hub.sign_in("a", &Secret::new("one")).unwrap();
        assert_eq!(id, again);
        assert_eq!(hub.sign_in("a", &Secret::new("two")).unwrap_err().status, 401);
    }
}
