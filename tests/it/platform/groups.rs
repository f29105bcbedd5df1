//! Groups over HTTP as a user makes them: create, read back, list, and the refusals.
#![cfg(feature = "platform")]

use crate::support::*;
use serde_json::json;

#[actix_rt::test]
async fn user_groups_over_http() {
    let platform = start_platform().await;
    let s = live_world(&platform).await;
    let created = data(
        http_post(
            &platform,
            "/user/group/create",
            Some(&s.user.token),
            json!({"channel_id": s.channel_id, "group_name": "friends", "characters": [s.user.user_id]}),
        )
        .await,
    );
    let group = created["group_id"].as_str().unwrap();
    let got = data(
        http_get(
            &platform,
            &format!("/user/group?group_id={group}&channel_id={}&user_id={}", s.channel_id, s.user.user_id),
            Some(&s.user.token),
        )
        .await,
    );
    assert_eq!(got["characters"], json!([s.user.user_id]));
    let list = data(
        http_get(
            &platform,
            &format!("/user/group/list?channel_id={}&service_id={}", s.channel_id, s.service_id),
            Some(&s.owner.token),
        )
        .await,
    );
    assert_eq!(list, json!([{"group_id": group, "characters": [s.user.user_id]}]));
    let (status, _) = http_get(&platform, "/service/group?group_id=nope", Some(&s.owner.token)).await;
    assert_eq!(status, 404);
    let channels = data(http_get(&platform, "/channel/list", Some(&s.user.token)).await);
    assert_eq!(channels[0]["channel_id"], s.channel_id.as_str());
    platform.stop().await;
}
