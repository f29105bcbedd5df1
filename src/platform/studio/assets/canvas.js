// The canvas panel of a channel (collapsible; its items are Markdown text and images) and the
// style items that show, hide, highlight or expand the canvas and the other widgets.

import { el, htmlToText, safeUrl } from "./util.js";
import { renderMarkdown } from "./markdown.js";

/** What a style item does to its widget: `{hidden, highlight, expanded}` (expanded may be undefined). */
export function styleEffect(item) {
  return {
    hidden: item?.display === "invisible",
    highlight: item?.display === "highlight",
    expanded: typeof item?.expand === "boolean" ? item.expand : undefined,
  };
}

/**
 * Applies a style item to an element: `data-display` (visible, invisible, highlight), the
 * `hidden` attribute, the `highlight` class, `data-expanded`, and the item's text (HTML turned
 * to plain text, never inserted as HTML) as `data-style-text` and the tooltip.
 */
export function applyStyle(node, item) {
  const effect = styleEffect(item);
  node.dataset.display = item.display ?? "visible";
  node.hidden = effect.hidden;
  node.classList.toggle("highlight", effect.highlight);
  if (effect.expanded !== undefined) node.dataset.expanded = String(effect.expanded);
  if (item.text) {
    const text = htmlToText(item.text).trim();
    node.dataset.styleText = text;
    node.title = text;
  }
  return effect;
}

/** The canvas panel: a header with its toggle, then the items. */
export class CanvasPanel {
  constructor() {
    this.items = [];
    this.toggle = el("button", {
      type: "button",
      class: "canvas-toggle",
      testid: "canvas-toggle",
      "aria-expanded": "true",
      title: "Show or hide the canvas",
      on: { click: () => this.setExpanded(this.node.dataset.expanded !== "true") },
    });
    this.count = el("span", { class: "muted", testid: "canvas-count" });
    this.list = el("div", { class: "canvas-items", testid: "canvas-items" });
    this.node = el("section", {
      class: "canvas-panel",
      testid: "canvas-panel",
      data: { widget: "canvas", expanded: "true", display: "visible" },
      hidden: true, // until the service sends a canvas
    }, el("header", {}, this.toggle, this.count), this.list);
    this.setExpanded(true);
  }

  setExpanded(expanded) {
    this.node.dataset.expanded = String(expanded);
    this.toggle.setAttribute("aria-expanded", String(expanded));
    this.toggle.textContent = `${expanded ? "▾" : "▸"} Canvas`;
    this.list.hidden = !expanded;
  }

  /** The items of a canvas update: each text (Markdown) and/or image. */
  setItems(items) {
    this.items = Array.isArray(items) ? items : [];
    this.list.replaceChildren(
      ...this.items.map((item, i) => {
        const text = typeof item?.text === "string" && item.text !== "" ? item.text : null;
        const src = typeof item?.path === "string" ? safeUrl(item.path, { image: true }) : null;
        const body = el("div", { class: "canvas-item", testid: "canvas-item", data: { index: String(i) } });
        if (src) body.append(el("img", { class: "canvas-image", testid: "canvas-image", src, alt: text ?? "canvas image", loading: "lazy", referrerpolicy: "no-referrer" }));
        else if (item?.path) body.append(el("p", { class: "muted", text: `image with an unsafe URL not shown: ${item.path}` }));
        if (text !== null) {
          const md = el("div", { class: "markdown canvas-text", testid: "canvas-text" });
          md.innerHTML = renderMarkdown(text); // escaped by the renderer
          body.append(md);
        }
        return body;
      }),
    );
    this.count.textContent = `${this.items.length} item${this.items.length === 1 ? "" : "s"}`;
    if (this.node.dataset.display !== "invisible") this.node.hidden = false;
  }

  /** A style item for the `canvas` widget. */
  applyStyle(item) {
    const effect = applyStyle(this.node, item);
    if (effect.expanded !== undefined) this.setExpanded(effect.expanded);
  }
}
