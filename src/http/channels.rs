//! Channels: `/channel/create`, `/channel/list`, `/channel/character_list`.

use super::types::*;
use super::{HttpClient, HttpError};
use crate::protocol::{ChannelId, CharacterId};

impl HttpClient {
    /// Creates a channel (`POST /channel/create`); returns its id.
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let channel_id = client.create_channel("lobby", "where people meet").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_channel(&self, name: &str, description: &str) -> Result<ChannelId, HttpError> {
        let request = CreateChannelRequest {
            channel_name: name,
            context: ChannelContext { channel_description: description },
        };
        let data: ChannelIdData = self.post("/channel/create", &request, "data: {channel_id}").await?;
        Ok(data.channel_id)
    }

    /// The channels the caller is in (`GET /channel/list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let ids: Vec<moobius::protocol::ChannelId> = client.list_channels().await?.into_iter().map(|c| c.channel_id).collect();
    /// # Ok(()) }
    /// ```
    pub async fn list_channels(&self) -> Result<Vec<ChannelSummary>, HttpError> {
        self.get("/channel/list", &[], "data: [channel id or {channel_id}]").await
    }

    /// The real members (users) of a channel (`GET /channel/character_list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let members = client.channel_members("channel-id", "service-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn channel_members(
        &self,
        channel_id: &str,
        service_id: &str,
    ) -> Result<Vec<CharacterId>, HttpError> {
        let query = [("channel_id", channel_id), ("service_id", service_id)];
        let data: CharacterListData =
            self.get("/channel/character_list", &query, "data: {character_list: [ids]}").await?;
        Ok(data.character_list)
    }
}
