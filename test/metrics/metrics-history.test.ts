import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { bucketQuantile } from "../../src/metrics/bucket-quantile.ts";
import { createMetrics, createMetricsHistory, type OverviewChart } from "../../src/metrics/index.ts";
import { createWebhookMetrics } from "../../src/metrics/webhook-metrics.ts";

// The overview's history over real prom-client registries: counters' increases become rates, Execute's
// histogram becomes p50 and p99 by connector, webhook metrics are found by name when present, and memory
// stays bounded whatever the labels.

/** A clock the test moves by hand (ms since the epoch). */
function manualClock(start = Date.UTC(2026, 0, 1, 12)) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

const run = (connector: string, seconds: number, outcome = "success", mocked = false) => ({
  connector,
  tenantOwned: false,
  command: "run",
  model: "built_in",
  outcome,
  unknownCommand: false,
  mocked,
  seconds,
});

const line = (chart: OverviewChart, name: string) => chart.series.find((s) => s.name === name)?.values;

describe("the metrics history", () => {
  it("turns counter increases into rates and histogram increases into quantiles", async () => {
    const metrics = createMetrics();
    const clock = manualClock();
    const history = createMetricsHistory(metrics.registry, { now: clock.now, sampleMs: 10_000 });
    // Before the first reading: long runs and calls that the first interval must not count.
    for (let i = 0; i < 1000; i++) metrics.execute.executed(run("echo", 100));
    for (let i = 0; i < 500; i++) metrics.rpc.finished("/p.S/M", "connect", "internal", 0.01);
    await history.sample();
    expect(history.data().times).toEqual([]);

    // Ten seconds: 50 calls, of which 15 are errors (invalid_argument is the caller's, not an error).
    for (let i = 0; i < 30; i++) metrics.rpc.finished("/p.S/M", "rest", "ok", 0.01);
    for (let i = 0; i < 5; i++) metrics.rpc.finished("/p.S/M", "rest", "invalid_argument", 0.01);
    for (let i = 0; i < 10; i++) metrics.rpc.finished("/p.S/M", "grpc", "unavailable", 0.01);
    for (let i = 0; i < 5; i++) metrics.rpc.finished("/p.S/M", "grpc", "unauthenticated", 0.01);
    // echo: 40 runs in (0.001, 0.005], 60 in (0.01, 0.025]; http: 10 runs in (1, 2.5].
    for (let i = 0; i < 40; i++) metrics.execute.executed(run("echo", 0.003));
    for (let i = 0; i < 60; i++) metrics.execute.executed(run("echo", 0.02, "timeout"));
    for (let i = 0; i < 10; i++) metrics.execute.executed(run("http", 2));
    // Mocked runs answer in microseconds: they move neither echo's quantiles nor add a line of their own.
    for (let i = 0; i < 100; i++) metrics.execute.executed(run("echo", 0.00001, "success", true));
    for (let i = 0; i < 5; i++) metrics.execute.executed(run("mocked-only", 0.00001, "success", true));
    for (let i = 0; i < 3; i++) metrics.sandbox.ran("SCRIPT_TIMEOUT");
    metrics.sandbox.ran("SCRIPT_MEMORY_LIMIT");
    metrics.sandbox.ran(undefined);
    clock.advance(10_000);
    await history.sample();

    const data = history.data();
    expect(data.sampleSeconds).toBe(10);
    expect(data.windowSeconds).toBe(2400);
    expect(data.times).toEqual([clock.now()]);
    expect(data.charts.rpcRate.series).toEqual([{ name: "all calls", values: [5] }]);
    expect(data.charts.rpcErrors.series).toEqual([{ name: "errors", values: [30] }]);
    // histogram_quantile's interpolation: p50 = 0.01 + 0.015 × 10/60, p99 = 0.01 + 0.015 × 59/60.
    expect(line(data.charts.executeP50, "echo")).toEqual([0.0125]);
    expect(line(data.charts.executeP99, "echo")).toEqual([0.02475]);
    expect(line(data.charts.executeP50, "http")).toEqual([1.75]);
    // The busiest connector first.
    expect(data.charts.executeP99.series.map((s) => s.name)).toEqual(["echo", "http"]);
    expect(data.charts.executeP99.unit).toBe("s");
    // Breaches per minute: 3 timeouts and 1 memory breach in 10 s.
    expect(data.charts.sandboxBreaches.series).toEqual([
      { name: "timeout", values: [18] },
      { name: "memory", values: [6] },
    ]);
    expect(data.charts.rpcRate.available).toBe(true);

    // A quiet interval: rate 0, no error share, no quantile (a gap), no breach.
    clock.advance(10_000);
    await history.sample();
    const quiet = history.data();
    expect(quiet.charts.rpcRate.series[0]?.values).toEqual([5, 0]);
    expect(quiet.charts.rpcErrors.series[0]?.values).toEqual([30, null]);
    expect(line(quiet.charts.executeP99, "echo")).toEqual([0.02475, null]);
    expect(line(quiet.charts.sandboxBreaches, "timeout")).toEqual([18, 0]);
  });

  it("charts the webhook feature's own metrics: deliveries by provider and outcome, queue depth and age", async () => {
    const registry = new Registry();
    const clock = manualClock();
    const history = createMetricsHistory(registry, { now: clock.now });
    // The metrics the webhook feature exposes, fed the way the receiver and the job reader feed them.
    const webhooks = createWebhookMetrics(registry);
    const queue = (waiting: number, oldestWaitingSeconds: number) => ({
      jobs: { queued: waiting, retrying: 0, running: 0, dead: 0 },
      waiting,
      oldestWaitingSeconds,
    });
    // The jobs are read at most every few seconds of real time: one reading serves both samples.
    const reading = { delivery: queue(4, 12), pull: queue(2, 40) };
    webhooks.watchJobs(async () => reading);
    await history.sample();
    for (let i = 0; i < 30; i++) webhooks.received("github", "accepted");
    for (let i = 0; i < 3; i++) webhooks.refused("stripe", "signature");
    clock.advance(15_000);
    await history.sample();
    const { charts } = history.data();
    expect(charts.webhookDeliveries.available).toBe(true);
    expect(charts.webhookDeliveries.series).toEqual([
      { name: "github · accepted", values: [120] },
      { name: "stripe · rejected", values: [12] },
    ]);
    expect(charts.webhookQueueDepth).toMatchObject({ available: true, series: [{ values: [6] }] });
    expect(charts.webhookOldestJob).toMatchObject({ available: true, series: [{ values: [40] }] });
    // This registry has no RPC or Execute metric: zero calls, and no quantiles.
    expect(charts.rpcRate.series[0]?.values).toEqual([0]);
    expect(charts.executeP99.series).toEqual([]);
  });

  it("marks the webhook charts unavailable when the registry has no webhook metric", async () => {
    const registry = new Registry();
    new Counter({
      name: "patchbay_rpc_requests_total",
      help: "x",
      labelNames: ["code"],
      registers: [registry],
    });
    const clock = manualClock();
    const history = createMetricsHistory(registry, { now: clock.now });
    await history.sample();
    clock.advance(15_000);
    await history.sample();
    const { charts } = history.data();
    for (const key of [
      "webhookDeliveries",
      "webhookQueueDepth",
      "webhookOldestJob",
      "sandboxBreaches",
    ] as const) {
      expect(charts[key].available, key).toBe(false);
      expect(
        charts[key].series.flatMap((s) => s.values).every((v) => v === null),
        key,
      ).toBe(true);
    }
    expect(charts.rpcRate).toMatchObject({ available: true, series: [{ values: [0] }] });
  });

  it("keeps a bounded window and at most six lines a chart whatever the labels", async () => {
    const metrics = createMetrics({ connectorLabels: "all", maxConnectors: 1000, maxCommands: 10_000 });
    const clock = manualClock();
    const history = createMetricsHistory(metrics.registry, { now: clock.now, capacity: 5 });
    await history.sample();
    for (let round = 0; round < 8; round++) {
      // 200 connectors, the first ones busiest.
      for (let c = 0; c < 200; c++) {
        for (let n = 0; n < (c < 3 ? 20 - c : 1); n++) metrics.execute.executed(run(`c-${c}`, 0.02));
      }
      metrics.rpc.finished("/p.S/M", "rest", "ok", 0.01);
      clock.advance(15_000);
      await history.sample();
    }
    const data = history.data();
    expect(data.times).toHaveLength(5);
    expect(data.windowSeconds).toBe(75);
    const p99 = data.charts.executeP99;
    expect(p99.series.length).toBeLessThanOrEqual(6);
    // The busiest connectors by name; those past the busiest five of each interval are one `other` line
    // (the busiest here: 195 runs an interval).
    const names = p99.series.map((s) => s.name);
    expect(names[0]).toBe("other");
    expect(names).toEqual(expect.arrayContaining(["c-0", "c-1", "c-2"]));
    expect(p99.series.every((s) => s.values.length === 5)).toBe(true);
    expect(p99.hidden).toBe(0);
    expect(JSON.stringify(data).length).toBeLessThan(10_000);
  });

  it("samples on an unref'd timer from start until stopped", async () => {
    const metrics = createMetrics();
    const history = createMetricsHistory(metrics.registry, { sampleMs: 50 });
    const stop = history.start();
    try {
      await expect.poll(() => history.data().times.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      stop();
    }
    const stopped = history.data().times.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // At most one sample already under way when it stopped.
    expect(history.data().times.length).toBeLessThanOrEqual(stopped + 1);
  });
});

describe("bucketQuantile", () => {
  it("interpolates inside the bucket, answers the top finite bound for +Inf, and nothing without observations", () => {
    const bounds = [0.1, 1, Infinity];
    expect(bucketQuantile(0.5, bounds, [0, 10, 10])).toBeCloseTo(0.55);
    expect(bucketQuantile(0.5, bounds, [10, 10, 10])).toBeCloseTo(0.05);
    expect(bucketQuantile(0.99, bounds, [0, 0, 4])).toBe(1);
    expect(bucketQuantile(0.5, bounds, [0, 0, 0])).toBeUndefined();
  });
});
