// Unit tests of the studio page's pure parts (no browser): run with
//   node --test src/platform/studio/assets/tests/
// The expected frames are the reference SDK's golden vectors (PROTOCOL.md, vectors/outbound.jsonl).

import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { renderMarkdown } from "../markdown.js";
import { backoff, escapeHtml, safeUrl, short } from "../util.js";
import { CONTENT_FIELDS, UserClient, frames, receiptOf } from "../protocol.js";
import { FeedOrder, Receipts, matches, summarize, typeLabel } from "../feed.js";
import { dialogArguments, menuFor } from "../dialog.js";
import { styleEffect } from "../canvas.js";

const id = (n) => `00000000-0000-0000-0000-${n.toString(16).padStart(12, "0")}`;
const T = 1722014904438;

test("markdown: HTML in the source is escaped, never passed through", () => {
  const html = renderMarkdown('<script>alert(1)</script> <img src=x onerror="y"> & "q"');
  assert.equal(html, "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=&quot;y&quot;&gt; &amp; &quot;q&quot;</p>");
  assert.ok(!renderMarkdown("**<b>x</b>**").includes("<b>"));
  assert.ok(!renderMarkdown("`<i>`").includes("<i>"));
  assert.ok(!renderMarkdown("# <h1>").includes("<h1><h1>"));
});

test("markdown: headings, emphasis, code, lists, quotes, rules", () => {
  assert.equal(renderMarkdown("# Title"), "<h1>Title</h1>");
  assert.equal(renderMarkdown("### Three ###"), "<h3>Three</h3>");
  assert.equal(renderMarkdown("a **b** *c* _d_ __e__ ~~f~~ `g*h*`"), "<p>a <strong>b</strong> <em>c</em> <em>d</em> <strong>e</strong> <del>f</del> <code>g*h*</code></p>");
  assert.equal(renderMarkdown("snake_case_name and 2*3*4"), "<p>snake_case_name and 2<em>3</em>4</p>");
  assert.equal(renderMarkdown("- one\n- **two**\n\n1. x\n2. y"), "<ul><li>one</li><li><strong>two</strong></li></ul>\n<ol><li>x</li><li>y</li></ol>");
  assert.equal(renderMarkdown("> quoted\n\n---"), "<blockquote><p>quoted</p></blockquote>\n<hr>");
  assert.equal(renderMarkdown("```js\nlet a = '<x>';\n```"), '<pre><code data-lang="js">let a = &#39;&lt;x&gt;&#39;;</code></pre>');
  assert.equal(renderMarkdown("line one\nline two"), "<p>line one<br>line two</p>");
  assert.equal(renderMarkdown("\\*not italic\\*"), "<p>*not italic*</p>");
});

test("markdown: links and images keep only safe URLs", () => {
  assert.equal(renderMarkdown("[docs](https://e.com/a?b=1&c=2)"), '<p><a href="https://e.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">docs</a></p>');
  assert.equal(renderMarkdown("[bad](javascript:alert)"), "<p>bad</p>");
  assert.equal(renderMarkdown("[bad](JaVaScRiPt:alert)"), "<p>bad</p>");
  assert.equal(renderMarkdown("[q](https://e.com/\"onmouseover=x)"), '<p><a href="https://e.com/&quot;onmouseover=x" target="_blank" rel="noopener noreferrer">q</a></p>');
  assert.match(renderMarkdown("![cat](https://e.com/c.png)"), /^<p><img src="https:\/\/e.com\/c.png" alt="cat"/);
  assert.equal(renderMarkdown("![x](data:image/svg+xml;base64,AAA)"), "<p>![x](data:image/svg+xml;base64,AAA)</p>");
  assert.match(renderMarkdown("see https://e.com/x."), /<a href="https:\/\/e.com\/x" [^>]*>https:\/\/e.com\/x<\/a>\.<\/p>$/);
});

test("markdown: large or deeply nested input is bounded", () => {
  const big = "*a ".repeat(50_000);
  const started = Date.now();
  const html = renderMarkdown(big);
  assert.ok(Date.now() - started < 2000, "renders in bounded time");
  assert.ok(!html.includes("<em>"));
  assert.ok(renderMarkdown("<".repeat(200_000)).startsWith("<pre>&lt;"));
  assert.doesNotThrow(() => renderMarkdown("**_".repeat(3000) + "x" + "_**".repeat(3000)));
});

test("safeUrl refuses script URLs and accepts web ones", () => {
  for (const bad of ["javascript:alert(1)", " javascript:x", "java\tscript:x", "vbscript:x", "data:text/html,<b>", "\u0001javascript:x", "", null, 3]) {
    assert.equal(safeUrl(bad), null, String(bad));
  }
  assert.equal(safeUrl("https://e.com/x"), "https://e.com/x");
  assert.equal(safeUrl("/files/a.png"), "/files/a.png");
  assert.equal(safeUrl("//cdn.example/a"), "https://cdn.example/a");
  assert.equal(safeUrl("mailto:a@b.c"), "mailto:a@b.c");
  assert.equal(safeUrl("mailto:a@b.c", { image: true }), null);
  assert.equal(safeUrl("data:image/png;base64,AAAA", { image: true }), "data:image/png;base64,AAAA");
  assert.equal(safeUrl("data:image/png;base64,AAAA"), null);
  assert.equal(escapeHtml(`<a href='x'>&</a>`), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
  assert.equal(short("0123456789abcdef"), "01234567…");
});

test("frame builders match the reference SDK's golden frames", () => {
  assert.deepEqual(frames.heartbeat({ id: id(1) }), { body: {}, request_id: id(1), type: "heartbeat" });
  assert.deepEqual(frames.userLogin("tok-abc", 0, { id: id(3) }), { access_token: "tok-abc", auth_origin: "cognito", request_id: id(3), type: "user_login" });
  assert.deepEqual(frames.joinChannel("user-0001", "chan-0001", { id: id(4) }), { body: { channel_id: "chan-0001", context: {}, subtype: "join_channel" }, request_id: id(4), type: "action", user_id: "user-0001" });
  assert.deepEqual(frames.leaveChannel("user-0001", "chan-0001", { id: id(5) }), { body: { channel_id: "chan-0001", context: {}, subtype: "leave_channel" }, request_id: id(5), type: "action", user_id: "user-0001" });
  assert.deepEqual(frames.messageUp("user-0001", "svc-0001", "chan-0001", "text", { text: "hello world" }, "group-rec", { id: id(13), now: T }), {
    body: { channel_id: "chan-0001", content: { text: "hello world" }, context: {}, recipients: "group-rec", subtype: "text", timestamp: T },
    request_id: id(13), service_id: "svc-0001", type: "message_up", user_id: "user-0001",
  });
  assert.deepEqual(frames.buttonClick("user-0001", "chan-0001", "hard", "confirm", [{ label: "Pick a fruit!", value: "Apple" }], { id: id(18) }), {
    body: { arguments: [[{ label: "Pick a fruit!", value: "Apple" }]], bottom_button_id: "confirm", button_id: "hard", channel_id: "chan-0001", context: {}, subtype: "button_click" },
    request_id: id(18), type: "action", user_id: "user-0001",
  });
  assert.deepEqual(frames.menuItemClick("user-0001", "chan-0001", "m1", { message_id: "msg-0001" }, "confirm", [], { id: id(19) }), {
    body: { arguments: [[]], bottom_button_id: "confirm", channel_id: "chan-0001", context: {}, menu_item_id: "m1", message_content: {}, message_id: "msg-0001", message_subtype: "<unknown>", subtype: "menu_item_click" },
    request_id: id(19), type: "action", user_id: "user-0001",
  });
  assert.deepEqual(frames.menuItemClick("user-0001", "chan-0001", "m2", { message_id: "msg-0002", subtype: "text", content: { text: "rate me" } }, "confirm", [{ label: "Stars", value: "5" }], { id: id(20) }), {
    body: { arguments: [[{ label: "Stars", value: "5" }]], bottom_button_id: "confirm", channel_id: "chan-0001", context: {}, menu_item_id: "m2", message_content: { text: "rate me" }, message_id: "msg-0002", message_subtype: "text", subtype: "menu_item_click" },
    request_id: id(20), type: "action", user_id: "user-0001",
  });
  assert.deepEqual(frames.refresh("user-0001", "chan-0001", { id: id(21) }), { body: { channel_id: "chan-0001", context: {}, subtype: "refresh" }, request_id: id(21), type: "action", user_id: "user-0001" });
});

test("frame builders: fresh UUID v4 request ids, resume on re-login, plain clicks", () => {
  const a = frames.heartbeat().request_id;
  const b = frames.heartbeat().request_id;
  assert.notEqual(a, b);
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual(frames.userLogin("t", 42).resume, { seq: 42 });
  const click = frames.buttonClick("u", "c", "simple", null, []);
  assert.equal("bottom_button_id" in click.body, false);
  assert.deepEqual(click.body.arguments, [[]]);
  assert.deepEqual(Object.keys(CONTENT_FIELDS), ["text", "image", "audio", "file", "card"]);
});

test("receiptOf reads receipts, refusals and error frames", () => {
  assert.deepEqual(receiptOf({ body: { context: {}, origin_type: "heartbeat", request_id: "r1", status: true }, type: "copy" }), { requestId: "r1", ok: true, reason: null, originType: "heartbeat" });
  assert.deepEqual(receiptOf({ body: { context: { message: "login failed" }, origin_type: "service_login", request_id: "r2", status: false }, type: "copy" }), { requestId: "r2", ok: false, reason: "login failed", originType: "service_login" });
  assert.equal(receiptOf({ type: "roger", body: { request_id: "r3", status: true } }).requestId, "r3");
  assert.deepEqual(receiptOf({ message: "bad frame", request_id: "r4" }), { requestId: "r4", ok: false, reason: "bad frame", originType: null });
  assert.equal(receiptOf({ connectionId: "abc=", message: "Internal server error", requestId: "def=" }).requestId, "def=");
  assert.equal(receiptOf({ type: "message_down", body: {} }), null);
  assert.equal(receiptOf(null), null);
  assert.equal(receiptOf([1]), null);
});

const ev = (n, extra) => ({ kind: "frame", n, at: 1000 + n, connection: 1, peer: { role: "user", id: "u1" }, ...extra });

test("summarize: frames, refusals, cut frames, lifecycle", () => {
  const req = summarize(ev(1, { dir: "in", text: JSON.stringify({ type: "action", request_id: "r1", body: { subtype: "join_channel", channel_id: "c" } }) }));
  assert.equal(typeLabel(req), "action/join_channel");
  assert.equal(req.requestId, "r1");
  assert.equal(req.receipt, null);
  const rec = summarize(ev(2, { dir: "out", text: JSON.stringify({ type: "copy", body: { request_id: "r1", status: false, origin_type: "action", context: { message: "no such channel" } } }) }));
  assert.equal(rec.requestId, "r1");
  assert.deepEqual(rec.receipt, { requestId: "r1", ok: false, reason: "no such channel", originType: "action" });
  const err = summarize(ev(3, { dir: "out", text: '{"message":"not JSON"}' }));
  assert.equal(err.type, "error");
  const down = summarize(ev(4, { dir: "out", text: '{"type":"message_down","seq":7,"body":{"subtype":"text","message_id":"m1"}}' }));
  assert.deepEqual([down.seq, down.messageId, down.subtype], [7, "m1", "text"]);
  const cut = summarize(ev(5, { dir: "out", truncated: true, length: 999999, text: '{"type":"update","seq":9,"body":{"subtype":"canvas","content":[{"text":"aaaa' }));
  assert.deepEqual([cut.type, cut.subtype, cut.seq, cut.truncated], ["update", "canvas", 9, true]);
  assert.equal(summarize({ kind: "control", n: 6, at: 1, action: "latency", connection: 2, ms: 300 }).subtype, "latency");
  assert.equal(summarize({ kind: "close", n: 7, at: 1, connection: 1, reason: null }).subtype, "by the client");
});

test("filters: connection, type, text, heartbeats, receipts", () => {
  const hb = summarize(ev(1, { dir: "in", text: '{"type":"heartbeat","request_id":"h","body":{}}' }));
  const hbr = summarize(ev(2, { dir: "out", text: '{"type":"copy","body":{"request_id":"h","status":true,"origin_type":"heartbeat"}}' }));
  const msg = summarize(ev(3, { connection: 2, dir: "out", text: '{"type":"message_down","body":{"subtype":"text","content":{"text":"Hello There"}}}' }));
  const bad = summarize(ev(4, { dir: "out", text: '{"type":"copy","body":{"request_id":"x","status":false,"context":{"message":"no"}}}' }));
  const none = { connection: "", type: "", text: "", hideHeartbeats: false, hideReceipts: false };
  assert.ok([hb, hbr, msg, bad].every((s) => matches(none, s)));
  assert.deepEqual([hb, hbr, msg, bad].map((s) => matches({ ...none, connection: "2" }, s)), [false, false, true, false]);
  assert.deepEqual([hb, hbr, msg, bad].map((s) => matches({ ...none, type: "message_down" }, s)), [false, false, true, false]);
  assert.deepEqual([hb, hbr, msg, bad].map((s) => matches({ ...none, type: "message_down/text" }, s)), [false, false, true, false]);
  assert.deepEqual([hb, hbr, msg, bad].map((s) => matches({ ...none, text: "hello there" }, s)), [false, false, true, false]);
  assert.deepEqual([hb, hbr, msg, bad].map((s) => matches({ ...none, hideHeartbeats: true }, s)), [false, false, true, true]);
  assert.deepEqual([hb, hbr, msg, bad].map((s) => matches({ ...none, hideReceipts: true }, s)), [true, false, true, true]);
});

test("receipts pair with their request: same connection and request id", () => {
  const receipts = new Receipts();
  const add = (s) => receipts.add(s, s);
  const r1 = summarize(ev(1, { dir: "in", text: '{"type":"action","request_id":"r1","body":{"subtype":"refresh","channel_id":"c"}}' }));
  const other = summarize(ev(2, { connection: 9, dir: "out", text: '{"type":"copy","body":{"request_id":"r1","status":true}}' }));
  const c1 = summarize(ev(3, { dir: "out", text: '{"type":"copy","body":{"request_id":"r1","status":true}}' }));
  assert.equal(add(r1), null);
  assert.equal(add(other), null, "another connection's receipt answers another request");
  assert.deepEqual(add(c1), { request: r1, receipt: c1 });
  const e2 = summarize(ev(4, { dir: "out", text: '{"message":"bad","request_id":"r2"}' }));
  const r2 = summarize(ev(5, { dir: "in", text: '{"type":"warp","request_id":"r2"}' }));
  assert.equal(add(e2), null);
  assert.deepEqual(add(r2), { request: r2, receipt: e2 }, "an answer seen first is kept for its request");
  receipts.forget(r1, r1);
  assert.equal(add(c1), null);
});

test("the feed's order skips repeated history and notices a restart", () => {
  const order = new FeedOrder();
  assert.ok(order.accept({ kind: "hello", n: 0 }));
  assert.ok(order.accept({ kind: "open", n: 1, at: 10 }));
  assert.ok(order.accept({ kind: "open", n: 2, at: 11 }));
  assert.ok(!order.accept({ kind: "open", n: 1, at: 10 }), "history again after a reconnection");
  assert.ok(!order.accept({ kind: "open", n: 2, at: 11 }));
  assert.ok(order.accept({ kind: "open", n: 3, at: 12 }));
  assert.ok(order.accept({ kind: "open", n: 1, at: 500 }), "numbering started over, later in time");
  assert.ok(order.accept({ kind: "dropped", n: 0, at: 500, count: 3 }), "the feed's own events have n 0");
});

test("dialog arguments: every component, required ones checked, invalid skipped", () => {
  const components = [
    { label: "Dish", type: "dropdown", required: true, choices: ["pizza"] },
    { label: "Note", type: "text" },
    { label: "Broken", type: "invalid" },
    { label: "Count", type: "number", required: true },
  ];
  assert.deepEqual(dialogArguments(components, ["pizza", "", "", "3"]), { args: [{ label: "Dish", value: "pizza" }, { label: "Note", value: "" }, { label: "Count", value: "3" }], missing: [] });
  assert.deepEqual(dialogArguments(components, ["", "x", "", " "]).missing, ["Dish", "Count"]);
  assert.deepEqual(dialogArguments(undefined, []), { args: [], missing: [] });
});

test("menus are filtered by the message's subtype; style effects", () => {
  const items = [{ menu_item_id: "a", message_subtypes: ["text"] }, { menu_item_id: "b", message_subtypes: ["text", "image"] }, { menu_item_id: "c" }];
  assert.deepEqual(menuFor(items, "image").map((i) => i.menu_item_id), ["b"]);
  assert.deepEqual(menuFor(items, "text").map((i) => i.menu_item_id), ["a", "b"]);
  assert.deepEqual(menuFor(null, "text"), []);
  assert.deepEqual(styleEffect({ widget: "canvas", display: "invisible", expand: false }), { hidden: true, highlight: false, expanded: false });
  assert.deepEqual(styleEffect({ widget: "button", display: "highlight" }), { hidden: false, highlight: true, expanded: undefined });
});

test("backoff grows, is capped and jittered", () => {
  assert.equal(backoff(0, () => 0.5), 500);
  assert.equal(backoff(1, () => 0.5), 1000);
  assert.equal(backoff(20, () => 0.5), 15000);
  assert.ok(backoff(3, () => 0) >= 3200 && backoff(3, () => 1) <= 4800);
});

/** A WebSocket stand-in: records what is sent; the test opens, answers and closes it. */
class FakeSocket {
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.all.push(this);
  }
  open() { this.readyState = 1; this.onopen?.(); }
  send(text) { this.sent.push(JSON.parse(text)); }
  receive(frame) { this.onmessage?.({ data: JSON.stringify(frame) }); }
  close(code = 1006, reason = "") { this.readyState = 3; this.onclose?.({ code, reason }); }
}

const copy = (requestId, status = true, message) => ({ type: "copy", body: { request_id: requestId, status, origin_type: "x", context: message ? { message } : {} } });

test("UserClient: login, receipts, seq, reconnection with resume and resend", async () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    FakeSocket.all = [];
    const states = [];
    const events = [];
    const receipts = [];
    const client = new UserClient({
      url: "ws://x/ws",
      getToken: async () => "tok",
      onState: (s) => states.push(s),
      onEvent: (f) => events.push(f),
      onReceipt: (r, req) => receipts.push([r.ok, req.type]),
      WebSocketImpl: FakeSocket,
    });
    client.start();
    await Promise.resolve();
    const ws1 = FakeSocket.all[0];
    ws1.open();
    assert.equal(ws1.sent[0].type, "user_login");
    assert.equal(ws1.sent[0].resume, undefined, "no resume on the first login");
    const early = client.send(frames.joinChannel("u", "c"));
    assert.equal(ws1.sent.length, 1, "nothing but the login before its receipt");
    ws1.receive(copy(ws1.sent[0].request_id));
    assert.equal(client.state, "logged-in");
    assert.equal(ws1.sent[1].request_id, early.request_id, "queued requests go after the login");
    ws1.receive({ type: "message_down", seq: 1, body: {} });
    ws1.receive({ type: "message_down", seq: 2, body: {} });
    ws1.receive({ type: "message_down", seq: 2, body: {} });
    assert.equal(events.length, 2, "a repeated seq is dropped");
    mock.timers.tick(30_000);
    assert.equal(ws1.sent.at(-1).type, "heartbeat", "a heartbeat every 30 s");
    ws1.receive(copy(ws1.sent.at(-1).request_id));
    assert.equal(receipts.length, 0, "a heartbeat's receipt is nobody's business");
    const lost = client.send(frames.refresh("u", "c"));
    ws1.close(1006, "severed");
    assert.equal(client.state, "reconnecting");
    mock.timers.tick(1000);
    await Promise.resolve();
    const ws2 = FakeSocket.all[1];
    assert.ok(ws2, "reconnects after the backoff");
    ws2.open();
    assert.deepEqual(ws2.sent[0].resume, { seq: 2 }, "resumes after the last seq handled");
    ws2.receive(copy(ws2.sent[0].request_id));
    const resent = ws2.sent.slice(1).map((f) => f.request_id);
    assert.deepEqual(resent, [early.request_id, lost.request_id], "unanswered requests are sent again with their ids");
    ws2.receive(copy(early.request_id));
    ws2.receive(copy(lost.request_id, false, "not in channel"));
    assert.deepEqual(receipts, [[true, "action"], [false, "action"]]);
    ws2.receive({ type: "message_down", seq: 3, body: {} });
    assert.equal(events.length, 3);
    client.stop();
    assert.equal(client.state, "stopped");
    mock.timers.tick(60_000);
    assert.equal(FakeSocket.all.length, 2, "a stopped client stays stopped");
    assert.ok(states.includes("logging-in") && states.includes("reconnecting"));
  } finally {
    mock.timers.reset();
  }
});

test("UserClient: a platform whose seq started over is followed; a refused login renews the token", async () => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  try {
    FakeSocket.all = [];
    let renewed = 0;
    const events = [];
    const client = new UserClient({
      url: "ws://x/ws",
      getToken: async () => `tok${renewed}`,
      renewToken: async () => { renewed++; },
      onEvent: (f) => events.push(f.seq),
      WebSocketImpl: FakeSocket,
    });
    client.lastSeq = 50;
    client.start();
    await Promise.resolve();
    const ws1 = FakeSocket.all[0];
    ws1.open();
    ws1.receive(copy(ws1.sent[0].request_id, false, "unknown token"));
    assert.equal(client.state, "refused");
    ws1.close(1008, "login refused");
    await Promise.resolve();
    assert.equal(renewed, 1);
    mock.timers.tick(1000);
    await Promise.resolve();
    const ws2 = FakeSocket.all[1];
    ws2.open();
    assert.equal(ws2.sent[0].access_token, "tok1");
    ws2.receive(copy(ws2.sent[0].request_id));
    ws2.receive({ type: "update", seq: 1, body: {} });
    ws2.receive({ type: "update", seq: 2, body: {} });
    assert.deepEqual(events, [1, 2]);
    client.stop();
  } finally {
    mock.timers.reset();
  }
});
