// The overview admin page: charts of this replica's last hour of metrics, read from
// GET /admin/overview/data (scope admin) with the operator's key and drawn as plain SVG line charts.
// Plain browser JavaScript, no build step, nothing loaded from elsewhere.
//
// Security rules this file keeps:
// - the key lives in sessionStorage only (gone with the tab), never in localStorage, cookies or the URL;
// - every value from the server reaches the page through textContent or an attribute, never as HTML.

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
const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 180;
const MARGIN = { top: 12, right: 14, bottom: 40, left: 70 };

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
    "Permission denied (403): this key is not an admin key. The overview needs a key with the admin scope.",
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

// ---- numbers and times ----

/** @param {number} value */
function short(value) {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 100) return String(Math.round(value));
  if (abs >= 10) return String(Math.round(value * 10) / 10);
  return String(Number(value.toPrecision(2)));
}

/**
 * A value in the chart's unit, for a person: durations in ms, s or min.
 * @param {number} value
 * @param {string} unit
 */
function formatValue(value, unit) {
  if (unit === "s") {
    if (value === 0) return "0 s";
    if (value < 1) return `${short(value * 1000)} ms`;
    if (value < 120) return `${short(value)} s`;
    return `${short(value / 60)} min`;
  }
  if (unit === "%") return `${short(value)} %`;
  return `${short(value)} ${unit}`;
}

/** "12:04" or "12:04:15" (UTC), the seconds when the span is short. @param {number} ms @param {boolean} seconds */
function clock(ms, seconds) {
  const iso = new Date(ms).toISOString();
  return seconds ? iso.slice(11, 19) : iso.slice(11, 16);
}

/** "60 min", "4 min", "45 s". @param {number} seconds */
function span(seconds) {
  return seconds >= 120 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds)} s`;
}

/** A round upper bound for the y axis. @param {number} max */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

// ---- drawing (createElementNS and textContent only) ----

/**
 * @param {string} name
 * @param {Record<string, string | number>} attributes
 * @param {string} [text]
 */
function svg(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** @param {unknown} value @returns {value is number} */
function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * One series' latest value (the newest sample's, or the last one it had) and its highest.
 * @param {(number | null)[]} values
 */
function reading(values) {
  let last;
  let highest;
  for (const value of values) {
    if (!isNumber(value)) continue;
    last = value;
    if (highest === undefined || value > highest) highest = value;
  }
  return { last, highest };
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

/**
 * Draws one chart's lines into an SVG as wide as its figure.
 * @param {any} chart
 * @param {number[]} times
 * @param {{ axis: string }} spec
 * @param {number} width
 * @param {number} stepMs
 */
function drawChart(chart, times, spec, width, stepMs) {
  const root = svg("svg", {
    width,
    height: HEIGHT,
    viewBox: `0 0 ${width} ${HEIGHT}`,
    "aria-hidden": "true",
  });
  const plotW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const series = chart?.available === false || !Array.isArray(chart?.series) ? [] : chart.series;
  const values = series.flatMap((line) => (Array.isArray(line.values) ? line.values.filter(isNumber) : []));
  const top = niceMax(Math.max(0, ...values));
  const end = times.length > 0 ? times[times.length - 1] : Date.now();
  const start = times.length > 1 ? times[0] : end - stepMs;
  const x = (/** @type {number} */ t) => MARGIN.left + ((t - start) / Math.max(1, end - start)) * plotW;
  const y = (/** @type {number} */ v) => MARGIN.top + plotH - (v / top) * plotH;

  // The y axis: a gridline and a label at 0, half and the top (none without data); its title turned along it.
  for (const v of values.length === 0 ? [] : [0, top / 2, top]) {
    root.append(
      svg("line", { class: "grid", x1: MARGIN.left, x2: MARGIN.left + plotW, y1: y(v), y2: y(v) }),
      svg(
        "text",
        { class: "tick", x: MARGIN.left - 6, y: y(v) + 4, "text-anchor": "end" },
        v === 0 ? "0" : formatValue(v, chart?.unit ?? "").replace(/ (calls\/s|per min|jobs)$/, ""),
      ),
    );
  }
  root.append(
    svg(
      "text",
      {
        class: "axis-label",
        x: 0,
        y: 0,
        "text-anchor": "middle",
        transform: `translate(12 ${MARGIN.top + plotH / 2}) rotate(-90)`,
      },
      spec.axis,
    ),
  );
  // The x axis: the window's first, middle and last times, and its title.
  const seconds = end - start < 10 * 60_000;
  const ticks = [start, (start + end) / 2, end];
  ticks.forEach((t, i) => {
    root.append(
      svg(
        "text",
        {
          class: "tick",
          x: x(t),
          y: MARGIN.top + plotH + 16,
          "text-anchor": i === 0 ? "start" : i === 2 ? "end" : "middle",
        },
        clock(t, seconds),
      ),
    );
  });
  root.append(
    svg("line", { class: "axis", x1: MARGIN.left, x2: MARGIN.left + plotW, y1: y(0), y2: y(0) }),
    svg(
      "text",
      { class: "axis-label", x: MARGIN.left + plotW / 2, y: HEIGHT - 4, "text-anchor": "middle" },
      "time (UTC)",
    ),
  );

  if (values.length === 0) {
    root.append(
      svg(
        "text",
        { class: "no-data", x: MARGIN.left + plotW / 2, y: MARGIN.top + plotH / 2, "text-anchor": "middle" },
        "no data",
      ),
    );
    return root;
  }
  series.forEach((line, index) => {
    const points = Array.isArray(line.values) ? line.values : [];
    const colour = `series-${index % 6}`;
    /** @param {[number, number]} at */
    const dot = (at) => root.append(svg("circle", { class: `dot ${colour}`, cx: at[0], cy: at[1], r: 2.5 }));
    let d = "";
    /** The points of the segment being drawn (a missing value ends it). @type {[number, number][]} */
    let segment = [];
    /** @type {[number, number] | undefined} */
    let last;
    /** @param {boolean} final */
    const endSegment = (final) => {
      // A point alone between gaps is a dot, not an invisible line (the last point gets its dot below).
      const [alone] = segment;
      if (segment.length === 1 && alone !== undefined && !final) dot(alone);
      segment = [];
    };
    points.forEach((value, i) => {
      if (!isNumber(value) || !isNumber(times[i])) {
        endSegment(false);
        return;
      }
      last = [x(times[i]), y(value)];
      d += `${segment.length > 0 ? "L" : "M"}${last[0].toFixed(1)} ${last[1].toFixed(1)}`;
      segment.push(last);
    });
    endSegment(true);
    if (d !== "") root.append(svg("path", { class: `line ${colour}`, d }));
    if (last !== undefined) dot(last);
  });
  return root;
}

/** One chart's figure: title, summary, the drawing and its legend. */
function figure(
  /** @type {(typeof CHARTS)[number]} */ spec,
  /** @type {any} */ data,
  /** @type {number} */ width,
) {
  const times = Array.isArray(data.times) ? data.times.filter(isNumber) : [];
  const chart = data.charts?.[spec.key];
  const element = document.createElement("figure");
  element.className = "chart";
  element.dataset.chart = spec.id;
  const titleId = `chart-${spec.id}-title`;
  const summaryId = `chart-${spec.id}-summary`;
  element.setAttribute("aria-labelledby", titleId);
  element.setAttribute("aria-describedby", summaryId);

  const caption = document.createElement("figcaption");
  const title = document.createElement("h3");
  title.id = titleId;
  title.textContent = spec.title;
  const summary = document.createElement("p");
  summary.id = summaryId;
  summary.className = "chart-summary";
  summary.textContent = summarize(spec, chart, times);
  caption.append(title, summary);

  const stepMs = isNumber(data.sampleSeconds) ? data.sampleSeconds * 1000 : 15_000;
  element.append(caption, drawChart(chart, times, spec, width, stepMs));

  const series = chart?.available === false || !Array.isArray(chart?.series) ? [] : chart.series;
  if (series.length > 1 || (series.length === 1 && spec.key.startsWith("execute"))) {
    const legend = document.createElement("ul");
    legend.className = "legend";
    legend.setAttribute("aria-label", `${spec.title}: lines`);
    series.forEach((line, index) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = `swatch series-${index % 6}`;
      swatch.setAttribute("aria-hidden", "true");
      item.append(swatch, typeof line.name === "string" ? line.name : "");
      legend.append(item);
    });
    element.append(legend);
  }
  return element;
}

function chartWidth() {
  const available = ui.charts.clientWidth;
  // Two columns from 56rem (the stylesheet's breakpoint), one below.
  const columns = window.matchMedia("(min-width: 56rem)").matches ? 2 : 1;
  const gap = 16;
  return Math.max(240, Math.floor((available - gap * (columns - 1)) / columns) - 2);
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
  const width = chartWidth();
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
