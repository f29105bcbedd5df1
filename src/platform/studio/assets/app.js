// The studio page: the layout, sign-in, the user panes, the platform's channels, and the wiring
// between the panes, the inspector and the controls.
//
// Modules: app.js (this), pane.js (a user's pane and connection), chat.js (a channel: history,
// buttons, menu, characters, chat box), dialog.js (dialogs, the right-click menu), canvas.js
// (the canvas, style items), markdown.js (the safe Markdown renderer), protocol.js (frames and
// the user WebSocket client), http.js (platform API, studio controls, profiles), feed.js and
// inspector.js (the inspector), controls.js (fault controls), util.js.
//
// Test ids (data-testid; unique on the page unless marked "each"; scope "each" ones by their pane
// `[data-testid=user-pane][data-user=NAME]` and channel `[data-testid=channel-view][data-channel-id=ID]`):
//   header               sign-in-form, sign-in-name (#sign-in-name), sign-in-button (#sign-in-button),
//                        sign-in-error, platform-address
//   sidebar              user-list > user-entry (each; data-user, data-state),
//                        platform-channels > platform-channel (each; data-channel-id, data-service-id),
//                        platform-channel-join (each), channels-refresh
//   controls             control-connection (select), control-sever-one, control-sever-all,
//                        control-pause (data-paused), control-latency-ms, control-latency,
//                        control-restart, control-status (data-kind: info, ok, error, warn)
//   user pane (each)     user-pane (data-user, data-user-id, data-state, data-connection, data-channel),
//                        pane-user, pane-avatar, pane-state (data-state: connecting, logging-in,
//                        logged-in, reconnecting, refused, stopped), pane-connection, pane-sever,
//                        pane-close, pane-notice (data-kind), pane-empty, join-input, join-button,
//                        channel-list > channel-tab (data-channel-id, aria-selected)
//   channel (each)       channel-view (data-channel-id, data-menu-items), channel-name, refresh,
//                        leave-channel, messages, notice (data-kind), character-list > character
//                        (data-character-id) with character-to (checkbox: a recipient) and
//                        character-avatar, buttons-bar (data-count) > button-<button_id>
//                        (data-button-id, data-has-dialog, data-display, data-style-text),
//                        compose, compose-subtype, compose-input (text), compose-path,
//                        compose-filename, compose-size, compose-title, compose-link,
//                        compose-button, compose-send, compose-to
//   message (each)       message (data-message-id | data-request-id, data-subtype, data-sender,
//                        data-seq, data-dir: received | sent), message-avatar, message-sender,
//                        message-subtype, message-content, message-status (sent ones; data-status:
//                        pending, accepted, refused)
//   canvas (each)        canvas-panel (data-display, data-expanded, hidden), canvas-toggle,
//                        canvas-count, canvas-items > canvas-item > canvas-text, canvas-image
//   dialog               dialog (data-user), dialog-title, dialog-close, dialog-field-<i>
//                        (data-label, data-type), dialog-input-<i>, dialog-error,
//                        dialog-button-<id> (data-submit), or dialog-submit + dialog-cancel
//   context menu         context-menu (data-user, data-subtype), menu-item-<menu_item_id>, menu-empty
//   layout               splitter (drag: the inspector's width)
//   inspector            inspector, feed-state (data-state), inspector-count, filter-connection,
//                        filter-type, filter-text, filter-heartbeats, filter-receipts,
//                        inspector-follow, inspector-clear, inspector-scroll, inspector-rows >
//                        inspector-row (each; data-n, data-kind, data-connection, data-dir,
//                        data-type, data-subtype, data-request-id, data-message-id, data-seq,
//                        data-status: ok | refused) > row-receipt, inspector-detail >
//                        inspector-json, detail-copy, detail-receipt-link, detail-request-link,
//                        detail-refusal, detail-truncated

import { Controls } from "./controls.js";
import { Directory, signIn, studio } from "./http.js";
import { Inspector } from "./inspector.js";
import { UserPane } from "./pane.js";
import { avatar, debounce, el, short } from "./util.js";

const STORE = "moobius-studio-users";

class Studio {
  constructor() {
    this.directory = new Directory();
    this.panes = new Map(); // name -> UserPane
    this.channels = new Map(); // channel id -> {channel_id, channel_name, service_id, members}
    this.active = null;
    const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
    this.paneBox = $("user-panes");
    this.userList = $("user-list");
    this.channelList = $("platform-channels");
    this.signInError = $("sign-in-error");
    $("platform-address").textContent = location.host;
    this.controls = new Controls(document, { directory: this.directory });
    this.inspector = new Inspector($("inspector"), {
      directory: this.directory,
      onHello: (hello) => {
        this.controls.setPaused(hello.paused);
        this.loadChannels();
        this.controls.load().then((list) => list && this.inspector.seedConnections(list));
      },
      onLogin: (connection, peer) => this.onLogin(connection, peer),
      onControl: (event) => this.controls.onControl(event),
      onConnections: (connections) => this.controls.setConnections(connections),
    });
    this.directory.onChange((id, profile) => this.showProfile(id, profile));
    this.reloadChannels = debounce(() => this.loadChannels(), 400);
    document.getElementById("sign-in").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = document.getElementById("sign-in-name");
      const name = input.value.trim();
      if (name) this.addUser(name).then((ok) => { if (ok) input.value = ""; });
    });
    $("channels-refresh").addEventListener("click", () => this.loadChannels());
    this.splitter($("splitter"));
    this.paneBox.addEventListener("pointerdown", (e) => this.activate(e.target.closest('[data-testid="user-pane"]')));
    this.paneBox.addEventListener("focusin", (e) => this.activate(e.target.closest('[data-testid="user-pane"]')));
  }

  /** The handle between the panes and the inspector: drag it to give one more room. */
  splitter(handle) {
    const layout = handle.parentElement;
    const saved = localStorage.getItem("moobius-studio-inspector");
    if (saved) layout.style.setProperty("--inspector-width", saved);
    handle.addEventListener("pointerdown", (down) => {
      down.preventDefault();
      handle.setPointerCapture(down.pointerId);
      handle.classList.add("dragging");
      const move = (e) => {
        const width = Math.min(Math.max(layout.getBoundingClientRect().right - e.clientX, 380), window.innerWidth * 0.75);
        layout.style.setProperty("--inspector-width", `${Math.round(width)}px`);
      };
      const up = () => {
        handle.classList.remove("dragging");
        handle.removeEventListener("pointermove", move);
        try { localStorage.setItem("moobius-studio-inspector", layout.style.getPropertyValue("--inspector-width")); } catch { /* not kept */ }
      };
      handle.addEventListener("pointermove", move);
      handle.addEventListener("pointerup", up, { once: true });
    });
  }

  start() {
    this.inspector.connect();
    this.loadChannels();
    for (const name of this.storedUsers()) this.addUser(name);
  }

  // ----- users -----

  async addUser(name) {
    this.signInError.hidden = true;
    if (this.panes.has(name)) {
      this.activate(this.panes.get(name).node);
      this.panes.get(name).node.scrollIntoView({ inline: "nearest", block: "nearest" });
      return true;
    }
    let session;
    try {
      session = await signIn(name);
    } catch (error) {
      this.signInError.textContent = `Sign-in of ${name} failed: ${error.message}`;
      this.signInError.hidden = false;
      return false;
    }
    if (this.panes.has(name)) return true; // signed in twice at once
    const pane = new UserPane(this, { ...session, name });
    this.panes.set(name, pane);
    this.paneBox.querySelector('[data-testid="panes-empty"]')?.remove();
    this.paneBox.append(pane.node);
    new MutationObserver(() => this.renderUsers()).observe(pane.node, { attributes: true, attributeFilter: ["data-state"] });
    pane.start();
    this.namePeers();
    this.activate(pane.node);
    this.renderUsers();
    this.saveSessions();
    return true;
  }

  removePane(pane) {
    this.panes.delete(pane.user);
    pane.node.remove();
    if (this.active === pane) this.active = null;
    if (this.panes.size === 0) this.paneBox.append(el("div", { class: "empty muted", testid: "panes-empty" }, el("p", { text: "Sign in as a user (left) to chat with the services on this platform." })));
    this.renderUsers();
    this.saveSessions();
  }

  activate(node) {
    if (!node) return;
    const pane = [...this.panes.values()].find((p) => p.node === node);
    if (!pane || this.active === pane) return;
    this.active?.node.classList.remove("active");
    this.active = pane;
    node.classList.add("active");
    this.renderChannels();
  }

  storedUsers() {
    try {
      const list = JSON.parse(sessionStorage.getItem(STORE) ?? "[]");
      return Array.isArray(list) ? list.filter((n) => typeof n === "string") : [];
    } catch {
      return [];
    }
  }

  saveSessions() {
    try {
      sessionStorage.setItem(STORE, JSON.stringify([...this.panes.keys()]));
    } catch {
      // storage refused (private mode): the users are not restored after a reload
    }
  }

  renderUsers() {
    const items = [...this.panes.values()].map((pane) =>
      el("li", { class: "user-entry", testid: "user-entry", data: { user: pane.user, state: pane.node.dataset.state ?? "connecting" } },
        el("button", { type: "button", class: "link", title: pane.userId, on: { click: () => { this.activate(pane.node); pane.node.scrollIntoView({ inline: "nearest", block: "nearest" }); } } },
          avatar(pane.user, null, pane.userId, "user-entry-avatar"), " ", pane.user),
        el("span", { class: "dot", title: pane.node.dataset.state ?? "" }),
      ),
    );
    this.userList.replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: "none yet" })]));
  }

  /** The feed saw a login: a pane's user learns its connection number; a service may have bound channels. */
  onLogin(connection, peer) {
    if (peer?.role === "service") {
      this.directory.markService(peer.id);
      this.reloadChannels();
      return;
    }
    for (const pane of this.panes.values()) if (pane.userId === peer?.id) pane.setConnection(connection);
    this.namePeers();
  }

  /** The names of the users the inspector shows (any pane's token may ask for profiles). */
  namePeers() {
    const token = this.panes.values().next().value?.token();
    if (!token) return;
    const users = [...this.inspector.connections.values()].filter((c) => c.peer?.role === "user").map((c) => c.peer.id);
    this.directory.ensure(token, users);
  }

  // ----- channels -----

  async loadChannels() {
    try {
      const answer = await studio("GET", "/studio/api/channels");
      this.channels = new Map((answer.channels ?? []).map((c) => [c.channel_id, c]));
      for (const c of this.channels.values()) this.directory.markService(c.service_id);
    } catch (error) {
      this.channelList.replaceChildren(el("li", { class: "error", text: error.message }));
      return;
    }
    this.renderChannels();
  }

  renderChannels() {
    const datalist = document.getElementById("channel-ids");
    datalist.replaceChildren(...[...this.channels.values()].map((c) => el("option", { value: c.channel_id, text: c.channel_name || "" })));
    const who = this.active?.user;
    const items = [...this.channels.values()].map((c) =>
      el("li", { class: "platform-channel", testid: "platform-channel", data: { channelId: c.channel_id, serviceId: c.service_id ?? null } },
        el("div", {}, el("strong", { text: c.channel_name || "(no name)" }), " ", el("span", { class: "muted", text: `${c.members ?? 0} member${c.members === 1 ? "" : "s"}` })),
        el("div", { class: "small" },
          el("code", { text: short(c.channel_id, 12), title: c.channel_id }), " ",
          el("span", { class: "muted", text: c.service_id ? `service ${short(c.service_id, 6)}` : "no service bound", title: c.service_id ?? "" })),
        who
          ? el("button", { type: "button", class: "small", testid: "platform-channel-join", title: `Join as ${who}`, text: `Join as ${who}`, disabled: this.active.views.has(c.channel_id),
              on: { click: () => { this.active.join(c.channel_id); this.reloadChannels(); } } })
          : null,
      ),
    );
    this.channelList.replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: "no channels yet: start a service" })]));
  }

  serviceOf(channelId) {
    return this.channels.get(channelId)?.service_id ?? null;
  }

  channelName(channelId) {
    return this.channels.get(channelId)?.channel_name ?? null;
  }

  // ----- shared by the panes -----

  /** Selects a bubble's frame in the inspector (the feed may bring it a moment after the chat got it). */
  reveal(query, tries = 4) {
    if (this.inspector.reveal(query)) return;
    if (tries > 0) setTimeout(() => this.reveal(query, tries - 1), 250);
    else this.controls.say("that frame is not in the inspector (cleared, or older than its last 5,000 rows)", "warn");
  }

  filterConnection(connection) {
    this.inspector.filterConnection(connection);
  }

  sever(connection) {
    this.controls.sever(connection);
  }

  /** A profile arrived: every name and avatar of that character on the page follows. */
  showProfile(id, profile) {
    const key = CSS.escape(id);
    for (const node of document.querySelectorAll(`[data-char-name="${key}"]`)) node.textContent = profile.name;
    for (const node of document.querySelectorAll(`[data-char-avatar="${key}"]`)) {
      const fresh = avatar(profile.name, profile.avatar, id, node.dataset.testid);
      fresh.dataset.charAvatar = id;
      node.replaceWith(fresh);
    }
  }
}

const studioPage = new Studio();
studioPage.start();
globalThis.studio = studioPage; // for the console and for browser tests
