//! Many users: the platform's RSS per idle connection and fan-out to a group of all of them.

use crate::common::{Sink, Stream, bare_login_with, bare_receipt, percentile};
use crate::proc::{Clocks, status_kib};
use crate::support::{self, Endpoint as _, Remote, World};
use awc::ws;
use futures_util::{SinkExt as _, StreamExt as _};
use moobius::protocol::{CharacterId, Frame, MessageContent};
use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Runs `f` over `items` with at most `limit` at once, in order of completion.
pub(crate) async fn bounded<T, F, Fut, R>(items: impl IntoIterator<Item = T>, limit: usize, f: F) -> Vec<R>
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = R>,
{
    futures_util::stream::iter(items.into_iter().map(f)).buffer_unordered(limit).collect().await
}

pub(crate) struct Many {
    pub(crate) idle_kib_per_conn: f64,
    pub(crate) idle_conns: usize,
    pub(crate) users: usize,
    pub(crate) messages: usize,
    pub(crate) last_p50: Duration,
    pub(crate) last_max: Duration,
    pub(crate) platform_us_per_recipient: f64,
    /// Of which in the platform's own code (utime) and in the kernel (stime).
    pub(crate) platform_user_us_per_recipient: f64,
    pub(crate) platform_kernel_us_per_recipient: f64,
    pub(crate) setup: Duration,
}

pub(crate) async fn many_users(
    remote: &Remote,
    w: &World,
    users: usize,
    idle: usize,
    messages: usize,
    clocks: Clocks,
) -> Many {
    let setup = Instant::now();
    let accounts = bounded(0..users, 32, |i| async move {
        support::sign_in(remote, &format!("fan{i}"), "fan-password").await
    })
    .await;
    let channel = support::create_channel(remote, &w.owner.token, "fan-out").await;
    support::bind(remote, &w.owner.token, &w.service_id, &channel).await;
    let ws_client =
        awc::Client::builder().connector(awc::Connector::new().limit(0)).timeout(support::WAIT).finish();
    let ws_url = remote.ws_url();
    let platform_pid = clocks.platform.to_string();

    // Idle logged-in connections: the platform's RSS before and after.
    let rss_before = status_kib(&platform_pid, "VmRSS");
    let login = |account: &support::Account| {
        let (ws_client, ws_url) = (&ws_client, &ws_url);
        let (token, user_id) = (account.token.clone(), account.user_id.clone());
        async move {
            let (sink, stream) = bare_login_with(ws_client, ws_url, Frame::user_login(token.as_str())).await;
            (sink, stream, user_id)
        }
    };
    let mut conns: Vec<(Sink, Stream, CharacterId)> = bounded(accounts.iter().take(idle), 64, login).await;
    let rss_after = status_kib(&platform_pid, "VmRSS");
    let idle_kib_per_conn = (rss_after as f64 - rss_before as f64) / idle.max(1) as f64;

    // The rest log in too; everyone joins.
    conns.extend(bounded(accounts.iter().skip(idle), 64, login).await);
    let join = |(mut sink, mut stream, user_id): (Sink, Stream, CharacterId)| {
        let channel = channel.clone();
        async move {
            let frame = Frame::join_channel(user_id, channel);
            sink.send(ws::Message::Text(frame.into_request().encode().into())).await.unwrap();
            bare_receipt(&mut stream, "a join's receipt").await;
            (sink, stream)
        }
    };
    let conns = bounded(conns, 64, join).await;
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel::<()>();
    let mut sinks = Vec::with_capacity(conns.len());
    let mut readers = Vec::with_capacity(conns.len());
    for (sink, mut stream) in conns {
        let arrived_tx = arrived_tx.clone();
        sinks.push(sink);
        readers.push(actix_rt::spawn(async move {
            let finder = memchr::memmem::Finder::new(b"\"message_down\"");
            while let Some(Ok(frame)) = stream.next().await {
                if let ws::Frame::Text(bytes) = frame
                    && finder.find(&bytes).is_some()
                {
                    let _ = arrived_tx.send(());
                }
            }
        }));
    }
    let ids: Vec<&str> = accounts.iter().map(|a| a.user_id.as_str()).collect();
    let group = support::create_group(remote, &w.owner.token, &ids).await;
    let mut service = support::login_service(remote, &w.service_id, &w.owner.token).await;
    let setup = setup.elapsed();

    let mut lasts = Vec::with_capacity(messages);
    let before = clocks.sample();
    let split_before = clocks.platform_split();
    for m in 0..messages {
        let frame = Frame::message_down(
            w.service_id.clone(),
            channel.clone(),
            MessageContent::text(format!("fan-out {m}")),
            group.clone(),
            w.agent.clone(),
        )
        .unwrap();
        let sent = Instant::now();
        let id = service.send_frame(frame).await;
        for got in 0..users {
            if tokio::time::timeout(support::WAIT, arrived.recv()).await.is_err() {
                panic!("fan-out message {m}: {got} of {users} users had it after {:?}", support::WAIT);
            }
        }
        lasts.push(sent.elapsed());
        let receipt = service.receipt(&id).await;
        assert!(receipt.status, "fan-out message {m} refused: {:?}", receipt.reason());
    }
    let (_, platform) = clocks.sample().since(&before);
    let split_after = clocks.platform_split();
    let per_recipient = |seconds: f64| seconds * 1e6 / (messages * users) as f64;
    for reader in readers {
        reader.abort();
    }
    drop(sinks);
    lasts.sort_unstable();
    Many {
        idle_kib_per_conn,
        idle_conns: idle,
        users,
        messages,
        last_p50: percentile(&lasts, 0.5),
        last_max: *lasts.last().unwrap(),
        platform_us_per_recipient: per_recipient(platform),
        platform_user_us_per_recipient: per_recipient(split_after.0 - split_before.0),
        platform_kernel_us_per_recipient: per_recipient(split_after.1 - split_before.1),
        setup,
    }
}
