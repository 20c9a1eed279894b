// Small building blocks the console's pages (connections, executions, keys) share: finding elements,
// making them with text only, reading proto JSON (which leaves out fields at their default value), times,
// and the one confirmation dialog. Plain browser JavaScript, no build step.
//
// Security rule this file keeps: every value reaches the page through textContent or an attribute, never
// as HTML.

/**
 * The element with this id; a page without it is a bug in the page, said at once.
 * @param {string} id
 */
export function $(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page lacks #${id}`);
  return element;
}

/**
 * A new element with attributes and children; text is a text node, never markup. An attribute set to
 * `true` is present and to `false` left out (HTML's boolean attributes: checked, selected, disabled); a
 * number is written in decimal. Attributes only, no properties: nothing can reach `innerHTML` through it.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean>} [attributes]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (value !== false) element.setAttribute(name, String(value));
  }
  element.append(...children);
  return element;
}

/** A string field of proto JSON ("" when left out). @param {unknown} value */
export function str(value) {
  return typeof value === "string" ? value : "";
}

/** A number field of proto JSON (0 when left out). @param {unknown} value */
export function num(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** A repeated string field of proto JSON. @param {unknown} value @returns {string[]} */
export function strings(value) {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/** "—" for an empty value. @param {string} value */
export function orDash(value) {
  return value === "" ? "—" : value;
}

/**
 * A timestamp for a person, in UTC to the second ("2026-12-06 05:40:12 UTC"); "—" when unset.
 * @param {string} timestamp RFC 3339, as proto JSON writes google.protobuf.Timestamp
 */
export function formatTime(timestamp) {
  if (timestamp === "") return "—";
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  return `${date.toISOString().replace("T", " ").slice(0, 19)} UTC`;
}

/** A status as a coloured badge (the stylesheet colours `badge-<status>`). @param {string} status */
export function badge(status) {
  return el("span", { class: `badge badge-${status.replace(/[^a-z_-]/g, "")}` }, orDash(status));
}

/**
 * Asks the operator to confirm an action in the page's modal dialog (#confirm, with #confirm-title,
 * #confirm-text, #confirm-extra, #confirm-ok and #confirm-cancel): resolves true for the confirm button,
 * false for Cancel or Escape. Focus returns to where it was.
 * @param {{ title: string, text: string, action: string, extra?: HTMLElement }} words
 * @returns {Promise<boolean>}
 */
export function confirmAction(words) {
  const dialog = /** @type {HTMLDialogElement} */ ($("confirm"));
  $("confirm-title").textContent = words.title;
  $("confirm-text").textContent = words.text;
  $("confirm-extra").replaceChildren(...(words.extra === undefined ? [] : [words.extra]));
  const ok = /** @type {HTMLButtonElement} */ ($("confirm-ok"));
  const cancel = /** @type {HTMLButtonElement} */ ($("confirm-cancel"));
  ok.textContent = words.action;
  const before = document.activeElement;
  return new Promise((resolve) => {
    const finish = (/** @type {boolean} */ answer) => {
      ok.removeEventListener("click", onOk);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
      if (before instanceof HTMLElement && before.isConnected) before.focus();
      resolve(answer);
    };
    const onOk = () => finish(true);
    const onCancel = () => finish(false);
    const onClose = () => finish(false);
    ok.addEventListener("click", onOk);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    cancel.focus();
  });
}

/**
 * The REST query string of the set values ("" when none).
 * @param {Record<string, string | number | undefined>} params
 */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
