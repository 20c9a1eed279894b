// The keys page of the admin console: the tenant's API keys through ApiKeyService's REST routes
// (GET/POST /api/v1/api-keys, POST /api/v1/api-keys/{id}:revoke and :rotate, scope admin), with the
// operator's key. Plain browser JavaScript, no build step.
//
// Security rules this file keeps:
// - the key in use lives in sessionStorage only (gone with the tab), never in localStorage, cookies or the URL;
// - a new key is shown once, in the page only, and gone from it when the operator hides it or leaves;
// - every value from the API reaches the page through textContent or an attribute, never as HTML.

import {
  bindKeyControls,
  callApi,
  clearMessage,
  describeFailure,
  isAuthError,
  readKey,
  showKeyState,
  showMessage,
} from "./admin-common.js";
import { $, badge, confirmAction, el, formatTime, orDash, query, str, strings } from "./console-ui.js";

const PAGE_SIZE = 50;
const DAY_MS = 86_400_000;

const ui = {
  keyForm: /** @type {HTMLFormElement} */ ($("key-form")),
  keyInput: /** @type {HTMLInputElement} */ ($("api-key")),
  forgetKey: /** @type {HTMLButtonElement} */ ($("forget-key")),
  keyState: $("key-state"),
  message: $("message"),
  createForm: /** @type {HTMLFormElement} */ ($("create-form")),
  subject: /** @type {HTMLInputElement} */ ($("create-subject")),
  name: /** @type {HTMLInputElement} */ ($("create-name")),
  tier: /** @type {HTMLInputElement} */ ($("create-tier")),
  expires: /** @type {HTMLSelectElement} */ ($("create-expires")),
  newKey: $("new-key"),
  newKeyAbout: $("new-key-about"),
  newKeyValue: $("new-key-value"),
  newKeyCopy: /** @type {HTMLButtonElement} */ ($("new-key-copy")),
  newKeyDone: /** @type {HTMLButtonElement} */ ($("new-key-done")),
  refresh: /** @type {HTMLButtonElement} */ ($("refresh")),
  rows: /** @type {HTMLTableSectionElement} */ ($("keys").querySelector("tbody")),
  empty: $("keys-empty"),
  more: /** @type {HTMLButtonElement} */ ($("keys-more")),
};

/** The newest list load (older answers are dropped) and the next page's token. */
const state = { generation: 0, nextPageToken: "" };

const FAILURE_WORDS = {
  forbidden:
    "Permission denied (403): managing keys needs a key with the admin scope (and a key replaced by a rotation manages none).",
};

/** @param {unknown} error */
function report(error) {
  showMessage(ui, describeFailure(error, FAILURE_WORDS), "error");
  if (isAuthError(error)) clearList();
}

/**
 * Calls an ApiKeyService REST route with the stored key.
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 */
function api(path, options = {}) {
  return callApi(path, {
    ...options,
    noKey: "Paste an API key with the admin scope first.",
    unreachable: "Network error: Patchbay could not be reached; check that it is running.",
  });
}

// ---- the list ----

/** @param {any} key */
function row(key) {
  const id = str(key.id);
  const prefix = str(key.prefix);
  const status = str(key.state);
  const actions = el("td", { "data-label": "Actions", class: "actions-cell" });
  if (status === "active") {
    const rotate = el("button", { type: "button", "aria-label": `Rotate key ${prefix}` }, "Rotate");
    rotate.addEventListener("click", () => rotateKey(id, prefix));
    const revoke = el(
      "button",
      { type: "button", class: "danger", "aria-label": `Revoke key ${prefix}` },
      "Revoke",
    );
    revoke.addEventListener("click", () => revokeKey(id, prefix));
    actions.append(rotate, " ", revoke);
  }
  const replacedBy = str(key.replacedBy);
  const stateCell = el("td", { "data-label": "State" }, badge(status));
  if (replacedBy !== "") stateCell.append(el("span", { class: "sub" }, "rotated"));
  const pool = str(key.agentPool);
  return el(
    "tr",
    { "data-key-id": id, "data-prefix": prefix },
    el("td", { "data-label": "Name" }, orDash(str(key.name))),
    el("td", { "data-label": "Subject" }, orDash(str(key.subject))),
    el("td", { "data-label": "Prefix", class: "mono" }, prefix),
    el(
      "td",
      { "data-label": "Scopes" },
      `${strings(key.scopes).join(", ")}${pool === "" ? "" : ` (pool ${pool})`}`,
    ),
    el("td", { "data-label": "Tier" }, orDash(str(key.tier))),
    stateCell,
    el("td", { "data-label": "Created" }, formatTime(str(key.createTime))),
    el("td", { "data-label": "Last used" }, formatTime(str(key.lastUsedTime))),
    el(
      "td",
      { "data-label": "Expires" },
      str(key.expireTime) === "" ? "never" : formatTime(str(key.expireTime)),
    ),
    actions,
  );
}

function clearList() {
  state.generation++;
  state.nextPageToken = "";
  ui.rows.replaceChildren();
  ui.empty.hidden = true;
  ui.more.hidden = true;
}

/** Loads the first page (or, with `more`, the next one). @param {boolean} more */
async function loadKeys(more) {
  if (readKey() === "") return;
  const mine = more ? state.generation : ++state.generation;
  try {
    const page = await api(
      `/api/v1/api-keys${query({ pageSize: PAGE_SIZE, pageToken: more ? state.nextPageToken : "" })}`,
    );
    if (mine !== state.generation) return;
    const keys = Array.isArray(page.apiKeys) ? page.apiKeys : [];
    if (more) ui.rows.append(...keys.map(row));
    else ui.rows.replaceChildren(...keys.map(row));
    state.nextPageToken = str(page.nextPageToken);
    ui.more.hidden = state.nextPageToken === "";
    ui.empty.hidden = ui.rows.childElementCount > 0;
  } catch (error) {
    if (mine === state.generation) report(error);
  }
}

// ---- a new key, shown once ----

/** @param {string} key @param {any} details @param {string} about */
function showNewKey(key, details, about) {
  ui.newKeyValue.textContent = key;
  ui.newKeyAbout.textContent = `${about} ${str(details.prefix)} for ${str(details.subject)} (${strings(details.scopes).join(", ")}).`;
  ui.newKey.hidden = false;
  ui.newKeyCopy.focus();
}

function hideNewKey() {
  ui.newKeyValue.textContent = "";
  ui.newKeyAbout.textContent = "";
  ui.newKey.hidden = true;
}

ui.newKeyDone.addEventListener("click", () => {
  hideNewKey();
  ui.subject.focus();
});

ui.newKeyCopy.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(ui.newKeyValue.textContent ?? "");
    showMessage(ui, "The key was copied to the clipboard.", "ok");
  } catch {
    // No clipboard access: select the key so the operator copies it by hand.
    const range = document.createRange();
    range.selectNodeContents(ui.newKeyValue);
    getSelection()?.removeAllRanges();
    getSelection()?.addRange(range);
    showMessage(ui, "This browser refused the clipboard: the key is selected, copy it with Ctrl+C.", "info");
  }
});

// ---- create, revoke, rotate ----

ui.createForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const subject = ui.subject.value.trim();
  const scopes = [...ui.createForm.querySelectorAll('input[name="scope"]:checked')].map(
    (input) => /** @type {HTMLInputElement} */ (input).value,
  );
  if (subject === "") {
    showMessage(ui, "Give the key a subject: the user or service it acts for.", "error");
    ui.subject.focus();
    return;
  }
  if (scopes.length === 0) {
    showMessage(ui, "Choose at least one scope.", "error");
    /** @type {HTMLInputElement | null} */ (ui.createForm.querySelector('input[name="scope"]'))?.focus();
    return;
  }
  /** @type {Record<string, unknown>} */
  const body = { subject, scopes, name: ui.name.value.trim(), tier: ui.tier.value.trim() };
  if (ui.expires.value !== "")
    body.expireTime = new Date(Date.now() + Number(ui.expires.value) * DAY_MS).toISOString();
  try {
    const created = await api("/api/v1/api-keys", { method: "POST", body });
    clearMessage(ui);
    showNewKey(str(created.key), created.apiKey ?? {}, "Created key");
    ui.createForm.reset();
    await loadKeys(false);
  } catch (error) {
    report(error);
  }
});

/** @param {string} id @param {string} prefix */
async function revokeKey(id, prefix) {
  const sure = await confirmAction({
    title: `Revoke key ${prefix}?`,
    text: "Every replica refuses it from the moment this call returns. This cannot be undone.",
    action: "Revoke key",
  });
  if (!sure) return;
  try {
    await api(`/api/v1/api-keys/${encodeURIComponent(id)}:revoke`, { method: "POST", body: {} });
    showMessage(ui, `Key ${prefix} was revoked.`, "ok");
    await loadKeys(false);
  } catch (error) {
    report(error);
  }
}

/** @param {string} id @param {string} prefix */
async function rotateKey(id, prefix) {
  const overlap = el(
    "select",
    { id: "rotate-overlap" },
    el("option", { value: "0" }, "none: refuse it at once"),
    el("option", { value: "3600" }, "1 hour"),
    el("option", { value: "86400", selected: true }, "1 day"),
    el("option", { value: "604800" }, "7 days"),
  );
  const extra = el(
    "div",
    { class: "field" },
    el("label", { for: "rotate-overlap" }, "The old key keeps working for"),
    overlap,
  );
  const sure = await confirmAction({
    title: `Rotate key ${prefix}?`,
    text: "A new key with the same subject, scopes, tier and expiry is issued and shown once.",
    action: "Rotate key",
    extra,
  });
  if (!sure) return;
  try {
    const rotated = await api(`/api/v1/api-keys/${encodeURIComponent(id)}:rotate`, {
      method: "POST",
      body: { overlapSeconds: Number(overlap.value) },
    });
    clearMessage(ui);
    showNewKey(str(rotated.key), rotated.apiKey ?? {}, `Rotated ${prefix}: the new key is`);
    await loadKeys(false);
  } catch (error) {
    report(error);
  }
}

// ---- the page's controls ----

bindKeyControls(ui, {
  onKey: () => {
    clearMessage(ui);
    loadKeys(false);
  },
  onForget: () => {
    clearList();
    hideNewKey();
  },
});

ui.refresh.addEventListener("click", () => {
  if (readKey() === "") showMessage(ui, "Paste an API key with the admin scope first.", "error");
  else loadKeys(false);
});
ui.more.addEventListener("click", () => loadKeys(true));

showKeyState(ui);
if (readKey() === "")
  showMessage(ui, "Paste an API key with the admin scope to manage this tenant's keys.", "info");
else loadKeys(false);
