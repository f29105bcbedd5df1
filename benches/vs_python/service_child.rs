//! A service process with many channel actors (this bench re-executed in a child mode), weighed.

use crate::LONG;
use crate::many::bounded;
use crate::proc::status_kib;
use crate::support::Remote;
use crate::support::process::{Running, line_after_within};
use actix::prelude::*;
use moobius::protocol::ChannelId;
use moobius::service::{AsService, Channel, ChannelEvent, ServiceBuilder};
use serde_json::{Value, json};
use std::time::Duration;

/// The environment variable that selects the child mode (a service process to weigh).
pub(crate) const CHILD: &str = "VS_PYTHON_CHILD";

/// An idle channel actor that answers [`Ping`] (so the parent knows every one is live).
struct Idle {
    _channel: Channel<AsService>,
}

impl Actor for Idle {
    type Context = Context<Self>;
}

impl Handler<ChannelEvent> for Idle {
    type Result = moobius::service::HandlerResult;

    fn handle(&mut self, _event: ChannelEvent, _ctx: &mut Context<Self>) -> Self::Result {
        Ok(())
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Ping;

impl Handler<Ping> for Idle {
    type Result = ();

    fn handle(&mut self, _: Ping, _ctx: &mut Context<Self>) {}
}

/// The child mode: reads its setup from the file `$VS_PYTHON_CHILD`, starts a service on those
/// channels, pings every channel actor, prints `weighed: {"rss_kib", "hwm_kib", "anon_kib",
/// "file_kib"}` (VmRSS, VmHWM, and VmRSS split into anonymous and file-backed pages) and waits to
/// be killed.
pub(crate) fn child(path: &str) -> ! {
    let setup: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("the child's setup file"))
        .expect("the child's setup is JSON");
    let text = |key: &str| setup[key].as_str().unwrap_or_else(|| panic!("no {key} in the setup")).to_owned();
    let mut config =
        moobius::config::Config::new(moobius::http::Credentials::new(text("email"), text("password")));
    config.service.http_server_uri = text("http");
    config.service.ws_server_uri = text("ws");
    config.service.service_id = Some(text("service_id").into());
    config.service.channels =
        setup["channels"].as_array().expect("channels").iter().map(|c| c.as_str().unwrap().into()).collect();
    config.service.checkin_interval = Duration::ZERO;
    actix_rt::System::new().block_on(async move {
        let running = ServiceBuilder::actor(config, |channel| Idle { _channel: channel })
            .start()
            .await
            .expect("the child's service starts");
        let handle = running.handle().clone();
        handle.ready().await.expect("the child's service logs in");
        let channels = handle.channels().to_vec();
        let pings = bounded(channels.iter(), 256, |c| handle.send(c, Ping)).await;
        assert!(pings.iter().all(Result::is_ok), "a channel actor did not answer");
        let weighed = json!({
            "channels": channels.len(),
            "rss_kib": status_kib("self", "VmRSS"),
            "hwm_kib": status_kib("self", "VmHWM"),
            "anon_kib": status_kib("self", "RssAnon"),
            "file_kib": status_kib("self", "RssFile"),
        });
        println!("weighed: {weighed}");
        std::future::pending::<()>().await;
    });
    unreachable!("the child waits to be killed")
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Weighed {
    pub(crate) rss_kib: u64,
    pub(crate) hwm_kib: u64,
    /// VmRSS's anonymous pages (heap, stacks, relocated data).
    pub(crate) anon_kib: u64,
    /// VmRSS's file-backed pages: the code and read-only data of the binary and of libc mapped
    /// in (the kernel maps pages around each one touched, so this grows with the binary's size).
    pub(crate) file_kib: u64,
}

/// A service's account and its service.
pub(crate) struct Owner<'a> {
    pub(crate) email: &'a str,
    pub(crate) password: &'a str,
    pub(crate) service_id: &'a str,
}

/// Weighs a service process of `owner`'s service on `channels` (already bound to it). Its
/// start-up lists every service of the account with its channels (to bind what is unbound), so
/// the account's other channels count in the figure: the one-channel process is weighed with an
/// account of its own.
pub(crate) async fn weigh_service(remote: &Remote, owner: &Owner<'_>, channels: &[ChannelId]) -> Weighed {
    let dir = std::env::temp_dir().join(format!("moobius-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("child-{}.json", channels.len()));
    let setup = json!({
        "email": owner.email, "password": owner.password, "http": remote.http, "ws": remote.ws,
        "service_id": owner.service_id, "channels": channels,
    });
    std::fs::write(&path, setup.to_string()).unwrap();
    let exe = std::env::current_exe().expect("the bench's own path");
    let mut process = Running::spawn(&exe, &[], &[(CHILD, path.to_string_lossy().into_owned())]);
    let mut lines = process.lines();
    let line = line_after_within(&mut lines, LONG, "weighed: ").await;
    drop(process);
    let _ = std::fs::remove_file(&path);
    parse_weighed(&line)
}

/// A child's `weighed:` line (after the prefix).
pub(crate) fn parse_weighed(line: &str) -> Weighed {
    let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
    let kib = |key: &str| value[key].as_u64().unwrap_or_else(|| panic!("no {key} in {line}"));
    Weighed {
        rss_kib: kib("rss_kib"),
        hwm_kib: kib("hwm_kib"),
        anon_kib: kib("anon_kib"),
        file_kib: kib("file_kib"),
    }
}
