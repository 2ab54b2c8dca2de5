// Small DOM helpers shared by the controls. Text goes in through textContent only.

/** `document.createElement(tag)` with a class, text content and attributes (`data-*`, aria-*, ...). */
export function el(tag, className, text, attrs) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  return node;
}

/** A `<button type="button">` that calls `onClick(event)`. */
export function button(className, text, onClick, attrs) {
  const b = el("button", className, text, { type: "button", ...(attrs || {}) });
  if (onClick) b.addEventListener("click", onClick);
  return b;
}

/** Replace the options of `select` with `[{value, text, title?}]` (optionally in optgroups), keep `value`. */
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
 * A drop-down panel opened by `trigger`: closes on Escape and on a click outside. Returns `{open, close, toggle,
 * cleanup}`.
 */
export function popover(trigger, panel, { onOpen } = {}) {
  panel.hidden = true;
  trigger.setAttribute("aria-expanded", "false");
  trigger.setAttribute("aria-haspopup", "true");
  const doc = trigger.ownerDocument || document;
  const onDocDown = (ev) => {
    if (panel.hidden) return;
    const path = ev.composedPath ? ev.composedPath() : [];
    if (path.includes(panel) || path.includes(trigger) || panel.contains(ev.target) || trigger.contains(ev.target)) return;
    close();
  };
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

/** A modal dialog inside `root`; `fill(body)` may return (a promise of) a cleanup. Returns `close`. */
export function openDialog(root, title, fill) {
  const backdrop = el("div", "tl-dialog-backdrop");
  const dialog = el("div", "tl-dialog", null, { role: "dialog", "aria-modal": "true", "data-role": "dialog" });
  const head = el("div", "tl-dialog-head");
  head.append(el("span", "tl-dialog-title", title));
  const body = el("div", "tl-dialog-body");
  let cleanup = null;
  const close = () => {
    backdrop.remove();
    if (!root.querySelector(".tl-dialog-backdrop")) root.classList.remove("tl-dialog-open");
    root.removeEventListener("keydown", onKey, true);
    Promise.resolve(cleanup).then((c) => typeof c === "function" && c());
  };
  const onKey = (ev) => {
    if (ev.key === "Escape") {
      ev.stopPropagation();
      ev.preventDefault();
      close();
    }
  };
  const closeButton = button("tl-dialog-close", "×", close, { "aria-label": "close", title: "close (Esc)" });
  head.append(closeButton);
  dialog.append(head, body);
  backdrop.append(dialog);
  backdrop.addEventListener("click", (ev) => ev.target === backdrop && close());
  root.addEventListener("keydown", onKey, true);
  root.append(backdrop);
  root.classList.add("tl-dialog-open");
  closeButton.focus();
  cleanup = Promise.resolve().then(() => fill(body));
  return close;
}
