//! Connection limits (issue 9, item 3): fragmented messages past the reassembly limit close the
//! connection with 1009, a connection that does not log in within the deadline is closed
//! (pings or not), and HTTP requests with a short body or slow headers are answered 408.
#![cfg(feature = "platform")]

use crate::support::*;
use awc::ws;
use moobius::platform::PlatformConfig;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn code(ended: &Ended) -> Option<u16> {
    match ended {
        Ended::CloseFrame(Some(reason)) => Some(u16::from(reason.code)),
        _ => None,
    }
}

#[actix_rt::test]
async fn fragments_past_the_reassembly_limit_close_with_1009_before_login() {
    let platform = start_platform_with(PlatformConfig::default().reassembly_limit(64 * 1024)).await;
    let mut ws = WsClient::connect(&platform).await;
    let chunk = bytes::Bytes::from(vec![b'x'; 32 * 1024]);
    ws.send_message(ws::Message::Continuation(actix_http::ws::Item::FirstText(chunk.clone()))).await;
    for _ in 0..3 {
        ws.send_message(ws::Message::Continuation(actix_http::ws::Item::Continue(chunk.clone()))).await;
    }
    let ended = ws.expect_end().await;
    assert_eq!(code(&ended), Some(1009), "{ended:?}");
    platform.stop().await;
}

#[actix_rt::test]
async fn a_connection_that_does_not_log_in_is_closed_at_the_deadline_pings_or_not() {
    let deadline = Duration::from_millis(300);
    let platform = start_platform_with(PlatformConfig::default().login_deadline(deadline)).await;
    let mut ws = WsClient::connect(&platform).await;
    let started = Instant::now();
    // Pings every 50 ms (each answered) until the platform closes it.
    let ended = loop {
        ws.ping(b"keep").await;
        if ws.frame_within(Duration::from_millis(50)).await.is_none() && started.elapsed() > deadline {
            break ws.expect_end().await;
        }
        assert!(started.elapsed() < WAIT, "still open after {WAIT:?}");
    };
    assert_eq!(code(&ended), Some(1008), "{ended:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "closed after {:?}", started.elapsed());
    assert_eq!(platform.stats().unauthenticated_connections, 0);
    platform.stop().await;
}

#[actix_rt::test]
async fn a_logged_in_connection_outlives_the_login_deadline() {
    let platform =
        start_platform_with(PlatformConfig::default().login_deadline(Duration::from_millis(100))).await;
    let user = sign_in(&platform, "stays", "pw").await;
    let mut ws = login_user(&platform, &user.token).await;
    assert_eq!(ws.frame_within(Duration::from_millis(400)).await, None);
    assert!(ws.request(moobius::protocol::Frame::Heartbeat).await.status, "still open");
    platform.stop().await;
}

async fn raw_http(platform: &moobius::platform::PlatformHandle, request: &[u8]) -> (String, Duration) {
    let mut socket = tokio::net::TcpStream::connect(platform.addr()).await.unwrap();
    socket.write_all(request).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(WAIT, socket.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "no answer and no close within {WAIT:?}");
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

#[actix_rt::test]
async fn a_body_shorter_than_its_content_length_is_answered_408() {
    let config = PlatformConfig::default().http_request_timeout(Duration::from_millis(300));
    let platform = start_platform_with(config).await;
    let request = b"POST /auth/sign_in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user";
    let (answer, took) = raw_http(&platform, request).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    platform.stop().await;
}

#[actix_rt::test]
async fn headers_that_never_end_are_cut_at_the_header_timeout() {
    let config = PlatformConfig::default().http_header_timeout(Duration::from_millis(300));
    let platform = start_platform_with(config).await;
    let (answer, took) = raw_http(&platform, b"POST /auth/sign_in HTTP/1.1\r\nHost: x\r\n").await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    platform.stop().await;
}

#[actix_rt::test]
async fn a_body_over_the_limit_is_refused() {
    let platform = start_platform_with(PlatformConfig::default().http_body_limit(1024)).await;
    let big = "x".repeat(4096);
    let (status, body) =
        http_post(&platform, "/auth/sign_in", None, serde_json::json!({"username": big, "password": "pw"}))
            .await;
    assert!((400..500).contains(&status), "{status} {body}");
    platform.stop().await;
}
