import { Gauge, type Registry } from "prom-client";
import { createSeriesIndex, type LabeledMetricOptions, type SeriesIndex } from "./series-index.ts";

/** One series of a {@link LabeledGauge}. */
export interface GaugeSeries {
  inc(): void;
  dec(): void;
}

/** A gauge whose series are found once and moved as plain numbers, published when scraped. */
export type LabeledGauge<N extends readonly string[]> = SeriesIndex<N, GaugeSeries>;

class Series implements GaugeSeries {
  value = 0;
  /** Moved at least once: prom-client lists a series from its first move. */
  listed = false;
  readonly labels: Readonly<Record<string, string>>;
  /** The gauge's listed series, in the order of their first move. */
  readonly list: Series[];

  constructor(labels: Readonly<Record<string, string>>, list: Series[]) {
    this.labels = labels;
    this.list = list;
  }

  inc(): void {
    this.value += 1;
    if (!this.listed) this.enlist();
  }

  dec(): void {
    this.value -= 1;
    if (!this.listed) this.enlist();
  }

  private enlist(): void {
    this.listed = true;
    this.list.push(this);
  }
}

/**
 * A gauge for the per-call path. prom-client's own gauge validates and hashes the labels on every move,
 * even through `labels(...)`; here a series is found once and a move changes a number. A prom-client Gauge
 * stays the metric the registry renders: its `collect`, run at every scrape (text or JSON), sets each
 * series to its value.
 */
export function createLabeledGauge<const N extends readonly string[]>(
  registry: Registry,
  options: LabeledMetricOptions<N>,
): LabeledGauge<N> {
  const listed: Series[] = [];
  new Gauge({
    name: options.name,
    help: options.help,
    labelNames: options.labelNames,
    registers: [registry],
    collect() {
      for (const series of listed) this.set(series.labels, series.value);
    },
  });
  return createSeriesIndex(options.labelNames, (labels) => new Series(labels, listed));
}
