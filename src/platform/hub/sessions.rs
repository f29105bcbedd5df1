//! The live side of each identity: its connections (opened, logged in, closed, cut), its `seq`
//! counter and replay buffer (resume on login), and the request-id check every frame passes
//! before routing; plus the traffic records and the sizes of what clients can grow.

use super::Map;
use super::replay::ReplayBuffer;
use super::{ConnId, Hub, Out, Verdict};
use crate::platform::PlatformStats;
use crate::platform::traffic::{ConnectionTraffic, Peer, TrafficLog};
use crate::protocol::{Frame, Request};
use actix_web::rt::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, watch};

/// Cuts a connection as a network failure would: shuts its socket down (no close frame) and
/// tells its task to stop.
#[derive(Debug, Clone)]
pub(crate) struct Cut {
    signal: watch::Sender<Option<String>>,
    socket: Option<Arc<TcpStream>>,
}

impl Cut {
    pub(crate) fn cut(&self, why: &str) {
        if let Some(socket) = &self.socket {
            let _ = socket2::SockRef::from(&**socket).shutdown(std::net::Shutdown::Both);
        }
        self.signal.send_if_modified(|reason| {
            if reason.is_none() {
                *reason = Some(why.to_owned());
                true
            } else {
                false
            }
        });
    }
}

#[derive(Default)]
pub(super) struct PeerState {
    pub(super) next_seq: u64,
    pub(super) held: ReplayBuffer,
    pub(super) conns: Vec<ConnId>,
}

pub(super) struct Conn {
    identity: Option<Peer>,
    pub(super) tx: mpsc::Sender<Out>,
    pub(super) cut: Cut,
    pub(super) traffic: TrafficLog,
}

impl Hub {
    // ----- connections -----

    /// Registers a new connection; its task reads `rx` and watches the cut signal.
    pub(crate) fn open(
        &mut self,
        socket: Option<Arc<TcpStream>>,
    ) -> (ConnId, mpsc::Receiver<Out>, watch::Receiver<Option<String>>, TrafficLog) {
        let id = self.next_conn;
        self.next_conn += 1;
        let (tx, rx) = mpsc::channel(self.config.outbound_buffer);
        let (signal, cut_rx) = watch::channel(None);
        let traffic = self.logs.open(id);
        let cut = Cut { signal, socket };
        self.conns.insert(id, Conn { identity: None, tx, cut, traffic: traffic.clone() });
        (id, rx, cut_rx, traffic)
    }

    /// Forgets a connection that ended.
    pub(crate) fn close(&mut self, id: ConnId) {
        if let Some(conn) = self.conns.remove(&id) {
            if let Some(identity) = &conn.identity
                && let Some(state) = self.peers.get_mut(identity)
            {
                state.conns.retain(|c| *c != id);
            }
            conn.traffic.closed(None);
            self.logs.closed();
        }
    }

    /// Cuts every connection (no close frame), as a network failure would.
    pub(crate) fn sever_all(&mut self, why: &str) {
        for conn in self.conns.values() {
            conn.traffic.closed(Some(why));
            conn.cut.cut(why);
        }
    }

    /// The open connections, in order, with who each logged in as.
    pub(crate) fn open_peers(&self) -> Vec<(ConnId, Option<Peer>)> {
        let mut open: Vec<_> = self.conns.iter().map(|(id, c)| (*id, c.identity.clone())).collect();
        open.sort_by_key(|(id, _)| *id);
        open
    }

    /// Cuts one connection (no close frame); `false` if it is not open.
    pub(crate) fn sever(&mut self, id: ConnId, why: &str) -> bool {
        match self.conns.get(&id) {
            Some(conn) => {
                conn.traffic.closed(Some(why));
                conn.cut.cut(why);
                true
            }
            None => false,
        }
    }

    /// A snapshot of every connection's traffic.
    pub(crate) fn traffic(&self) -> Vec<ConnectionTraffic> {
        self.logs.snapshot()
    }

    /// The counts of connections, frames and refusals, for the metrics.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn counters(&self) -> Arc<crate::platform::counters::PlatformCounters> {
        Arc::clone(self.logs.counters())
    }

    /// How many connections are open.
    pub(crate) fn open_connections(&self) -> usize {
        self.conns.len()
    }

    /// The sizes of the client-growable structures.
    pub(crate) fn stats(&self) -> PlatformStats {
        let (traffic_records, traffic_closed_records, traffic_bytes) = self.logs.sizes();
        let (request_ids, request_ids_max_per_sender) = self.dedup.sizes();
        let mut stats = PlatformStats {
            open_connections: self.conns.len(),
            unauthenticated_connections: self.conns.values().filter(|c| c.identity.is_none()).count(),
            traffic_records,
            traffic_closed_records,
            traffic_bytes,
            request_ids,
            request_ids_max_per_sender,
            ..Default::default()
        };
        (stats.files, stats.file_bytes, stats.upload_slots) = self.files.sizes();
        (stats.history_messages, stats.history_bytes) = self.history_sizes();
        for state in self.peers.values() {
            let (events, bytes) = state.held.sizes();
            stats.replay_events += events;
            stats.replay_bytes += bytes;
            stats.replay_max_events = stats.replay_max_events.max(events);
            stats.replay_max_bytes = stats.replay_max_bytes.max(bytes);
        }
        stats
    }

    // ----- WebSocket: login -----

    /// Logs a connection in. On success returns who it is and what to replay, in order, before
    /// anything new (the connection is registered in the same step, so nothing falls between).
    pub(crate) fn login(&mut self, conn: ConnId, frame: &Frame) -> Result<(Peer, Vec<Out>), String> {
        let (token, resume, service_id) = match frame {
            Frame::ServiceLogin { service_id, access_token, resume } => {
                (access_token, resume, Some(service_id))
            }
            Frame::UserLogin { access_token, resume } => (access_token, resume, None),
            _ => return Err("not a login frame".to_owned()),
        };
        let user = self.authenticate(token.expose()).map_err(|f| f.message)?;
        let identity = match service_id {
            Some(service_id) => {
                self.owned_service(&user, service_id).map_err(|f| f.message)?;
                Peer::Service(service_id.to_string())
            }
            None => Peer::User(user),
        };
        let Some(entry) = self.conns.get_mut(&conn) else {
            return Err("the connection closed during login".to_owned());
        };
        if let Some(existing) = &entry.identity {
            return Err(format!("this connection is already logged in as {existing}"));
        }
        entry.identity = Some(identity.clone());
        entry.traffic.logged_in(&identity);
        let state = state_of(&mut self.peers, &identity);
        state.conns.push(conn);
        let replay = match resume {
            Some(resume) => state.held.replay(resume.seq, state.next_seq),
            None => Vec::new(),
        };
        Ok((identity, replay))
    }

    // ----- WebSocket: frames after login -----

    /// Handles one frame from a logged-in connection: refuses it with a reason or delivers it.
    /// A `request_id` already seen from this sender is answered as before and not delivered
    /// again.
    pub(crate) fn handle(&mut self, identity: &Peer, request: &Request) -> Verdict {
        let Some(request_id) = &request.request_id else {
            return self.process(identity, &request.frame);
        };
        let now = Instant::now();
        if let Some(seen) = self.dedup.get(identity, request_id, now) {
            return seen;
        }
        let verdict = self.process(identity, &request.frame);
        self.dedup.remember(identity, request_id, verdict.clone(), now);
        verdict
    }
}

/// The state of `identity`, created on first use (no clone of the key when it exists).
pub(super) fn state_of<'a>(peers: &'a mut Map<Peer, PeerState>, identity: &Peer) -> &'a mut PeerState {
    if !peers.contains_key(identity) {
        peers.insert(identity.clone(), PeerState::default());
    }
    peers.get_mut(identity).expect("inserted above")
}

#[cfg(test)]
mod tests {
    use super::super::test_hub::{hub, setup};
    use super::*;
    use crate::protocol::{MessageBody, MessageContent, Resume, Secret};

    #[test]
    fn replay_keeps_at_least_the_configured_count_and_reports_the_gap() {
        let mut hub = hub();
        let (owner_token, service, channel, user) = setup(&mut hub);
        for _ in 0..5 {
            hub.channels.get_mut(&channel).unwrap().members.insert(user.clone());
            let body = MessageBody {
                channel_id: channel.as_str().into(),
                content: MessageContent::text("x"),
                recipients: None,
                sender: None,
                message_id: None,
                timestamp: None,
                context: None,
            };
            hub.message_up(&user, &body).unwrap();
        }
        let (conn, _rx, _cut, _log) = hub.open(None);
        let login = Frame::ServiceLogin {
            service_id: service.as_str().into(),
            access_token: Secret::new(owner_token),
            resume: Some(Resume { seq: 0 }),
        };
        let (identity, replay) = hub.login(conn, &login).unwrap();
        assert_eq!(identity, Peer::Service(service));
        assert!(matches!(replay[0], Out::Gap { from_seq: 1, to_seq: 2 }), "{replay:?}");
        let seqs: Vec<u64> = replay
            .iter()
            .filter_map(|o| if let Out::Event { seq, .. } = o { Some(*seq) } else { None })
            .collect();
        assert_eq!(seqs, vec![3, 4, 5]);
    }
}
