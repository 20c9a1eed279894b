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
}

/** A connection of pg's pool. */
interface PooledClient {
  query(text: string, values: unknown[]): Promise<NativeResult>;
  release(error?: Error | boolean): void;
}

/** pg's pool, as far as it is used here. */
interface NativePool {
  connect(): Promise<PooledClient>;
}

function isPool(value: unknown): value is NativePool {
  return (
    typeof value === "object" && value !== null && "connect" in value && typeof value.connect === "function"
  );
}

/** A statement error PostgreSQL answered (it has a SQLSTATE), or one never sent: the connection is fine. */
function leavesConnectionUsable(error: unknown): boolean {
  if (error instanceof CallerGoneError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Statements that bypass the ORM's entity work, for hot paths and for libraries that want a pg-style
 * client, on the ORM's pool.
 *
 * A statement takes a connection with `connect()` and runs with a promise, not with
 * `pool.query()`: the pool runs that one through callbacks, from whichever call freed a connection, so
 * the statement would lose track of the caller it runs for (and could not be cancelled when that caller
 * leaves; see `cancel-departed-statements.ts`).
 *
 * The native client is taken once and kept: asking the ORM again after the database is closed would
 * reconnect, so late calls fail instead of reopening it.
 */
export function createNativeQuery(em: () => EntityManager): NativeQuery {
  let native: NativePool | undefined;
  return async (text, values = []) => {
    if (native === undefined) {
      const candidate = await em().getConnection().getNativeClient();
      if (!isPool(candidate)) throw new Error("the database driver exposes no connection pool");
      native = candidate;
    }
    const client = await native.connect();
    let result: NativeResult;
    try {
      result = await client.query(text, [...values]);
      client.release();
    } catch (error) {
      // Like pg's own pool.query, a connection whose failure is not a plain statement error is dropped.
      client.release(leavesConnectionUsable(error) ? undefined : (error as Error));
      throw error;
    }
    return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
  };
}
