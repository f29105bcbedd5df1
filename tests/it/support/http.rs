//! Plain HTTP against the platform (awc, JSON): sign-in and the provisioning calls, each
//! answer checked, so a test reads as what it provisions.

use super::Endpoint;
use moobius::protocol::{ChannelId, CharacterId, GroupId, ServiceId};
use serde_json::{Value, json};

fn auth(req: awc::ClientRequest, token: Option<&str>) -> awc::ClientRequest {
    match token {
        Some(token) => req
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Auth-Origin", "cognito")),
        None => req,
    }
}

async fn read(
    mut response: awc::ClientResponse<
        impl futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
    >,
) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body = response.body().limit(16 * 1024 * 1024).await.expect("the response body arrives");
    assert!(
        content_type.starts_with("application/json"),
        "content type {content_type:?} for {}",
        String::from_utf8_lossy(&body)
    );
    (status, serde_json::from_slice(&body).expect("the response is JSON"))
}

/// POSTs `body` as JSON to `path`, with the bearer token if given. Returns status and JSON body.
pub async fn http_post(
    platform: &impl Endpoint,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let url = format!("{}{path}", platform.http_url());
    let response = auth(platform.http_client().post(url), token)
        .send_json(&body)
        .await
        .expect("the HTTP request goes through");
    read(response).await
}

/// GETs `path` (with its query string), with the bearer token if given.
pub async fn http_get(platform: &impl Endpoint, path: &str, token: Option<&str>) -> (u16, Value) {
    let url = format!("{}{path}", platform.http_url());
    let response =
        auth(platform.http_client().get(url), token).send().await.expect("the HTTP request goes through");
    read(response).await
}

/// The `data` of a successful call; panics with the body otherwise.
pub fn data(answer: (u16, Value)) -> Value {
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["code"], 10000, "{}", answer.1);
    answer.1["data"].clone()
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub username: String,
    pub token: String,
    pub refresh_token: String,
    pub user_id: CharacterId,
}

/// Signs in (the first sign-in creates the account) and reads the user id from `/user/info`.
pub async fn sign_in(platform: &impl Endpoint, username: &str, password: &str) -> Account {
    let result = data(
        http_post(platform, "/auth/sign_in", None, json!({"username": username, "password": password})).await,
    );
    let token = result["AuthenticationResult"]["AccessToken"].as_str().expect("an access token").to_owned();
    let refresh_token =
        result["AuthenticationResult"]["RefreshToken"].as_str().expect("a refresh token").to_owned();
    let info = data(http_get(platform, "/user/info", Some(&token)).await);
    let user_id = info["user_id"].as_str().expect("a user id").into();
    Account { username: username.to_owned(), token, refresh_token, user_id }
}

/// Creates a service owned by `token`'s account.
pub async fn create_service(platform: &impl Endpoint, token: &str) -> ServiceId {
    let result = data(
        http_post(platform, "/service/create", Some(token), json!({"description": "test service"})).await,
    );
    result["service_id"].as_str().expect("a service id").into()
}

/// Creates a channel.
pub async fn create_channel(platform: &impl Endpoint, token: &str, name: &str) -> ChannelId {
    let body = json!({"channel_name": name, "context": {"channel_description": "a test channel"}});
    let result = data(http_post(platform, "/channel/create", Some(token), body).await);
    result["channel_id"].as_str().expect("a channel id").into()
}

/// Binds `channel_id` to `service_id` (panics if refused).
pub async fn bind(platform: &impl Endpoint, token: &str, service_id: &str, channel_id: &str) {
    data(
        http_post(
            platform,
            "/service/bind",
            Some(token),
            json!({"service_id": service_id, "channel_id": channel_id}),
        )
        .await,
    );
}

/// Creates a service group of `characters` and returns its id.
pub async fn create_group(platform: &impl Endpoint, token: &str, characters: &[&str]) -> GroupId {
    let result = data(
        http_post(
            platform,
            "/service/group/create",
            Some(token),
            json!({"group_id": "", "characters": characters}),
        )
        .await,
    );
    result.as_str().expect("the group id is a bare string").into()
}

/// Creates an agent of `service_id` and returns its character id.
pub async fn create_character(
    platform: &impl Endpoint,
    token: &str,
    service_id: &str,
    name: &str,
) -> CharacterId {
    let body =
        json!({"service_id": service_id, "context": {"name": name, "avatar": "", "description": "an agent"}});
    let result = data(http_post(platform, "/service/character/create", Some(token), body).await);
    result["character_id"].as_str().expect("a character id").into()
}
