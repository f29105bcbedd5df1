//! Per-channel storage (`moobius::storage`): the json backend in a scratch directory, in the
//! reference SDK's layout and bytes ([`json`], [`python`]); a real `redis-server` started on a
//! free loopback port, an optional part ([`redis`]); and a channel actor whose state survives a
//! restart of its service, on both.

mod json;
mod python;
#[cfg(feature = "redis")]
mod redis;

use crate::support::service::{User, config_with_channels};
use crate::support::start_platform;
use actix::prelude::*;
use moobius::prelude::*;
use moobius::storage::{Container, StorageConfig};
use serde::{Deserialize, Serialize};

/// A value with the shapes that matter for the layout: text with non-ASCII, a float, a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Character {
    pub name: String,
    pub hp: f64,
    pub tags: Vec<String>,
}

pub(crate) fn alice() -> Character {
    Character { name: "Alice 🎲".to_owned(), hp: 12.5, tags: vec!["mage".to_owned()] }
}

/// [`alice`] as the SDK writes it: Python's `json.dumps(value, indent=2)`.
pub(crate) const ALICE_AS_PYTHON_WRITES_IT: &str =
    "{\n  \"name\": \"Alice \\ud83c\\udfb2\",\n  \"hp\": 12.5,\n  \"tags\": [\n    \"mage\"\n  ]\n}";

/// Counts its channel's messages in its storage and answers each with `count <n>` once the count
/// is stored.
struct Tally {
    channel: Channel<AsService>,
    counts: Container<u64>,
    count: u64,
}

impl Tally {
    fn new(channel: Channel<AsService>) -> Self {
        let counts = channel.storage().container("tally");
        Self { channel, counts, count: 0 }
    }
}

impl Actor for Tally {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.wait(self.counts.get("count").into_actor(self).map(|found, this, _| match found {
            Ok(count) => this.count = count.unwrap_or(0),
            Err(error) => this.channel.fail(error),
        }));
    }
}

impl Handler<ChannelEvent> for Tally {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, ctx: &mut Context<Self>) -> HandlerResult {
        if let EventKind::MessageUp(message) = event.kind {
            self.count += 1;
            let count = self.count;
            ctx.wait(self.counts.put("count", &count).into_actor(self).map(
                move |stored, this, _| match stored {
                    Ok(()) => this.channel.do_send(SendMessage::text(
                        event.channel_id,
                        format!("count {count}"),
                        message.sender,
                    )),
                    Err(error) => this.channel.fail(error),
                },
            ));
        }
        Ok(())
    }
}

/// A [`Tally`] service with `db` counts two messages, is stopped (`wand.shutdown()`), is started
/// again with the same configuration, and counts on from 2.
pub(crate) async fn the_count_survives_a_restart(name: &str, db: StorageConfig) {
    let platform = start_platform().await;
    let (mut config, http) = config_with_channels(&platform, name, 1).await;
    config.db = db;
    let mut wand = Wand::new();
    let service = wand.start(ServiceBuilder::actor(config.clone(), Tally::new).http(http)).await.unwrap();
    service.ready().await.unwrap();
    let (channel, id) = (service.channels()[0].clone(), service.service_id().clone());
    let here = std::slice::from_ref(&channel);
    let mut alice = User::start(&mut wand, &platform, "alice", here).await;
    alice.join(&channel);
    for n in 1..=2 {
        alice.say(&channel, "one more", &id);
        assert_eq!(alice.text("the count").await, format!("count {n}"));
    }
    wand.shutdown().await;

    config.service.service_id = Some(id.clone());
    let mut wand = Wand::new();
    let service = wand.start(ServiceBuilder::actor(config, Tally::new)).await.unwrap();
    service.ready().await.unwrap();
    assert_eq!((service.service_id(), service.channels()), (&id, here), "the same service and channel");
    let mut alice = User::start(&mut wand, &platform, "alice", here).await;
    alice.join(&channel);
    alice.say(&channel, "and another", &id);
    assert_eq!(alice.text("the count after the restart").await, "count 3");
    wand.shutdown().await;
}
