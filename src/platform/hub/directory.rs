//! What exists on the platform besides accounts: services and who owns them, channels with their
//! members and the service bound to each, agents (a service's characters), characters' profiles,
//! and groups of characters. The HTTP API reads and changes it; routing reads it.

use super::{Fail, Hub, new_id};
use crate::protocol::Context;
use std::collections::BTreeSet;

pub(crate) struct ServiceRecord {
    pub(crate) owner: String,
    pub(crate) description: String,
}

pub(crate) struct ChannelRecord {
    /// The account that created it: only its services may be bound to it.
    pub(crate) owner: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) service: Option<String>,
    pub(crate) members: BTreeSet<String>,
}

pub(crate) struct AgentRecord {
    pub(crate) service_id: String,
    pub(crate) context: Context,
}

pub(super) struct GroupRecord {
    pub(super) characters: Vec<String>,
    channel_id: Option<String>,
}

impl GroupRecord {
    /// Made with `/service/group/create` (a service's recipients), not in a channel.
    pub(super) fn is_service_group(&self) -> bool {
        self.channel_id.is_none()
    }
}

impl Hub {
    pub(crate) fn create_service(&mut self, owner: &str, description: &str) -> String {
        let id = new_id();
        self.services.insert(
            id.clone(),
            ServiceRecord { owner: owner.to_owned(), description: description.to_owned() },
        );
        id
    }

    /// The services `owner` owns, with their channels.
    pub(crate) fn services_of(&self, owner: &str) -> Vec<(String, &ServiceRecord, Vec<String>)> {
        let mut out: Vec<_> = self
            .services
            .iter()
            .filter(|(_, s)| s.owner == owner)
            .map(|(id, s)| {
                let mut channels: Vec<String> = self
                    .channels
                    .iter()
                    .filter(|(_, c)| c.service.as_deref() == Some(id))
                    .map(|(cid, _)| cid.clone())
                    .collect();
                channels.sort();
                (id.clone(), s, channels)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub(super) fn owned_service(&self, user: &str, service_id: &str) -> Result<&ServiceRecord, Fail> {
        let service = self
            .services
            .get(service_id)
            .ok_or_else(|| Fail::not_found(format!("service `{service_id}` does not exist")))?;
        if service.owner != user {
            return Err(Fail::forbidden(format!(
                "service `{service_id}` belongs to another account: only its owner may use it"
            )));
        }
        Ok(service)
    }

    pub(crate) fn bind(&mut self, user: &str, service_id: &str, channel_id: &str) -> Result<(), Fail> {
        self.owned_service(user, service_id)?;
        let channel = self.channel_mut(channel_id)?;
        if channel.owner != user {
            return Err(Fail::forbidden(format!(
                "channel `{channel_id}` was created by another account: bind your service to a channel you created"
            )));
        }
        channel.service = Some(service_id.to_owned());
        Ok(())
    }

    pub(crate) fn unbind(&mut self, user: &str, service_id: &str, channel_id: &str) -> Result<(), Fail> {
        self.owned_service(user, service_id)?;
        let channel = self.channel_mut(channel_id)?;
        if channel.service.as_deref() != Some(service_id) {
            return Err(Fail::bad(format!("channel `{channel_id}` is not bound to service `{service_id}`")));
        }
        channel.service = None;
        Ok(())
    }

    pub(crate) fn create_channel(&mut self, owner: &str, name: &str, description: &str) -> String {
        let id = new_id();
        let record = ChannelRecord {
            owner: owner.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            service: None,
            members: BTreeSet::new(),
        };
        self.channels.insert(id.clone(), record);
        id
    }

    /// `/channel/update`: the channel's creator renames it and sets its description.
    pub(crate) fn update_channel(
        &mut self,
        user: &str,
        channel_id: &str,
        name: &str,
        description: &str,
    ) -> Result<(), Fail> {
        let channel = self.channel_mut(channel_id)?;
        if channel.owner != user {
            return Err(Fail::forbidden(format!(
                "channel `{channel_id}` was created by another account: only its creator may update it"
            )));
        }
        name.clone_into(&mut channel.name);
        description.clone_into(&mut channel.description);
        Ok(())
    }

    /// `/channel/popular`: the channels with the most members, at most the configured number.
    pub(crate) fn popular_channels(&self) -> Vec<(&str, &ChannelRecord)> {
        let mut all: Vec<_> = self.channels.iter().map(|(id, c)| (id.as_str(), c)).collect();
        all.sort_by(|a, b| {
            b.1.members.len().cmp(&a.1.members.len()).then(a.1.name.cmp(&b.1.name)).then(a.0.cmp(b.0))
        });
        all.truncate(self.config.popular_channels);
        all
    }

    pub(crate) fn channels_of(&self, user: &str) -> Vec<(String, &ChannelRecord)> {
        let mut out: Vec<_> = self
            .channels
            .iter()
            .filter(|(_, c)| c.members.contains(user))
            .map(|(id, c)| (id.clone(), c))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// A service's description, if it exists.
    pub(crate) fn service_description(&self, service_id: &str) -> Option<&str> {
        self.services.get(service_id).map(|s| s.description.as_str())
    }

    /// Every channel, by id (the studio lists them; the platform is a development server).
    pub(crate) fn all_channels(&self) -> Vec<(&str, &ChannelRecord)> {
        let mut all: Vec<_> = self.channels.iter().map(|(id, c)| (id.as_str(), c)).collect();
        all.sort_by(|a, b| a.1.name.cmp(&b.1.name).then(a.0.cmp(b.0)));
        all
    }

    /// The members of a channel, for one of them or the owner of the service bound to it.
    pub(crate) fn members_for(&self, user: &str, channel_id: &str) -> Result<Vec<String>, Fail> {
        let channel = self.channel(channel_id)?;
        let owns_service =
            channel.service.as_ref().and_then(|s| self.services.get(s)).is_some_and(|s| s.owner == user);
        if !channel.members.contains(user) && !owns_service {
            return Err(Fail::forbidden(format!(
                "only members of channel `{channel_id}` and the owner of its service see its members"
            )));
        }
        Ok(channel.members.iter().cloned().collect())
    }

    pub(crate) fn channel(&self, channel_id: &str) -> Result<&ChannelRecord, Fail> {
        self.channels.get(channel_id).ok_or_else(|| no_channel(channel_id))
    }

    fn channel_mut(&mut self, channel_id: &str) -> Result<&mut ChannelRecord, Fail> {
        self.channels.get_mut(channel_id).ok_or_else(|| no_channel(channel_id))
    }

    pub(crate) fn create_agent(
        &mut self,
        user: &str,
        service_id: &str,
        context: Context,
    ) -> Result<String, Fail> {
        self.owned_service(user, service_id)?;
        let id = new_id();
        self.agents.insert(id.clone(), AgentRecord { service_id: service_id.to_owned(), context });
        Ok(id)
    }

    pub(crate) fn agents_of(&self, user: &str, service_id: &str) -> Result<Vec<(String, Context)>, Fail> {
        self.owned_service(user, service_id)?;
        let mut out: Vec<_> = self
            .agents
            .iter()
            .filter(|(_, a)| a.service_id == service_id)
            .map(|(id, a)| (id.clone(), a.context.clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// `/service/character/update`: the owner of an agent's service sets its name, avatar and
    /// description (fields not given are kept). Returns the new context.
    pub(crate) fn update_agent(
        &mut self,
        user: &str,
        service_id: &str,
        character_id: &str,
        context: Context,
    ) -> Result<Context, Fail> {
        self.owned_service(user, service_id)?;
        let agent =
            self.agents.get_mut(character_id).filter(|a| a.service_id == service_id).ok_or_else(|| {
                Fail::not_found(format!("service `{service_id}` has no agent `{character_id}`"))
            })?;
        for (field, value) in context {
            agent.context.insert(field, value);
        }
        Ok(agent.context.clone())
    }

    /// `POST /user/info`: the user sets its own name, avatar and description.
    pub(crate) fn update_user_profile(&mut self, user: &str, context: Context) -> Result<(), Fail> {
        let mut profile = self.profile(user)?;
        let record = self
            .users
            .get_mut(user)
            .ok_or_else(|| Fail::not_found(format!("user `{user}` does not exist")))?;
        for (field, value) in context {
            profile.insert(field, value);
        }
        record.profile = Some(profile);
        Ok(())
    }

    /// The profile (`character_context`) of a user or an agent.
    pub(crate) fn profile(&self, character_id: &str) -> Result<Context, Fail> {
        if let Some(agent) = self.agents.get(character_id) {
            return Ok(agent.context.clone());
        }
        let user = self
            .users
            .get(character_id)
            .ok_or_else(|| Fail::not_found(format!("character `{character_id}` does not exist")))?;
        if let Some(profile) = &user.profile {
            return Ok(profile.clone());
        }
        let mut context = Context::new();
        context.insert("name".into(), user.username.clone().into());
        context.insert("avatar".into(), "".into());
        context.insert("description".into(), "".into());
        Ok(context)
    }

    pub(crate) fn create_group(&mut self, characters: Vec<String>, channel_id: Option<String>) -> String {
        let id = new_id();
        self.groups.insert(id.clone(), GroupRecord { characters, channel_id });
        id
    }

    pub(crate) fn group(&self, group_id: &str) -> Result<&[String], Fail> {
        self.groups
            .get(group_id)
            .map(|g| g.characters.as_slice())
            .ok_or_else(|| Fail::not_found(format!("group `{group_id}` does not exist")))
    }

    pub(crate) fn groups_of_channel(&self, channel_id: &str) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<_> = self
            .groups
            .iter()
            .filter(|(_, g)| g.channel_id.as_deref() == Some(channel_id))
            .map(|(id, g)| (id.clone(), g.characters.clone()))
            .collect();
        out.sort();
        out
    }
}

/// The refusal for a channel id the platform does not know.
fn no_channel(channel_id: &str) -> Fail {
    Fail::not_found(format!("channel `{channel_id}` does not exist"))
}
