//! The account flows of the reference SDK over HTTP: sign-up with an emailed code, resending it,
//! password reset with a code, sign-out and deletion (the rules are in the hub's `codes.rs`).

use super::super::server::Shared;
use super::{Answer, bearer, ok};
use crate::protocol::Secret;
use actix_web::{HttpRequest, web};
use serde::Deserialize;
use serde_json::json;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/sign_up", web::post().to(sign_up))
        .route("/auth/resend_confirmation", web::post().to(resend_confirmation))
        .route("/auth/confirm_sign_up", web::post().to(confirm_sign_up))
        .route("/auth/forgot_password", web::post().to(forgot_password))
        .route("/auth/confirm_reset_password", web::post().to(confirm_reset_password))
        .route("/auth/sign_out", web::post().to(sign_out))
        .route("/auth/delete_account", web::post().to(delete_account));
}

#[derive(Deserialize)]
struct UsernamePassword {
    username: String,
    password: Secret,
}

#[derive(Deserialize)]
struct Username {
    username: String,
}

#[derive(Deserialize)]
struct Confirm {
    username: String,
    confirmation_code: Secret,
}

#[derive(Deserialize)]
struct Reset {
    username: String,
    password: Secret,
    confirmation_code: Secret,
}

async fn sign_up(shared: web::Data<Shared>, body: web::Json<UsernamePassword>) -> Answer {
    shared.hub().sign_up(&body.username, &body.password)?;
    ok(json!({"username": body.username.trim(), "user_confirmed": false}))
}

async fn resend_confirmation(shared: web::Data<Shared>, body: web::Json<Username>) -> Answer {
    shared.hub().resend_sign_up_code(&body.username)?;
    ok(json!({"username": body.username.trim()}))
}

async fn confirm_sign_up(shared: web::Data<Shared>, body: web::Json<Confirm>) -> Answer {
    shared.hub().confirm_sign_up(&body.username, &body.confirmation_code)?;
    ok(json!({"username": body.username.trim(), "user_confirmed": true}))
}

async fn forgot_password(shared: web::Data<Shared>, body: web::Json<Username>) -> Answer {
    shared.hub().forgot_password(&body.username)?;
    ok(json!({"username": body.username.trim()}))
}

async fn confirm_reset_password(shared: web::Data<Shared>, body: web::Json<Reset>) -> Answer {
    shared.hub().reset_password(&body.username, &body.password, &body.confirmation_code)?;
    ok(json!({"username": body.username.trim()}))
}

/// The SDK sends the access token both as the bearer and in the body; the bearer's session ends.
#[derive(Deserialize)]
struct SignOut {
    #[serde(default)]
    #[allow(dead_code)]
    access_token: Option<Secret>,
}

async fn sign_out(req: HttpRequest, shared: web::Data<Shared>, _body: web::Json<SignOut>) -> Answer {
    shared.hub().sign_out(bearer(&req)?)?;
    ok(json!({}))
}

async fn delete_account(shared: web::Data<Shared>, body: web::Json<UsernamePassword>) -> Answer {
    shared.hub().delete_account(&body.username, &body.password)?;
    ok(json!({"username": body.username.trim()}))
}
