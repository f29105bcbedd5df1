//! The account's life, as the reference SDK's calls: sign up and confirm with the emailed code
//! (`/auth/sign_up`, `/auth/resend_confirmation`, `/auth/confirm_sign_up`), reset a forgotten
//! password with a code (`/auth/forgot_password`, `/auth/confirm_reset_password`), sign out
//! (`/auth/sign_out`) and delete the account (`/auth/delete_account`). Each uses the client's
//! [`Credentials`](super::Credentials).

use super::{HttpClient, HttpError, HttpErrorKind};
use crate::protocol::Secret;
use serde::Serialize;
use std::fmt;

/// A code the platform emailed: to confirm a sign-up or to reset a password. A secret: `Debug`
/// and `Display` show no digit.
///
/// # Examples
/// ```
/// use moobius::http::ConfirmationCode;
/// let code = ConfirmationCode::new("123456");
/// assert_eq!(code.expose(), "123456");
/// assert_eq!(format!("{code:?}"), "ConfirmationCode([redacted])");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ConfirmationCode(Secret);

impl ConfirmationCode {
    /// The code as typed from the email.
    pub fn new(code: impl Into<String>) -> Self {
        Self(Secret::new(code.into().trim().to_owned()))
    }

    /// The code itself, for the wire. Never log it.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for ConfirmationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ConfirmationCode([redacted])")
    }
}

impl From<Secret> for ConfirmationCode {
    fn from(code: Secret) -> Self {
        Self::new(code.expose())
    }
}

#[derive(Serialize)]
struct UsernamePassword<'a> {
    username: &'a str,
    password: &'a Secret,
}

#[derive(Serialize)]
struct Username<'a> {
    username: &'a str,
}

#[derive(Serialize)]
struct ConfirmSignUp<'a> {
    username: &'a str,
    confirmation_code: &'a ConfirmationCode,
}

#[derive(Serialize)]
struct ConfirmReset<'a> {
    username: &'a str,
    password: &'a Secret,
    confirmation_code: &'a ConfirmationCode,
}

#[derive(Serialize)]
struct SignOut<'a> {
    access_token: &'a Secret,
}

impl HttpClient {
    fn account(&self, call: &str) -> Result<&super::Credentials, HttpError> {
        self.shared
            .credentials
            .as_ref()
            .ok_or_else(|| HttpError::new(HttpErrorKind::NoCredentials { call: format!("POST {call}") }))
    }

    /// Signs up the client's email and password (`POST /auth/sign_up`): the platform emails a
    /// code; [`confirm_sign_up`](HttpClient::confirm_sign_up) with it, then
    /// [`sign_in`](HttpClient::sign_in).
    ///
    /// # Errors
    /// [`HttpErrorKind::NoCredentials`] without credentials; [`HttpErrorKind::Refused`] when the
    /// account exists already (409 on the local platform); as every call.
    ///
    /// # Examples
    /// ```no_run
    /// use moobius::http::{ConfirmationCode, Credentials, HttpClient};
    /// # async fn demo() -> Result<(), moobius::http::HttpError> {
    /// let client = HttpClient::builder("http://127.0.0.1:8080")
    ///     .credentials(Credentials::new("new@example.com", "a password"))
    ///     .build()?;
    /// client.sign_up().await?;
    /// client.confirm_sign_up(&ConfirmationCode::new("000000")).await?; // the local platform's dev code
    /// client.sign_in().await?;
    /// # Ok(()) }
    /// ```
    pub async fn sign_up(&self) -> Result<(), HttpError> {
        const CALL: &str = "/auth/sign_up";
        let account = self.account(CALL)?;
        let request = UsernamePassword { username: &account.email, password: &account.password };
        let _: serde::de::IgnoredAny = self.post_anonymous(CALL, &request, "code 10000").await?;
        Ok(())
    }

    /// Asks for the sign-up code again (`POST /auth/resend_confirmation`); the code emailed
    /// before is void.
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] for an unknown or already confirmed account; as
    /// [`HttpClient::sign_up`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.resend_sign_up_code().await?;
    /// # Ok(()) }
    /// ```
    pub async fn resend_sign_up_code(&self) -> Result<(), HttpError> {
        const CALL: &str = "/auth/resend_confirmation";
        let account = self.account(CALL)?;
        let _: serde::de::IgnoredAny =
            self.post_anonymous(CALL, &Username { username: &account.email }, "code 10000").await?;
        Ok(())
    }

    /// Confirms the sign-up with the emailed code (`POST /auth/confirm_sign_up`).
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] for a wrong or expired code (400 on the local platform; after
    /// too many wrong codes, ask for a new one), or an unknown account; as
    /// [`HttpClient::sign_up`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.confirm_sign_up(&moobius::http::ConfirmationCode::new("123456")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn confirm_sign_up(&self, code: &ConfirmationCode) -> Result<(), HttpError> {
        const CALL: &str = "/auth/confirm_sign_up";
        let account = self.account(CALL)?;
        let request = ConfirmSignUp { username: &account.email, confirmation_code: code };
        let _: serde::de::IgnoredAny = self.post_anonymous(CALL, &request, "code 10000").await?;
        Ok(())
    }

    /// Asks for a password-reset code for the client's email (`POST /auth/forgot_password`).
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] for an unknown account; as [`HttpClient::sign_up`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.request_password_reset().await?;
    /// # Ok(()) }
    /// ```
    pub async fn request_password_reset(&self) -> Result<(), HttpError> {
        const CALL: &str = "/auth/forgot_password";
        let account = self.account(CALL)?;
        let _: serde::de::IgnoredAny =
            self.post_anonymous(CALL, &Username { username: &account.email }, "code 10000").await?;
        Ok(())
    }

    /// Sets the account's password to the client's password, with the code from
    /// [`request_password_reset`](HttpClient::request_password_reset)
    /// (`POST /auth/confirm_reset_password`), as the reference SDK: build the client with the
    /// *new* password. On the local platform this signs out every session of the account.
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] for a wrong or expired code, or an unknown account; as
    /// [`HttpClient::sign_up`].
    ///
    /// # Examples
    /// ```no_run
    /// use moobius::http::{ConfirmationCode, Credentials, HttpClient};
    /// # async fn demo() -> Result<(), moobius::http::HttpError> {
    /// let client = HttpClient::builder("http://127.0.0.1:8080")
    ///     .credentials(Credentials::new("me@example.com", "the new password"))
    ///     .build()?;
    /// client.request_password_reset().await?;
    /// client.confirm_password_reset(&ConfirmationCode::new("000000")).await?;
    /// client.sign_in().await?; // with the new password
    /// # Ok(()) }
    /// ```
    pub async fn confirm_password_reset(&self, code: &ConfirmationCode) -> Result<(), HttpError> {
        const CALL: &str = "/auth/confirm_reset_password";
        let account = self.account(CALL)?;
        let request =
            ConfirmReset { username: &account.email, password: &account.password, confirmation_code: code };
        let _: serde::de::IgnoredAny = self.post_anonymous(CALL, &request, "code 10000").await?;
        Ok(())
    }

    /// Signs out (`POST /auth/sign_out`): the platform forgets this session's access and refresh
    /// tokens, and so does the client (calls then need [`sign_in`](HttpClient::sign_in) again).
    ///
    /// # Errors
    /// [`HttpErrorKind::NotSignedIn`] before a sign-in; as every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.sign_out().await?;
    /// assert!(client.tokens().access_token().is_none());
    /// # Ok(()) }
    /// ```
    pub async fn sign_out(&self) -> Result<(), HttpError> {
        let Some(token) = self.shared.tokens.access_token() else {
            return Err(HttpError::new(HttpErrorKind::NotSignedIn {
                call: "POST /auth/sign_out".to_owned(),
            }));
        };
        let _: serde::de::IgnoredAny =
            self.post("/auth/sign_out", &SignOut { access_token: &token }, "code 10000").await?;
        self.shared.tokens.clear();
        Ok(())
    }

    /// Deletes the account (`POST /auth/delete_account`, with the client's email and password)
    /// and forgets the client's tokens.
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] for a wrong password or an unknown account; as
    /// [`HttpClient::sign_up`].
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.delete_account().await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_account(&self) -> Result<(), HttpError> {
        const CALL: &str = "/auth/delete_account";
        let account = self.account(CALL)?;
        let request = UsernamePassword { username: &account.email, password: &account.password };
        let _: serde::de::IgnoredAny = self.post_anonymous(CALL, &request, "code 10000").await?;
        self.shared.tokens.clear();
        Ok(())
    }
}
