// The connections page of the admin console: the key subject's connections through ConnectionService's
// REST routes (scope connections) and the connectors' credential fields through CatalogService's
// (scope catalog:read), with the operator's key. Plain browser JavaScript, no build step.
//
// Security rules this file keeps:
// - the key lives in sessionStorage only (gone with the tab), never in localStorage, cookies or the URL;
// - credentials typed here go to SubmitCredentials only and leave the form as soon as they are sent;
// - the OAuth sign-in opens through the keyless, single-use start link, in a tab of its own without an opener;
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
import { $, badge, confirmAction, el, formatTime, orDash, query, str } from "./console-ui.js";
import { credentialInput, credentialValues } from "./credential-form.js";
import { onOAuthCompletion } from "./oauth-completion.js";

const PAGE_SIZE = 50;
/** How often a pending OAuth connection is polled, besides the completion page's message. */
const OAUTH_POLL_MS = 3000;
/** An OAuth state is valid for ten minutes: polling stops after that. */
const OAUTH_POLL_FOR_MS = 10 * 60_000;

const ui = {
  keyForm: /** @type {HTMLFormElement} */ ($("key-form")),
  keyInput: /** @type {HTMLInputElement} */ ($("api-key")),
  forgetKey: /** @type {HTMLButtonElement} */ ($("forget-key")),
  keyState: $("key-state"),
  message: $("message"),
  connectForm: /** @type {HTMLFormElement} */ ($("connect-form")),
  connector: /** @type {HTMLInputElement} */ ($("connect-connector")),
  label: /** @type {HTMLInputElement} */ ($("connect-label")),
  slugs: $("connector-slugs"),
  oauthStep: $("oauth-step"),
  oauthText: $("oauth-text"),
  oauthLink: /** @type {HTMLAnchorElement} */ ($("oauth-link")),
  oauthRestart: /** @type {HTMLButtonElement} */ ($("oauth-restart")),
  oauthStatus: $("oauth-status"),
  credentialsStep: $("credentials-step"),
  credentialsTitle: $("credentials-title"),
  credentialsForm: /** @type {HTMLFormElement} */ ($("credentials-form")),
  credentialsFields: $("credentials-fields"),
  credentialsCancel: /** @type {HTMLButtonElement} */ ($("credentials-cancel")),
  credentialsResult: $("credentials-result"),
  refresh: /** @type {HTMLButtonElement} */ ($("refresh")),
  filterForm: /** @type {HTMLFormElement} */ ($("filter-form")),
  filterConnector: /** @type {HTMLInputElement} */ ($("filter-connector")),
  filterStatus: /** @type {HTMLSelectElement} */ ($("filter-status")),
  filterQ: /** @type {HTMLInputElement} */ ($("filter-q")),
  count: $("connections-count"),
  rows: /** @type {HTMLTableSectionElement} */ ($("connections").querySelector("tbody")),
  empty: $("connections-empty"),
  more: /** @type {HTMLButtonElement} */ ($("connections-more")),
};

/**
 * What the page remembers: the newest list load, the next page's token, the connection whose OAuth flow
 * it follows (and until when), and the connection the credentials form is for.
 * @type {{ generation: number, nextPageToken: string, oauth: { id: string, until: number,
 *   timer: ReturnType<typeof setTimeout> | undefined } | undefined, credentialsFor: string }}
 */
const state = { generation: 0, nextPageToken: "", oauth: undefined, credentialsFor: "" };

const FAILURE_WORDS = {
  forbidden:
    "Permission denied (403): this page needs a key with the connections scope (and catalog:read for connectors' credential fields).",
};

/** @param {unknown} error */
function describe(error) {
  return describeFailure(error, FAILURE_WORDS);
}

/** @param {unknown} error */
function report(error) {
  showMessage(ui, describe(error), "error");
  if (isAuthError(error)) clearList();
}

/**
 * Calls a REST route with the stored key.
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 */
function api(path, options = {}) {
  return callApi(path, {
    ...options,
    noKey: "Paste an API key with the connections scope first.",
    unreachable: "Network error: Patchbay could not be reached; check that it is running.",
  });
}

/** @param {string} id */
const connectionPath = (id) => `/api/v1/connections/${encodeURIComponent(id)}`;

// ---- the list ----

/** @param {any} connection */
function row(connection) {
  const id = str(connection.id);
  const slug = str(connection.connectorSlug);
  const label = str(connection.label);
  const authType = str(connection.authType);
  const name = label === "" ? slug : label;
  const actions = el("td", { "data-label": "Actions", class: "actions-cell" });
  /** @param {string} text @param {string} what @param {() => void} onClick @param {string} [kind] */
  const action = (text, what, onClick, kind = "") => {
    const button = el("button", { type: "button", "aria-label": `${what} ${name}`, class: kind }, text);
    button.addEventListener("click", onClick);
    actions.append(button);
  };
  if (authType === "api_key")
    action("Credentials", "Submit credentials for", () => openCredentials(id, slug, name));
  if (authType === "oauth") {
    action("Refresh token", "Refresh the token of", () => refreshToken(id, name));
    action("Reconnect", "Reconnect", () => restartOAuth(id));
  }
  action("Revoke", "Revoke", () => revoke(id, name), "danger");
  return el(
    "tr",
    { "data-connection-id": id },
    el("td", { "data-label": "Label" }, orDash(label)),
    el("td", { "data-label": "Connector", class: "mono" }, slug),
    el("td", { "data-label": "Auth" }, authType.replace("_", " ")),
    el("td", { "data-label": "Status" }, badge(str(connection.status))),
    el("td", { "data-label": "Last error" }, orDash(str(connection.lastError))),
    el("td", { "data-label": "Token expires" }, formatTime(str(connection.tokenExpireTime))),
    el("td", { "data-label": "Created" }, formatTime(str(connection.createTime))),
    actions,
  );
}

function clearList() {
  state.generation++;
  state.nextPageToken = "";
  ui.rows.replaceChildren();
  ui.count.textContent = "";
  ui.empty.hidden = true;
  ui.more.hidden = true;
}

/** Loads the first page under the filters (or, with `more`, the next one). @param {boolean} more */
async function loadConnections(more) {
  if (readKey() === "") return;
  const mine = more ? state.generation : ++state.generation;
  const path = `/api/v1/connections${query({
    pageSize: PAGE_SIZE,
    pageToken: more ? state.nextPageToken : "",
    connectorSlug: ui.filterConnector.value.trim(),
    status: ui.filterStatus.value,
    q: ui.filterQ.value.trim(),
  })}`;
  try {
    const page = await api(path);
    if (mine !== state.generation) return;
    const connections = Array.isArray(page.connections) ? page.connections : [];
    if (more) ui.rows.append(...connections.map(row));
    else ui.rows.replaceChildren(...connections.map(row));
    state.nextPageToken = str(page.nextPageToken);
    const total = typeof page.totalSize === "number" ? page.totalSize : 0;
    ui.count.textContent = `${total} ${total === 1 ? "connection matches" : "connections match"}.`;
    ui.more.hidden = state.nextPageToken === "";
    ui.empty.hidden = ui.rows.childElementCount > 0;
  } catch (error) {
    if (mine === state.generation) report(error);
  }
}

/** Offers the catalog's slugs in the connector fields (a key without catalog:read just types them). */
async function loadSlugs() {
  try {
    const page = await api("/api/v1/connectors?pageSize=200");
    const connectors = Array.isArray(page.connectors) ? page.connectors : [];
    ui.slugs.replaceChildren(
      ...connectors
        .filter((/** @type {any} */ c) => str(c.authType) !== "none")
        .map((/** @type {any} */ c) => el("option", { value: str(c.slug) }, str(c.name))),
    );
  } catch {
    // Suggestions only.
  }
}

// ---- starting a connection ----

ui.connectForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const slug = ui.connector.value.trim();
  if (slug === "") {
    showMessage(ui, "Name the connector to connect (its slug).", "error");
    ui.connector.focus();
    return;
  }
  try {
    const started = await api("/api/v1/connections", {
      method: "POST",
      body: { connectorSlug: slug, label: ui.label.value.trim() },
    });
    const connection = started.connection ?? {};
    const id = str(connection.id);
    const name = str(connection.label) || slug;
    clearMessage(ui);
    ui.connectForm.reset();
    if (str(started.oauthLinkUrl) !== "") {
      showOAuthStep(id, str(started.oauthLinkUrl), name);
    } else if (str(connection.authType) === "api_key") {
      await openCredentials(id, slug, name);
    } else {
      showMessage(ui, `${name} is already connected (${str(connection.status)}).`, "ok");
    }
    await loadConnections(false);
  } catch (error) {
    report(error);
  }
});

// ---- OAuth: the start link in a tab of its own, and following its completion ----

/** @param {string} id @param {string} link @param {string} name */
function showOAuthStep(id, link, name) {
  hideCredentials();
  ui.oauthText.textContent = `Open the provider's sign-in for ${name} in a new tab and finish there; this page follows it. The link works once, within five minutes.`;
  ui.oauthLink.href = link;
  ui.oauthStatus.textContent = "Waiting for the sign-in to finish…";
  ui.oauthStatus.className = "result";
  ui.oauthStep.hidden = false;
  ui.oauthLink.focus();
  followOAuth(id);
}

/** @param {string} id */
function followOAuth(id) {
  stopFollowing();
  state.oauth = { id, until: Date.now() + OAUTH_POLL_FOR_MS, timer: undefined };
  pollOAuth();
}

function stopFollowing() {
  if (state.oauth !== undefined) clearTimeout(state.oauth.timer);
  state.oauth = undefined;
}

/** Asks GetOAuthStatus until the connection leaves "pending" (the completion message may never come). */
async function pollOAuth() {
  const following = state.oauth;
  if (following === undefined) return;
  try {
    const status = await api(`${connectionPath(following.id)}/oauth`);
    if (state.oauth !== following) return;
    const connection = status.connection ?? {};
    if (str(connection.status) !== "pending") {
      finishOAuth(following.id, str(connection.status) === "active", str(connection.lastError));
      return;
    }
    if (str(connection.lastError) !== "") {
      ui.oauthStatus.textContent = `Not connected yet: ${str(connection.lastError)}. Open a new sign-in link to try again.`;
      ui.oauthStatus.className = "result error";
    }
  } catch (error) {
    if (state.oauth !== following) return;
    report(error);
    if (isAuthError(error)) return stopFollowing();
  }
  if (Date.now() < following.until) following.timer = setTimeout(pollOAuth, OAUTH_POLL_MS);
  else stopFollowing();
}

/** @param {string} id @param {boolean} ok @param {string} reason */
function finishOAuth(id, ok, reason) {
  if (state.oauth?.id !== id) return;
  stopFollowing();
  ui.oauthStatus.textContent = ok
    ? "Connected: the connection is active."
    : `The sign-in did not complete (${reason || "unknown_error"}). Open a new sign-in link to try again.`;
  ui.oauthStatus.className = ok ? "result ok" : "result error";
  if (ok) showMessage(ui, "Connected: the OAuth sign-in completed and the connection is active.", "ok");
  loadConnections(false);
}

onOAuthCompletion((message) => finishOAuth(message.connectionId, message.ok, message.reason));

/** A fresh start link for a connection (re-consent, or a link that expired). @param {string} id */
async function restartOAuth(id) {
  try {
    const restarted = await api(`${connectionPath(id)}/oauth`, { method: "POST", body: {} });
    const connection = restarted.connection ?? {};
    showOAuthStep(id, str(restarted.oauthLinkUrl), str(connection.label) || str(connection.connectorSlug));
    await loadConnections(false);
  } catch (error) {
    report(error);
  }
}

ui.oauthRestart.addEventListener("click", () => {
  if (state.oauth !== undefined) restartOAuth(state.oauth.id);
  else showMessage(ui, "Start a connection first, or choose Reconnect on one below.", "info");
});

// ---- API-key credentials ----

function hideCredentials() {
  state.credentialsFor = "";
  ui.credentialsFields.replaceChildren();
  ui.credentialsResult.hidden = true;
  ui.credentialsStep.hidden = true;
}

/**
 * Shows the credentials form for a connection, built from its connector's credential fields.
 * @param {string} id @param {string} slug @param {string} name
 */
async function openCredentials(id, slug, name) {
  stopFollowing();
  ui.oauthStep.hidden = true;
  try {
    const { connector } = await api(`/api/v1/connectors/${encodeURIComponent(slug)}`);
    const fields = Array.isArray(connector?.credentialFields) ? connector.credentialFields : [];
    state.credentialsFor = id;
    ui.credentialsTitle.textContent = `Credentials for ${name}`;
    ui.credentialsFields.replaceChildren(...fields.map(credentialInput));
    ui.credentialsResult.hidden = true;
    ui.credentialsStep.hidden = false;
    /** @type {HTMLElement | null} */ (ui.credentialsFields.querySelector("input, select"))?.focus();
  } catch (error) {
    report(error);
  }
}

ui.credentialsCancel.addEventListener("click", () => {
  hideCredentials();
  ui.connector.focus();
});

ui.credentialsForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = state.credentialsFor;
  if (id === "") return;
  const credentials = credentialValues(ui.credentialsFields);
  const result = ui.credentialsResult;
  result.hidden = false;
  result.className = "result";
  result.textContent = "Testing the credentials…";
  try {
    const answer = await api(`${connectionPath(id)}/credentials`, { method: "POST", body: { credentials } });
    // The values leave the page once they are sent.
    for (const input of ui.credentialsFields.querySelectorAll("input")) input.value = "";
    result.className = "result ok";
    result.textContent = `Test passed: the credentials were accepted and the connection is ${str(answer.connection?.status) || "active"}.`;
    await loadConnections(false);
  } catch (error) {
    for (const input of ui.credentialsFields.querySelectorAll("input")) {
      if (input.type === "password") input.value = "";
    }
    result.className = "result error";
    result.textContent = `Not accepted: ${describe(error)}`;
    if (isAuthError(error)) clearList();
    else await loadConnections(false);
  }
});

// ---- refresh and revoke ----

/** @param {string} id @param {string} name */
async function refreshToken(id, name) {
  try {
    const refreshed = await api(`${connectionPath(id)}/refresh`, { method: "POST", body: {} });
    showMessage(
      ui,
      `The token of ${name} was refreshed; it expires ${formatTime(str(refreshed.connection?.tokenExpireTime))}.`,
      "ok",
    );
    await loadConnections(false);
  } catch (error) {
    report(error);
    await loadConnections(false);
  }
}

/** @param {string} id @param {string} name */
async function revoke(id, name) {
  const sure = await confirmAction({
    title: `Revoke ${name}?`,
    text: "Its credentials are destroyed and its OAuth token is revoked at the provider where the connector can. This cannot be undone.",
    action: "Revoke connection",
  });
  if (!sure) return;
  try {
    await api(connectionPath(id), { method: "DELETE" });
    if (state.credentialsFor === id) hideCredentials();
    if (state.oauth?.id === id) {
      stopFollowing();
      ui.oauthStep.hidden = true;
    }
    showMessage(ui, `${name} was revoked.`, "ok");
    await loadConnections(false);
  } catch (error) {
    report(error);
  }
}

// ---- the page's controls ----

bindKeyControls(ui, {
  onKey: () => {
    clearMessage(ui);
    loadConnections(false);
    loadSlugs();
  },
  onForget: () => {
    clearList();
    stopFollowing();
    hideCredentials();
    ui.oauthStep.hidden = true;
  },
});

ui.filterForm.addEventListener("submit", (event) => {
  event.preventDefault();
  loadConnections(false);
});
ui.refresh.addEventListener("click", () => {
  if (readKey() === "") showMessage(ui, "Paste an API key with the connections scope first.", "error");
  else loadConnections(false);
});
ui.more.addEventListener("click", () => loadConnections(true));

showKeyState(ui);
if (readKey() === "")
  showMessage(ui, "Paste an API key with the connections scope to see its connections.", "info");
else {
  loadConnections(false);
  loadSlugs();
}
