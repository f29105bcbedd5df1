//! Nothing lost, nothing doubled, nothing reordered: thousands of frames through the client
//! runtime while the local platform cuts every connection, in both directions.
#![cfg(feature = "platform")]

use crate::support::client::{Events, fast, message_text, user_runtime_with};
use crate::support::{WAIT, world};
use moobius::client::{ClientEvent, Identity, Lifecycle};
use moobius::protocol::{Frame, MessageContent};
use rand::Rng;
use std::time::Duration;

/// Collects the texts of `count` messages; calls `at(received)` after each one.
async fn collect(events: &mut Events, count: usize, mut at: impl FnMut(usize)) -> Vec<String> {
    let mut texts = Vec::with_capacity(count);
    while texts.len() < count {
        let event = events.wait_for(WAIT, "the next message", |e| message_text(e).is_some()).await;
        texts.push(message_text(&event).unwrap_or_default().to_owned());
        at(texts.len());
    }
    texts
}

fn numbered(count: usize) -> Vec<String> {
    (0..count).map(|i| i.to_string()).collect()
}

#[actix_rt::test]
async fn ten_thousand_message_downs_arrive_once_and_in_order_across_three_severs() {
    const COUNT: usize = 10_000;
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let (service, mut service_events) = user_runtime_with(
        fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token).queue_capacity(2 * COUNT),
    );
    let (user, mut user_events) = user_runtime_with(fast(&platform.ws_url(), Identity::User, &w.user.token));
    service_events.logged_in().await;
    user_events.logged_in().await;

    for i in 0..COUNT {
        service.send(w.say(i.to_string())).expect("the queue accepts all of them");
    }
    // Three severs at random points of the stream.
    let mut cuts: Vec<usize> = (0..3).map(|_| rand::rng().random_range(200..COUNT - 200)).collect();
    cuts.sort_unstable();
    let mut next_cut = 0;
    let texts = collect(&mut user_events, COUNT, |received| {
        if next_cut < cuts.len() && received >= cuts[next_cut] {
            platform.sever_all();
            next_cut += 1;
        }
    })
    .await;
    assert_eq!(next_cut, 3, "all three severs happened");
    assert_eq!(texts, numbered(COUNT), "every message exactly once, in order");

    let report = service.shutdown().await;
    assert_eq!(report.unacknowledged, 0, "{report:?}");
    assert_eq!(report.counters.refused, 0, "{report:?}");
    // No straggler duplicates either.
    let _ = user.shutdown_within(Duration::from_secs(2)).await;
    while let Ok(event) = user_events.0.try_recv() {
        assert!(message_text(&event).is_none(), "a duplicate arrived late: {event:?}");
    }
}

#[actix_rt::test]
async fn five_thousand_message_ups_reach_the_service_once_and_in_order_while_it_is_severed() {
    const COUNT: usize = 5_000;
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let (service, mut service_events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    let (user, mut user_events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::User, &w.user.token).queue_capacity(2 * COUNT));
    service_events.logged_in().await;
    user_events.logged_in().await;

    // Sever every 0.5 to 1.5 s until the service has everything (the schedule of the fault, not
    // a synchronisation: nothing waits on it).
    let cutter = {
        let platform = platform.clone();
        actix_rt::spawn(async move {
            loop {
                let pause = rand::rng().random_range(500..1500);
                tokio::time::sleep(Duration::from_millis(pause)).await;
                platform.sever_all();
            }
        })
    };
    // The users send at a steady pace over about 4 s, so several severs fall inside the stream
    // (a workload schedule; the test waits only on events).
    let sender = {
        let (user, w) = (
            user.client(),
            (w.user.user_id.clone(), w.service_id.clone(), w.channel_id.clone(), w.user_group.clone()),
        );
        actix_rt::spawn(async move {
            let mut pace = tokio::time::interval(Duration::from_millis(40));
            for batch in 0..COUNT / 50 {
                pace.tick().await;
                for i in batch * 50..(batch + 1) * 50 {
                    let content = MessageContent::text(i.to_string());
                    let frame =
                        Frame::message_up(w.0.clone(), w.1.clone(), w.2.clone(), content, w.3.clone())
                            .unwrap();
                    user.send(frame).expect("the queue accepts all of them");
                }
            }
        })
    };
    let mut reconnects = 0;
    let mut texts = Vec::with_capacity(COUNT);
    // One deadline for the whole stream: reconnect events keep arriving, so a per-event wait
    // would never expire if a message were missing.
    let deadline = tokio::time::Instant::now() + WAIT;
    while texts.len() < COUNT {
        let event = tokio::time::timeout_at(deadline, service_events.next()).await.unwrap_or_else(|_| {
            panic!("only {} of {COUNT} message_ups within {WAIT:?}; last: {:?}", texts.len(), texts.last())
        });
        match message_text(&event) {
            Some(text) => texts.push(text.to_owned()),
            None if matches!(*event, ClientEvent::Lifecycle(Lifecycle::Reconnected)) => reconnects += 1,
            None => {}
        }
    }
    cutter.abort();
    sender.await.unwrap();
    assert_eq!(texts, numbered(COUNT), "every message_up exactly once, in order");
    assert!(reconnects >= 2, "the service was severed during the stream ({reconnects} reconnects)");
    let dropped = service.counters().duplicates_dropped;
    eprintln!("service reconnected {reconnects} times, dropped {dropped} duplicate events");

    let report = user.shutdown().await;
    assert_eq!(report.unacknowledged, 0, "{report:?}");
    let _ = service.shutdown_within(Duration::from_secs(2)).await;
    while let Ok(event) = service_events.0.try_recv() {
        assert!(message_text(&event).is_none(), "a duplicate arrived late: {event:?}");
    }
}

#[actix_rt::test]
async fn events_no_longer_held_on_resume_become_a_resume_gap_event() {
    use moobius::client::SharedToken;
    use moobius::platform::PlatformConfig;
    let platform = crate::support::start_platform_with(
        PlatformConfig::default().replay_events(5).replay_age(Duration::ZERO),
    )
    .await;
    let w = world(&platform).await;
    let (service, mut service_events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    let token = SharedToken::new(w.user.token.as_str());
    let user_config =
        moobius::client::ClientConfig::builder(platform.ws_url(), Identity::User, token.clone());
    let (user, mut user_events) = user_runtime_with(
        user_config
            .backoff_base(Duration::from_millis(10))
            .backoff_cap(Duration::from_millis(100))
            .max_login_refusals(u32::MAX),
    );
    service_events.logged_in().await;
    user_events.logged_in().await;
    let say = |i: usize| w.say(i.to_string());
    service.send(say(0)).unwrap();
    user_events.wait_for(WAIT, "the first message", |e| message_text(e) == Some("0")).await;
    assert_eq!(user.last_seq(), 1);

    // The user cannot log in again for a while (its token is wrong), so it misses 20 events.
    token.replace("a-wrong-token");
    platform.sever_all();
    user_events
        .wait_for(WAIT, "a refused re-login", |e| {
            matches!(e, ClientEvent::Error(err) if matches!(err.kind(), moobius::client::ClientErrorKind::LoginRefused { .. }))
        })
        .await;
    service_events.logged_in().await;
    for i in 1..=20 {
        service.send(say(i)).unwrap();
    }
    crate::support::eventually(WAIT, "the 20 messages acknowledged", || {
        service.counters().unacknowledged() == 0
    })
    .await;

    token.replace(w.user.token.as_str());
    let gap = user_events.wait_for(WAIT, "the resume gap", |e| matches!(e, ClientEvent::ResumeGap(_))).await;
    let ClientEvent::ResumeGap(gap) = &*gap else { unreachable!() };
    assert_eq!((gap.from_seq, gap.to_seq), (2, 16), "seq 2..=16 are gone, 17..=21 are held");
    for i in 16..=20 {
        let got = user_events.wait_for(WAIT, "a replayed message", |e| message_text(e).is_some()).await;
        assert_eq!(message_text(&got), Some(i.to_string().as_str()));
    }
    assert_eq!(user.last_seq(), 21);
}

#[actix_rt::test]
async fn a_message_sent_while_a_runtime_that_handled_nothing_yet_was_away_arrives_once_on_its_return() {
    use moobius::client::{ClientConfig, ClientErrorKind, SharedToken};
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;
    let (service, mut service_events) =
        user_runtime_with(fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token));
    let token = SharedToken::new(w.user.token.as_str());
    let (user, mut user_events) = user_runtime_with(
        ClientConfig::builder(platform.ws_url(), Identity::User, token.clone())
            .backoff_base(Duration::from_millis(10))
            .backoff_cap(Duration::from_millis(100))
            .max_login_refusals(u32::MAX),
    );
    service_events.logged_in().await;
    user_events.logged_in().await;
    assert_eq!(user.last_seq(), 0, "the user has handled no event yet");
    let say = |text: &str| w.say(text);

    // Kept away (its re-logins are refused) until the message has been accepted for it.
    token.replace("a-wrong-token");
    platform.sever_all();
    user_events
        .wait_for(WAIT, "a refused re-login", |e| {
            matches!(e, ClientEvent::Error(err) if matches!(err.kind(), ClientErrorKind::LoginRefused { .. }))
        })
        .await;
    service_events.logged_in().await;
    // Counted, not `unacknowledged() == 0`: that also holds before the queue has taken the frame.
    let acknowledged = service.counters().acknowledged;
    service.send(say("sent while away")).unwrap();
    crate::support::eventually(WAIT, "the message acknowledged", || {
        service.counters().acknowledged > acknowledged
    })
    .await;

    token.replace(w.user.token.as_str());
    user_events.logged_in().await;
    // A marker sent after the return: anything before it (a loss, a duplicate) shows.
    service.send(say("sent after the return")).unwrap();
    let mut texts = Vec::new();
    while texts.last().map(String::as_str) != Some("sent after the return") {
        let event = user_events.wait_for(WAIT, "the marker", |e| message_text(e).is_some()).await;
        texts.push(message_text(&event).unwrap_or_default().to_owned());
    }
    assert_eq!(
        texts,
        ["sent while away", "sent after the return"],
        "the missed message once, then the marker"
    );
    assert_eq!(user.last_seq(), 2);

    let _ = service.shutdown_within(Duration::from_secs(2)).await;
    let _ = user.shutdown_within(Duration::from_secs(2)).await;
    while let Ok(event) = user_events.0.try_recv() {
        assert!(message_text(&event).is_none(), "a duplicate arrived late: {event:?}");
    }
}
