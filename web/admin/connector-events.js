// The connector-events admin page: webhook endpoints, their recent events, and jobs, read from Patchbay's
// REST API with the operator's key. Plain browser JavaScript, no build step.
//
// Security rules this file keeps:
// - the key lives in sessionStorage only (gone with the tab), never in localStorage, cookies or the URL;
// - every value from the API reaches the page through textContent or an attribute, never as HTML;
// - payloads are never read: events may carry them (a key with webhooks:payload gets them), this page
//   shows ids, keys, times and states only.

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

const PAGE_SIZE = 50;
const STATUSES = new Set(["active", "pending", "failing", "disabled"]);
const JOB_STATES = new Set(["queued", "running", "retrying", "succeeded", "dead"]);

/** @param {string} id */
function $(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page lacks #${id}`);
  return element;
}

const ui = {
  keyForm: /** @type {HTMLFormElement} */ ($("key-form")),
  keyInput: /** @type {HTMLInputElement} */ ($("api-key")),
  forgetKey: /** @type {HTMLButtonElement} */ ($("forget-key")),
  keyState: $("key-state"),
  message: $("message"),
  refresh: /** @type {HTMLButtonElement} */ ($("refresh")),
  detail: $("endpoint-detail"),
  detailTitle: $("events-title"),
  facts: $("endpoint-facts"),
  jobState: /** @type {HTMLSelectElement} */ ($("job-state")),
};

/** The id of the endpoint whose events are shown, and the endpoints last listed (for job labels). */
const state = { selected: "", endpoints: new Map() };

/** What a failure means on this page (describeFailure says the rest). */
const FAILURE_WORDS = {
  forbidden:
    "Permission denied (403): this key lacks webhooks:admin. Use a key with the webhooks:admin (or admin) scope.",
  rateLimited: "Rate limited (429): this key made too many calls; try again in a moment.",
};

/** An operator-facing sentence for a failed call. @param {unknown} error */
function describe(error) {
  return describeFailure(error, FAILURE_WORDS);
}

/** Shows a failure; after an auth failure no data stays on screen. @param {unknown} error */
function report(error) {
  showMessage(ui, describe(error), "error");
  if (isAuthError(error)) clearData();
}

// ---- the API ----

/**
 * Calls the REST API with the stored key and returns the JSON answer.
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
function api(path, options = {}) {
  return callApi(path, {
    ...options,
    noKey: "Paste an API key with webhooks:admin first.",
    unreachable:
      "Network error: Patchbay could not be reached. Check that it is running, then press Refresh.",
  });
}

// ---- rendering (textContent only) ----

/** @param {unknown} value */
function text(value) {
  return value === undefined || value === null || value === "" ? "—" : String(value);
}

/**
 * @param {unknown} value
 * @param {string} [column]
 */
function cell(value, column) {
  const td = document.createElement("td");
  td.textContent = text(value);
  if (column) td.dataset.col = column;
  return td;
}

/**
 * @param {unknown} value
 * @param {string} column
 */
function numberCell(value, column) {
  const td = cell(typeof value === "number" ? value : 0, column);
  td.className = "num";
  return td;
}

/** @param {string | undefined} timestamp RFC 3339, as proto JSON writes google.protobuf.Timestamp */
function formatTime(timestamp) {
  if (!timestamp) return "—";
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/**
 * @param {string | undefined} timestamp
 * @param {string} column
 */
function timeCell(timestamp, column) {
  const td = document.createElement("td");
  td.dataset.col = column;
  if (!timestamp) {
    td.textContent = "—";
    return td;
  }
  const time = document.createElement("time");
  time.dateTime = timestamp;
  time.textContent = formatTime(timestamp);
  time.title = new Date(timestamp).toLocaleString();
  td.append(time);
  return td;
}

/**
 * A state word as a badge; the class comes from a fixed list, never from the API's text.
 * @param {unknown} value
 * @param {Set<string>} known
 * @param {string} column
 */
function badgeCell(value, known, column) {
  const td = document.createElement("td");
  td.dataset.col = column;
  const word = typeof value === "string" ? value : "";
  const badge = document.createElement("span");
  badge.className = `badge badge-${known.has(word) ? word : "other"}`;
  badge.textContent = text(word);
  td.append(badge);
  return td;
}

/** @param {string} id */
function shortId(id) {
  return id.slice(0, 8);
}

/** @param {any} target */
function targetKind(target) {
  if (target?.pull !== undefined) return "pull";
  if (target?.https !== undefined) return "https";
  if (target?.command !== undefined) return "command";
  return "";
}

/** @param {string} endpointId */
function endpointLabel(endpointId) {
  const endpoint = state.endpoints.get(endpointId);
  return endpoint ? `${endpoint.provider} / ${endpoint.connectorSlug}` : shortId(endpointId);
}

/** @param {any} endpoint */
function endpointRow(endpoint) {
  const counts = endpoint.counts ?? {};
  const row = document.createElement("tr");
  row.dataset.endpointId = endpoint.id;
  row.tabIndex = 0;
  if (endpoint.id === state.selected) row.setAttribute("aria-current", "true");
  row.append(
    cell(endpoint.provider, "provider"),
    cell(endpoint.connectorSlug, "connector"),
    badgeCell(endpoint.status, STATUSES, "status"),
    cell(targetKind(endpoint.target), "target"),
    cell(endpoint.url, "url"),
    numberCell(counts.accepted, "accepted"),
    numberCell(counts.duplicate, "duplicate"),
    numberCell(counts.rejected, "rejected"),
    numberCell(counts.failed, "failed"),
    timeCell(endpoint.lastEventTime, "last-event"),
    cell(endpoint.lastErrorCode, "last-error"),
  );
  row.addEventListener("click", () => selectEndpoint(endpoint.id));
  row.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      selectEndpoint(endpoint.id);
    }
  });
  return row;
}

/** @param {any} event a WebhookEvent; its payload, if any, is never read */
function eventRow(event) {
  const row = document.createElement("tr");
  row.dataset.eventId = event.id;
  row.append(
    cell(event.eventKey, "event-key"),
    cell(event.providerEventId, "provider-event-id"),
    timeCell(event.receiveTime, "received"),
    badgeCell(event.jobState, JOB_STATES, "job-state"),
  );
  return row;
}

/** @param {any} job */
function jobRow(job) {
  const row = document.createElement("tr");
  row.dataset.jobId = job.id;
  const id = cell(shortId(job.id), "job");
  id.title = job.id;
  const action = document.createElement("td");
  action.dataset.col = "action";
  if (job.state === "dead") {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Retry";
    button.addEventListener("click", () => retryJob(job.id, button));
    action.append(button);
  }
  row.append(
    id,
    cell(endpointLabel(job.endpointId ?? ""), "endpoint"),
    cell(job.targetKind, "target"),
    badgeCell(job.state, JOB_STATES, "state"),
    cell(`${job.attempts ?? 0}/${job.maxAttempts ?? 0}`, "attempts"),
    cell(job.lastErrorCode, "last-error"),
    timeCell(job.nextAttemptTime, "next-attempt"),
    timeCell(job.createTime, "created"),
    action,
  );
  row.cells[4]?.classList.add("num");
  return row;
}

/**
 * A table filled page by page from a list RPC whose answer holds `field` and `nextPageToken`.
 * @param {string} field "endpoints", "events" or "jobs": the table id and the answer's list field
 * @param {(item: any) => HTMLTableRowElement} render
 */
function pagedTable(field, render) {
  const body = /** @type {HTMLTableElement} */ ($(field)).tBodies[0];
  const empty = $(`${field}-empty`);
  const more = /** @type {HTMLButtonElement} */ ($(`${field}-more`));
  let generation = 0;
  let path = "";
  let next = "";

  /**
   * Loads the first page of `listPath` (or the next one of the current list) and returns the items,
   * or null when a newer load superseded this one.
   * @param {string} listPath
   * @param {string} [token]
   */
  async function load(listPath, token = "") {
    const mine = ++generation;
    const query = new URLSearchParams({ pageSize: String(PAGE_SIZE) });
    if (token !== "") query.set("pageToken", token);
    const data = await api(`${listPath}${listPath.includes("?") ? "&" : "?"}${query}`);
    if (mine !== generation) return null;
    path = listPath;
    /** @type {any[]} */
    const items = Array.isArray(data[field]) ? data[field] : [];
    if (token === "") body?.replaceChildren();
    for (const item of items) body?.append(render(item));
    next = typeof data.nextPageToken === "string" ? data.nextPageToken : "";
    more.hidden = next === "";
    empty.hidden = (body?.rows.length ?? 0) > 0;
    return items;
  }

  function clear() {
    generation++;
    body?.replaceChildren();
    next = "";
    more.hidden = true;
    empty.hidden = true;
  }

  more.addEventListener("click", () => {
    load(path, next).catch(report);
  });
  return { load, clear };
}

const endpoints = pagedTable("endpoints", endpointRow);
const events = pagedTable("events", eventRow);
const jobs = pagedTable("jobs", jobRow);

/** @param {string} term @param {unknown} value */
function fact(term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = text(value);
  ui.facts.append(dt, dd);
}

/** @param {any} endpoint */
function showFacts(endpoint) {
  ui.detailTitle.textContent = `Recent events of ${endpoint.provider} / ${endpoint.connectorSlug}`;
  ui.facts.replaceChildren();
  fact("Endpoint id", endpoint.id);
  fact("URL", endpoint.url);
  fact("Created", formatTime(endpoint.createTime));
  fact("Secret rotated", formatTime(endpoint.secretRotateTime));
  fact("Previous secret verifies until", formatTime(endpoint.previousSecretExpireTime));
}

// ---- actions ----

function jobsPath() {
  const wanted = ui.jobState.value;
  return JOB_STATES.has(wanted) ? `/api/v1/jobs?state=${encodeURIComponent(wanted)}` : "/api/v1/jobs";
}

/** @param {string} id */
function endpointPath(id) {
  return `/api/v1/webhook-endpoints/${encodeURIComponent(id)}`;
}

/** @param {string} id */
async function loadSelected(id) {
  const [got] = await Promise.all([api(endpointPath(id)), events.load(`${endpointPath(id)}/events`)]);
  if (state.selected === id && got.endpoint) showFacts(got.endpoint);
}

/** @param {string} id */
async function selectEndpoint(id) {
  state.selected = id;
  for (const row of document.querySelectorAll("#endpoints tbody tr")) {
    if (row instanceof HTMLElement && row.dataset.endpointId === id) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  }
  ui.detail.hidden = false;
  ui.detailTitle.textContent = "Recent events";
  ui.facts.replaceChildren();
  events.clear();
  try {
    await loadSelected(id);
  } catch (error) {
    report(error);
  }
}

/** Reloads everything shown; returns false (and shows why) when a call failed. */
async function refreshAll() {
  try {
    const listed = await endpoints.load("/api/v1/webhook-endpoints");
    if (listed !== null) {
      for (const endpoint of listed) state.endpoints.set(endpoint.id, endpoint);
    }
    await Promise.all([jobs.load(jobsPath()), state.selected === "" ? null : loadSelected(state.selected)]);
    clearMessage(ui);
    return true;
  } catch (error) {
    report(error);
    return false;
  }
}

/**
 * @param {string} id
 * @param {HTMLButtonElement} button
 */
async function retryJob(id, button) {
  button.disabled = true;
  let after;
  try {
    after = await api(`/api/v1/jobs/${encodeURIComponent(id)}/retry`, { method: "POST", body: {} });
  } catch (error) {
    report(error);
    button.disabled = false;
    return;
  }
  if (await refreshAll()) {
    showMessage(ui, `Job ${shortId(id)} was re-queued; it is ${text(after.job?.state)} now.`, "ok");
  }
}

function clearData() {
  state.selected = "";
  state.endpoints.clear();
  endpoints.clear();
  events.clear();
  jobs.clear();
  ui.facts.replaceChildren();
  ui.detail.hidden = true;
}

bindKeyControls(ui, {
  onKey: () => {
    clearData();
    refreshAll();
  },
  onForget: clearData,
});

ui.refresh.addEventListener("click", () => {
  refreshAll();
});

ui.jobState.addEventListener("change", () => {
  jobs.load(jobsPath()).catch(report);
});

showKeyState(ui);
if (readKey() === "")
  showMessage(ui, "Paste an API key with webhooks:admin to see endpoints and jobs.", "info");
else refreshAll();
