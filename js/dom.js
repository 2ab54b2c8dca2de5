// @ts-check
// Small DOM helpers shared by the controls. Text goes in through textContent only.

/**
 * `document.createElement(tag)` with a class, text content and attributes (`data-*`, aria-*, ...).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string | null} [className]
 * @param {unknown} [text]
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text, attrs) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  return node;
}

/**
 * A `<button type="button">` that calls `onClick(event)`.
 * @param {string | null} className
 * @param {unknown} text
 * @param {((ev: MouseEvent) => void) | null} [onClick]
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 */
export function button(className, text, onClick, attrs) {
  const b = el("button", className, text, { type: "button", ...(attrs || {}) });
  if (onClick) b.addEventListener("click", onClick);
  return b;
}

/**
 * @typedef {object} OptionSpec
 * @property {string} value
 * @property {string} text
 * @property {string} [title]
 */

/**
 * Replace the options of `select` with `[{value, text, title?}]` (optionally in optgroups), keep `value`.
 * @param {HTMLSelectElement} select
 * @param {{label?: string, options: OptionSpec[]}[]} groups
 * @param {string} value
 */
export function setOptions(select, groups, value) {
  select.replaceChildren();
  for (const group of groups) {
    const parent = group.label ? el("optgroup", null, null, { label: group.label }) : select;
    for (const o of group.options) {
      const opt = el("option", null, o.text, { value: o.value });
      if (o.title) opt.title = o.title;
      parent.append(opt);
    }
    if (parent !== select && parent.childElementCount) select.append(parent);
  }
  select.value = value;
}

/**
 * @typedef {object} Popover
 * @property {() => void} open
 * @property {() => void} close
 * @property {() => void} toggle
 * @property {() => void} cleanup
 */

/**
 * A drop-down panel opened by `trigger`: closes on Escape and on a click outside.
 * @param {HTMLElement} trigger
 * @param {HTMLElement} panel
 * @param {{onOpen?: () => void}} [opts]
 * @returns {Popover}
 */
export function popover(trigger, panel, { onOpen } = {}) {
  panel.hidden = true;
  trigger.setAttribute("aria-expanded", "false");
  trigger.setAttribute("aria-haspopup", "true");
  const doc = trigger.ownerDocument || document;
  /** @param {Event} ev */
  const onDocDown = (ev) => {
    if (panel.hidden) return;
    const path = ev.composedPath ? ev.composedPath() : [];
    const target = /** @type {Node | null} */ (ev.target);
    if (path.includes(panel) || path.includes(trigger) || panel.contains(target) || trigger.contains(target)) return;
    close();
  };
  /** @param {KeyboardEvent} ev */
  const onKey = (ev) => {
    if (ev.key === "Escape" && !panel.hidden) {
      ev.stopPropagation();
      close();
      trigger.focus();
    }
  };
  function open() {
    if (onOpen) onOpen();
    panel.hidden = false;
    trigger.setAttribute("aria-expanded", "true");
  }
  function close() {
    panel.hidden = true;
    trigger.setAttribute("aria-expanded", "false");
  }
  const toggle = () => (panel.hidden ? open() : close());
  trigger.addEventListener("click", toggle);
  panel.addEventListener("keydown", onKey);
  trigger.addEventListener("keydown", onKey);
  doc.addEventListener("pointerdown", onDocDown, true);
  return {
    open,
    close,
    toggle,
    cleanup() {
      trigger.removeEventListener("click", toggle);
      panel.removeEventListener("keydown", onKey);
      trigger.removeEventListener("keydown", onKey);
      doc.removeEventListener("pointerdown", onDocDown, true);
    },
  };
}

/**
 * Show `dialog` (a `<dialog>` already inside the widget's root) as a modal: in the browser's top layer, so it
 * covers the viewport whatever the host does around the widget (a scrolled output area, a shadow root, an
 * ancestor with `contain` or a transform), while staying in the widget's DOM, where its styles and theme
 * variables apply. Where showModal is missing it is simply opened in place.
 * @param {HTMLDialogElement} dialog
 */
export function showModal(dialog) {
  if (typeof dialog.showModal === "function") {
    try {
      dialog.showModal();
      return;
    } catch {
      // not connected, or another modal refuses: open it in place
    }
  }
  dialog.setAttribute("open", "");
}

/**
 * A modal dialog inside `root`; `fill(body)` may return (a promise of) a cleanup. Returns `close`.
 * @param {HTMLElement} root
 * @param {string} title
 * @param {(body: HTMLElement) => unknown} fill
 * @returns {() => void}
 */
export function openDialog(root, title, fill) {
  const dialog = el("dialog", "tl-dialog-backdrop", null, { "aria-label": title, "data-lm-suppress-shortcuts": "true" });
  const panel = el("div", "tl-dialog", null, { role: "document", "data-role": "dialog" });
  const head = el("div", "tl-dialog-head");
  head.append(el("span", "tl-dialog-title", title));
  const body = el("div", "tl-dialog-body");
  /** @type {Promise<unknown> | null} */
  let cleanup = null;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    dialog.removeEventListener("keydown", onKey);
    dialog.removeEventListener("cancel", onCancel);
    if (dialog.open && typeof dialog.close === "function") dialog.close();
    dialog.remove();
    Promise.resolve(cleanup).then((c) => typeof c === "function" && c());
  };
  /** @param {KeyboardEvent} ev */
  const onKey = (ev) => {
    ev.stopPropagation(); // the host (JupyterLab's notebook shortcuts) must not act on keys typed in the dialog
    if (ev.key === "Escape") {
      ev.preventDefault();
      close();
    }
  };
  /** @param {Event} ev */
  const onCancel = (ev) => {
    ev.preventDefault();
    close();
  };
  const closeButton = button("tl-dialog-close", "×", close, { "aria-label": "close", title: "close (Esc)" });
  head.append(closeButton);
  panel.append(head, body);
  dialog.append(panel);
  dialog.addEventListener("click", (ev) => ev.target === dialog && close());
  dialog.addEventListener("keydown", onKey);
  dialog.addEventListener("cancel", onCancel);
  root.append(dialog);
  showModal(dialog);
  closeButton.focus();
  cleanup = Promise.resolve().then(() => fill(body));
  return close;
}
