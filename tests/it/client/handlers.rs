//! Handler supervision: a handler that panics or returns an error is restarted by its own
//! supervisor, keeps receiving later events, and the connection never notices.
#![cfg(feature = "platform")]

use crate::support::client::{Events, fast, message_text};
use crate::support::{WAIT, world};
use moobius::client::{ClientEvent, ConnectionState, HandlerSpec, Identity, Lifecycle, Runtime};
use moobius::protocol::{Frame, MessageContent};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;

#[actix_rt::test]
async fn a_handler_that_panics_or_fails_keeps_receiving_the_next_events() {
    let platform = crate::support::start_platform().await;
    let w = world(&platform).await;

    let (handled_tx, handled_rx) = mpsc::unbounded_channel::<String>();
    let built = Arc::new(AtomicUsize::new(0));
    let fragile = {
        let built = Arc::clone(&built);
        HandlerSpec::supervised("fragile", move || {
            built.fetch_add(1, Ordering::SeqCst);
            let handled = handled_tx.clone();
            move |event: &ClientEvent, _: &moobius::client::Client| -> moobius::client::HandlerResult {
                match message_text(event) {
                    Some("boom") => panic!("this handler panics on `boom`"),
                    Some("fail") => Err("this handler fails on `fail`".into()),
                    Some(text) => {
                        let _ = handled.send(text.to_owned());
                        Ok(())
                    }
                    None => Ok(()),
                }
            }
        })
    };
    let (observer, observed) = HandlerSpec::channel();
    let config = fast(&platform.ws_url(), Identity::service(&w.service_id), &w.owner.token).build().unwrap();
    let service = Runtime::start(config, vec![fragile, observer]);
    let mut observed = Events(observed);
    observed.logged_in().await;

    let mut user = crate::support::login_user(&platform, &w.user.token).await;
    for text in ["1", "boom", "2", "fail", "3", "boom", "4"] {
        let frame = Frame::message_up(
            w.user.user_id.clone(),
            w.service_id.clone(),
            w.channel_id.clone(),
            MessageContent::text(text),
            w.user_group.clone(),
        )
        .unwrap();
        let receipt = user.request(frame).await;
        assert!(receipt.status, "{:?}", receipt.reason());
    }
    let mut handled = Events2(handled_rx);
    for expected in ["1", "2", "3", "4"] {
        assert_eq!(handled.next().await, expected);
    }
    assert_eq!(built.load(Ordering::SeqCst), 4, "built once, then rebuilt after each of three failures");

    // The connection never noticed: every event up to the last message, and no change of state.
    loop {
        let event = observed.next().await;
        assert!(
            !matches!(&*event, ClientEvent::Lifecycle(Lifecycle::Disconnected { .. } | Lifecycle::State(_))),
            "the connection changed: {event:?}"
        );
        if message_text(&event) == Some("4") {
            break;
        }
    }
    assert_eq!(service.state(), ConnectionState::Connected);
    assert_eq!(service.shutdown().await.unacknowledged, 0);
}

struct Events2(mpsc::UnboundedReceiver<String>);

impl Events2 {
    async fn next(&mut self) -> String {
        tokio::time::timeout(WAIT, self.0.recv())
            .await
            .expect("the handler received the event in time")
            .expect("the handler's channel is open")
    }
}
