// The tier vocabulary is the rate limits' (a key has one tier for both); the parser file, not the
// feature index, so that reading the settings loads no limiter.
import { DEFAULT_RATE_TIER, RATE_TIER_NAME } from "./parse-rate-limits.ts";

/** Tier name → most calls one key of that tier may have in flight at once; `Infinity` for unlimited. */
export type ConcurrencyLimits = ReadonlyMap<string, number>;

/** `PATCHBAY_CONCURRENCY_LIMITS` when unset. */
export const DEFAULT_CONCURRENCY_LIMITS = "standard=32,bulk=256";

/** A malformed `PATCHBAY_CONCURRENCY_LIMITS`; the message is one line saying which entry and why. */
export class ConcurrencyLimitSpecError extends Error {
  override name = "ConcurrencyLimitSpecError";
}

const MAX_IN_FLIGHT = 100_000;
const SHAPE = "must look like tier=32 (calls in flight at once) or tier=unlimited";

/**
 * Parses `PATCHBAY_CONCURRENCY_LIMITS`: `off`, or comma-separated `tier=<calls>` entries (`tier=unlimited`
 * exempts a tier). Tier names are those of `PATCHBAY_RATE_LIMITS`, and the spec must define
 * {@link DEFAULT_RATE_TIER}, which keys of an unlisted tier get. Returns undefined for `off`; throws
 * {@link ConcurrencyLimitSpecError}.
 */
export function parseConcurrencyLimits(spec: string): ConcurrencyLimits | undefined {
  const trimmed = spec.trim();
  if (trimmed.toLowerCase() === "off") return undefined;
  const limits = new Map<string, number>();
  for (const raw of trimmed.split(",")) {
    const entry = raw.replace(/\s+/g, "");
    if (entry === "") continue;
    const [name = "", value, ...extra] = entry.split("=");
    if (value === undefined || extra.length > 0) {
      throw new ConcurrencyLimitSpecError(`entry ${JSON.stringify(entry)} ${SHAPE}`);
    }
    if (!RATE_TIER_NAME.test(name)) {
      throw new ConcurrencyLimitSpecError(
        `tier name ${JSON.stringify(name)} must be 1-32 of [a-z0-9_-], starting with a letter`,
      );
    }
    if (limits.has(name))
      throw new ConcurrencyLimitSpecError(`tier ${JSON.stringify(name)} is defined twice`);
    if (value === "unlimited") {
      limits.set(name, Number.POSITIVE_INFINITY);
      continue;
    }
    if (!/^\d{1,6}$/.test(value))
      throw new ConcurrencyLimitSpecError(`entry ${JSON.stringify(entry)} ${SHAPE}`);
    const calls = Number(value);
    if (calls < 1 || calls > MAX_IN_FLIGHT) {
      throw new ConcurrencyLimitSpecError(
        `entry ${JSON.stringify(entry)} must allow 1 to ${MAX_IN_FLIGHT} calls in flight`,
      );
    }
    limits.set(name, calls);
  }
  if (!limits.has(DEFAULT_RATE_TIER)) {
    throw new ConcurrencyLimitSpecError(
      `must define the ${DEFAULT_RATE_TIER} tier, which keys get by default (for example ${DEFAULT_RATE_TIER}=32), or be off`,
    );
  }
  return limits;
}
