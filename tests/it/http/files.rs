//! Files through the client: the upload flow against the local platform's own bucket (bytes and
//! sizes back as sent), the upload cache (HTTP calls counted), `convert_to_url`, avatars given as
//! local paths, and the refusals: the platform's file limits, a missing local file, an unknown
//! URL, a download past the client's limit.

use super::{client_for, signed_in};
use crate::support::{WAIT, scratch, start_platform, start_platform_with};
use moobius::http::{FileUrl, HttpClient, HttpErrorKind, Profile};
use moobius::platform::PlatformConfig;

/// Bytes that look like a multipart body's insides: boundaries, CRLFs, NULs.
fn tricky_bytes(len: usize) -> Vec<u8> {
    let pattern = b"\r\n--moobius-boundary\r\n\x00\xff--\r\n\r\nContent-Disposition: form-data\r\n";
    pattern.iter().copied().cycle().take(len).collect()
}

#[actix_rt::test]
async fn bytes_and_files_go_up_and_come_back_the_same() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "uma").await;

    let data = tricky_bytes(300_000);
    let uploaded = client.upload_bytes(data.clone(), "report.pdf").await.unwrap();
    assert!(uploaded.url.starts_with(&format!("{}/file/bucket/", platform.http_url())), "{}", uploaded.url);
    assert!(uploaded.url.ends_with(".pdf"), "the extension is kept: {}", uploaded.url);
    assert_eq!(uploaded.size, 300_000);
    assert_eq!(uploaded.filename, "report.pdf");
    assert_eq!(client.download(&uploaded.url).await.unwrap(), data.as_slice());
    assert_eq!(client.download_size(&uploaded.url).await.unwrap(), 300_000);

    let dir = scratch("http-files-roundtrip");
    let target = dir.join("copy.pdf");
    assert_eq!(client.download_to(&uploaded.url, &target).await.unwrap(), 300_000);
    assert_eq!(std::fs::read(&target).unwrap(), data);

    let source = dir.join("cat.png");
    std::fs::write(&source, b"\x89PNG not really").unwrap();
    let from_path = client.upload_path(&source).await.unwrap();
    assert_eq!((from_path.size, from_path.filename.as_str()), (15, "cat.png"));
    assert_eq!(client.download(&from_path.url).await.unwrap(), &b"\x89PNG not really"[..]);
    // An empty file is a file too.
    let empty = client.upload_bytes(Vec::new(), "empty.txt").await.unwrap();
    assert_eq!(client.download(&empty.url).await.unwrap(), &b""[..]);
    assert_eq!(client.download_size(&empty.url).await.unwrap(), 0);
    platform.stop().await;
}

#[actix_rt::test]
async fn each_distinct_content_is_uploaded_once_per_client() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "vera").await;
    let dir = scratch("http-files-cache");
    let path = dir.join("logo.png");
    std::fs::write(&path, b"logo bytes").unwrap();

    let before = client.calls();
    let first = client.upload_path(&path).await.unwrap();
    assert_eq!(client.calls(), before + 2, "GET /file/upload, then the POST");
    let again = client.upload_path(&path).await.unwrap();
    assert_eq!(again.url, first.url);
    let same_bytes = client.upload_bytes(&b"logo bytes"[..], "renamed.png").await.unwrap();
    assert_eq!(same_bytes.url, first.url, "the same content and extension: the cached URL");
    assert_eq!(same_bytes.filename, "renamed.png");
    let by_convert = client.convert_to_url(path.to_str().unwrap()).await.unwrap();
    assert_eq!(by_convert, first.url);
    let file_url = format!("file://{}", path.display());
    assert_eq!(client.convert_to_url(&file_url).await.unwrap(), first.url, "file:// is a local path");
    assert_eq!(client.clone().upload_path(&path).await.unwrap().url, first.url, "clones share the cache");
    assert_eq!(client.calls(), before + 2, "all of those came from the cache");

    // A URL passes through without a call.
    let remote = client.convert_to_url("https://example.com/elsewhere.png").await.unwrap();
    assert_eq!(remote, "https://example.com/elsewhere.png");
    assert_eq!(client.calls(), before + 2);

    // Another extension or another content is another upload; concurrent uploads of one new
    // content still make one.
    let as_jpg = client.upload_bytes(&b"logo bytes"[..], "logo.jpg").await.unwrap();
    assert_ne!(as_jpg.url, first.url);
    assert_eq!(client.calls(), before + 4);
    let (a, b, c) = futures_util::join!(
        client.upload_bytes(&b"new"[..], "n.txt"),
        client.upload_bytes(&b"new"[..], "n.txt"),
        client.upload_bytes(&b"new"[..], "n.txt")
    );
    assert_eq!(a.unwrap().url, b.as_ref().unwrap().url);
    assert_eq!(b.unwrap().url, c.unwrap().url);
    assert_eq!(client.calls(), before + 6);
    assert_eq!(client.cached_uploads(), 3);

    // Another client uploads on its own.
    let other = signed_in(&platform, "walt").await;
    let theirs = other.upload_path(&path).await.unwrap();
    assert_ne!(theirs.url, first.url);
    assert_eq!(platform.stats().files, 4);
    platform.stop().await;
}

#[actix_rt::test]
async fn uploads_past_the_platforms_limits_are_refused_with_the_limit_named() {
    let config = PlatformConfig::default().max_file_bytes(1000).max_stored_bytes(1500).max_files(3);
    let platform = start_platform_with(config).await;
    let client = signed_in(&platform, "xena").await;

    let err = client.upload_bytes(vec![7u8; 1001], "big.bin").await.unwrap_err();
    let (code, message) = err.refusal().unwrap_or_else(|| panic!("a refusal: {err}"));
    assert_eq!(code, 413);
    assert!(message.contains("1001 bytes") && message.contains("max_file_bytes"), "{message}");
    assert!(err.to_string().contains("raise the platform's limit"), "{err}");
    // Far past the limit: still the answer, not a cut connection.
    let err = client.upload_bytes(vec![7u8; 3_000_000], "huge.bin").await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(413), "{err}");

    client.upload_bytes(vec![1u8; 1000], "a.bin").await.unwrap();
    let err = client.upload_bytes(vec![2u8; 600], "b.bin").await.unwrap_err();
    let (code, message) = err.refusal().unwrap_or_else(|| panic!("a refusal: {err}"));
    assert_eq!(code, 507);
    assert!(message.contains("max_stored_bytes"), "{message}");
    // A refusal is not cached: the same content is tried again (and refused again).
    assert!(client.upload_bytes(vec![2u8; 600], "b.bin").await.is_err());

    client.upload_bytes(vec![3u8; 10], "c.bin").await.unwrap();
    client.upload_bytes(vec![4u8; 10], "d.bin").await.unwrap();
    let err = client.upload_bytes(vec![5u8; 10], "e.bin").await.unwrap_err();
    let (code, message) = err.refusal().unwrap_or_else(|| panic!("a refusal: {err}"));
    assert_eq!(code, 507);
    assert!(message.contains("3 files") && message.contains("max_files"), "{message}");
    let stats = platform.stats();
    assert_eq!((stats.files, stats.file_bytes), (3, 1020));
    platform.stop().await;
}

#[actix_rt::test]
async fn missing_files_unknown_urls_and_large_downloads_are_clear_errors() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "yuri").await;
    let before = client.calls();
    let err = client.upload_path("no/such/picture.png").await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::LocalFile { .. }), "{err}");
    assert!(err.to_string().contains("no/such/picture.png"), "{err}");
    assert!(std::error::Error::source(&err).is_some(), "the system's reason is the source");
    let err = client.convert_to_url("no/such/picture.png").await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::LocalFile { .. }), "{err}");
    assert!(matches!(
        client.convert_to_url("").await.unwrap_err().kind(),
        HttpErrorKind::InvalidRequest { .. }
    ));
    assert_eq!(client.calls(), before, "nothing was sent");

    let unknown = FileUrl::from(format!("{}/file/bucket/nothing.png", platform.http_url()));
    let err = client.download(&unknown).await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(404), "{err}");
    assert_eq!(client.download_size(&unknown).await.unwrap_err().refusal().map(|r| r.0), Some(404));
    let err = client.download_to(&unknown, scratch("http-files-404").join("x")).await.unwrap_err();
    assert_eq!(err.refusal().map(|r| r.0), Some(404), "{err}");

    let uploaded = client.upload_bytes(vec![0u8; 100], "hundred.bin").await.unwrap();
    let small =
        HttpClient::builder(platform.http_url()).max_download_bytes(99).timeout(WAIT).build().unwrap();
    let err = small.download(&uploaded.url).await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::TooLarge { limit: 99, .. }), "{err}");
    let err =
        client.download_to(&uploaded.url, scratch("http-files-nodir").join("no/dir/x")).await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::LocalFile { .. }), "{err}");

    // Uploading needs a sign-in, as every call.
    let anonymous = client_for(&platform, "zed", "zed-password");
    let err = anonymous.upload_bytes(&b"x"[..], "x.txt").await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::NotSignedIn { .. }), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn avatars_given_as_local_paths_are_uploaded() {
    let platform = start_platform().await;
    let owner = signed_in(&platform, "abe").await;
    let service_id = owner.create_service("abe's bot").await.unwrap();
    let dir = scratch("http-files-avatars");
    let avatar = dir.join("bot.png");
    std::fs::write(&avatar, b"an avatar").unwrap();

    let agent = owner
        .create_agent(&service_id, &Profile::new("Bot", avatar.to_str().unwrap(), "a bot"))
        .await
        .unwrap();
    let url = FileUrl::from(agent.avatar.clone().expect("an avatar"));
    assert!(url.starts_with(&platform.http_url()), "{url}");
    assert_eq!(owner.download(&url).await.unwrap(), &b"an avatar"[..]);

    let calls = owner.calls();
    let renamed = Profile::new("Bot 2", avatar.to_str().unwrap(), "a renamed bot");
    owner.update_agent(&service_id, &agent.character_id, &renamed).await.unwrap();
    assert_eq!(owner.calls(), calls + 1, "the avatar came from the upload cache");
    let agents = owner.list_agents(&service_id).await.unwrap();
    assert_eq!((agents[0].name.as_str(), agents[0].avatar.as_deref()), ("Bot 2", Some(url.as_str())));

    let user = signed_in(&platform, "bea").await;
    std::fs::write(dir.join("me.png"), b"my face").unwrap();
    user.update_current_user(&Profile::new("Bea", dir.join("me.png").to_str().unwrap(), "hi")).await.unwrap();
    let me = user.user_info().await.unwrap();
    assert_eq!(me.context.name, "Bea");
    assert_eq!(user.download(&me.context.avatar.as_str().into()).await.unwrap(), &b"my face"[..]);
    platform.stop().await;
}
