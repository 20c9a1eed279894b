import { RATE_LIMIT_PRESETS } from "./rate-limit-presets.ts";
import type { RateLimitTiers, RateLimitWindow } from "./rate-limit-window.ts";

export type { RateLimitTiers, RateLimitWindow } from "./rate-limit-window.ts";

/** The tier of a key created without `--tier` (the `api_keys.rate_tier` column default); every spec defines it. */
export const DEFAULT_RATE_TIER = "standard";

/** `PATCHBAY_RATE_LIMITS` when unset. */
export const DEFAULT_RATE_LIMITS = "standard=600/60s,bulk=6000/60s";

/** What a tier name may look like (it is stored on keys and shown in the CLI). */
export const RATE_TIER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** A malformed `PATCHBAY_RATE_LIMITS`; the message is one line saying which entry and why. */
export class RateLimitSpecError extends Error {
  override name = "RateLimitSpecError";
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_POINTS = 1_000_000_000;
const MAX_WINDOW_SECONDS = 86_400;
const PRESET_NAMES = [...RATE_LIMIT_PRESETS.keys()].join(", ");
const SHAPE = `must look like tier=600/60s (window unit s, m, h or d), tier=60/1m+1000/1d, tier=unlimited, tier=<preset> or <preset> (presets: ${PRESET_NAMES})`;

function parseWindow(text: string, entry: string): RateLimitWindow {
  const match = /^(\d{1,10})\/(\d{0,6})([smhd])$/.exec(text);
  if (match === null) throw new RateLimitSpecError(`entry ${JSON.stringify(entry)} ${SHAPE}`);
  const [, pointsText = "", countText = "", unit = "s"] = match;
  const points = Number(pointsText);
  const durationSeconds = Number(countText || "1") * (UNIT_SECONDS[unit] ?? 1);
  if (points < 1 || points > MAX_POINTS) {
    throw new RateLimitSpecError(`entry ${JSON.stringify(entry)} must allow 1 to ${MAX_POINTS} requests`);
  }
  if (durationSeconds < 1 || durationSeconds > MAX_WINDOW_SECONDS) {
    throw new RateLimitSpecError(`entry ${JSON.stringify(entry)} must use a window from 1s to 1d`);
  }
  return { points, durationSeconds };
}

/**
 * Parses `PATCHBAY_RATE_LIMITS`: `off`, or comma-separated `tier=<requests>/<window>` entries. A window is
 * a count and a unit (`60s`, `1m`, `m`, `1h`, `1d`); several windows join with `+` and a call must fit all
 * of them (`free=60/1m+1000/1d`); `tier=unlimited` exempts a tier. `tier=<preset>` takes a preset's windows
 * ({@link RATE_LIMIT_PRESETS}: `free`, `solo`, `team`, `enterprise`) and a bare preset name defines the
 * tier of that name (`standard=solo,free,team`). The spec must define
 * {@link DEFAULT_RATE_TIER}. Returns undefined for `off`; throws {@link RateLimitSpecError}.
 */
export function parseRateLimits(spec: string): RateLimitTiers | undefined {
  const trimmed = spec.trim();
  if (trimmed.toLowerCase() === "off") return undefined;
  const tiers = new Map<string, readonly RateLimitWindow[]>();
  for (const raw of trimmed.split(",")) {
    const entry = raw.replace(/\s+/g, "");
    if (entry === "") continue;
    // A bare preset name is short for `<preset>=<preset>`.
    const [name = "", limits = RATE_LIMIT_PRESETS.has(entry) ? entry : undefined, ...extra] =
      entry.split("=");
    if (limits === undefined || extra.length > 0) {
      throw new RateLimitSpecError(`entry ${JSON.stringify(entry)} ${SHAPE}`);
    }
    if (!RATE_TIER_NAME.test(name)) {
      throw new RateLimitSpecError(
        `tier name ${JSON.stringify(name)} must be 1-32 of [a-z0-9_-], starting with a letter`,
      );
    }
    if (tiers.has(name)) throw new RateLimitSpecError(`tier ${JSON.stringify(name)} is defined twice`);
    if (limits === "unlimited") {
      tiers.set(name, []);
      continue;
    }
    const preset = RATE_LIMIT_PRESETS.get(limits);
    if (preset !== undefined) {
      tiers.set(name, preset);
      continue;
    }
    const windows = limits.split("+").map((w) => parseWindow(w, entry));
    const lengths = new Set(windows.map((w) => w.durationSeconds));
    // Each window is its own counter, named by tier and length: two of one length would share it.
    if (lengths.size !== windows.length) {
      throw new RateLimitSpecError(`entry ${JSON.stringify(entry)} repeats a window length`);
    }
    tiers.set(name, windows);
  }
  if (!tiers.has(DEFAULT_RATE_TIER)) {
    throw new RateLimitSpecError(
      `must define the ${DEFAULT_RATE_TIER} tier, which keys get by default (for example ${DEFAULT_RATE_TIER}=600/60s), or be off`,
    );
  }
  return tiers;
}
