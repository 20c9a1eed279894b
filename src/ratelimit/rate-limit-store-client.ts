import { createNativeQuery, type Database } from "../db/index.ts";

/** A row of `rate_limits` as RateLimiterPostgres reads it. */
export interface RateLimitRow {
  readonly points: number;
  readonly expire: number | null;
}

/** The slice of pg's client interface RateLimiterPostgres calls (with `storeType: "client"`). */
export interface RateLimitStoreClient {
  /** Runs one parameterised statement (`$1`, `$2`, ...); the library's statement name is ignored. */
  query(query: { readonly text: string; readonly values?: readonly unknown[] }): Promise<{
    rows: RateLimitRow[];
    rowCount: number;
  }>;
}

// pg returns bigint columns as strings; the library does arithmetic on them.
function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === "number" ? value : Number(value);
}

function toRow(value: unknown): RateLimitRow {
  const row = typeof value === "object" && value !== null ? value : {};
  return {
    points: ("points" in row ? toNumber(row.points) : null) ?? 0,
    expire: "expire" in row ? toNumber(row.expire) : null,
  };
}

/**
 * A RateLimiterPostgres store client over the database Patchbay already holds (the ORM's pool).
 *
 * The native client is taken once and kept: asking the ORM again after `db.close()` would reconnect, so
 * the library's background cleanup firing late simply fails (it ignores failures) instead of reopening
 * the database.
 */
export function createRateLimitStoreClient(db: Pick<Database, "em">): RateLimitStoreClient {
  const query = createNativeQuery(() => db.em());
  return {
    async query({ text, values = [] }) {
      const result = await query(text, values);
      return { rows: result.rows.map(toRow), rowCount: result.rowCount };
    },
  };
}
