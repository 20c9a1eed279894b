// The overview admin page: charts of this replica's last hour of metrics, read from
// GET /admin/overview/data (scope admin) with the operator's key and drawn as plain SVG line charts.
// Plain browser JavaScript, no build step, nothing loaded from elsewhere.
//
// Security rules this file keeps:
// - the key lives in sessionStorage only (gone with the tab), never in localStorage, cookies or the URL;
// - every value from the server reaches the page through textContent or an attribute, never as HTML.

import { chartFigure, chartWidth, clock, formatValue, isNumber, reading } from "./admin-chart.js";
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

const DATA_PATH = "/admin/overview/data";
const REFRESH_MS = 15_000;

/**
 * The charts, in page order: the key in the data, a title, the y axis' label, and what "no data" means
 * when the server exposes no metric for it.
 * @type {{ key: string, id: string, title: string, axis: string, missing?: string }[]}
 */
const CHARTS = [
  { key: "rpcRate", id: "rpc-rate", title: "RPC calls per second", axis: "calls/s" },
  { key: "rpcErrors", id: "rpc-errors", title: "RPC error rate", axis: "% of calls" },
  { key: "executeP50", id: "execute-p50", title: "Execute p50 by connector", axis: "duration" },
  { key: "executeP99", id: "execute-p99", title: "Execute p99 by connector", axis: "duration" },
  {
    key: "webhookDeliveries",
    id: "webhook-deliveries",
    title: "Webhook deliveries by provider and outcome",
    axis: "per minute",
    missing: "this server exposes no webhook delivery metric",
  },
  {
    key: "webhookQueueDepth",
    id: "webhook-queue-depth",
    title: "Webhook job queue depth",
    axis: "jobs",
    missing: "this server exposes no webhook job queue metric",
  },
  {
    key: "webhookOldestJob",
    id: "webhook-oldest-job",
    title: "Oldest queued webhook job",
    axis: "age",
    missing: "this server exposes no webhook job age metric",
  },
  { key: "sandboxBreaches", id: "sandbox-breaches", title: "Sandbox limit breaches", axis: "per minute" },
];

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
  title: $("overview-title"),
  sampleSeconds: $("sample-seconds"),
  updated: $("updated"),
  charts: $("charts"),
};

/**
 * What the page remembers: the newest load (older answers are dropped), the data last drawn (redrawn when
 * the window is resized), and whether refreshing stopped after the key was refused.
 * @type {{ generation: number, data: any, halted: boolean, resizing: number | undefined }}
 */
const state = { generation: 0, data: undefined, halted: false, resizing: undefined };

/** What a failure means on this page (describeFailure says the rest). */
const FAILURE_WORDS = {
  forbidden:
    "Permission denied (403): the overview shows every tenant's traffic, so it needs an admin key of the operator's tenant (default).",
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

/** GETs the overview's data with the stored key. @returns {Promise<any>} */
function load() {
  return callApi(DATA_PATH, {
    noKey: "Paste an API key with the admin scope first.",
    unreachable:
      "Network error: Patchbay could not be reached. The page tries again every 15 seconds; check that it is running.",
  });
}

// ---- summaries ----

/** "60 min", "4 min", "45 s". @param {number} seconds */
function span(seconds) {
  return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
}

/**
 * The sentence under a chart's title: what it shows now, for a glance and for screen readers.
 * @param {(typeof CHARTS)[number]} spec
 * @param {any} chart
 * @param {number[]} times
 */
function summarize(spec, chart, times) {
  if (chart?.available === false) return `No data: ${spec.missing ?? "this server exposes no such metric"}.`;
  const series = Array.isArray(chart?.series) ? chart.series : [];
  const parts = [];
  for (const line of series) {
    const { last, highest } = reading(Array.isArray(line.values) ? line.values : []);
    if (last === undefined || highest === undefined) continue;
    const name = series.length > 1 || spec.key !== "rpcRate" ? `${line.name}: ` : "";
    parts.push(`${name}latest ${formatValue(last, chart.unit)}, highest ${formatValue(highest, chart.unit)}`);
  }
  if (parts.length === 0)
    return times.length === 0 ? "No data yet: the first sample is on its way." : "No data in this window.";
  const at = times.length > 0 ? ` (at ${clock(times[times.length - 1], true)} UTC)` : "";
  const hidden = isNumber(chart.hidden) && chart.hidden > 0 ? ` ${chart.hidden} more not drawn.` : "";
  return `${parts.join("; ")}${at}.${hidden}`;
}

/** One chart's figure. */
function figure(
  /** @type {(typeof CHARTS)[number]} */ spec,
  /** @type {any} */ data,
  /** @type {number} */ width,
) {
  const times = Array.isArray(data.times) ? data.times.filter(isNumber) : [];
  const chart = data.charts?.[spec.key];
  const series = chart?.available === false || !Array.isArray(chart?.series) ? [] : chart.series;
  return chartFigure({
    id: spec.id,
    title: spec.title,
    axis: spec.axis,
    summary: summarize(spec, chart, times),
    chart,
    times,
    width,
    stepMs: isNumber(data.sampleSeconds) ? data.sampleSeconds * 1000 : 15_000,
    legend: series.length > 1 || spec.key.startsWith("execute"),
  });
}

/** @param {any} data */
function render(data) {
  state.data = data;
  if (data.enabled === false) {
    ui.charts.replaceChildren();
    showMessage(
      ui,
      "Metrics are off on this server (PATCHBAY_METRICS=off): there is nothing to chart.",
      "info",
    );
    return;
  }
  if (isNumber(data.sampleSeconds))
    ui.sampleSeconds.textContent = data.sampleSeconds === 1 ? "second" : `${data.sampleSeconds} seconds`;
  if (isNumber(data.windowSeconds))
    ui.title.textContent =
      data.windowSeconds === 3600
        ? "This replica's last hour"
        : `This replica's last ${span(data.windowSeconds)}`;
  const width = chartWidth(ui.charts);
  ui.charts.replaceChildren(...CHARTS.map((spec) => figure(spec, data, width)));
}

function clearData() {
  state.generation++;
  state.data = undefined;
  ui.charts.replaceChildren();
  ui.updated.textContent = "";
}

// ---- loading and the refresh loop ----

async function refresh() {
  if (readKey() === "") return;
  const mine = ++state.generation;
  try {
    const data = await load();
    if (mine !== state.generation) return;
    clearMessage(ui);
    render(data);
    ui.updated.textContent = `Updated ${clock(Date.now(), true)} UTC.`;
  } catch (error) {
    if (mine === state.generation) report(error);
  }
}

const auto = createAutoRefresh(refresh, REFRESH_MS, () => state.halted);

bindKeyControls(ui, {
  onKey: () => {
    clearData();
    state.halted = false;
    auto.now();
  },
  onForget: () => {
    auto.stop();
    clearData();
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

window.addEventListener("resize", () => {
  if (state.resizing !== undefined) cancelAnimationFrame(state.resizing);
  state.resizing = requestAnimationFrame(() => {
    state.resizing = undefined;
    if (state.data !== undefined) render(state.data);
  });
});

showKeyState(ui);
if (readKey() === "")
  showMessage(ui, "Paste an API key with the admin scope to see this replica's charts.", "info");
else auto.now();
