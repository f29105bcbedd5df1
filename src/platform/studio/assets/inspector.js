// The inspector: every event of /studio/feed as a table row (bounded), its filters, and the
// detail of the selected row (its JSON pretty-printed, its receipt or request beside it).

import { FeedOrder, Receipts, matches, summarize, typeLabel } from "./feed.js";
import { backoff, clock, el, short, tryParse } from "./util.js";

/** Rows kept in the table; older ones leave the DOM and the indexes. */
export const MAX_ROWS = 5000;
/** And at most this much frame text (a frame may be 256 KiB in the feed). */
export const MAX_TEXT = 32 * 1024 * 1024;

const DIR = { in: "→ in", out: "← out" };

/**
 * `hooks`: { directory, onHello(hello), onLogin(connection, peer), onControl(event),
 * onConnection(event) (open/login/close) }.
 */
export class Inspector {
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.rows = []; // {s, tr}, oldest first
    this.textBytes = 0;
    this.rowOf = new WeakMap(); // tr -> row
    this.queue = [];
    this.flushing = null;
    this.order = new FeedOrder();
    this.receipts = new Receipts();
    this.byMessage = new Map(); // message_id -> [row]
    this.byRequest = new Map(); // request_id -> [row]
    this.connections = new Map(); // connection -> {peer, open}
    this.types = new Set();
    this.filter = { connection: "", type: "", text: "", hideHeartbeats: false, hideReceipts: false };
    this.selected = null;
    this.attempt = 0;
    this.build();
  }

  build() {
    const $ = (id) => this.root.querySelector(`[data-testid="${id}"]`);
    this.tbody = $("inspector-rows");
    this.scroller = $("inspector-scroll");
    this.detail = $("inspector-detail");
    this.stateLabel = $("feed-state");
    this.countLabel = $("inspector-count");
    this.connSelect = $("filter-connection");
    this.typeSelect = $("filter-type");
    const refilter = () => this.refilter();
    this.connSelect.addEventListener("change", () => { this.filter.connection = this.connSelect.value; refilter(); });
    this.typeSelect.addEventListener("change", () => { this.filter.type = this.typeSelect.value; refilter(); });
    let timer = null;
    $("filter-text").addEventListener("input", (e) => {
      clearTimeout(timer);
      timer = setTimeout(() => { this.filter.text = e.target.value.trim(); refilter(); }, 150);
    });
    $("filter-heartbeats").addEventListener("change", (e) => { this.filter.hideHeartbeats = e.target.checked; refilter(); });
    $("filter-receipts").addEventListener("change", (e) => { this.filter.hideReceipts = e.target.checked; refilter(); });
    this.follow = $("inspector-follow");
    $("inspector-clear").addEventListener("click", () => this.clear());
    this.tbody.addEventListener("click", (e) => {
      const tr = e.target.closest(".row");
      const row = tr && this.rowOf.get(tr);
      if (row) this.select(row);
    });
    this.scroller.addEventListener("scroll", () => {
      const atBottom = this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < 30;
      if (!atBottom && this.follow.checked && !this.autoScrolling) this.follow.checked = false;
      this.autoScrolling = false;
    });
    this.hooks.directory.onChange(() => this.renderConnOptions());
  }

  /** Opens the feed, and opens it again whenever it closes (a restart, a network cut). */
  connect() {
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/studio/feed`;
    this.setState("connecting", "connecting to the feed…");
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => { this.attempt = 0; this.setState("open", "feed live"); };
    ws.onmessage = (m) => {
      const event = tryParse(m.data);
      if (event && typeof event === "object") this.onFeed(event);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      const delay = backoff(this.attempt++);
      this.setState("closed", `feed closed${e.reason ? ` (${e.reason})` : ""}; retrying in ${(delay / 1000).toFixed(1)} s`);
      setTimeout(() => this.connect(), delay);
    };
    ws.onerror = () => {};
  }

  setState(state, text) {
    this.stateLabel.dataset.state = state;
    this.stateLabel.textContent = text;
  }

  onFeed(event) {
    if (event.kind === "hello") return this.hooks.onHello?.(event);
    if (!this.order.accept(event)) return;
    const s = summarize(event);
    if (event.kind === "open" || event.kind === "login" || event.kind === "close") {
      const known = this.connections.get(event.connection) ?? { peer: null, open: true };
      if (event.kind === "login") known.peer = event.peer;
      known.open = event.kind !== "close";
      this.connections.set(event.connection, known);
      this.renderConnOptions();
      if (event.kind === "login") this.hooks.onLogin?.(event.connection, event.peer);
      this.hooks.onConnection?.(event);
    }
    if (event.kind === "control") this.hooks.onControl?.(event);
    s.extra = describe(event);
    // The parsed frame is read again on selection: rows keep only the text.
    s.errorMessage = typeof s.frame?.message === "string" ? s.frame.message : null;
    s.frame = null;
    if (s.peer === null && event.connection != null) s.peer = this.connections.get(event.connection)?.peer ?? null;
    this.queue.push(s);
    if (this.queue.length > MAX_ROWS) this.queue.splice(0, this.queue.length - MAX_ROWS);
    this.flushing ??= setTimeout(() => this.flush(), 40);
  }

  flush() {
    this.flushing = null;
    const batch = this.queue;
    this.queue = [];
    const fragment = document.createDocumentFragment();
    for (const s of batch) {
      const row = { s, tr: this.renderRow(s) };
      this.rowOf.set(row.tr, row);
      this.rows.push(row);
      this.textBytes += s.text?.length ?? 0;
      this.index(row);
      fragment.append(row.tr);
    }
    this.tbody.append(fragment);
    // The oldest rows go: past MAX_ROWS, then while the text kept is over MAX_TEXT.
    const size = (i) => this.rows[i].s.text?.length ?? 0;
    let excess = Math.max(0, this.rows.length - MAX_ROWS);
    let bytes = this.textBytes;
    for (let i = 0; i < excess; i++) bytes -= size(i);
    while (excess < this.rows.length - 1 && bytes > MAX_TEXT) bytes -= size(excess++);
    if (excess > 0) for (const row of this.rows.splice(0, excess)) this.evict(row);
    this.countLabel.textContent = `${this.rows.length} rows`;
    if (this.follow.checked) {
      this.autoScrolling = true;
      this.scroller.scrollTop = this.scroller.scrollHeight;
    }
  }

  renderRow(s) {
    const status = s.receipt ? (s.receipt.ok ? "ok" : "refused") : s.type === "error" ? "refused" : null;
    // Rows are divs in a grid, not table rows: `content-visibility: auto` then spares the
    // browser the layout of the thousands of rows out of view.
    const tr = el("div", {
      role: "row",
      class: `row kind-${s.kind}${status === "refused" ? " refused" : ""}${s.dir ? ` dir-${s.dir}` : ""}`,
      testid: "inspector-row",
      data: {
        n: String(s.n), kind: s.kind, connection: s.connection == null ? null : String(s.connection), dir: s.dir, type: s.type,
        subtype: s.subtype, requestId: s.requestId, messageId: s.messageId, seq: s.seq == null ? null : String(s.seq), status,
      },
    },
    el("span", { role: "cell", class: "time", text: clock(s.at).slice(3), title: `${clock(s.at)} (${new Date(s.at).toISOString()})` }),
    el("span", { role: "cell", class: "conn" }, s.connection == null ? "" : `#${s.connection} `, this.peerLabel(s.peer)),
    el("span", { role: "cell", class: "dir", text: s.dir ? DIR[s.dir] ?? s.dir : "" }),
    el("span", { role: "cell", class: "type", text: typeLabel(s), title: s.extra || typeLabel(s) }),
    el("span", { role: "cell", class: "rid", text: short(s.requestId, 8), title: s.requestId ?? "" }),
    el("span", { role: "cell", class: "seq", text: s.seq == null ? "" : String(s.seq) }),
    el("span", { role: "cell", class: "receipt", testid: "row-receipt" }, this.receiptCell(s)),
    );
    tr.hidden = !matches(this.filter, s);
    return tr;
  }

  receiptCell(s) {
    if (s.receipt) return s.receipt.ok ? el("span", { class: "ok", text: "✓ receipt" }) : el("span", { class: "bad", text: `✗ ${s.receipt.reason}` });
    if (s.type === "error") return el("span", { class: "bad", text: `✗ ${s.errorMessage ?? "error"}` });
    if (s.kind === "frame" && s.dir === "in" && s.requestId) return el("span", { class: "muted", text: "…" });
    return s.extra ? el("span", { class: "muted", text: s.extra }) : "";
  }

  peerLabel(peer) {
    if (!peer) return el("span", { class: "muted", text: "—" });
    if (peer.role === "user") return el("span", { class: "peer user", data: { charName: peer.id }, title: `user ${peer.id}`, text: this.hooks.directory.name(peer.id) });
    return el("span", { class: "peer service", title: `service ${peer.id}`, text: `svc ${short(peer.id, 6)}` });
  }

  index(row) {
    const { s } = row;
    if (s.kind === "frame") {
      const label = typeLabel(s);
      if (!this.types.has(label)) {
        this.types.add(label);
        if (s.subtype && !this.types.has(s.type)) this.types.add(s.type);
        this.renderTypeOptions();
      }
    }
    if (s.messageId) push(this.byMessage, s.messageId, row);
    if (s.requestId) push(this.byRequest, s.requestId, row);
    const pair = this.receipts.add(s, row);
    if (pair) this.link(pair.request, pair.receipt);
  }

  /** Shows a receipt on its request's row (and the other way round). */
  link(request, receipt) {
    request.receiptRow = receipt;
    receipt.requestRow = request;
    const r = receipt.s.receipt ?? { ok: false, reason: receipt.s.errorMessage ?? "error" };
    const cell = request.tr.querySelector(".receipt");
    const ms = Math.max(0, receipt.s.at - request.s.at);
    cell.replaceChildren(r.ok ? el("span", { class: "ok", text: `✓ ${ms} ms` }) : el("span", { class: "bad", text: `✗ ${r.reason}` }));
    cell.title = r.ok ? `accepted (receipt #${receipt.s.n}, ${receipt.s.at - request.s.at} ms)` : `refused: ${r.reason}`;
    request.tr.dataset.status = r.ok ? "ok" : "refused";
    request.tr.classList.toggle("refused", !r.ok);
    receipt.tr.querySelector(".receipt").title = `answers #${request.s.n}`;
  }

  evict(row) {
    row.tr.remove();
    this.textBytes -= row.s.text?.length ?? 0;
    this.receipts.forget(row.s, row);
    unpush(this.byMessage, row.s.messageId, row);
    unpush(this.byRequest, row.s.requestId, row);
    if (this.selected === row) this.selected = null;
  }

  clear() {
    for (const row of this.rows) this.evict(row);
    this.rows = [];
    this.textBytes = 0;
    this.countLabel.textContent = "0 rows";
    this.detail.replaceChildren(el("p", { class: "muted", text: "Cleared. New frames appear as they come." }));
  }

  refilter() {
    for (const row of this.rows) row.tr.hidden = !matches(this.filter, row.s);
    if (this.follow.checked) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** Shows only `connection` (from a pane's connection label). */
  filterConnection(connection) {
    this.filter.connection = String(connection);
    this.connSelect.value = String(connection);
    this.refilter();
  }

  /**
   * The connections the control API lists (older ones may be missing from the feed's history);
   * those it does not list are closed.
   */
  seedConnections(list) {
    const listed = new Set();
    for (const c of list) {
      listed.add(c.connection);
      const known = this.connections.get(c.connection) ?? { peer: null, open: true };
      known.peer = c.peer ?? known.peer;
      known.open = Boolean(c.open);
      this.connections.set(c.connection, known);
    }
    for (const [conn, known] of this.connections) if (!listed.has(conn)) known.open = false;
    this.renderConnOptions();
  }

  renderConnOptions() {
    const current = this.connSelect.value;
    const options = [el("option", { value: "", text: "all connections" })];
    for (const [conn, info] of [...this.connections].sort((a, b) => a[0] - b[0])) {
      const who = info.peer ? (info.peer.role === "user" ? `user ${this.hooks.directory.name(info.peer.id)}` : `service ${short(info.peer.id, 6)}`) : "not logged in";
      options.push(el("option", { value: String(conn), text: `#${conn} ${who}${info.open ? "" : " (closed)"}` }));
    }
    this.connSelect.replaceChildren(...options);
    this.connSelect.value = current;
    this.hooks.onConnections?.(this.connections);
  }

  renderTypeOptions() {
    const current = this.typeSelect.value;
    this.typeSelect.replaceChildren(el("option", { value: "", text: "all types" }), ...[...this.types].sort().map((t) => el("option", { value: t, text: t })));
    this.typeSelect.value = current;
  }

  /** Selects the frame of a chat bubble: by message id (the delivery) or request id (the sending). */
  reveal({ messageId, requestId, connection }) {
    const pick = (rows) => rows?.find((r) => r.s.connection === connection) ?? rows?.[rows.length - 1];
    const row = (messageId && pick(this.byMessage.get(messageId)?.filter((r) => r.s.dir === "out"))) ||
      (requestId && pick(this.byRequest.get(requestId)?.filter((r) => r.s.dir === "in")));
    if (!row) return false;
    if (row.tr.hidden) {
      // Show it even if the filters hid it.
      row.tr.hidden = false;
      row.tr.classList.add("revealed");
    }
    this.select(row);
    row.tr.scrollIntoView({ block: "center" });
    this.follow.checked = false;
    return true;
  }

  select(row) {
    this.selected?.tr.classList.remove("selected");
    this.selected?.tr.removeAttribute("aria-selected");
    this.selected = row;
    row.tr.classList.add("selected");
    row.tr.setAttribute("aria-selected", "true");
    const { s } = row;
    const jump = (other, label, testid) =>
      other ? el("button", { type: "button", class: "link", testid, text: label, on: { click: () => { this.select(other); other.tr.scrollIntoView({ block: "center" }); } } }) : null;
    const frame = s.text == null ? null : tryParse(s.text);
    const pretty = frame !== null ? JSON.stringify(frame, null, 2) : s.text ?? JSON.stringify(eventOf(s), null, 2);
    const answer = row.receiptRow?.s;
    const refusal = s.receipt && !s.receipt.ok ? s.receipt.reason
      : s.type === "error" ? s.errorMessage
      : answer && (answer.receipt?.ok === false || answer.type === "error") ? answer.receipt?.reason ?? answer.errorMessage : null;
    const parts = [
      el("header", {},
        el("strong", { text: `#${s.n} ${typeLabel(s)}` }),
        el("span", { class: "muted", text: ` ${clock(s.at)}${s.connection != null ? ` · conn #${s.connection}` : ""}${s.dir ? ` · ${DIR[s.dir]}` : ""}` }),
        s.peer ? el("span", { class: "muted" }, " · ", this.peerLabel(s.peer)) : null,
        el("span", { class: "spacer" }),
        el("button", { type: "button", testid: "detail-copy", text: "Copy", on: { click: () => navigator.clipboard?.writeText(pretty) } }),
      ),
      s.truncated ? el("p", { class: "warn", testid: "detail-truncated", text: `This frame (${s.length ?? "?"} bytes) was over the feed's size limit: only its beginning is shown.` }) : null,
      refusal != null ? el("p", { class: "bad", testid: "detail-refusal", text: `Refused: ${refusal}` }) : null,
      answer ? el("p", {}, jump(row.receiptRow, `its ${answer.type === "error" ? "error frame" : "receipt"} (#${answer.n}, ${answer.at - s.at} ms later): ${refusal != null ? "refused" : "accepted"}`, "detail-receipt-link")) : null,
      row.requestRow ? el("p", {}, jump(row.requestRow, `answers request #${row.requestRow.s.n} (${typeLabel(row.requestRow.s)})`, "detail-request-link")) : null,
      el("pre", { class: "json", testid: "inspector-json", text: pretty }),
    ];
    this.detail.replaceChildren(...parts.filter(Boolean));
  }
}

function eventOf(s) {
  const { n, at, kind, connection, peer } = s;
  return { n, at, kind, connection, peer, ...(s.extra ? { detail: s.extra } : {}) };
}

/** The one-line description of a non-frame event. */
function describe(event) {
  switch (event.kind) {
    case "open": return "connection opened";
    case "login": return `logged in as ${event.peer?.role} ${event.peer?.id}`;
    case "close": return event.reason ? `closed: ${event.reason}` : "closed by the client";
    case "control": {
      const target = event.connection == null ? "every connection" : `connection #${event.connection}`;
      if (event.action === "sever") return `severed ${target}`;
      if (event.action === "latency") return `latency ${event.ms} ms on ${target}`;
      if (event.action === "pause") return "paused every connection";
      if (event.action === "resume") return "resumed every connection";
      if (event.action === "stop") return "platform stopped (restart)";
      if (event.action === "start") return "platform started again";
      return String(event.action);
    }
    case "dropped": return `the feed skipped ${event.count} events (this page fell behind)`;
    default: return "";
  }
}

function push(map, key, row) {
  const list = map.get(key);
  if (list) list.push(row);
  else map.set(key, [row]);
}

function unpush(map, key, row) {
  if (!key) return;
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(row);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}
