//! The outbox actor: turns a service's typed action messages into frames, in the order they were
//! sent, uploading local files on the way (`outbox/uploads.rs`) and making character lists into
//! group ids (both cached), and hands them to the runtime's outbound queue. Its address, typed by role, is what a channel actor sends actions to.
//!
//! An action sent with `do_send` is fire and forget: its frame goes out untracked, and a refusal
//! reaches the channel actors as [`EventKind::Refused`](super::EventKind::Refused). An action
//! sent with `send(..).await` is tracked: the caller gets the platform's [`ActionReceipt`] or an
//! [`ActionError`] saying why it was refused.

mod uploads;

use super::action::{ActionError, ActionErrorKind, ActionReceipt};
use super::recipients::Recipients;
use super::role::Role;
use crate::client::Client;
use crate::http::HttpClient;
use crate::protocol::{
    ActionKind, ChannelId, ChannelInfo, CharacterId, Frame, GroupId, MessageContent, ServiceId, UpdateContent,
};
use actix::dev::{MessageResponse, OneshotSender};
use actix::prelude::*;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;

/// Who an outbox speaks for, at run time (the type parameter says it at compile time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Speaker {
    Service(ServiceId),
    User(CharacterId),
}

/// One thing to send, whatever message asked for it.
#[derive(Debug)]
pub(crate) enum Draft {
    /// `message_down` (service) or `message_up` (user).
    Message {
        channel_id: ChannelId,
        content: MessageContent,
        recipients: Recipients,
        sender: Option<CharacterId>,
    },
    /// `update` of a standard subtype (service).
    Update { channel_id: ChannelId, content: UpdateContent, recipients: Recipients },
    /// `update` `characters` with a list of characters (service).
    Characters { channel_id: ChannelId, characters: Vec<CharacterId>, recipients: Recipients },
    /// `update_channel_info` (service).
    ChannelInfo(ChannelInfo),
    /// An action a user sends (user).
    User { channel_id: ChannelId, kind: ActionKind },
    /// A frame built by the program.
    Raw(Frame),
}

impl Draft {
    /// Whether building the frame needs HTTP first: a group of a list, or a local file.
    fn needs_http(&self) -> bool {
        let group = match self {
            Self::Message { recipients, .. } | Self::Update { recipients, .. } => recipients.needs_group(),
            Self::Characters { .. } => true,
            _ => false,
        };
        group || self.needs_files()
    }
}

/// The outbox of one service (`Outbox<AsService>`) or user-mode bot (`Outbox<AsUser>`). Send it
/// the action messages of [`action`](super::action); which ones it accepts depends on `R`.
pub struct Outbox<R: Role> {
    speaker: Arc<Speaker>,
    client: Client,
    http: Option<HttpClient>,
    _role: PhantomData<fn() -> R>,
}

impl<R: Role> std::fmt::Debug for Outbox<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").field("speaker", &self.speaker).finish_non_exhaustive()
    }
}

impl<R: Role> Outbox<R> {
    pub(crate) fn new(speaker: Speaker, client: Client, http: Option<HttpClient>) -> Self {
        Self { speaker: Arc::new(speaker), client, http, _role: PhantomData }
    }

    /// The response of a message asking for `draft`: it is sent when actix hands the response
    /// its reply channel, so it knows whether anybody awaits the receipt.
    pub(crate) fn submit(&self, draft: Draft) -> ActionResponse {
        ActionResponse {
            draft,
            speaker: Arc::clone(&self.speaker),
            client: self.client.clone(),
            http: self.http.clone(),
        }
    }

    pub(crate) fn http(&self) -> Option<&HttpClient> {
        self.http.as_ref()
    }

    pub(crate) fn speaker(&self) -> &Speaker {
        &self.speaker
    }
}

impl<R: Role> Actor for Outbox<R> {
    type Context = Context<Self>;
}

/// What an outbox answers an action with: the receipt, once the platform sends it.
pub struct ActionResponse {
    draft: Draft,
    speaker: Arc<Speaker>,
    client: Client,
    http: Option<HttpClient>,
}

impl std::fmt::Debug for ActionResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionResponse").field("draft", &self.draft).finish_non_exhaustive()
    }
}

impl<R, M> MessageResponse<Outbox<R>, M> for ActionResponse
where
    R: Role,
    M: actix::Message<Result = Result<ActionReceipt, ActionError>>,
{
    fn handle(self, ctx: &mut Context<Outbox<R>>, tx: Option<OneshotSender<M::Result>>) {
        let Self { mut draft, speaker, client, http } = self;
        if !draft.needs_http() {
            // A group id known already: build and send at once, no future unless someone waits.
            let sent =
                build(&speaker, draft, None, None).and_then(|frame| send(&client, frame, tx.is_some()));
            finish(sent, tx);
            return;
        }
        // `wait` holds the mailbox until this action's frame is queued, so actions keep their
        // order even when one needs an HTTP call (the thread is not blocked: other actors run).
        let tracked = tx.is_some();
        ctx.wait(actix::fut::wrap_future(async move {
            if let Err(error) = uploads::upload_files(http.as_ref(), &mut draft).await {
                finish(Err(error), tx);
                return;
            }
            let sent = match resolve(&speaker, http.as_ref(), &draft).await {
                Ok((group, characters)) => {
                    build(&speaker, draft, group, characters).and_then(|frame| send(&client, frame, tracked))
                }
                Err(error) => Err(error),
            };
            finish(sent, tx);
        }));
    }
}

/// A queued frame: its receipt to come, when tracked.
enum Sent {
    Untracked,
    Tracked(String, tokio::sync::oneshot::Receiver<crate::client::Acked>),
}

fn send(client: &Client, frame: Frame, tracked: bool) -> Result<Sent, ActionError> {
    let queue = |e| ActionError::new(ActionErrorKind::Queue(e));
    if tracked {
        client.send_tracked(frame).map(|(id, rx)| Sent::Tracked(id, rx)).map_err(queue)
    } else {
        client.send(frame).map(|_| Sent::Untracked).map_err(queue)
    }
}

fn finish(sent: Result<Sent, ActionError>, tx: Option<OneshotSender<Result<ActionReceipt, ActionError>>>) {
    match (sent, tx) {
        (Ok(Sent::Tracked(request_id, receipt)), Some(tx)) => {
            actix::spawn(async move {
                let result = match receipt.await {
                    Ok(acked) if acked.status => Ok(ActionReceipt {
                        request_id,
                        latency: Instant::now().saturating_duration_since(acked.sent_at),
                    }),
                    Ok(acked) => {
                        Err(ActionError::new(ActionErrorKind::Refused { request_id, reason: acked.reason }))
                    }
                    Err(_) => Err(ActionError::new(ActionErrorKind::Gone { request_id })),
                };
                let _ = tx.send(result);
            });
        }
        (Ok(_), _) => {}
        (Err(error), Some(tx)) => {
            let _ = tx.send(Err(error));
        }
        (Err(error), None) => log::error!("an action was not sent: {}", crate::report(&error)),
    }
}

/// The group ids a draft needs: its recipients' and, for a characters update, the listed
/// characters'.
async fn resolve(
    speaker: &Speaker,
    http: Option<&HttpClient>,
    draft: &Draft,
) -> Result<(Option<GroupId>, Option<GroupId>), ActionError> {
    let (channel_id, recipients, characters) = match draft {
        Draft::Message { channel_id, recipients, .. } | Draft::Update { channel_id, recipients, .. } => {
            (channel_id, recipients, None)
        }
        Draft::Characters { channel_id, recipients, characters } => {
            (channel_id, recipients, Some(characters.as_slice()))
        }
        _ => return Ok((None, None)),
    };
    let group = match recipients {
        Recipients::Group(_) => None,
        Recipients::Characters(list) if list.is_empty() => None,
        Recipients::Characters(list) => Some(make_group(speaker, http, channel_id, list).await?),
    };
    let characters = match characters {
        Some(list) => Some(make_group(speaker, http, channel_id, list).await?),
        None => None,
    };
    Ok((group, characters))
}

async fn make_group(
    speaker: &Speaker,
    http: Option<&HttpClient>,
    channel_id: &ChannelId,
    list: &[CharacterId],
) -> Result<GroupId, ActionError> {
    let Some(http) = http else {
        return Err(ActionError::new(ActionErrorKind::NoHttp));
    };
    let made = match speaker {
        Speaker::Service(_) => http.create_group(list).await,
        Speaker::User(_) => http.create_channel_group(channel_id, list).await,
    };
    made.map_err(|e| ActionError::new(ActionErrorKind::Group(e)))
}

/// Builds the frame for `draft`; `group` replaces the recipients when they were a list, and
/// `characters` is the group id of a characters list.
fn build(
    speaker: &Speaker,
    draft: Draft,
    group: Option<GroupId>,
    characters: Option<GroupId>,
) -> Result<Frame, ActionError> {
    let to = |given: Recipients| match (group.clone(), given) {
        (Some(group), _) | (None, Recipients::Group(group)) => group,
        (None, Recipients::Characters(_)) => GroupId::default(),
    };
    let built = match (speaker, draft) {
        (Speaker::Service(service), Draft::Message { channel_id, content, recipients, sender }) => {
            let sender = sender.unwrap_or_else(|| service.as_character());
            Frame::message_down(service.clone(), channel_id, content, to(recipients), sender)
        }
        (Speaker::User(user), Draft::Message { channel_id, content, recipients, .. }) => {
            Frame::message_up(user.clone(), ServiceId::default(), channel_id, content, to(recipients)).map(
                |mut frame| {
                    if let Frame::MessageUp { service_id, .. } = &mut frame {
                        *service_id = None;
                    }
                    frame
                },
            )
        }
        (Speaker::Service(service), Draft::Update { channel_id, content, recipients }) => {
            let (service, to) = (service.clone(), to(recipients));
            match content {
                UpdateContent::Buttons(items) => Frame::send_buttons(service, channel_id, items, to),
                UpdateContent::Menu(items) => Frame::send_menu(service, channel_id, items, to),
                UpdateContent::Style(items) => Frame::send_style(service, channel_id, items, to),
                UpdateContent::Canvas(items) => Frame::update_canvas(service, channel_id, items, to),
                UpdateContent::Characters(group) => Frame::send_characters(service, channel_id, group, to),
                UpdateContent::ChannelInfo(info) => Ok(Frame::update_channel_info(service, info)),
            }
        }
        (Speaker::Service(service), Draft::Characters { channel_id, recipients, .. }) => {
            Frame::send_characters(
                service.clone(),
                channel_id,
                characters.unwrap_or_default(),
                to(recipients),
            )
        }
        (Speaker::Service(service), Draft::ChannelInfo(info)) => {
            Ok(Frame::update_channel_info(service.clone(), info))
        }
        (Speaker::User(user), Draft::User { channel_id, kind }) => {
            Ok(Frame::action(user.clone(), channel_id, kind))
        }
        (_, Draft::Raw(frame)) => Ok(frame),
        // The role's types make these unreachable through the public messages.
        (speaker, draft) => {
            return Err(ActionError::new(ActionErrorKind::WrongRole {
                detail: format!("{speaker:?} cannot send {draft:?}"),
            }));
        }
    };
    built.map_err(|_| ActionError::new(ActionErrorKind::NoRecipients))
}
