//! A helper thread with its own actix system (its CPU is not the measured client's), and its users.

use crate::LONG;
use crate::common::bare_login;
use crate::support;
use awc::ws;
use futures_util::StreamExt as _;
use moobius::protocol::Frame;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

/// A thread running its own actix system, so what runs there (users that receive or flood) is
/// not counted as the measured client's CPU. Dropping it stops the system and its connections.
pub(crate) struct Helper {
    jobs: Option<mpsc::UnboundedSender<Job>>,
    pub(crate) tid: u32,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Helper {
    pub(crate) fn start() -> Self {
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
            let tid = link.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse().ok());
            tid_tx.send(tid.expect("a thread id")).unwrap();
            actix_rt::System::new().block_on(async move {
                while let Some(job) = rx.recv().await {
                    actix_rt::spawn(job());
                }
            });
        });
        let tid = tid_rx.recv_timeout(support::WAIT).expect("the helper thread starts");
        Self { jobs: Some(jobs), tid, thread: Some(thread) }
    }

    /// Runs `job` on the helper's system; its output arrives on the receiver.
    pub(crate) fn run<F, Fut, T>(&self, job: F) -> oneshot::Receiver<T>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T> + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = tx.send(job().await);
            })
        });
        self.jobs.as_ref().unwrap().send(job).map_err(|_| "the helper thread is gone").unwrap();
        rx
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Awaits `rx` within `within`, or panics saying `what` did not arrive.
pub(crate) async fn within<T>(
    within: Duration,
    what: &str,
    rx: impl Future<Output = Result<T, oneshot::error::RecvError>>,
) -> T {
    match tokio::time::timeout(within, rx).await {
        Ok(Ok(value)) => value,
        Ok(Err(_)) => panic!("{what}: the task giving it ended first"),
        Err(_) => panic!("{what} did not arrive within {within:?}"),
    }
}

// ----- a user that counts what it receives (on the helper thread) -----

#[derive(Default)]
struct Tally {
    count: u64,
    waiter: Option<(u64, oneshot::Sender<()>)>,
    ended: Option<String>,
}

/// A bare user connection on the helper thread counting the `message_down`s it receives.
pub(crate) struct CountingUser {
    tally: Arc<Mutex<Tally>>,
}

impl CountingUser {
    pub(crate) async fn start(helper: &Helper, ws_url: String, token: String) -> Self {
        let tally = Arc::new(Mutex::new(Tally::default()));
        let shared = Arc::clone(&tally);
        let (ready_tx, ready_rx) = oneshot::channel();
        let _done = helper.run(move || async move {
            let (_sink, mut stream) = bare_login(&ws_url, Frame::user_login(token.as_str())).await;
            let _ = ready_tx.send(());
            let finder = memchr::memmem::Finder::new(b"\"message_down\"");
            let ended = loop {
                match stream.next().await {
                    Some(Ok(ws::Frame::Text(bytes))) if finder.find(&bytes).is_some() => {
                        let mut tally = shared.lock().unwrap();
                        tally.count += 1;
                        if tally.waiter.as_ref().is_some_and(|(target, _)| tally.count >= *target) {
                            let _ = tally.waiter.take().unwrap().1.send(());
                        }
                    }
                    Some(Ok(ws::Frame::Close(reason))) => {
                        break format!("closed by the platform: {reason:?}");
                    }
                    Some(Ok(_)) => {}
                    Some(Err(error)) => break format!("failed: {error}"),
                    None => break "ended".to_owned(),
                }
            };
            shared.lock().unwrap().ended = Some(ended);
        });
        within(support::WAIT, "the counting user's login", ready_rx).await;
        Self { tally }
    }

    pub(crate) fn count(&self) -> u64 {
        self.tally.lock().unwrap().count
    }

    /// Waits until `target` messages arrived in all.
    pub(crate) async fn reach(&self, target: u64) {
        let rx = {
            let mut tally = self.tally.lock().unwrap();
            let (tx, rx) = oneshot::channel();
            if tally.count >= target {
                let _ = tx.send(());
            } else {
                tally.waiter = Some((target, tx));
            }
            rx
        };
        if tokio::time::timeout(LONG, rx).await.is_err() {
            let tally = self.tally.lock().unwrap();
            panic!(
                "the user received {} of {target} message_downs within {LONG:?} (its connection: {})",
                tally.count,
                tally.ended.as_deref().unwrap_or("open")
            );
        }
    }
}
