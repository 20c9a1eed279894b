import { RateLimiterPostgres, RateLimiterRes, RLWrapperTimeouts } from "rate-limiter-flexible";
import { DEFAULT_RATE_TIER, type RateLimitTiers, type RateLimitWindow } from "./parse-rate-limits.ts";
import type { RateLimitStoreClient } from "./rate-limit-store-client.ts";

/** The table migration m0002 creates in the library's schema (key, points, expire). */
export const RATE_LIMIT_TABLE = "rate_limits";

/** The outcome of counting one call. */
export interface RateLimitDecision {
  /** False when the call exceeds a window of its tier. */
  readonly allowed: boolean;
  /** Calls allowed in the binding window (the one closest to exhaustion). */
  readonly limit: number;
  /** Calls left in that window after this one. */
  readonly remaining: number;
  /** Milliseconds until that window starts over (for a refused call: until a call may succeed). */
  readonly resetMs: number;
}

/** Counts calls per API key in the database, so every replica sees one counter. */
export interface RateLimiter {
  /**
   * Counts `calls` calls (1 unless given) of `keyId` against the windows of `tier` in one write each (an
   * unconfigured tier counts as {@link DEFAULT_RATE_TIER}). Undefined for an unlimited tier; rejects when
   * the store fails or is slow.
   */
  consume(keyId: string, tier: string, calls?: number): Promise<RateLimitDecision | undefined>;
}

/** Options for {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Where the counters live. */
  store: RateLimitStoreClient;
  /** Tier name → windows. */
  tiers: RateLimitTiers;
  /** Longest wait for the store before `consume` rejects. */
  timeoutMs: number;
}

interface WindowLimiter {
  readonly window: RateLimitWindow;
  readonly limiter: RLWrapperTimeouts;
}

/** Of several windows, the one to report: a refusing one (longest wait), else the fewest calls left. */
function binding(a: RateLimitDecision, b: RateLimitDecision): RateLimitDecision {
  if (a.allowed !== b.allowed) return a.allowed ? b : a;
  if (!a.allowed) return a.resetMs >= b.resetMs ? a : b;
  if (a.remaining !== b.remaining) return a.remaining < b.remaining ? a : b;
  return a.resetMs >= b.resetMs ? a : b;
}

/**
 * Builds one `RateLimiterPostgres` (fixed window, atomic upsert) per tier window over one shared table.
 * Each gets its own key prefix (`<tier>:<seconds>s`), so tiers and windows never share a counter.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { store, tiers, timeoutMs } = options;
  let cleanerStarted = false;
  const limiters = new Map<string, WindowLimiter[]>();
  for (const [tier, windows] of tiers) {
    limiters.set(
      tier,
      windows.map((window) => {
        const postgres = new RateLimiterPostgres({
          storeClient: store,
          storeType: "client",
          tableName: RATE_LIMIT_TABLE,
          // The migration made the table; the library must not create its own.
          tableCreated: true,
          // All limiters share the table: one of them deleting long-expired rows every 5 minutes is enough.
          clearExpiredByTimeout: !cleanerStarted,
          keyPrefix: `${tier}:${window.durationSeconds}s`,
          points: window.points,
          duration: window.durationSeconds,
          // A key over its limit is refused from memory until its window ends, so a client hammering
          // past the limit costs no database writes on this replica.
          inMemoryBlockOnConsumed: window.points + 1,
        });
        cleanerStarted = true;
        return { window, limiter: new RLWrapperTimeouts({ limiter: postgres, timeoutMs }) };
      }),
    );
  }
  const fallback = limiters.get(DEFAULT_RATE_TIER) ?? [];

  return {
    async consume(keyId, tier, calls = 1) {
      const windows = limiters.get(tier) ?? fallback;
      if (windows.length === 0) return undefined;
      const outcomes = await Promise.allSettled(windows.map((w) => w.limiter.consume(keyId, calls)));
      let decision: RateLimitDecision | undefined;
      let failure: unknown;
      outcomes.forEach((outcome, i) => {
        const limit = windows[i]?.window.points ?? 0;
        let next: RateLimitDecision;
        if (outcome.status === "fulfilled") {
          const res = outcome.value;
          next = { allowed: true, limit, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
        } else if (outcome.reason instanceof RateLimiterRes) {
          next = { allowed: false, limit, remaining: 0, resetMs: outcome.reason.msBeforeNext };
        } else {
          failure ??= outcome.reason;
          return;
        }
        decision = decision === undefined ? next : binding(decision, next);
      });
      // A refusal is a definite answer even if another window's store call failed.
      if (decision === undefined || (decision.allowed && failure !== undefined)) throw failure;
      return decision;
    },
  };
}
