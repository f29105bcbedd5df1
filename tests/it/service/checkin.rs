//! The periodic check-in (`checkin_interval`, the reference SDK's `on_channel_checkin`): every
//! configured channel gets one right after its start and then every interval; none with zero.

use crate::support::service::config_with_channels;
use crate::support::{WAIT, next, start_platform, wait_for};
use moobius::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// Reports each check-in (and each start) with its channel.
struct Checked(mpsc::UnboundedSender<(&'static str, ChannelId)>);

impl Service for Checked {
    fn on_start(&mut self, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(self.0.send(("start", cx.channel_id().clone()))?)
    }

    fn on_channel_checkin(&mut self, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(self.0.send(("check-in", cx.channel_id().clone()))?)
    }
}

#[actix_rt::test]
async fn every_channel_checks_in_after_its_start_and_then_every_interval() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (mut config, http) = config_with_channels(&platform, "checkin", 2).await;
    config.service.checkin_interval = Duration::from_millis(50);
    let (tx, mut seen) = mpsc::unbounded_channel();
    let service =
        wand.start(ServiceBuilder::new(config, move |_| Checked(tx.clone())).http(http)).await.unwrap();
    service.ready().await.unwrap();

    // Per channel: its start, the check-in right after it, then periodic ones.
    let mut per_channel: BTreeMap<ChannelId, Vec<&str>> = BTreeMap::new();
    while per_channel.len() < 2 || per_channel.values().any(|events| events.len() < 4) {
        let (what, channel) = next(&mut seen, "a start or a check-in").await;
        per_channel.entry(channel).or_default().push(what);
    }
    assert_eq!(per_channel.keys().cloned().collect::<Vec<_>>(), {
        let mut channels = service.channels().to_vec();
        channels.sort();
        channels
    });
    for events in per_channel.values() {
        assert_eq!(events[..4], ["start", "check-in", "check-in", "check-in"], "{events:?}");
    }
    wand.shutdown().await;
}

/// Counts the check-ins an actor receives, as events.
struct Counting(mpsc::UnboundedSender<EventKind>);

impl actix::Actor for Counting {
    type Context = actix::Context<Self>;
}

impl actix::Handler<ChannelEvent> for Counting {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, _: &mut actix::Context<Self>) -> HandlerResult {
        Ok(self.0.send(event.kind)?)
    }
}

#[actix_rt::test]
async fn an_actor_gets_check_ins_as_events_and_a_zero_interval_sends_none() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (mut config, http) = config_with_channels(&platform, "checkin-actor", 1).await;
    config.service.checkin_interval = Duration::from_millis(20);
    let (tx, mut kinds) = mpsc::unbounded_channel();
    let service =
        wand.start(ServiceBuilder::actor(config, move |_| Counting(tx.clone())).http(http)).await.unwrap();
    service.ready().await.unwrap();
    for _ in 0..3 {
        wait_for(&mut kinds, WAIT, "a check-in event", |k| *k == EventKind::CheckIn).await;
    }
    wand.shutdown().await;

    // With a zero interval no check-in comes, while a witness on the same platform gets five.
    let (mut config, http) = config_with_channels(&platform, "no-checkin", 1).await;
    config.service.checkin_interval = Duration::ZERO;
    let (tx, mut kinds) = mpsc::unbounded_channel();
    let mut wand = Wand::new();
    let quiet =
        wand.start(ServiceBuilder::actor(config, move |_| Counting(tx.clone())).http(http)).await.unwrap();
    quiet.ready().await.unwrap();
    assert_eq!(next(&mut kinds, "the start").await, EventKind::Start);
    let mut config = crate::support::service::config(&platform, "witness");
    config.service.checkin_interval = Duration::from_millis(10);
    let (wtx, mut witness) = mpsc::unbounded_channel();
    let watcher = wand.start(ServiceBuilder::actor(config, move |_| Counting(wtx.clone()))).await.unwrap();
    watcher.ready().await.unwrap();
    for _ in 0..5 {
        wait_for(&mut witness, WAIT, "the witness's check-ins", |k| *k == EventKind::CheckIn).await;
    }
    while let Ok(kind) = kinds.try_recv() {
        assert_ne!(kind, EventKind::CheckIn, "the zero-interval service got a check-in");
    }
    wand.shutdown().await;
}
