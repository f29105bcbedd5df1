// The HTTP side: the platform's API (PROTOCOL.md, `{code: 10000, data}` answers) as one user
// calls it, the studio's control API (API.md, plain JSON answers), and the directory of
// character profiles (names and avatars) shared by every pane.

import { short } from "./util.js";

/** The password every studio user signs in with (dev mode: the first sign-in creates the account). */
export const STUDIO_PASSWORD = "studio";

async function call(method, path, { token, body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) {
    headers.Authorization = `Bearer ${token}`;
    headers["Auth-Origin"] = "cognito";
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new Error(`${method} ${path}: the platform did not answer (${error.message})`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  return { response, json, text };
}

/** Calls the platform API; resolves with `data`, rejects with the platform's message. */
export async function api(method, path, options) {
  const { response, json, text } = await call(method, path, options);
  if (response.ok && json && (json.code === 10000 || json.code === 204 || json.code === undefined)) return json.data;
  const reason = json?.message ?? json?.error ?? (text.slice(0, 200) || response.statusText);
  throw new Error(`${method} ${path}: ${response.status} ${reason}`);
}

/** Calls a studio control; resolves with its JSON answer, rejects with its `error`. */
export async function studio(method, path, body) {
  const { response, json, text } = await call(method, path, { body });
  if (response.ok && json !== null) return json;
  const reason = json?.error ?? json?.message ?? (text.slice(0, 200) || response.statusText);
  throw new Error(`${method} ${path}: ${response.status} ${reason}`);
}

/** Signs `username` in (creating the account on first use): `{token, userId, name}`. */
export async function signIn(username) {
  const data = await api("POST", "/auth/sign_in", { body: { username, password: STUDIO_PASSWORD } });
  const token = data?.AuthenticationResult?.AccessToken;
  if (!token) throw new Error("sign-in answered no AccessToken");
  const info = await api("GET", "/user/info", { token });
  return { token, userId: info.user_id, name: info.context?.name || username };
}

/** The channels `token`'s user is in: `[{channel_id, channel_name, service_id}]`. */
export const channelsOf = (token) => api("GET", "/channel/list", { token });

/** The character ids of a group. */
export async function groupMembers(token, groupId) {
  const data = await api("GET", `/user/group?group_id=${encodeURIComponent(groupId)}`, { token });
  return Array.isArray(data?.characters) ? data.characters : [];
}

const groups = new Map(); // channel + sorted ids -> group id

/** A group id naming `ids` (created once per channel and set of ids, then cached). */
export async function groupOf(token, channelId, ids) {
  const key = channelId + "\n" + [...ids].sort().join("\n");
  if (!groups.has(key)) {
    const promise = api("POST", "/user/group/create", {
      token,
      body: { channel_id: channelId, group_name: "studio", characters: [...ids] },
    }).then((data) => data.group_id);
    groups.set(key, promise);
    promise.catch(() => groups.delete(key));
  }
  return groups.get(key);
}

/**
 * Every character the page has heard of: `{id, name, avatar, description, kind}`, kind
 * `user`, `agent`, `service` or `unknown`. Elements showing a character carry
 * `data-char-name="<id>"` (its name) or `data-char-avatar="<id>"`; they are updated when the
 * profile arrives.
 */
export class Directory {
  constructor() {
    this.known = new Map();
    this.loading = new Map();
    this.services = new Set();
    this.listeners = new Set();
  }

  get(id) {
    return this.known.get(id) ?? { id, name: short(id), avatar: null, description: "", kind: "unknown" };
  }

  name(id) {
    return this.get(id).name;
  }

  /** Records what the page knows without asking (its own users, the bound services). */
  set(id, profile) {
    this.known.set(id, { ...this.get(id), ...profile, id });
    for (const listener of this.listeners) listener(id, this.known.get(id));
  }

  markService(id) {
    if (!id || this.services.has(id)) return;
    this.services.add(id);
    if (!this.known.has(id) || this.known.get(id).kind === "unknown") this.set(id, { name: `service ${short(id, 6)}`, kind: "service" });
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  /** Fetches the profiles of the ids not known yet (one request; one by one if it fails). */
  async ensure(token, ids) {
    const wanted = [...new Set(ids)].filter((id) => id && !this.known.has(id) && !this.loading.has(id) && !this.services.has(id));
    if (wanted.length === 0 || !token) return;
    const job = this.fetch(token, wanted);
    for (const id of wanted) this.loading.set(id, job);
    try {
      await job;
    } finally {
      for (const id of wanted) this.loading.delete(id);
    }
  }

  async fetch(token, ids) {
    const store = (list) => {
      for (const item of Array.isArray(list) ? list : []) {
        const c = item.character_context ?? {};
        this.set(item.character_id, {
          name: c.name || short(item.character_id),
          avatar: c.avatar || null,
          description: c.description || "",
          kind: this.services.has(item.character_id) ? "service" : c.kind ?? "character",
        });
      }
    };
    try {
      store(await api("POST", "/character/fetch_profile", { token, body: { character_list: ids } }));
    } catch {
      // One unknown id (a service is no character) fails the whole list: ask one by one.
      for (const id of ids) {
        try {
          store(await api("POST", "/character/fetch_profile", { token, body: { character_list: [id] } }));
        } catch {
          this.set(id, { name: short(id), kind: "unknown" });
        }
      }
    }
  }
}
