//! A service process with many channel actors (this bench re-executed in a child mode), weighed.

use crate::LONG;
use crate::many::bounded;
use crate::proc::status_kib;
use crate::support::process::{Running, line_after_within};
use crate::support::{Remote, World};
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
/// channels, pings every channel actor, prints `weighed: {"rss_kib", "hwm_kib"}` and waits to be
/// killed.
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
}

pub(crate) async fn weigh_service(
    remote: &Remote,
    w: &World,
    service_id: &str,
    channels: &[ChannelId],
) -> Weighed {
    let dir = std::env::temp_dir().join(format!("moobius-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("child-{}.json", channels.len()));
    let setup = json!({
        "email": w.owner.username, "password": "owner-password", "http": remote.http, "ws": remote.ws,
        "service_id": service_id, "channels": channels,
    });
    std::fs::write(&path, setup.to_string()).unwrap();
    let exe = std::env::current_exe().expect("the bench's own path");
    let mut process = Running::spawn(&exe, &[], &[(CHILD, path.to_string_lossy().into_owned())]);
    let mut lines = process.lines();
    let line = line_after_within(&mut lines, LONG, "weighed: ").await;
    drop(process);
    let _ = std::fs::remove_file(&path);
    let value: Value = serde_json::from_str(&line).unwrap();
    Weighed { rss_kib: value["rss_kib"].as_u64().unwrap(), hwm_kib: value["hwm_kib"].as_u64().unwrap() }
}
