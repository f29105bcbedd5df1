// One user the studio plays: its pane (connection state, channel tabs, join by id, one
// ChannelView per channel) and its UserClient. Reconnects by itself after a sever or a restart;
// what the pane shows stays (the login resumes from the last seq, so nothing is missed).

import { ChannelView } from "./chat.js";
import { channelsOf, signIn } from "./http.js";
import { UserClient, frames } from "./protocol.js";
import { closePopups } from "./dialog.js";
import { avatar, el, short } from "./util.js";

const STATE_TEXT = {
  connecting: "connecting…",
  "logging-in": "logging in…",
  "logged-in": "logged in",
  reconnecting: "reconnecting…",
  refused: "login refused",
  stopped: "closed",
};

/**
 * `app` (the Studio of app.js): { directory, reveal(query), serviceOf(channelId),
 * channelName(channelId), reloadChannels(), filterConnection(connection), sever(connection),
 * removePane(pane), saveSessions() }.
 */
export class UserPane {
  constructor(app, session) {
    this.app = app;
    this.user = session.name;
    this.userId = session.userId;
    this.session = session; // {name, token, userId}
    this.directory = app.directory;
    this.views = new Map(); // channel id -> ChannelView
    this.current = null;
    this.connection = null; // the platform's connection number, from the feed's login event
    this.joining = new Map(); // request_id -> channel id
    this.leaving = new Map();
    this.build();
    this.client = new UserClient({
      url: `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`,
      getToken: async () => this.session.token,
      renewToken: () => this.renew(),
      onState: (state, detail) => this.showState(state, detail),
      onEvent: (frame) => this.onEvent(frame),
      onReceipt: (receipt, request) => this.onReceipt(receipt, request),
    });
    this.directory.set(this.userId, { name: this.user, kind: "user" });
  }

  token() {
    return this.session.token;
  }

  build() {
    this.state = el("span", { class: "state", testid: "pane-state", data: { state: "connecting" } });
    this.connLabel = el("button", { type: "button", class: "link", testid: "pane-connection", title: "Show this connection's frames in the inspector", on: { click: () => this.connection && this.app.filterConnection(this.connection) } });
    this.tabs = el("div", { class: "channel-tabs", role: "tablist", testid: "channel-list" });
    this.joinInput = el("input", { testid: "join-input", list: "channel-ids", placeholder: "channel id", "aria-label": "Channel id to join", autocomplete: "off" });
    this.noticeLine = el("p", { class: "pane-notice", testid: "pane-notice", role: "status" });
    this.viewsBox = el("div", { class: "views" }, el("p", { class: "muted empty", testid: "pane-empty", text: "Join a channel: pick its id (the list shows every channel on the platform), then Join." }));
    this.node = el("section", { class: "pane", testid: "user-pane", data: { user: this.user, userId: this.userId } },
      el("header", { class: "pane-header" },
        avatar(this.user, null, this.userId, "pane-avatar"),
        el("strong", { class: "pane-user", testid: "pane-user", text: this.user, title: this.userId }),
        this.state,
        this.connLabel,
        el("span", { class: "spacer" }),
        el("button", { type: "button", testid: "pane-sever", title: "Cut this user's connection (it reconnects)", text: "✂ Sever", on: { click: () => this.connection && this.app.sever(this.connection) } }),
        el("button", { type: "button", class: "icon", testid: "pane-close", title: "Close this pane (the user goes offline)", "aria-label": "Close", text: "×", on: { click: () => this.close() } }),
      ),
      el("form", { class: "join", on: { submit: (e) => { e.preventDefault(); this.join(this.joinInput.value.trim()); } } },
        this.joinInput,
        el("button", { type: "submit", testid: "join-button", text: "Join" }),
      ),
      this.tabs,
      this.noticeLine,
      this.viewsBox,
    );
  }

  start() {
    this.client.start();
    this.restoreChannels();
  }

  /** The channels this user is in already (an earlier session): shown, and refreshed. */
  async restoreChannels() {
    try {
      const list = await channelsOf(this.token());
      for (const c of Array.isArray(list) ? list : []) {
        this.app.directory.markService(c.service_id);
        const view = this.view(c.channel_id, c.channel_name);
        view.notice("in this channel since an earlier session: asking the service to refresh");
        view.refresh();
      }
    } catch (error) {
      this.notice(error.message, "error");
    }
  }

  close() {
    closePopups();
    this.client.stop();
    this.app.removePane(this);
  }

  async renew() {
    const fresh = await signIn(this.user);
    if (fresh.userId !== this.userId) {
      // A new platform (its accounts gone): the same name is a new user now.
      this.notice(`the platform no longer knew ${this.user}: signed in again as a new user ${short(fresh.userId)}`, "warn");
      this.userId = fresh.userId;
      this.node.dataset.userId = fresh.userId;
      this.client.lastSeq = 0;
      this.directory.set(fresh.userId, { name: this.user, kind: "user" });
    }
    this.session = { ...this.session, token: fresh.token, userId: fresh.userId };
    this.app.saveSessions();
  }

  showState(state, detail) {
    this.state.dataset.state = state;
    this.node.dataset.state = state;
    let text = STATE_TEXT[state] ?? state;
    if (state === "reconnecting" && detail?.delay) text += ` in ${(detail.delay / 1000).toFixed(1)} s`;
    if (state === "logged-in" && detail?.resume) text += ` (resumed after #${detail.resume})`;
    this.state.textContent = text;
    this.state.title = detail?.reason ? `last: ${detail.reason}` : "";
    if (state === "refused") this.notice(`login refused: ${detail?.reason}; signing in again`, "error");
    if (state === "logged-in") this.notice("");
  }

  setConnection(connection) {
    this.connection = connection;
    this.node.dataset.connection = String(connection);
    this.connLabel.textContent = `conn #${connection}`;
  }

  notice(text, kind = "info") {
    this.noticeLine.textContent = text;
    this.noticeLine.dataset.kind = kind;
  }

  send(frame) {
    return this.client.send(frame);
  }

  reveal(query) {
    this.app.reveal({ ...query, connection: this.connection });
  }

  serviceOf(channelId) {
    return this.app.serviceOf(channelId);
  }

  renameChannel(channelId, name) {
    const tab = this.tabs.querySelector(`[data-channel-id="${CSS.escape(channelId)}"]`);
    if (tab) tab.replaceChildren(...tabLabel(channelId, name));
    this.app.reloadChannels();
  }

  /** The view of a channel, created (with its tab) on first use. */
  view(channelId, name) {
    if (this.views.has(channelId)) return this.views.get(channelId);
    const view = new ChannelView(this, channelId);
    this.views.set(channelId, view);
    const tab = el("button", { type: "button", role: "tab", class: "channel-tab", testid: "channel-tab", data: { channelId }, title: channelId, on: { click: () => this.select(channelId) } }, tabLabel(channelId, name));
    this.tabs.append(tab);
    this.viewsBox.querySelector(".empty")?.remove();
    this.viewsBox.append(view.node);
    if (name) view.title.textContent = name;
    if (!this.current) this.select(channelId);
    else view.node.hidden = true;
    return view;
  }

  select(channelId) {
    this.current = channelId;
    for (const [id, view] of this.views) view.node.hidden = id !== channelId;
    for (const tab of this.tabs.children) tab.setAttribute("aria-selected", String(tab.dataset.channelId === channelId));
    this.node.dataset.channel = channelId;
  }

  join(channelId) {
    if (!channelId) return;
    this.joinInput.value = "";
    const frame = frames.joinChannel(this.userId, channelId);
    this.joining.set(frame.request_id, { channelId, created: !this.views.has(channelId) });
    const view = this.view(channelId, this.app.channelName(channelId));
    this.select(channelId);
    view.notice(`joining ${short(channelId, 13)}`);
    this.send(frame);
  }

  leave(channelId) {
    const frame = frames.leaveChannel(this.userId, channelId);
    this.leaving.set(frame.request_id, channelId);
    this.send(frame);
  }

  onReceipt(receipt, request) {
    const id = receipt.requestId;
    const channelId = request?.body?.channel_id;
    if (this.joining.has(id)) {
      const { channelId: channel, created } = this.joining.get(id);
      this.joining.delete(id);
      const view = this.views.get(channel);
      if (receipt.ok) {
        view?.notice(`joined ${short(channel, 13)}`);
        this.app.reloadChannels();
      } else if (created && view && view.messages.querySelector('[data-testid=message]') === null) {
        // Nothing to keep: the tab goes, the reason stays in the pane.
        this.removeView(channel, `join ${short(channel)} refused: ${receipt.reason}`, "error");
      } else view?.notice(`join refused: ${receipt.reason}`, "error");
      return;
    }
    if (this.leaving.has(id)) {
      const channel = this.leaving.get(id);
      this.leaving.delete(id);
      if (receipt.ok) this.removeView(channel);
      else this.views.get(channel)?.notice(`leave refused: ${receipt.reason}`, "error");
      return;
    }
    const view = channelId ? this.views.get(channelId) : null;
    if (view) view.markReceipt(receipt, request);
    else if (!receipt.ok) this.notice(`${request?.type ?? "request"} refused: ${receipt.reason}`, "error");
  }

  removeView(channelId, notice = `left ${short(channelId)}`, kind = "info") {
    const view = this.views.get(channelId);
    if (!view) return;
    view.node.remove();
    this.views.delete(channelId);
    this.tabs.querySelector(`[data-channel-id="${CSS.escape(channelId)}"]`)?.remove();
    if (this.current === channelId) {
      this.current = null;
      const next = this.views.keys().next();
      if (!next.done) this.select(next.value);
      else delete this.node.dataset.channel;
    }
    this.notice(notice, kind);
    this.app.reloadChannels();
  }

  onEvent(frame) {
    const body = frame.body && typeof frame.body === "object" ? frame.body : {};
    if ((frame.type === "message_down" || frame.type === "update") && typeof body.channel_id !== "string") {
      return this.notice(`${frame.type} without a channel_id (see the inspector)`, "warn");
    }
    switch (frame.type) {
      case "message_down":
        return this.view(body.channel_id).addMessage(body, frame.seq);
      case "update":
        return this.view(body.channel_id).applyUpdate(body);
      case "resume_gap":
        this.notice(`events #${body.from_seq}–#${body.to_seq} were no longer held by the platform: refreshing every channel`, "warn");
        for (const view of this.views.values()) {
          view.notice(`events #${body.from_seq}–#${body.to_seq} lost while disconnected; refreshing`, "warn");
          view.refresh();
        }
        return;
      case undefined:
        return this.notice(`platform error: ${frame.message ?? JSON.stringify(frame)}`, "error");
      default:
        this.notice(`event of a type this page does not show: "${frame.type}" (see the inspector)`, "warn");
    }
  }
}

/** A tab's label: the channel's name (several may share one) and the start of its id. */
function tabLabel(channelId, name) {
  return name ? [name, el("span", { class: "muted", text: ` ${channelId.slice(0, 6)}` })] : [short(channelId, 12)];
}
