// The agents admin page: the tenant's connected on-premise agents by pool, read from Patchbay's REST API
// (GET /api/v1/agents, AgentService.ListAgents, scope admin) with the operator's key. Plain browser
// JavaScript, no build step.
//
// Security rules this file keeps:
// - the key lives in sessionStorage only (gone with the tab), never in localStorage, cookies or the URL;
// - every value from the API reaches the page through textContent or an attribute, never as HTML.

import {
  bindKeyControls,
  callApi,
  clearMessage,
  createAutoRefresh,
  describeFailure,
  isAuthError,
  readKey,
  showKeyState,
  showMessage,
} from "./admin-common.js";

const REFRESH_MS = 5000;
// A pool name as ListAgents takes it; anything else never reaches the query.
const POOL_SHAPE = /^[a-z0-9][a-z0-9-]{0,62}$/;

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
  poolFilter: /** @type {HTMLSelectElement} */ ($("pool-filter")),
  updated: $("updated"),
  pools: $("pools"),
  empty: $("agents-empty"),
  emptyText: $("agents-empty-text"),
  command: $("agent-command"),
};

/**
 * What the page remembers: the pools seen (for the filter), the newest load (older answers are dropped),
 * and whether refreshing stopped after the key was refused.
 * @type {{ pools: Set<string>, generation: number, halted: boolean }}
 */
const state = { pools: new Set(), generation: 0, halted: false };

/** What a failure means on this page (describeFailure says the rest). */
const FAILURE_WORDS = {
  forbidden:
    "Permission denied (403): this key is not an admin key. Listing agents needs a key with the admin scope.",
  rateLimited: "Rate limited (429): this key made too many calls; the page tries again in a moment.",
};

/** An operator-facing sentence for a failed call. @param {unknown} error */
function describe(error) {
  return describeFailure(error, FAILURE_WORDS);
}

/** Shows a failure; after an auth failure no data stays on screen and refreshing stops. @param {unknown} error */
function report(error) {
  showMessage(ui, describe(error), "error");
  if (isAuthError(error)) {
    state.halted = true;
    clearData();
  }
}

// ---- the API ----

/**
 * GETs a REST path with the stored key and returns the JSON answer.
 * @param {string} path
 * @returns {Promise<any>}
 */
function api(path) {
  return callApi(path, {
    noKey: "Paste an API key with the admin scope first.",
    unreachable:
      "Network error: Patchbay could not be reached. The page tries again every 5 seconds; check that it is running.",
  });
}

// ---- reading an agent (proto JSON leaves out fields at their default value) ----

/**
 * @typedef {{ streamId: string, pool: string, agentId: string, name: string, version: string,
 *   connectors: string[], capacity: number, inFlight: number, draining: boolean, replicaId: string,
 *   connectedAt: string, lastHeartbeatAt: string }} Agent
 */

/** @param {unknown} value */
function str(value) {
  return typeof value === "string" ? value : "";
}

/** @param {unknown} value */
function num(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** @param {any} raw @returns {Agent} */
function readAgent(raw) {
  return {
    streamId: str(raw?.streamId),
    pool: str(raw?.pool),
    agentId: str(raw?.agentId),
    name: str(raw?.name),
    version: str(raw?.version),
    connectors: Array.isArray(raw?.connectors) ? raw.connectors.filter((c) => typeof c === "string") : [],
    capacity: num(raw?.capacity),
    inFlight: num(raw?.inFlight),
    draining: raw?.draining === true,
    replicaId: str(raw?.replicaId),
    connectedAt: str(raw?.connectedAt),
    lastHeartbeatAt: str(raw?.lastHeartbeatAt),
  };
}

// ---- rendering (textContent only) ----

/** @param {string} value */
function text(value) {
  return value === "" ? "—" : value;
}

/** @param {string} timestamp RFC 3339, as proto JSON writes google.protobuf.Timestamp */
function formatTime(timestamp) {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/** "4 s ago", "12 min ago", "3 h ago", "2 d ago"; "just now" under a second (or a clock ahead of ours). */
function ago(/** @type {string} */ timestamp, now = Date.now()) {
  const then = Date.parse(timestamp);
  if (Number.isNaN(then)) return "—";
  const seconds = Math.floor((now - then) / 1000);
  if (seconds < 1) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/**
 * A cell; `label` names the column where the narrow layout hides the table head.
 * @param {string} column
 * @param {string} label
 * @param {(string | Node)[]} content
 */
function cell(column, label, ...content) {
  const td = document.createElement("td");
  td.dataset.col = column;
  td.dataset.label = label;
  // One wrapper, so the narrow layout sets the label and the value side by side.
  const value = document.createElement("div");
  value.append(...content);
  td.append(value);
  return td;
}

/**
 * @param {string} className
 * @param {string} value
 */
function span(className, value) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = value;
  return element;
}

/**
 * A <time> that shows how long ago it was, kept current by {@link updateRelativeTimes}.
 * @param {string} timestamp
 */
function relativeTime(timestamp) {
  const time = document.createElement("time");
  time.dateTime = timestamp;
  time.dataset.relative = "";
  time.textContent = ago(timestamp);
  time.title = formatTime(timestamp);
  return time;
}

/** @param {Agent} agent */
function agentRow(agent) {
  const row = document.createElement("tr");
  row.dataset.streamId = agent.streamId;
  row.dataset.agentId = agent.agentId;

  const who = [span("agent-id", text(agent.agentId))];
  if (agent.name !== "" && agent.name !== agent.agentId) who.push(span("sub", agent.name));

  // The replica's id, shortened (the whole id in its title), as its startup log line gives it.
  /** @type {(string | Node)[]} */
  const replica = ["—"];
  if (agent.replicaId !== "") {
    const id = span("mono", agent.replicaId.slice(0, 8));
    id.title = agent.replicaId;
    replica.splice(0, 1, id);
  }

  const load = cell("load", "In flight / capacity", `${agent.inFlight} / ${agent.capacity}`);
  load.classList.add("num");

  /** @type {(string | Node)[]} */
  const connected = ["—"];
  if (agent.connectedAt !== "") {
    // The absolute time, and how long ago under it.
    const since = span("sub", "");
    since.append(relativeTime(agent.connectedAt));
    connected.splice(0, 1, span("", formatTime(agent.connectedAt)), since);
  }

  row.append(
    cell("agent", "Agent", ...who),
    cell("version", "Version", text(agent.version)),
    cell("replica", "Replica", ...replica),
    load,
    cell(
      "draining",
      "Draining",
      agent.draining ? span("badge badge-draining", "draining") : span("badge badge-serving", "no"),
    ),
    cell("connected", "Connected since", ...connected),
    cell(
      "heartbeat",
      "Last heartbeat",
      agent.lastHeartbeatAt === "" ? "—" : relativeTime(agent.lastHeartbeatAt),
    ),
    cell("connectors", "Connectors", agent.connectors.length === 0 ? "all" : agent.connectors.join(", ")),
  );
  return row;
}

const COLUMNS = [
  ["Agent", ""],
  ["Version", ""],
  ["Replica", ""],
  ["In flight / capacity", "num"],
  ["Draining", ""],
  ["Connected since", ""],
  ["Last heartbeat", ""],
  ["Connectors", ""],
];

/**
 * One pool's section: a heading and a table of its agents.
 * @param {string} pool
 * @param {Agent[]} agents
 * @param {number} index
 */
function poolSection(pool, agents, index) {
  const section = document.createElement("section");
  section.className = "pool";
  section.dataset.pool = pool;
  const titleId = `pool-${index}-title`;
  section.setAttribute("aria-labelledby", titleId);

  const title = document.createElement("h3");
  title.id = titleId;
  title.append(
    "Pool ",
    span("mono", text(pool)),
    span("count", ` · ${agents.length} agent${agents.length === 1 ? "" : "s"}`),
  );

  const table = document.createElement("table");
  table.className = "data agents";
  table.setAttribute("aria-labelledby", titleId);
  const head = table.createTHead().insertRow();
  for (const [label, className] of COLUMNS) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = label;
    if (className !== "") th.className = className;
    head.append(th);
  }
  const body = table.createTBody();
  for (const agent of agents) body.append(agentRow(agent));

  section.append(title, table);
  return section;
}

/** @param {Agent[]} agents */
function render(agents) {
  /** @type {Map<string, Agent[]>} */
  const byPool = new Map();
  for (const agent of agents) {
    const list = byPool.get(agent.pool);
    if (list === undefined) byPool.set(agent.pool, [agent]);
    else list.push(agent);
  }
  const pools = [...byPool.keys()].sort();
  ui.pools.replaceChildren(...pools.map((pool, index) => poolSection(pool, byPool.get(pool) ?? [], index)));

  const filter = ui.poolFilter.value;
  ui.empty.hidden = agents.length > 0;
  ui.emptyText.textContent =
    filter === "" ? "No agent is connected." : `No agent of pool ${filter} is connected.`;
  ui.command.textContent =
    `PATCHBAY_AGENT_KEY=pb_… npx patchbay agent --url ${location.origin} ` +
    `--pool ${filter === "" ? "<pool>" : filter} --allow <host:port>`;
}

/** Keeps the filter's options to the pools seen, without disturbing the chosen one. */
function updatePoolOptions() {
  const chosen = ui.poolFilter.value;
  const wanted = [...new Set([...state.pools, ...(chosen === "" ? [] : [chosen])])].sort();
  const have = [...ui.poolFilter.options].slice(1).map((option) => option.value);
  if (wanted.join("\n") === have.join("\n")) return;
  const all = document.createElement("option");
  all.value = "";
  all.textContent = "all pools";
  ui.poolFilter.replaceChildren(
    all,
    ...wanted.map((pool) => {
      const option = document.createElement("option");
      option.value = pool;
      option.textContent = pool;
      return option;
    }),
  );
  ui.poolFilter.value = chosen;
}

function updateRelativeTimes() {
  const now = Date.now();
  for (const time of document.querySelectorAll("time[data-relative]")) {
    if (time instanceof HTMLTimeElement) time.textContent = ago(time.dateTime, now);
  }
}

function clearData() {
  state.generation++;
  ui.pools.replaceChildren();
  ui.empty.hidden = true;
  ui.updated.textContent = "";
}

// ---- loading and the refresh loop ----

function agentsPath() {
  const pool = ui.poolFilter.value;
  return POOL_SHAPE.test(pool) ? `/api/v1/agents?${new URLSearchParams({ pool })}` : "/api/v1/agents";
}

/** Loads the agents and shows them; a failure is shown instead. */
async function refresh() {
  if (readKey() === "") return;
  const mine = ++state.generation;
  const filtered = ui.poolFilter.value !== "";
  try {
    const data = await api(agentsPath());
    if (mine !== state.generation) return;
    const agents = (Array.isArray(data.agents) ? data.agents : []).map(readAgent);
    if (!filtered) state.pools = new Set(agents.map((agent) => agent.pool));
    for (const agent of agents) state.pools.add(agent.pool);
    updatePoolOptions();
    render(agents);
    ui.updated.textContent = `Updated ${formatTime(new Date().toISOString())}.`;
    clearMessage(ui);
  } catch (error) {
    if (mine === state.generation) report(error);
  }
}

const auto = createAutoRefresh(refresh, REFRESH_MS, () => state.halted);

bindKeyControls(ui, {
  onKey: () => {
    clearData();
    state.halted = false;
    state.pools.clear();
    auto.now();
  },
  onForget: () => {
    auto.stop();
    clearData();
    state.pools.clear();
    updatePoolOptions();
  },
});

ui.refresh.addEventListener("click", () => {
  if (readKey() === "") {
    showMessage(ui, "Paste an API key with the admin scope first.", "error");
    return;
  }
  state.halted = false;
  auto.now();
});

ui.poolFilter.addEventListener("change", () => {
  if (state.halted) return;
  auto.now();
});

setInterval(() => {
  if (document.visibilityState === "visible") updateRelativeTimes();
}, 1000);

showKeyState(ui);
if (readKey() === "")
  showMessage(ui, "Paste an API key with the admin scope to see the connected agents.", "info");
else auto.now();
