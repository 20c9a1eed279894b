import type { Database } from "./database.ts";
import type { NativeQuery } from "./native-query.ts";

/** Runs `work` in one transaction on the driver under the ORM, with `$n`-parameter statements. */
export type NativeTransaction = <T>(work: (query: NativeQuery) => Promise<T>) => Promise<T>;

interface PgClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  release(error?: Error): void;
}
interface PgPool {
  connect(): Promise<PgClient>;
}
interface PgliteLike {
  transaction<T>(
    work: (tx: {
      query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; affectedRows?: number }>;
    }) => Promise<T>,
  ): Promise<T>;
}

/**
 * Transactions for hot paths that also hand their connection to a library (the job queue enqueues in
 * the same transaction as the event it delivers): one pooled client with BEGIN/COMMIT on PostgreSQL,
 * PGlite's own `transaction()` in embedded mode (which holds its one connection until the end).
 */
export function createNativeTransaction(db: Database): NativeTransaction {
  let native: unknown;
  const client = async (): Promise<unknown> => {
    native ??= await db.em().getConnection().getNativeClient();
    return native;
  };
  if (db.kind === "pglite") {
    return async (work) => {
      const pglite = (await client()) as PgliteLike;
      return pglite.transaction((tx) =>
        work(async (text, values = []) => {
          const result = await tx.query(text, [...values]);
          return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
        }),
      );
    };
  }
  return async (work) => {
    const pool = (await client()) as PgPool;
    const connection = await pool.connect();
    let failed: Error | undefined;
    try {
      await connection.query("begin");
      const result = await work(async (text, values = []) => {
        const answer = await connection.query(text, [...values]);
        return { rows: answer.rows, rowCount: answer.rowCount ?? answer.rows.length };
      });
      await connection.query("commit");
      return result;
    } catch (error) {
      await connection.query("rollback").catch((rollbackError: unknown) => {
        // A connection that cannot roll back is broken: the pool must not hand it out again.
        failed = rollbackError instanceof Error ? rollbackError : new Error("rollback failed");
      });
      throw error;
    } finally {
      connection.release(failed);
    }
  };
}
