//! The outbox actor: turns a service's typed actions into frames, in the order they were asked
//! for, resolving recipient lists to group ids (cached) on the way, and hands them to the
//! runtime's outbound queue.

use super::recipients::Recipients;
use crate::client::Client;
use crate::http::HttpClient;
use crate::protocol::{ActionKind, ChannelInfo, Frame, MessageContent, UpdateContent};
use actix::prelude::*;

/// Who the outbox speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    Service { service_id: String },
    User { user_id: String },
}

/// One thing to send.
#[derive(Debug)]
pub(crate) enum Action {
    /// `message_down` (service) or `message_up` (user).
    Message { channel_id: String, content: MessageContent, recipients: Recipients, sender: Option<String> },
    /// `update` of a standard subtype (service).
    Update { channel_id: String, content: UpdateContent, recipients: Recipients },
    /// `update` `characters` with a list of characters (service).
    Characters { channel_id: String, characters: Vec<String>, recipients: Recipients },
    /// `update_channel_info` (service).
    ChannelInfo(ChannelInfo),
    /// An action a user sends (user).
    User { channel_id: String, kind: ActionKind },
    /// A frame built by the program.
    Raw(Frame),
}

/// Asks the outbox to send one action, after every action asked for before it.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub(crate) struct Act(pub(crate) Action);

/// The outbox of one service or user-mode bot.
pub(crate) struct Outbox {
    role: Role,
    client: Client,
    http: Option<HttpClient>,
}

impl Outbox {
    pub(crate) fn new(role: Role, client: Client, http: Option<HttpClient>) -> Self {
        Self { role, client, http }
    }
}

impl Actor for Outbox {
    type Context = Context<Self>;
}

/// Why an action was not sent.
fn report(action: &str, why: impl std::fmt::Display) {
    log::error!("{action} not sent: {why}");
}

async fn group_for(
    http: Option<HttpClient>,
    recipients: Recipients,
    role: &Role,
    channel_id: &str,
) -> Option<String> {
    match recipients {
        Recipients::Group(group) => Some(group),
        Recipients::Characters(characters) if characters.is_empty() => {
            log::warn!("empty recipient list: nothing is sent (as the reference SDK)");
            None
        }
        Recipients::Characters(characters) => {
            let Some(http) = http else {
                report(
                    "a frame to a list of characters",
                    "this service has no HTTP client to make the list a group id; pass Recipients::group",
                );
                return None;
            };
            let made = match role {
                Role::Service { .. } => http.create_group(&characters).await,
                Role::User { .. } => http.create_channel_group(channel_id, &characters).await,
            };
            made.map_err(|e| {
                report("a frame to a list of characters", format!("the group could not be made: {e}"))
            })
            .ok()
        }
    }
}

impl Handler<Act> for Outbox {
    type Result = ();

    fn handle(&mut self, Act(action): Act, ctx: &mut Context<Self>) {
        let role = self.role.clone();
        let client = self.client.clone();
        // A group id known already: build and send at once, no future.
        let needs_http = match &action {
            Action::Message { recipients, .. } | Action::Update { recipients, .. } => {
                matches!(recipients, Recipients::Characters(c) if !c.is_empty())
            }
            Action::Characters { .. } => true,
            _ => false,
        };
        if !needs_http {
            let frame = build(&role, action, None, None);
            send(&client, frame);
            return;
        }
        let http = self.http.clone();
        // `wait` holds the mailbox until this action is sent, so actions keep their order.
        ctx.wait(
            async move {
                let (recipients, characters, channel_id) = match &action {
                    Action::Message { recipients, channel_id, .. }
                    | Action::Update { recipients, channel_id, .. } => {
                        (recipients.clone(), None, channel_id.clone())
                    }
                    Action::Characters { recipients, characters, channel_id } => (
                        recipients.clone(),
                        Some(Recipients::Characters(characters.clone())),
                        channel_id.clone(),
                    ),
                    _ => unreachable!("only these need HTTP"),
                };
                let Some(group) = group_for(http.clone(), recipients, &role, &channel_id).await else {
                    return;
                };
                let characters = match characters {
                    Some(list) => match group_for(http, list, &role, &channel_id).await {
                        Some(group) => Some(group),
                        None => return,
                    },
                    None => None,
                };
                send(&client, build(&role, action, Some(group), characters));
            }
            .into_actor(self),
        );
    }
}

fn send(client: &Client, frame: Option<Frame>) {
    if let Some(frame) = frame {
        let kind = frame.frame_type();
        if let Err(e) = client.send(frame) {
            report(kind, e);
        }
    }
}

/// Builds the frame for `action`; `group` replaces the recipients when they were a list, and
/// `characters` is the group id of a characters list.
fn build(role: &Role, action: Action, group: Option<String>, characters: Option<String>) -> Option<Frame> {
    let recipients = |given: Recipients| match (group.clone(), given) {
        (Some(group), _) | (None, Recipients::Group(group)) => group,
        (None, Recipients::Characters(_)) => String::new(),
    };
    let built = match (role, action) {
        (Role::Service { service_id }, Action::Message { channel_id, content, recipients: to, sender }) => {
            let sender = sender.unwrap_or_else(|| service_id.clone());
            Frame::message_down(service_id.as_str(), channel_id, content, recipients(to), sender)
        }
        (Role::User { user_id }, Action::Message { channel_id, content, recipients: to, .. }) => {
            Frame::message_up(user_id.as_str(), "", channel_id, content, recipients(to)).map(|mut frame| {
                if let Frame::MessageUp { service_id, .. } = &mut frame {
                    *service_id = None;
                }
                frame
            })
        }
        (Role::Service { service_id }, Action::Update { channel_id, content, recipients: to }) => {
            let to = recipients(to);
            match content {
                UpdateContent::Buttons(items) => {
                    Frame::send_buttons(service_id.as_str(), channel_id, items, to)
                }
                UpdateContent::Menu(items) => Frame::send_menu(service_id.as_str(), channel_id, items, to),
                UpdateContent::Style(items) => Frame::send_style(service_id.as_str(), channel_id, items, to),
                UpdateContent::Canvas(items) => {
                    Frame::update_canvas(service_id.as_str(), channel_id, items, to)
                }
                UpdateContent::Characters(group) => {
                    Frame::send_characters(service_id.as_str(), channel_id, group, to)
                }
                UpdateContent::ChannelInfo(info) => Ok(Frame::update_channel_info(service_id.as_str(), info)),
            }
        }
        (Role::Service { service_id }, Action::Characters { channel_id, recipients: to, .. }) => {
            Frame::send_characters(
                service_id.as_str(),
                channel_id,
                characters.unwrap_or_default(),
                recipients(to),
            )
        }
        (Role::Service { service_id }, Action::ChannelInfo(info)) => {
            Ok(Frame::update_channel_info(service_id.as_str(), info))
        }
        (Role::User { user_id }, Action::User { channel_id, kind }) => {
            Ok(Frame::action(user_id.as_str(), channel_id, kind))
        }
        (_, Action::Raw(frame)) => Ok(frame),
        (role, action) => {
            report(
                &format!("{action:?}"),
                format!(
                    "not something a {} sends",
                    match role {
                        Role::Service { .. } => "service",
                        Role::User { .. } => "user",
                    }
                ),
            );
            return None;
        }
    };
    built.map_err(|e| report("a frame", e)).ok()
}
