//! The HTTP API of PROTOCOL.md: sign-in, services, channels, binding, agents and groups. JSON in
//! and out; success is `{"code": 10000, "data": ...}`, failure an HTTP 4xx with
//! `{"code": <status>, "message": <reason>}`. The rest of what the reference SDK calls is beside
//! it, one family a file: `http/accounts.rs` (sign-up with a code, password reset, sign-out,
//! deletion), `http/profiles.rs` (updating the user's and an agent's profile), `http/channels.rs`
//! (updating a channel, popular channels, history, temp groups), `http/files.rs` (the upload flow
//! and downloads, with `http/multipart.rs`).

mod accounts;
mod channels;
mod files;
mod multipart;
mod profiles;

use super::hub::Fail;
use super::server::Shared;
use crate::protocol::{Context, Secret};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ResponseError for Fail {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(wait) = self.retry_after {
            let seconds = wait.as_millis().div_ceil(1000).max(1);
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.json(json!({"code": self.status, "message": self.message}))
    }
}

type Answer = Result<HttpResponse, Fail>;
type Query = web::Query<HashMap<String, String>>;

fn ok(data: Value) -> Answer {
    Ok(HttpResponse::Ok().json(json!({"code": 10000, "data": data})))
}

/// Registers every endpoint, the JSON error handlers and the JSON 404.
pub(crate) fn routes(cfg: &mut web::ServiceConfig, body_limit: usize) {
    let json = web::JsonConfig::default().limit(body_limit).error_handler(|error, _| {
        Fail::new(400, format!("request body: {error} (send a JSON object, content type application/json)"))
            .into()
    });
    let query = web::QueryConfig::default()
        .error_handler(|error, _| Fail::new(400, format!("query string: {error}")).into());
    cfg.app_data(json)
        .app_data(query)
        .route("/auth/sign_in", web::post().to(sign_in))
        .route("/auth/refresh", web::post().to(refresh))
        .route("/user/info", web::get().to(user_info))
        .route("/service/create", web::post().to(service_create))
        .route("/service/list", web::get().to(service_list))
        .route("/service/bind", web::post().to(service_bind))
        .route("/service/unbind", web::post().to(service_unbind))
        .route("/channel/create", web::post().to(channel_create))
        .route("/channel/list", web::get().to(channel_list))
        .route("/channel/character_list", web::get().to(channel_character_list))
        .route("/service/character/create", web::post().to(character_create))
        .route("/service/character/list", web::get().to(character_list))
        .route("/character/fetch_profile", web::post().to(fetch_profile))
        .route("/service/group/create", web::post().to(service_group_create))
        .route("/service/group", web::get().to(group_get))
        .route("/user/group/create", web::post().to(user_group_create))
        .route("/user/group", web::get().to(group_get))
        .route("/user/group/list", web::get().to(user_group_list))
        .configure(accounts::routes)
        .configure(profiles::routes)
        .configure(channels::routes)
        .configure(files::routes);
}

/// The JSON 404 for every other path.
pub(crate) async fn not_found(req: HttpRequest) -> HttpResponse {
    Fail::new(
        404,
        format!(
            "no endpoint `{} {}` on the local platform: see the HTTP API in PROTOCOL.md",
            req.method(),
            req.path()
        ),
    )
    .error_response()
}

/// The answer to a request not read and answered within the request timeout.
pub(crate) fn timed_out(timeout: std::time::Duration) -> Fail {
    Fail::new(
        408,
        format!(
            "request not complete within {} ms (a body shorter than its Content-Length?)",
            timeout.as_millis()
        ),
    )
}

/// The user whose `Authorization: Bearer` token came with the request.
fn caller(req: &HttpRequest, shared: &Shared) -> Result<String, Fail> {
    let token = bearer(req)?;
    shared.hub().authenticate(token)
}

/// The token of the request's `Authorization: Bearer` header.
fn bearer(req: &HttpRequest) -> Result<&str, Fail> {
    let header = req.headers().get("authorization").and_then(|h| h.to_str().ok()).ok_or_else(|| {
        Fail::new(401, "missing `Authorization: Bearer <access token>` header: sign in first")
    })?;
    let malformed = || {
        Fail::new(401, "`Authorization` must be `Bearer <access token>`: one space, one token, nothing else")
    };
    let (scheme, token) = header.split_at_checked(7).ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer ")
        || token.is_empty()
        || token.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(malformed());
    }
    Ok(token)
}

fn param<'a>(query: &'a Query, name: &str) -> Result<&'a str, Fail> {
    query
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| Fail::new(400, format!("query parameter `{name}` is missing")))
}

#[derive(Deserialize)]
struct SignIn {
    username: String,
    password: Secret,
}

async fn sign_in(shared: web::Data<Shared>, body: web::Json<SignIn>) -> Answer {
    let (access, refresh, _) = shared.hub().sign_in(&body.username, &body.password)?;
    ok(json!({"AuthenticationResult": {"AccessToken": access, "RefreshToken": refresh}}))
}

#[derive(Deserialize)]
struct Refresh {
    #[serde(default)]
    username: String,
    refresh_token: Secret,
}

async fn refresh(shared: web::Data<Shared>, body: web::Json<Refresh>) -> Answer {
    let access = shared.hub().refresh(&body.username, body.refresh_token.expose())?;
    ok(json!({"AuthenticationResult": {"AccessToken": access}}))
}

async fn user_info(req: HttpRequest, shared: web::Data<Shared>) -> Answer {
    let user = caller(&req, &shared)?;
    ok(user_info_of(&shared, &user)?)
}

/// `data` of `GET /user/info` (and of `POST /user/info`).
fn user_info_of(shared: &Shared, user: &str) -> Result<Value, Fail> {
    let hub = shared.hub();
    let email = hub.username(user).unwrap_or_default();
    Ok(json!({
        "user_id": user,
        "email": email,
        "email_verified": true,
        "context": hub.profile(user)?,
        "system_context": {},
    }))
}

#[derive(Deserialize)]
struct ServiceCreate {
    #[serde(default)]
    description: String,
}

async fn service_create(
    req: HttpRequest,
    shared: web::Data<Shared>,
    body: web::Json<ServiceCreate>,
) -> Answer {
    let user = caller(&req, &shared)?;
    let id = shared.hub().create_service(&user, &body.description);
    ok(json!({"service_id": id}))
}

async fn service_list(req: HttpRequest, shared: web::Data<Shared>) -> Answer {
    let user = caller(&req, &shared)?;
    let hub = shared.hub();
    let list: Vec<Value> = hub
        .services_of(&user)
        .into_iter()
        .map(|(id, s, channels)| json!({"service_id": id, "description": s.description, "channel_ids": channels}))
        .collect();
    ok(Value::Array(list))
}

#[derive(Deserialize)]
struct Binding {
    channel_id: String,
    service_id: String,
}

async fn service_bind(req: HttpRequest, shared: web::Data<Shared>, body: web::Json<Binding>) -> Answer {
    let user = caller(&req, &shared)?;
    shared.hub().bind(&user, &body.service_id, &body.channel_id)?;
    ok(json!({"channel_id": body.channel_id, "service_id": body.service_id}))
}

async fn service_unbind(req: HttpRequest, shared: web::Data<Shared>, body: web::Json<Binding>) -> Answer {
    let user = caller(&req, &shared)?;
    shared.hub().unbind(&user, &body.service_id, &body.channel_id)?;
    ok(json!({"channel_id": body.channel_id, "service_id": body.service_id}))
}

#[derive(Deserialize)]
struct ChannelCreate {
    channel_name: String,
    #[serde(default)]
    context: Context,
}

async fn channel_create(
    req: HttpRequest,
    shared: web::Data<Shared>,
    body: web::Json<ChannelCreate>,
) -> Answer {
    let user = caller(&req, &shared)?;
    let description = body.context.get("channel_description").and_then(Value::as_str).unwrap_or_default();
    let id = shared.hub().create_channel(&user, &body.channel_name, description);
    ok(json!({"channel_id": id}))
}

async fn channel_list(req: HttpRequest, shared: web::Data<Shared>) -> Answer {
    let user = caller(&req, &shared)?;
    let hub = shared.hub();
    let list: Vec<Value> = hub
        .channels_of(&user)
        .into_iter()
        .map(|(id, c)| {
            json!({
                "channel_id": id,
                "channel_name": c.name,
                "context": {"channel_description": c.description},
                "service_id": c.service,
            })
        })
        .collect();
    ok(Value::Array(list))
}

async fn channel_character_list(req: HttpRequest, shared: web::Data<Shared>, query: Query) -> Answer {
    let user = caller(&req, &shared)?;
    let channel_id = param(&query, "channel_id")?;
    let members = shared.hub().members_for(&user, channel_id)?;
    ok(json!({"character_list": members}))
}

#[derive(Deserialize)]
struct CharacterCreate {
    service_id: String,
    #[serde(default)]
    context: Context,
}

async fn character_create(
    req: HttpRequest,
    shared: web::Data<Shared>,
    body: web::Json<CharacterCreate>,
) -> Answer {
    let user = caller(&req, &shared)?;
    let body = body.into_inner();
    let mut context = Context::new();
    for field in ["name", "avatar", "description"] {
        context.insert(field.to_owned(), body.context.get(field).cloned().unwrap_or_else(|| "".into()));
    }
    let id = shared.hub().create_agent(&user, &body.service_id, context.clone())?;
    ok(json!({"character_id": id, "character_context": context}))
}

async fn character_list(req: HttpRequest, shared: web::Data<Shared>, query: Query) -> Answer {
    let user = caller(&req, &shared)?;
    let service_id = param(&query, "service_id")?;
    let agents = shared.hub().agents_of(&user, service_id)?;
    let list: Vec<Value> = agents
        .into_iter()
        .map(|(id, context)| json!({"character_id": id, "character_context": context}))
        .collect();
    ok(Value::Array(list))
}

#[derive(Deserialize)]
struct FetchProfile {
    character_list: Vec<String>,
}

async fn fetch_profile(req: HttpRequest, shared: web::Data<Shared>, body: web::Json<FetchProfile>) -> Answer {
    caller(&req, &shared)?;
    let hub = shared.hub();
    let mut list = Vec::with_capacity(body.character_list.len());
    for id in &body.character_list {
        list.push(json!({"character_id": id, "character_context": hub.profile(id)?}));
    }
    ok(Value::Array(list))
}

#[derive(Deserialize)]
struct ServiceGroupCreate {
    characters: Vec<String>,
}

async fn service_group_create(
    req: HttpRequest,
    shared: web::Data<Shared>,
    body: web::Json<ServiceGroupCreate>,
) -> Answer {
    caller(&req, &shared)?;
    let id = shared.hub().create_group(body.into_inner().characters, None);
    ok(Value::String(id))
}

async fn group_get(req: HttpRequest, shared: web::Data<Shared>, query: Query) -> Answer {
    caller(&req, &shared)?;
    let group_id = param(&query, "group_id")?;
    let hub = shared.hub();
    ok(json!({"characters": hub.group(group_id)?}))
}

#[derive(Deserialize)]
struct UserGroupCreate {
    channel_id: String,
    #[serde(default)]
    #[allow(dead_code)]
    group_name: String,
    characters: Vec<String>,
}

async fn user_group_create(
    req: HttpRequest,
    shared: web::Data<Shared>,
    body: web::Json<UserGroupCreate>,
) -> Answer {
    caller(&req, &shared)?;
    let body = body.into_inner();
    let mut hub = shared.hub();
    hub.channel(&body.channel_id)?;
    let id = hub.create_group(body.characters, Some(body.channel_id));
    ok(json!({"group_id": id}))
}

async fn user_group_list(req: HttpRequest, shared: web::Data<Shared>, query: Query) -> Answer {
    caller(&req, &shared)?;
    let channel_id = param(&query, "channel_id")?;
    let hub = shared.hub();
    let list: Vec<Value> = hub
        .groups_of_channel(channel_id)
        .into_iter()
        .map(|(id, characters)| json!({"group_id": id, "characters": characters}))
        .collect();
    ok(Value::Array(list))
}
