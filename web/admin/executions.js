// The executions page of the admin console: the execution log through ExecuteService's REST routes
// (GET /api/v1/executions and /api/v1/executions/{id}, scope execute), filtered by connector, command,
// status, error code and time, and charts of its rate, errors and p50/p99 duration over time computed here
// from the records the same filters list. Plain browser JavaScript, no build step.
//
// Security rules this file keeps:
// - the key lives in sessionStorage only (gone with the tab), never in localStorage, cookies or the URL;
// - every value from the API reaches the page through textContent or an attribute, never as HTML.

import { chartFigure, chartWidth, formatValue, reading } from "./admin-chart.js";
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
import { $, badge, el, formatTime, num, orDash, query, str } from "./console-ui.js";
import { bucketize } from "./execution-stats.js";

const PAGE_SIZE = 50;
/** The chart reads at most this many pages of 200 records. */
const CHART_PAGES = 5;
const CHART_PAGE_SIZE = 200;
const HOUR_MS = 3_600_000;

const ui = {
  keyForm: /** @type {HTMLFormElement} */ ($("key-form")),
  keyInput: /** @type {HTMLInputElement} */ ($("api-key")),
  forgetKey: /** @type {HTMLButtonElement} */ ($("forget-key")),
  keyState: $("key-state"),
  message: $("message"),
  filterForm: /** @type {HTMLFormElement} */ ($("filter-form")),
  connector: /** @type {HTMLInputElement} */ ($("filter-connector")),
  command: /** @type {HTMLInputElement} */ ($("filter-command")),
  status: /** @type {HTMLSelectElement} */ ($("filter-status")),
  errorCode: /** @type {HTMLInputElement} */ ($("filter-error-code")),
  from: /** @type {HTMLInputElement} */ ($("filter-from")),
  to: /** @type {HTMLInputElement} */ ($("filter-to")),
  clear: /** @type {HTMLButtonElement} */ ($("filter-clear")),
  slugs: $("connector-slugs"),
  refresh: /** @type {HTMLButtonElement} */ ($("refresh")),
  chartNote: $("chart-note"),
  charts: $("charts"),
  rows: /** @type {HTMLTableSectionElement} */ ($("executions").querySelector("tbody")),
  empty: $("executions-empty"),
  more: /** @type {HTMLButtonElement} */ ($("executions-more")),
  detail: $("detail"),
  detailTitle: $("detail-title"),
  detailFacts: $("detail-facts"),
  detailDiagnostics: $("detail-diagnostics"),
  detailRecorded: $("detail-recorded"),
};

/**
 * What the page remembers: the newest loads (older answers are dropped), the next page's token, and the
 * chart data last drawn (redrawn when the window is resized).
 * @type {{ generation: number, chartGeneration: number, nextPageToken: string, chart: any,
 *   resizing: number | undefined }}
 */
const state = { generation: 0, chartGeneration: 0, nextPageToken: "", chart: undefined, resizing: undefined };

const FAILURE_WORDS = {
  forbidden: "Permission denied (403): the execution log needs a key with the execute scope.",
};

/** @param {unknown} error */
function describe(error) {
  return describeFailure(error, FAILURE_WORDS);
}

/** @param {unknown} error */
function report(error) {
  showMessage(ui, describe(error), "error");
  if (isAuthError(error)) clearData();
}

/** GETs a REST path with the stored key. @param {string} path */
function api(path) {
  return callApi(path, {
    noKey: "Paste an API key with the execute scope first.",
    unreachable: "Network error: Patchbay could not be reached; check that it is running.",
  });
}

// ---- filters ----

/** A datetime-local value (this browser's time zone) as RFC 3339, "" when empty. @param {string} value */
function instant(value) {
  if (value === "") return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** The ListExecutions filters the form holds, as REST query parameters. */
function filters() {
  return {
    connectorSlug: ui.connector.value.trim(),
    command: ui.command.value.trim(),
    status: ui.status.value,
    errorCode: ui.errorCode.value.trim(),
    startTime: instant(ui.from.value),
    endTime: instant(ui.to.value),
  };
}

// ---- the log ----

/** @param {number} ms */
function duration(ms) {
  return formatValue(ms / 1000, "s");
}

/** @param {any} execution */
function row(execution) {
  const id = str(execution.id);
  const when = formatTime(str(execution.createTime));
  const details = el(
    "button",
    { type: "button", "aria-label": `Details of ${str(execution.command)} at ${when}` },
    "Details",
  );
  details.addEventListener("click", () => showDetail(id));
  return el(
    "tr",
    { "data-execution-id": id },
    el("td", { "data-label": "Time" }, when),
    el("td", { "data-label": "Connector", class: "mono" }, str(execution.connectorSlug)),
    el("td", { "data-label": "Command", class: "mono" }, str(execution.command)),
    el("td", { "data-label": "Status" }, badge(str(execution.status))),
    el("td", { "data-label": "Error code", class: "mono" }, orDash(str(execution.errorCode))),
    el("td", { "data-label": "Duration", class: "num" }, duration(num(execution.durationMs))),
    el("td", { "data-label": "Protocol" }, orDash(str(execution.protocol))),
    el("td", { "data-label": "Details", class: "actions-cell" }, details),
  );
}

function clearData() {
  state.generation++;
  state.chartGeneration++;
  state.nextPageToken = "";
  state.chart = undefined;
  ui.rows.replaceChildren();
  ui.charts.replaceChildren();
  ui.chartNote.textContent = "";
  ui.empty.hidden = true;
  ui.more.hidden = true;
  ui.detail.hidden = true;
}

/** Loads the first page of the log (or, with `more`, the next one). @param {boolean} more */
async function loadLog(more) {
  if (readKey() === "") return;
  const mine = more ? state.generation : ++state.generation;
  try {
    const page = await api(
      `/api/v1/executions${query({ ...filters(), pageSize: PAGE_SIZE, pageToken: more ? state.nextPageToken : "" })}`,
    );
    if (mine !== state.generation) return;
    const executions = Array.isArray(page.executions) ? page.executions : [];
    if (more) ui.rows.append(...executions.map(row));
    else ui.rows.replaceChildren(...executions.map(row));
    state.nextPageToken = str(page.nextPageToken);
    ui.more.hidden = state.nextPageToken === "";
    ui.empty.hidden = ui.rows.childElementCount > 0;
  } catch (error) {
    if (mine === state.generation) report(error);
  }
}

// ---- one record's details ----

/** @param {HTMLElement} list @param {string} term @param {string} value */
function fact(list, term, value) {
  list.append(el("dt", {}, term), el("dd", {}, orDash(value)));
}

/** @param {unknown} value */
function json(value) {
  return JSON.stringify(value ?? {}, null, 2);
}

/** @param {string} id */
async function showDetail(id) {
  try {
    const { execution } = await api(`/api/v1/executions/${encodeURIComponent(id)}`);
    const e = execution ?? {};
    ui.detailTitle.textContent = `Execution of ${str(e.connectorSlug)} ${str(e.command)}`;
    const facts = ui.detailFacts;
    facts.replaceChildren();
    fact(facts, "Id", str(e.id));
    fact(facts, "Time", formatTime(str(e.createTime)));
    fact(facts, "Status", str(e.status));
    fact(facts, "Code", str(e.code));
    fact(facts, "Error code", str(e.errorCode));
    fact(facts, "Message", str(e.message));
    fact(facts, "Duration", duration(num(e.durationMs)));
    fact(facts, "Connector version", str(e.connectorVersion));
    fact(facts, "Connection", str(e.connectionId));
    fact(facts, "Protocol", str(e.protocol));
    fact(facts, "Step / run", [str(e.stepId), str(e.runId)].filter((v) => v !== "").join(" / "));
    if (str(e.deprecation) !== "") fact(facts, "Deprecation", str(e.deprecation));
    // A run answered from a built-in command's mock scenario made no upstream request.
    if (str(e.mockScenario) !== "") fact(facts, "Mock scenario", str(e.mockScenario));
    const diagnostics = e.diagnostics ?? {};
    ui.detailDiagnostics.textContent =
      Object.keys(diagnostics).length === 0 ? "none recorded" : json(diagnostics);
    // Params and payload only when the connector opted in to recording them.
    const recorded = [];
    for (const [name, value] of [
      ["Params", e.params],
      ["Payload", e.payload],
    ]) {
      if (value !== undefined) recorded.push(el("h3", {}, name), el("pre", { class: "json" }, json(value)));
    }
    ui.detailRecorded.replaceChildren(...recorded);
    for (const tr of ui.rows.querySelectorAll("tr")) {
      const current = tr.dataset.executionId === id;
      tr.classList.toggle("current", current);
      if (current) tr.setAttribute("aria-current", "true");
      else tr.removeAttribute("aria-current");
    }
    ui.detail.hidden = false;
    ui.detail.focus();
  } catch (error) {
    report(error);
  }
}

// ---- the chart: rate, errors and p50/p99 per time bucket, from the listed records ----

/** The chart's window: From and To when set, else the hour before To (or now). */
function chartWindow() {
  const { startTime, endTime } = filters();
  const end = endTime === "" ? Date.now() : new Date(endTime).getTime();
  const start = startTime === "" ? end - HOUR_MS : new Date(startTime).getTime();
  return { start, end: Math.max(end, start + 60_000) };
}

/** Reads the records the filters match in the chart's window, newest first, up to the chart's cap. */
async function loadChart() {
  if (readKey() === "") return;
  const mine = ++state.chartGeneration;
  const { start, end } = chartWindow();
  const params = {
    ...filters(),
    startTime: new Date(start).toISOString(),
    endTime: new Date(end).toISOString(),
    pageSize: CHART_PAGE_SIZE,
  };
  try {
    /** @type {any[]} */
    const records = [];
    let pageToken = "";
    let capped = false;
    for (let i = 0; i < CHART_PAGES; i++) {
      const page = await api(`/api/v1/executions${query({ ...params, pageToken })}`);
      if (mine !== state.chartGeneration) return;
      records.push(...(Array.isArray(page.executions) ? page.executions : []));
      pageToken = str(page.nextPageToken);
      if (pageToken === "") break;
      capped = i === CHART_PAGES - 1;
    }
    // Capped: chart only the span the records read cover, so the rate is not understated.
    const oldest = capped ? new Date(str(records[records.length - 1]?.createTime)).getTime() : start;
    const data = bucketize(records, Number.isFinite(oldest) ? oldest : start, end);
    state.chart = data;
    ui.chartNote.textContent =
      `${data.runs} ${data.runs === 1 ? "run" : "runs"}, ${data.failed} failed, ` +
      `${data.mocked > 0 ? `${data.mocked} answered by a mock scenario (only in the rate), ` : ""}` +
      `${formatTime(new Date(data.times[0] - data.stepMs).toISOString())} to ${formatTime(new Date(end).toISOString())}` +
      `${capped ? ` (the newest ${records.length} records the filters match)` : ""}; each point is ${formatValue(data.stepMs / 1000, "s")}.`;
    drawCharts();
  } catch (error) {
    if (mine === state.chartGeneration) report(error);
  }
}

/** @param {any} chart @param {string} what */
function summarize(chart, what) {
  const parts = [];
  for (const line of chart.series) {
    const { last, highest } = reading(line.values);
    if (highest === undefined || last === undefined) continue;
    parts.push(
      `${line.name}: highest ${formatValue(highest, chart.unit)}, latest ${formatValue(last, chart.unit)}`,
    );
  }
  return parts.length === 0 ? `No ${what} in this window.` : `${parts.join("; ")}.`;
}

function drawCharts() {
  const data = state.chart;
  if (data === undefined) return;
  const width = chartWidth(ui.charts);
  const common = { times: data.times, width, stepMs: data.stepMs };
  ui.charts.replaceChildren(
    chartFigure({
      ...common,
      id: "rate",
      title: "Runs per minute",
      axis: "runs/min",
      chart: data.charts.rate,
      summary:
        data.runs + data.mocked === 0 ? "No runs in this window." : summarize(data.charts.rate, "runs"),
      legend: data.charts.rate.series.length > 1,
    }),
    chartFigure({
      ...common,
      id: "errors",
      title: "Failed runs",
      axis: "% of runs",
      chart: data.charts.errors,
      summary: data.runs === 0 ? "No runs in this window." : summarize(data.charts.errors, "runs"),
      legend: false,
    }),
    chartFigure({
      ...common,
      id: "latency",
      title: "Duration p50 and p99",
      axis: "duration",
      chart: data.charts.latency,
      summary: summarize(data.charts.latency, "finished runs"),
      legend: true,
    }),
  );
}

// ---- the page's controls ----

/** Offers the catalog's slugs in the connector filter (a key without catalog:read just types them). */
async function loadSlugs() {
  try {
    const page = await api("/api/v1/connectors?pageSize=200");
    const connectors = Array.isArray(page.connectors) ? page.connectors : [];
    ui.slugs.replaceChildren(
      ...connectors.map((/** @type {any} */ c) => el("option", { value: str(c.slug) })),
    );
  } catch {
    // Suggestions only.
  }
}

function loadAll() {
  clearMessage(ui);
  ui.detail.hidden = true;
  loadLog(false);
  loadChart();
}

bindKeyControls(ui, {
  onKey: () => {
    loadAll();
    loadSlugs();
  },
  onForget: clearData,
});

ui.filterForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (readKey() === "") showMessage(ui, "Paste an API key with the execute scope first.", "error");
  else loadAll();
});
ui.clear.addEventListener("click", () => {
  ui.filterForm.reset();
  if (readKey() !== "") loadAll();
});
ui.refresh.addEventListener("click", () => {
  if (readKey() === "") showMessage(ui, "Paste an API key with the execute scope first.", "error");
  else loadAll();
});
ui.more.addEventListener("click", () => loadLog(true));

window.addEventListener("resize", () => {
  if (state.resizing !== undefined) cancelAnimationFrame(state.resizing);
  state.resizing = requestAnimationFrame(() => {
    state.resizing = undefined;
    drawCharts();
  });
});

showKeyState(ui);
if (readKey() === "")
  showMessage(ui, "Paste an API key with the execute scope to read the execution log.", "info");
else {
  loadAll();
  loadSlugs();
}
