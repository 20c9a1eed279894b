import type { Registry } from "prom-client";
import { bucketQuantile } from "./bucket-quantile.ts";
import { createLabelCap, OVERFLOW_LABEL } from "./label-cap.ts";
import { type MetricJson, type OverviewTotals, readOverviewTotals } from "./overview-totals.ts";

/** How often the history samples the registry by default. */
export const DEFAULT_SAMPLE_MS = 15_000;
/** Samples kept: one hour at the default interval. */
export const HISTORY_SAMPLES = 240;
/** Distinct groups (connectors, provider and outcome pairs, breach kinds) tracked per chart; later ones count as `other`. */
const TRACKED_GROUPS = 64;
/** Groups a sample keeps per chart, the busiest first; the rest of that interval counts as `other`. */
const SAMPLE_GROUPS = 6;
/** Lines a chart shows at most, the busiest over the window first. */
const CHART_LINES = 6;

type Pairs = readonly (readonly [string, number])[];

/** One interval's aggregates: all the page charts, nothing per raw series. */
interface Sample {
  /** End of the interval (ms since the epoch). */
  readonly at: number;
  readonly rpcRate: number;
  /** Percent of calls that ended with an error code; null without calls. */
  readonly rpcErrorPercent: number | null;
  readonly executeCount: Pairs;
  readonly p50: Pairs;
  readonly p99: Pairs;
  /** Per minute; null when the server has no such metric. */
  readonly deliveries: Pairs | null;
  readonly queueDepth: number | null;
  readonly oldestJobSeconds: number | null;
  /** Per minute. */
  readonly breaches: Pairs | null;
}

/** The charts of the overview page, by key. */
export type OverviewChartKey =
  | "rpcRate"
  | "rpcErrors"
  | "executeP50"
  | "executeP99"
  | "webhookDeliveries"
  | "webhookQueueDepth"
  | "webhookOldestJob"
  | "sandboxBreaches";

/** One chart: its lines, each with a value (or null) per sample time. */
export interface OverviewChart {
  /** False when this server exposes no metric the chart is drawn from (the page says "no data"). */
  readonly available: boolean;
  readonly unit: string;
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
  /** Lines left out (past the busiest six). */
  readonly hidden: number;
}

/** What `GET /admin/overview/data` answers. */
export interface OverviewData {
  readonly sampleSeconds: number;
  readonly windowSeconds: number;
  /** When this answer was made (ms since the epoch). */
  readonly generatedAt: number;
  /** The samples' times (ms since the epoch), oldest first. */
  readonly times: readonly number[];
  readonly charts: Readonly<Record<OverviewChartKey, OverviewChart>>;
}

/** Options for {@link createMetricsHistory}. */
export interface MetricsHistoryOptions {
  /** Interval between samples; default {@link DEFAULT_SAMPLE_MS}. */
  readonly sampleMs?: number;
  /** Samples kept; default {@link HISTORY_SAMPLES}. */
  readonly capacity?: number;
  /** The clock (ms since the epoch). */
  readonly now?: () => number;
  /** Told when a sample could not be taken (the sample is skipped). */
  readonly onError?: (error: unknown) => void;
}

/** The last hour of the registry, as the overview page charts it. */
export interface MetricsHistory {
  /** Takes a first reading now, then samples every interval (an unref'd timer); returns the stop. */
  start(): () => void;
  /** Reads the registry now and records the interval since the previous reading. */
  sample(): Promise<void>;
  /** The window's charts. */
  data(): OverviewData;
}

interface Reading {
  readonly at: number;
  readonly totals: OverviewTotals;
}

/**
 * Samples `registry` into a bounded ring: each sample holds the aggregates the overview charts (RPC rate
 * and error share, Execute's p50 and p99 by connector, webhook deliveries by provider and outcome, the
 * webhook job queue, sandbox limit breaches), computed from the counters' and histograms' increase since
 * the previous reading. Memory is bounded whatever the labels: a fixed number of samples, at most six
 * groups per chart in each, and at most 64 tracked groups per chart between readings.
 */
export function createMetricsHistory(
  registry: Registry,
  options: MetricsHistoryOptions = {},
): MetricsHistory {
  const sampleMs = options.sampleMs ?? DEFAULT_SAMPLE_MS;
  const capacity = options.capacity ?? HISTORY_SAMPLES;
  const now = options.now ?? Date.now;
  const caps = {
    connectors: createLabelCap(TRACKED_GROUPS),
    deliveries: createLabelCap(TRACKED_GROUPS),
    breaches: createLabelCap(TRACKED_GROUPS),
  };
  const samples: Sample[] = [];
  let previous: Reading | undefined;
  let queue: Promise<void> = Promise.resolve();

  async function take(): Promise<void> {
    const metrics: readonly MetricJson[] = await registry.getMetricsAsJSON();
    const reading = { at: now(), totals: readOverviewTotals(metrics, caps) };
    if (previous !== undefined && reading.at > previous.at) {
      samples.push(interval(previous, reading));
      if (samples.length > capacity) samples.splice(0, samples.length - capacity);
    }
    previous = reading;
  }

  const history: MetricsHistory = {
    sample() {
      const mine = queue.then(take);
      queue = mine.catch(() => undefined);
      return mine;
    },
    start() {
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const sampleQuietly = () =>
        history.sample().catch((error: unknown) => {
          if (!stopped) options.onError?.(error);
        });
      const next = () => {
        timer = setTimeout(async () => {
          await sampleQuietly();
          if (!stopped) next();
        }, sampleMs);
        timer.unref();
      };
      void sampleQuietly();
      next();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
    data() {
      return chartData(samples, previous?.totals, {
        sampleSeconds: sampleMs / 1000,
        windowSeconds: (capacity * sampleMs) / 1000,
        generatedAt: now(),
      });
    },
  };
  return history;
}

/** The interval between two readings, as one sample. */
function interval(before: Reading, after: Reading): Sample {
  const seconds = (after.at - before.at) / 1000;
  const was = before.totals;
  const is = after.totals;
  const calls = increase(is.rpcCalls, was.rpcCalls);
  const errors =
    is.rpcErrors >= was.rpcErrors && is.rpcCalls >= was.rpcCalls
      ? is.rpcErrors - was.rpcErrors
      : is.rpcErrors;
  const execute = executeInterval(was, is);
  return {
    at: after.at,
    rpcRate: round(calls / seconds),
    rpcErrorPercent: calls > 0 ? round((100 * errors) / calls) : null,
    ...execute,
    deliveries: perMinute(was.deliveries, is.deliveries, seconds),
    queueDepth: is.queueDepth ?? null,
    oldestJobSeconds: is.oldestJobSeconds === undefined ? null : round(is.oldestJobSeconds),
    breaches: perMinute(was.breaches, is.breaches, seconds),
  };
}

/** A counter's increase; after a reset (it went down), its value. */
function increase(now: number, before: number): number {
  return now >= before ? now - before : now;
}

function executeInterval(
  was: OverviewTotals,
  is: OverviewTotals,
): Pick<Sample, "executeCount" | "p50" | "p99"> {
  const { bounds } = is.execute;
  const sameBounds =
    was.execute.bounds.length === bounds.length && was.execute.bounds.every((b, i) => b === bounds[i]);
  const groups: [string, number[]][] = [];
  for (const [name, counts] of is.execute.byGroup) {
    const before = sameBounds ? was.execute.byGroup.get(name) : undefined;
    let delta = counts.map((count, i) => count - (before?.[i] ?? 0));
    if (delta.some((d) => d < 0)) delta = [...counts];
    if ((delta.at(-1) ?? 0) > 0) groups.push([name, delta]);
  }
  const kept = busiest(
    groups,
    (delta) => delta.at(-1) ?? 0,
    (a, b) => a.map((n, i) => n + (b[i] ?? 0)),
  );
  const quantile = (q: number): Pairs =>
    kept.flatMap(([name, delta]) => {
      const value = bucketQuantile(q, bounds, delta);
      return value === undefined ? [] : [[name, round(value)] as const];
    });
  return {
    executeCount: kept.map(([name, delta]) => [name, delta.at(-1) ?? 0] as const),
    p50: quantile(0.5),
    p99: quantile(0.99),
  };
}

/** Per-group increases per minute, the busiest kept; null when the metric is gone. */
function perMinute(
  was: ReadonlyMap<string, number> | undefined,
  is: ReadonlyMap<string, number> | undefined,
  seconds: number,
): Pairs | null {
  if (is === undefined) return null;
  const groups: [string, number][] = [];
  for (const [name, value] of is) {
    const delta = increase(value, was?.get(name) ?? 0);
    if (delta > 0) groups.push([name, delta]);
  }
  return busiest(
    groups,
    (delta) => delta,
    (a, b) => a + b,
  ).map(([name, delta]) => [name, round((delta * 60) / seconds)] as const);
}

/** The {@link SAMPLE_GROUPS} busiest groups; the rest merged into `other`. */
function busiest<T>(
  groups: [string, T][],
  weight: (value: T) => number,
  merge: (a: T, b: T) => T,
): [string, T][] {
  groups.sort((a, b) => weight(b[1]) - weight(a[1]) || a[0].localeCompare(b[0]));
  if (groups.length <= SAMPLE_GROUPS) return groups;
  const kept = groups.filter(([name]) => name !== OVERFLOW_LABEL).slice(0, SAMPLE_GROUPS - 1);
  const names = new Set(kept.map(([name]) => name));
  const rest = groups.filter(([name]) => !names.has(name)).map(([, value]) => value);
  const [first, ...others] = rest;
  if (first === undefined) return kept;
  return [...kept, [OVERFLOW_LABEL, others.reduce(merge, first)]];
}

function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(4)) : 0;
}

function chartData(
  samples: readonly Sample[],
  latest: OverviewTotals | undefined,
  head: Pick<OverviewData, "sampleSeconds" | "windowSeconds" | "generatedAt">,
): OverviewData {
  const single = (unit: string, name: string, value: (s: Sample) => number | null, available = true) => ({
    available,
    unit,
    series: [{ name, values: samples.map(value) }],
    hidden: 0,
  });
  const grouped = (
    unit: string,
    pairs: (s: Sample) => Pairs | null,
    weight: (s: Sample) => Pairs | null,
    absent: number | null,
    available = true,
  ): OverviewChart => {
    const totals = new Map<string, number>();
    for (const sample of samples) {
      for (const [name, value] of weight(sample) ?? []) totals.set(name, (totals.get(name) ?? 0) + value);
    }
    const names = [...totals.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([name]) => name);
    const shown = names.slice(0, CHART_LINES);
    return {
      available,
      unit,
      series: shown.map((name) => ({
        name,
        values: samples.map((sample) => {
          const list = pairs(sample);
          if (list === null) return null;
          return list.find(([n]) => n === name)?.[1] ?? absent;
        }),
      })),
      hidden: names.length - shown.length,
    };
  };
  return {
    ...head,
    times: samples.map((sample) => sample.at),
    charts: {
      rpcRate: single("calls/s", "all calls", (s) => s.rpcRate),
      rpcErrors: single("%", "errors", (s) => s.rpcErrorPercent),
      executeP50: grouped(
        "s",
        (s) => s.p50,
        (s) => s.executeCount,
        null,
      ),
      executeP99: grouped(
        "s",
        (s) => s.p99,
        (s) => s.executeCount,
        null,
      ),
      webhookDeliveries: grouped(
        "per min",
        (s) => s.deliveries,
        (s) => s.deliveries,
        0,
        latest?.deliveries !== undefined,
      ),
      webhookQueueDepth: single("jobs", "queued", (s) => s.queueDepth, latest?.queueDepth !== undefined),
      webhookOldestJob: single(
        "s",
        "oldest queued job",
        (s) => s.oldestJobSeconds,
        latest?.oldestJobSeconds !== undefined,
      ),
      sandboxBreaches: grouped(
        "per min",
        (s) => s.breaches,
        (s) => s.breaches,
        0,
        latest?.breaches !== undefined,
      ),
    },
  };
}
