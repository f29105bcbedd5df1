//! The request and response shapes of the platform's HTTP API (PROTOCOL.md, "HTTP API").
//!
//! Requests are `pub(crate)`: callers use [`HttpClient`](super::HttpClient)'s typed methods.
//! Responses are public values; each keeps the fields it does not name in an `extra` map, so
//! nothing the platform adds is lost.

use crate::protocol::{ChannelId, CharacterId, GroupId, ServiceId};
use crate::protocol::{Character, Context, Secret};
use serde::{Deserialize, Deserializer, Serialize};

/// `POST /auth/sign_in`.
#[derive(Debug, Serialize)]
pub(crate) struct SignInRequest<'a> {
    pub(crate) username: &'a str,
    pub(crate) password: &'a Secret,
}

/// `POST /auth/refresh`.
#[derive(Debug, Serialize)]
pub(crate) struct RefreshRequest<'a> {
    pub(crate) username: &'a str,
    pub(crate) refresh_token: &'a Secret,
}

/// `data` of sign-in and refresh.
#[derive(Debug, Deserialize)]
pub(crate) struct AuthData {
    #[serde(rename = "AuthenticationResult")]
    pub(crate) result: AuthResult,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AuthResult {
    #[serde(rename = "AccessToken")]
    pub(crate) access_token: Secret,
    #[serde(rename = "RefreshToken", default)]
    pub(crate) refresh_token: Option<Secret>,
}

/// The signed-in account, from `GET /user/info`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserInfo {
    /// The user id (also the user's character id).
    pub user_id: CharacterId,
    /// The account's email.
    #[serde(default)]
    pub email: String,
    /// Whether the email is verified (the platform sometimes leaves it out).
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// Display name, avatar and description.
    #[serde(default)]
    pub context: Profile,
    /// The platform's own data about the account.
    #[serde(default)]
    pub system_context: serde_json::Value,
}

/// A display profile: name, avatar URL, description (a user's or an agent's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Avatar URL.
    #[serde(default, deserialize_with = "null_as_default")]
    pub avatar: String,
    /// Description.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// Any other field.
    #[serde(flatten)]
    pub extra: Context,
}

impl Profile {
    /// A profile with these three fields.
    ///
    /// # Examples
    /// ```
    /// let bot = moobius::http::Profile::new("Echo", "https://example.com/echo.png", "repeats you");
    /// assert_eq!(bot.name, "Echo");
    /// ```
    pub fn new(name: impl Into<String>, avatar: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            avatar: avatar.into(),
            description: description.into(),
            extra: Context::new(),
        }
    }
}

/// `POST /service/create`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateServiceRequest<'a> {
    pub(crate) description: &'a str,
}

/// `data` of `POST /service/create`.
#[derive(Debug, Deserialize)]
pub(crate) struct ServiceIdData {
    pub(crate) service_id: ServiceId,
}

/// One of the account's services, from `GET /service/list`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ServiceSummary {
    /// The service id.
    pub service_id: ServiceId,
    /// The channels bound to it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub channel_ids: Vec<ChannelId>,
    /// Any other field.
    #[serde(flatten)]
    pub extra: Context,
}

/// `POST /service/bind` and `/service/unbind`.
#[derive(Debug, Serialize)]
pub(crate) struct BindRequest<'a> {
    pub(crate) channel_id: &'a str,
    pub(crate) service_id: &'a str,
}

/// `POST /channel/create`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateChannelRequest<'a> {
    pub(crate) channel_name: &'a str,
    pub(crate) context: ChannelContext<'a>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ChannelContext<'a> {
    pub(crate) channel_description: &'a str,
}

/// `POST /channel/update`.
#[derive(Debug, Serialize)]
pub(crate) struct UpdateChannelRequest<'a> {
    pub(crate) channel_id: &'a str,
    pub(crate) channel_name: &'a str,
    pub(crate) context: ChannelContext<'a>,
}

/// `data` of `POST /channel/create`.
#[derive(Debug, Deserialize)]
pub(crate) struct ChannelIdData {
    pub(crate) channel_id: ChannelId,
}

/// A channel the caller is in, from `GET /channel/list` (the platform answers either bare ids or
/// objects with a `channel_id`; both are accepted).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSummary {
    /// The channel id.
    pub channel_id: ChannelId,
    /// Any other field (empty when the platform sent a bare id).
    pub extra: Context,
}

impl<'de> Deserialize<'de> for ChannelSummary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Full {
            channel_id: ChannelId,
            #[serde(flatten)]
            extra: Context,
        }
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a channel id string or an object with a `channel_id`")]
        enum Either {
            Id(ChannelId),
            Full(Full),
        }
        Ok(match Either::deserialize(deserializer)? {
            Either::Id(channel_id) => Self { channel_id, extra: Context::new() },
            Either::Full(Full { channel_id, extra }) => Self { channel_id, extra },
        })
    }
}

/// `data` of `GET /channel/character_list`.
#[derive(Debug, Deserialize)]
pub(crate) struct CharacterListData {
    pub(crate) character_list: Vec<CharacterId>,
}

/// `POST /service/character/create`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateCharacterRequest<'a> {
    pub(crate) service_id: &'a str,
    pub(crate) context: &'a Profile,
}

/// `POST /service/character/update`.
#[derive(Debug, Serialize)]
pub(crate) struct UpdateCharacterRequest<'a> {
    pub(crate) service_id: &'a str,
    pub(crate) character_id: &'a str,
    pub(crate) context: &'a Profile,
}

/// A character as the HTTP API sends it: `{character_id, character_context: {name, avatar,
/// description}}`. Converted to [`Character`] for callers.
#[derive(Debug, Deserialize)]
pub(crate) struct CharacterData {
    character_id: CharacterId,
    #[serde(default, deserialize_with = "null_as_default")]
    character_context: Context,
}

impl From<CharacterData> for Character {
    fn from(data: CharacterData) -> Self {
        let text = |key: &str| data.character_context.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        Character {
            name: text("name").unwrap_or_default(),
            avatar: text("avatar"),
            description: text("description"),
            character_id: data.character_id,
            character_context: Some(data.character_context),
        }
    }
}

/// `POST /character/fetch_profile`.
#[derive(Debug, Serialize)]
pub(crate) struct FetchProfileRequest<'a> {
    pub(crate) character_list: &'a [CharacterId],
}

/// `POST /service/group/create`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateServiceGroupRequest<'a> {
    pub(crate) group_id: &'a str,
    pub(crate) characters: &'a [CharacterId],
}

/// `data` of `GET /service/group` and `GET /user/group`.
#[derive(Debug, Deserialize)]
pub(crate) struct GroupMembersData {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) characters: Vec<CharacterId>,
}

/// `POST /user/group/create`.
#[derive(Debug, Serialize)]
pub(crate) struct CreateUserGroupRequest<'a> {
    pub(crate) channel_id: &'a str,
    pub(crate) group_name: &'a str,
    pub(crate) characters: &'a [CharacterId],
}

/// `data` of `POST /user/group/create`.
#[derive(Debug, Deserialize)]
pub(crate) struct GroupIdData {
    pub(crate) group_id: GroupId,
}

/// A channel group, from `GET /user/group/list`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserGroup {
    /// The group id.
    pub group_id: GroupId,
    /// Its members' character ids.
    #[serde(default, deserialize_with = "null_as_default")]
    pub characters: Vec<CharacterId>,
    /// Any other field (such as `group_name`).
    #[serde(flatten)]
    pub extra: Context,
}

/// Reads `null` as the type's default (the platform writes `null` for empty fields).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sign_in_request_has_the_sdk_shape() {
        let password = Secret::new("hunter2");
        let body = serde_json::to_value(SignInRequest { username: "a@b.c", password: &password }).unwrap();
        assert_eq!(body, json!({"username": "a@b.c", "password": "hunter2"}));
        let shown = format!("{:?}", SignInRequest { username: "a@b.c", password: &password });
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn auth_result_reads_the_cognito_names() {
        let data: AuthData = serde_json::from_value(
            json!({"AuthenticationResult": {"AccessToken": "a", "RefreshToken": "r"}}),
        )
        .unwrap();
        assert_eq!(data.result.access_token.expose(), "a");
        assert_eq!(data.result.refresh_token.as_ref().unwrap().expose(), "r");
        assert!(!format!("{data:?}").contains("\"a\""));
    }

    #[test]
    fn channels_come_as_ids_or_objects() {
        let list: Vec<ChannelSummary> =
            serde_json::from_value(json!(["c1", {"channel_id": "c2", "channel_name": "two"}])).unwrap();
        assert_eq!(list[0].channel_id, "c1");
        assert_eq!(list[1].channel_id, "c2");
        assert_eq!(list[1].extra["channel_name"], "two");
        let err = serde_json::from_value::<ChannelSummary>(json!(7)).unwrap_err();
        assert!(err.to_string().contains("channel id string"), "{err}");
    }

    #[test]
    fn characters_become_protocol_characters() {
        let data: CharacterData = serde_json::from_value(json!({
            "character_id": "a1",
            "character_context": {"name": "Echo", "avatar": "https://x/y.png", "description": "bot"}
        }))
        .unwrap();
        let character = Character::from(data);
        assert_eq!(character.character_id, "a1");
        assert_eq!(character.name, "Echo");
        assert_eq!(character.avatar.as_deref(), Some("https://x/y.png"));
        assert_eq!(character.description.as_deref(), Some("bot"));
    }

    #[test]
    fn user_info_tolerates_nulls_and_missing_fields() {
        let info: UserInfo = serde_json::from_value(json!({
            "user_id": "u1", "email": "a@b.c", "email_verified": null,
            "context": {"name": "Ann", "avatar": null, "description": "hi"}, "system_context": {}
        }))
        .unwrap();
        assert_eq!(info.user_id, "u1");
        assert_eq!(info.context.name, "Ann");
        assert_eq!(info.context.avatar, "");
        assert_eq!(info.email_verified, None);
    }
}
