// The inspector's model, without the DOM: what a feed event says (summarize), which rows a
// filter keeps (matches), which events a reconnected feed repeats (FeedOrder), and which
// receipt answers which request (Receipts). Unit-tested by tests/studio.test.mjs.

import { receiptOf } from "./protocol.js";
import { tryParse } from "./util.js";

/**
 * The columns of one feed event: `{n, at, kind, connection, peer, dir, type, subtype,
 * requestId, seq, messageId, receipt, frame, text, truncated}`. `type` is the frame's type
 * (`error` for an error frame, which has none), or the event's kind for open/login/close/
 * control/dropped; `receipt` is receiptOf(frame) for frames the platform sent.
 */
export function summarize(event) {
  const s = {
    n: event.n ?? null,
    at: event.at ?? Date.now(),
    kind: event.kind ?? "?",
    connection: event.connection ?? null,
    peer: event.peer ?? null,
    dir: event.dir ?? null,
    type: event.kind ?? "?",
    subtype: null,
    requestId: null,
    seq: null,
    messageId: null,
    receipt: null,
    frame: null,
    text: null,
    truncated: Boolean(event.truncated),
    length: typeof event.length === "number" ? event.length : null,
  };
  if (event.kind === "frame") {
    const text = typeof event.text === "string" ? event.text : "";
    s.text = text;
    const frame = tryParse(text);
    if (frame && typeof frame === "object" && !Array.isArray(frame)) {
      s.frame = frame;
      const body = frame.body && typeof frame.body === "object" ? frame.body : {};
      s.type = typeof frame.type === "string" ? frame.type : typeof frame.message === "string" ? "error" : "(no type)";
      s.subtype = str(body.subtype ?? frame.subtype ?? body.origin_type);
      s.requestId = str(frame.request_id ?? body.request_id ?? frame.requestId);
      s.seq = typeof frame.seq === "number" ? frame.seq : null;
      s.messageId = str(body.message_id);
      if (event.dir === "out") s.receipt = receiptOf(frame);
    } else {
      // Cut by the feed's size limit (or not JSON): read what can be read.
      s.type = match(text, /"type"\s*:\s*"([^"\\]{1,64})"/) ?? (text.trim().startsWith("{") ? "(cut)" : "(not json)");
      s.subtype = match(text, /"subtype"\s*:\s*"([^"\\]{1,64})"/);
      s.requestId = match(text, /"request_id"\s*:\s*"([^"\\]{1,128})"/);
      s.messageId = match(text, /"message_id"\s*:\s*"([^"\\]{1,128})"/);
      const seq = match(text, /"seq"\s*:\s*(\d{1,15})/);
      s.seq = seq === null ? null : Number(seq);
    }
  } else if (event.kind === "control") {
    s.subtype = str(event.action);
  } else if (event.kind === "close") {
    s.subtype = event.reason ? "by the platform" : "by the client";
  }
  return s;
}

function str(v) {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : null;
}

function match(text, re) {
  const m = re.exec(text);
  return m ? m[1] : null;
}

/** `type` or `type/subtype`: the label of the type column and of the type filter. */
export function typeLabel(s) {
  return s.subtype ? `${s.type}/${s.subtype}` : s.type;
}

/**
 * Whether a row passes the filters: `connection` (a number or ""), `type` (a type, or
 * type/subtype, or ""), `text` (a substring of the frame text, the event, or the peer, any
 * case), `hideHeartbeats` (heartbeats and their receipts), `hideReceipts` (receipts that
 * accepted; refusals stay).
 */
export function matches(filter, s) {
  if (filter.connection !== "" && filter.connection != null && String(s.connection) !== String(filter.connection)) return false;
  if (filter.type && s.type !== filter.type && typeLabel(s) !== filter.type) return false;
  if (filter.hideHeartbeats && (s.type === "heartbeat" || s.receipt?.originType === "heartbeat")) return false;
  if (filter.hideReceipts && s.receipt && s.receipt.ok && s.type !== "error") return false;
  if (filter.text) {
    const needle = filter.text.toLowerCase();
    const hay = [s.text ?? "", s.kind, s.type, s.subtype ?? "", s.requestId ?? "", s.peer?.id ?? "", s.peer?.role ?? "", s.extra ?? ""]
      .join("\n")
      .toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

/**
 * Which events are new, across reconnections of the feed: each connection replays the history,
 * so events up to the last one seen are skipped; numbering that starts over (a restarted
 * platform process) is told apart by time.
 */
export class FeedOrder {
  constructor() {
    this.lastN = 0;
    this.lastAt = 0;
  }

  /** True when `event` was not seen; records it. */
  accept(event) {
    // `hello` and `dropped` are the feed's own (n: 0), never repeated history.
    if (event.kind === "hello" || event.kind === "dropped" || typeof event.n !== "number") return true;
    if (event.n <= this.lastN && (event.at ?? 0) <= this.lastAt) return false;
    this.lastN = event.n;
    this.lastAt = Math.max(this.lastAt, event.at ?? 0);
    return true;
  }
}

/**
 * Pairs receipts with the requests they answer: same connection and request id. Requests are
 * frames the platform received (`dir: in`) with a request id; receipts and error frames naming
 * one are frames it sent (`dir: out`). Values are whatever the caller stores (rows).
 */
export class Receipts {
  constructor() {
    this.requests = new Map(); // "conn|request_id" -> request
    this.answers = new Map(); // "conn|request_id" -> receipt that came first (rare)
  }

  static key(connection, requestId) {
    return `${connection}|${requestId}`;
  }

  /** Records a summarized event; returns `{request, receipt}` when it completes a pair. */
  add(s, value) {
    if (s.kind !== "frame" || !s.requestId) return null;
    const key = Receipts.key(s.connection, s.requestId);
    if (s.dir === "in" && !s.receipt) {
      this.requests.set(key, value);
      if (this.answers.has(key)) {
        const receipt = this.answers.get(key);
        this.answers.delete(key);
        return { request: value, receipt };
      }
      return null;
    }
    if (s.dir === "out" && s.receipt && s.receipt.requestId) {
      const k = Receipts.key(s.connection, s.receipt.requestId);
      if (this.requests.has(k)) return { request: this.requests.get(k), receipt: value };
      this.answers.set(k, value);
      if (this.answers.size > 10_000) this.answers.delete(this.answers.keys().next().value);
    }
    return null;
  }

  /** Forgets a request or receipt leaving the table. */
  forget(s, value) {
    if (!s.requestId) return;
    const key = Receipts.key(s.connection, s.receipt?.requestId ?? s.requestId);
    if (this.requests.get(key) === value) this.requests.delete(key);
    if (this.answers.get(key) === value) this.answers.delete(key);
  }
}
