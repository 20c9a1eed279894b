import { type PgClient, type PgPoolEvents, statementText } from "./pg-client.ts";

/**
 * What an observer learns of one statement: its kind and the first table it names, read from the
 * statement's text, which is Patchbay's own (values travel as parameters). Never the text itself, its
 * parameters or its rows.
 */
export interface StatementInfo {
  /** The statement's first keyword, upper case (`SELECT`, `INSERT`, `BEGIN`, ...). */
  readonly operation: string;
  /** The first table it reads or writes, unquoted (`connections`); undefined when it names none. */
  readonly collection: string | undefined;
  /** The database's name on the server. */
  readonly database: string | undefined;
  readonly host: string;
  readonly port: number;
}

/**
 * Told of each statement as it is sent; what it returns (if anything) is called once when the
 * statement ends, with its error or undefined.
 */
export type StatementObserver = (statement: StatementInfo) => ((error: unknown) => void) | undefined;

const OPERATION = /^\s*([a-z]+)/i;
// `from "x"`, `into x`, `update "s"."x"`, `join x`: the table after the first such word.
const TABLE = /\b(?:from|into|update|join)\s+(?:"?[a-z_][a-z0-9_]*"?\.)?"?([a-z_][a-z0-9_]*)"?/i;

/** The operation and the first table of `text` (at most 63 characters each, PostgreSQL's name length). */
export function describeStatement(text: string): { operation: string; collection: string | undefined } {
  const operation = (OPERATION.exec(text)?.[1] ?? "query").slice(0, 63).toUpperCase();
  const collection = TABLE.exec(text)?.[1]?.slice(0, 63);
  return { operation, collection };
}

/** What a COMMIT that rolled its transaction back ends with: SQLSTATE 25P02, in_failed_sql_transaction. */
function rolledBack(): Error & { code: string } {
  return Object.assign(new Error("the transaction was rolled back"), { code: "25P02" });
}

/**
 * Tells `observer` of every plain statement on the pool's connections (string or `{ text }` with a
 * promise; callback-style calls and cursors are left alone). Installed only when someone observes, so
 * an unobserved pool runs its statements untouched.
 */
export function observeStatements(pool: PgPoolEvents, observer: StatementObserver): void {
  pool.on("connect", (client: PgClient) => {
    const query = client.query;
    client.query = function (this: PgClient, ...args: unknown[]): unknown {
      const text = statementText(args[0]);
      if (text === undefined || args.some((arg) => typeof arg === "function")) {
        return query.apply(this, args);
      }
      const described = describeStatement(text);
      const end = observer({
        ...described,
        database: client.database,
        host: client.host,
        port: client.port,
      });
      if (end === undefined) return query.apply(this, args);
      let running: Promise<unknown>;
      try {
        running = query.apply(this, args) as Promise<unknown>;
      } catch (error) {
        end(error);
        throw error;
      }
      const commits = described.operation === "COMMIT" || described.operation === "END";
      return running.then(
        (result) => {
          // PostgreSQL answers COMMIT of an aborted transaction with the tag ROLLBACK, not an error.
          end(
            commits && (result as { command?: unknown } | undefined)?.command === "ROLLBACK"
              ? rolledBack()
              : undefined,
          );
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
