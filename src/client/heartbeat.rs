//! The heartbeat actor: sends a heartbeat through the queue every interval while logged in,
//! measures the time to its receipt (the connection's latency), and watches liveness: when
//! nothing at all has arrived for the limit, it tells the connection to reconnect, so a
//! half-open connection is found in seconds, not minutes.

use super::connection::{Connection, Reconnect};
use super::runtime::Client;
use super::state::{ConnectionState, Shared};
use crate::protocol::Frame;
use actix::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// While the connection is down, or the limit was just reached, the liveness check runs this many
/// times per liveness limit; otherwise it runs when the limit would be reached.
const CHECKS_PER_LIMIT: u32 = 8;
/// ...but never more often than this.
const MIN_CHECK_EVERY: Duration = Duration::from_millis(5);

/// The heartbeat and liveness actor.
pub(crate) struct Heartbeat {
    client: Client,
    shared: Arc<Shared>,
    connection: Addr<Connection>,
    interval: Duration,
    limit: Duration,
    outstanding: bool,
    /// The epoch already reported as silent, so it is reported once.
    reported: u64,
}

impl Heartbeat {
    pub(crate) fn new(
        client: Client,
        shared: Arc<Shared>,
        connection: Addr<Connection>,
        interval: Duration,
        limit: Duration,
    ) -> Self {
        Self { client, shared, connection, interval, limit, outstanding: false, reported: 0 }
    }

    fn beat(&mut self, ctx: &mut Context<Self>) {
        if self.shared.finished() {
            ctx.stop();
            return;
        }
        if self.outstanding || self.shared.state() != ConnectionState::Connected {
            return;
        }
        let Ok((_, receipt)) = self.client.send_tracked(Frame::Heartbeat) else { return };
        self.outstanding = true;
        ctx.spawn(receipt.into_actor(self).map(|acked, act, _| {
            act.outstanding = false;
            if let Ok(acked) = acked {
                if !acked.status {
                    log::warn!("the platform refused a heartbeat");
                }
                let latency = Instant::now().saturating_duration_since(acked.sent_at);
                act.shared.set_latency(latency);
                log::trace!("heartbeat latency {latency:?}");
            }
        }));
    }

    /// Checks liveness, and schedules the next check for when the limit would be reached if
    /// nothing arrives meanwhile: a zombie is found at the limit, not up to a period after it.
    fn watch(&mut self, ctx: &mut Context<Self>) {
        if self.shared.finished() {
            ctx.stop();
            return;
        }
        let silent = self.shared.silent_for();
        let state = self.shared.state();
        let live = matches!(state, ConnectionState::LoggingIn | ConnectionState::Connected);
        let epoch = self.shared.epoch();
        if live && silent >= self.limit && self.reported != epoch {
            self.reported = epoch;
            let reason = format!("nothing received for {silent:?} (liveness limit {:?})", self.limit);
            log::warn!("{reason}: reconnecting");
            self.connection.do_send(Reconnect { epoch, reason });
        }
        let until_limit = self.limit.saturating_sub(silent);
        let next = if live && !until_limit.is_zero() { until_limit } else { self.limit / CHECKS_PER_LIMIT };
        ctx.run_later(next.max(MIN_CHECK_EVERY), Self::watch);
    }
}

impl Actor for Heartbeat {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.interval, Self::beat);
        self.watch(ctx);
    }
}
