//! The trait a service implements: one method per event kind, each with a default that does
//! nothing, so a service handles only what it cares about (a service that handles nothing still
//! runs: the reference SDK's "zero" service).

use super::event::{Fetch, Message, Update};
use super::host::ServiceContext;
use crate::client::{Lifecycle, Refusal};
use crate::protocol::{ButtonClick, MenuItemClick, ResumeGap, UnknownEvent};

/// What an event handler returns. An error (or a panic) is logged and restarts this service
/// instance alone: it is rebuilt by its factory, and the events after the failing one reach the
/// new instance.
pub type ServiceResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A Moobius service (or a user-mode bot): the state of one channel (or of all, when shared) and
/// what it does on each event. It runs inside a [`ServiceActor`](super::ServiceActor), an actix
/// actor the framework supervises; answer through the [`ServiceContext`], which is bound to the
/// event's channel.
///
/// Handlers run on the actor's thread: keep them quick and never block. Spawn futures for slow
/// work with `cx.actix().spawn(...)` (actix's `ActorFuture`) or [`actix::spawn`].
///
/// # Examples
/// ```
/// use moobius::service::{Message, Service, ServiceContext, ServiceResult};
///
/// struct Echo;
///
/// impl Service for Echo {
///     fn on_message_up(&mut self, message: Message, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
///         cx.send_message(message.content, message.sender);
///         Ok(())
///     }
/// }
/// ```
#[allow(unused_variables)]
pub trait Service: Sized + 'static {
    /// This instance started (at start-up, and again after a restart).
    fn on_start(&mut self, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// A user's message (service mode).
    fn on_message_up(&mut self, message: Message, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// A user joined the channel.
    fn on_join(&mut self, user: String, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// A user left the channel.
    fn on_leave(&mut self, user: String, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// A user asks for everything it sees to be sent again.
    fn on_refresh(&mut self, user: String, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// A user's `fetch_*` action.
    fn on_fetch(&mut self, user: String, what: Fetch, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// A user clicked a button.
    fn on_button_click(
        &mut self,
        user: String,
        click: ButtonClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        Ok(())
    }

    /// A user clicked a right-click menu item on a message.
    fn on_menu_item_click(
        &mut self,
        user: String,
        click: MenuItemClick,
        cx: &mut ServiceContext<'_, Self>,
    ) -> ServiceResult {
        Ok(())
    }

    /// A service's message (user mode).
    fn on_message_down(&mut self, message: Message, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// What this user sees changed (user mode).
    fn on_update(&mut self, update: Update, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// An event of a type or subtype this crate does not know, as raw JSON.
    fn on_unknown(&mut self, event: UnknownEvent, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// The connection changed: after [`Lifecycle::Reconnected`], re-send what users see if the
    /// service's state may have moved on without them.
    fn on_connection(&mut self, change: Lifecycle, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        Ok(())
    }

    /// The platform refused a frame this service sent.
    fn on_refused(&mut self, refusal: Refusal, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        log::warn!(
            "the platform refused a `{}` frame: {}",
            refusal.origin_type.as_deref().unwrap_or("?"),
            refusal.reason.as_deref().unwrap_or("no reason given")
        );
        Ok(())
    }

    /// After a reconnect, the platform could not replay these events: consider refreshing.
    fn on_resume_gap(&mut self, gap: ResumeGap, cx: &mut ServiceContext<'_, Self>) -> ServiceResult {
        log::warn!("events {} to {} were lost across a reconnect", gap.from_seq, gap.to_seq);
        Ok(())
    }
}
