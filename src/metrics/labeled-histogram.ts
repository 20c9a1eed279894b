import type { Histogram, Registry } from "prom-client";
import { createSeriesIndex, type LabeledMetricOptions, type SeriesIndex } from "./series-index.ts";

/** One series of a {@link LabeledHistogram}: an observation is a few number updates. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** A histogram whose series are found once and updated as plain numbers, published when scraped. */
export type LabeledHistogram<N extends readonly string[]> = SeriesIndex<N, HistogramSeries>;

export interface LabeledHistogramOptions<N extends readonly string[]> extends LabeledMetricOptions<N> {
  /** Upper bounds, ascending; `+Inf` is always added. */
  readonly buckets: readonly number[];
}

/** What prom-client's registry reads from a metric (its own Histogram's values have this shape). */
interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

class Series implements HistogramSeries {
  /** Observations per bucket, not cumulative; the `+Inf`-only ones are `count` minus their sum. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** False until the first observation (and again after a reset): prom-client lists a series from then. */
  listed = false;
  readonly bounds: readonly number[];
  readonly labels: Readonly<Record<string, string>>;
  /** The histogram's listed series (one array for its lifetime). */
  readonly list: Series[];

  constructor(bounds: readonly number[], labels: Readonly<Record<string, string>>, list: Series[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length);
    this.labels = labels;
    this.list = list;
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] ?? Infinity)) {
        this.counts[i] = (this.counts[i] ?? 0) + 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
    if (!this.listed) {
      this.listed = true;
      this.list.push(this);
    }
  }
}

/**
 * A histogram for the per-call path. prom-client's own histogram validates and hashes the labels on every
 * observation, even through `labels(...)`; here a series is found once and an observation only adds to its
 * numbers. The registry still renders it: this object answers what prom-client's registry asks of a metric
 * (`get`, `getForPromString`, `reset`), with the values its Histogram would give for the same observations,
 * so the exposition keeps the same names, help, type, labels and `_bucket`/`_sum`/`_count` series.
 */
export function createLabeledHistogram<const N extends readonly string[]>(
  registry: Registry,
  options: LabeledHistogramOptions<N>,
): LabeledHistogram<N> {
  // What prom-client's own constructor checks.
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(options.name)) throw new Error("Invalid metric name");
  if (!options.labelNames.every((name) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))) {
    throw new Error("Invalid label name");
  }
  if (options.labelNames.includes("le")) throw new Error("le is a reserved label keyword");
  const bounds = [...options.buckets];
  const bucketName = `${options.name}_bucket`;
  const sumName = `${options.name}_sum`;
  const countName = `${options.name}_count`;
  /** Series in the order of their first observation, as prom-client lists them. */
  const listed: Series[] = [];

  const exportedValues = (): ExportedValue[] => {
    const out: ExportedValue[] = [];
    for (const series of listed) {
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += series.counts[i] ?? 0;
        out.push({
          labels: { le: bounds[i] ?? Infinity },
          sharedLabels: series.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      }
      const shared = series.labels;
      out.push(
        {
          labels: { le: "+Inf" },
          sharedLabels: shared,
          value: series.count,
          metricName: bucketName,
          exemplar: null,
        },
        { labels: {}, sharedLabels: shared, value: series.sum, metricName: sumName, exemplar: undefined },
        { labels: {}, sharedLabels: shared, value: series.count, metricName: countName, exemplar: undefined },
      );
    }
    return out;
  };
  const exported = (values: readonly object[]) => ({
    name: options.name,
    help: options.help,
    type: "histogram",
    values,
    aggregator: "sum",
  });

  const metric = {
    name: options.name,
    help: options.help,
    type: "histogram",
    labelNames: options.labelNames,
    aggregator: "sum",
    // The text format takes the series' labels apart from `le` (prom-client caches their rendering).
    getForPromString: async () => exported(exportedValues()),
    // JSON has them in one object, `le` first, as prom-client's Histogram gives them.
    get: async () =>
      exported(
        exportedValues().map(({ labels, sharedLabels, ...rest }) => ({
          ...rest,
          labels: { ...labels, ...sharedLabels },
        })),
      ),
    reset() {
      for (const series of listed) {
        series.counts.fill(0);
        series.sum = 0;
        series.count = 0;
        series.listed = false;
      }
      listed.length = 0;
    },
  };
  // The registry is typed for prom-client's own classes; it calls only what `metric` has.
  registry.registerMetric(metric as unknown as Histogram);

  return createSeriesIndex(options.labelNames, (labels) => new Series(bounds, labels, listed));
}
