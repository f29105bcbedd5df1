//! The connection's promises against the local platform: back quickly after an outage, a hung
//! platform noticed by liveness, refused logins retried with backoff then a fatal stop,
//! lifecycle events in order, malformed inbound frames survived.
#![cfg(feature = "platform")]

use crate::support::client::{fast, message_text, user_runtime_with};
use crate::support::fault_proxy::TcpProxy;
use crate::support::{WAIT, world};
use moobius::client::{ClientErrorKind, ClientEvent, ConnectionState, Identity, Lifecycle};
use moobius::protocol::{Frame, MessageContent};
use std::time::{Duration, Instant};

fn lifecycle(event: &ClientEvent) -> Option<&Lifecycle> {
    match event {
        ClientEvent::Lifecycle(lifecycle) => Some(lifecycle),
        _ => None,
    }
}

#[actix_rt::test]
async fn after_a_two_second_outage_the_client_is_back_within_a_second_and_nothing_is_lost() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let (service, mut service_events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    let (_user, mut user_events) = user_runtime_with(fast(&platform.ws_url(), Identity::User, &w.user.token));
    service_events.logged_in().await;
    user_events.logged_in().await;
    // One message before, so the user has a `seq` to resume from.
    let say = |text: &str| w.say(text);
    service.send(say("before")).unwrap();
    user_events.wait_for(WAIT, "the first message", |e| message_text(e) == Some("before")).await;

    platform.stop().await;
    service_events
        .wait_for(WAIT, "the disconnect", |e| matches!(lifecycle(e), Some(Lifecycle::Disconnected { .. })))
        .await;
    for i in 0..50 {
        service.send(say(&format!("during {i}"))).expect("accepted while disconnected");
    }
    // The outage itself lasts 2 s (the scenario, not a synchronisation).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(matches!(service.state(), ConnectionState::BackingOff { .. } | ConnectionState::Connecting));
    platform.start_again().await.expect("the platform starts again on its port");
    let reachable = Instant::now();
    service_events
        .wait_for(Duration::from_secs(1), "the re-login within 1 s", |e| {
            matches!(lifecycle(e), Some(Lifecycle::Reconnected))
        })
        .await;
    eprintln!("service logged in again {:?} after the platform was reachable", reachable.elapsed());

    for i in 0..50 {
        let expected = format!("during {i}");
        let got = user_events
            .wait_for(WAIT, "a message sent during the outage", |e| message_text(e).is_some())
            .await;
        assert_eq!(message_text(&got), Some(expected.as_str()), "in order, none lost");
    }
    let report = service.shutdown().await;
    assert_eq!(report.unacknowledged, 0, "{report:?}");
    assert!(report.counters.resent <= 50, "{report:?}");
}

#[actix_rt::test]
async fn a_paused_platform_is_noticed_within_the_liveness_limit_and_the_client_reconnects() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let limit = Duration::from_millis(600);
    let (service, mut events) = user_runtime_with(
        fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token)
            .heartbeat_interval(Duration::from_millis(100))
            .liveness_limit(limit),
    );
    events.logged_in().await;
    // A heartbeat round trip is measured while the platform answers.
    crate::support::eventually(WAIT, "a heartbeat latency", || service.latency().is_some()).await;
    assert!(service.latency().unwrap() < limit);

    platform.pause(true);
    let paused = Instant::now();
    let lost = events
        .wait_for(limit + Duration::from_secs(1), "the liveness disconnect", |e| {
            matches!(lifecycle(e), Some(Lifecycle::Disconnected { .. }))
        })
        .await;
    let noticed = paused.elapsed();
    let Some(Lifecycle::Disconnected { reason }) = lifecycle(&lost) else { unreachable!() };
    assert!(reason.contains("nothing received"), "{reason}");
    eprintln!("noticed the hung platform after {noticed:?} (limit {limit:?})");

    platform.pause(false);
    events.wait_for(WAIT, "the reconnect", |e| matches!(lifecycle(e), Some(Lifecycle::Reconnected))).await;
    assert_eq!(service.state(), ConnectionState::Connected);
}

#[actix_rt::test]
async fn refused_logins_are_reported_retried_with_backoff_then_stop_for_good() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let (service, mut events) = user_runtime_with(
        fast(&platform.ws_url(), Identity::service(&w.service_id), "not-a-valid-token").max_login_refusals(3),
    );
    let mut refusals = Vec::new();
    let mut backoffs = Vec::new();
    let fatal = loop {
        let event = events.next().await;
        match &*event {
            ClientEvent::Error(error) => match error.kind() {
                ClientErrorKind::LoginRefused { reason, refusals: n } => refusals.push((reason.clone(), *n)),
                ClientErrorKind::TooManyRefusals { reason, refusals: n } => break (reason.clone(), *n),
                other => panic!("unexpected error {other:?}"),
            },
            ClientEvent::Lifecycle(Lifecycle::State(ConnectionState::BackingOff { attempt })) => {
                backoffs.push(*attempt)
            }
            ClientEvent::Lifecycle(Lifecycle::Connected | Lifecycle::Reconnected) => {
                panic!("logged in with a bad token")
            }
            _ => {}
        }
    };
    assert_eq!(refusals.iter().map(|r| r.1).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(!refusals[0].0.is_empty() && refusals[0].0 != "no reason given", "{refusals:?}");
    assert_eq!(backoffs, [1, 2], "each retry waits out the next backoff step");
    assert_eq!(fatal.1, 3);
    assert_eq!(fatal.0, refusals[2].0, "the fatal error names the platform's reason");

    events
        .wait_for(WAIT, "the fatal stop", |e| {
            matches!(lifecycle(e), Some(Lifecycle::Stopped { fatal: Some(_) }))
        })
        .await;
    assert_eq!(service.state(), ConnectionState::Stopped);
    let reason = service.fatal_error().expect("a fatal error is recorded");
    assert!(reason.contains(&fatal.0), "{reason}");
    let err = service.send(Frame::heartbeat()).unwrap_err();
    assert_eq!(err.kind(), &ClientErrorKind::Closed);
    let logins = platform
        .traffic()
        .connections
        .iter()
        .filter(|c| c.refused.iter().any(|r| r.origin_type == "service_login"))
        .count();
    assert_eq!(logins, 3, "exactly three login attempts reached the platform");
}

#[actix_rt::test]
async fn lifecycle_events_arrive_in_order_around_a_severed_connection() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let (service, mut events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    let mut seen = Vec::new();
    loop {
        let event = events.next().await;
        if let Some(lifecycle) = lifecycle(&event) {
            seen.push(lifecycle.clone());
            if *lifecycle == Lifecycle::Connected {
                platform.sever_all();
            }
            if *lifecycle == Lifecycle::Reconnected {
                break;
            }
        }
    }
    let milestones: Vec<&Lifecycle> = seen.iter().filter(|l| !matches!(l, Lifecycle::State(_))).collect();
    assert!(
        matches!(
            milestones.as_slice(),
            [Lifecycle::Connected, Lifecycle::Disconnected { .. }, Lifecycle::Reconnected]
        ),
        "{milestones:?}"
    );
    let states: Vec<&ConnectionState> =
        seen.iter().filter_map(|l| if let Lifecycle::State(s) = l { Some(s) } else { None }).collect();
    assert_eq!(
        states,
        [
            &ConnectionState::Connecting,
            &ConnectionState::LoggingIn,
            &ConnectionState::Connected,
            &ConnectionState::BackingOff { attempt: 1 },
            &ConnectionState::Connecting,
            &ConnectionState::LoggingIn,
            &ConnectionState::Connected,
        ]
    );
    // The milestones come right after the state they announce.
    let position = |wanted: &Lifecycle| seen.iter().position(|l| l == wanted).unwrap();
    assert!(position(&Lifecycle::Connected) > 2 && position(&Lifecycle::Reconnected) == seen.len() - 1);
    let report = service.shutdown().await;
    assert_eq!(report.unacknowledged, 0);
}

#[actix_rt::test]
async fn malformed_inbound_frames_become_error_events_and_the_connection_stays_up() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let proxy = TcpProxy::start(platform.addr()).await;
    let (service, mut events) =
        user_runtime_with(fast(&proxy.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    events.logged_in().await;

    let dir = crate::support::vectors_dir();
    let vectors = std::fs::read_to_string(dir.join("malformed.jsonl"))
        .unwrap_or_else(|e| panic!("the malformed vectors in {}: {e}", dir.display()));
    let texts: Vec<String> = vectors
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_owned())
        .collect();
    assert!(texts.len() >= 5, "{} vectors", texts.len());
    for text in &texts {
        proxy.inject_text(text);
    }
    for _ in &texts {
        let event = events.next().await;
        match &*event {
            ClientEvent::Error(error) => {
                assert!(matches!(error.kind(), ClientErrorKind::Malformed { .. }), "{error}");
                assert!(!error.to_string().is_empty());
            }
            other => panic!("expected a malformed-frame error, got {other:?}"),
        }
    }
    // Still the same connection: a user's message arrives with no disconnect before it.
    let mut user = crate::support::login_user(&platform, &w.user.token).await;
    user.send_frame(
        Frame::message_up(
            w.user.user_id.clone(),
            w.service_id.clone(),
            w.channel_id.clone(),
            MessageContent::text("after"),
            w.user_group.clone(),
        )
        .unwrap(),
    )
    .await;
    loop {
        let event = events.next().await;
        assert!(
            !matches!(lifecycle(&event), Some(Lifecycle::Disconnected { .. } | Lifecycle::State(_))),
            "the connection changed: {event:?}"
        );
        if message_text(&event) == Some("after") {
            break;
        }
    }
    assert_eq!(service.state(), ConnectionState::Connected);
    drop(proxy);
}

#[actix_rt::test]
async fn a_failed_tls_handshake_is_a_transport_error_retried_with_backoff() {
    // wss:// against the plain-text local platform: rustls (web PKI roots) is set up, the
    // handshake fails, and the failure is reported and retried, never a panic or a hot loop.
    let platform = crate::support::start_platform().await;
    let url = format!("wss://{}/ws", platform.addr());
    let (runtime, mut events) = user_runtime_with(fast(&url, Identity::User, "token"));
    for attempt in 1..=2 {
        let event = events
            .wait_for(WAIT, "a transport error", |e| {
                matches!(e, ClientEvent::Error(err) if matches!(err.kind(), ClientErrorKind::Transport { .. }))
            })
            .await;
        let ClientEvent::Error(error) = &*event else { unreachable!() };
        assert!(error.to_string().contains("wss://"), "{error}");
        events
            .wait_for(WAIT, "the backoff", |e| {
                matches!(lifecycle(e), Some(Lifecycle::State(ConnectionState::BackingOff { attempt: a })) if *a == attempt)
            })
            .await;
    }
    let client = runtime.client();
    let report = runtime.shutdown_within(Duration::from_millis(100)).await;
    assert_eq!(report.unacknowledged, 0);
    assert_eq!(client.state(), ConnectionState::Stopped);
}
