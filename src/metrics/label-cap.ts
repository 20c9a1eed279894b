/** The label value every value past a cap counts under. */
export const OVERFLOW_LABEL = "other";

/**
 * Bounds the values a label takes: the first `max` distinct values are kept as they are, every later
 * one counts as {@link OVERFLOW_LABEL}, so a metric's series stay bounded whatever callers send.
 */
export function createLabelCap(max: number): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return OVERFLOW_LABEL;
    seen.add(value);
    return value;
  };
}
