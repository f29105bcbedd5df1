// The wire protocol as a user client speaks it (PROTOCOL.md): frame builders, receipt reading,
// and UserClient, one user's WebSocket to /ws (login, heartbeat, receipts, reconnection with
// backoff and resume). The builders are pure and match the reference SDK's frames
// (tests/studio.test.mjs compares them with the golden vectors).

import { backoff, tryParse, uuid } from "./util.js";

export const HEARTBEAT_MS = 30_000;

/** The fields every request has: its type and a fresh request id. */
function request(type, opts) {
  return { type, request_id: opts?.id ?? uuid() };
}

function action(subtype, userId, channelId, extra, opts) {
  const frame = request("action", opts);
  frame.body = { subtype, channel_id: channelId, context: {}, ...extra };
  if (userId) frame.user_id = userId;
  return frame;
}

/** Frame builders; `opts.id` fixes the request id and `opts.now` the timestamp (for tests). */
export const frames = {
  heartbeat: (opts) => ({ ...request("heartbeat", opts), body: {} }),
  userLogin(accessToken, resumeSeq, opts) {
    const frame = { ...request("user_login", opts), auth_origin: "cognito", access_token: accessToken };
    if (resumeSeq > 0) frame.resume = { seq: resumeSeq };
    return frame;
  },
  joinChannel: (userId, channelId, opts) => action("join_channel", userId, channelId, {}, opts),
  leaveChannel: (userId, channelId, opts) => action("leave_channel", userId, channelId, {}, opts),
  refresh: (userId, channelId, opts) => action("refresh", userId, channelId, {}, opts),
  /** `args`: [{label, value}]; sent wrapped in one more list, as the reference SDK does. */
  buttonClick(userId, channelId, buttonId, bottomButtonId, args = [], opts) {
    const extra = { button_id: buttonId, arguments: [args] };
    if (bottomButtonId != null) extra.bottom_button_id = bottomButtonId;
    return action("button_click", userId, channelId, extra, opts);
  },
  /** `message`: {message_id, subtype, content} of the message clicked. */
  menuItemClick(userId, channelId, menuItemId, message, bottomButtonId, args = [], opts) {
    const extra = {
      menu_item_id: menuItemId,
      message_id: message.message_id,
      message_subtype: message.subtype ?? "<unknown>",
      message_content: message.content ?? {},
      arguments: [args],
    };
    if (bottomButtonId != null) extra.bottom_button_id = bottomButtonId;
    return action("menu_item_click", userId, channelId, extra, opts);
  },
  messageUp(userId, serviceId, channelId, subtype, content, recipients, opts) {
    const frame = request("message_up", opts);
    if (userId) frame.user_id = userId;
    if (serviceId) frame.service_id = serviceId;
    frame.body = { subtype, channel_id: channelId, content, timestamp: opts?.now ?? Date.now(), context: {} };
    if (recipients) frame.body.recipients = recipients;
    return frame;
  },
};

/** Content fields by message subtype (PROTOCOL.md), in display order. */
export const CONTENT_FIELDS = {
  text: ["text"],
  image: ["path"],
  audio: ["path"],
  file: ["path", "filename", "size"],
  card: ["title", "text", "link", "button"],
};

/**
 * What a received frame says about a request, or null when it is no receipt: a receipt (`copy`,
 * `roger`, `receipt`) or an error frame (no `type`, a `message`) naming a request id.
 * `{requestId, ok, reason, originType}`; an error frame without request id has requestId null.
 */
export function receiptOf(frame) {
  if (!frame || typeof frame !== "object" || Array.isArray(frame)) return null;
  if (frame.type === "copy" || frame.type === "roger" || frame.type === "receipt") {
    const body = frame.body && typeof frame.body === "object" ? frame.body : {};
    const requestId = body.request_id ?? frame.request_id ?? null;
    const ok = (body.status ?? frame.status) !== false;
    const reason = body.context?.message ?? frame.context?.message ?? null;
    return { requestId, ok, reason: ok ? null : reason ?? "refused", originType: body.origin_type ?? null };
  }
  if (frame.type === undefined && typeof frame.message === "string") {
    return { requestId: frame.request_id ?? frame.requestId ?? null, ok: false, reason: frame.message, originType: null };
  }
  return null;
}

/**
 * One user's connection to /ws. Logs in with `user_login` on every connection (with
 * `resume: {seq}` after the first, so nothing delivered meanwhile is lost), sends a heartbeat
 * every 30 s, matches receipts to requests, resends unanswered requests after a reconnection
 * (same request id: the platform receipts them again and does not deliver them twice), drops
 * events whose `seq` it already handled, and reconnects with backoff until stopped.
 *
 * Callbacks: onState(state, detail), onEvent(frame), onReceipt(receipt, request), onSent(frame).
 * States: connecting, logging-in, logged-in, reconnecting, refused, stopped.
 */
export class UserClient {
  constructor({ url, getToken, renewToken, onState, onEvent, onReceipt, onSent, WebSocketImpl }) {
    this.url = url;
    this.getToken = getToken;
    this.renewToken = renewToken;
    this.cb = { onState, onEvent, onReceipt, onSent };
    this.WS = WebSocketImpl ?? globalThis.WebSocket;
    this.ws = null;
    this.state = "stopped";
    this.lastSeq = 0;
    this.attempt = 0;
    this.pending = new Map(); // request_id -> frame, unanswered, in send order
    this.loginId = null;
    this.firstAfterLogin = false;
    this.heartbeat = null;
    this.retry = null;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    this.stopHeartbeat();
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, "the studio closed this pane");
    }
    this.setState("stopped");
  }

  /** Drops the connection as a network failure would (then reconnects). */
  drop() {
    if (this.ws) this.ws.close(4000, "dropped by the studio page");
  }

  setState(state, detail = null) {
    this.state = state;
    this.cb.onState?.(state, detail);
  }

  async connect() {
    if (this.stopped) return;
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting", { attempt: this.attempt });
    let token;
    try {
      token = await this.getToken();
    } catch (error) {
      return this.scheduleRetry(`no token: ${error.message}`);
    }
    if (this.stopped) return;
    let ws;
    try {
      ws = new this.WS(this.url);
    } catch (error) {
      return this.scheduleRetry(error.message);
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      const login = frames.userLogin(token, this.lastSeq);
      this.loginId = login.request_id;
      this.setState("logging-in", { resume: this.lastSeq });
      this.write(login);
    };
    ws.onmessage = (message) => {
      if (this.ws === ws) this.onText(message.data);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopHeartbeat();
      if (this.state !== "refused") this.scheduleRetry(event.reason || `closed (code ${event.code})`);
    };
    ws.onerror = () => {}; // onclose follows and says what to do
  }

  scheduleRetry(reason) {
    if (this.stopped) return;
    const delay = backoff(this.attempt++);
    if (this.state !== "refused") this.setState("reconnecting", { reason, delay, attempt: this.attempt });
    clearTimeout(this.retry);
    this.retry = setTimeout(() => this.connect(), delay);
  }

  onText(text) {
    const frame = tryParse(text);
    if (frame === null || typeof frame !== "object") {
      this.cb.onEvent?.({ type: "(not json)", raw: String(text) });
      return;
    }
    const receipt = receiptOf(frame);
    if (receipt && receipt.requestId === this.loginId && this.loginId !== null) return this.onLogin(receipt);
    if (receipt && receipt.requestId && this.pending.has(receipt.requestId)) {
      const request = this.pending.get(receipt.requestId);
      this.pending.delete(receipt.requestId);
      this.cb.onReceipt?.(receipt, request);
      return;
    }
    if (receipt && frame.type !== undefined) return; // a heartbeat's receipt, or a repeat
    if (typeof frame.seq === "number") {
      // The first event after a login with resume N has seq > N, unless the platform's count
      // started over (a new platform): then count from there. Later, a seq handled already is
      // a repeat and dropped.
      const restarted = this.firstAfterLogin && frame.seq <= this.lastSeq;
      this.firstAfterLogin = false;
      if (frame.seq <= this.lastSeq && !restarted) return;
      this.lastSeq = frame.seq;
    }
    this.cb.onEvent?.(frame);
  }

  async onLogin(receipt) {
    this.loginId = null;
    if (receipt.ok) {
      this.attempt = 0;
      this.firstAfterLogin = true;
      this.setState("logged-in", { resume: this.lastSeq });
      this.startHeartbeat();
      for (const frame of this.pending.values()) this.write(frame);
      return;
    }
    // Refused (an expired token, a restarted platform that forgot it): sign in again, retry.
    this.setState("refused", { reason: receipt.reason });
    try {
      await this.renewToken?.();
    } catch {
      // the retry reports it
    }
    this.state = "reconnecting";
    this.scheduleRetry(receipt.reason);
  }

  /** Sends a request now (or once logged in); its receipt comes to onReceipt. */
  send(frame) {
    if (frame.request_id && frame.type !== "heartbeat") this.pending.set(frame.request_id, frame);
    if (this.state === "logged-in") this.write(frame);
    return frame;
  }

  write(frame) {
    if (!this.ws || this.ws.readyState !== 1) return false;
    this.ws.send(JSON.stringify(frame));
    this.cb.onSent?.(frame);
    return true;
  }

  startHeartbeat() {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => this.write(frames.heartbeat()), HEARTBEAT_MS);
  }

  stopHeartbeat() {
    clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}
