import type { Writable } from "node:stream";
import pg from "pg";
import type { Logger } from "../logging/logger.ts";
import type { Database } from "./database.ts";
import type { NativeQuery } from "./native-query.ts";
import type { PoolLoad } from "./read-pool-load.ts";
import { createTurnstile } from "./turnstile.ts";

const MAX_PREPARED = 32;

/** What a pipelined transaction's work is given. */
export interface TransactionPipe {
  /** Sends a `$n`-parameter statement now, behind what was sent before; resolves with its result. */
  readonly query: NativeQuery;
  /**
   * Sends COMMIT behind the statements sent so far, without waiting for their answers first. Rejects when
   * the transaction did not commit. Work that never calls it is committed once it returns.
   */
  commit(): Promise<void>;
}

/** Runs `work` in one transaction whose statements are pipelined (see {@link createPipelinedTransaction}). */
export type PipelinedTransaction = <T>(work: (tx: TransactionPipe) => Promise<T>) => Promise<T>;

/** Options of {@link createPipelinedTransaction}. */
export interface PipelinedTransactionOptions {
  readonly db: Database;
  /** Connections of its own: transactions beyond this many at once wait their turn. */
  readonly connections: number;
  readonly logger: Logger;
}

/**
 * Returns a function that holds the connection's socket writes until the current turn of the event loop
 * ends, so the statements sent in one turn (BEGIN with the first ones, the last ones with COMMIT) leave
 * in one system call. node-postgres writes each statement on its own (five writes per webhook batch:
 * BEGIN, the turn, two INSERTs, COMMIT), and each write also wakes the database's backend. Without a
 * socket to hold (another stream type), it does nothing.
 */
function gatherWrites(client: pg.PoolClient): () => void {
  const socket = (client as unknown as { connection?: { stream?: Partial<Writable> } }).connection?.stream;
  let held = false;
  return () => {
    if (held || socket?.cork === undefined || socket.uncork === undefined) return;
    held = true;
    socket.cork();
    process.nextTick(() => {
      held = false;
      socket.uncork?.();
    });
  };
}

/**
 * Transactions for the hot path that commits webhook events with their jobs. They run on a small pool
 * of their own whose connections pipeline (node-postgres `pipeline: true`): BEGIN goes out
 * with the first statement and COMMIT with the last, so a transaction of three statements costs two
 * round trips instead of five, each of which waits behind everything else on a busy event loop.
 */
export function createPipelinedTransaction(options: PipelinedTransactionOptions): {
  readonly transaction: PipelinedTransaction;
  /**
   * Its connections now: `idle` are those between transactions (held, not given back to the pool), and
   * `waiting` the transactions waiting for one.
   */
  load(): PoolLoad;
  close(): Promise<void>;
} {
  const pool = new pg.Pool({
    connectionString: options.db.url,
    max: options.connections,
    pipeline: true,
    application_name: "patchbay-events",
    // The statements here insert from arrays and JSON: their plan never depends on the values, so the
    // generic plan of a prepared statement is the plan, and binding skips planning.
    options: "-c plan_cache_mode=force_generic_plan",
  } as pg.PoolConfig);
  // Observed as the ORM's pool is (the tracer's statement spans), from its first connection on. Every
  // statement here, BEGIN and COMMIT included, goes through `client.query` once. Pipelined statements
  // overlap: each is observed from when it is queued to when its answer arrives, so it includes the
  // statements sent ahead of it.
  options.db.observePool(pool);
  // Prepared once per connection (named statements): parsing and planning were a third of the
  // database's time per batch. Texts beyond the cap (a pull queue per endpoint renders its own) run
  // unnamed, so the statements kept on each connection stay bounded.
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED) {
      name = `patchbay_events_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  // An idle connection that drops emits 'error' on the pool; without a listener it would end the process.
  pool.on("error", (error: Error & { code?: string }) =>
    options.logger.warn({ code: error.code ?? "DB_CONNECTION_LOST" }, "event database connection lost"),
  );

  // Connections stay checked out between transactions: taking one from the pool again costs a turn of
  // the event loop, which on a busy receiver is milliseconds.
  const idle: pg.PoolClient[] = [];
  // Connections whose socket failed: given back to the pool as broken instead of being used again.
  const lost = new WeakMap<pg.PoolClient, Error>();
  let closed = false;
  // At most `connections` transactions hold a connection; the rest wait here in order. Connections are
  // never given back to the pool while in use, so without this a transaction over the limit would wait
  // on the pool forever.
  const turnstile = createTurnstile(options.connections);

  async function connect(): Promise<pg.PoolClient> {
    // Every connection comes fresh from the pool (one in use is only given back broken or at close).
    const client = await pool.connect();
    // The pool stops listening to a connection it has handed out; a checked-out connection whose
    // server goes away (a restart, a failover) would otherwise throw from an 'error' event.
    client.on("error", (error: Error & { code?: string }) => {
      lost.set(client, error);
      options.logger.warn({ code: error.code ?? "DB_CONNECTION_LOST" }, "event database connection lost");
      const at = idle.indexOf(client);
      if (at >= 0) {
        idle.splice(at, 1);
        client.release(error);
      }
    });
    return client;
  }

  function transaction<T>(work: (tx: TransactionPipe) => Promise<T>): Promise<T> {
    return turnstile(() => run(work));
  }

  async function run<T>(work: (tx: TransactionPipe) => Promise<T>): Promise<T> {
    if (closed) throw new Error("the event database pool is closed");
    const client = idle.pop() ?? (await connect());
    let broken: Error | undefined;
    let committing: Promise<void> | undefined;
    const gather = gatherWrites(client);
    gather();
    const begin = client.query("begin");
    // Its failure also fails every statement behind it; it is awaited below.
    begin.catch(() => undefined);
    const commit = (): Promise<void> => {
      gather();
      committing ??= client.query("commit").then((result) => {
        // COMMIT of a transaction that an earlier statement aborted answers ROLLBACK, not an error.
        if (result.command !== "COMMIT") throw new Error("the transaction was rolled back");
      });
      // Whoever calls commit() awaits it; this only keeps an unawaited failure from being unhandled.
      committing.catch(() => undefined);
      return committing;
    };
    try {
      const result = await work({
        query: async (text, values = []) => {
          gather();
          const answer = await client.query({ name: nameOf(text), text, values: [...values] });
          return { rows: answer.rows, rowCount: answer.rowCount ?? answer.rows.length };
        },
        commit,
      });
      await begin;
      await commit();
      return result;
    } catch (error) {
      // Behind whatever is still in flight; after a COMMIT that answered ROLLBACK it is a no-op.
      gather();
      await client.query("rollback").catch((rollbackError: unknown) => {
        // A connection that cannot roll back is broken: the pool must not hand it out again.
        broken = rollbackError instanceof Error ? rollbackError : new Error("rollback failed");
      });
      throw error;
    } finally {
      broken ??= lost.get(client);
      if (broken !== undefined || closed) client.release(broken);
      else idle.push(client);
    }
  }

  return {
    transaction,
    // The pool counts every connection held here as in use: only this side knows which are between
    // transactions, and transactions past the limit wait at the turnstile, not at the pool.
    load: () => ({
      size: pool.totalCount,
      idle: idle.length,
      waiting: turnstile.waiting() + pool.waitingCount,
    }),
    async close() {
      closed = true;
      for (const client of idle.splice(0)) client.release();
      await pool.end();
    },
  };
}
