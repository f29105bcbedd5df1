//! A WebSocket proxy between a client and the local platform that can inject raw text frames
//! into what the client receives: the platform itself only sends valid frames, and a test of
//! malformed inbound frames needs some on a live, logged-in connection.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use awc::ws;
use futures_util::{SinkExt as _, StreamExt as _};
use std::net::SocketAddr;
use tokio::sync::broadcast;

/// A running proxy.
pub struct Proxy {
    addr: SocketAddr,
    inject: broadcast::Sender<String>,
    server: actix_web::dev::ServerHandle,
}

struct Upstream {
    url: String,
    inject: broadcast::Sender<String>,
}

impl Proxy {
    /// Starts a proxy on 127.0.0.1:0 in front of `upstream_ws_url`.
    pub async fn start(upstream_ws_url: &str) -> Self {
        let (inject, _) = broadcast::channel(1024);
        let data = web::Data::new(Upstream { url: upstream_ws_url.to_owned(), inject: inject.clone() });
        let server =
            HttpServer::new(move || App::new().app_data(data.clone()).route("/ws", web::get().to(relay)))
                .workers(1)
                .disable_signals()
                .bind("127.0.0.1:0")
                .expect("the proxy binds");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Self { addr, inject, server: handle }
    }

    /// `ws://ADDR/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Sends `text` as a text frame to every client connected through the proxy.
    pub fn inject(&self, text: &str) {
        let _ = self.inject.send(text.to_owned());
    }

    /// Stops the proxy.
    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

async fn relay(
    req: HttpRequest,
    body: web::Payload,
    upstream: web::Data<Upstream>,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, mut session, client_stream) = actix_ws::handle(&req, body)?;
    let mut client_stream = client_stream.max_frame_size(16 * 1024 * 1024);
    let (_, framed) = awc::Client::new()
        .ws(upstream.url.as_str())
        .max_frame_size(16 * 1024 * 1024)
        .connect()
        .await
        .map_err(|e| actix_web::error::ErrorBadGateway(e.to_string()))?;
    let (mut up_sink, mut up_stream) = framed.split();
    let mut injected = upstream.inject.subscribe();
    actix_rt::spawn(async move {
        loop {
            tokio::select! {
                from_client = client_stream.next() => match from_client {
                    Some(Ok(actix_ws::Message::Text(text))) => {
                        if up_sink.send(ws::Message::Text(text)).await.is_err() { break }
                    }
                    Some(Ok(actix_ws::Message::Ping(p))) => { let _ = session.pong(&p).await; }
                    Some(Ok(actix_ws::Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                from_platform = up_stream.next() => match from_platform {
                    Some(Ok(ws::Frame::Text(bytes))) => {
                        let Ok(text) = String::from_utf8(bytes.to_vec()) else { break };
                        if session.text(text).await.is_err() { break }
                    }
                    Some(Ok(ws::Frame::Ping(p))) => { let _ = up_sink.send(ws::Message::Pong(p)).await; }
                    Some(Ok(ws::Frame::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                text = injected.recv() => match text {
                    Ok(text) => if session.text(text).await.is_err() { break },
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
        let _ = session.close(None).await;
        let _ = up_sink.close().await;
    });
    Ok(response)
}
