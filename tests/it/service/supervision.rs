//! Supervision of per-channel actors: a panic or an error restarts one channel's actor alone and
//! the events behind it still arrive; the program's own messages; restarts are bounded; a
//! panicking factory is retried with backoff.

use super::startup::Echo;
use crate::support::service::{User, config, config_with_channels};
use crate::support::{WAIT, next, start_platform};
use actix::prelude::*;
use moobius::prelude::*;
use moobius::service::{ChannelError, ChannelState, ServiceContext as Cx, SupervisionKind};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::sync::mpsc;

/// Answers `<text> #<n>` (its n-th message in the channel), panics on `panic`, fails on `error`,
/// and reports each start of an instance (at start-up and after each restart) with its channel.
pub(super) struct Fragile {
    seen: u32,
    starts: mpsc::UnboundedSender<ChannelId>,
}

impl Service for Fragile {
    fn on_start(&mut self, cx: &mut Cx<'_, Self>) -> ServiceResult {
        Ok(self.starts.send(cx.channel_id().clone())?)
    }

    fn on_message_up(&mut self, message: ChatMessage, cx: &mut Cx<'_, Self>) -> ServiceResult {
        self.seen += 1;
        match message.text() {
            Some("panic") => panic!("a poison message"),
            Some("error") => Err("an error message".into()),
            text => {
                cx.send_text(format!("{} #{}", text.unwrap_or("?"), self.seen), message.sender);
                Ok(())
            }
        }
    }
}

type FragileActor = ServiceActor<Fragile>;

/// The program asks an instance how many messages it has seen (a plain actix message).
struct Seen;

impl actix::Message for Seen {
    type Result = u32;
}

impl Handler<Seen> for FragileActor {
    type Result = u32;

    fn handle(&mut self, _: Seen, _ctx: &mut Context<Self>) -> u32 {
        self.service().seen
    }
}

/// A message its instance fails on.
struct Poison;

impl actix::Message for Poison {
    type Result = ();
}

impl Handler<Poison> for FragileActor {
    type Result = ();

    fn handle(&mut self, _: Poison, _ctx: &mut Context<Self>) {
        panic!("a poison message of the program")
    }
}

/// Makes the instance send `text` to `to` in its channel, and answers the receipt.
pub(super) struct Say {
    pub(super) to: Vec<CharacterId>,
    pub(super) text: &'static str,
}

impl actix::Message for Say {
    type Result = ();
}

impl Handler<Say> for FragileActor {
    type Result = ();

    fn handle(&mut self, Say { to, text }: Say, _ctx: &mut Context<Self>) {
        let channel = self.channel().id().clone();
        self.channel().do_send(SendMessage::text(channel, text, to));
    }
}

/// Two channels of a `Fragile` service, both joined by alice, and the starts seen so far drained.
pub(super) async fn fragile(
    wand: &mut Wand,
    platform: &moobius::platform::PlatformHandle,
) -> (ServiceHandle<AsService, FragileActor>, [ChannelId; 2], mpsc::UnboundedReceiver<ChannelId>) {
    let (config, http) = config_with_channels(platform, "fragile", 2).await;
    let (tx, mut starts) = mpsc::unbounded_channel();
    let service = wand
        .start(ServiceBuilder::new(config, move |_| Fragile { seen: 0, starts: tx.clone() }).http(http))
        .await;
    let service = service.expect("the service starts");
    service.ready().await.unwrap();
    let [a, b] = <[ChannelId; 2]>::try_from(service.channels().to_vec()).expect("two channels");
    // Each channel's instance starts once at start-up.
    let mut started = BTreeSet::new();
    for _ in 0..2 {
        started.insert(next(&mut starts, "an instance's start").await);
    }
    assert_eq!(started, BTreeSet::from([a.clone(), b.clone()]));
    (service, [a, b], starts)
}

/// The next `n` texts, in any order (replies from two channels' instances may interleave).
async fn texts(user: &mut User, n: usize, what: &str) -> BTreeSet<String> {
    let mut got = BTreeSet::new();
    for _ in 0..n {
        got.insert(user.text(what).await);
    }
    got
}

#[actix_rt::test]
async fn a_panic_restarts_only_its_channels_instance_and_the_events_behind_it_still_arrive() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (service, [a, b], mut starts) = fragile(&mut wand, &platform).await;
    let id = service.service_id().clone();
    let mut alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);

    alice.say(&a, "a", &id);
    assert_eq!(alice.text("a #1").await, "a #1");
    alice.say(&a, "a", &id);
    assert_eq!(alice.text("a #2").await, "a #2");
    alice.say(&b, "b", &id);
    assert_eq!(alice.text("b #1").await, "b #1");

    // The poison and the next message of A, back to back, and one for B.
    alice.say(&a, "panic", &id);
    alice.say(&a, "after", &id);
    alice.say(&b, "b", &id);
    // A's instance was rebuilt (its count starts again) and got the message behind the poison;
    // B's kept its state.
    assert_eq!(
        texts(&mut alice, 2, "the replies after the panic").await,
        BTreeSet::from(["after #1".into(), "b #2".into()])
    );
    assert_eq!(next(&mut starts, "A's restart").await, a);

    // A's new instance answers the next message.
    alice.say(&a, "again", &id);
    assert_eq!(alice.text("again #2").await, "again #2");
    alice.say(&b, "b", &id);
    assert_eq!(alice.text("b #3").await, "b #3");
    assert_eq!(service.send(&a, Seen).await.unwrap(), 2);
    assert_eq!(service.send(&b, Seen).await.unwrap(), 3);
    wand.shutdown().await;
}

#[actix_rt::test]
async fn an_error_return_restarts_the_instance_too() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (service, [a, b], mut starts) = fragile(&mut wand, &platform).await;
    let id = service.service_id().clone();
    let mut alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);

    alice.say(&a, "x", &id);
    assert_eq!(alice.text("x #1").await, "x #1");
    alice.say(&b, "y", &id);
    assert_eq!(alice.text("y #1").await, "y #1");
    alice.say(&a, "error", &id);
    alice.say(&a, "after", &id);
    alice.say(&b, "y", &id);
    assert_eq!(
        texts(&mut alice, 2, "the replies after the error").await,
        BTreeSet::from(["after #1".into(), "y #2".into()])
    );
    assert_eq!(next(&mut starts, "A's restart").await, a);
    wand.shutdown().await;
}

#[actix_rt::test]
async fn the_programs_messages_reach_the_actor_of_their_channel_and_a_failing_one_restarts_it() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (service, [a, b], mut starts) = fragile(&mut wand, &platform).await;
    let id = service.service_id().clone();
    let mut alice = User::start(&mut wand, &platform, "alice", &[a.clone(), b.clone()]).await;
    alice.join(&a);
    alice.join(&b);
    alice.say(&a, "one", &id);
    assert_eq!(alice.text("one #1").await, "one #1");

    assert_eq!(service.send(&a, Seen).await.unwrap(), 1);
    assert_eq!(service.send(&b, Seen).await.unwrap(), 0);
    // A message that panics is an error for the program and restarts that actor alone.
    assert_eq!(service.send(&a, Poison).await, Err(ChannelError::Failed(a.clone())));
    assert_eq!(next(&mut starts, "A's restart").await, a);
    assert_eq!(service.send(&a, Seen).await.unwrap(), 0);
    assert_eq!(service.status(&a).map(|s| s.restarts), Some(1));
    // A message that acts: the actor sends in its own channel.
    service.send(&b, Say { to: vec![alice.id()], text: "from the program" }).await.unwrap();
    let message = alice.message("the program's message").await;
    assert_eq!((message.text(), message.channel_id.as_str()), (Some("from the program"), b.as_str()));
    // An unknown channel is an error that names it.
    let nowhere = ChannelId::from("nowhere");
    assert_eq!(service.send(&nowhere, Seen).await, Err(ChannelError::Unknown(nowhere)));
    wand.shutdown().await;
}

/// A service whose start always fails.
struct NeverStarts;

impl Service for NeverStarts {
    fn on_start(&mut self, _cx: &mut Cx<'_, Self>) -> ServiceResult {
        Err("the database is unreachable".into())
    }
}

#[actix_rt::test]
async fn a_service_whose_start_always_fails_is_stopped_at_its_restart_limit_while_another_serves() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let echo = wand.start(ServiceBuilder::new(config(&platform, "healthy"), |_| Echo)).await.unwrap();
    // Many restarts with no backoff: a restart that recursed would overflow the stack long before.
    const RESTARTS: u32 = 2_000;
    let policy = RestartPolicy::default().max_restarts(RESTARTS).backoff(Duration::ZERO, Duration::ZERO);
    let broken = ServiceBuilder::new(config(&platform, "broken"), |_| NeverStarts).restart_policy(policy);
    let broken = wand.start(broken).await.unwrap();
    let mut watch = broken.supervision();
    echo.ready().await.unwrap();
    broken.ready().await.unwrap();
    let channel = broken.channels()[0].clone();

    let reason = loop {
        let notice = tokio::time::timeout(WAIT, watch.recv()).await.expect("the stop within the wait");
        match notice {
            Ok(moobius::service::Supervision { kind: SupervisionKind::Stopped { reason }, .. }) => {
                break reason;
            }
            Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(e) => panic!("{e}"),
        }
    };
    assert!(reason.contains("start") && reason.contains("database is unreachable"), "{reason}");
    let status = broken.status(&channel).expect("a status");
    assert_eq!((status.state, status.restarts), (ChannelState::Stopped, u64::from(RESTARTS)));
    assert_eq!(broken.send(&channel, Ping).await, Err(ChannelError::NotRunning(channel.clone())));

    // The other service, in the same process, still serves.
    let here = echo.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&here)).await;
    alice.join(&here);
    alice.say(&here, "still here?", echo.service_id());
    assert_eq!(alice.text("the healthy echo").await, "still here?");
    wand.shutdown().await;
}

/// A message nothing handles specially.
struct Ping;

impl actix::Message for Ping {
    type Result = ();
}

impl Handler<Ping> for ServiceActor<NeverStarts> {
    type Result = ();

    fn handle(&mut self, _: Ping, _ctx: &mut Context<Self>) {}
}

#[actix_rt::test]
async fn a_factory_that_panics_is_retried_with_backoff_and_the_events_held_meanwhile_arrive_in_order() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let counted = std::rc::Rc::clone(&calls);
    let policy = RestartPolicy::default().backoff(Duration::from_millis(20), Duration::from_millis(200));
    let (config, http) = config_with_channels(&platform, "flaky-factory", 1).await;
    let service = wand
        .start(
            ServiceBuilder::new(config, move |_| {
                counted.set(counted.get() + 1);
                // The first three attempts fail, as a factory whose resource is not up yet.
                assert!(counted.get() > 3, "the factory's resource is not ready (attempt {})", counted.get());
                Echo
            })
            .http(http)
            .restart_policy(policy),
        )
        .await
        .unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);
    for text in ["first", "second", "third"] {
        alice.say(&channel, text, service.service_id());
    }
    for text in ["first", "second", "third"] {
        assert_eq!(alice.text("the echoes, in order").await, text);
    }
    assert_eq!(calls.get(), 4, "three panics, then one instance");
    let status = service.status(&channel).expect("a status");
    assert_eq!((status.state, status.restarts), (ChannelState::Running, 3));
    assert!(status.last_failure.unwrap().contains("factory panicked"));
    wand.shutdown().await;
}
