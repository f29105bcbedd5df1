//! The router: a group lookup in one channel delays no other channel, and the order within a
//! channel is kept.

use crate::support::service::{User, config_with_channels};
use crate::support::start_platform;
use moobius::prelude::*;
use tokio::sync::mpsc;

/// An HTTP proxy in front of the platform that holds every group lookup (`GET /service/group`)
/// while its gate is closed: a slow HTTP API, controlled by the test.
struct GatedHttp {
    url: String,
    gate: tokio::sync::watch::Sender<bool>,
    server: actix_web::dev::ServerHandle,
}

struct Upstream {
    base: String,
    gate: tokio::sync::watch::Receiver<bool>,
}

async fn forward(
    req: actix_web::HttpRequest,
    body: actix_web::web::Bytes,
    upstream: actix_web::web::Data<Upstream>,
) -> actix_web::HttpResponse {
    if req.path() == "/service/group" {
        let mut gate = upstream.gate.clone();
        let _ = gate.wait_for(|open| *open).await;
    }
    let url = format!("{}{}", upstream.base, req.uri().path_and_query().map_or("", |p| p.as_str()));
    let mut forwarded = awc::Client::default().request(req.method().clone(), url);
    for (name, value) in req.headers() {
        if name != "host" {
            forwarded = forwarded.insert_header((name.clone(), value.clone()));
        }
    }
    let mut answer = forwarded.send_body(body).await.expect("the platform answers");
    let bytes = answer.body().await.expect("the platform's body");
    let mut response = actix_web::HttpResponse::build(answer.status());
    if let Some(kind) = answer.headers().get("content-type") {
        response.insert_header(("content-type", kind.clone()));
    }
    response.body(bytes)
}

impl GatedHttp {
    async fn start(platform_http: &str) -> Self {
        let (gate, rx) = tokio::sync::watch::channel(true);
        let data = actix_web::web::Data::new(Upstream {
            base: platform_http.trim_end_matches('/').to_owned(),
            gate: rx,
        });
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new().app_data(data.clone()).default_service(actix_web::web::to(forward))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        Self { url, gate, server: handle }
    }
}

#[actix_rt::test]
async fn a_group_lookup_in_one_channel_delays_no_other_channel_and_order_within_it_is_kept() {
    let platform = start_platform().await;
    let gated = GatedHttp::start(&platform.http_url()).await;
    let mut wand = Wand::new();
    let (mut config, _) = config_with_channels(&platform, "lookups", 2).await;
    config.service.http_server_uri = gated.url.clone();
    let (tx, mut heard) = mpsc::unbounded_channel();
    let service = wand
        .start(ServiceBuilder::new(config, move |_| crate::support::service::Recorder(tx.clone())))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let [a, b] = [service.channels()[0].clone(), service.channels()[1].clone()];
    let id = service.service_id().clone();
    let alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);
    let text = |channel: &ChannelId, text: &str| {
        crate::support::service::Heard::Text(channel.clone(), alice.id(), text.to_owned())
    };
    let mut next_text = async || loop {
        match crate::support::service::heard(&mut heard, "a message").await {
            crate::support::service::Heard::Join(..) => {}
            other => break other,
        }
    };
    // B's recipient group is looked up once, with the gate open; then it is cached.
    alice.say(&b, "b0", &id);
    assert_eq!(next_text().await, text(&b, "b0"));

    // A's first message needs a lookup, held at the gate; A's second waits behind it; B's passes.
    gated.gate.send_replace(false);
    alice.say(&a, "a1", &id);
    alice.say(&a, "a2", &id);
    alice.say(&b, "b1", &id);
    assert_eq!(next_text().await, text(&b, "b1"), "channel B is not held behind A's lookup");
    gated.gate.send_replace(true);
    assert_eq!(next_text().await, text(&a, "a1"));
    assert_eq!(next_text().await, text(&a, "a2"), "order within channel A is kept");
    wand.shutdown().await;
    gated.server.stop(true).await;
}
