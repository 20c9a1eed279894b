import fc from "fast-check";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLabeledCounter } from "../../src/metrics/labeled-counter.ts";
import { createLabeledGauge } from "../../src/metrics/labeled-gauge.ts";
import { createLabeledHistogram } from "../../src/metrics/labeled-histogram.ts";

// The per-call metrics against prom-client as the oracle: the same updates through the fast series and
// through prom-client's own Counter, Gauge and Histogram must scrape to the same text and JSON.

const LABELS = ["procedure", "protocol"] as const;
type Labels = { procedure?: string; protocol?: string };
/** The label values in `LABELS` order, as the fast series take them. */
const valuesOf = (labels: Labels) => [labels.procedure, labels.protocol] as const;
const BUCKETS = [0.001, 0.01, 0.1, 1, 10];

/** Label sets of one metric (in label-name order, as the fast series make them): one left out, values to escape. */
const SERIES: readonly Labels[] = [
  { procedure: "/a.B/C", protocol: "grpc" },
  { procedure: "/a.B/C", protocol: "connect" },
  { procedure: 'quote"back\\slash\nline' },
  { procedure: "/a.B/D", protocol: "rest" },
];

async function expectSameScrape(ours: Registry, theirs: Registry): Promise<void> {
  expect(await ours.metrics()).toBe(await theirs.metrics());
  expect(await ours.getMetricsAsJSON()).toStrictEqual(await theirs.getMetricsAsJSON());
}

/** A step: an update of series `series` by `value`, or a scrape (which publishes what is pending). */
type Step = { readonly series: number; readonly value: number } | "scrape";
const steps = (value: fc.Arbitrary<number>): fc.Arbitrary<Step[]> =>
  fc.array<Step>(
    fc.oneof(
      { weight: 8, arbitrary: fc.record({ series: fc.nat(SERIES.length - 1), value }) },
      { weight: 1, arbitrary: fc.constant("scrape" as const) },
    ),
    { maxLength: 60 },
  );
/** Observations: on and around the bounds, past the last one (only in +Inf), zero and negative. */
const observation = fc.oneof(
  fc.constantFrom(0, -1, 0.001, 0.0010001, 0.01, 1, 10, 10.5, 1e9),
  fc.double({ min: -5, max: 50, noNaN: true }),
);

describe("the fast metric series, with prom-client as the oracle", () => {
  it("scrape a histogram as prom-client's Histogram does: buckets, +Inf, sum and count", async () => {
    await fc.assert(
      fc.asyncProperty(steps(observation), async (run) => {
        const ours = new Registry();
        const theirs = new Registry();
        const options = { name: "t_duration_seconds", help: 'Time, with "quotes" and \\.', buckets: BUCKETS };
        const fast = createLabeledHistogram(ours, { ...options, labelNames: LABELS });
        const real = new Histogram({ ...options, labelNames: LABELS, registers: [theirs] });
        for (const step of run) {
          if (step === "scrape") {
            await expectSameScrape(ours, theirs);
            continue;
          }
          const labels = SERIES[step.series] as Labels;
          fast.series(...valuesOf(labels)).observe(step.value);
          real.labels(labels).observe(step.value);
        }
        await expectSameScrape(ours, theirs);
      }),
    );
  });

  it("scrape a counter as prom-client's Counter does, across scrapes and increments of any size", async () => {
    await fc.assert(
      fc.asyncProperty(steps(fc.oneof(fc.constant(1), fc.nat(1000))), async (run) => {
        const ours = new Registry();
        const theirs = new Registry();
        const options = { name: "t_requests_total", help: "Requests." };
        const fast = createLabeledCounter(ours, { ...options, labelNames: LABELS });
        const real = new Counter({ ...options, labelNames: LABELS, registers: [theirs] });
        for (const step of run) {
          if (step === "scrape") {
            await expectSameScrape(ours, theirs);
            continue;
          }
          const labels = SERIES[step.series] as Labels;
          fast.series(...valuesOf(labels)).inc(step.value);
          real.inc(labels, step.value);
        }
        await expectSameScrape(ours, theirs);
      }),
    );
  });

  it("scrape a gauge as prom-client's Gauge does", async () => {
    await fc.assert(
      fc.asyncProperty(steps(fc.constantFrom(1, -1)), async (run) => {
        const ours = new Registry();
        const theirs = new Registry();
        const options = { name: "t_in_flight", help: "Calls now." };
        const fast = createLabeledGauge(ours, { ...options, labelNames: LABELS });
        const real = new Gauge({ ...options, labelNames: LABELS, registers: [theirs] });
        for (const step of run) {
          if (step === "scrape") {
            await expectSameScrape(ours, theirs);
            continue;
          }
          const labels = SERIES[step.series] as Labels;
          const series = fast.series(...valuesOf(labels));
          if (step.value > 0) {
            series.inc();
            real.inc(labels);
          } else {
            series.dec();
            real.dec(labels);
          }
        }
        await expectSameScrape(ours, theirs);
      }),
    );
  });

  it("list a series only from its first update, and list a histogram's again after a reset", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const options = { name: "t_seconds", help: "Time.", labelNames: LABELS, buckets: BUCKETS };
    const fast = createLabeledHistogram(ours, options);
    const real = new Histogram({ ...options, registers: [theirs] });
    const a = { procedure: "a", protocol: "grpc" };
    const b = { procedure: "b", protocol: "grpc" };
    // Found but not yet observed: no series, as prom-client's `labels(...)` alone makes none.
    const fastA = fast.series(a.procedure, a.protocol);
    const fastB = fast.series(b.procedure, b.protocol);
    const realA = real.labels(a);
    const realB = real.labels(b);
    await expectSameScrape(ours, theirs);
    expect(await ours.metrics()).not.toContain("t_seconds_bucket");
    // Listed in the order of their first observation, not of their creation.
    fastB.observe(0.5);
    realB.observe(0.5);
    fastA.observe(20);
    realA.observe(20);
    await expectSameScrape(ours, theirs);
    expect(await ours.metrics()).toContain('t_seconds_bucket{le="+Inf",procedure="a",protocol="grpc"} 1');
    ours.resetMetrics();
    theirs.resetMetrics();
    await expectSameScrape(ours, theirs);
    fastA.observe(0.005);
    realA.observe(0.005);
    await expectSameScrape(ours, theirs);
    expect(await ours.metrics()).not.toContain('procedure="b"');
  });

  it("give one series per label values, a left-out label included", () => {
    const registry = new Registry();
    const fast = createLabeledHistogram(registry, {
      name: "t_s",
      help: "h",
      labelNames: LABELS,
      buckets: [1],
    });
    const one = fast.series("p", "x");
    expect(fast.series("p", "x")).toBe(one);
    expect(fast.series("p", undefined)).toBe(fast.series("p", undefined));
    expect(fast.series("p", undefined)).not.toBe(one);
    expect(fast.series("x", "p")).not.toBe(one);
  });

  it("refuse what prom-client refuses", () => {
    const registry = new Registry();
    const histogram = createLabeledHistogram(registry, {
      name: "t_h",
      help: "h",
      labelNames: LABELS,
      buckets: [1],
    });
    const counter = createLabeledCounter(registry, { name: "t_c", help: "h", labelNames: LABELS });
    const tooFew = histogram.series as unknown as (value: string) => unknown;
    expect(() => tooFew("p")).toThrow(/Invalid number of label values/);
    expect(() => histogram.series("p", "x").observe(Number.NaN)).toThrow(TypeError);
    expect(() => counter.series("p", "x").inc(-1)).toThrow(/not possible to decrease/);
    expect(() => counter.series("p", "x").inc(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(() =>
      createLabeledHistogram(registry, { name: "t_h", help: "h", labelNames: LABELS, buckets: [1] }),
    ).toThrow(/already been registered/);
    expect(() =>
      createLabeledHistogram(registry, { name: "t_le", help: "h", labelNames: ["le"], buckets: [1] }),
    ).toThrow(/reserved/);
  });

  it("survive Registry.merge and answer what the registry's other readers ask", async () => {
    const registry = new Registry();
    const fast = createLabeledHistogram(registry, {
      name: "t_m",
      help: "h",
      labelNames: LABELS,
      buckets: [1],
    });
    fast.series("p", undefined).observe(2);
    const merged = Registry.merge([registry, new Registry()]);
    expect(await merged.getSingleMetricAsString("t_m")).toBe(
      [
        "# HELP t_m h",
        "# TYPE t_m histogram",
        't_m_bucket{le="1",procedure="p"} 0',
        't_m_bucket{le="+Inf",procedure="p"} 1',
        't_m_sum{procedure="p"} 2',
        't_m_count{procedure="p"} 1',
      ].join("\n"),
    );
    const metric = registry.getSingleMetric("t_m") as unknown as { labelNames: readonly string[] };
    expect(metric.labelNames).toEqual(LABELS);
  });
});
