/** Calls in flight per key (an API key, a tenant) in this process, and how heavy the heaviest key is. */
export interface InFlightCounter {
  /** Calls of `key` in flight now. */
  of(key: string): number;
  /** Keys with calls in flight now. */
  keys(): number;
  /** The most calls any one key has in flight now (0 when nothing runs). */
  heaviest(): number;
  /** Calls in flight now, all keys together. */
  total(): number;
  /** Counts a call of `key` as started; the returned function counts it finished (only once). */
  enter(key: string): () => void;
}

/**
 * Per-key counts plus a count of keys per level, so the heaviest level is known in O(1) amortised time
 * on every call instead of a scan over every key.
 */
export function createInFlightCounter(): InFlightCounter {
  const counts = new Map<string, number>();
  // level → how many keys have exactly that many calls in flight (levels ≥ 1).
  const keysAt = new Map<number, number>();
  let top = 0;
  let total = 0;

  const move = (from: number, to: number): void => {
    if (from > 0) {
      const left = (keysAt.get(from) ?? 1) - 1;
      if (left === 0) keysAt.delete(from);
      else keysAt.set(from, left);
    }
    if (to > 0) keysAt.set(to, (keysAt.get(to) ?? 0) + 1);
    if (to > top) top = to;
    while (top > 0 && !keysAt.has(top)) top--;
  };

  return {
    of: (key) => counts.get(key) ?? 0,
    keys: () => counts.size,
    heaviest: () => top,
    total: () => total,
    enter(key) {
      const before = counts.get(key) ?? 0;
      counts.set(key, before + 1);
      move(before, before + 1);
      total++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const now = counts.get(key) ?? 1;
        if (now <= 1) counts.delete(key);
        else counts.set(key, now - 1);
        move(now, now - 1);
        total--;
      };
    },
  };
}
