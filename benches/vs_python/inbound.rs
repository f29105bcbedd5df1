//! Inbound events per second: a user floods `message_up`s, the service counts them.

use crate::LONG;
use crate::common::{bare_login, config, up, wait_connected};
use crate::helper::{Helper, within};
use crate::proc::Clocks;
use crate::support::{self, World};
use awc::ws;
use futures_util::{SinkExt as _, StreamExt as _};
use moobius::client::{Client, ClientEvent, HandlerResult, HandlerSpec, Identity, Runtime};
use moobius::protocol::{Event, Frame, Incoming};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{oneshot, watch};

/// Messages (or events) in flight at most when a user floods, below the platform's per-connection
/// buffer (1,024) so the service is never dropped as a slow reader.
pub(crate) const WINDOW: u64 = 512;

/// A user on the helper thread sends `n` message_ups, at most [`WINDOW`] ahead of what the
/// service counted (`counted`), once `go` fires.
fn flood(
    helper: &Helper,
    ws: String,
    w: World,
    n: u64,
    counted: watch::Receiver<u64>,
) -> (oneshot::Sender<()>, oneshot::Receiver<()>) {
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let (ready_tx, ready_rx) = oneshot::channel();
    let _done = helper.run(move || async move {
        let (mut sink, mut stream) = bare_login(&ws, Frame::user_login(w.user.token.as_str())).await;
        // Receipts are drained; the first refusal is told (it would explain a count that stalls).
        let drain = actix_rt::spawn(async move {
            let mut told = false;
            while let Some(Ok(frame)) = stream.next().await {
                if let ws::Frame::Text(bytes) = frame
                    && !told
                    && let Ok(Incoming { event: Event::Receipt(receipt), .. }) =
                        Incoming::decode(std::str::from_utf8(&bytes).unwrap())
                    && !receipt.status
                {
                    eprintln!("the flooding user: a message_up was refused: {:?}", receipt.reason());
                    told = true;
                }
            }
        });
        let _ = ready_tx.send(());
        if go_rx.await.is_err() {
            return;
        }
        let mut counted = counted;
        let mut sent = 0u64;
        while sent < n {
            let allowed = (*counted.borrow() + WINDOW).min(n);
            while sent < allowed {
                let frame = up(&w, sent.to_string()).into_request().encode();
                sink.feed(ws::Message::Text(frame.into())).await.unwrap();
                sent += 1;
            }
            sink.flush().await.unwrap();
            if sent < n {
                let waited = tokio::time::timeout(support::WAIT, counted.wait_for(|c| c + WINDOW > sent))
                    .await
                    .is_ok_and(|r| r.is_ok());
                if !waited {
                    eprintln!("the flooding user: the service counted {} of {sent} sent", *counted.borrow());
                    break;
                }
            }
        }
        // Closing with receipts unread would reset the connection and lose frames the platform
        // has not read yet: stay until the service counted everything.
        let _ = tokio::time::timeout(LONG, counted.wait_for(|c| *c >= n)).await;
        drain.abort();
    });
    (go_tx, ready_rx)
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Inbound {
    pub(crate) per_second: f64,
    pub(crate) client_us: f64,
    pub(crate) platform_us: f64,
}

async fn inbound_measure(
    clocks: Clocks,
    n: u64,
    go: oneshot::Sender<()>,
    mut counted: watch::Receiver<u64>,
) -> Inbound {
    let before = clocks.sample();
    let started = Instant::now();
    go.send(()).unwrap();
    let reached = tokio::time::timeout(LONG, counted.wait_for(|c| *c >= n)).await.is_ok_and(|r| r.is_ok());
    assert!(reached, "the service counted {} of {n} message_ups within {LONG:?}", *counted.borrow());
    let elapsed = started.elapsed();
    let (client, platform) = clocks.sample().since(&before);
    Inbound {
        per_second: n as f64 / elapsed.as_secs_f64(),
        client_us: client * 1e6 / n as f64,
        platform_us: platform * 1e6 / n as f64,
    }
}

pub(crate) async fn inbound_runtime(ws: &str, w: &World, n: u64, clocks: Clocks) -> Inbound {
    let helper = Helper::start();
    let clocks = clocks.with_helper(&helper);
    let (count_tx, counted) = watch::channel(0u64);
    let count_tx = Arc::new(count_tx);
    let counter = HandlerSpec::supervised("count", move || {
        let count_tx = Arc::clone(&count_tx);
        let mut seen = 0u64;
        move |event: &ClientEvent, _client: &Client| -> HandlerResult {
            if let ClientEvent::Platform(Incoming { event: Event::MessageUp(_), .. }) = event {
                seen += 1;
                if seen.is_multiple_of(64) || seen >= n {
                    count_tx.send_replace(seen);
                }
            }
            Ok(())
        }
    });
    let (events, mut rx) = HandlerSpec::channel();
    let service = Runtime::start(
        config(ws, Identity::service(&w.service_id), &w.owner.token, 64),
        vec![counter, events],
    );
    wait_connected(&mut rx).await;
    drop(rx);
    let (go, ready) = flood(&helper, ws.to_owned(), w.clone(), n, counted.clone());
    within(support::WAIT, "the flooding user's login", ready).await;
    let result = inbound_measure(clocks, n, go, counted).await;
    let _ = service.shutdown_within(support::WAIT).await;
    result
}

pub(crate) async fn inbound_bare(ws: &str, w: &World, n: u64, clocks: Clocks) -> Inbound {
    let helper = Helper::start();
    let clocks = clocks.with_helper(&helper);
    let (count_tx, counted) = watch::channel(0u64);
    let (_sink, mut stream) =
        bare_login(ws, Frame::service_login(w.service_id.clone(), w.owner.token.as_str())).await;
    let reader = actix_rt::spawn(async move {
        let mut seen = 0u64;
        while let Some(Ok(frame)) = stream.next().await {
            if let ws::Frame::Text(bytes) = frame
                && let Ok(Incoming { event: Event::MessageUp(_), .. }) =
                    Incoming::decode(std::str::from_utf8(&bytes).unwrap())
            {
                seen += 1;
                if seen.is_multiple_of(64) || seen >= n {
                    count_tx.send_replace(seen);
                }
            }
        }
    });
    let (go, ready) = flood(&helper, ws.to_owned(), w.clone(), n, counted.clone());
    within(support::WAIT, "the flooding user's login", ready).await;
    let result = inbound_measure(clocks, n, go, counted).await;
    reader.abort();
    result
}
