// The pop-ups a service defines: the dialog of a button or menu item (its components, required
// fields and bottom buttons) and the right-click menu on messages. One of each exists at a time.

import { el } from "./util.js";

/** The bottom button the page adds to a dialog that has none (the reference SDK's default id). */
export const DEFAULT_SUBMIT = "confirm";

/**
 * The click arguments of a dialog's components and the labels of the required ones left empty.
 * `values[i]` is what component i holds (a string). Pure: unit-tested.
 */
export function dialogArguments(components, values) {
  const args = [];
  const missing = [];
  (components ?? []).forEach((component, i) => {
    if (!component || component.type === "invalid") return;
    const value = values[i] == null ? "" : String(values[i]);
    if (component.required && value.trim() === "") missing.push(component.label);
    args.push({ label: component.label, value });
  });
  return { args, missing };
}

let open = null;

/** Closes the dialog and the menu, if open. */
export function closePopups() {
  open?.close();
  closeMenu();
}

/**
 * Shows `dialog` ({title, components, bottom_buttons}) for `owner` (the pane's element, named
 * in the dialog's data-user). `onSubmit(bottomButtonId, args)` is called for a bottom button
 * with `submit: true` once every required field is filled; a button with `submit: false` only
 * closes it (the reference client sends nothing then).
 */
export function openDialog(dialog, { title, user, onSubmit }) {
  closePopups();
  const components = Array.isArray(dialog?.components) ? dialog.components : [];
  const inputs = [];
  const fields = components.map((component, i) => {
    const { node, input } = field(component ?? {}, i);
    inputs.push(input);
    return node;
  });
  const error = el("p", { class: "dialog-error", testid: "dialog-error", role: "alert", hidden: true });
  const submit = (bottomId) => {
    const { args, missing } = dialogArguments(components, inputs.map((input) => input?.value ?? ""));
    inputs.forEach((input, i) => input?.setAttribute("aria-invalid", String(Boolean(components[i]?.required) && input.value.trim() === "")));
    if (missing.length > 0) {
      error.textContent = `Required: ${missing.join(", ")}`;
      error.hidden = false;
      return;
    }
    close();
    onSubmit(bottomId, args);
  };
  const bottoms = Array.isArray(dialog?.bottom_buttons) && dialog.bottom_buttons.length > 0
    ? dialog.bottom_buttons.map((b) =>
        el("button", {
          type: "button",
          class: b.submit ? "primary" : "",
          testid: `dialog-button-${b.id}`,
          data: { bottomButtonId: b.id, submit: String(Boolean(b.submit)) },
          text: b.text || b.id,
          on: { click: () => (b.submit ? submit(b.id) : close()) },
        }),
      )
    : [
        el("button", { type: "button", testid: "dialog-cancel", text: "Cancel", on: { click: () => close() } }),
        el("button", { type: "button", class: "primary", testid: "dialog-submit", data: { bottomButtonId: DEFAULT_SUBMIT }, text: "Submit", on: { click: () => submit(DEFAULT_SUBMIT) } }),
      ];
  const node = el(
    "dialog",
    { class: "service-dialog", testid: "dialog", data: { user } },
    el("form", { method: "dialog", on: { submit: (e) => e.preventDefault() } },
      el("header", {},
        el("h2", { testid: "dialog-title", text: dialog?.title || title || "Dialog" }),
        el("button", { type: "button", class: "icon", testid: "dialog-close", title: "Close (Esc)", "aria-label": "Close", text: "×", on: { click: () => close() } }),
      ),
      title && dialog?.title ? el("p", { class: "muted", text: title }) : null,
      fields.length ? el("div", { class: "dialog-fields" }, fields) : null,
      error,
      el("footer", {}, bottoms),
    ),
  );
  function close() {
    if (open?.node !== node) return;
    open = null;
    node.close();
    node.remove();
  }
  node.addEventListener("cancel", (e) => { e.preventDefault(); close(); });
  document.body.append(node);
  node.showModal();
  open = { node, close };
  (inputs.find(Boolean) ?? node.querySelector("footer button"))?.focus();
  return node;
}

function field(component, i) {
  const id = `dialog-input-${i}`;
  const label = component.label ?? "";
  const common = { id, testid: `dialog-input-${i}`, data: { label }, required: Boolean(component.required), placeholder: component.placeholder ?? null };
  let input;
  switch (component.type) {
    case "textbox":
      input = el("textarea", { ...common, rows: 4 });
      break;
    case "number":
      input = el("input", { ...common, type: "number", step: "any" });
      break;
    case "password":
      input = el("input", { ...common, type: "password", autocomplete: "off" });
      break;
    case "dropdown": {
      const choices = Array.isArray(component.choices) ? component.choices : [];
      input = el("select", common,
        el("option", { value: "", text: component.placeholder || "— choose —" }),
        choices.map((choice) => el("option", { value: String(choice), text: String(choice) })),
      );
      break;
    }
    case "text":
      input = el("input", { ...common, type: "text" });
      break;
    default: // "invalid" or a type this page does not know: shown, not sent
      return {
        node: el("div", { class: "dialog-field invalid", testid: `dialog-field-${i}`, data: { label, type: String(component.type) } },
          el("span", { class: "label", text: label || "(no label)" }),
          el("span", { class: "muted", text: `component of type "${component.type}" (not sent)` })),
        input: null,
      };
  }
  const node = el("label", { class: "dialog-field", for: id, testid: `dialog-field-${i}`, data: { label, type: component.type } },
    el("span", { class: "label" }, label, component.required ? el("span", { class: "required", title: "required", text: " *" }) : null),
    input,
  );
  return { node, input };
}

let menu = null;

export function closeMenu() {
  if (!menu) return;
  menu.remove();
  menu = null;
  document.removeEventListener("pointerdown", outside, true);
  document.removeEventListener("keydown", escape, true);
}

function outside(event) {
  if (menu && !menu.contains(event.target)) closeMenu();
}

function escape(event) {
  if (event.key === "Escape") closeMenu();
}

/** The menu items shown on a message of `subtype`. Pure: unit-tested. */
export function menuFor(items, subtype) {
  return (items ?? []).filter((item) => Array.isArray(item?.message_subtypes) && item.message_subtypes.includes(subtype));
}

/**
 * Opens the right-click menu at (x, y) with `items` (already filtered for the message);
 * `onPick(item)` on a click. An empty menu says so.
 */
export function openMenu(x, y, items, { user, subtype, onPick }) {
  closePopups();
  const entries = items.length
    ? items.map((item) =>
        el("button", {
          type: "button",
          role: "menuitem",
          testid: `menu-item-${item.menu_item_id}`,
          data: { menuItemId: item.menu_item_id, hasDialog: String(Boolean(item.dialog)) },
          text: (item.menu_item_text || item.menu_item_id) + (item.dialog ? "…" : ""),
          on: { click: () => { closeMenu(); onPick(item); } },
        }),
      )
    : [el("div", { class: "muted", testid: "menu-empty", text: `no menu items for ${subtype} messages` })];
  menu = el("div", { class: "context-menu", role: "menu", testid: "context-menu", data: { user, subtype } }, entries);
  document.body.append(menu);
  const { innerWidth: w, innerHeight: h } = window;
  const r = menu.getBoundingClientRect();
  menu.style.left = `${Math.max(4, Math.min(x, w - r.width - 4))}px`;
  menu.style.top = `${Math.max(4, Math.min(y, h - r.height - 4))}px`;
  menu.querySelector("button")?.focus();
  document.addEventListener("pointerdown", outside, true);
  document.addEventListener("keydown", escape, true);
}
