// The line charts of the admin pages (the overview's metrics, the executions page's log): plain SVG drawn
// with createElementNS and textContent only, so no value from the server ever becomes markup.

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 180;
const MARGIN = { top: 12, right: 14, bottom: 40, left: 70 };

// ---- numbers and times ----

/** @param {number} value */
export function short(value) {
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
export function formatValue(value, unit) {
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
export function clock(ms, seconds) {
  const iso = new Date(ms).toISOString();
  return seconds ? iso.slice(11, 19) : iso.slice(11, 16);
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
export function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * One series' latest value (the newest sample's, or the last one it had) and its highest.
 * @param {(number | null)[]} values
 */
export function reading(values) {
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
 * Draws one chart's lines into an SVG as wide as its figure.
 * @param {any} chart
 * @param {number[]} times
 * @param {{ axis: string }} spec
 * @param {number} width
 * @param {number} stepMs
 */
export function drawChart(chart, times, spec, width, stepMs) {
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

/**
 * One chart's figure: its title, the sentence saying what it shows (for a glance and for screen readers),
 * the drawing, and a legend of its lines when `legend` is set.
 * @param {{ id: string, title: string, axis: string, summary: string, chart: any, times: number[],
 *   width: number, stepMs: number, legend: boolean }} spec
 */
export function chartFigure(spec) {
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
  summary.textContent = spec.summary;
  caption.append(title, summary);
  element.append(caption, drawChart(spec.chart, spec.times, spec, spec.width, spec.stepMs));

  const series =
    spec.chart?.available === false || !Array.isArray(spec.chart?.series) ? [] : spec.chart.series;
  if (spec.legend && series.length > 0) {
    const legend = document.createElement("ul");
    legend.className = "legend";
    legend.setAttribute("aria-label", `${spec.title}: lines`);
    series.forEach((/** @type {any} */ line, /** @type {number} */ index) => {
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

/**
 * How wide each chart of a `.charts` grid is: two columns from 56rem (the stylesheet's breakpoint), one below.
 * @param {HTMLElement} container
 */
export function chartWidth(container) {
  const columns = window.matchMedia("(min-width: 56rem)").matches ? 2 : 1;
  const gap = 16;
  return Math.max(240, Math.floor((container.clientWidth - gap * (columns - 1)) / columns) - 2);
}
