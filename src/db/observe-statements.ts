import { AsyncResource } from "node:async_hooks";
import { type PgClient, type PgPoolEvents, statementText } from "./pg-client.ts";

/**
 * What an observer learns of one statement: its kind and the first table it names, read from the
 * statement's text, which is Patchbay's own (values travel as parameters). Never the text itself, its
 * parameters or its rows.
 */
export interface StatementInfo {
  /**
   * The statement's first keyword, upper case (`SELECT`, `INSERT`, `BEGIN`, ...); for one with a WITH
   * clause, the first write it makes (`INSERT`, `UPDATE`, `DELETE`, `MERGE`), or `SELECT`.
   */
  readonly operation: string;
  /**
   * The first table it reads or writes (with a WITH clause, the table of that write), unquoted and
   * without its schema (`connections`); undefined when it names none.
   */
  readonly collection: string | undefined;
  /** The database's name on the server. */
  readonly database: string | undefined;
  readonly host: string;
  readonly port: number;
}

/**
 * Told of each statement as it is sent, in the async context of the code that sent it; what it returns
 * (if anything) is called once when the statement ends, with its error or undefined.
 */
export type StatementObserver = (statement: StatementInfo) => ((error: unknown) => void) | undefined;

const OPERATION = /^\s*([a-z]+)/i;
// `from "x"`, `into x`, `update "s"."x"`, `join x`: the table after the first such word.
const TABLE = /\b(?:from|into|update|join)\s+(?:"?[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"?/i;
// A WITH statement's first write and its table: `insert into`, `merge into`, `update`, `delete from`.
// A row lock's `for [no key] update` and an upsert's `do update` write nothing of their own.
const WRITE =
  /\b(?:(insert|merge)\s+into|(?<!\b(?:for|key|do)\s+)(update)|(delete)\s+from)\s+(?:only\s+)?(?:"?[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"?/i;

/**
 * The operation and the first table of `text` (at most 63 characters each, PostgreSQL's name length).
 * A WITH clause only names the parts of the statement that follows: such a statement is the first write
 * it makes (in a part or after them) and the table written, or a `SELECT` when it writes nothing.
 */
export function describeStatement(text: string): { operation: string; collection: string | undefined } {
  const operation = (OPERATION.exec(text)?.[1] ?? "query").slice(0, 63).toUpperCase();
  if (operation === "WITH") {
    const write = WRITE.exec(text);
    if (write !== null) {
      const verb = write[1] ?? write[2] ?? write[3] ?? "";
      return { operation: verb.toUpperCase(), collection: write[4]?.slice(0, 63) };
    }
    return { operation: "SELECT", collection: TABLE.exec(text)?.[1]?.slice(0, 63) };
  }
  const collection = TABLE.exec(text)?.[1]?.slice(0, 63);
  return { operation, collection };
}

/**
 * What a statement that succeeded ends with: undefined, or for a COMMIT that PostgreSQL answered with the
 * tag ROLLBACK (a statement before it failed; not an error on the wire) SQLSTATE 25P02,
 * in_failed_sql_transaction.
 */
function endOf(commits: boolean, result: unknown): (Error & { code: string }) | undefined {
  if (!commits || (result as { command?: unknown } | undefined)?.command !== "ROLLBACK") return undefined;
  return Object.assign(new Error("the transaction was rolled back"), { code: "25P02" });
}

/** Where node-postgres's `query(config, values?, callback?)` was given a callback; -1 when it was not. */
function callbackAt(args: readonly unknown[]): number {
  if (typeof args[2] === "function") return 2;
  return typeof args[1] === "function" ? 1 : -1;
}

/**
 * Tells `observer` of every plain statement on the pool's connections (string or `{ text }`, with a
 * promise or a callback; cursors are left alone). Installed only when someone observes, so an
 * unobserved pool runs its statements untouched.
 */
export function observeStatements(pool: PgPoolEvents, observer: StatementObserver): void {
  // pg-pool's own `pool.query` (pg-boss's statements) waits for a connection in a callback, which the
  // pool calls from whatever frees one (another statement's answer): bound to its caller, so that its
  // statement is seen in the caller's context (the tracer's active span) and not in that one's.
  // A `connect()` awaited as a promise comes back in its caller's context already.
  const connect = pool.connect;
  pool.connect = function (this: PgPoolEvents, ...args: unknown[]): unknown {
    if (typeof args[0] === "function") args[0] = AsyncResource.bind(args[0] as (...a: unknown[]) => unknown);
    return connect.apply(this, args);
  };
  pool.on("connect", (client: PgClient) => {
    const query = client.query;
    client.query = function (this: PgClient, ...args: unknown[]): unknown {
      const text = statementText(args[0]);
      if (text === undefined) return query.apply(this, args);
      const described = describeStatement(text);
      // An observer that throws must neither fail the statement nor keep its answer from its caller.
      let observed: ((error: unknown) => void) | undefined;
      try {
        observed = observer({
          ...described,
          database: client.database,
          host: client.host,
          port: client.port,
        });
      } catch {
        observed = undefined;
      }
      if (observed === undefined) return query.apply(this, args);
      const ends = observed;
      const end = (error: unknown) => {
        try {
          ends(error);
        } catch {
          // As above: the statement's own outcome stands.
        }
      };
      const commits = described.operation === "COMMIT" || described.operation === "END";
      const at = callbackAt(args);
      if (at !== -1) {
        const callback = args[at] as (error: unknown, result: unknown) => void;
        // node-postgres answers a callback with `null` for no error.
        args[at] = (error: unknown, result: unknown) => {
          end(error === null || error === undefined ? endOf(commits, result) : error);
          callback(error, result);
        };
      }
      let running: unknown;
      try {
        running = query.apply(this, args);
      } catch (error) {
        end(error);
        throw error;
      }
      if (at !== -1) return running;
      return (running as Promise<unknown>).then(
        (result) => {
          end(endOf(commits, result));
          return result;
        },
        (error: unknown) => {
          end(error);
          throw error;
        },
      );
    };
  });
}
