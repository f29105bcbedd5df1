//! The studio's server side: the page at `/` (the protocol still upgrades there), the feed
//! (history, then every frame in and out with its connection, receipts and refusals, the
//! connections' lives, the controls), and the control API (sever one or all, pause, latency,
//! restart, the lists), with its errors and limits.
#![cfg(feature = "platform")]

use crate::support::studio::{Feed, connection_of, get_raw, is_frame};
use crate::support::*;
use moobius::platform::STUDIO_FEEDS;
use moobius::protocol::{Frame, MessageContent};
use serde_json::json;
use std::time::{Duration, Instant};

#[actix_rt::test]
async fn the_page_is_served_at_the_root_and_the_protocol_still_upgrades_there() {
    let platform = start_platform().await;
    let (status, content_type, page) = get_raw(&platform, "/").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(page.contains("/studio/app.js") && page.contains("/studio/style.css"), "{page}");
    let (status, content_type, _) = get_raw(&platform, "/studio/app.js").await;
    assert_eq!((status, content_type.starts_with("text/javascript")), (200, true), "{content_type}");
    let (status, content_type, _) = get_raw(&platform, "/studio/style.css").await;
    assert_eq!((status, content_type.starts_with("text/css")), (200, true), "{content_type}");
    assert!(platform.studio_url().ends_with('/'));

    // A client that upgrades at `/` speaks the protocol, as at `/ws`.
    let owner = sign_in(&platform, "owner", "owner-password").await;
    let mut client = WsClient::connect_url(&format!("ws://{}/", platform.addr())).await;
    let receipt = client.request(Frame::user_login(owner.token.as_str())).await;
    assert!(receipt.status, "{:?}", receipt.reason());
}

#[actix_rt::test]
async fn the_feed_shows_the_history_then_every_frame_with_its_receipt_and_refusals() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let user_conn = connection_of(&platform, &s.user.user_id).await;
    let service_conn = connection_of(&platform, &s.service_id).await;
    assert_ne!(user_conn, service_conn);

    let (mut feed, hello) = Feed::open(&platform).await;
    assert!(hello["history"].as_u64().unwrap() >= 6, "{hello}");
    // The history: both logins, the user's join and its receipt, in order, numbered without gaps.
    let mut numbers = Vec::new();
    let mut login = None;
    for _ in 0..hello["history"].as_u64().unwrap() {
        let event = feed.next().await;
        numbers.push(event["n"].as_u64().unwrap());
        if event["kind"] == "login" && event["connection"] == user_conn {
            login = Some(event);
        }
    }
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
    let login = login.expect("the user's login is in the history");
    assert_eq!(login["peer"], json!({"role": "user", "id": s.user.user_id.as_str()}));

    // Live: the user's message in, its receipt out on the same connection, the event out to the
    // service on the service's connection.
    let up = Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        s.channel_id.clone(),
        MessageContent::text("seen in the studio"),
        s.user_group.clone(),
    )
    .unwrap();
    let request_id = s.user_ws.send_frame(up).await;
    let sent = feed
        .wait_for("the message_up", |e| is_frame(e, user_conn, "in", "message_up", Some(&request_id)))
        .await;
    assert_eq!(sent["peer"]["role"], "user");
    assert!(sent["text"].as_str().unwrap().contains("seen in the studio"));
    let receipt =
        feed.wait_for("its receipt", |e| is_frame(e, user_conn, "out", "copy", Some(&request_id))).await;
    assert!(receipt["n"].as_u64() > sent["n"].as_u64());
    assert!(receipt["text"].as_str().unwrap().contains(r#""status":true"#), "{receipt}");
    s.service.next_event().await;

    // A refusal: a message into a channel the user is not in, refused with its reason.
    let stray = Frame::message_up(
        s.user.user_id.clone(),
        s.service_id.clone(),
        "no-such-channel".into(),
        MessageContent::text("x"),
        s.user_group.clone(),
    )
    .unwrap();
    let request_id = s.user_ws.send_frame(stray).await;
    let refusal =
        feed.wait_for("the refusal", |e| is_frame(e, user_conn, "out", "copy", Some(&request_id))).await;
    let text = refusal["text"].as_str().unwrap();
    assert!(text.contains(r#""status":false"#) && text.contains(r#""message":"#), "{text}");
}

#[actix_rt::test]
async fn severing_one_connection_cuts_it_alone_and_shows_in_the_feed() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let user_conn = connection_of(&platform, &s.user.user_id).await;
    let (mut feed, _) = Feed::open(&platform).await;

    let answer =
        data_of(http_post(&platform, "/studio/api/sever", None, json!({"connection": user_conn})).await);
    assert_eq!(answer, json!({"severed": 1}));
    assert_eq!(s.user_ws.expect_end().await, Ended::NoCloseFrame, "cut as a network failure, no close frame");
    let control = feed.wait_for("the sever control", |e| e["kind"] == "control").await;
    assert_eq!(
        (control["action"].as_str(), control["connection"].as_u64()),
        (Some("sever"), Some(user_conn))
    );
    let closed = feed.wait_for("the close", |e| e["kind"] == "close" && e["connection"] == user_conn).await;
    assert_eq!(closed["reason"], "severed by the studio");
    // The service's connection is untouched.
    let receipt = s.service.request(Frame::heartbeat()).await;
    assert!(receipt.status);

    // Unknown connection, malformed body, unknown field: 400 saying what was wrong.
    let (status, body) =
        http_post(&platform, "/studio/api/sever", None, json!({"connection": 999_999})).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("no open connection 999999"), "{body}");
    let (status, body) = http_post(&platform, "/studio/api/sever", None, json!({"conection": 1})).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains(r#"{"connection": 3}"#), "{body}");

    // Sever all: every connection ends, and it is one control event with no connection.
    let answer = data_of(http_post(&platform, "/studio/api/sever", None, json!({})).await);
    assert_eq!(answer["severed"], 1);
    s.service.expect_end().await;
    let control = feed.wait_for("sever all", |e| e["kind"] == "control").await;
    assert_eq!((control["action"].as_str(), control["connection"].is_null()), (Some("sever"), true));
}

#[actix_rt::test]
async fn latency_delays_what_one_connection_is_sent_and_keeps_the_order() {
    const LATENCY: Duration = Duration::from_millis(300);
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let user_conn = connection_of(&platform, &s.user.user_id).await;
    let (mut feed, _) = Feed::open(&platform).await;

    let body = json!({"connection": user_conn, "ms": LATENCY.as_millis() as u64});
    assert_eq!(data_of(http_post(&platform, "/studio/api/latency", None, body.clone()).await), body);
    let control = feed.wait_for("the latency control", |e| e["kind"] == "control").await;
    assert_eq!((control["action"].as_str(), control["ms"].as_u64()), (Some("latency"), Some(300)));

    let started = Instant::now();
    let ids = [
        s.user_ws.send_frame(Frame::heartbeat()).await,
        s.user_ws.send_frame(Frame::heartbeat()).await,
        s.user_ws.send_frame(Frame::heartbeat()).await,
    ];
    for id in &ids {
        let receipt = s.user_ws.next_incoming().await;
        let moobius::protocol::Event::Receipt(receipt) = receipt.event else { panic!("{receipt:?}") };
        assert_eq!(&receipt.request_id, id, "the receipts come in the order of the requests");
    }
    assert!(started.elapsed() >= LATENCY, "the first receipt came after {:?}", started.elapsed());
    // The service's connection has no latency: its heartbeat's receipt is not held.
    assert!(s.service.request(Frame::heartbeat()).await.status);

    let off = json!({"connection": user_conn, "ms": 0});
    data_of(http_post(&platform, "/studio/api/latency", None, off).await);
    assert!(s.user_ws.request(Frame::heartbeat()).await.status);

    let (status, body) =
        http_post(&platform, "/studio/api/latency", None, json!({"connection": user_conn, "ms": 60_001}))
            .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("over the limit of 60000 ms"), "{body}");
}

#[actix_rt::test]
async fn pause_holds_every_connection_until_resumed() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let (mut feed, _) = Feed::open(&platform).await;

    assert_eq!(
        data_of(http_post(&platform, "/studio/api/pause", None, json!({"paused": true})).await)["paused"],
        true
    );
    let id = s.user_ws.send_frame(Frame::heartbeat()).await;
    assert_eq!(
        s.user_ws.frame_within(Duration::from_millis(200)).await,
        None,
        "nothing is answered while paused"
    );
    let (_, listed) = http_get(&platform, "/studio/api/connections", None).await;
    assert_eq!(listed["paused"], true);
    data_of(http_post(&platform, "/studio/api/pause", None, json!({"paused": false})).await);
    assert!(s.user_ws.receipt(&id).await.status, "answered once resumed");
    let pause = feed.wait_for("the pause", |e| e["kind"] == "control").await;
    let resume = feed.wait_for("the resume", |e| e["kind"] == "control").await;
    assert_eq!((pause["action"].as_str(), resume["action"].as_str()), (Some("pause"), Some("resume")));
}

#[actix_rt::test]
async fn a_restart_over_http_keeps_the_state_and_clients_log_in_again() {
    let platform = start_platform().await;
    let mut s = live_world(&platform).await;
    let (mut feed, _) = Feed::open(&platform).await;

    assert_eq!(
        data_of(http_post(&platform, "/studio/api/restart", None, json!({})).await),
        json!({"restarting": true})
    );
    s.user_ws.expect_end().await;
    feed.expect_end().await;
    // Connecting again is refused until the platform listens again; each attempt fails fast.
    eventually(WAIT, "the platform listening again", || {
        std::net::TcpStream::connect(platform.addr()).is_ok()
    })
    .await;
    let (mut feed, _) = Feed::open(&platform).await;
    let mut events = Vec::new();
    while events.len() < 2 {
        let event = feed.wait_for("stop and start", |e| e["kind"] == "control").await;
        events.push(event["action"].as_str().unwrap().to_owned());
    }
    assert_eq!(events, ["stop", "start"]);
    // The state was kept: the same token logs in, the user is still a member.
    let mut user = login_user(&platform, &s.user.token).await;
    let channels = data(http_get(&platform, "/channel/list", Some(&s.user.token)).await);
    assert!(channels.as_array().unwrap().iter().any(|c| c["channel_id"] == s.channel_id.as_str()));
    assert!(user.request(Frame::heartbeat()).await.status);
}

#[actix_rt::test]
async fn the_lists_name_every_channel_and_open_connection() {
    let platform = start_platform().await;
    let s = live_world(&platform).await;
    let (status, answer) = http_get(&platform, "/studio/api/channels", None).await;
    assert_eq!(status, 200);
    let channel = answer["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel_id"] == s.channel_id.as_str())
        .cloned()
        .expect("the world's channel is listed");
    assert_eq!((channel["channel_name"].as_str(), channel["members"].as_u64()), (Some("lobby"), Some(1)));
    assert_eq!(channel["service_id"], s.service_id.as_str());
    assert_eq!(channel["service_description"], "test service");
    assert_eq!(channel["channel_description"], "a test channel");

    let (_, answer) = http_get(&platform, "/studio/api/connections", None).await;
    let roles: Vec<_> =
        answer["connections"].as_array().unwrap().iter().map(|c| c["peer"]["role"].clone()).collect();
    assert_eq!(roles, [json!("service"), json!("user")], "{answer}");
    assert!(
        answer["connections"].as_array().unwrap().iter().all(|c| c["open"] == true && c["latency_ms"] == 0)
    );
}

#[actix_rt::test]
async fn feeds_beyond_the_limit_are_refused() {
    let platform = start_platform().await;
    let mut feeds = Vec::new();
    for _ in 0..STUDIO_FEEDS {
        feeds.push(Feed::open(&platform).await.0);
    }
    let refused = awc::Client::new().ws(format!("ws://{}/studio/feed", platform.addr())).connect().await;
    match refused {
        Err(awc::error::WsClientError::InvalidResponseStatus(status)) => assert_eq!(status.as_u16(), 503),
        other => panic!("expected a 503, got {:?}", other.map(|(r, _)| r.status())),
    }
    // Closing one makes room (once the platform has seen it close: polled, there is no event).
    drop(feeds.pop());
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    while awc::Client::new().ws(format!("ws://{}/studio/feed", platform.addr())).connect().await.is_err() {
        assert!(tokio::time::Instant::now() < deadline, "no feed slot freed within {WAIT:?}");
        tick.tick().await;
    }
}

/// The JSON answer of a successful control.
fn data_of(answer: (u16, serde_json::Value)) -> serde_json::Value {
    assert_eq!(answer.0, 200, "{}", answer.1);
    answer.1
}
