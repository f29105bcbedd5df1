//! What a channel remembers of its traffic: the messages delivered in it (for
//! `/channel/history_message`), bounded per channel by count and bytes, the oldest going first;
//! and its temp groups (the service groups that were recipients there, for `/user/group/temp`),
//! bounded per channel, the least recently used going first.
//!
//! Who sees which message: the owner of the channel and the owner of the service bound to it see
//! all of them; a member sees the messages it sent and those delivered to it.

use super::Map;
use super::{Fail, Hub};
use crate::platform::traffic::Peer;
use std::collections::VecDeque;
use std::sync::Arc;

/// One delivered message: its body as delivered (serialized once, shared with the delivery).
struct Entry {
    message_id: String,
    body: Arc<str>,
    sender: String,
    /// The users it was delivered to: the delivery's own list, moved here, not copied.
    seen_by: Vec<Peer>,
}

impl Entry {
    /// What it holds, counted against the channel's byte limit: the body and the recipients'
    /// ids (a message to 10,000 users holds their ids too).
    fn weight(body: &str, seen_by: &[Peer]) -> usize {
        body.len() + seen_by.iter().map(|p| p.id().len() + std::mem::size_of::<Peer>()).sum::<usize>()
    }
}

/// One channel's memory.
#[derive(Default)]
pub(super) struct ChannelMemory {
    messages: VecDeque<Entry>,
    bytes: usize,
    temp_groups: VecDeque<String>,
}

impl ChannelMemory {
    /// Messages held and their bytes.
    pub(super) fn sizes(&self) -> (usize, usize) {
        (self.messages.len(), self.bytes)
    }
}

/// A message to remember.
pub(super) struct Delivered<'a> {
    pub(super) channel_id: &'a str,
    pub(super) message_id: &'a str,
    pub(super) sender: &'a str,
    pub(super) seen_by: Vec<Peer>,
    pub(super) body: Arc<str>,
}

/// The channel's memory, made on first use (the id is copied only then, not per message).
fn memory_of<'a>(memories: &'a mut Map<String, ChannelMemory>, channel_id: &str) -> &'a mut ChannelMemory {
    if !memories.contains_key(channel_id) {
        memories.insert(channel_id.to_owned(), ChannelMemory::default());
    }
    memories.get_mut(channel_id).expect("inserted above")
}

impl Hub {
    /// Remembers a delivered message in its channel's history.
    pub(super) fn remember_message(&mut self, message: Delivered<'_>) {
        let (max_messages, max_bytes) = (self.config.history_messages, self.config.history_bytes);
        let weight = Entry::weight(&message.body, &message.seen_by);
        if max_messages == 0 || weight > max_bytes {
            return;
        }
        let memory = memory_of(&mut self.memories, message.channel_id);
        while memory.messages.len() >= max_messages || memory.bytes + weight > max_bytes {
            let Some(oldest) = memory.messages.pop_front() else { break };
            memory.bytes -= Entry::weight(&oldest.body, &oldest.seen_by);
        }
        memory.bytes += weight;
        memory.messages.push_back(Entry {
            message_id: message.message_id.to_owned(),
            body: message.body,
            sender: message.sender.to_owned(),
            seen_by: message.seen_by,
        });
    }

    /// Notes that a service group was the recipients of something in a channel.
    pub(super) fn note_temp_group(&mut self, channel_id: &str, group_id: &str) {
        let limit = self.config.temp_groups;
        if limit == 0 || !self.groups.get(group_id).is_some_and(|g| g.is_service_group()) {
            return;
        }
        let memory = memory_of(&mut self.memories, channel_id);
        if memory.temp_groups.back().is_some_and(|g| g == group_id) {
            return; // Already the most recent: the common case, a service answering one group.
        }
        if let Some(at) = memory.temp_groups.iter().position(|g| g == group_id) {
            let _ = memory.temp_groups.remove(at);
        }
        while memory.temp_groups.len() >= limit {
            memory.temp_groups.pop_front();
        }
        memory.temp_groups.push_back(group_id.to_owned());
    }

    /// Whether `user` sees everything in the channel (it owns the channel or its service), or
    /// only its own messages (a member); anyone else is refused.
    fn sees_all(&self, user: &str, channel_id: &str) -> Result<bool, Fail> {
        let channel = self.channel(channel_id)?;
        let owns_service =
            channel.service.as_ref().and_then(|s| self.services.get(s)).is_some_and(|s| s.owner == user);
        if channel.owner == user || owns_service {
            return Ok(true);
        }
        if channel.members.contains(user) {
            return Ok(false);
        }
        Err(Fail::forbidden(format!(
            "only members of channel `{channel_id}` and the owners of it and of its service see its history"
        )))
    }

    /// The last `limit` messages `user` may see in the channel, oldest first; with `before`, only
    /// those older than that message.
    pub(crate) fn history_for(
        &self,
        user: &str,
        channel_id: &str,
        limit: usize,
        before: Option<&str>,
    ) -> Result<Vec<Arc<str>>, Fail> {
        let all = self.sees_all(user, channel_id)?;
        let Some(memory) = self.memories.get(channel_id) else { return Ok(Vec::new()) };
        let end = match before {
            None => memory.messages.len(),
            Some(id) => memory.messages.iter().position(|m| m.message_id == id).ok_or_else(|| {
                Fail::not_found(format!(
                    "message `{id}` is not in the history of channel `{channel_id}` (it keeps the last {} messages)",
                    self.config.history_messages
                ))
            })?,
        };
        let mut page: Vec<Arc<str>> = memory
            .messages
            .range(..end)
            .rev()
            .filter(|m| all || m.sender == user || m.seen_by.iter().any(|u| u.id() == user))
            .take(limit)
            .map(|m| Arc::clone(&m.body))
            .collect();
        page.reverse();
        Ok(page)
    }

    /// The channel's temp groups, least recently used first, with their members.
    pub(crate) fn temp_groups_for(
        &self,
        user: &str,
        channel_id: &str,
    ) -> Result<Vec<(String, Vec<String>)>, Fail> {
        self.members_for(user, channel_id)?;
        let Some(memory) = self.memories.get(channel_id) else { return Ok(Vec::new()) };
        Ok(memory
            .temp_groups
            .iter()
            .filter_map(|id| Some((id.clone(), self.groups.get(id)?.characters.clone())))
            .collect())
    }

    /// Messages and bytes held over all channels.
    pub(super) fn history_sizes(&self) -> (usize, usize) {
        self.memories.values().map(ChannelMemory::sizes).fold((0, 0), |(m, b), (m2, b2)| (m + m2, b + b2))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_hub::{hub, setup};
    use super::*;

    fn remember(hub: &mut Hub, channel: &str, id: &str, sender: &str, seen_by: &[&str]) {
        hub.remember_message(Delivered {
            channel_id: channel,
            message_id: id,
            sender,
            seen_by: seen_by.iter().map(|s| Peer::User((*s).to_owned())).collect(),
            body: format!("{{\"message_id\":\"{id}\"}}").into(),
        });
    }

    #[test]
    fn the_recipients_ids_count_against_the_byte_limit() {
        let config = crate::platform::PlatformConfig::default().history_bytes(4_000);
        let mut hub = Hub::new(config);
        let many: Vec<String> = (0..100).map(|i| format!("user-{i:030}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        for id in ["m1", "m2", "m3"] {
            remember(&mut hub, "c", id, "svc", &many[..20]);
        }
        let (messages, bytes) = hub.history_sizes();
        assert!(bytes <= 4_000, "{bytes} bytes held");
        assert!(messages < 3, "three messages to 20 users each weigh more than 4,000 bytes: {messages} kept");
        remember(&mut hub, "c", "m4", "svc", &many);
        assert_eq!(
            hub.history_sizes(),
            (messages, bytes),
            "a message to 100 users alone is over the limit: not kept"
        );
    }

    #[test]
    fn the_history_is_bounded_and_each_sees_its_own() {
        let mut hub = Hub::new(crate::platform::PlatformConfig::default().history_messages(3));
        let (_, _, owner) = hub.sign_in("owner", &crate::protocol::Secret::new("pw")).unwrap();
        let (_, _, user) = hub.sign_in("user", &crate::protocol::Secret::new("pw")).unwrap();
        let channel = hub.create_channel(&owner, "c", "d");
        assert_eq!(hub.history_for(&user, &channel, 10, None).unwrap_err().status, 403);
        hub.channels.get_mut(&channel).unwrap().members.insert(user.clone());
        for (id, sender, seen) in
            [("m1", "svc", vec![]), ("m2", "svc", vec![user.as_str()]), ("m3", &user, vec![])]
        {
            remember(&mut hub, &channel, id, sender, &seen);
        }
        remember(&mut hub, &channel, "m4", "svc", &[]);
        let ids = |page: Vec<Arc<str>>| page.iter().map(|b| b[15..17].to_owned()).collect::<Vec<_>>();
        assert_eq!(
            ids(hub.history_for(&owner, &channel, 10, None).unwrap()),
            ["m2", "m3", "m4"],
            "m1 fell out"
        );
        assert_eq!(ids(hub.history_for(&user, &channel, 10, None).unwrap()), ["m2", "m3"]);
        assert_eq!(ids(hub.history_for(&owner, &channel, 1, None).unwrap()), ["m4"]);
        assert_eq!(ids(hub.history_for(&owner, &channel, 10, Some("m4")).unwrap()), ["m2", "m3"]);
        assert_eq!(hub.history_for(&owner, &channel, 10, Some("m1")).unwrap_err().status, 404);
    }

    #[test]
    fn temp_groups_are_service_groups_used_in_the_channel() {
        let mut hub = hub();
        let (_, _, channel, user) = setup(&mut hub);
        let service_group = hub.create_group(vec![user.clone()], None);
        let channel_group = hub.create_group(vec![user.clone()], Some(channel.clone()));
        hub.note_temp_group(&channel, &service_group);
        hub.note_temp_group(&channel, &channel_group);
        hub.note_temp_group(&channel, &service_group);
        let (owner_token, ..) = hub.sign_in("owner", &crate::protocol::Secret::new("pw")).unwrap();
        let owner = hub.authenticate(&owner_token).unwrap();
        assert_eq!(hub.temp_groups_for(&owner, &channel).unwrap(), [(service_group, vec![user])]);
    }
}
