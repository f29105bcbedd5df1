//! Many channels (more than the supervisor hands `Start` and connection events to at once):
//! every actor gets its `Start` first, then every event of the connection, in the same order as
//! every other, and a message in one channel after them.

use crate::support::service::{User, config_with_channels};
use crate::support::{next, start_platform};
use actix::prelude::*;
use moobius::client::Lifecycle;
use moobius::prelude::*;
use std::collections::HashMap;
use tokio::sync::mpsc;

/// Channels in the test: over twice the supervisor's wave of `Start` and connection events.
const CHANNELS: usize = 1_200;

/// Reports every event it handles with its channel.
struct Recorder {
    channel: Channel<AsService>,
    seen: mpsc::UnboundedSender<(ChannelId, String)>,
}

impl Actor for Recorder {
    type Context = Context<Self>;
}

impl Handler<ChannelEvent> for Recorder {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, _ctx: &mut Context<Self>) -> HandlerResult {
        let what = match &event.kind {
            EventKind::Connection(change) => format!("{change:?}"),
            EventKind::MessageUp(message) => format!("message {}", message.text().unwrap_or("?")),
            other => other.name().to_owned(),
        };
        Ok(self.seen.send((self.channel.id().clone(), what))?)
    }
}

#[actix_rt::test]
async fn each_of_many_channels_gets_its_start_then_the_connection_events_in_one_order() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (config, http) = config_with_channels(&platform, "many", CHANNELS).await;
    let channels = config.service.channels.clone();
    let (tx, mut seen) = mpsc::unbounded_channel();
    let factory = move |channel| Recorder { channel, seen: tx.clone() };
    let service = wand.start(ServiceBuilder::actor(config, factory).http(http)).await.unwrap();
    service.ready().await.unwrap();

    let mut logs: HashMap<ChannelId, Vec<String>> = HashMap::new();
    let connected = format!("{:?}", Lifecycle::Connected);
    let mut waiting = channels.len();
    while waiting > 0 {
        let (channel, what) = next(&mut seen, "the events of every channel").await;
        if what == connected {
            waiting -= 1;
        }
        logs.entry(channel).or_default().push(what);
    }
    let first = &logs[&channels[0]];
    assert_eq!(first[0], "start", "{first:?}");
    for channel in &channels {
        assert_eq!(logs.get(channel), Some(first), "channel {channel}");
    }

    // A message in the last channel comes after its connection events.
    let last = channels.last().unwrap().clone();
    let alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&last)).await;
    alice.join(&last);
    alice.say(&last, "hello", service.service_id());
    loop {
        let (channel, what) = next(&mut seen, "the message").await;
        if what.starts_with("message") {
            assert_eq!((channel, what.as_str()), (last, "message hello"));
            break;
        }
    }
    wand.shutdown().await;
}
