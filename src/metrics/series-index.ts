/** A metric's label values, in the order of its label names; `undefined` leaves a label out of the series. */
export type LabelValues<N extends readonly string[]> = { readonly [K in keyof N]: string | undefined };

/** A metric's series, each made once and found again by its label values. */
export interface SeriesIndex<N extends readonly string[], S> {
  /**
   * The series of these label values (as prom-client's `labels(...)` takes them): found with a Map lookup
   * per label, with no string built or hashed, so it is cheap enough to call on every update.
   */
  series(...values: LabelValues<N>): S;
}

/** What a labeled metric is made with (a histogram adds its buckets). */
export interface LabeledMetricOptions<N extends readonly string[]> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: N;
}

type Node = Map<string | undefined, unknown>;

/**
 * An index of series made by `make`, given the series' labels (in `labelNames` order, without the ones left
 * out). Values are looked up one label at a time in nested Maps, so no key string is built per call.
 */
export function createSeriesIndex<N extends readonly string[], S>(
  labelNames: N,
  make: (labels: Readonly<Record<string, string>>) => S,
): SeriesIndex<N, S> {
  const depth = labelNames.length;
  if (depth === 0) throw new Error("a series index needs at least one label");
  const root: Node = new Map();
  return {
    series(...values) {
      if (values.length !== depth) {
        throw new Error(`Invalid number of label values (${values.length}) for ${labelNames.join(", ")}`);
      }
      let node = root;
      for (let i = 0; i < depth - 1; i++) {
        let next = node.get(values[i]) as Node | undefined;
        if (next === undefined) {
          next = new Map();
          node.set(values[i], next);
        }
        node = next;
      }
      const last = values[depth - 1];
      let found = node.get(last) as S | undefined;
      if (found === undefined) {
        const labels: Record<string, string> = {};
        labelNames.forEach((name, i) => {
          const value = values[i];
          if (value !== undefined) labels[name] = value;
        });
        found = make(labels);
        node.set(last, found);
      }
      return found;
    },
  };
}
