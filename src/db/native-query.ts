import type { EntityManager } from "@mikro-orm/sql";

/** One parameterised statement (`$1`, `$2`, ...) on the driver underneath the ORM. */
export type NativeQuery = (
  text: string,
  values?: readonly unknown[],
) => Promise<{ rows: unknown[]; rowCount: number }>;

/** Both native clients (pg's Pool and PGlite) answer `query(text, values)`. */
interface NativeClient {
  query(
    text: string,
    values: unknown[],
  ): Promise<{ rows: unknown[]; rowCount?: number | null; affectedRows?: number }>;
}

function isNativeClient(value: unknown): value is NativeClient {
  return typeof value === "object" && value !== null && "query" in value && typeof value.query === "function";
}

/**
 * Statements that bypass the ORM's entity work, for hot paths and for libraries that want a pg-style
 * client: pg's pool on PostgreSQL, the one PGlite instance in embedded mode (PGlite serialises them with
 * the ORM's, and waits for an open ORM transaction to finish first).
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
    const result = await native.query(text, [...values]);
    return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
  };
}
