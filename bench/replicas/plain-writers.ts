import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { query } from "../support/bench-server.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));

/**
 * One window of the PostgreSQL anchor: all the rows from one plain writer ("one"), half from each of two
 * ("two"), or one writer at half the rate ("half": what each writer of "two" gets, alone).
 */
export interface WriterWindow {
  readonly phase: "one" | "two" | "half";
  readonly rows: number;
  readonly transactions: number;
  /** The writers' backends' CPU µs per row. */
  readonly postgresUs: number;
}

/** Plain writers (bench/replicas/plain-writer.ts) on the bench database, each in a process of its own. */
export interface PlainWriters {
  /**
   * Writes `rate` rows a second for `seconds`, `perTransaction` rows per transaction on average: all from
   * one writer for "one", half from each of two for "two"; for "half", half the rate from one writer.
   */
  measure(
    phase: "one" | "two" | "half",
    rate: number,
    seconds: string,
    perTransaction: number,
  ): Promise<WriterWindow>;
}

/**
 * The PostgreSQL anchor of the webhook workload: writers with Patchbay's commit pattern (an open loop, its
 * rows per transaction, turns at committing) and nothing else, so that their backends' "two ÷ one" tells how
 * much a second writer costs PostgreSQL per row on this machine, to set beside what the event writers'
 * backends cost with a second replica. Their rows go to a table of their own in the bench database.
 */
export async function startPlainWriters(
  databaseUrl: string,
  table: "rows" | "events",
): Promise<PlainWriters> {
  await query(
    databaseUrl,
    table === "events"
      ? // The webhook events table's columns and indexes (not its foreign key).
        "create table if not exists plain_writer_events (like webhook_events including all)"
      : "create table if not exists plain_writer_rows (id uuid primary key, received_at timestamptz not null, payload text not null)",
  );
  return {
    async measure(phase, rate, seconds, perTransaction) {
      const writers = phase === "two" ? 2 : 1;
      const perWriter = phase === "one" ? rate : rate / 2;
      const outputs = await Promise.all(
        Array.from({ length: writers }, () =>
          run(
            process.execPath,
            [
              "bench/replicas/plain-writer.ts",
              databaseUrl,
              String(perWriter),
              seconds,
              String(perTransaction),
              table,
            ],
            { cwd: root, env: { PATH: process.env.PATH ?? "" } },
          ),
        ),
      );
      const results = outputs.map(
        ({ stdout }) => JSON.parse(stdout) as { rows: number; transactions: number; backendMs: number },
      );
      const rows = results.reduce((a, r) => a + r.rows, 0);
      return {
        phase,
        rows,
        transactions: results.reduce((a, r) => a + r.transactions, 0),
        postgresUs: (results.reduce((a, r) => a + r.backendMs, 0) * 1000) / Math.max(1, rows),
      };
    },
  };
}
