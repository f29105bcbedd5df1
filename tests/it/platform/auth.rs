//! Accounts and auth on the local platform: dev-mode sign-in, random expiring tokens, refresh,
//! tokens checked on HTTP and on login, refused logins close the socket, nothing before login.
#![cfg(feature = "platform")]

use crate::support::*;
use moobius::platform::PlatformConfig;
use moobius::protocol::{Event, Frame};
use serde_json::json;
use std::time::Duration;

#[actix_rt::test]
async fn the_first_sign_in_creates_the_account_and_a_wrong_password_is_refused() {
    let platform = start_platform().await;
    let first = sign_in(&platform, "bob", "right").await;
    let again = sign_in(&platform, "bob", "right").await;
    assert_eq!(first.user_id, again.user_id, "the same account");
    assert_ne!(first.token, again.token, "every sign-in gets a fresh token");
    assert!(
        first.token.len() >= 32 && first.token.chars().all(|c| c.is_ascii_hexdigit()),
        "random: {}",
        first.token.len()
    );

    let (status, body) =
        http_post(&platform, "/auth/sign_in", None, json!({"username": "bob", "password": "wrong"})).await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], 401);
    assert!(body["message"].as_str().unwrap().contains("wrong password"), "{body}");
    platform.stop().await;
}

#[actix_rt::test]
async fn every_http_call_checks_the_token() {
    let platform = start_platform().await;
    for token in [None, Some("not-a-token")] {
        let (status, body) = http_get(&platform, "/user/info", token).await;
        assert_eq!(status, 401, "{body}");
        assert_ne!(body["code"], 10000);
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
        let (status, _) = http_post(&platform, "/service/create", token, json!({"description": "x"})).await;
        assert_eq!(status, 401);
    }
    let (status, body) = http_get(&platform, "/no/such/endpoint", None).await;
    assert_eq!((status, body["code"].as_u64()), (404, Some(404)), "{body}");
    platform.stop().await;
}

#[actix_rt::test]
async fn refresh_gives_a_working_token_and_a_bad_refresh_token_is_refused() {
    let platform = start_platform().await;
    let account = sign_in(&platform, "carol", "pw").await;
    let refreshed = data(
        http_post(
            &platform,
            "/auth/refresh",
            None,
            json!({"username": "carol", "refresh_token": account.refresh_token}),
        )
        .await,
    );
    let token = refreshed["AuthenticationResult"]["AccessToken"].as_str().unwrap();
    assert_ne!(token, account.token);
    let info = data(http_get(&platform, "/user/info", Some(token)).await);
    assert_eq!(info["user_id"], account.user_id.as_str());

    let (status, _) =
        http_post(&platform, "/auth/refresh", None, json!({"username": "carol", "refresh_token": "nope"}))
            .await;
    assert_eq!(status, 401);
    platform.stop().await;
}

#[actix_rt::test]
async fn an_expired_token_is_refused_on_http_and_on_login() {
    let platform = start_platform_with(PlatformConfig::default().access_token_lifetime(Duration::ZERO)).await;
    let signed = data(
        http_post(&platform, "/auth/sign_in", None, json!({"username": "dave", "password": "pw"})).await,
    );
    let token = signed["AuthenticationResult"]["AccessToken"].as_str().unwrap().to_owned();
    let (status, body) = http_get(&platform, "/user/info", Some(&token)).await;
    assert_eq!(status, 401);
    assert!(body["message"].as_str().unwrap().contains("expired"), "{body}");

    let mut client = WsClient::connect(&platform).await;
    let receipt = client.request(Frame::user_login(token.as_str())).await;
    assert!(!receipt.status);
    assert_eq!(receipt.origin_type.as_deref(), Some("user_login"));
    assert!(receipt.reason().unwrap().contains("expired"), "{:?}", receipt.reason());
    assert!(
        matches!(client.expect_end().await, Ended::CloseFrame(_)),
        "the socket is closed after a refused login"
    );
    platform.stop().await;
}

#[actix_rt::test]
async fn a_bad_token_login_is_refused_with_a_reason_and_the_socket_closed() {
    let platform = start_platform().await;
    let mut client = WsClient::connect(&platform).await;
    let receipt = client.request(Frame::user_login("forged-token")).await;
    assert!(!receipt.status);
    assert!(receipt.reason().unwrap().contains("login refused"), "{:?}", receipt.reason());
    assert!(matches!(client.expect_end().await, Ended::CloseFrame(_)));
    platform.stop().await;
}

#[actix_rt::test]
async fn only_the_owner_may_log_in_as_a_service() {
    let platform = start_platform().await;
    let owner = sign_in(&platform, "owner", "pw").await;
    let other = sign_in(&platform, "mallory", "pw").await;
    let service_id = create_service(&platform, &owner.token).await;

    let mut client = WsClient::connect(&platform).await;
    let receipt = client.request(Frame::service_login(service_id.clone(), other.token.as_str())).await;
    assert!(!receipt.status);
    assert!(receipt.reason().unwrap().contains("another account"), "{:?}", receipt.reason());
    assert!(matches!(client.expect_end().await, Ended::CloseFrame(_)));

    let mut client = WsClient::connect(&platform).await;
    let receipt = client.request(Frame::service_login("no-such-service".into(), owner.token.as_str())).await;
    assert!(
        !receipt.status && receipt.reason().unwrap().contains("does not exist"),
        "{:?}",
        receipt.reason()
    );

    let _service = login_service(&platform, &service_id, &owner.token).await;
    platform.stop().await;
}

#[actix_rt::test]
async fn every_frame_before_login_is_refused_and_the_connection_stays() {
    let platform = start_platform().await;
    let account = sign_in(&platform, "erin", "pw").await;
    let mut client = WsClient::connect(&platform).await;
    for frame in [Frame::heartbeat(), Frame::join_channel(account.user_id.clone(), "some-channel".into())] {
        let kind = frame.frame_type();
        let receipt = client.request(frame).await;
        assert!(!receipt.status, "{kind} before login was accepted");
        assert_eq!(receipt.origin_type.as_deref(), Some(kind));
        assert!(receipt.reason().unwrap().contains("log in first"), "{:?}", receipt.reason());
    }
    // Without a request id: an error frame instead.
    client.send(&moobius::protocol::Request { request_id: None, frame: Frame::heartbeat() }).await;
    let error = client.next_incoming().await;
    assert!(matches!(&error.event, Event::Error(e) if e.message.contains("log in first")), "{error:?}");

    let receipt = client.request(Frame::user_login(account.token.as_str())).await;
    assert!(receipt.status, "the connection stayed up and the login works");
    let receipt = client.request(Frame::heartbeat()).await;
    assert!(receipt.status);
    platform.stop().await;
}
