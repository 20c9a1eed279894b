import type { CallerScope } from "./caller-scope.ts";
import { type PgClient, type PgPoolEvents, statementText } from "./pg-client.ts";
import { sendCancelRequest } from "./send-cancel-request.ts";

/** What happened to statements whose caller left, since the database opened. */
export interface StatementStats {
  /** Statements running when their caller left, cancelled in PostgreSQL. */
  readonly cancelled: number;
  /** Statements not sent at all, because their caller had already left when they got a connection. */
  readonly skipped: number;
}

/** The error a statement gets when it was not sent because its caller had left. */
export class CallerGoneError extends Error {
  override name = "CallerGoneError";
  readonly code = "CALLER_GONE";
  constructor() {
    super("the caller left before this statement was sent");
  }
}

// Reads only: a write may be shared work (a batch of execution records, a refreshed OAuth token) that
// one caller started for many, and must not be lost because that caller left; writes end by the
// statement timeout instead. A read that mentions a write keyword (`for update`, a quoted word) counts
// as a write: misreading errs towards running the statement.
const READ = /^\s*(select|with|values|table|show)\b/i;
const WRITE_WORD = /\b(insert|update|delete|merge|truncate|lock|copy|call|do)\b/i;

/**
 * Ties the reads of every pooled connection to the caller they run for (see {@link CallerScope}):
 * - a read whose caller has already left when it gets a connection outside a transaction is not sent
 *   ({@link CallerGoneError}), so a queue of abandoned calls drains without touching PostgreSQL;
 * - a read running when its caller leaves is cancelled with a CancelRequest, and its connection goes
 *   back to the pool only once PostgreSQL has taken the request, so the cancel cannot reach the next
 *   statement on that connection. Inside a transaction the cancel fails the transaction, which then
 *   rolls back whole.
 * Statements outside any call (start-up, background work), callback-style calls and cursors are not
 * touched.
 */
export function cancelDepartedStatements(pool: PgPoolEvents, scope: CallerScope): () => StatementStats {
  let cancelled = 0;
  let skipped = 0;
  pool.on("connect", (client: PgClient) => {
    const query = client.query;
    client.query = function (this: PgClient, ...args: unknown[]): unknown {
      const signal = scope.signal();
      const text = signal === undefined ? undefined : statementText(args[0]);
      if (
        signal === undefined ||
        text === undefined ||
        args.some((arg) => typeof arg === "function") ||
        !READ.test(text) ||
        WRITE_WORD.test(text)
      ) {
        return query.apply(this, args);
      }
      if (signal.aborted) {
        if (client.getTransactionStatus?.() === "I") {
          skipped++;
          return Promise.reject(new CallerGoneError());
        }
        // In a transaction the statement runs (bounded by the statement timeout): refusing it here
        // would let a caller that catches the error commit the rest.
        return query.apply(this, args);
      }
      const running = query.apply(this, args) as Promise<unknown>;
      let cancelling: Promise<void> | undefined;
      const onAbort = () => {
        if (client.processID === null || client.secretKey === null) return;
        cancelled++;
        cancelling = sendCancelRequest({
          host: client.host,
          port: client.port,
          processId: client.processID,
          secretKey: client.secretKey,
        });
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const settle = async () => {
        signal.removeEventListener("abort", onAbort);
        await cancelling;
      };
      return running.then(
        async (result) => {
          await settle();
          return result;
        },
        async (error: unknown) => {
          await settle();
          throw error;
        },
      );
    };
  });
  return () => ({ cancelled, skipped });
}
