//! Where a logged-in connection's frame goes: who may send which frame, the channel rules it must
//! pass (membership, binding, groups), and the delivery of the resulting events to every
//! recipient's live connections (each recipient's next `seq`, one serialized body shared by all,
//! held for resume; a connection that stopped reading is dropped). Messages are remembered in
//! their channel's history, and the service groups they and updates go to as its temp groups
//! (`history.rs`).

use super::directory::ChannelRecord;
use super::history::Delivered;
use super::sessions::state_of;
use super::{ConnId, Hub, Out, Verdict, new_id};
use crate::platform::traffic::Peer;
use crate::protocol::{
    ActionBody, ActionKind, ChannelInfo, Context, Frame, MessageBody, Stamp, UpdateBody, UpdateContent,
    UpdatePayload, now_millis, stamped_message_body,
};
use std::sync::Arc;
use tokio::sync::mpsc;

impl Hub {
    pub(super) fn process(&mut self, identity: &Peer, frame: &Frame) -> Verdict {
        match (identity, frame) {
            (_, Frame::Heartbeat) => Ok(()),
            (_, Frame::ServiceLogin { .. } | Frame::UserLogin { .. }) => {
                Err(format!("this connection is already logged in as {identity}"))
            }
            (Peer::User(user), Frame::Action { user_id, body }) => {
                same_user(user, user_id.as_deref())?;
                self.user_action(user, body)
            }
            (Peer::User(user), Frame::MessageUp { user_id, body, .. }) => {
                same_user(user, user_id.as_deref())?;
                self.message_up(user, body)
            }
            (Peer::Service(service), Frame::MessageDown { service_id, body }) => {
                same_service(service, service_id)?;
                self.message_down(service, body)
            }
            (Peer::Service(service), Frame::Update { service_id, update }) => {
                same_service(service, service_id)?;
                self.update(service, update)
            }
            (Peer::User(_), Frame::MessageDown { .. } | Frame::Update { .. }) => {
                Err(format!("a user may not send `{}`: only a service sends it", frame.frame_type()))
            }
            (Peer::Service(_), Frame::Action { .. } | Frame::MessageUp { .. }) => Err(format!(
                "a service may not send `{}`: only a user sends it (log in with user_login)",
                frame.frame_type()
            )),
        }
    }

    fn member_channel(&self, user: &str, channel_id: &str) -> Result<&ChannelRecord, String> {
        let channel =
            self.channels.get(channel_id).ok_or_else(|| format!("channel `{channel_id}` does not exist"))?;
        if !channel.members.contains(user) {
            return Err(format!("you are not in channel `{channel_id}`: join it first (join_channel)"));
        }
        Ok(channel)
    }

    fn bound_service(channel_id: &str, channel: &ChannelRecord) -> Result<Peer, String> {
        channel.service.clone().map(Peer::Service).ok_or_else(|| {
            format!("channel `{channel_id}` has no service bound to it: nobody would receive this")
        })
    }

    fn user_action(&mut self, user: &str, body: &ActionBody) -> Verdict {
        let channel_id = &body.channel_id;
        let kind = match &body.kind {
            ActionKind::JoinChannel => {
                let channel = self
                    .channels
                    .get_mut(channel_id.as_str())
                    .ok_or_else(|| format!("channel `{channel_id}` does not exist"))?;
                channel.members.insert(user.to_owned());
                let Some(service) = channel.service.clone() else { return Ok(()) };
                let event = ActionBody {
                    channel_id: channel_id.clone(),
                    sender: Some(user.into()),
                    context: Some(body.context.clone().unwrap_or_default()),
                    kind: ActionKind::Join,
                };
                self.deliver_one(&Peer::Service(service), "action", &event);
                return Ok(());
            }
            ActionKind::LeaveChannel => {
                self.member_channel(user, channel_id)?;
                let channel = self.channels.get_mut(channel_id.as_str()).ok_or("channel vanished")?;
                channel.members.remove(user);
                let Some(service) = channel.service.clone() else { return Ok(()) };
                let event = ActionBody {
                    channel_id: channel_id.clone(),
                    sender: Some(user.into()),
                    context: Some(body.context.clone().unwrap_or_default()),
                    kind: ActionKind::Leave,
                };
                self.deliver_one(&Peer::Service(service), "action", &event);
                return Ok(());
            }
            ActionKind::Join | ActionKind::Leave => {
                return Err(format!(
                    "`{}` is what a service receives; a user sends `join_channel` / `leave_channel`",
                    body.kind.subtype()
                ));
            }
            other => other.clone(),
        };
        let channel = self.member_channel(user, channel_id)?;
        let service = Self::bound_service(channel_id, channel)?;
        let event = ActionBody {
            channel_id: channel_id.clone(),
            sender: Some(user.into()),
            context: Some(body.context.clone().unwrap_or_default()),
            kind,
        };
        self.deliver_one(&service, "action", &event);
        Ok(())
    }

    // `pub(super)`: the replay test in sessions.rs sends with it.
    pub(super) fn message_up(&mut self, user: &str, body: &MessageBody) -> Verdict {
        let channel = self.member_channel(user, &body.channel_id)?;
        let service = Self::bound_service(&body.channel_id, channel)?;
        let message_id = new_id();
        let stamp = Stamp { sender: user, message_id: &message_id, timestamp: now_millis() };
        let text: Arc<str> = stamped_message_body(body, &stamp).into();
        self.deliver_text(std::slice::from_ref(&service), "message_up", &text);
        self.remember_message(Delivered {
            channel_id: &body.channel_id,
            message_id: &message_id,
            sender: user,
            seen_by: Vec::new(),
            body: text,
        });
        Ok(())
    }

    fn service_channel(&self, service: &str, channel_id: &str) -> Result<&ChannelRecord, String> {
        let channel =
            self.channels.get(channel_id).ok_or_else(|| format!("channel `{channel_id}` does not exist"))?;
        if channel.service.as_deref() != Some(service) {
            return Err(format!(
                "channel `{channel_id}` is not bound to service `{service}`: bind it first (/service/bind)"
            ));
        }
        Ok(channel)
    }

    /// The users among `group`'s characters that are in the channel.
    fn recipients(&self, channel: &ChannelRecord, group: Option<&str>) -> Result<Vec<Peer>, String> {
        let group =
            group.ok_or("no `recipients`: name a group id (create one with /service/group/create)")?;
        let characters = self.groups.get(group).ok_or_else(|| {
            format!("recipients group `{group}` does not exist: create it with /service/group/create")
        })?;
        let mut out: Vec<Peer> = characters
            .characters
            .iter()
            .filter(|c| channel.members.contains(*c))
            .map(|c| Peer::User(c.clone()))
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn message_down(&mut self, service: &str, body: &MessageBody) -> Verdict {
        let channel = self.service_channel(service, &body.channel_id)?;
        let sender = body.sender.as_deref().unwrap_or(service);
        let is_agent = self.agents.get(sender).is_some_and(|a| a.service_id == service);
        if sender != service && !is_agent && !channel.members.contains(sender) {
            return Err(format!(
                "sender `{sender}` is not a character of service `{service}` nor a member of the channel: create it with /service/character/create"
            ));
        }
        let to = self.recipients(channel, body.recipients.as_deref())?;
        let message_id = new_id();
        let stamp = Stamp { sender, message_id: &message_id, timestamp: now_millis() };
        let text: Arc<str> = stamped_message_body(body, &stamp).into();
        if let Some(group) = &body.recipients {
            self.note_temp_group(&body.channel_id, group);
        }
        self.deliver_text(&to, "message_down", &text);
        self.remember_message(Delivered {
            channel_id: &body.channel_id,
            message_id: &message_id,
            sender,
            seen_by: to,
            body: text,
        });
        Ok(())
    }

    fn update(&mut self, service: &str, update: &UpdatePayload) -> Verdict {
        match update {
            UpdatePayload::Body(body) => {
                let channel = self.service_channel(service, &body.channel_id)?;
                let to = self.recipients(channel, body.recipients.as_deref())?;
                let mut event = body.clone();
                event.context.get_or_insert_with(Context::new);
                if let Some(group) = &body.recipients {
                    self.note_temp_group(&body.channel_id, group);
                }
                self.deliver_many(&to, "update", &event);
                Ok(())
            }
            UpdatePayload::ChannelInfo(info) => {
                let channel = self.service_channel(service, &info.channel_id)?;
                let to: Vec<Peer> = channel.members.iter().map(|m| Peer::User(m.clone())).collect();
                if let Some(channel) = self.channels.get_mut(info.channel_id.as_str()) {
                    channel.name.clone_from(&info.channel_name);
                    channel.description.clone_from(&info.channel_description);
                }
                let event = UpdateBody {
                    channel_id: info.channel_id.clone(),
                    content: UpdateContent::ChannelInfo(ChannelInfo::clone(info)),
                    recipients: None,
                    group_id: None,
                    context: Some(Context::new()),
                };
                self.deliver_many(&to, "update", &event);
                Ok(())
            }
            UpdatePayload::Custom(data) => {
                let subtype = data.get("subtype").and_then(|s| s.as_str()).unwrap_or("(none)");
                Err(format!(
                    "unknown update subtype `{subtype}`: the platform knows characters, buttons, menu, style, canvas and channel_info"
                ))
            }
        }
    }

    // ----- delivery -----

    fn deliver_one<T: serde::Serialize>(&mut self, to: &Peer, kind: &'static str, body: &T) {
        self.deliver_many(std::slice::from_ref(to), kind, body);
    }

    /// Serializes `body` once and hands the shared text to every recipient identity (see
    /// [`Hub::deliver_text`]).
    fn deliver_many<T: serde::Serialize>(&mut self, to: &[Peer], kind: &'static str, body: &T) {
        if to.is_empty() {
            return;
        }
        if let Some(body) = serialized(kind, body) {
            self.deliver_text(to, kind, &body);
        }
    }

    /// Hands the serialized event to every recipient identity: each gets its next `seq`, the
    /// event is held for resume, and it is queued on each live connection.
    fn deliver_text(&mut self, to: &[Peer], kind: &'static str, body: &Arc<str>) {
        let (max_events, max_bytes) = (self.config.replay_events, self.config.replay_bytes);
        let mut overflowing = Vec::new();
        for identity in to {
            let state = state_of(&mut self.peers, identity);
            state.next_seq += 1;
            let seq = state.next_seq;
            state.held.push(seq, kind, body.clone(), max_events, max_bytes);
            for conn_id in &state.conns {
                let Some(conn) = self.conns.get(conn_id) else { continue };
                let out = Out::Event { kind, seq, body: body.clone() };
                if let Err(mpsc::error::TrySendError::Full(_)) = conn.tx.try_send(out) {
                    overflowing.push(*conn_id);
                }
            }
        }
        for conn_id in overflowing {
            self.drop_slow(conn_id);
        }
    }

    /// Disconnects a connection whose outbound buffer is full: it stopped reading.
    fn drop_slow(&mut self, conn_id: ConnId) {
        let why = format!(
            "outbound buffer full ({} events waiting): the client stopped reading, so it was disconnected",
            self.config.outbound_buffer
        );
        if let Some(conn) = self.conns.get(&conn_id) {
            log::warn!("connection {conn_id}: {why}");
            conn.traffic.closed(Some(&why));
            conn.cut.cut(&why);
        }
        self.close(conn_id);
    }
}

/// An event body's JSON, shared by every recipient and the history.
fn serialized<T: serde::Serialize>(kind: &str, body: &T) -> Option<Arc<str>> {
    match serde_json::to_string(body) {
        Ok(text) => Some(text.into()),
        Err(error) => {
            log::error!("cannot serialize a {kind} event: {error}");
            None
        }
    }
}

fn same_user(user: &str, claimed: Option<&str>) -> Result<(), String> {
    match claimed {
        Some(claimed) if claimed != user => Err(format!(
            "`user_id` `{claimed}` is not the logged-in user `{user}`: a user sends only as itself"
        )),
        _ => Ok(()),
    }
}

fn same_service(service: &str, claimed: &str) -> Result<(), String> {
    if claimed != service {
        return Err(format!(
            "`service_id` `{claimed}` is not the logged-in service `{service}`: log in as that service to send for it"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_hub::{hub, setup};
    use super::*;
    use crate::protocol::{MessageContent, Secret};

    #[test]
    fn fan_out_shares_one_serialized_body_among_all_recipients() {
        let mut hub = hub();
        let (owner_token, service, channel, alice) = setup(&mut hub);
        let (bob_token, _, bob) = hub.sign_in("bob", &Secret::new("pw")).unwrap();
        let (alice_token, _, _) = hub.sign_in("user", &Secret::new("pw")).unwrap();
        let mut receivers = Vec::new();
        for token in [alice_token, bob_token] {
            let (conn, rx, _cut, _log) = hub.open(None);
            let (identity, _) = hub.login(conn, &Frame::user_login(token)).unwrap();
            hub.handle(
                &identity,
                &Frame::join_channel(identity.id().into(), channel.as_str().into()).into_request(),
            )
            .unwrap();
            receivers.push(rx);
        }
        let group = hub.create_group(vec![alice, bob], None);
        let service_id = Peer::Service(service.clone());
        let _ = owner_token;
        let down = Frame::message_down(
            service.as_str().into(),
            channel.as_str().into(),
            MessageContent::text("hi"),
            group.into(),
            service.as_str().into(),
        )
        .unwrap();
        hub.handle(&service_id, &down.into_request()).unwrap();
        let bodies: Vec<Arc<str>> = receivers
            .iter_mut()
            .map(|rx| match rx.try_recv() {
                Ok(Out::Event { kind: "message_down", body, .. }) => body,
                other => panic!("expected the message_down, got {other:?}"),
            })
            .collect();
        assert!(Arc::ptr_eq(&bodies[0], &bodies[1]), "serialized once, shared by every recipient");
    }
}
