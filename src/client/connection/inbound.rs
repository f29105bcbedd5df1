//! What arrives on the connection: text frames decoded (receipts settle queued frames or answer
//! the login, events pass the seq check and go to the handlers), fragments reassembled within the
//! frame-size limit, and malformed input reported as an error event, never a panic.

use super::Connection;
use crate::client::error::{ClientError, ClientErrorKind};
use crate::client::event::ClientEvent;
use crate::client::queue::Settle;
use crate::protocol::{Event, Incoming, Receipt, accepted_receipt};
use actix::prelude::*;
use bytes::BytesMut;
use std::sync::atomic::Ordering;

impl Connection {
    pub(super) fn on_text(&mut self, bytes: &[u8], ctx: &mut Context<Self>) {
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.malformed("text frame is not valid UTF-8".to_owned());
            return;
        };
        // Most of what a sending service receives: an accepted receipt, settled from its id alone.
        if let Some(request_id) = accepted_receipt(text)
            && self.login_id.as_deref() != Some(&*request_id)
        {
            self.queue.do_send(Settle {
                request_id: request_id.into_owned(),
                status: true,
                origin_type: None,
                reason: None,
            });
            return;
        }
        let incoming = match Incoming::decode(text) {
            Ok(incoming) => incoming,
            Err(error) => {
                self.malformed(error.to_string());
                return;
            }
        };
        match incoming.event {
            Event::Receipt(receipt) => {
                if self.login_id.as_deref() == Some(receipt.request_id.as_str()) {
                    self.on_login(receipt, ctx);
                } else {
                    let reason = receipt.reason().map(str::to_owned);
                    self.queue.do_send(Settle {
                        request_id: receipt.request_id,
                        status: receipt.status,
                        origin_type: receipt.origin_type,
                        reason,
                    });
                }
            }
            Event::ResumeGap(gap) => {
                log::warn!("resume gap: events {}..={} are no longer held", gap.from_seq, gap.to_seq);
                self.dispatch.emit(ClientEvent::ResumeGap(gap));
            }
            Event::Error(ref error) if error.request_id.is_some() => {
                let request_id = error.request_id.clone().unwrap_or_default();
                if self.login_id.as_deref() == Some(request_id.as_str()) {
                    let mut context = crate::protocol::Context::new();
                    context.insert("message".to_owned(), error.message.clone().into());
                    let receipt = Receipt {
                        kind: crate::protocol::ReceiptKind::Copy,
                        request_id,
                        origin_type: None,
                        status: false,
                        context: Some(context),
                    };
                    self.on_login(receipt, ctx);
                    return;
                }
                // An error naming one of our frames settles it as refused: it will get no receipt.
                self.queue.do_send(Settle {
                    request_id,
                    status: false,
                    origin_type: None,
                    reason: Some(error.message.clone()),
                });
                self.dispatch.emit(ClientEvent::Platform(incoming));
            }
            _ => {
                if let Some(seq) = incoming.seq
                    && let Err(highest) = self.shared.advance_seq(seq)
                {
                    self.shared.duplicates.fetch_add(1, Ordering::AcqRel);
                    let how = if seq == highest { "repeated" } else { "out of order" };
                    log::warn!("dropped event seq {seq} ({how}): the highest handled is seq {highest}");
                    return;
                }
                self.dispatch.emit(ClientEvent::Platform(incoming));
            }
        }
    }

    pub(super) fn malformed(&self, detail: String) {
        log::warn!("malformed frame from the platform, ignored: {detail}");
        self.dispatch.emit(ClientEvent::Error(ClientError::new(ClientErrorKind::Malformed { detail })));
    }

    pub(super) fn on_fragment(&mut self, item: actix_http::ws::Item, ctx: &mut Context<Self>) {
        match item {
            actix_http::ws::Item::FirstText(part) => self.fragment = Some(BytesMut::from(&part[..])),
            actix_http::ws::Item::FirstBinary(_) => {
                self.fragment = None;
                self.malformed("binary frame: the platform sends JSON text frames".to_owned());
            }
            actix_http::ws::Item::Continue(part) => {
                if let Some(buffer) = &mut self.fragment {
                    buffer.extend_from_slice(&part);
                }
            }
            actix_http::ws::Item::Last(part) => {
                if let Some(mut buffer) = self.fragment.take() {
                    buffer.extend_from_slice(&part);
                    self.on_text(&buffer, ctx);
                }
            }
        }
        if self.fragment.as_ref().is_some_and(|b| b.len() > self.config.max_frame_size) {
            self.fragment = None;
            self.malformed(format!("fragmented frame exceeds {} bytes", self.config.max_frame_size));
        }
    }
}
