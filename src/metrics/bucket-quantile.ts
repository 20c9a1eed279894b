/**
 * The `q` quantile (0 < q < 1) of observations counted in a histogram's cumulative buckets, interpolated
 * linearly inside the bucket it falls in, as Prometheus' `histogram_quantile` does: `bounds` are the upper
 * bounds in ascending order (the last one may be `Infinity`), `counts` the cumulative counts for each.
 * Undefined when nothing was observed; a quantile in the `+Inf` bucket is the highest finite bound.
 */
export function bucketQuantile(
  q: number,
  bounds: readonly number[],
  counts: readonly number[],
): number | undefined {
  const total = counts.at(-1) ?? 0;
  if (total <= 0 || bounds.length === 0) return undefined;
  const rank = q * total;
  let index = counts.findIndex((count) => count >= rank);
  if (index < 0) index = counts.length - 1;
  const upper = bounds[index] ?? Infinity;
  if (upper === Infinity) return bounds.length > 1 ? (bounds[bounds.length - 2] ?? 0) : undefined;
  const lower = index === 0 ? 0 : (bounds[index - 1] ?? 0);
  const below = index === 0 ? 0 : (counts[index - 1] ?? 0);
  const inBucket = (counts[index] ?? 0) - below;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}
