//! The account flows that go through an emailed code, and the ends of an account's sessions:
//! sign-up (an unconfirmed account and a code; confirming it with the code lets it sign in),
//! resending that code, password reset (a code, then the new password with it), sign-out (one
//! session's tokens) and deletion.
//!
//! "Emailing" a code: in dev mode ([`PlatformConfig::dev_mode`], the default) the code is logged
//! at `info` (that log line is the email) and the fixed [`PlatformConfig::dev_code`] is accepted
//! too; either way the last code sent is readable by the embedding program
//! (`PlatformHandle::last_code`). A code is valid for [`PlatformConfig::codes`]' lifetime and
//! survives that many wrong tries.
//!
//! [`PlatformConfig::dev_mode`]: crate::platform::PlatformConfig::dev_mode
//! [`PlatformConfig::dev_code`]: crate::platform::PlatformConfig::dev_code
//! [`PlatformConfig::codes`]: crate::platform::PlatformConfig::codes

use super::{Fail, Hub};
use crate::protocol::Secret;
use std::time::Instant;

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    SignUp,
    Reset,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Self::SignUp => "sign-up",
            Self::Reset => "password-reset",
        }
    }

    fn ask_again(self) -> &'static str {
        match self {
            Self::SignUp => "POST /auth/resend_confirmation",
            Self::Reset => "POST /auth/forgot_password",
        }
    }
}

/// A code emailed and not used yet.
pub(crate) struct PendingCode {
    purpose: Purpose,
    code: Secret,
    expires: Instant,
    tries_left: u32,
}

impl Hub {
    /// `POST /auth/sign_up`: an unconfirmed account, and its code emailed.
    pub(crate) fn sign_up(&mut self, username: &str, password: &Secret) -> Result<(), Fail> {
        let username = Self::check_username(username)?;
        if password.expose().is_empty() {
            return Err(Fail::bad("`password` is empty: sign up with a username and a password"));
        }
        if let Some(account) = self.accounts.get(username) {
            let hint = if account.confirmed {
                "sign in instead"
            } else {
                "confirm it with the emailed code, or ask for a new one (POST /auth/resend_confirmation)"
            };
            return Err(Fail::new(409, format!("account `{username}` exists already: {hint}")));
        }
        self.create_account(username, password, false);
        self.send_code(username, Purpose::SignUp);
        Ok(())
    }

    /// `POST /auth/resend_confirmation`: a new sign-up code (the old one is void).
    pub(crate) fn resend_sign_up_code(&mut self, username: &str) -> Result<(), Fail> {
        let account = self.account(username)?;
        if account.confirmed {
            return Err(Fail::bad(format!("account `{}` is confirmed already: sign in", username.trim())));
        }
        self.send_code(username.trim(), Purpose::SignUp);
        Ok(())
    }

    /// `POST /auth/confirm_sign_up`.
    pub(crate) fn confirm_sign_up(&mut self, username: &str, code: &Secret) -> Result<(), Fail> {
        self.account(username)?;
        if self.accounts.get(username.trim()).is_some_and(|a| a.confirmed) {
            return Err(Fail::bad(format!("account `{}` is confirmed already: sign in", username.trim())));
        }
        self.use_code(username.trim(), Purpose::SignUp, code)?;
        if let Some(account) = self.accounts.get_mut(username.trim()) {
            account.confirmed = true;
        }
        Ok(())
    }

    /// `POST /auth/forgot_password`: a password-reset code emailed.
    pub(crate) fn forgot_password(&mut self, username: &str) -> Result<(), Fail> {
        self.account(username)?;
        self.send_code(username.trim(), Purpose::Reset);
        Ok(())
    }

    /// `POST /auth/confirm_reset_password`: the new password, with the code. Every session of
    /// the account is signed out. A reset confirms an unconfirmed account too (the code proves
    /// the email).
    pub(crate) fn reset_password(
        &mut self,
        username: &str,
        password: &Secret,
        code: &Secret,
    ) -> Result<(), Fail> {
        self.account(username)?;
        if password.expose().is_empty() {
            return Err(Fail::bad("`password` is empty: give the new password"));
        }
        let username = username.trim();
        self.use_code(username, Purpose::Reset, code)?;
        let Some(account) = self.accounts.get_mut(username) else { return Ok(()) };
        account.password = password.clone();
        account.confirmed = true;
        let user_id = account.user_id.clone();
        self.sign_in_guard.succeeded(username);
        self.tokens.retain(|_, t| t.user_id != user_id);
        self.refresh_tokens.retain(|_, t| t.user_id != user_id);
        Ok(())
    }

    /// `POST /auth/sign_out`: the session of this access token ends (its access and refresh
    /// tokens are forgotten).
    pub(crate) fn sign_out(&mut self, access_token: &str) -> Result<(), Fail> {
        self.authenticate(access_token)?;
        let Some(session) = self.tokens.get(access_token).map(|t| t.session) else { return Ok(()) };
        self.tokens.retain(|_, t| t.session != session);
        self.refresh_tokens.retain(|_, t| t.session != session);
        Ok(())
    }

    /// `POST /auth/delete_account`: with the right password, the account, its user, its tokens
    /// and its memberships go. Its services and channels stay (nobody can use them again).
    pub(crate) fn delete_account(&mut self, username: &str, password: &Secret) -> Result<(), Fail> {
        let username = username.trim();
        let now = Instant::now();
        self.account(username)?;
        if let Err(wait) = self.sign_in_guard.check(username, now) {
            let mut fail = Fail::new(
                429,
                format!("too many wrong passwords for `{username}`: try again in {} ms", wait.as_millis()),
            );
            fail.retry_after = Some(wait);
            return Err(fail);
        }
        let Some(account) = self.accounts.get(username) else { return Ok(()) };
        if account.password != *password {
            self.sign_in_guard.failed(username, now);
            return Err(Fail::unauthorized(format!("wrong password for `{username}`")));
        }
        let user_id = account.user_id.clone();
        self.accounts.remove(username);
        self.users.remove(&user_id);
        self.sign_in_guard.succeeded(username);
        self.tokens.retain(|_, t| t.user_id != user_id);
        self.refresh_tokens.retain(|_, t| t.user_id != user_id);
        for channel in self.channels.values_mut() {
            channel.members.remove(&user_id);
        }
        log::info!("account `{username}` was deleted");
        Ok(())
    }

    /// The code last emailed to `username` and not used yet.
    pub(crate) fn last_code(&self, username: &str) -> Option<Secret> {
        let pending = self.accounts.get(username.trim())?.code.as_ref()?;
        (pending.expires > Instant::now()).then(|| pending.code.clone())
    }

    fn account(&self, username: &str) -> Result<&super::accounts::Account, Fail> {
        let username = Self::check_username(username)?;
        self.accounts.get(username).ok_or_else(|| {
            Fail::not_found(format!("no account `{username}`: sign up first (POST /auth/sign_up)"))
        })
    }

    /// A fresh code for `username`, replacing any code before it, "emailed".
    fn send_code(&mut self, username: &str, purpose: Purpose) {
        let code = Secret::new(format!("{:06}", rand::random_range(0..1_000_000u32)));
        let (dev_mode, lifetime, tries) =
            (self.config.dev_mode, self.config.code_lifetime, self.config.code_attempts);
        let Some(account) = self.accounts.get_mut(username) else { return };
        if dev_mode {
            // Dev mode's email: the one place a code is ever logged.
            log::info!(
                "dev mode: the {} code for `{username}` is {} (this line is the email; `{}` works too)",
                purpose.name(),
                code.expose(),
                self.config.dev_code.expose()
            );
        } else {
            log::info!("a {} code was sent to `{username}`", purpose.name());
        }
        account.code =
            Some(PendingCode { purpose, code, expires: Instant::now() + lifetime, tries_left: tries });
    }

    /// Checks `given` against the code sent to `username` for `purpose` (or dev mode's fixed
    /// code); a right code is used up, a wrong one costs a try.
    fn use_code(&mut self, username: &str, purpose: Purpose, given: &Secret) -> Result<(), Fail> {
        let dev = self.config.dev_mode && given.expose() == self.config.dev_code.expose();
        let Some(account) = self.accounts.get_mut(username) else {
            return Err(Fail::not_found(format!("no account `{username}`")));
        };
        let ask_again = purpose.ask_again();
        let Some(pending) = account.code.as_mut().filter(|p| p.purpose == purpose) else {
            return Err(Fail::bad(format!(
                "no {} code was sent to `{username}`: ask for one ({ask_again})",
                purpose.name()
            )));
        };
        if pending.expires <= Instant::now() {
            account.code = None;
            return Err(Fail::bad(format!(
                "the {} code expired: ask for a new one ({ask_again})",
                purpose.name()
            )));
        }
        if !dev && pending.code.expose() != given.expose() {
            pending.tries_left = pending.tries_left.saturating_sub(1);
            let left = pending.tries_left;
            if left == 0 {
                account.code = None;
                return Err(Fail::bad(format!(
                    "wrong {} code, and that was the last try: ask for a new one ({ask_again})",
                    purpose.name()
                )));
            }
            let tries = if left == 1 { "try" } else { "tries" };
            return Err(Fail::bad(format!("wrong {} code ({left} {tries} left)", purpose.name())));
        }
        account.code = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Hub;
    use crate::platform::PlatformConfig;
    use crate::protocol::Secret;
    use std::time::Duration;

    fn pw(text: &str) -> Secret {
        Secret::new(text)
    }

    #[test]
    fn a_sign_up_signs_in_once_confirmed() {
        let mut hub = Hub::new(PlatformConfig::default().dev_mode(false).codes(Duration::from_secs(60), 2));
        hub.sign_up("ann", &pw("pw")).unwrap();
        assert_eq!(hub.sign_up("ann", &pw("pw")).unwrap_err().status, 409);
        assert_eq!(hub.sign_in("ann", &pw("pw")).unwrap_err().status, 403, "not confirmed");
        assert_eq!(hub.confirm_sign_up("ann", &pw("000000")).unwrap_err().status, 400, "no dev code");
        let code = hub.last_code("ann").unwrap();
        hub.confirm_sign_up("ann", &code).unwrap();
        hub.sign_in("ann", &pw("pw")).unwrap();
        assert!(hub.last_code("ann").is_none(), "used up");
    }

    #[test]
    fn wrong_codes_run_out_and_a_resent_code_replaces_the_old() {
        let mut hub = Hub::new(PlatformConfig::default().dev_mode(false).codes(Duration::from_secs(60), 3));
        hub.sign_up("ann", &pw("pw")).unwrap();
        let first = hub.last_code("ann").unwrap();
        hub.resend_sign_up_code("ann").unwrap();
        let second = hub.last_code("ann").unwrap();
        if first.expose() == second.expose() {
            return; // one in a million: the same code twice; the rest needs two
        }
        assert_eq!(hub.confirm_sign_up("ann", &first).unwrap_err().status, 400, "the old code is void");
        let wrong = pw(if second.expose() == "123456" { "654321" } else { "123456" });
        let err = hub.confirm_sign_up("ann", &wrong).unwrap_err();
        assert!(err.message.contains("(1 try left)"), "{}", err.message);
        let _ = hub.confirm_sign_up("ann", &wrong);
        let err = hub.confirm_sign_up("ann", &second).unwrap_err();
        assert!(err.message.contains("no sign-up code"), "voided: {}", err.message);
    }

    #[test]
    fn a_reset_sets_the_password_and_ends_the_sessions() {
        let mut hub = Hub::new(PlatformConfig::default());
        let (access, _, _) = hub.sign_in("ann", &pw("old")).unwrap();
        assert_eq!(
            hub.reset_password("ann", &pw("new"), &pw("000000")).unwrap_err().status,
            400,
            "no code asked"
        );
        hub.forgot_password("ann").unwrap();
        hub.reset_password("ann", &pw("new"), &pw("000000")).unwrap();
        assert_eq!(hub.authenticate(&access).unwrap_err().status, 401);
        assert_eq!(hub.sign_in("ann", &pw("old")).unwrap_err().status, 401);
        hub.sign_in("ann", &pw("new")).unwrap();
    }

    #[test]
    fn signing_out_ends_one_session_and_deleting_ends_the_account() {
        let mut hub = Hub::new(PlatformConfig::default());
        let (one, refresh_one, _) = hub.sign_in("ann", &pw("pw")).unwrap();
        let (two, _, _) = hub.sign_in("ann", &pw("pw")).unwrap();
        hub.sign_out(&one).unwrap();
        assert_eq!(hub.authenticate(&one).unwrap_err().status, 401);
        assert_eq!(hub.refresh("ann", &refresh_one).unwrap_err().status, 401);
        hub.authenticate(&two).unwrap();
        assert_eq!(hub.delete_account("ann", &pw("wrong")).unwrap_err().status, 401);
        hub.delete_account("ann", &pw("pw")).unwrap();
        assert_eq!(hub.authenticate(&two).unwrap_err().status, 401);
        assert_eq!(hub.forgot_password("ann").unwrap_err().status, 404);
    }
}
