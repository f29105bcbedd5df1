// Small helpers shared by every module: DOM building (text only, never HTML), ids, URLs, time.
// Pure functions here are unit-tested by tests/studio.test.mjs.

/** Escapes text for HTML (element content and quoted attribute values). */
export function escapeHtml(text) {
  return String(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * A URL the page may put in `href` or `src`, or null: http(s) and relative URLs, `mailto:` for
 * links, and `data:image/...` (not SVG) for images. Everything else (javascript:, vbscript:,
 * data:text/html, ...) is refused.
 */
export function safeUrl(url, { image = false } = {}) {
  if (typeof url !== "string") return null;
  // Browsers ignore control characters and surrounding spaces in URLs: so do we, before checking.
  const clean = url.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
  // Inside a URL, browsers drop tabs and newlines ("java\tscript:"): refuse every control character.
  if (clean === "" || /[\u0000-\u001f\u007f]/.test(clean)) return null;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(clean);
  if (!scheme) return clean.startsWith("//") ? "https:" + clean : clean;
  const name = scheme[1].toLowerCase();
  if (name === "http" || name === "https") return clean;
  if (name === "mailto" && !image) return clean;
  if (name === "data" && image && /^data:image\/(png|gif|jpe?g|webp|bmp);/i.test(clean)) return clean;
  return null;
}

/** A fresh UUID v4 (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function uuid() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `HH:MM:SS.mmm`, local time, of milliseconds since the epoch. */
export function clock(ms) {
  const d = new Date(ms);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** The first characters of a long id, for display. */
export function short(id, n = 8) {
  if (id == null) return "";
  const s = String(id);
  return s.length > n + 1 ? s.slice(0, n) + "…" : s;
}

/** A stable hue (0..359) for an id: the colour of its avatar. */
export function hue(id) {
  let h = 0;
  for (const ch of String(id)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return h % 360;
}

/** Reconnection delay after `attempt` failures: 0.5 s doubling to 15 s, with ±20 % jitter. */
export function backoff(attempt, random = Math.random) {
  const base = Math.min(15000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Parses JSON, or returns `fallback` (never throws). */
export function tryParse(text, fallback = null) {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

/**
 * Builds an element. `attrs`: `class`, `text` (textContent), `testid` (data-testid), `data`
 * (dataset), `on` (event listeners), `style` (object), anything else as an attribute (skipped
 * when null/false). Children: nodes, strings (as text), arrays, null (skipped).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "testid") node.dataset.testid = value;
    else if (key === "data") for (const [k, v] of Object.entries(value)) { if (v != null) node.dataset[k] = v; }
    else if (key === "on") for (const [k, v] of Object.entries(value)) node.addEventListener(k, v);
    else if (key === "style") Object.assign(node.style, value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** An avatar: the image when its URL is safe, else a coloured initial. */
export function avatar(name, url, id, testid = "avatar") {
  const src = url ? safeUrl(url, { image: true }) : null;
  const initial = (String(name || id || "?").trim()[0] || "?").toUpperCase();
  const node = el("span", { class: "avatar", testid, style: { background: `hsl(${hue(id ?? name)} 55% 45%)` } });
  if (src) {
    const img = el("img", { src, alt: "", loading: "lazy", referrerpolicy: "no-referrer" });
    img.addEventListener("error", () => img.replaceWith(initial));
    node.append(img);
  } else node.textContent = initial;
  return node;
}

/** Calls `fn` at most once per `ms`, with the last arguments. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Plain text of an HTML fragment, parsed inert (no script runs, nothing loads). */
export function htmlToText(html) {
  if (typeof DOMParser === "undefined") return String(html).replace(/<[^>]*>/g, "");
  return new DOMParser().parseFromString(String(html), "text/html").body.textContent || "";
}

/** A size in bytes, readable. */
export function bytes(n) {
  const v = Number(n);
  if (!Number.isFinite(v) || v < 0) return "";
  if (v < 1024) return `${v} B`;
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KiB`;
  return `${(v / 1024 / 1024).toFixed(1)} MiB`;
}
