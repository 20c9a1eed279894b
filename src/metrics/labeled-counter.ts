import { Counter, type Registry } from "prom-client";
import { createSeriesIndex, type LabeledMetricOptions, type SeriesIndex } from "./series-index.ts";

/** One series of a {@link LabeledCounter}. */
export interface CounterSeries {
  /** Adds `by` (default 1, never negative). */
  inc(by?: number): void;
}

/** A counter whose series are found once and counted as plain numbers, published when scraped. */
export type LabeledCounter<N extends readonly string[]> = SeriesIndex<N, CounterSeries>;

class Series implements CounterSeries {
  /** Added since the last scrape. */
  pending = 0;
  /** Counted since the last scrape (an increment by 0 still lists the series, as in prom-client). */
  touched = false;
  readonly labels: Readonly<Record<string, string>>;
  /** The counter's series touched since the last scrape, in the order of their first increment. */
  readonly touchedList: Series[];

  constructor(labels: Readonly<Record<string, string>>, touchedList: Series[]) {
    this.labels = labels;
    this.touchedList = touchedList;
  }

  inc(by = 1): void {
    if (!Number.isFinite(by)) throw new TypeError(`Value is not a valid number: ${by}`);
    if (by < 0) throw new Error("It is not possible to decrease a counter");
    this.pending += by;
    if (!this.touched) {
      this.touched = true;
      this.touchedList.push(this);
    }
  }
}

/**
 * A counter for the per-call path. prom-client's own counter validates and hashes the labels on every
 * increment, even through `labels(...)`; here a series is found once and an increment adds to a number.
 * A prom-client Counter stays the metric the registry renders: its `collect`, run at every scrape (text or
 * JSON), adds what each series counted since the previous one.
 */
export function createLabeledCounter<const N extends readonly string[]>(
  registry: Registry,
  options: LabeledMetricOptions<N>,
): LabeledCounter<N> {
  // Published in the order of their first increment, so new series are listed where prom-client lists them.
  const touched: Series[] = [];
  new Counter({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames,
    registers: [registry],
    collect() {
      for (const series of touched) {
        this.inc(series.labels, series.pending);
        series.pending = 0;
        series.touched = false;
      }
      touched.length = 0;
    },
  });
  return createSeriesIndex(options.labelNames, (labels) => new Series(labels, touched));
}
