//! Signing in: `POST /auth/sign_in`, `POST /auth/refresh`, and the signed-in user's profile
//! (`GET /user/info`, `POST /user/info`).

use super::types::*;
use super::{HttpClient, HttpError, HttpErrorKind};

impl HttpClient {
    /// Signs in with the client's credentials (`POST /auth/sign_in`) and stores the access and
    /// refresh tokens in [`HttpClient::tokens`].
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`] for a wrong email or password; [`HttpErrorKind::NotSignedIn`]
    /// when the client has no credentials; transport errors and timeouts.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.sign_in().await?;
    /// assert!(client.tokens().access_token().is_some());
    /// # Ok(()) }
    /// ```
    pub async fn sign_in(&self) -> Result<(), HttpError> {
        const CALL: &str = "/auth/sign_in";
        let Some(credentials) = &self.shared.credentials else {
            return Err(HttpError::new(HttpErrorKind::NoCredentials { call: format!("POST {CALL}") }));
        };
        let request = SignInRequest { username: &credentials.email, password: &credentials.password };
        let data: AuthData = self
            .post_anonymous(CALL, &request, "data: {AuthenticationResult: {AccessToken, RefreshToken}}")
            .await?;
        self.shared.tokens.set(data.result.access_token, data.result.refresh_token);
        log::debug!("signed in as {}", credentials.email);
        Ok(())
    }

    /// Gets a new access token with the refresh token (`POST /auth/refresh`).
    ///
    /// # Errors
    /// [`HttpErrorKind::NotSignedIn`] before a sign-in; [`HttpErrorKind::Refused`] when the
    /// refresh token is no longer valid (sign in again); transport errors and timeouts.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.sign_in().await?;
    /// client.refresh().await?;
    /// # Ok(()) }
    /// ```
    pub async fn refresh(&self) -> Result<(), HttpError> {
        const CALL: &str = "/auth/refresh";
        let Some(credentials) = &self.shared.credentials else {
            return Err(HttpError::new(HttpErrorKind::NoCredentials { call: format!("POST {CALL}") }));
        };
        let Some(refresh_token) = self.shared.tokens.refresh_token() else {
            return Err(HttpError::new(HttpErrorKind::NotSignedIn { call: format!("POST {CALL}") }));
        };
        let request = RefreshRequest { username: &credentials.email, refresh_token: &refresh_token };
        let data: AuthData =
            self.post_anonymous(CALL, &request, "data: {AuthenticationResult: {AccessToken}}").await?;
        self.shared.tokens.set(data.result.access_token, data.result.refresh_token);
        Ok(())
    }

    /// The signed-in account (`GET /user/info`); in user mode its `user_id` is the character id.
    ///
    /// # Errors
    /// As every call: not signed in, refused, transport, timeout, unexpected answer.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let me = client.user_info().await?;
    /// println!("{} ({})", me.context.name, me.user_id);
    /// # Ok(()) }
    /// ```
    pub async fn user_info(&self) -> Result<UserInfo, HttpError> {
        self.get("/user/info", &[], "data: {user_id, email, context: {name, avatar, description}}").await
    }

    /// Sets the signed-in user's name, avatar and description (`POST /user/info`, user mode); an
    /// avatar that is a local path is uploaded first (cached), as the reference SDK does.
    ///
    /// # Errors
    /// As every call; as [`HttpClient::upload_path`] for a local avatar.
    ///
    /// # Examples
    /// ```no_run
    /// use moobius::http::Profile;
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// client.update_current_user(&Profile::new("Ann", "me.png", "likes chess")).await?;
    /// assert_eq!(client.user_info().await?.context.name, "Ann");
    /// # Ok(()) }
    /// ```
    pub async fn update_current_user(&self, profile: &Profile) -> Result<(), HttpError> {
        let profile = self.with_avatar_url(profile).await?;
        let _: serde::de::IgnoredAny = self.post("/user/info", &*profile, "code 10000").await?;
        Ok(())
    }
}
