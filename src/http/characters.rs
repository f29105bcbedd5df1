//! Characters: agents (`/service/character/create`, `/service/character/list`) and profiles (`/character/fetch_profile`).

use super::types::*;
use super::{HttpClient, HttpError};
use crate::protocol::Character;
use crate::protocol::CharacterId;

impl HttpClient {
    /// Creates an agent (a character the service speaks as) (`POST /service/character/create`).
    ///
    /// # Errors
    /// As every call.
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
        let request = CreateCharacterRequest { service_id, context: profile };
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
}
