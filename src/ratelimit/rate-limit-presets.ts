import type { RateLimitWindow } from "./rate-limit-window.ts";

/**
 * Named tiers a `PATCHBAY_RATE_LIMITS` entry can refer to instead of spelling the windows out: `free`
 * alone defines the tier `free` with the preset's windows, `standard=team` gives the default tier the
 * `team` windows. A call must fit every window (per minute and per day); `enterprise` is unlimited, its
 * numbers being agreed per customer (give such a key its own tier with explicit windows).
 */
export const RATE_LIMIT_PRESETS: ReadonlyMap<string, readonly RateLimitWindow[]> = new Map([
  [
    "free",
    [
      { points: 60, durationSeconds: 60 },
      { points: 50, durationSeconds: 86_400 },
    ],
  ],
  [
    "solo",
    [
      { points: 100, durationSeconds: 60 },
      { points: 500, durationSeconds: 86_400 },
    ],
  ],
  [
    "team",
    [
      { points: 500, durationSeconds: 60 },
      { points: 5000, durationSeconds: 86_400 },
    ],
  ],
  ["enterprise", []],
]);
