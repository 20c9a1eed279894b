// The executions page's chart data, from execution records (proto JSON of Execution): per time bucket the
// runs per minute, the share that failed and the p50 and p99 durations. Runs a mock scenario answered
// (`mockScenario` set) sent nothing upstream: they are a line of their own in the rate and left out of the
// rest, as the metrics count them. Pure functions, no page access.

import { num, str } from "./console-ui.js";

/** How many buckets a window is cut into. */
const BUCKETS = 30;

/** The value at quantile `q` of sorted values (nearest rank). @param {number[]} sorted @param {number} q */
export function quantile(sorted, q) {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/**
 * Buckets records into `BUCKETS` spans of [start, end): per bucket the runs per minute, the failed share
 * and the p50 and p99 durations (of the runs that ended), in the shape admin-chart.js draws. `runs` and
 * `failed` are real runs; mocked ones are counted in `mocked` and, when there are any, drawn as a second
 * line of the rate.
 * @param {any[]} records
 * @param {number} start
 * @param {number} end
 */
export function bucketize(records, start, end) {
  const width = Math.max(1000, (end - start) / BUCKETS);
  const buckets = Array.from({ length: BUCKETS }, () => ({
    runs: 0,
    mocked: 0,
    failed: 0,
    durations: /** @type {number[]} */ ([]),
  }));
  for (const record of records) {
    const at = new Date(str(record.createTime)).getTime();
    if (!(at >= start && at < end)) continue;
    const bucket = buckets[Math.min(BUCKETS - 1, Math.floor((at - start) / width))];
    if (bucket === undefined) continue;
    if (str(record.mockScenario) !== "") {
      bucket.mocked++;
      continue;
    }
    bucket.runs++;
    const status = str(record.status);
    if (status === "failed") bucket.failed++;
    if (status !== "running") bucket.durations.push(num(record.durationMs) / 1000);
  }
  const minutes = width / 60_000;
  const times = buckets.map((_, i) => start + (i + 1) * width);
  const p = (/** @type {number} */ q) =>
    buckets.map((b) =>
      b.durations.length === 0
        ? null
        : quantile(
            [...b.durations].sort((x, y) => x - y),
            q,
          ),
    );
  const mocked = buckets.reduce((sum, b) => sum + b.mocked, 0);
  const rate = [{ name: "runs", values: buckets.map((b) => b.runs / minutes) }];
  if (mocked > 0) rate.push({ name: "mocked", values: buckets.map((b) => b.mocked / minutes) });
  return {
    times,
    stepMs: width,
    runs: buckets.reduce((sum, b) => sum + b.runs, 0),
    mocked,
    failed: buckets.reduce((sum, b) => sum + b.failed, 0),
    charts: {
      rate: { unit: "per min", series: rate },
      errors: {
        unit: "%",
        series: [
          { name: "failed", values: buckets.map((b) => (b.runs === 0 ? null : (100 * b.failed) / b.runs)) },
        ],
      },
      latency: {
        unit: "s",
        series: [
          { name: "p50", values: p(0.5) },
          { name: "p99", values: p(0.99) },
        ],
      },
    },
  };
}
