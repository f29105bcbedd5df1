//! One WebSocket connection: reads frames, answers each with one receipt (or an error frame),
//! writes the events queued for it, answers pings, closes it when idle, and obeys the test
//! controls (cut, pause, the studio's latency). It reports its life and every text frame to the
//! studio.

use super::hub::{ConnId, Out};
use super::server::{ConnSocket, Shared};
use super::studio::Dir;
use super::traffic::{Peer, TrafficLog};
use crate::protocol::{
    Context, ErrorEvent as ErrorFrame, Event, Frame, Incoming, Receipt, ReceiptKind, Request, ResumeGap,
};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

/// Upgrades the request and spawns the connection's task.
pub(crate) async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    shared: web::Data<Shared>,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, session, stream) = actix_ws::handle(&req, body)?;
    let hard_limit = shared.config.hard_frame_limit;
    let reassembly_limit = shared.config.reassembly_limit;
    let stream =
        stream.max_frame_size(hard_limit).aggregate_continuations().max_continuation_size(reassembly_limit);
    let socket = req.conn_data::<ConnSocket>().map(|s| s.0.clone());
    let (id, rx, cut, traffic) = shared.hub().open(socket);
    shared.studio.opened(id);
    let latency = shared.studio.register(id);
    let connection = Connection {
        id,
        shared: shared.into_inner(),
        session,
        traffic,
        identity: None,
        closed_by_us: None,
        latency,
        delayed: VecDeque::new(),
    };
    actix_web::rt::spawn(connection.run(stream, rx, cut));
    Ok(response)
}

/// Composes an event frame from the shared body: the same text [`Incoming::encode`] writes.
pub(crate) fn compose(kind: &str, seq: u64, body: &str) -> String {
    let mut text = String::with_capacity(body.len() + kind.len() + 40);
    text.push_str(r#"{"type":""#);
    text.push_str(kind);
    text.push_str(r#"","seq":"#);
    text.push_str(itoa::Buffer::new().format(seq));
    text.push_str(r#","body":"#);
    text.push_str(body);
    text.push('}');
    text
}

fn render(out: &Out) -> String {
    match out {
        Out::Event { kind, seq, body } => compose(kind, *seq, body),
        Out::Gap { from_seq, to_seq } => Incoming {
            seq: None,
            event: Event::ResumeGap(ResumeGap { from_seq: *from_seq, to_seq: *to_seq }),
        }
        .encode(),
    }
}

/// The receipt of one request. An accepted one (every frame of a flood) is written straight into
/// one buffer, its two strings escaped by serde_json, byte for byte what the full encoder writes
/// (a unit test holds the two equal); a refusal goes through the full encoder.
fn receipt(request_id: &str, origin_type: &str, verdict: &Result<(), String>) -> String {
    if verdict.is_ok() {
        let mut out = Vec::with_capacity(96 + request_id.len() + origin_type.len());
        out.extend_from_slice(br#"{"type":"copy","body":{"request_id":"#);
        let escaped = serde_json::to_writer(&mut out, request_id)
            .and_then(|()| {
                out.extend_from_slice(br#","origin_type":"#);
                serde_json::to_writer(&mut out, origin_type)
            })
            .is_ok();
        out.extend_from_slice(br#","status":true,"context":{}}}"#);
        // Strings serialize to valid UTF-8 JSON; the fallback below is never taken.
        if let (true, Ok(text)) = (escaped, String::from_utf8(out)) {
            return text;
        }
    }
    full_receipt(request_id, origin_type, verdict)
}

fn full_receipt(request_id: &str, origin_type: &str, verdict: &Result<(), String>) -> String {
    let mut context = Context::new();
    if let Err(reason) = verdict {
        context.insert("message".to_owned(), reason.clone().into());
    }
    Incoming {
        seq: None,
        event: Event::Receipt(Receipt {
            kind: ReceiptKind::Copy,
            request_id: request_id.to_owned(),
            origin_type: Some(origin_type.to_owned()),
            status: verdict.is_ok(),
            context: Some(context),
        }),
    }
    .encode()
}

fn error_frame(message: String, request_id: Option<String>) -> String {
    Incoming { seq: None, event: Event::Error(ErrorFrame { message, request_id, extra: Context::new() }) }
        .encode()
}

/// Why the loop ended.
enum End {
    /// The client closed or the stream ended.
    Gone,
    /// We close with a close frame.
    Close(CloseReason),
    /// Cut: drop everything, no close frame.
    Cut,
}

/// What the loop took in: from the client, or for it.
enum Input {
    /// A message from the client (`None`: the stream ended).
    Message(Option<Result<AggregatedMessage, actix_ws::ProtocolError>>),
    /// An event queued for the client (`None`: the hub dropped the queue).
    Out(Option<Out>),
    /// Frames held back by the studio's latency are due.
    Due,
}

struct Connection {
    id: ConnId,
    shared: Arc<Shared>,
    session: Session,
    traffic: TrafficLog,
    identity: Option<Peer>,
    closed_by_us: Option<String>,
    /// The studio's latency for this connection, in ms (0: none).
    latency: Arc<AtomicU64>,
    /// Frames written late because of the latency, with when each is due, in order.
    delayed: VecDeque<(Instant, String)>,
}

impl Connection {
    async fn run(
        mut self,
        mut stream: actix_ws::AggregatedMessageStream,
        mut rx: mpsc::Receiver<Out>,
        mut cut: watch::Receiver<Option<String>>,
    ) {
        let idle_limit = self.shared.config.idle_limit;
        let login_limit = self.shared.config.login_deadline;
        let login_deadline = Instant::now() + login_limit;
        let mut deadline = Instant::now() + idle_limit;
        let mut paused = self.shared.paused.subscribe();
        // Taken in while a pause began: handled once resumed, so a pause holds every frame the
        // platform had not started on when `pause(true)` returned.
        let mut held: Option<Input> = None;
        let end = loop {
            if *paused.borrow_and_update() {
                tokio::select! {
                    _ = cut.wait_for(Option::is_some) => break End::Cut,
                    changed = paused.changed() => {
                        if changed.is_err() { break End::Gone; }
                        deadline = Instant::now() + idle_limit;
                    }
                }
                continue;
            }
            let due = self.delayed.front().map(|(due, _)| *due);
            let input = match held.take() {
                Some(input) => input,
                // Unbiased: a client that sends without pause must not starve its own deliveries.
                None => tokio::select! {
                    _ = cut.wait_for(Option::is_some) => break End::Cut,
                    changed = paused.changed() => {
                        if changed.is_err() { break End::Gone }
                        continue;
                    }
                    message = stream.recv() => Input::Message(message),
                    out = rx.recv() => Input::Out(out),
                    () = sleep_until(due.unwrap_or(deadline)), if due.is_some() => Input::Due,
                    () = sleep_until(login_deadline), if self.identity.is_none() => {
                        let reason = format!(
                            "not logged in within {} s of connecting: send service_login / user_login first",
                            login_limit.as_secs_f64()
                        );
                        break End::Close(CloseReason { code: CloseCode::Policy, description: Some(reason) });
                    }
                    () = sleep_until(deadline) => {
                        let reason = format!(
                            "idle for more than {} s: send a heartbeat or a ping to keep the connection",
                            idle_limit.as_secs_f64()
                        );
                        break End::Close(CloseReason { code: CloseCode::Policy, description: Some(reason) });
                    }
                },
            };
            // The pause may have begun while this was being taken in (the select saw both ready
            // and picked this one): then it waits.
            if *self.shared.paused.borrow() {
                held = Some(input);
                continue;
            }
            if matches!(input, Input::Message(_)) {
                deadline = Instant::now() + idle_limit;
            }
            if let Some(end) = self.on_input(input).await {
                break end;
            }
        };
        let reason = match &end {
            End::Close(reason) => reason.description.clone(),
            End::Cut => cut.borrow().clone(),
            End::Gone => None,
        };
        match end {
            End::Close(reason) => {
                self.closed_by_us = reason.description.clone();
                self.traffic.closed(reason.description.as_deref());
                let _ = self.session.close(Some(reason)).await;
            }
            End::Cut => {
                let why = cut.borrow().clone();
                self.traffic.closed(why.as_deref());
                drop(self.session);
            }
            End::Gone => drop(self.session),
        }
        self.shared.studio.closed(self.id, reason.as_deref());
        self.shared.studio.unregister(self.id);
        self.shared.hub().close(self.id);
        log::debug!(
            "connection {} ended{}",
            self.id,
            self.closed_by_us.map(|r| format!(": {r}")).unwrap_or_default()
        );
    }

    /// Handles what the loop took in; `Some(end)` ends the connection.
    async fn on_input(&mut self, input: Input) -> Option<End> {
        match input {
            Input::Message(None) | Input::Out(None) => Some(End::Gone),
            Input::Message(Some(Err(error))) => {
                let reason = format!("websocket protocol error: {error}");
                // actix-ws reports a reassembly over `max_continuation_size` as this I/O error.
                let code = match &error {
                    actix_ws::ProtocolError::Overflow => CloseCode::Size,
                    actix_ws::ProtocolError::Io(e) if e.to_string().contains("continuation size") => {
                        CloseCode::Size
                    }
                    _ => CloseCode::Protocol,
                };
                Some(End::Close(CloseReason { code, description: Some(reason) }))
            }
            Input::Message(Some(Ok(message))) => match self.on_message(message).await {
                Ok(end) => end,
                Err(()) => Some(End::Gone),
            },
            Input::Out(Some(out)) => self.write(render(&out)).await.err().map(|()| End::Gone),
            Input::Due => self.write_due().await.err().map(|()| End::Gone),
        }
    }

    /// Writes `text` now, or later when the studio set a latency (behind what is already late,
    /// so the order is kept).
    async fn write(&mut self, text: String) -> Result<(), ()> {
        let latency = self.latency.load(Ordering::Acquire);
        if latency == 0 && self.delayed.is_empty() {
            return self.write_now(text).await;
        }
        self.delayed.push_back((Instant::now() + Duration::from_millis(latency), text));
        Ok(())
    }

    /// Writes the late frames that are due.
    async fn write_due(&mut self) -> Result<(), ()> {
        let now = Instant::now();
        while self.delayed.front().is_some_and(|(due, _)| *due <= now) {
            if let Some((_, text)) = self.delayed.pop_front() {
                self.write_now(text).await?;
            }
        }
        Ok(())
    }

    async fn write_now(&mut self, text: String) -> Result<(), ()> {
        self.traffic.sent(&text);
        self.shared.studio.frame(self.id, self.identity.as_ref(), Dir::Out, &text);
        self.session.text(text).await.map_err(|_| ())
    }

    async fn refuse(
        &mut self,
        request_id: Option<&str>,
        origin_type: &str,
        reason: String,
    ) -> Result<(), ()> {
        self.traffic.refused(request_id, origin_type, &reason);
        let text = match request_id {
            Some(id) => receipt(id, origin_type, &Err(reason)),
            None => error_frame(reason, None),
        };
        self.write(text).await
    }

    /// Handles one message; `Ok(Some(end))` ends the connection.
    async fn on_message(&mut self, message: AggregatedMessage) -> Result<Option<End>, ()> {
        match message {
            AggregatedMessage::Ping(bytes) => {
                self.session.pong(&bytes).await.map_err(|_| ())?;
                Ok(None)
            }
            AggregatedMessage::Pong(_) => Ok(None),
            AggregatedMessage::Close(_) => {
                Ok(Some(End::Close(CloseReason { code: CloseCode::Normal, description: None })))
            }
            AggregatedMessage::Binary(_) => {
                let reason =
                    "binary frames are not part of the protocol: send one JSON object per text frame";
                self.refuse(None, "", reason.to_owned()).await?;
                Ok(None)
            }
            AggregatedMessage::Text(text) => self.on_text(&text).await,
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<Option<End>, ()> {
        self.shared.studio.frame(self.id, self.identity.as_ref(), Dir::In, text);
        let max = self.shared.config.max_frame;
        if text.len() > max {
            let reason = format!(
                "frame of {} bytes is over the {max}-byte limit: send smaller frames (upload large content over HTTP)",
                text.len()
            );
            self.refuse(None, "", reason).await?;
            return Ok(None);
        }
        let request = match Request::decode(text) {
            Ok(request) => request,
            Err(error) => {
                let request_id = error.request_id().map(str::to_owned);
                self.traffic.refused(request_id.as_deref(), "", &error.to_string());
                self.write(error_frame(error.to_string(), request_id)).await?;
                return Ok(None);
            }
        };
        self.traffic.received(&request.frame);
        let origin_type = request.frame.frame_type();
        let request_id = request.request_id.as_deref();
        let verdict = match &self.identity {
            None => return self.before_login(&request).await,
            Some(identity) => self.shared.hub().handle(identity, &request),
        };
        match (request_id, verdict) {
            (Some(id), Ok(())) => self.write(receipt(id, origin_type, &Ok(()))).await?,
            (_, Err(reason)) => self.refuse(request_id, origin_type, reason).await?,
            (None, Ok(())) => {}
        }
        Ok(None)
    }

    async fn before_login(&mut self, request: &Request) -> Result<Option<End>, ()> {
        let origin_type = request.frame.frame_type();
        let request_id = request.request_id.as_deref();
        if !matches!(request.frame, Frame::ServiceLogin { .. } | Frame::UserLogin { .. }) {
            let reason =
                format!("log in first: `{origin_type}` before service_login / user_login is refused");
            self.refuse(request_id, origin_type, reason).await?;
            return Ok(None);
        }
        let result = self.shared.hub().login(self.id, &request.frame);
        match result {
            Ok((identity, replay)) => {
                self.shared.studio.logged_in(self.id, &identity);
                self.identity = Some(identity);
                if let Some(id) = request_id {
                    self.write(receipt(id, origin_type, &Ok(()))).await?;
                }
                for out in &replay {
                    self.write(render(out)).await?;
                }
                Ok(None)
            }
            Err(reason) => {
                let reason = format!("login refused: {reason}");
                self.refuse(request_id, origin_type, reason.clone()).await?;
                Ok(Some(End::Close(CloseReason { code: CloseCode::Policy, description: Some(reason) })))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ActionBody, ActionKind, MessageBody, MessageContent};

    #[test]
    fn composed_events_are_what_the_protocol_encodes() {
        let body = MessageBody {
            channel_id: "c".into(),
            content: MessageContent::text("hi \"there\""),
            recipients: Some("g".into()),
            sender: Some("u".into()),
            message_id: Some("m".into()),
            timestamp: Some(5),
            context: Some(Context::new()),
        };
        let shared = serde_json::to_string(&body).unwrap();
        let expected = Incoming { seq: Some(7), event: Event::MessageUp(body) };
        assert_eq!(compose("message_up", 7, &shared), expected.encode());
        assert_eq!(Incoming::decode(&compose("message_up", 7, &shared)).unwrap(), expected);
        let action = ActionBody {
            channel_id: "c".into(),
            sender: Some("u".into()),
            context: None,
            kind: ActionKind::Join,
        };
        let text = compose("action", 1, &serde_json::to_string(&action).unwrap());
        assert_eq!(Incoming::decode(&text).unwrap().event, Event::Action(action));
    }

    #[test]
    fn an_accepted_receipt_is_written_as_the_full_encoder_writes_it() {
        for id in ["r1", "00000000-0000-0000-0000-000000000002", "quote\" back\\ nl\n é \u{1}", ""] {
            for origin in ["message_down", "heartbeat", "odd\"type"] {
                assert_eq!(
                    receipt(id, origin, &Ok(())),
                    full_receipt(id, origin, &Ok(())),
                    "{id:?} {origin:?}"
                );
            }
        }
    }

    #[test]
    fn receipts_carry_origin_type_and_reason() {
        let text = receipt("r1", "message_up", &Err("no".into()));
        let Event::Receipt(r) = Incoming::decode(&text).unwrap().event else { panic!("{text}") };
        assert_eq!(
            (r.request_id.as_str(), r.origin_type.as_deref(), r.status, r.reason()),
            ("r1", Some("message_up"), false, Some("no"))
        );
    }
}
