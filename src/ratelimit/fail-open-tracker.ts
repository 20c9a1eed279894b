import type { Logger } from "../logging/logger.ts";

/** The rate limiter's fail-open record since start, for operators (and the metrics endpoint to come). */
export interface FailOpenStats {
  /** True while the counter store is failing and calls pass unlimited. */
  readonly failing: boolean;
  /** Store outages seen (each one logged once, when it starts). */
  readonly incidents: number;
  /** Calls let through unlimited because the store failed or was too slow. */
  readonly calls: number;
}

/** Tells store outages apart from single failures, so each is logged once, with its end. */
export interface FailOpenTracker {
  /** Numbers a store call about to start. */
  begin(): number;
  /** The store call numbered `ticket` failed; the call goes through unlimited. */
  failed(ticket: number, error: unknown): void;
  /** The store call numbered `ticket` answered. */
  answered(ticket: number): void;
  stats(): FailOpenStats;
}

/**
 * An incident starts with the first failed store call and ends with the first answer from a call that
 * started after it began: a call already in flight when the store went away may still answer, and must
 * not end the incident (that would log one warning per flap under load). The start is a warning, the
 * end an info line with how many calls passed unlimited and for how long.
 */
export function createFailOpenTracker(logger: Logger, now: () => number): FailOpenTracker {
  let issued = 0;
  let incidents = 0;
  let calls = 0;
  let incident: { readonly fromTicket: number; readonly since: number; calls: number } | undefined;
  return {
    begin: () => ++issued,
    failed(_ticket, error) {
      calls++;
      if (incident === undefined) {
        incidents++;
        incident = { fromTicket: issued, since: now(), calls: 0 };
        logger.warn(
          { err: error, code: "RATE_LIMIT_STORE_DOWN", incident: incidents },
          "rate limit store failed; calls go through unlimited until it answers",
        );
      }
      incident.calls++;
    },
    answered(ticket) {
      if (incident === undefined || ticket <= incident.fromTicket) return;
      logger.info(
        {
          incident: incidents,
          unlimitedCalls: incident.calls,
          durationMs: Math.max(0, now() - incident.since),
        },
        "rate limit store answers again; calls are limited",
      );
      incident = undefined;
    },
    stats: () => ({ failing: incident !== undefined, incidents, calls }),
  };
}
