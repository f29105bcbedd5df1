// A tiny, safe Markdown renderer for canvas text (and text messages): headings, paragraphs,
// **bold**, *italics*, `code`, fenced code blocks, [links](url), ![images](url), lists,
// blockquotes and rules. Every piece of source text is HTML-escaped as it is emitted; links and
// images keep only safe URLs (util.safeUrl); no raw HTML passes through. The result is the only
// HTML the page ever inserts from platform text.

import { escapeHtml, safeUrl } from "./util.js";

/** Longer sources are shown as escaped preformatted text, unparsed (bounded work). */
export const MAX_MARKDOWN = 100_000;
const MAX_DEPTH = 6;
/** Longer lines are escaped without inline markup (emphasis matching is quadratic at worst). */
const MAX_LINE = 2000;

/** Renders `source` to an HTML string, safe to assign to innerHTML. */
export function renderMarkdown(source) {
  const text = String(source ?? "").replace(/\r\n?/g, "\n");
  if (text.length > MAX_MARKDOWN) return `<pre>${escapeHtml(text)}</pre>`;
  return blocks(text.split("\n"));
}

function blocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    let m;
    if (/^\s*$/.test(line)) {
      i++;
    } else if ((m = /^\s*(```+|~~~+)\s*([\w+-]*)\s*$/.exec(line))) {
      const fence = m[1];
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) body.push(lines[i++]);
      i++; // the closing fence (or the end)
      const lang = m[2] ? ` data-lang="${escapeHtml(m[2])}"` : "";
      out.push(`<pre><code${lang}>${escapeHtml(body.join("\n"))}</code></pre>`);
    } else if ((m = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      const level = m[1].length;
      out.push(`<h${level}>${inline(m[2])}</h${level}>`);
      i++;
    } else if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push("<hr>");
      i++;
    } else if (/^\s*>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quoted.push(lines[i++].replace(/^\s*>\s?/, ""));
      out.push(`<blockquote>${blocks(quoted)}</blockquote>`);
    } else if (listItem(line)) {
      const ordered = listItem(line).ordered;
      const items = [];
      while (i < lines.length && listItem(lines[i])?.ordered === ordered) {
        const item = [listItem(lines[i]).text];
        i++;
        // Continuation lines: indented, not a new item, not blank.
        while (i < lines.length && /^\s{2,}\S/.test(lines[i]) && !listItem(lines[i])) item.push(lines[i++].trim());
        items.push(`<li>${item.map((t) => inline(t)).join("<br>")}</li>`);
      }
      const tag = ordered ? "ol" : "ul";
      out.push(`<${tag}>${items.join("")}</${tag}>`);
    } else {
      const para = [];
      while (i < lines.length && !/^\s*$/.test(lines[i]) && !startsBlock(lines[i])) para.push(lines[i++]);
      if (para.length === 0) para.push(lines[i++]);
      out.push(`<p>${para.map((t) => inline(t.trim())).join("<br>")}</p>`);
    }
  }
  return out.join("\n");
}

function listItem(line) {
  const m = /^\s*(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/.exec(line);
  return m ? { ordered: m[2] !== undefined, text: m[3] } : null;
}

function startsBlock(line) {
  return /^\s*(```|~~~)/.test(line) || /^\s{0,3}#{1,6}\s/.test(line) || /^\s*>/.test(line) || listItem(line) !== null;
}

/** Renders one line's inline markup. Every character of `src` is escaped on output. */
export function inline(src, depth = 0) {
  if (depth > MAX_DEPTH || src.length > MAX_LINE) return escapeHtml(src);
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const rest = src.slice(i);
    let m;
    if (c === "\\" && i + 1 < src.length && /[\\`*_{}[\]()#+\-.!>~|]/.test(src[i + 1])) {
      out += escapeHtml(src[i + 1]);
      i += 2;
    } else if (c === "`") {
      const ticks = /^`+/.exec(rest)[0];
      const end = src.indexOf(ticks, i + ticks.length);
      if (end < 0) {
        out += escapeHtml(ticks);
        i += ticks.length;
      } else {
        out += `<code>${escapeHtml(src.slice(i + ticks.length, end).trim())}</code>`;
        i = end + ticks.length;
      }
    } else if (c === "!" && (m = /^!\[([^\]]*)\]\(\s*([^()\s]*)\s*\)/.exec(rest))) {
      const url = safeUrl(m[2], { image: true });
      out += url
        ? `<img src="${escapeHtml(url)}" alt="${escapeHtml(m[1])}" loading="lazy" referrerpolicy="no-referrer">`
        : escapeHtml(m[0]);
      i += m[0].length;
    } else if (c === "[" && (m = /^\[((?:[^\]\\]|\\.)*)\]\(\s*([^()\s]*)\s*\)/.exec(rest))) {
      const url = safeUrl(m[2]);
      out += url
        ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${inline(m[1], depth + 1)}</a>`
        : inline(m[1], depth + 1);
      i += m[0].length;
    } else if ((c === "*" || c === "_") && src[i + 1] === c && closes(src, i, c + c)) {
      const end = closes(src, i, c + c);
      out += `<strong>${inline(src.slice(i + 2, end), depth + 1)}</strong>`;
      i = end + 2;
    } else if ((c === "*" || c === "_") && closes(src, i, c)) {
      const end = closes(src, i, c);
      out += `<em>${inline(src.slice(i + 1, end), depth + 1)}</em>`;
      i = end + 1;
    } else if (c === "~" && src[i + 1] === "~" && closes(src, i, "~~")) {
      const end = closes(src, i, "~~");
      out += `<del>${inline(src.slice(i + 2, end), depth + 1)}</del>`;
      i = end + 2;
    } else if ((m = /^https?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/.exec(rest)) && !/\w$/.test(src.slice(0, i))) {
      out += `<a href="${escapeHtml(m[0])}" target="_blank" rel="noopener noreferrer">${escapeHtml(m[0])}</a>`;
      i += m[0].length;
    } else {
      out += escapeHtml(c);
      i++;
    }
  }
  return out;
}

/**
 * Where the emphasis opened at `i` by `mark` closes, or 0. It must open before a non-space and
 * close after one; `_` must not sit inside a word (snake_case stays as is).
 */
function closes(src, i, mark) {
  const after = src[i + mark.length];
  if (after === undefined || /\s/.test(after)) return 0;
  if (mark[0] === "_" && i > 0 && /\w/.test(src[i - 1])) return 0;
  let j = i + mark.length + 1;
  while ((j = src.indexOf(mark, j)) > 0) {
    const before = src[j - 1];
    const next = src[j + mark.length];
    const single = mark.length === 1 && next === mark; // `*` is not the start of `**`
    const inWord = mark[0] === "_" && next !== undefined && /\w/.test(next);
    if (!/\s/.test(before) && before !== "\\" && !single && !inWord) return j;
    j += single ? 2 : 1;
  }
  return 0;
}
