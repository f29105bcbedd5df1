//! Signing in, tokens and their renewal: refusals with the platform's code and message, a retry
//! after an unauthorized answer, renewal on its timer or by signing in again, a shared session.

use super::{client_for, signed_in};
use crate::support::{WAIT, start_platform, start_platform_with};
use moobius::http::{Credentials, HttpClient, HttpErrorKind, SharedHttp, TokenSource, TokenTimings};
use moobius::platform::PlatformConfig;
use moobius::protocol::{CharacterId, Secret};
use std::time::Duration;

#[actix_rt::test]
async fn sign_in_refresh_and_user_info() {
    let platform = start_platform().await;
    let client = client_for(&platform, "ann@example.com", "ann-password");
    assert!(client.tokens().access_token().is_none());

    client.sign_in().await.unwrap();
    let first = client.tokens().access_token().expect("a token after sign-in");
    assert_eq!(client.tokens().generation(), 1);
    let me = client.user_info().await.unwrap();
    assert_eq!(me.email, "ann@example.com");
    assert!(!me.user_id.is_empty());

    client.refresh().await.unwrap();
    let second = client.tokens().access_token().unwrap();
    assert_eq!(client.tokens().generation(), 2);
    assert_ne!(first, second, "a refresh brings a new access token");
    assert_eq!(client.user_info().await.unwrap().user_id, me.user_id);

    // No secret in Debug output.
    let shown = format!("{client:?}");
    assert!(!shown.contains("ann-password") && !shown.contains(second.expose()), "{shown}");
    platform.stop().await;
}

#[actix_rt::test]
async fn a_wrong_password_is_refused_with_the_platforms_code_and_message() {
    let platform = start_platform().await;
    signed_in(&platform, "bob").await;
    let intruder = client_for(&platform, "bob", "not-bobs-password");
    let err = intruder.sign_in().await.unwrap_err();
    match err.kind() {
        HttpErrorKind::Refused { status, code, message, call } => {
            assert_eq!(*status, 401);
            assert_eq!(*code, 401);
            assert!(message.contains("wrong password"), "{message}");
            assert_eq!(call, "POST /auth/sign_in");
        }
        other => panic!("unexpected kind {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("check the email and password"), "{shown}");
    assert!(!shown.contains("not-bobs-password"), "{shown}");
    assert!(intruder.tokens().access_token().is_none());
    platform.stop().await;
}

#[actix_rt::test]
async fn a_bad_or_missing_token_is_refused() {
    let platform = start_platform().await;
    let client = HttpClient::builder(platform.http_url())
        .token_source(TokenSource::with_access_token(Secret::new("made-up-token")))
        .build()
        .unwrap();
    let err = client.list_services().await.unwrap_err();
    assert_eq!(err.refusal().map(|(code, _)| code), Some(401), "{err}");
    assert!(!err.to_string().contains("made-up-token"), "{err}");

    // Without any token nothing is sent.
    let client = client_for(&platform, "carol", "pw");
    let err = client.user_info().await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::NotSignedIn { .. }), "{err}");
    assert_eq!(client.calls(), 0);
    // Refresh before sign-in, sign-in without credentials.
    assert!(matches!(client.refresh().await.unwrap_err().kind(), HttpErrorKind::NotSignedIn { .. }));
    let anonymous = HttpClient::builder(platform.http_url()).build().unwrap();
    assert!(matches!(anonymous.sign_in().await.unwrap_err().kind(), HttpErrorKind::NoCredentials { .. }));
    platform.stop().await;
}

#[actix_rt::test]
async fn an_unauthorized_call_signs_in_again_and_retries_once() {
    let platform = start_platform().await;
    signed_in(&platform, "sam").await;
    let stale = || TokenSource::with_access_token(Secret::new("stale-token"));
    let client = HttpClient::builder(platform.http_url())
        .credentials(Credentials::new("sam", "sam-password"))
        .token_source(stale())
        .build()
        .unwrap();
    assert_eq!(client.user_info().await.unwrap().email, "sam");
    assert_eq!(client.calls(), 3, "refused, sign-in, the call again");
    assert_ne!(client.tokens().access_token().unwrap().expose(), "stale-token");

    let strict = HttpClient::builder(platform.http_url())
        .credentials(Credentials::new("sam", "sam-password"))
        .token_source(stale())
        .sign_in_again_when_unauthorized(false)
        .build()
        .unwrap();
    assert_eq!(strict.user_info().await.unwrap_err().refusal().map(|(code, _)| code), Some(401));
    assert_eq!(strict.calls(), 1);

    // A sign-in that fails says why (not the first refusal).
    let wrong = HttpClient::builder(platform.http_url())
        .credentials(Credentials::new("sam", "not-sams-password"))
        .token_source(stale())
        .build()
        .unwrap();
    let err = wrong.user_info().await.unwrap_err();
    assert!(err.refusal().is_some_and(|(_, message)| message.contains("wrong password")), "{err}");
    platform.stop().await;
}

#[actix_rt::test]
async fn an_expired_token_is_refused() {
    let platform = start_platform_with(PlatformConfig::default().access_token_lifetime(Duration::ZERO)).await;
    let client = signed_in(&platform, "dave").await;
    let err = client.user_info().await.unwrap_err();
    let (code, message) = err.refusal().expect("a refusal");
    assert_eq!(code, 401);
    assert!(message.contains("expired"), "{message}");
    platform.stop().await;
}

#[actix_rt::test]
async fn token_renewal_refreshes_on_its_timer() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "mona").await;
    let mut watch = client.tokens().watch();
    let timings = TokenTimings {
        refresh_every: Duration::from_millis(20),
        sign_in_every: Duration::from_secs(3600),
        retry_after: Duration::from_millis(20),
    };
    let renewal = client.spawn_token_renewal(timings);
    let first = tokio::time::timeout(WAIT, watch.changed()).await.expect("a refresh").unwrap();
    let second = tokio::time::timeout(WAIT, watch.changed()).await.expect("another refresh").unwrap();
    assert_ne!(first, second);
    renewal.stop();
    assert!(client.user_info().await.is_ok());
    platform.stop().await;
}

#[actix_rt::test]
async fn token_renewal_signs_in_again_when_the_refresh_token_is_refused() {
    let platform =
        start_platform_with(PlatformConfig::default().refresh_token_lifetime(Duration::ZERO)).await;
    let client = signed_in(&platform, "nina").await;
    assert!(client.refresh().await.is_err(), "the refresh token is already expired");
    let generation = client.tokens().generation();
    let mut watch = client.tokens().watch();
    let _renewal = client.spawn_token_renewal(TokenTimings {
        refresh_every: Duration::from_millis(20),
        sign_in_every: Duration::from_secs(3600),
        retry_after: Duration::from_millis(20),
    });
    tokio::time::timeout(WAIT, watch.changed()).await.expect("a new token").unwrap();
    assert!(client.tokens().generation() > generation);
    assert!(client.user_info().await.is_ok());
    platform.stop().await;
}

#[actix_rt::test]
async fn a_session_can_be_shared_with_another_thread() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "olga").await;
    let list = vec![CharacterId::from("p1"), CharacterId::from("p2")];
    let group = client.create_group(&list).await.unwrap();
    let calls = client.calls();

    let shared: SharedHttp = client.share();
    let url_list = list.clone();
    let from_thread = std::thread::spawn(move || {
        actix_rt::System::new().block_on(async move {
            let there = shared.client();
            let group = there.create_group(&url_list).await.unwrap();
            let services = there.list_services().await.unwrap();
            (group, services.len())
        })
    })
    .join()
    .unwrap();
    assert_eq!(from_thread, (group, 0));
    assert_eq!(
        client.calls(),
        calls + 1,
        "the group came from the shared cache; only list_services was sent"
    );
    platform.stop().await;
}
