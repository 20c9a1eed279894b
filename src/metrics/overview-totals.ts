/**
 * What the operator overview reads from a registry at one instant: cumulative totals, already grouped
 * the way its charts show them (never one entry per raw series), and the gauges it charts.
 *
 * The webhook charts read `patchbay_webhook_received_total` (by `provider` and `outcome`),
 * `patchbay_webhook_queue_depth` (summed over the queues) and `patchbay_webhook_queue_oldest_age_seconds`
 * (its largest series); a registry without them (metrics of a server whose webhook feature is not
 * counted) gives "no data".
 */

/** One metric of `Registry.getMetricsAsJSON()`, as far as the overview reads it. */
export interface MetricJson {
  readonly name: string;
  readonly values: readonly {
    readonly value: number;
    readonly metricName?: string;
    readonly labels: Readonly<Record<string, string | number | undefined>>;
  }[];
}

/** Cumulative histogram buckets: upper bounds (ascending, `Infinity` last) and a group's counts. */
export interface Buckets {
  readonly bounds: readonly number[];
  readonly byGroup: ReadonlyMap<string, readonly number[]>;
}

/** The overview's reading of a registry. Maps are keyed by group (bounded by the caller's caps). */
export interface OverviewTotals {
  /** RPCs answered, all codes. */
  readonly rpcCalls: number;
  /** RPCs answered with a code that is not in {@link CLIENT_CODES}. */
  readonly rpcErrors: number;
  /** Execute's duration histogram by connector (models summed). */
  readonly execute: Buckets;
  /** Webhook deliveries by "provider · outcome"; undefined when no such metric exists. */
  readonly deliveries: ReadonlyMap<string, number> | undefined;
  readonly queueDepth: number | undefined;
  readonly oldestJobSeconds: number | undefined;
  /** Sandbox limit breaches by kind. */
  readonly breaches: ReadonlyMap<string, number> | undefined;
}

/** Codes that are the caller's business, not the server's trouble: every other code is an error. */
export const CLIENT_CODES: ReadonlySet<string> = new Set([
  "ok",
  "not_found",
  "invalid_argument",
  "already_exists",
]);

const WEBHOOK_RECEIVED = "patchbay_webhook_received_total";
const WEBHOOK_QUEUE_DEPTH = "patchbay_webhook_queue_depth";
const WEBHOOK_OLDEST = "patchbay_webhook_queue_oldest_age_seconds";

const RPC_REQUESTS = "patchbay_rpc_requests_total";
const EXECUTE_DURATION = "patchbay_execution_duration_seconds";
const BREACHES = "patchbay_sandbox_limit_breaches_total";

/** Maps a group's name to the one it counts under (a cap: the first N names, then `other`). */
export type GroupCap = (name: string) => string;

/** The caps the groups of each chart go through, so that the totals stay bounded whatever the labels. */
export interface OverviewCaps {
  readonly connectors: GroupCap;
  readonly deliveries: GroupCap;
  readonly breaches: GroupCap;
}

export function readOverviewTotals(metrics: readonly MetricJson[], caps: OverviewCaps): OverviewTotals {
  const byName = new Map(metrics.map((metric) => [metric.name, metric]));
  const deliveries = byName.get(WEBHOOK_RECEIVED);
  const depth = byName.get(WEBHOOK_QUEUE_DEPTH);
  const oldest = byName.get(WEBHOOK_OLDEST);
  const breaches = byName.get(BREACHES);
  return {
    ...rpcTotals(byName.get(RPC_REQUESTS)),
    execute: histogramByGroup(byName.get(EXECUTE_DURATION), (labels) =>
      caps.connectors(text(labels.connector, "unknown")),
    ),
    deliveries:
      deliveries === undefined
        ? undefined
        : sumByGroup(deliveries, (labels) =>
            caps.deliveries(`${text(labels.provider, "all")} · ${text(labels.outcome, "all")}`),
          ),
    queueDepth:
      depth === undefined ? undefined : depth.values.reduce((sum, value) => sum + finite(value.value), 0),
    oldestJobSeconds:
      oldest === undefined ? undefined : Math.max(0, ...oldest.values.map((value) => finite(value.value))),
    breaches:
      breaches === undefined
        ? undefined
        : sumByGroup(breaches, (labels) => caps.breaches(text(labels.kind, "all"))),
  };
}

function text(value: string | number | undefined, otherwise: string): string {
  return value === undefined || value === "" ? otherwise : String(value);
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

function rpcTotals(metric: MetricJson | undefined): { rpcCalls: number; rpcErrors: number } {
  let rpcCalls = 0;
  let rpcErrors = 0;
  for (const value of metric?.values ?? []) {
    const count = finite(value.value);
    rpcCalls += count;
    if (!CLIENT_CODES.has(text(value.labels.code, ""))) rpcErrors += count;
  }
  return { rpcCalls, rpcErrors };
}

function sumByGroup(metric: MetricJson, group: (labels: MetricJson["values"][number]["labels"]) => string) {
  const sums = new Map<string, number>();
  for (const value of metric.values) {
    const name = group(value.labels);
    sums.set(name, (sums.get(name) ?? 0) + finite(value.value));
  }
  return sums;
}

/** A histogram's `_bucket` series summed by group, on the bounds of its first series. */
function histogramByGroup(
  metric: MetricJson | undefined,
  group: (labels: MetricJson["values"][number]["labels"]) => string,
): Buckets {
  const buckets = (metric?.values ?? []).filter((value) => value.metricName?.endsWith("_bucket") === true);
  const bounds = [...new Set(buckets.map((value) => bound(value.labels.le)))].sort((a, b) => a - b);
  const at = new Map(bounds.map((upper, index) => [upper, index]));
  const byGroup = new Map<string, number[]>();
  for (const value of buckets) {
    const index = at.get(bound(value.labels.le));
    if (index === undefined) continue;
    const name = group(value.labels);
    let counts = byGroup.get(name);
    if (counts === undefined) {
      counts = bounds.map(() => 0);
      byGroup.set(name, counts);
    }
    counts[index] = (counts[index] ?? 0) + finite(value.value);
  }
  return { bounds, byGroup };
}

function bound(le: string | number | undefined): number {
  if (le === "+Inf" || le === undefined) return Infinity;
  const value = Number(le);
  return Number.isNaN(value) ? Infinity : value;
}
