//! The studio's routes: the page and its files at `/` (a WebSocket upgrade there still gets the
//! protocol), the feed, and the control API under `/studio/api/` that the page and scripts use
//! to list connections and channels and to inject faults.

use super::assets::ASSETS;
use super::{PeerJson, STUDIO_MAX_LATENCY};
use crate::platform::server::{Shared, restart_in_background};
use crate::platform::ws;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::Duration;

/// Registers the page, its files, the feed and the controls.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(root))
        .route("/studio/feed", web::get().to(ws::not_upgraded))
        .route("/studio/api/connections", web::get().to(connections))
        .route("/studio/api/channels", web::get().to(channels))
        .route("/studio/api/sever", web::post().to(sever))
        .route("/studio/api/pause", web::post().to(pause))
        .route("/studio/api/latency", web::post().to(latency))
        .route("/studio/api/restart", web::post().to(restart))
        .route("/studio/api/record", web::post().to(super::record::record))
        .route("/studio/api/transcript", web::get().to(super::record::transcript));
    for asset in ASSETS.iter().filter(|a| a.path != "/") {
        cfg.route(asset.path, web::get().to(move || async move { serve(asset) }));
    }
}

fn serve(asset: &'static super::assets::Asset) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(asset.body)
}

/// `GET /`: the protocol for a WebSocket upgrade (as `/ws`), the page otherwise.
/// `GET /`: the page (a WebSocket upgrade there never reaches the app: it gets the protocol).
async fn root() -> HttpResponse {
    match ASSETS.iter().find(|a| a.path == "/") {
        Some(page) => serve(page),
        None => HttpResponse::NotFound().finish(),
    }
}

fn bad_request(message: String) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "error": message }))
}

/// The body of a control, parsed, or a 400 saying what was wrong.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8], expected: &str) -> Result<T, HttpResponse> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("the body must be a JSON object {expected}: {e}")))
}

async fn connections(shared: web::Data<Shared>) -> HttpResponse {
    let open = shared.hub().open_peers();
    let list: Vec<Value> = open
        .iter()
        .map(|(id, peer)| {
            json!({
                "connection": id,
                "peer": peer.as_ref().map(PeerJson::from),
                "open": true,
                "latency_ms": shared.studio.latency_ms(*id),
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "paused": *shared.paused.borrow(), "connections": list }))
}

async fn channels(shared: web::Data<Shared>) -> HttpResponse {
    let hub = shared.hub();
    let list: Vec<Value> = hub
        .all_channels()
        .into_iter()
        .map(|(id, c)| {
            json!({
                "channel_id": id,
                "channel_name": c.name,
                "channel_description": c.description,
                "service_id": c.service,
                "service_description": c.service.as_deref().and_then(|s| hub.service_description(s)),
                "members": c.members.len(),
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "channels": list }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sever {
    connection: Option<u64>,
}

async fn sever(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: Sever = match parse(&body, r#"such as {} or {"connection": 3}"#) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let severed = match request.connection {
        None => {
            let mut hub = shared.hub();
            let open = hub.open_connections();
            hub.sever_all("severed by the studio");
            open
        }
        Some(id) => {
            if !shared.hub().sever(id, "severed by the studio") {
                return bad_request(format!("no open connection {id}: see GET /studio/api/connections"));
            }
            1
        }
    };
    shared.studio.control("sever", request.connection, None);
    HttpResponse::Ok().json(json!({ "severed": severed }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Pause {
    paused: bool,
}

async fn pause(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: Pause = match parse(&body, r#"such as {"paused": true}"#) {
        Ok(request) => request,
        Err(response) => return response,
    };
    shared.paused.send_replace(request.paused);
    shared.studio.control(if request.paused { "pause" } else { "resume" }, None, None);
    HttpResponse::Ok().json(json!({ "paused": request.paused }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Latency {
    connection: u64,
    ms: u64,
}

async fn latency(shared: web::Data<Shared>, body: web::Bytes) -> HttpResponse {
    let request: Latency = match parse(&body, r#"such as {"connection": 3, "ms": 300}"#) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let latency = Duration::from_millis(request.ms);
    if latency > STUDIO_MAX_LATENCY {
        return bad_request(format!(
            "a latency of {} ms is over the limit of {} ms",
            request.ms,
            STUDIO_MAX_LATENCY.as_millis()
        ));
    }
    if !shared.studio.set_latency(request.connection, latency) {
        let id = request.connection;
        return bad_request(format!("no open connection {id}: see GET /studio/api/connections"));
    }
    shared.studio.control("latency", Some(request.connection), Some(request.ms));
    HttpResponse::Ok().json(json!({ "connection": request.connection, "ms": request.ms }))
}

async fn restart(shared: web::Data<Shared>) -> HttpResponse {
    if restart_in_background(&shared) {
        HttpResponse::Ok().json(json!({ "restarting": true }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(json!({ "error": "the platform is stopping: nothing to restart" }))
    }
}
