//! A plain service on one channel, configured from the environment (`MOOBIUS_*`): the echo
//! example's actor. Once logged in and its actor has answered a ping, it prints `weighed:
//! {"rss_kib", "hwm_kib", "anon_kib", "file_kib"}` (from `/proc/self/status`) and waits to be
//! killed.

use actix::prelude::*;
use moobius::prelude::*;

struct Echo {
    channel: Channel<AsService>,
}

impl Actor for Echo {
    type Context = Context<Self>;
}

impl Handler<ChannelEvent> for Echo {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, _ctx: &mut Context<Self>) -> HandlerResult {
        if let EventKind::MessageUp(message) = event.kind {
            self.channel.do_send(SendMessage::new(event.channel_id, message.content, message.sender));
        }
        Ok(())
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Ping;

impl Handler<Ping> for Echo {
    type Result = ();

    fn handle(&mut self, _: Ping, _ctx: &mut Context<Self>) {}
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

fn main() {
    actix_rt::System::new().block_on(async {
        let config = moobius::config::Config::from_env().expect("the MOOBIUS_* configuration");
        let running = ServiceBuilder::actor(config, |channel| Echo { channel }).start().await.expect("start");
        let handle = running.handle().clone();
        handle.ready().await.expect("logged in");
        for channel in handle.channels() {
            handle.send(channel, Ping).await.expect("the channel actor answers");
        }
        let weighed = serde_json::json!({
            "rss_kib": status_kib("VmRSS"),
            "hwm_kib": status_kib("VmHWM"),
            "anon_kib": status_kib("RssAnon"),
            "file_kib": status_kib("RssFile"),
        });
        println!("weighed: {weighed}");
        std::future::pending::<()>().await;
    });
}
