//! Updating profiles over HTTP: the signed-in user's own (`POST /user/info`) and an agent's
//! (`POST /service/character/update`), as the reference SDK's `update_current_user` and
//! `update_agent` send them.

use super::super::server::Shared;
use super::{Answer, caller, ok, user_info_of};
use crate::protocol::Context;
use actix_web::{HttpRequest, web};
use serde::Deserialize;
use serde_json::{Value, json};

/// The profile fields a client may set.
const FIELDS: [&str; 3] = ["name", "avatar", "description"];

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/user/info", web::post().to(update_user))
        .route("/service/character/update", web::post().to(update_agent));
}

/// The profile fields of `object` (others are ignored); each must be a string.
fn profile_fields(object: &Context) -> Result<Context, super::Fail> {
    let mut context = Context::new();
    for field in FIELDS {
        match object.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                context.insert(field.to_owned(), Value::String(text.clone()));
            }
            Some(_) => return Err(super::Fail::new(400, format!("`{field}` must be a string"))),
        }
    }
    Ok(context)
}

async fn update_user(req: HttpRequest, shared: web::Data<Shared>, body: web::Json<Context>) -> Answer {
    let user = caller(&req, &shared)?;
    let context = profile_fields(&body)?;
    shared.hub().update_user_profile(&user, context)?;
    ok(user_info_of(&shared, &user)?)
}

#[derive(Deserialize)]
struct AgentUpdate {
    service_id: String,
    character_id: String,
    #[serde(default)]
    context: Context,
}

async fn update_agent(req: HttpRequest, shared: web::Data<Shared>, body: web::Json<AgentUpdate>) -> Answer {
    let user = caller(&req, &shared)?;
    let context = profile_fields(&body.context)?;
    let context = shared.hub().update_agent(&user, &body.service_id, &body.character_id, context)?;
    ok(json!({"character_id": body.character_id, "character_context": context}))
}
