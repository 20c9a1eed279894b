/** One limit: at most `points` calls per key in each fixed window of `durationSeconds`. */
export interface RateLimitWindow {
  /** Calls allowed per window. */
  readonly points: number;
  /** Window length in seconds. */
  readonly durationSeconds: number;
}

/** Tier name → its windows; a call must fit every window. An empty list is an unlimited tier. */
export type RateLimitTiers = ReadonlyMap<string, readonly RateLimitWindow[]>;
