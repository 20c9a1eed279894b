/** Bounds of the reconnect delay. */
export interface BackoffBounds {
  /** The first retry waits up to this long, in milliseconds. */
  readonly baseMs: number;
  /** No retry waits longer than this, in milliseconds. */
  readonly capMs: number;
}

/**
 * Exponential backoff with full jitter: a uniformly random delay in [0, min(cap, base * 2^attempt)),
 * so agents that lost the same replica do not all come back at once. `random` is in [0, 1).
 */
export function backoffDelay(attempt: number, bounds: BackoffBounds, random: () => number): number {
  const ceiling = Math.min(bounds.capMs, bounds.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
