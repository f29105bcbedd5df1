//! Accounts and their tokens: the first sign-in of a username creates its account (and its user),
//! later ones check the password (slowed after repeated failures by `signin.rs`); an access token
//! says which user a request or a login comes from, a refresh token gets a new access token. Each
//! sign-in is a session: its access and refresh tokens go together when it signs out. Sign-up with
//! a code, password reset, sign-out and deletion are in `codes.rs`.

use super::codes::PendingCode;
use super::{Fail, Hub, new_id};
use crate::protocol::{Context, Secret};
use std::time::Instant;

/// The longest username accepted, in bytes.
pub(crate) const MAX_USERNAME: usize = 256;

/// A fresh unguessable token: 256 random bits, hex.
fn new_token() -> String {
    let (a, b) = (rand::random::<u128>(), rand::random::<u128>());
    format!("{a:032x}{b:032x}")
}

pub(super) struct Account {
    pub(super) user_id: String,
    pub(super) password: Secret,
    /// False between a sign-up and its confirmation: such an account cannot sign in.
    pub(super) confirmed: bool,
    /// The code last emailed (sign-up or password reset), until used, voided or replaced.
    pub(super) code: Option<PendingCode>,
}

pub(super) struct Token {
    pub(super) user_id: String,
    expires: Instant,
    /// The sign-in this token belongs to.
    pub(super) session: u64,
}

pub(super) struct UserRecord {
    /// Read by `directory.rs` for a user's profile.
    pub(super) username: String,
    /// Name, avatar and description, once the user set them (`POST /user/info`).
    pub(super) profile: Option<Context>,
}

impl Hub {
    pub(crate) fn sign_in(
        &mut self,
        username: &str,
        password: &Secret,
    ) -> Result<(String, String, String), Fail> {
        let username = Self::check_username(username)?;
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
                if !account.confirmed {
                    return Err(Fail::forbidden(format!(
                        "account `{username}` is not confirmed: confirm it with the emailed code \
                         (POST /auth/confirm_sign_up), or ask for a new code (POST /auth/resend_confirmation)"
                    )));
                }
                account.user_id.clone()
            }
            Some(_) => {
                self.sign_in_guard.failed(username, now);
                return Err(Fail::unauthorized(format!("wrong password for `{username}`")));
            }
            None => self.create_account(username, password, true),
        };
        let session = rand::random::<u64>();
        let access = self.issue_access(&user_id, session);
        let refresh = new_token();
        let expires = now + self.config.refresh_token_lifetime;
        self.refresh_tokens.insert(refresh.clone(), Token { user_id: user_id.clone(), expires, session });
        Ok((access, refresh, user_id))
    }

    /// A new account and its user; returns the user id.
    pub(super) fn create_account(&mut self, username: &str, password: &Secret, confirmed: bool) -> String {
        let user_id = new_id();
        let account = Account { user_id: user_id.clone(), password: password.clone(), confirmed, code: None };
        self.accounts.insert(username.to_owned(), account);
        self.users.insert(user_id.clone(), UserRecord { username: username.to_owned(), profile: None });
        user_id
    }

    fn issue_access(&mut self, user_id: &str, session: u64) -> String {
        let token = new_token();
        let expires = Instant::now() + self.config.access_token_lifetime;
        self.tokens.insert(token.clone(), Token { user_id: user_id.to_owned(), expires, session });
        token
    }

    pub(crate) fn refresh(&mut self, username: &str, refresh_token: &str) -> Result<String, Fail> {
        let (user_id, session) = match self.refresh_tokens.get(refresh_token) {
            Some(t) if t.expires > Instant::now() => (t.user_id.clone(), t.session),
            _ => return Err(Fail::unauthorized("refresh token unknown or expired: sign in again")),
        };
        if !username.is_empty() && self.users.get(&user_id).is_some_and(|u| u.username != username) {
            return Err(Fail::unauthorized(format!("the refresh token is not `{username}`'s")));
        }
        Ok(self.issue_access(&user_id, session))
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

    /// Checks a username's shape (sign-in and sign-up); returns it trimmed.
    pub(super) fn check_username(username: &str) -> Result<&str, Fail> {
        let username = username.trim();
        if username.is_empty() {
            return Err(Fail::bad("`username` is empty: give a username and a password"));
        }
        if username.contains('\0') {
            return Err(Fail::bad("`username` holds a NUL character: use printable characters"));
        }
        if username.len() > MAX_USERNAME {
            return Err(Fail::bad(format!("`username` is over {MAX_USERNAME} bytes")));
        }
        Ok(username)
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
