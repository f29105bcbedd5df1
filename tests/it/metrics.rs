//! Metrics and health: a wand's `/metrics`, `/healthz` and `/readyz`, and the local platform's
//! `/metrics`, scraped while traffic flows; the counters move as the traffic does (messages,
//! a sever and the reconnect after it, a failing channel actor, refusals).

use crate::support::metrics::{Metrics, get_text, scrape};
use crate::support::service::{User, config};
use crate::support::{WAIT, WsClient, eventually, start_platform};
use moobius::prelude::*;
use moobius::protocol::Frame;
use moobius::service::{ServiceContext as Cx, SupervisionKind};

/// Echoes every text, and fails on `boom`.
struct Echo;

impl Service for Echo {
    fn on_message_up(&mut self, message: ChatMessage, cx: &mut Cx<'_, Self>) -> ServiceResult {
        if message.text() == Some("boom") {
            return Err("boom".into());
        }
        cx.send_message(message.content, message.sender);
        Ok(())
    }
}

/// Scrapes `base` every 10 ms until `condition` holds on a scrape, as [`eventually`] does for
/// state without an event of its own (the counters move asynchronously); panics after [`WAIT`].
async fn scrape_until(base: &str, what: &str, condition: impl Fn(&Metrics) -> bool) -> Metrics {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(10));
    loop {
        let scraped = scrape(base).await;
        if condition(&scraped) {
            return scraped;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {what} within {WAIT:?}; last scrape:\n{}",
            scraped.0
        );
        tick.tick().await;
    }
}

#[actix_rt::test]
async fn metrics_follow_messages_a_sever_and_a_failing_actor() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let addr = wand.serve_metrics("127.0.0.1:0".parse().unwrap()).await.expect("metrics are served");
    let base = format!("http://{addr}");
    assert_eq!(get_text(&format!("{base}/healthz")).await, (200, "ok\n".to_owned()));
    let (status, why) = get_text(&format!("{base}/readyz")).await;
    assert_eq!((status, why.as_str()), (503, "no service started yet\n"));

    let echo = wand.start(ServiceBuilder::new(config(&platform, "metrics-echo"), |_| Echo)).await.unwrap();
    echo.ready().await.unwrap();
    let id = echo.service_id().clone();
    let svc = id.as_str();
    let channel = echo.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "metrics-alice", std::slice::from_ref(&channel)).await;
    let alice_id = alice.id().to_string();
    alice.join(&channel);
    const N: usize = 5;
    for i in 0..N {
        alice.say(&channel, &format!("hello {i}"), &id);
    }
    for i in 0..N {
        assert_eq!(alice.text("an echo").await, format!("hello {i}"));
    }
    let (status, body) = get_text(&format!("{base}/readyz")).await;
    assert_eq!((status, body.as_str()), (200, "ready\n"));

    let m = scrape_until(&base, "every frame acknowledged", |m| {
        let of = |name, who| m.value(name, &[("service", who)]);
        of("moobius_frames_acknowledged_total", svc) == of("moobius_frames_sent_total", svc)
            && of("moobius_frames_acknowledged_total", &alice_id)
                == of("moobius_frames_sent_total", &alice_id)
    })
    .await;
    let svc_label = [("service", svc)];
    assert_eq!(
        m.value("moobius_events_received_total", &[("service", svc), ("type", "message_up")]),
        N as f64
    );
    assert_eq!(
        m.value("moobius_events_received_total", &[("service", &alice_id), ("type", "message_down")]),
        N as f64
    );
    assert!(m.value("moobius_frames_sent_total", &svc_label) >= N as f64, "the echoes were sent");
    assert!(
        m.value("moobius_frames_sent_total", &[("service", &alice_id)]) >= (N + 1) as f64,
        "alice sent a join and {N} messages"
    );
    assert_eq!(m.value("moobius_frames_refused_total", &svc_label), 0.0);
    assert_eq!(m.value("moobius_connects_total", &svc_label), 1.0);
    assert_eq!(m.sum("moobius_reconnects_total", &svc_label), 0.0);
    assert_eq!(m.value("moobius_connection_state", &[("service", svc), ("state", "connected")]), 1.0);
    assert_eq!(m.value("moobius_connection_state", &[("service", svc), ("state", "backing_off")]), 0.0);
    assert_eq!(m.value("moobius_channel_actors", &[("service", svc), ("state", "running")]), 1.0);
    assert!(m.value("moobius_http_calls_total", &svc_label) > 0.0, "start-up made HTTP calls");
    assert!(m.value("moobius_group_cache_misses_total", &svc_label) >= 1.0, "the first reply made a group");
    assert!(
        m.value("moobius_group_cache_hits_total", &svc_label) >= (N - 1) as f64,
        "later replies hit the cache"
    );

    // The platform counted the same traffic.
    let pm = scrape(&platform.http_url()).await;
    assert_eq!(pm.value("moobius_platform_frames_received_total", &[("type", "message_up")]), N as f64);
    assert!(pm.value("moobius_platform_frames_received_total", &[("type", "message_down")]) >= N as f64);
    assert_eq!(pm.value("moobius_platform_connections_open", &[]), 2.0);
    assert_eq!(pm.value("moobius_platform_logins_total", &[("kind", "service")]), 1.0);
    assert_eq!(pm.value("moobius_platform_logins_total", &[("kind", "user")]), 1.0);

    // A sever: both reconnect, and each reconnect is counted under the reason of its drop.
    platform.sever_all();
    let m = scrape_until(&base, "the service's reconnect", |m| {
        m.sum("moobius_reconnects_total", &svc_label) == 1.0
            && m.sum("moobius_reconnects_total", &[("service", &alice_id)]) == 1.0
            && m.get("moobius_connection_state", &[("service", &alice_id), ("state", "connected")])
                == Some(1.0)
            && m.get("moobius_connection_state", &[("service", svc), ("state", "connected")]) == Some(1.0)
    })
    .await;
    // The platform shuts the socket down (FIN, no close frame): the client reads the end of
    // the stream, a drop of class `closed`.
    assert_eq!(m.value("moobius_disconnects_total", &[("service", svc), ("reason", "closed")]), 1.0);
    assert_eq!(m.value("moobius_reconnects_total", &[("service", svc), ("reason", "closed")]), 1.0);
    assert_eq!(m.value("moobius_reconnects_total", &[("service", &alice_id), ("reason", "closed")]), 1.0);
    assert_eq!(m.value("moobius_connects_total", &svc_label), 1.0, "a reconnect is not a first connect");
    let pm = scrape(&platform.http_url()).await;
    assert_eq!(pm.value("moobius_platform_connections_closed_total", &[("reason", "severed")]), 2.0);
    assert_eq!(pm.value("moobius_platform_logins_total", &[("kind", "service")]), 2.0);
    let (status, _) = get_text(&format!("{base}/readyz")).await;
    assert_eq!(status, 200, "ready again after the reconnect");

    // A failing channel actor: one failure, one restart, and it runs again.
    let mut supervision = echo.supervision();
    alice.say(&channel, "boom", &id);
    let notice = tokio::time::timeout(WAIT, supervision.recv()).await.expect("a supervision notice").unwrap();
    assert!(matches!(notice.kind, SupervisionKind::Restarting { .. }), "{notice:?}");
    alice.say(&channel, "after", &id);
    assert_eq!(alice.text("the echo after the restart").await, "after");
    let m = scrape(&base).await;
    assert_eq!(m.value("moobius_channel_actor_failures_total", &svc_label), 1.0);
    assert_eq!(m.value("moobius_channel_actor_restarts_total", &svc_label), 1.0);
    assert_eq!(m.value("moobius_channel_actors", &[("service", svc), ("state", "running")]), 1.0);
    assert_eq!(
        m.value("moobius_events_received_total", &[("service", svc), ("type", "message_up")]),
        (N + 2) as f64,
        "every message_up exactly once, across the reconnect"
    );
    wand.shutdown().await;
}

#[actix_rt::test]
async fn readyz_names_the_service_that_is_not_logged_in() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let addr = wand.serve_metrics("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let readyz = format!("http://{addr}/readyz");
    // Paused, the platform answers HTTP (start-up signs in and binds) but no login.
    platform.pause(true);
    let echo = wand.start(ServiceBuilder::new(config(&platform, "metrics-paused"), |_| Echo)).await.unwrap();
    let (status, why) = get_text(&readyz).await;
    assert_eq!(status, 503);
    assert!(why.contains(&format!("service {}", echo.service_id())), "{why}");
    platform.pause(false);
    echo.ready().await.unwrap();
    assert_eq!(get_text(&readyz).await.0, 200);
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_platform_counts_refusals_and_frames_by_type() {
    let platform = start_platform().await;
    let before = scrape(&platform.http_url()).await;
    assert_eq!(before.value("moobius_platform_connections_opened_total", &[]), 0.0);
    let mut ws = WsClient::connect(&platform).await;
    ws.send_binary(b"not json").await;
    ws.send_text("{ not json").await;
    let _ = ws.next_text().await;
    let _ = ws.next_text().await;
    ws.send_frame(Frame::Heartbeat).await;
    let _ = ws.next_text().await;
    let m = scrape(&platform.http_url()).await;
    assert_eq!(m.value("moobius_platform_connections_opened_total", &[]), 1.0);
    assert_eq!(m.value("moobius_platform_connections_unauthenticated", &[]), 1.0);
    assert_eq!(m.value("moobius_platform_refusals_total", &[("reason", "binary")]), 1.0);
    assert_eq!(m.value("moobius_platform_refusals_total", &[("reason", "malformed")]), 1.0);
    assert_eq!(m.value("moobius_platform_refusals_total", &[("reason", "not_logged_in")]), 1.0);
    assert_eq!(m.value("moobius_platform_frames_received_total", &[("type", "heartbeat")]), 1.0);
    assert_eq!(m.value("moobius_platform_frames_sent_total", &[]), 3.0);
    ws.close().await;
    eventually(WAIT, "the close counted", || platform.open_connections() == 0).await;
    let m = scrape(&platform.http_url()).await;
    assert_eq!(m.value("moobius_platform_connections_closed_total", &[("reason", "client")]), 1.0);
}
