//! Authorization and exposure rules of the local platform (issue 9, item 4): binding only to
//! one's own channels, member lists only for members and the bound service's owner, strict
//! `Authorization` headers, username and password checks, and per-account wrong-password
//! slowdown.
#![cfg(feature = "platform")]

use crate::support::*;
use moobius::platform::PlatformConfig;
use serde_json::json;
use std::time::Duration;

#[actix_rt::test]
async fn a_service_cannot_be_bound_to_another_accounts_channel() {
    let platform = start_platform().await;
    let a = sign_in(&platform, "account-a", "pw").await;
    let b = sign_in(&platform, "account-b", "pw").await;
    let b_service = create_service(&platform, &b.token).await;
    let b_channel = create_channel(&platform, &b.token, "b's").await;
    bind(&platform, &b.token, &b_service, &b_channel).await;
    let a_service = create_service(&platform, &a.token).await;
    let (status, body) = http_post(
        &platform,
        "/service/bind",
        Some(&a.token),
        json!({"service_id": a_service, "channel_id": b_channel}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let list = data(http_get(&platform, "/service/list", Some(&b.token)).await);
    assert_eq!(list[0]["channel_ids"], json!([b_channel]), "B keeps its channel: {list}");
    platform.stop().await;
}

#[actix_rt::test]
async fn member_lists_go_to_members_and_the_bound_services_owner_only() {
    let platform = start_platform().await;
    let s = live_world(&platform).await;
    let path = format!("/channel/character_list?channel_id={}&service_id={}", s.channel_id, s.service_id);
    let stranger = sign_in(&platform, "stranger", "pw").await;
    let (status, body) = http_get(&platform, &path, Some(&stranger.token)).await;
    assert_eq!(status, 403, "{body}");
    for token in [&s.user.token, &s.owner.token] {
        let list = data(http_get(&platform, &path, Some(token)).await);
        assert_eq!(list["character_list"], json!([s.user.user_id]));
    }
    platform.stop().await;
}

#[actix_rt::test]
async fn malformed_authorization_headers_are_refused() {
    let platform = start_platform().await;
    let account = sign_in(&platform, "header", "pw").await;
    let url = format!("{}/user/info", platform.http_url());
    let client = awc::Client::builder().timeout(WAIT).finish();
    let t = &account.token;
    // (Trailing spaces are not in the list: HTTP strips them from header values.)
    for header in [
        format!("Bearer  {t}"),
        format!("Bearer\t{t}"),
        format!("Bearer{t}"),
        format!("Basic {t}"),
        format!("Bearer {t} extra"),
        "Bearer ".to_owned(),
        t.clone(),
    ] {
        let response =
            client.get(&url).insert_header(("Authorization", header.clone())).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{header:?} accepted");
    }
    let ok = client.get(&url).insert_header(("Authorization", format!("Bearer {t}"))).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    platform.stop().await;
}

#[actix_rt::test]
async fn usernames_are_trimmed_nul_free_and_non_empty_and_passwords_non_empty() {
    let platform = start_platform().await;
    for (username, password) in [("   ", "pw"), ("", "pw"), ("a\u{0}b", "pw"), ("fine", "")] {
        let (status, body) =
            http_post(&platform, "/auth/sign_in", None, json!({"username": username, "password": password}))
                .await;
        assert_eq!(status, 400, "{username:?}/{password:?}: {body}");
    }
    let plain = sign_in(&platform, "bob", "pw").await;
    let padded = sign_in(&platform, "  bob ", "pw").await;
    assert_eq!(plain.user_id, padded.user_id, "the same account once trimmed");
    platform.stop().await;
}

#[actix_rt::test]
async fn wrong_passwords_are_slowed_per_account_and_the_right_one_gets_through_soon() {
    let delay = Duration::from_millis(300);
    let config = PlatformConfig::default().sign_in_throttle(10, Duration::from_secs(60), delay);
    let platform = start_platform_with(config).await;
    sign_in(&platform, "victim", "right").await;
    sign_in(&platform, "bystander", "right").await;
    let started = std::time::Instant::now();
    let (mut checked, mut slowed) = (0, 0);
    for _ in 0..2_000 {
        let (status, body) =
            http_post(&platform, "/auth/sign_in", None, json!({"username": "victim", "password": "wrong"}))
                .await;
        match status {
            401 => checked += 1,
            429 => slowed += 1,
            other => panic!("{other} {body}"),
        }
    }
    let elapsed = started.elapsed();
    eprintln!("FIGURE 2000 wrong passwords in {elapsed:?}: {checked} checked (401), {slowed} answered 429");
    let allowed = 10 + (elapsed.as_millis() / delay.as_millis()) as usize + 1;
    assert!(checked <= allowed, "{checked} checked in {elapsed:?}, at most {allowed}");
    // Another account is not slowed.
    sign_in(&platform, "bystander", "right").await;
    // Retry-After is given, and the right password passes once it has passed.
    let url = format!("{}/auth/sign_in", platform.http_url());
    let response = awc::Client::new()
        .post(&url)
        .send_json(&json!({"username": "victim", "password": "right"}))
        .await
        .unwrap();
    if response.status().as_u16() == 429 {
        let retry: u64 = response.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
        assert!((1..=1).contains(&retry), "{retry}");
        tokio::time::sleep(delay).await; // the limit under test: one check per `delay`
    }
    sign_in(&platform, "victim", "right").await;
    platform.stop().await;
}

#[actix_rt::test]
async fn a_service_may_speak_as_a_channel_member_but_not_as_a_stranger() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let frame = |sender: &str| {
        moobius::protocol::Frame::message_down(
            s.service_id.clone(),
            s.channel_id.clone(),
            moobius::protocol::MessageContent::text("relayed"),
            s.user_group.clone(),
            sender.into(),
        )
        .unwrap()
    };
    let (as_member, as_stranger) = (frame(&s.user.user_id), frame("stranger"));
    assert!(s.service.request(as_member).await.status, "PROTOCOL.md: a member may be the sender");
    assert!(!s.service.request(as_stranger).await.status);
    platform.stop().await;
}
