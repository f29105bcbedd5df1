//! Actions from actors: receipts and refusals returned to the caller, and async work that
//! updates the state when it completes.

use crate::support::service::{User, config};
use crate::support::{WAIT, next, start_platform};
use actix::prelude::*;
use moobius::prelude::*;
use moobius::service::{ActionErrorKind, ServiceContext as Cx, SupervisionKind};
use tokio::sync::mpsc;

/// An echo written as a plain actix actor that awaits each echo's receipt and counts them.
struct Acknowledged {
    channel: Channel<AsService>,
    receipts: mpsc::UnboundedSender<Result<ActionReceipt, String>>,
}

impl Actor for Acknowledged {
    type Context = Context<Self>;
}

impl Handler<ChannelEvent> for Acknowledged {
    type Result = HandlerResult;

    fn handle(&mut self, event: ChannelEvent, ctx: &mut Context<Self>) -> HandlerResult {
        let message = match event.kind {
            EventKind::MessageUp(message) => message,
            // A refusal of a frame sent with `do_send` comes back as an event.
            EventKind::Refused(refusal) => {
                let _ = self.receipts.send(Err(format!("event: {}", refusal.reason.unwrap_or_default())));
                return Ok(());
            }
            _ => return Ok(()),
        };
        if message.text() == Some("impersonate quietly") {
            let echo = SendMessage::new(event.channel_id, message.content.clone(), &message.sender);
            self.channel.do_send(echo.as_character(CharacterId::from("not-a-member-or-agent")));
            return Ok(());
        }
        let mut echo = SendMessage::new(event.channel_id, message.content.clone(), &message.sender);
        if message.text() == Some("impersonate") {
            // Nobody this service may speak as: the platform refuses.
            echo = echo.as_character(CharacterId::from("not-a-member-or-agent"));
        }
        let receipts = self.receipts.clone();
        ctx.spawn(self.channel.send(echo).into_actor(self).map(move |answer, _this, _ctx| {
            let answer = answer.expect("the outbox is alive").map_err(|e| {
                assert!(matches!(e.kind(), ActionErrorKind::Refused { .. }), "{e:?}");
                e.refusal_reason().unwrap_or_default().to_owned()
            });
            let _ = receipts.send(answer);
        }));
        Ok(())
    }
}

#[actix_rt::test]
async fn an_actor_awaits_the_receipt_of_its_action_and_a_refusal_comes_back_to_it_with_the_reason() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let (tx, mut receipts) = mpsc::unbounded_channel();
    let service = wand
        .start(ServiceBuilder::actor(config(&platform, "acked"), move |channel| Acknowledged {
            channel,
            receipts: tx.clone(),
        }))
        .await
        .unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);

    alice.say(&channel, "hello", service.service_id());
    assert_eq!(alice.text("the echo").await, "hello");
    let receipt = next(&mut receipts, "the echo's receipt").await.expect("acknowledged");
    assert!(!receipt.request_id.is_empty());

    alice.say(&channel, "impersonate", service.service_id());
    let reason = next(&mut receipts, "the refusal").await.expect_err("refused");
    assert!(!reason.is_empty(), "the platform's reason reaches the caller");
    // The refused echo never reached alice: her next message is the next echo.
    alice.say(&channel, "after", service.service_id());
    assert_eq!(alice.text("the echo after the refusal").await, "after");
    assert!(next(&mut receipts, "the last receipt").await.is_ok());
    // Fire and forget: nobody awaits, so the refusal reaches the channel's actor as an event.
    alice.say(&channel, "impersonate quietly", service.service_id());
    let event = next(&mut receipts, "the refusal event").await.expect_err("refused");
    assert!(event.starts_with("event: ") && event.len() > "event: ".len(), "{event}");

    // The program awaits receipts too, through the handle's actions.
    let receipt = service
        .actions()
        .send(SendMessage::text(channel.clone(), "from the program", alice.id()))
        .await
        .unwrap()
        .expect("acknowledged");
    assert!(!receipt.request_id.is_empty());
    assert_eq!(alice.text("the program's message").await, "from the program");
    // An empty recipient list is an error value, not a silent drop.
    let empty =
        service.actions().send(SendMessage::text(channel.clone(), "nobody", Vec::new())).await.unwrap();
    assert!(matches!(empty.unwrap_err().kind(), ActionErrorKind::NoRecipients));
    wand.shutdown().await;
}

/// Answers each message after an await (a timer standing in for an HTTP call or an LLM), and
/// counts the answers in its state when the work completes.
#[derive(Default)]
struct Slow {
    answered: u32,
}

impl Service for Slow {
    fn on_message_up(&mut self, message: ChatMessage, cx: &mut Cx<'_, Self>) -> ServiceResult {
        let text = message.text().unwrap_or_default().to_owned();
        let work = async move {
            tokio::task::yield_now().await;
            text.to_uppercase()
        };
        cx.spawn(work, move |this: &mut Self, loud, cx| {
            this.answered += 1;
            if loud == "FAIL" {
                return Err("the async work failed".into());
            }
            cx.send_text(format!("{loud} ({} answered)", this.answered), &message.sender);
            Ok(())
        });
        Ok(())
    }
}

#[actix_rt::test]
async fn async_work_updates_the_state_when_it_completes_and_its_failure_restarts_the_instance() {
    let platform = start_platform().await;
    let mut wand = Wand::new();
    let service =
        wand.start(ServiceBuilder::new(config(&platform, "slow"), |_| Slow::default())).await.unwrap();
    service.ready().await.unwrap();
    let channel = service.channels()[0].clone();
    let mut watch = service.supervision();
    let mut alice = User::start(&mut wand, &platform, "alice", std::slice::from_ref(&channel)).await;
    alice.join(&channel);
    alice.say(&channel, "one", service.service_id());
    assert_eq!(alice.text("the first answer").await, "ONE (1 answered)");
    alice.say(&channel, "two", service.service_id());
    assert_eq!(alice.text("the second answer").await, "TWO (2 answered)");
    // A continuation that fails restarts the instance (its count starts again).
    alice.say(&channel, "fail", service.service_id());
    let notice = tokio::time::timeout(WAIT, watch.recv()).await.expect("a restart notice").unwrap();
    assert_eq!(notice.channel_id, channel);
    assert!(
        matches!(&notice.kind, SupervisionKind::Restarting { reason, .. } if reason.contains("async work failed"))
    );
    alice.say(&channel, "three", service.service_id());
    assert_eq!(alice.text("the answer of the new instance").await, "THREE (1 answered)");
    wand.shutdown().await;
}
