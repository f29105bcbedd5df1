//! The upload flow of the reference SDK, served by the platform itself: `GET /file/upload` hands
//! out an upload URL on this server (its bucket, [`BUCKET`]) and the form fields `key` and
//! `token`; a `multipart/form-data` POST of those fields and the `file` to that URL stores the
//! bytes (answered 204, as S3 does); the file is then served at the upload URL followed by its
//! key, to anyone (`GET`, and `HEAD` for its size). The bounds are the hub's (`files.rs`).

use super::super::hub::too_large;
use super::super::server::Shared;
use super::multipart;
use super::{Answer, Fail, Query, caller, ok, param};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde_json::json;

/// Where uploads go and files are served from.
pub(crate) const BUCKET: &str = "/file/bucket/";

/// Room for the form's fields and part headers around the file, past the file size limit.
const FORM_OVERHEAD: usize = 64 * 1024;

/// How much of an oversized upload is read (and dropped) so that its client gets the 413 rather
/// than a connection cut in the middle of its sending; past this the connection is cut.
const DRAIN_LIMIT: usize = 256 * 1024 * 1024;

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/file/upload", web::get().to(upload_slot))
        .route(BUCKET, web::post().to(upload))
        .route("/file/bucket/{key}", web::get().to(download))
        .route("/file/bucket/{key}", web::head().to(download));
}

async fn upload_slot(req: HttpRequest, shared: web::Data<Shared>, query: Query) -> Answer {
    caller(&req, &shared)?;
    let extension = param(&query, "extension")?;
    let (key, token) = shared.hub().upload_slot(extension)?;
    let info = req.connection_info();
    let url = format!("{}://{}{BUCKET}", info.scheme(), info.host());
    ok(json!({"url": url, "fields": {"key": key, "token": token}}))
}

async fn upload(req: HttpRequest, shared: web::Data<Shared>, mut payload: web::Payload) -> Answer {
    let limit = shared.config.max_file_bytes;
    let body_limit = limit.saturating_add(FORM_OVERHEAD);
    let mut body = BytesMut::new();
    let mut read = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Fail::new(400, format!("reading the upload: {e}")))?;
        read = read.saturating_add(chunk.len());
        if read > DRAIN_LIMIT {
            break;
        }
        if read <= body_limit {
            body.extend_from_slice(&chunk);
        }
    }
    if read > body_limit {
        return Err(too_large(None, limit));
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = multipart::boundary(content_type).map_err(|m| Fail::new(400, m))?;
    let body = body.freeze();
    let parts = multipart::parse(&body, &boundary).map_err(|m| Fail::new(400, m))?;
    let field = |name: &str| {
        let part = parts.iter().find(|p| p.name == name && p.filename.is_none());
        part.map(|p| String::from_utf8_lossy(p.data).into_owned()).ok_or_else(|| {
            Fail::new(
                400,
                format!("the upload has no form field `{name}`: send the fields GET /file/upload gave"),
            )
        })
    };
    let (key, token) = (field("key")?, field("token")?);
    let file = parts.iter().find(|p| p.name == "file").ok_or_else(|| {
        Fail::new(400, "the upload has no `file` part: send the file as the form field `file`")
    })?;
    let data = body.slice_ref(file.data);
    let size = data.len();
    shared.hub().store_upload(&key, &token, data)?;
    log::debug!("stored an upload of {size} bytes as {key}");
    Ok(HttpResponse::NoContent().finish())
}

async fn download(shared: web::Data<Shared>, key: web::Path<String>) -> Answer {
    let key = key.into_inner();
    let file = shared
        .hub()
        .stored_file(&key)
        .ok_or_else(|| Fail::new(404, format!("no file `{key}` on the local platform: upload it first")))?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Served from the studio's origin: nothing in a file may run as that page.
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(file.data))
}
