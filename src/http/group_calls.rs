//! Groups without the cache: `/service/group/create`, `/service/group`, `/user/group/create`, `/user/group`, `/user/group/list` (the cached calls are in `groups.rs`).

use super::types::*;
use super::{HttpClient, HttpError};
use crate::protocol::{CharacterId, GroupId};

impl HttpClient {
    /// Creates a service group (`POST /service/group/create`) without looking at the cache; most
    /// callers want [`HttpClient::create_group`].
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let group_id = client.create_group_uncached(&["user-1".into()]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_group_uncached(&self, characters: &[CharacterId]) -> Result<GroupId, HttpError> {
        let request = CreateServiceGroupRequest { group_id: "", characters };
        self.post("/service/group/create", &request, "data: the group id (a string)").await
    }

    /// The members of a service group (`GET /service/group`) without looking at the cache; most
    /// callers want [`HttpClient::group_members`].
    ///
    /// # Errors
    /// As every call; an unknown group is refused.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let members = client.group_members_uncached("group-id").await?;
    /// # Ok(()) }
    /// ```
    pub async fn group_members_uncached(&self, group_id: &str) -> Result<Vec<CharacterId>, HttpError> {
        let data: GroupMembersData =
            self.get("/service/group", &[("group_id", group_id)], "data: {characters: [ids]}").await?;
        Ok(data.characters)
    }

    /// Creates a channel group (`POST /user/group/create`), as a user-mode client names its
    /// recipients; returns its id.
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let group_id = client.create_user_group("channel-id", "friends", &["user-2".into()]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_user_group(
        &self,
        channel_id: &str,
        group_name: &str,
        characters: &[CharacterId],
    ) -> Result<GroupId, HttpError> {
        let request = CreateUserGroupRequest { channel_id, group_name, characters };
        let data: GroupIdData = self.post("/user/group/create", &request, "data: {group_id}").await?;
        Ok(data.group_id)
    }

    /// The members of a channel group (`GET /user/group`).
    ///
    /// # Errors
    /// As every call; an unknown group is refused.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// let members = client.user_group_members("group-id", "channel-id", "user-1").await?;
    /// # Ok(()) }
    /// ```
    pub async fn user_group_members(
        &self,
        group_id: &str,
        channel_id: &str,
        user_id: &str,
    ) -> Result<Vec<CharacterId>, HttpError> {
        let query = [("group_id", group_id), ("channel_id", channel_id), ("user_id", user_id)];
        let data: GroupMembersData = self.get("/user/group", &query, "data: {characters: [ids]}").await?;
        Ok(data.characters)
    }

    /// The channel groups of a channel (`GET /user/group/list`).
    ///
    /// # Errors
    /// As every call.
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo(client: moobius::http::HttpClient) -> Result<(), moobius::http::HttpError> {
    /// for group in client.list_user_groups("channel-id", "service-id").await? {
    ///     println!("{}: {:?}", group.group_id, group.characters);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_user_groups(
        &self,
        channel_id: &str,
        service_id: &str,
    ) -> Result<Vec<UserGroup>, HttpError> {
        let query = [("channel_id", channel_id), ("service_id", service_id)];
        self.get("/user/group/list", &query, "data: [{group_id, characters}]").await
    }
}
