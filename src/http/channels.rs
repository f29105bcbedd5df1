//! Channels: `/channel/create`, `/channel/update`, `/channel/list`, `/channel/popular`,
//! `/channel/character_list`, and the channel's temp groups (`/user/group/temp`).

use super::types::*;
use super::{HttpClient, HttpError};
use crate::protocol::{ChannelId, CharacterId, ServiceId};

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

    /// Renames a channel and sets its description (`POST /channel/update`). The users in it see
    /// the change when the service sends them its channel info
    /// ([`SendChannelInfo`](crate::service::SendChannelInfo)).
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`](super::HttpErrorKind::Refused) for an unknown channel (404) or
    /// one another account created (403 on the local platform); as every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let channel = client.create_channel("lobby", "where people meet").await?;
    /// client.update_channel(&channel, "Lobby", "where people meet and talk").await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_channel(
        &self,
        channel_id: &ChannelId,
        name: &str,
        description: &str,
    ) -> Result<(), HttpError> {
        let request = UpdateChannelRequest {
            channel_id: channel_id.as_str(),
            channel_name: name,
            context: ChannelContext { channel_description: description },
        };
        let _: serde::de::IgnoredAny = self.post("/channel/update", &request, "code 10000").await?;
        Ok(())
    }

    /// The platform's popular channels (`GET /channel/popular`); on the local platform, the
    /// channels with the most members, at most `PlatformConfig::popular_channels` of them.
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// for channel in client.popular_channels().await? {
    ///     println!("{}", channel.channel_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn popular_channels(&self) -> Result<Vec<ChannelSummary>, HttpError> {
        self.get("/channel/popular", &[], "data: [channel id or {channel_id}]").await
    }

    /// The temp groups of a channel (`GET /user/group/temp`, the reference SDK's
    /// `fetch_channel_temp_group`): on the local platform, the service groups that were the
    /// recipients of messages or updates in the channel, most recent last.
    ///
    /// # Errors
    /// [`HttpErrorKind::Refused`](super::HttpErrorKind::Refused) for an unknown channel, or a
    /// caller who is neither a member nor the owner of its service; as every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let groups = client.channel_temp_groups(&"channel-id".into(), &"service-id".into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn channel_temp_groups(
        &self,
        channel_id: &ChannelId,
        service_id: &ServiceId,
    ) -> Result<Vec<UserGroup>, HttpError> {
        let query = [("channel_id", channel_id.as_str()), ("service_id", service_id.as_str())];
        self.get("/user/group/temp", &query, "data: [{group_id, characters}]").await
    }
}
