import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type Principal, principalKey } from "../auth/index.ts";
import type { Database } from "../db/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { PlatformMetrics } from "../metrics/index.ts";
import { writable } from "../protocol/errors.ts";
import { createFailOpenTracker, type FailOpenStats } from "./fail-open-tracker.ts";
import { DEFAULT_RATE_TIER, type RateLimitTiers } from "./parse-rate-limits.ts";
import { createRateLimitStoreClient } from "./rate-limit-store-client.ts";
import { createRateLimiter, type RateLimitDecision } from "./rate-limiter.ts";

/** Response headers on every limited call (and on its RESOURCE_EXHAUSTED error), lower-case as on HTTP/2. */
export const RATE_LIMIT_HEADERS = {
  /** Calls allowed in the current window. */
  limit: "x-ratelimit-limit",
  /** Calls left in the current window. */
  remaining: "x-ratelimit-remaining",
  /** When the window starts over, in Unix epoch seconds. */
  reset: "x-ratelimit-reset",
  /** On RESOURCE_EXHAUSTED only: seconds to wait before calling again. */
  retryAfter: "retry-after",
} as const;

/** Options for {@link createRateLimitInterceptor}. */
export interface RateLimitInterceptorOptions {
  /** The database holding the `rate_limits` counters, shared by every replica. */
  db: Pick<Database, "em">;
  /** Tier name → windows (`config.rateLimits`); undefined (`PATCHBAY_RATE_LIMITS=off`) limits nothing. */
  tiers: RateLimitTiers | undefined;
  /** Receives one warning when the store starts failing and one note when it answers again (per incident). */
  logger: Logger;
  /** Longest wait for the store before the call goes through unlimited; 1000 ms by default. */
  storeTimeoutMs?: number;
  /** The clock for `x-ratelimit-reset` and incident durations, in epoch milliseconds. */
  now?: () => number;
  /** Counts refusals by tier and calls let through by a failing store; undefined when metrics are off. */
  metrics?: Pick<PlatformMetrics, "rateLimited" | "rateLimitFailedOpen"> | undefined;
}

/** The interceptor, with its fail-open record. */
export type RateLimitInterceptor = Interceptor & {
  /** Store outages and the calls they let through unlimited, since start. */
  failOpen(): FailOpenStats;
};

function headersOf(decision: RateLimitDecision, nowMs: number): [string, string][] {
  return [
    [RATE_LIMIT_HEADERS.limit, String(decision.limit)],
    [RATE_LIMIT_HEADERS.remaining, String(decision.remaining)],
    [RATE_LIMIT_HEADERS.reset, String(Math.ceil((nowMs + decision.resetMs) / 1000))],
  ];
}

/**
 * Limits calls per API key by the tier of the key, with counters in the database so that replicas share
 * one limit. Runs after the auth interceptor: procedures without a principal (health, reflection, the
 * public webhook receiver) are not limited here. Every limited call carries the `x-ratelimit-*` headers;
 * a call over the limit fails with RESOURCE_EXHAUSTED (REST 429) and `retry-after`.
 *
 * When the store fails or answers slower than `storeTimeoutMs`, calls go through unlimited (fail open):
 * the limit protects capacity, not secrets, and the key was already authenticated, so a counter outage
 * must not become an API outage. Each outage is logged once when it starts and once when it ends (not
 * once per call), and counted with the calls it let through (`failOpen()`).
 */
export function createRateLimitInterceptor(options: RateLimitInterceptorOptions): RateLimitInterceptor {
  const check = createRateLimitCheck(options);
  // Off: not even a call per request.
  if (options.tiers === undefined) {
    const unlimited: Interceptor = (next) => next;
    return Object.assign(unlimited, { failOpen: check.failOpen });
  }
  const interceptor: Interceptor = (next) => async (req) => {
    const principal = req.contextValues.get(principalKey);
    if (principal === undefined) return next(req);
    const verdict = await check(principal);
    if (verdict.refused !== undefined) throw verdict.refused;
    try {
      const res = await next(req);
      for (const [name, value] of verdict.headers) res.header.set(name, value);
      return res;
    } catch (error) {
      // A failed call still counted: say so on the error too.
      if (!(error instanceof ConnectError)) throw error;
      const answered = writable(error);
      for (const [name, value] of verdict.headers) answered.metadata.set(name, value);
      throw answered;
    }
  };
  return Object.assign(interceptor, { failOpen: check.failOpen });
}

/** One call's rate-limit verdict: the `x-ratelimit-*` headers to answer, and the refusal when over the limit. */
export interface RateLimitVerdict {
  readonly headers: readonly (readonly [string, string])[];
  /** RESOURCE_EXHAUSTED with the headers and `retry-after` in its metadata; undefined: the call may run. */
  readonly refused?: ConnectError;
}

/**
 * Counts one call of a principal against its key's limit (the interceptor's decision, for other mounts),
 * or `calls` calls at once (an MCP batch: all of them fit, or the verdict refuses them all).
 */
export type RateLimitCheck = ((principal: Principal, calls?: number) => Promise<RateLimitVerdict>) & {
  /** Store outages and the calls they let through unlimited, since start. */
  failOpen(): FailOpenStats;
};

/**
 * The decision of {@link createRateLimitInterceptor} on its own, for an endpoint that is not a Connect
 * procedure (`/mcp`): the same counters in the database, so a key has one limit across every protocol,
 * and the same fail-open rule. No headers and no refusal when rate limiting is off.
 */
export function createRateLimitCheck(options: RateLimitInterceptorOptions): RateLimitCheck {
  const { tiers, logger } = options;
  const now = options.now ?? Date.now;
  const failOpen = createFailOpenTracker(logger, now);
  const unlimited: RateLimitVerdict = { headers: [] };
  if (tiers === undefined) {
    return Object.assign(async () => unlimited, { failOpen: failOpen.stats });
  }
  const limiter = createRateLimiter({
    store: createRateLimitStoreClient(options.db),
    tiers,
    timeoutMs: options.storeTimeoutMs ?? 1000,
  });
  const unknownTiers = new Set<string>();

  const check = async (principal: Principal, calls = 1): Promise<RateLimitVerdict> => {
    if (!tiers.has(principal.rateTier) && !unknownTiers.has(principal.rateTier)) {
      unknownTiers.add(principal.rateTier);
      logger.warn(
        { tier: principal.rateTier, principal: principal.keyId },
        `API key has a rate tier that PATCHBAY_RATE_LIMITS does not define; it is limited as ${DEFAULT_RATE_TIER}`,
      );
    }
    let decision: RateLimitDecision | undefined;
    const ticket = failOpen.begin();
    try {
      decision = await limiter.consume(principal.keyId, principal.rateTier, calls);
      failOpen.answered(ticket);
    } catch (error) {
      failOpen.failed(ticket, error);
      options.metrics?.rateLimitFailedOpen();
      return unlimited;
    }
    if (decision === undefined) return unlimited;
    const headers = headersOf(decision, now());
    if (!decision.allowed) {
      const retryAfter = Math.max(1, Math.ceil(decision.resetMs / 1000));
      const refused = new ConnectError(
        `rate limit exceeded: retry after ${retryAfter} s`,
        Code.ResourceExhausted,
        headers,
      );
      refused.metadata.set(RATE_LIMIT_HEADERS.retryAfter, String(retryAfter));
      options.metrics?.rateLimited(tiers.has(principal.rateTier) ? principal.rateTier : DEFAULT_RATE_TIER);
      return { headers, refused };
    }
    return { headers };
  };
  return Object.assign(check, { failOpen: failOpen.stats });
}
