import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { type Principal, principalKey } from "../auth/index.ts";
import type { Logger } from "../logging/logger.ts";
import type { ConcurrencyLimits } from "../ratelimit/index.ts";
import { DEFAULT_RATE_TIER } from "../ratelimit/index.ts";
import { createInFlightCounter, type InFlightCounter } from "./in-flight-counter.ts";
import type { LoadMonitor, Pressure } from "./load-monitor.ts";
import { whenResponseDone } from "./when-response-done.ts";

/** Options for {@link createOverloadInterceptor}. */
export interface OverloadInterceptorOptions {
  /** Tier → calls one key may have in flight (`config.concurrencyLimits`); undefined limits nothing. */
  readonly limits: ConcurrencyLimits | undefined;
  /** The load readings that decide when to shed; undefined never sheds. */
  readonly monitor: LoadMonitor | undefined;
  /** Receives one line when shedding starts and one when it stops, never one per call. */
  readonly logger: Logger;
}

/** Counts since start, for the operator (and the metrics endpoint to come). */
export interface OverloadStats {
  /** Keyed calls in flight now. */
  readonly inFlight: number;
  /** Calls refused because their key had its tier's limit in flight. */
  readonly refusedOverLimit: number;
  /** Calls refused to shed load. */
  readonly refusedShed: number;
  /** Times the process went under pressure. */
  readonly overloadEpisodes: number;
  /** What the process is short of now, as of the last keyed call. */
  readonly pressure: Pressure | undefined;
}

/** The interceptor, with its counters and its gate for calls that do not pass through the router. */
export type OverloadInterceptor = Interceptor & {
  stats(): OverloadStats;
  /**
   * Admits one call of `principal` (the same per-key count and shedding as the interceptor's, so a key
   * has one in-flight limit across protocols) and returns the function that ends it; a refusal throws
   * `RESOURCE_EXHAUSTED` with `retry-after`. The MCP endpoint uses it.
   */
  admit(principal: Pick<Principal, "keyId" | "tenantId" | "rateTier">): () => void;
};

const RETRY_AFTER_SECONDS = "1";
/**
 * Under pressure a key keeps at least this many calls: shedding is for the key that holds many, and a
 * client running a handful of calls side by side must not see refusals because the machine is busy.
 */
export const SHED_FLOOR = 4;

/**
 * Keeps one key from taking the process down; runs after auth, before the rate limit (a refused call
 * costs no counter write). Two rules, both per process:
 *
 * - A key may have at most its tier's limit of calls in flight; one more fails at once with
 *   RESOURCE_EXHAUSTED (REST 429) and `retry-after: 1`.
 * - While the event loop lags or statements queue for the database pool beyond their thresholds, a key
 *   holding at least half as many calls in flight as the heaviest key, and at least {@link SHED_FLOOR},
 *   is refused the same way. The heaviest keys go first and shed down to the floor, so keys with a few
 *   calls at a time keep being served. While several tenants have calls in flight, tenants are ranked
 *   the same way, all their keys' calls together: a tenant that spreads its calls over many light keys
 *   (an admin key can make any number) is shed as the heavy caller it is. Calls without a principal
 *   (health, reflection) are never refused here.
 */
export function createOverloadInterceptor(options: OverloadInterceptorOptions): OverloadInterceptor {
  const { limits, monitor, logger } = options;
  const counter = createInFlightCounter();
  const byTenant = createInFlightCounter();
  let refusedOverLimit = 0;
  let refusedShed = 0;
  let overloadEpisodes = 0;
  let shedInEpisode = 0;
  let pressure: Pressure | undefined;

  const limitOf = (tier: string): number =>
    limits?.get(tier) ?? limits?.get(DEFAULT_RATE_TIER) ?? Number.POSITIVE_INFINITY;

  /** Reads the load; logs the start and the end of an episode. */
  const readPressure = (): Pressure | undefined => {
    const now = monitor?.pressure();
    if (now !== undefined && pressure === undefined) {
      overloadEpisodes++;
      shedInEpisode = 0;
      const load = monitor?.sample();
      logger.warn(
        {
          pressure: now,
          loopDelayMs: load?.loopDelayMs,
          dbWaiting: load?.dbWaiting,
          inFlight: counter.total(),
        },
        "overloaded: refusing calls of the API keys with the most calls in flight",
      );
    } else if (now === undefined && pressure !== undefined) {
      logger.info({ shed: shedInEpisode }, "load back under its thresholds; no longer shedding");
    }
    pressure = now;
    return now;
  };

  /** Whether `running` is among the heaviest of `counts` (at least half the heaviest, and the floor). */
  const heavy = (running: number, counts: InFlightCounter): boolean =>
    running >= Math.max(SHED_FLOOR, Math.ceil(counts.heaviest() / 2));

  const admit = (principal: Pick<Principal, "keyId" | "tenantId" | "rateTier">): (() => void) => {
    const running = counter.of(principal.keyId);
    const limit = limitOf(principal.rateTier);
    if (running >= limit) {
      refusedOverLimit++;
      throw new ConnectError(
        `too many calls in flight for this API key (at most ${limit} at once): retry when one has finished`,
        Code.ResourceExhausted,
        [["retry-after", RETRY_AFTER_SECONDS]],
      );
    }
    const pressured = readPressure() !== undefined;
    if (
      pressured &&
      (heavy(running, counter) || (byTenant.keys() > 1 && heavy(byTenant.of(principal.tenantId), byTenant)))
    ) {
      refusedShed++;
      shedInEpisode++;
      throw new ConnectError(
        "server overloaded: calls of the busiest API keys are refused for now; retry later",
        Code.ResourceExhausted,
        [["retry-after", RETRY_AFTER_SECONDS]],
      );
    }
    const leaveKey = counter.enter(principal.keyId);
    const leaveTenant = byTenant.enter(principal.tenantId);
    return () => {
      leaveKey();
      leaveTenant();
    };
  };

  const interceptor: Interceptor = (next) => async (req) => {
    const principal = req.contextValues.get(principalKey);
    if (principal === undefined) return next(req);
    // A bidirectional stream (an on-premise agent's) lives as long as its client: it is no call in
    // flight, and counting it would take one of its key's places for good. Its feature bounds it.
    if (req.method.methodKind === "bidi_streaming") return next(req);
    const leave = admit(principal);
    let res: Awaited<ReturnType<typeof next>>;
    try {
      res = await next(req);
    } catch (error) {
      leave();
      throw error;
    }
    // A streaming call is in flight until its last message is sent or its client goes away.
    return whenResponseDone(res, leave);
  };

  return Object.assign(interceptor, {
    admit,
    stats: (): OverloadStats => ({
      inFlight: counter.total(),
      refusedOverLimit,
      refusedShed,
      overloadEpisodes,
      pressure,
    }),
  });
}
