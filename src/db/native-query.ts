import type { EntityManager } from "@mikro-orm/sql";
import { CallerGoneError } from "./cancel-departed-statements.ts";

/** One parameterised statement (`$1`, `$2`, ...) on the driver underneath the ORM. */
export type NativeQuery = (
  text: string,
  values?: readonly unknown[],
) => Promise<{ rows: unknown[]; rowCount: number }>;

interface NativeResult {
  rows: unknown[];
  rowCount?: number | null;
  affectedRows?: number;
}

/** Both native clients (pg's Pool and PGlite) answer `query(text, values)`. */
interface NativeClient {
  query(text: string, values: unknown[]): Promise<NativeResult>;
}

/** pg's Pool also hands out connections, which is how statements are sent here (see below). */
interface PooledClient {
  query(text: string, values: unknown[]): Promise<NativeResult>;
  release(error?: Error | boolean): void;
}
interface NativePool extends NativeClient {
  connect(): Promise<PooledClient>;
}

function isNativeClient(value: unknown): value is NativeClient {
  return typeof value === "object" && value !== null && "query" in value && typeof value.query === "function";
}

function isPool(value: NativeClient): value is NativePool {
  return "connect" in value && typeof value.connect === "function";
}

/** A statement error PostgreSQL answered (it has a SQLSTATE), or one never sent: the connection is fine. */
function leavesConnectionUsable(error: unknown): boolean {
  if (error instanceof CallerGoneError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Statements that bypass the ORM's entity work, for hot paths and for libraries that want a pg-style
 * client: pg's pool on PostgreSQL, the one PGlite instance in embedded mode (PGlite serialises them with
 * the ORM's, and waits for an open ORM transaction to finish first).
 *
 * On PostgreSQL a statement takes a connection with `connect()` and runs with a promise, not with
 * `pool.query()`: the pool runs that one through callbacks, from whichever call freed a connection, so
 * the statement would lose track of the caller it runs for (and could not be cancelled when that caller
 * leaves; see `cancel-departed-statements.ts`).
 *
 * The native client is taken once and kept: asking the ORM again after the database is closed would
 * reconnect, so late calls fail instead of reopening it.
 */
export function createNativeQuery(em: () => EntityManager): NativeQuery {
  let native: NativeClient | undefined;
  return async (text, values = []) => {
    if (native === undefined) {
      const candidate = await em().getConnection().getNativeClient();
      if (!isNativeClient(candidate)) throw new Error("the database driver exposes no query(text, values)");
      native = candidate;
    }
    let result: NativeResult;
    if (isPool(native)) {
      const client = await native.connect();
      try {
        result = await client.query(text, [...values]);
        client.release();
      } catch (error) {
        // Like pg's own pool.query, a connection whose failure is not a plain statement error is dropped.
        client.release(leavesConnectionUsable(error) ? undefined : (error as Error));
        throw error;
      }
    } else {
      result = await native.query(text, [...values]);
    }
    return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
  };
}
