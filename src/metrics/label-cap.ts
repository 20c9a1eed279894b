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

/**
 * Bounds the pairs two labels take together (a connector's commands): the first `max` distinct pairs keep
 * their second value, every later pair's counts as {@link OVERFLOW_LABEL}. The pairs are kept by first
 * value, so no key string is built per call.
 */
export function createPairCap(max: number): (first: string, second: string) => string {
  const seen = new Map<string, Set<string>>();
  let size = 0;
  return (first, second) => {
    let seconds = seen.get(first);
    if (seconds?.has(second)) return second;
    if (size >= max) return OVERFLOW_LABEL;
    if (seconds === undefined) {
      seconds = new Set();
      seen.set(first, seconds);
    }
    seconds.add(second);
    size += 1;
    return second;
  };
}
