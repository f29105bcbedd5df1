//! One WebSocket connection: reads frames, answers each with one receipt (or an error frame),
//! writes the events queued for it, answers pings, closes it when idle, and obeys the test
//! controls (cut, pause, the studio's latency). It reports its life and every text frame to the
//! studio.

use super::hub::{ConnId, Out};
use super::server::Shared;
use super::studio::Dir;
use super::traffic::{Peer, TrafficLog};
use super::wire::{self, FLUSH_BATCH, WRITE_BACKLOG, Wire, WireError, WsMessage};
use crate::protocol::{
    Context, ErrorEvent as ErrorFrame, Event, Frame, Incoming, Receipt, ReceiptKind, Request, ResumeGap,
    needs_escape,
};
use actix_codec::Framed;
use actix_http::h1;
use actix_http::ws::{CloseCode, CloseReason};
use actix_web::rt::net::TcpStream;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

/// Answers a WebSocket upgrade at `/ws` or `/` and runs the connection in a task of its own.
///
/// The request is let go once answered (its header values share the HTTP read buffer), and the
/// connection's task holds only its loop, not the handshake's state: an idle connection costs
/// what the loop needs.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    req: actix_http::Request,
    framed: Framed<TcpStream, h1::Codec>,
) {
    let config = &shared.config;
    let wire = wire::accept(&req, framed, config.hard_frame_limit, config.reassembly_limit).await;
    drop(req);
    let Some(wire) = wire else { return };
    let (id, rx, cut, traffic) = shared.hub().open(Some(wire.socket()));
    shared.studio.opened(id);
    let latency = shared.studio.register(id);
    let connection = Connection {
        id,
        shared,
        wire,
        traffic,
        identity: None,
        closed_by_us: None,
        latency,
        delayed: VecDeque::new(),
    };
    actix_web::rt::spawn(connection.run(rx, cut));
}

/// A GET at a WebSocket's path that asks for no upgrade: 400, saying how to connect.
pub(crate) async fn not_upgraded() -> actix_web::HttpResponse {
    actix_web::HttpResponse::BadRequest().json(serde_json::json!({
        "error": "WebSocket upgrade is expected: connect with a WebSocket client (GET with Upgrade: websocket)"
    }))
}

/// The text of an event frame in its parts, in order, around the shared body: joined, what
/// [`Incoming::encode`] writes.
fn event_parts<'a>(kind: &'a str, seq: &'a str, body: &'a str) -> [&'a str; 7] {
    [r#"{"type":""#, kind, r#"","seq":"#, seq, r#","body":"#, body, "}"]
}

/// Composes an event frame from the shared body (what the tests compare with
/// [`Incoming::encode`]).
#[cfg(test)]
fn compose(kind: &str, seq: u64, body: &str) -> String {
    event_parts(kind, itoa::Buffer::new().format(seq), body).concat()
}

fn render_gap(from_seq: u64, to_seq: u64) -> String {
    Incoming { seq: None, event: Event::ResumeGap(ResumeGap { from_seq, to_seq }) }.encode()
}

/// The text of an accepted receipt in its parts, when its two strings need no escaping (every
/// request id the SDK and this crate make, every frame type): joined, what the full encoder
/// writes (a unit test holds the two equal).
fn accepted_parts<'a>(request_id: &'a str, origin_type: &'a str) -> Option<[&'a str; 5]> {
    if needs_escape(request_id.as_bytes()) || needs_escape(origin_type.as_bytes()) {
        return None;
    }
    Some([
        r#"{"type":"copy","body":{"request_id":""#,
        request_id,
        r#"","origin_type":""#,
        origin_type,
        r#"","status":true,"context":{}}}"#,
    ])
}

/// The receipt of one request: an accepted one from its parts, or with its strings escaped by
/// serde_json; a refusal through the full encoder.
fn receipt(request_id: &str, origin_type: &str, verdict: &Result<(), String>) -> String {
    if verdict.is_ok() {
        if let Some(parts) = accepted_parts(request_id, origin_type) {
            return parts.concat();
        }
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
    Message(Option<Result<WsMessage, WireError>>),
    /// An event queued for the client (`None`: the hub dropped the queue).
    Out(Option<Out>),
    /// Frames held back by the studio's latency are due.
    Due,
}

struct Connection {
    id: ConnId,
    shared: Arc<Shared>,
    wire: Wire,
    traffic: TrafficLog,
    identity: Option<Peer>,
    closed_by_us: Option<String>,
    /// The studio's latency for this connection, in ms (0: none).
    latency: Arc<AtomicU64>,
    /// Frames written late because of the latency, with when each is due, in order.
    delayed: VecDeque<(Instant, String)>,
}

impl Connection {
    async fn run(mut self, mut rx: mpsc::Receiver<Out>, mut cut: watch::Receiver<Option<String>>) {
        let idle_limit = self.shared.config.idle_limit;
        let login_limit = self.shared.config.login_deadline;
        let login_deadline = Instant::now() + login_limit;
        let mut deadline = Instant::now() + idle_limit;
        let mut paused = self.shared.paused.subscribe();
        // Taken in while a pause began: handled once resumed, so a pause holds every frame the
        // platform had not started on when `pause(true)` returned.
        let mut held: Option<Input> = None;
        // Which of the client's frames and its events the next turn looks at first.
        let mut turn = false;
        let socket = self.wire.socket();
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
            if cut.borrow().is_some() {
                break End::Cut;
            }
            let input = match held.take().or_else(|| self.ready_input(&mut rx, &mut turn)) {
                Some(input) => input,
                // Nothing more at hand: what the batch wrote goes out, then the loop waits.
                None => {
                    if self.wire.flush().is_err() {
                        break End::Gone;
                    }
                    let backlog = self.wire.backlog();
                    let congested = backlog > WRITE_BACKLOG;
                    let due = self.delayed.front().map(|(due, _)| *due);
                    // Unbiased: a client that sends without pause must not starve its own deliveries.
                    tokio::select! {
                        _ = cut.wait_for(Option::is_some) => break End::Cut,
                        changed = paused.changed() => {
                            if changed.is_err() { break End::Gone }
                            continue;
                        }
                        message = self.wire.recv(), if !congested => Input::Message(message),
                        out = rx.recv(), if !congested => Input::Out(out),
                        writable = socket.writable(), if backlog > 0 => {
                            if writable.is_err() { break End::Gone }
                            continue;
                        }
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
                    }
                }
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
            if let Some(end) = self.on_input(input) {
                break end;
            }
        };
        let reason = match &end {
            End::Close(reason) => reason.description.clone(),
            End::Cut => cut.borrow().clone(),
            End::Gone => None,
        };
        let close = match end {
            End::Close(reason) => {
                self.closed_by_us = reason.description.clone();
                self.traffic.closed(reason.description.as_deref());
                Some(reason)
            }
            End::Cut => {
                let why = cut.borrow().clone();
                self.traffic.closed(why.as_deref());
                None
            }
            End::Gone => None,
        };
        self.shared.studio.closed(self.id, reason.as_deref());
        self.shared.studio.unregister(self.id);
        self.shared.hub().close(self.id);
        log::debug!(
            "connection {} ended{}",
            self.id,
            self.closed_by_us.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
        );
        if let Some(reason) = close {
            self.wire.close(Some(reason)).await;
        }
    }

    /// What can be taken in without waiting: a due late frame, a frame already read, an event
    /// already queued (the last two in turns), unless the batch's output is large enough to go.
    fn ready_input(&mut self, rx: &mut mpsc::Receiver<Out>, turn: &mut bool) -> Option<Input> {
        if self.wire.backlog() >= FLUSH_BATCH {
            return None;
        }
        if self.delayed.front().is_some_and(|(due, _)| *due <= Instant::now()) {
            return Some(Input::Due);
        }
        *turn = !*turn;
        let message = |wire: &mut Wire| wire.try_recv().map(|m| Input::Message(Some(m)));
        let out = |rx: &mut mpsc::Receiver<Out>| rx.try_recv().ok().map(|out| Input::Out(Some(out)));
        if *turn {
            message(&mut self.wire).or_else(|| out(rx))
        } else {
            out(rx).or_else(|| message(&mut self.wire))
        }
    }

    /// Handles what the loop took in; `Some(end)` ends the connection.
    fn on_input(&mut self, input: Input) -> Option<End> {
        match input {
            Input::Message(None) | Input::Out(None) | Input::Message(Some(Err(WireError::Io(_)))) => {
                Some(End::Gone)
            }
            Input::Message(Some(Err(error))) => Some(End::Close(error.close_reason())),
            Input::Message(Some(Ok(message))) => self.on_message(message),
            Input::Out(Some(out)) => {
                self.write_out(&out);
                None
            }
            Input::Due => {
                self.write_due();
                None
            }
        }
    }

    /// Writes `text` now, or later when the studio set a latency (behind what is already late,
    /// so the order is kept).
    fn write(&mut self, text: String) {
        let latency = self.latency.load(Ordering::Acquire);
        if latency == 0 && self.delayed.is_empty() {
            return self.write_now(&text);
        }
        self.delayed.push_back((Instant::now() + Duration::from_millis(latency), text));
    }

    /// Writes an event the hub sent.
    fn write_out(&mut self, out: &Out) {
        match out {
            Out::Event { kind, seq, body } => {
                self.write_parts(&event_parts(kind, itoa::Buffer::new().format(*seq), body));
            }
            Out::Gap { from_seq, to_seq } => self.write(render_gap(*from_seq, *to_seq)),
        }
    }

    /// Writes the receipt of an accepted request: in parts when its strings need no escaping.
    fn write_accepted(&mut self, request_id: &str, origin_type: &str) {
        match accepted_parts(request_id, origin_type) {
            Some(parts) => self.write_parts(&parts),
            None => self.write(receipt(request_id, origin_type, &Ok(()))),
        }
    }

    /// Writes the frame whose text is `parts` joined: straight into the wire when nothing keeps
    /// or delays its text (no traffic record, no studio feed or transcript, no latency), else
    /// joined and written as [`write`](Self::write) does.
    fn write_parts(&mut self, parts: &[&str]) {
        let through = self.delayed.is_empty()
            && self.latency.load(Ordering::Acquire) == 0
            && !self.traffic.keeps_text()
            && !self.shared.studio.wants_frames();
        if through {
            self.traffic.sent_unkept();
            self.wire.text_parts(parts);
        } else {
            self.write(parts.concat());
        }
    }

    /// Writes the late frames that are due.
    fn write_due(&mut self) {
        let now = Instant::now();
        while self.delayed.front().is_some_and(|(due, _)| *due <= now) {
            if let Some((_, text)) = self.delayed.pop_front() {
                self.write_now(&text);
            }
        }
    }

    /// Queues `text` on the wire (it goes out when the batch ends).
    fn write_now(&mut self, text: &str) {
        self.traffic.sent(text);
        self.shared.studio.frame(self.id, self.identity.as_ref(), Dir::Out, text);
        self.wire.text(text);
    }

    fn refuse(&mut self, request_id: Option<&str>, origin_type: &str, reason: String) {
        self.traffic.refused(request_id, origin_type, &reason);
        let text = match request_id {
            Some(id) => receipt(id, origin_type, &Err(reason)),
            None => error_frame(reason, None),
        };
        self.write(text);
    }

    /// Handles one message; `Some(end)` ends the connection.
    fn on_message(&mut self, message: WsMessage) -> Option<End> {
        match message {
            WsMessage::Ping(bytes) => {
                self.wire.pong(&bytes);
                None
            }
            WsMessage::Pong => None,
            WsMessage::Close => Some(End::Close(CloseReason { code: CloseCode::Normal, description: None })),
            WsMessage::Binary => {
                let reason =
                    "binary frames are not part of the protocol: send one JSON object per text frame";
                self.refuse(None, "", reason.to_owned());
                None
            }
            WsMessage::Text(bytes) => match std::str::from_utf8(&bytes) {
                Ok(text) => self.on_text(text),
                Err(_) => Some(End::Close(WireError::NotUtf8.close_reason())),
            },
        }
    }

    fn on_text(&mut self, text: &str) -> Option<End> {
        self.shared.studio.frame(self.id, self.identity.as_ref(), Dir::In, text);
        let max = self.shared.config.max_frame;
        if text.len() > max {
            let reason = format!(
                "frame of {} bytes is over the {max}-byte limit: send smaller frames (upload large content over HTTP)",
                text.len()
            );
            self.refuse(None, "", reason);
            return None;
        }
        let request = match Request::decode(text) {
            Ok(request) => request,
            Err(error) => {
                let request_id = error.request_id().map(str::to_owned);
                self.traffic.refused(request_id.as_deref(), "", &error.to_string());
                self.write(error_frame(error.to_string(), request_id));
                return None;
            }
        };
        self.traffic.received(&request.frame);
        let origin_type = request.frame.frame_type();
        let request_id = request.request_id.as_deref();
        let verdict = match &self.identity {
            None => return self.before_login(&request),
            Some(identity) => self.shared.hub().handle(identity, &request),
        };
        match (request_id, verdict) {
            (Some(id), Ok(())) => self.write_accepted(id, origin_type),
            (_, Err(reason)) => self.refuse(request_id, origin_type, reason),
            (None, Ok(())) => {}
        }
        None
    }

    fn before_login(&mut self, request: &Request) -> Option<End> {
        let origin_type = request.frame.frame_type();
        let request_id = request.request_id.as_deref();
        if !matches!(request.frame, Frame::ServiceLogin { .. } | Frame::UserLogin { .. }) {
            let reason =
                format!("log in first: `{origin_type}` before service_login / user_login is refused");
            self.refuse(request_id, origin_type, reason);
            return None;
        }
        let result = self.shared.hub().login(self.id, &request.frame);
        match result {
            Ok((identity, replay)) => {
                self.shared.studio.logged_in(self.id, &identity);
                self.identity = Some(identity);
                if let Some(id) = request_id {
                    self.write_accepted(id, origin_type);
                }
                for out in &replay {
                    self.write_out(out);
                }
                None
            }
            Err(reason) => {
                let reason = format!("login refused: {reason}");
                self.refuse(request_id, origin_type, reason.clone());
                Some(End::Close(CloseReason { code: CloseCode::Policy, description: Some(reason) }))
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
