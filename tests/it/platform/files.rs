//! The local platform's files over raw HTTP, shaped as the reference SDK sends them: the upload
//! URL and fields from `GET /file/upload`, the multipart POST (answered 204, as S3), the file
//! served back (`GET`, `HEAD` with its length, a safe content type), and the refusals: no token, a
//! bad extension, a used slot, a body that is not multipart or has no file, an unknown file.
#![cfg(feature = "platform")]

use crate::support::*;
use serde_json::Value;

fn client() -> awc::Client {
    awc::Client::builder().timeout(WAIT).finish()
}

/// A body as aiohttp's `FormData` makes it from the SDK's `{**fields, "file": bytes}`.
fn sdk_form(boundary: &str, fields: &[(&str, &str)], file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

/// POSTs `body` to `url` with `content_type`: the status, the content type and the body.
async fn post_form(url: &str, content_type: &str, body: Vec<u8>) -> (u16, String, Vec<u8>) {
    let mut response = client()
        .post(url)
        .insert_header(("Content-Type", content_type))
        .send_body(body)
        .await
        .expect("the upload goes through");
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let body = response.body().await.expect("the answer arrives").to_vec();
    (status, kind, body)
}

/// `GET /file/upload?extension=` with `token`: the upload URL, key and token.
async fn slot(
    platform: &moobius::platform::PlatformHandle,
    token: &str,
    extension: &str,
) -> (String, String, String) {
    let ticket = data(http_get(platform, &format!("/file/upload?extension={extension}"), Some(token)).await);
    let field = |name: &str| ticket["fields"][name].as_str().expect("a string field").to_owned();
    (ticket["url"].as_str().expect("an upload url").to_owned(), field("key"), field("token"))
}

#[actix_rt::test]
async fn an_sdk_shaped_upload_is_stored_and_served_back() {
    let platform = start_platform().await;
    let owner = sign_in(&platform, "uploader", "pw").await;
    let (url, key, token) = slot(&platform, &owner.token, "png").await;
    assert_eq!(url, format!("{}/file/bucket/", platform.http_url()), "an upload URL on the platform itself");
    assert!(key.ends_with(".png"), "{key}");

    let picture = b"\x89PNG\r\n\x1a\n--not-a-boundary\r\n".repeat(100);
    let form = sdk_form("a1b2c3", &[("key", &key), ("token", &token)], &picture);
    let (status, kind, body) = post_form(&url, "multipart/form-data; boundary=a1b2c3", form.clone()).await;
    assert_eq!((status, kind.as_str(), body.as_slice()), (204, "", &b""[..]), "as S3 answers");

    let file_url = format!("{url}{key}");
    let mut response = client().get(&file_url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(header("content-type").as_deref(), Some("image/png"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("content-security-policy").as_deref(), Some("sandbox"));
    assert_eq!(response.body().limit(1 << 20).await.unwrap(), picture.as_slice());
    let response = client().head(&file_url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let length = response.headers().get("content-length").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(length, Some(picture.len().to_string()), "HEAD tells the size (the SDK's download_size)");

    // The slot is used up.
    let (status, _, body) = post_form(&url, "multipart/form-data; boundary=a1b2c3", form).await;
    assert_eq!(status, 403);
    let answer: Value = serde_json::from_slice(&body).expect("a JSON refusal");
    assert!(answer["message"].as_str().unwrap().contains("GET /file/upload"), "{answer}");
    assert_eq!(platform.stats().files, 1);
    platform.stop().await;
}

#[actix_rt::test]
async fn uploads_that_cannot_be_stored_are_refused_saying_why() {
    let platform = start_platform().await;
    let owner = sign_in(&platform, "refused", "pw").await;
    let (status, _) = http_get(&platform, "/file/upload?extension=png", None).await;
    assert_eq!(status, 401);
    for bad in ["", "..%2Fx", "averyveryverylongextension"] {
        let (status, body) =
            http_get(&platform, &format!("/file/upload?extension={bad}"), Some(&owner.token)).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body["message"].as_str().unwrap().contains("letters or digits"), "{body}");
    }
    let (status, body) = http_get(&platform, "/file/upload", Some(&owner.token)).await;
    assert_eq!(status, 400, "{body}");

    let (url, key, token) = slot(&platform, &owner.token, "html").await;
    let message = |body: &[u8]| {
        let answer: Value = serde_json::from_slice(body).expect("a JSON refusal");
        answer["message"].as_str().unwrap().to_owned()
    };
    let (status, _, body) = post_form(&url, "application/json", b"{}".to_vec()).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("multipart/form-data"), "{}", message(&body));
    let no_file = format!("--B\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n{key}\r\n--B--\r\n");
    let (status, _, body) = post_form(&url, "multipart/form-data; boundary=B", no_file.into_bytes()).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("token") || message(&body).contains("file"), "{}", message(&body));
    let cut = sdk_form("B", &[("key", &key), ("token", &token)], b"abc");
    let (status, _, body) =
        post_form(&url, "multipart/form-data; boundary=B", cut[..cut.len() - 8].to_vec()).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("closing boundary"), "{}", message(&body));

    // HTML is stored but served as bytes to download, never as a page on the studio's origin.
    let page = sdk_form("B", &[("key", &key), ("token", &token)], b"<script>alert(1)</script>");
    let (status, _, _) = post_form(&url, "multipart/form-data; boundary=B", page).await;
    assert_eq!(status, 204);
    let response = client().get(format!("{url}{key}")).send().await.unwrap();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(kind.as_deref(), Some("application/octet-stream"));

    let (status, body) = http_get(&platform, "/file/bucket/no-such-file.png", None).await;
    assert_eq!(status, 404);
    assert!(body["message"].as_str().unwrap().contains("no-such-file.png"), "{body}");
    platform.stop().await;
}
