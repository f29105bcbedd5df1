//! Characters: agents (`/service/character/create`, `/service/character/update`,
//! `/service/character/list`) and profiles (`/character/fetch_profile`). An avatar given as a
//! local path is uploaded first, as the reference SDK does.

use super::types::*;
use super::{HttpClient, HttpError};
use crate::protocol::Character;
use crate::protocol::{CharacterId, ServiceId};
use std::borrow::Cow;

impl HttpClient {
    /// Creates an agent (a character the service speaks as) (`POST /service/character/create`).
    /// An avatar that is a local path is uploaded ([`HttpClient::convert_to_url`], cached) and
    /// its URL sent; a URL or an empty avatar is sent as is.
    ///
    /// # Errors
    /// As every call; as [`HttpClient::upload_path`] for a local avatar.
    ///
    /// # Examples
    /// ```no_run
    /// use moobius::http::Profile;
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let agent = client.create_agent("service-id", &Profile::new("Echo", "https://example.com/e.png", "a bot")).await?;
    /// println!("{}", agent.character_id);
    /// # Ok(()) }
    /// ```
    pub async fn create_agent(&self, service_id: &str, profile: &Profile) -> Result<Character, HttpError> {
        let profile = self.with_avatar_url(profile).await?;
        let request = CreateCharacterRequest { service_id, context: &profile };
        let data: CharacterData = self
            .post("/service/character/create", &request, "data: {character_id, character_context}")
            .await?;
        Ok(data.into())
    }

    /// The agents a service has created (`GET /service/character/list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let agents = client.list_agents("service-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn list_agents(&self, service_id: &str) -> Result<Vec<Character>, HttpError> {
        let data: Vec<CharacterData> = self
            .get(
                "/service/character/list",
                &[("service_id", service_id)],
                "data: [{character_id, character_context}]",
            )
            .await?;
        Ok(data.into_iter().map(Character::from).collect())
    }

    /// The profiles of these characters, users or agents (`POST /character/fetch_profile`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let profiles = client.fetch_profiles(&["user-1".into()]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn fetch_profiles(&self, character_ids: &[CharacterId]) -> Result<Vec<Character>, HttpError> {
        let request = FetchProfileRequest { character_list: character_ids };
        let data: Vec<CharacterData> = self
            .post("/character/fetch_profile", &request, "data: [{character_id, character_context}]")
            .await?;
        Ok(data.into_iter().map(Character::from).collect())
    }

    /// Sets an agent's name, avatar and description (`POST /service/character/update`); a local
    /// avatar is uploaded as in [`HttpClient::create_agent`]. For the signed-in user's own
    /// profile, see [`HttpClient::update_current_user`].
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`](super::HttpErrorKind::Refused) for an unknown agent or one of
    /// another service (404), a service of another account (403); as every call; as
    /// [`HttpClient::upload_path`] for a local avatar.
    ///
    /// # Examples
    /// ```no_run
    /// use moobius::http::Profile;
    /// # async fn demo(client: moobius::http::HttpClient, agent: moobius::protocol::Character) -> Result<(), moobius::http::HttpError> {
    /// let profile = Profile::new("Echo", "avatars/echo.png", "repeats you"); // uploaded
    /// client.update_agent(&"service-id".into(), &agent.character_id, &profile).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_agent(
        &self,
        service_id: &ServiceId,
        character_id: &CharacterId,
        profile: &Profile,
    ) -> Result<(), HttpError> {
        let profile = self.with_avatar_url(profile).await?;
        let request = UpdateCharacterRequest {
            service_id: service_id.as_str(),
            character_id: character_id.as_str(),
            context: &profile,
        };
        let _: serde::de::IgnoredAny = self.post("/service/character/update", &request, "code 10000").await?;
        Ok(())
    }

    /// `profile` with its avatar a URL: a local path is uploaded (cached), a URL or nothing kept.
    pub(super) async fn with_avatar_url<'a>(
        &self,
        profile: &'a Profile,
    ) -> Result<Cow<'a, Profile>, HttpError> {
        if profile.avatar.is_empty() || super::is_url(&profile.avatar) {
            return Ok(Cow::Borrowed(profile));
        }
        let url = self.convert_to_url(&profile.avatar).await?;
        let mut profile = profile.clone();
        profile.avatar = url.into_string();
        Ok(Cow::Owned(profile))
    }
}
