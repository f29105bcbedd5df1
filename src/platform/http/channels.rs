//! More of what the reference SDK calls on channels: `POST /channel/update`, `GET /channel/popular`,
//! `GET /channel/history_message` (the bounded history the hub keeps per channel) and
//! `GET /user/group/temp` (the channel's temp groups).

use super::super::server::Shared;
use super::{Answer, Fail, Query, caller, ok, param};
use crate::protocol::Context;
use actix_web::{HttpRequest, web};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// What the reference SDK sends as `before` for "from the newest message".
const NEWEST: [&str; 2] = ["null", ""];

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/channel/update", web::post().to(update_channel))
        .route("/channel/popular", web::get().to(popular))
        .route("/channel/history_message", web::get().to(history))
        .route("/user/group/temp", web::get().to(temp_groups));
}

#[derive(Deserialize)]
struct ChannelUpdate {
    channel_id: String,
    channel_name: String,
    #[serde(default)]
    context: Context,
}

async fn update_channel(
    req: HttpRequest,
    shared: web::Data<Shared>,
    body: web::Json<ChannelUpdate>,
) -> Answer {
    let user = caller(&req, &shared)?;
    let description = match body.context.get("channel_description") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.as_str()),
        Some(_) => return Err(Fail::new(400, "`context.channel_description` must be a string")),
    };
    let mut hub = shared.hub();
    let description = match description {
        Some(text) => text.to_owned(),
        None => hub.channel(&body.channel_id)?.description.clone(),
    };
    hub.update_channel(&user, &body.channel_id, &body.channel_name, &description)?;
    ok(json!({"channel_id": body.channel_id, "channel_name": body.channel_name,
              "context": {"channel_description": description}}))
}

async fn popular(req: HttpRequest, shared: web::Data<Shared>) -> Answer {
    caller(&req, &shared)?;
    let hub = shared.hub();
    let list: Vec<Value> = hub
        .popular_channels()
        .into_iter()
        .map(|(id, c)| {
            json!({
                "channel_id": id,
                "channel_name": c.name,
                "context": {"channel_description": c.description},
                "member_count": c.members.len(),
            })
        })
        .collect();
    ok(Value::Array(list))
}

async fn history(req: HttpRequest, shared: web::Data<Shared>, query: Query) -> Answer {
    let user = caller(&req, &shared)?;
    let channel_id = param(&query, "channel_id")?;
    let limit = match query.get("limit") {
        None => 64,
        Some(text) => text
            .trim()
            .parse::<usize>()
            .map_err(|_| Fail::new(400, format!("`limit` must be a count of messages, not `{text}`")))?,
    };
    let before = query.get("before").map(String::as_str).filter(|b| !NEWEST.contains(b));
    let page = shared.hub().history_for(&user, channel_id, limit, before)?;
    let mut list: Vec<Box<RawValue>> = Vec::with_capacity(page.len());
    for body in page {
        let raw = RawValue::from_string(body.to_string())
            .map_err(|e| Fail::new(500, format!("a history entry is not JSON: {e}")))?;
        list.push(raw);
    }
    ok(json!(list))
}

async fn temp_groups(req: HttpRequest, shared: web::Data<Shared>, query: Query) -> Answer {
    let user = caller(&req, &shared)?;
    let channel_id = param(&query, "channel_id")?;
    let groups = shared.hub().temp_groups_for(&user, channel_id)?;
    let list: Vec<Value> = groups
        .into_iter()
        .map(|(id, characters)| json!({"group_id": id, "characters": characters}))
        .collect();
    ok(Value::Array(list))
}
