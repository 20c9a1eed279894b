/**
 * What the operator overview reads from a registry at one instant: cumulative totals, already grouped
 * the way its charts show them (never one entry per raw series), and the gauges it charts.
 *
 * The webhook metrics are found by name pattern, so that the page shows them wherever a server exposes
 * them and says "no data" otherwise:
 * - deliveries: the counter `patchbay_webhook_received_total` (this release's), or else the shortest-named counter
 *   matching {@link DELIVERIES_PATTERN}; grouped by its `provider` and `outcome` labels (`result` or
 *   `status` when there is no `outcome`);
 * - job queue depth: the gauge `patchbay_webhook_jobs_queued`, `patchbay_webhook_queue_depth` or
 *   `patchbay_webhook_jobs`, or else
 *   the shortest-named gauge matching {@link QUEUE_DEPTH_PATTERN}; its series summed, only those whose
 *   `state` (or `status`) label, when it has one, is a waiting state ({@link WAITING_STATES});
 * - oldest job's age: the gauge `patchbay_webhook_queue_oldest_age_seconds` (this release's), or else the shortest-named
 *   gauge matching {@link OLDEST_AGE_PATTERN}; the largest of its series.
 */

/** One metric of `Registry.getMetricsAsJSON()`, as far as the overview reads it. */
export interface MetricJson {
  readonly name: string;
  /** prom-client's MetricType: "counter", "gauge", "histogram" or "summary" (compared as text). */
  readonly type: { toString(): string };
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

export const DELIVERIES_PATTERN = /^patchbay_webhook_[a-z0-9_]*deliver[a-z0-9_]*_total$/;
export const QUEUE_DEPTH_PATTERN =
  /^patchbay_webhook_(?![a-z0-9_]*(?:_age|oldest|_seconds))[a-z0-9_]*(?:queue|queued|pending)[a-z0-9_]*$/;
export const OLDEST_AGE_PATTERN = /^patchbay_webhook_[a-z0-9_]*(?:oldest[a-z0-9_]*|_age_seconds)$/;
export const WAITING_STATES: ReadonlySet<string> = new Set([
  "queued",
  "pending",
  "ready",
  "waiting",
  "retrying",
  "scheduled",
]);

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
  const deliveries = find(
    metrics,
    "counter",
    ["patchbay_webhook_received_total", "patchbay_webhook_deliveries_total"],
    DELIVERIES_PATTERN,
  );
  const depth = find(
    metrics,
    "gauge",
    ["patchbay_webhook_jobs_queued", "patchbay_webhook_queue_depth", "patchbay_webhook_jobs"],
    QUEUE_DEPTH_PATTERN,
  );
  const oldest = find(
    metrics,
    "gauge",
    ["patchbay_webhook_queue_oldest_age_seconds", "patchbay_webhook_oldest_job_age_seconds"],
    OLDEST_AGE_PATTERN,
  );
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
            caps.deliveries(
              `${text(labels.provider, "all")} · ${text(labels.outcome ?? labels.result ?? labels.status, "all")}`,
            ),
          ),
    queueDepth: depth === undefined ? undefined : waitingSum(depth),
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

/** The metric of `type` named one of `names`, or else the shortest-named one matching `pattern`. */
function find(
  metrics: readonly MetricJson[],
  type: string,
  names: readonly string[],
  pattern: RegExp,
): MetricJson | undefined {
  const ofType = metrics.filter((metric) => String(metric.type) === type);
  for (const name of names) {
    const exact = ofType.find((metric) => metric.name === name);
    if (exact !== undefined) return exact;
  }
  const matching = ofType.filter((metric) => pattern.test(metric.name));
  matching.sort((a, b) => a.name.length - b.name.length || a.name.localeCompare(b.name));
  return matching[0];
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

function waitingSum(metric: MetricJson): number {
  let sum = 0;
  for (const value of metric.values) {
    const state = value.labels.state ?? value.labels.status;
    if (state === undefined || WAITING_STATES.has(String(state))) sum += finite(value.value);
  }
  return sum;
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
