//! The message history over raw HTTP: each entry is the message body exactly as it was
//! delivered, the query is read as the reference SDK sends it (`limit` as a string, `before`
//! `"null"`, a JSON body on the GET), bad queries are refused, and the per-channel byte bound
//! drops the oldest messages.
#![cfg(feature = "platform")]

use crate::support::*;
use moobius::platform::PlatformConfig;
use serde_json::{Value, json};

#[actix_rt::test]
async fn history_entries_are_the_bodies_as_delivered() {
    let platform = start_platform().await;
    let mut live = live_world(&platform).await;
    let frame = live.say("remember me");
    live.service.send_frame(frame).await;
    let delivered: Value = serde_json::from_str(&live.user_ws.next_text().await).unwrap();

    let path = format!("/channel/history_message?channel_id={}&limit=64&before=null", live.channel_id);
    // The SDK puts `limit` in a JSON body too, on the GET; the platform reads the query.
    let response = awc::Client::builder()
        .timeout(WAIT)
        .finish()
        .get(format!("{}{path}", platform.http_url()))
        .insert_header(("Authorization", format!("Bearer {}", live.owner.token)))
        .send_json(&json!({"limit": "64"}))
        .await;
    let mut response = response.expect("the request goes through");
    assert_eq!(response.status().as_u16(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["data"], json!([delivered["body"]]), "the body as the user received it");

    let many = format!("channel_id={}&limit=many", live.channel_id);
    for (query, why) in
        [(many.as_str(), "`limit` must be a count"), ("limit=1", "query parameter `channel_id`")]
    {
        let path = format!("/channel/history_message?{query}");
        let (status, body) = http_get(&platform, &path, Some(&live.owner.token)).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["message"].as_str().unwrap().contains(why), "{body}");
    }
    platform.stop().await;
}

#[actix_rt::test]
async fn the_byte_bound_drops_the_oldest_messages() {
    let platform = start_platform_with(PlatformConfig::default().history_bytes(1000)).await;
    let mut live = live_world(&platform).await;
    for i in 0..5 {
        let frame = live.say(format!("{i}:{}", "x".repeat(200)));
        assert!(live.service.request(frame).await.status);
    }
    let stats = platform.stats();
    assert!(stats.history_bytes <= 1000, "{stats:?}");
    assert!((1..5).contains(&stats.history_messages), "{stats:?}");
    let path = format!("/channel/history_message?channel_id={}&limit=10", live.channel_id);
    let page = data(http_get(&platform, &path, Some(&live.owner.token)).await);
    let texts: Vec<&str> =
        page.as_array().unwrap().iter().map(|m| m["content"]["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), stats.history_messages);
    assert!(texts.last().unwrap().starts_with("4:"), "the newest stays: {texts:?}");
    assert!(!texts.iter().any(|t| t.starts_with("0:")), "the oldest went: {texts:?}");
    platform.stop().await;
}
