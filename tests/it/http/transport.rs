//! Transport failures on real sockets: a platform that refuses, one that never answers, and an
//! unexpected answer from a real (tiny) HTTP server.

use super::signed_in;
use crate::support::{WAIT, start_platform};
use moobius::http::{Credentials, HttpClient, HttpErrorKind, TokenSource};
use moobius::protocol::Secret;
use std::time::Duration;

#[actix_rt::test]
async fn an_unreachable_platform_is_a_transport_error() {
    let platform = start_platform().await;
    let client = signed_in(&platform, "pete").await;
    platform.stop().await;
    // A client with its own connection pool, so the call must connect (a keep-alive connection
    // from the sign-in may outlive `stop` for a moment; see the final report).
    let fresh = client.share().client();
    let err = fresh.list_services().await.unwrap_err();
    assert!(matches!(err.kind(), HttpErrorKind::Transport { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(err.to_string().contains("check the http url"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

#[actix_rt::test]
async fn a_silent_server_is_a_timeout() {
    // A socket that accepts and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || listener.accept().map(|(socket, _)| socket));
    let client = HttpClient::builder(url)
        .credentials(Credentials::new("quinn", "pw"))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client.sign_in().await.unwrap_err();
    assert!(
        matches!(err.kind(), HttpErrorKind::Timeout { after, .. } if *after == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(err.is_transient());
    drop(held.join());
}

/// Serves one HTTP request on a real socket with `body` (status 200, JSON) and returns the URL.
fn one_shot_server(body: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        // Read the head and the body (Content-Length) of the request.
        loop {
            let n = socket.read(&mut buf).unwrap();
            request.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&request);
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                    })
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                if request.len() >= end + 4 + length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).unwrap();
    });
    url
}

#[actix_rt::test]
async fn an_unexpected_answer_names_what_was_expected() {
    let url = one_shot_server(r#"{"code": 10000, "data": {"id": "s1"}}"#);
    let client = HttpClient::builder(url)
        .token_source(TokenSource::with_access_token(Secret::new("t")))
        .timeout(WAIT)
        .build()
        .unwrap();
    let err = client.create_service("x").await.unwrap_err();
    match err.kind() {
        HttpErrorKind::UnexpectedResponse { call, expected, detail } => {
            assert_eq!(call, "POST /service/create");
            assert_eq!(expected, "data: {service_id}");
            assert!(detail.contains("service_id"), "{detail}");
        }
        other => panic!("unexpected kind {other:?}"),
    }
}
