// One channel as one user sees it: the history (every message subtype, with sender names and
// avatars), the buttons above the chat box and their dialogs, the right-click menu, the canvas,
// the character list, style updates, and the chat box itself.

import { CONTENT_FIELDS, frames } from "./protocol.js";
import { CanvasPanel, applyStyle } from "./canvas.js";
import { DEFAULT_SUBMIT, menuFor, openDialog, openMenu } from "./dialog.js";
import { groupMembers, groupOf } from "./http.js";
import { renderMarkdown } from "./markdown.js";
import { avatar, bytes, clock, el, safeUrl, short } from "./util.js";

/** Bubbles kept per channel (older ones leave the DOM; the inspector still has the frames). */
export const MAX_BUBBLES = 2000;

/**
 * `pane`: { user, userId, token(), send(frame), directory, reveal(query), serviceOf(channelId),
 * leave(channelId) }.
 */
export class ChannelView {
  constructor(pane, channelId) {
    this.pane = pane;
    this.channelId = channelId;
    this.buttons = [];
    this.buttonStyles = new Map(); // button_id -> style item
    this.menu = [];
    this.characters = [];
    this.to = new Set(); // the characters ticked as recipients (none: all of them)
    this.sent = new Map(); // request_id -> bubble of a message_up
    this.canvas = new CanvasPanel();
    this.build();
  }

  build() {
    const c = this.channelId;
    this.title = el("span", { class: "channel-name", testid: "channel-name", text: short(c, 12), title: c });
    this.messages = el("ol", { class: "messages", testid: "messages", data: { widget: "chat" }, "aria-live": "polite" });
    this.characterList = el("ul", { class: "characters", testid: "character-list" });
    this.buttonBar = el("div", { class: "buttons-bar", testid: "buttons-bar", data: { widget: "buttons" } });
    this.subtype = el("select", { testid: "compose-subtype", title: "Message subtype", on: { change: () => this.composeFields() } },
      Object.keys(CONTENT_FIELDS).map((s) => el("option", { value: s, text: s })));
    this.fields = el("div", { class: "compose-fields" });
    this.toLabel = el("span", { class: "muted compose-to", testid: "compose-to" });
    this.node = el("section", { class: "channel-view", testid: "channel-view", data: { channelId: c } },
      el("header", { class: "channel-header" },
        this.title,
        el("code", { class: "muted", text: short(c, 8), title: c }),
        el("span", { class: "spacer" }),
        el("button", { type: "button", testid: "refresh", title: "Ask the service to resend everything (action refresh)", text: "⟳ Refresh", on: { click: () => this.refresh() } }),
        el("button", { type: "button", testid: "leave-channel", title: "Leave this channel (action leave_channel)", text: "Leave", on: { click: () => this.pane.leave(c) } }),
      ),
      this.canvas.node,
      el("div", { class: "channel-body" },
        this.messages,
        el("aside", { class: "side", data: { widget: "characters" } }, el("h3", { text: "Characters" }), this.characterList),
      ),
      this.buttonBar,
      el("form", { class: "compose", testid: "compose", data: { widget: "input" }, on: { submit: (e) => { e.preventDefault(); this.sendComposed(); } } },
        this.subtype, this.fields,
        el("button", { type: "submit", class: "primary", testid: "compose-send", text: "Send" }),
      ),
      this.toLabel,
    );
    this.composeFields();
    this.renderCharacters();
  }

  refresh() {
    this.pane.send(frames.refresh(this.pane.userId, this.channelId));
  }

  // ----- messages -----

  atBottom() {
    const m = this.messages;
    return m.scrollHeight - m.scrollTop - m.clientHeight < 40;
  }

  push(node) {
    const follow = this.atBottom();
    this.messages.append(node);
    while (this.messages.childElementCount > MAX_BUBBLES) this.messages.firstElementChild.remove();
    if (follow) this.messages.scrollTop = this.messages.scrollHeight;
  }

  /** A line from the page itself (joined, left, lost events, a refusal...). */
  notice(text, kind = "info") {
    this.push(el("li", { class: `notice ${kind}`, testid: "notice", data: { kind } }, el("span", { class: "muted", text: clock(Date.now()) }), " ", text));
  }

  /** A message_down delivered to this user. */
  addMessage(body, seq) {
    const sender = body.sender ?? "";
    const mine = sender === this.pane.userId;
    const bubble = this.bubble(body.subtype, body.content, sender, body.timestamp ?? Date.now(), {
      messageId: body.message_id ?? null,
      seq: seq ?? null,
      dir: "received",
      mine,
    });
    bubble.tabIndex = 0; // focusable: the context-menu key (or Shift+F10) opens the menu too
    bubble.addEventListener("contextmenu", (e) => this.contextMenu(e, body));
    this.push(bubble);
    this.pane.directory.ensure(this.pane.token(), [sender]);
  }

  /** A message_up this user sent: shown at once, its receipt marks it accepted or refused. */
  addSent(frame) {
    const body = frame.body;
    const bubble = this.bubble(body.subtype, body.content, this.pane.userId, body.timestamp, {
      requestId: frame.request_id,
      dir: "sent",
      mine: true,
    });
    const status = el("span", { class: "status", testid: "message-status", data: { status: "pending" }, text: "sending…", title: "message_up sent; waiting for its receipt" });
    bubble.querySelector(".meta").append(status);
    this.sent.set(frame.request_id, status);
    this.push(bubble);
  }

  /** The receipt of a request this view sent. */
  markReceipt(receipt, request) {
    const status = this.sent.get(receipt.requestId);
    if (status) {
      this.sent.delete(receipt.requestId);
      status.dataset.status = receipt.ok ? "accepted" : "refused";
      status.textContent = receipt.ok ? "✓ sent to the service" : `✗ refused: ${receipt.reason}`;
      status.title = receipt.ok ? "the platform accepted the message_up" : receipt.reason;
      status.closest(".message")?.classList.toggle("refused", !receipt.ok);
    } else if (!receipt.ok) {
      const what = request?.body?.subtype ?? request?.type ?? "request";
      this.notice(`${what} refused: ${receipt.reason}`, "error");
    }
  }

  bubble(subtype, content, sender, at, { messageId = null, requestId = null, seq = null, dir, mine }) {
    const d = this.pane.directory.get(sender);
    const node = el("li", {
      class: `message ${dir}${mine ? " mine" : ""}`,
      testid: "message",
      data: { messageId, requestId, subtype: String(subtype), sender, seq: seq == null ? null : String(seq), dir },
      title: "Click to see its frame in the inspector; right-click for the service's menu",
      on: { click: (e) => { if (!e.target.closest("a, button, audio, video, input")) this.pane.reveal({ messageId, requestId }); } },
    },
    avatar(d.name, d.avatar, sender, "message-avatar"),
    el("div", { class: "bubble" },
      el("div", { class: "meta" },
        el("span", { class: "sender", testid: "message-sender", data: { charName: sender }, text: d.name, title: sender }),
        el("span", { class: "muted", text: clock(at) }),
        el("span", { class: "tag", testid: "message-subtype", text: String(subtype) }),
        dir === "sent" ? el("span", { class: "tag", text: "message_up" }) : null,
      ),
      el("div", { class: "content", testid: "message-content" }, messageContent(subtype, content)),
    ));
    const a = node.querySelector(".avatar");
    a.dataset.charAvatar = sender;
    return node;
  }

  contextMenu(event, body) {
    event.preventDefault();
    const subtype = body.subtype;
    // From the keyboard the event has no position: open the menu on the bubble.
    const at = event.clientX || event.clientY ? [event.clientX, event.clientY] : (({ left, bottom }) => [left + 40, bottom - 8])(event.currentTarget.getBoundingClientRect());
    openMenu(at[0], at[1], menuFor(this.menu, subtype), {
      user: this.pane.user,
      subtype,
      onPick: (item) => {
        const message = { message_id: body.message_id, subtype, content: body.content };
        const send = (bottom, args) =>
          this.pane.send(frames.menuItemClick(this.pane.userId, this.channelId, item.menu_item_id, message, bottom, args));
        if (item.dialog) openDialog(item.dialog, { title: item.menu_item_text, user: this.pane.user, onSubmit: send });
        else send(DEFAULT_SUBMIT, []);
      },
    });
  }

  // ----- updates -----

  /** An `update` event for this channel. */
  applyUpdate(body) {
    switch (body.subtype) {
      case "buttons":
        this.buttons = Array.isArray(body.content) ? body.content : [];
        return this.renderButtons();
      case "menu":
        this.menu = Array.isArray(body.content) ? body.content : [];
        this.node.dataset.menuItems = String(this.menu.length);
        return;
      case "canvas":
        return this.canvas.setItems(body.content);
      case "style":
        return (Array.isArray(body.content) ? body.content : []).forEach((item) => this.applyStyleItem(item));
      case "characters":
        return this.loadCharacters(body.content?.characters);
      case "channel_info": {
        const name = body.content?.channel_name;
        if (name) {
          this.title.textContent = name;
          this.pane.renameChannel(this.channelId, name);
        }
        if (body.content?.channel_description) this.title.title = `${body.content.channel_description}\n${this.channelId}`;
        return;
      }
      default:
        this.notice(`update of unknown subtype "${body.subtype}" (see the inspector)`, "warn");
    }
  }

  renderButtons() {
    this.buttonBar.replaceChildren(
      ...this.buttons.map((button) => {
        const node = el("button", {
          type: "button",
          class: "service-button",
          testid: `button-${button.button_id}`,
          data: { buttonId: button.button_id, hasDialog: String(Boolean(button.dialog)) },
          text: (button.button_text || button.button_id) + (button.dialog ? "…" : ""),
          on: { click: () => this.clickButton(button) },
        });
        const style = this.buttonStyles.get(button.button_id);
        if (style) applyStyle(node, style);
        return node;
      }),
    );
    this.buttonBar.dataset.count = String(this.buttons.length);
  }

  clickButton(button) {
    const send = (bottom, args) =>
      this.pane.send(frames.buttonClick(this.pane.userId, this.channelId, button.button_id, bottom, args));
    if (button.dialog) openDialog(button.dialog, { title: button.button_text, user: this.pane.user, onSubmit: send });
    else send(null, []);
  }

  applyStyleItem(item) {
    if (!item || typeof item !== "object") return;
    if (item.widget === "canvas") return this.canvas.applyStyle(item);
    if (item.widget === "button" && item.button_id) {
      this.buttonStyles.set(item.button_id, item);
      return this.renderButtons();
    }
    const target = this.node.querySelector(`[data-widget="${CSS.escape(String(item.widget))}"]`);
    if (target) applyStyle(target, item);
    else this.notice(`style for a widget this page does not have: "${item.widget}"`, "warn");
  }

  async loadCharacters(groupId) {
    if (!groupId) return;
    try {
      const ids = await groupMembers(this.pane.token(), groupId);
      await this.pane.directory.ensure(this.pane.token(), ids);
      this.characters = ids;
      for (const id of [...this.to]) if (!ids.includes(id)) this.to.delete(id);
      this.renderCharacters();
    } catch (error) {
      this.notice(`characters of group ${short(groupId)}: ${error.message}`, "error");
    }
  }

  renderCharacters() {
    this.characterList.replaceChildren(
      ...this.characters.map((id) => {
        const d = this.pane.directory.get(id);
        const box = el("input", { type: "checkbox", testid: "character-to", title: "Send my messages to this character", checked: this.to.has(id),
          on: { change: () => { box.checked ? this.to.add(id) : this.to.delete(id); this.renderTo(); } } });
        const a = avatar(d.name, d.avatar, id, "character-avatar");
        a.dataset.charAvatar = id;
        return el("li", { class: "character", testid: "character", data: { characterId: id }, title: d.description || id },
          el("label", {}, box, a, el("span", { data: { charName: id }, text: d.name }), id === this.pane.userId ? el("span", { class: "muted", text: " (you)" }) : null));
      }),
    );
    // No characters listed (the service sent none): the column gives its room to the chat.
    this.characterList.closest(".side")?.toggleAttribute("hidden", this.characters.length === 0);
    this.renderTo();
  }

  renderTo() {
    const n = this.to.size;
    this.toLabel.textContent = this.characters.length === 0
      ? "to: the service (no characters listed)"
      : n === 0 ? `to: every character listed (${this.characters.length})` : `to: ${[...this.to].map((id) => this.pane.directory.name(id)).join(", ")}`;
  }

  // ----- the chat box -----

  composeFields() {
    const subtype = this.subtype.value;
    this.fields.replaceChildren(
      ...CONTENT_FIELDS[subtype].map((name) => {
        const attrs = { name, testid: `compose-${name}`, placeholder: subtype === "text" ? "Message (Enter sends)" : name, title: subtype === "text" ? "Enter sends; Shift+Enter starts a new line" : null, "aria-label": name };
        if (name === "text" && subtype === "text") {
          return el("textarea", { ...attrs, rows: 2, testid: "compose-input", on: { keydown: (e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.sendComposed(); } } } });
        }
        return el("input", { ...attrs, type: name === "size" ? "number" : "text", min: name === "size" ? "0" : null });
      }),
    );
  }

  async sendComposed() {
    const subtype = this.subtype.value;
    const content = {};
    for (const input of this.fields.querySelectorAll("[name]")) {
      content[input.name] = input.name === "size" ? Number(input.value || 0) : input.value;
    }
    if (subtype === "text" && content.text.trim() === "") return;
    if ((subtype === "image" || subtype === "audio" || subtype === "file") && !content.path) return;
    for (const input of this.fields.querySelectorAll("[name]")) input.value = "";
    const ids = this.to.size ? [...this.to] : this.characters;
    let recipients = null;
    if (ids.length) {
      try {
        recipients = await groupOf(this.pane.token(), this.channelId, ids);
      } catch (error) {
        this.notice(`recipients group: ${error.message} (sent without recipients)`, "warn");
      }
    }
    const frame = frames.messageUp(this.pane.userId, this.pane.serviceOf(this.channelId), this.channelId, subtype, content, recipients);
    this.addSent(frame);
    this.pane.send(frame);
    this.fields.querySelector("[name]")?.focus();
  }
}

/** The content of a message, by subtype: built from text nodes (Markdown for text). */
export function messageContent(subtype, content) {
  const c = content && typeof content === "object" ? content : {};
  switch (subtype) {
    case "text": {
      const node = el("div", { class: "markdown" });
      node.innerHTML = renderMarkdown(typeof c.text === "string" ? c.text : JSON.stringify(c.text ?? "")); // escaped by the renderer
      return node;
    }
    case "image": {
      const src = safeUrl(c.path, { image: true });
      return src
        ? el("a", { href: safeUrl(c.path), target: "_blank", rel: "noopener noreferrer" }, el("img", { class: "message-image", src, alt: c.path, loading: "lazy", referrerpolicy: "no-referrer" }))
        : unsafe(c.path);
    }
    case "audio": {
      const src = safeUrl(c.path);
      return src ? el("audio", { controls: true, preload: "none", src }) : unsafe(c.path);
    }
    case "file": {
      const href = safeUrl(c.path);
      const label = [el("span", { class: "tag", text: "file" }), c.filename || c.path || "(no name)", el("span", { class: "muted", text: ` ${bytes(c.size)}` })];
      return href ? el("a", { class: "file", href, target: "_blank", rel: "noopener noreferrer", download: c.filename || null }, label) : el("span", { class: "file" }, label, unsafe(c.path));
    }
    case "card": {
      const href = safeUrl(c.link);
      return el("div", { class: "card" },
        c.title ? el("strong", { class: "card-title", text: c.title }) : null,
        c.text ? el("p", { text: c.text }) : null,
        href ? el("a", { class: "card-button", href, target: "_blank", rel: "noopener noreferrer", text: c.button || "Open" }) : unsafe(c.link));
    }
    default:
      return el("div", {}, el("span", { class: "muted", text: `subtype "${subtype}" (unknown to the page):` }), el("pre", { text: JSON.stringify(content, null, 2) }));
  }
}

function unsafe(url) {
  return el("span", { class: "muted", text: `(URL not shown: ${url == null ? "none" : String(url)})` });
}
