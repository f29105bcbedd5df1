//! The WebSocket upgrade on raw TCP: frames sent right behind the handshake request are read,
//! a GET that asks for no upgrade and an upgrade at an unknown path are refused with a JSON
//! error, and a client's close is answered with a close before the socket closes.
#![cfg(feature = "platform")]

use crate::support::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const UPGRADE: &str = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
                       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

/// A client's frame: final, masked (as RFC 6455 requires of clients), `opcode` and `payload`.
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        len if len < 126 => out.push(0x80 | len as u8),
        len => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

/// Reads until `buf` holds a whole HTTP head; returns the head and leaves what follows in `buf`.
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> String {
    let within = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                buf.drain(..end + 4);
                return head;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "closed before a whole head; got {:?}", String::from_utf8_lossy(buf));
            buf.extend_from_slice(&chunk[..n]);
        }
    });
    within.await.expect("an HTTP head within WAIT")
}

/// Reads everything until the peer closes (within WAIT).
async fn read_to_end(stream: &mut TcpStream, buf: &mut Vec<u8>) {
    tokio::time::timeout(WAIT, stream.read_to_end(buf)).await.expect("closed within WAIT").expect("read");
}

/// Reads one server frame (unmasked): its opcode and payload.
async fn server_frame(stream: &mut TcpStream, buf: &mut Vec<u8>) -> (u8, Vec<u8>) {
    let within = tokio::time::timeout(WAIT, async {
        loop {
            if buf.len() >= 2 {
                assert_eq!(buf[1] & 0x80, 0, "a server's frame is not masked");
                let (len, start) = match buf[1] & 0x7f {
                    126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
                    127 => panic!("no frame here is that long"),
                    126 => (usize::MAX, 0),
                    len => (len as usize, 2),
                };
                if len != usize::MAX && buf.len() >= start + len {
                    let opcode = buf[0] & 0x0f;
                    let payload = buf[start..start + len].to_vec();
                    buf.drain(..start + len);
                    return (opcode, payload);
                }
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.expect("read");
            assert!(n > 0, "closed before a whole frame");
            buf.extend_from_slice(&chunk[..n]);
        }
    });
    within.await.expect("a frame within WAIT")
}

#[actix_rt::test]
async fn frames_sent_right_behind_the_handshake_are_read_and_a_close_is_answered() {
    let platform = start_platform().await;
    let mut stream = TcpStream::connect(platform.addr()).await.unwrap();
    let mut request = format!("GET /ws HTTP/1.1\r\nHost: {}\r\n{UPGRADE}\r\n", platform.addr()).into_bytes();
    // In the same write as the request: a heartbeat before login, which is refused by receipt.
    request.extend(client_frame(0x1, br#"{"type":"heartbeat","request_id":"early","body":{}}"#));
    stream.write_all(&request).await.unwrap();
    let mut buf = Vec::new();
    let head = read_head(&mut stream, &mut buf).await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
        "{head}"
    );
    let (opcode, payload) = server_frame(&mut stream, &mut buf).await;
    let text = String::from_utf8(payload).unwrap();
    assert_eq!(opcode, 0x1, "{text}");
    assert!(text.contains(r#""request_id":"early""#) && text.contains(r#""status":false"#), "{text}");
    assert!(text.contains("log in first"), "{text}");

    // The closing handshake: our close is answered with a close (code 1000), then the socket ends.
    stream.write_all(&client_frame(0x8, &1000u16.to_be_bytes())).await.unwrap();
    let (opcode, payload) = server_frame(&mut stream, &mut buf).await;
    assert_eq!((opcode, payload.get(..2)), (0x8, Some(&1000u16.to_be_bytes()[..])));
    read_to_end(&mut stream, &mut buf).await;
    assert!(buf.is_empty(), "nothing after the close: {buf:?}");
    eventually(WAIT, "the connection is forgotten", || platform.open_connections() == 0).await;
    platform.stop().await;
}

#[actix_rt::test]
async fn a_get_without_upgrade_and_an_upgrade_elsewhere_get_a_json_error() {
    let platform = start_platform().await;
    let cases = [
        (
            "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned(),
            "400",
            "WebSocket upgrade is expected",
        ),
        (format!("GET /nowhere HTTP/1.1\r\nHost: x\r\n{UPGRADE}\r\n"), "404", "no WebSocket at /nowhere"),
        (
            format!("POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n{UPGRADE}\r\n"),
            "405",
            "method not allowed",
        ),
        (
            "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".to_owned(),
            "400",
            "WebSocket version header is required",
        ),
    ];
    for (request, status, error) in cases {
        let mut stream = TcpStream::connect(platform.addr()).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut buf = Vec::new();
        read_to_end(&mut stream, &mut buf).await;
        let answer = String::from_utf8_lossy(&buf);
        assert!(answer.starts_with(&format!("HTTP/1.1 {status}")), "{request:?}: {answer}");
        let body = answer.split_once("\r\n\r\n").map(|(_, body)| body).unwrap_or_default();
        let json: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"));
        let message = json["error"].as_str().unwrap_or_default();
        assert!(message.contains(error), "{request:?}: {answer}");
    }
    assert_eq!(platform.open_connections(), 0);
    platform.stop().await;
}
