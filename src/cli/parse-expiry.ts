import { InvalidArgumentError } from "commander";

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
// RFC 3339 with a zone, as Timestamp's JSON form: 2027-01-31T00:00:00Z, 2027-01-31T09:00:00+09:00.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Reads `--expires`: an RFC 3339 time with a zone, or a span from `now` in minutes, hours or days
 * (`90d`, `12h`, `30m`). Whether it lies in the future is the key rules' to say.
 */
export function parseExpiry(value: string, now: Date = new Date()): Date {
  const span = /^(\d{1,6})([mhd])$/.exec(value);
  if (span !== null) return new Date(now.getTime() + Number(span[1]) * (UNIT_MS[span[2] as string] ?? 0));
  const at = RFC3339.test(value) ? new Date(value) : undefined;
  if (at === undefined || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError("use an RFC 3339 time (2027-01-31T00:00:00Z) or a span (90d, 12h, 30m)");
  }
  return at;
}
