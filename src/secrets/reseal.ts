import type { EntityManager } from "@mikro-orm/sql";
import type { SealedColumn } from "./sealed-columns.ts";
import { type SecretBox, SecretBoxError } from "./secret-box.ts";

/** Options for {@link resealAll}. */
export interface ResealOptions {
  /** A fresh entity manager; only its connection is used (raw SQL, one statement per write). */
  em: () => EntityManager;
  /** The key ring: its primary key seals, every key opens. */
  box: SecretBox;
  /** Rows read per query (default 200). */
  batchSize?: number;
  /** The columns to re-seal: every feature's (the CLI passes them all). */
  columns: readonly SealedColumn[];
  /** Called after each batch. */
  onProgress?: (progress: ResealProgress) => void;
  /**
   * Called after a batch is read and before it is written: the window in which a live server may
   * rewrite a value. Tests use it to hold that window open.
   */
  afterRead?: (batch: { table: string; column: string; ids: readonly string[] }) => Promise<void>;
}

/** Where a run is, after one batch. */
export interface ResealProgress {
  readonly table: string;
  readonly column: string;
  /** Rows handled so far in this column. */
  readonly done: number;
  /** Rows that were sealed under another key when the column was started. */
  readonly total: number;
}

/** What happened to one column. */
export interface ResealColumnResult {
  readonly table: string;
  readonly column: string;
  /** False when the table or column does not exist (yet) in this database; it was skipped. */
  readonly present: boolean;
  /** Values now sealed under the primary key by this run. */
  resealed: number;
  /** Values someone else changed while this run held them; theirs was kept, not overwritten. */
  skipped: number;
  /** Values that did not open (unknown key, wrong context, tampered); left as they were. */
  failed: number;
  /** Values still sealed under another key when the column was finished. */
  remaining: number;
}

/** A value that could not be re-sealed: where it is and why, never the value. */
export interface ResealFailure {
  readonly table: string;
  readonly column: string;
  readonly id: string;
  readonly reason: string;
}

/** The outcome of {@link resealAll}. */
export interface ResealResult {
  readonly columns: readonly ResealColumnResult[];
  readonly failures: readonly ResealFailure[];
}

/** A database error while re-sealing; its message names the row but carries no SQL or values. */
export class ResealError extends Error {
  override name = "ResealError";
}

type Execute = (sql: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>;

/** How often one row is retried when a concurrent writer keeps putting old-key values in it. */
const MAX_ATTEMPTS = 3;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function quote(name: string): string {
  if (!IDENTIFIER.test(name)) throw new ResealError(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/**
 * Re-seals every value in the sealed columns that was sealed under a key other than the box's primary
 * one. Safe while servers keep serving on the same database: each write is a compare-and-set, so a
 * value a server rewrote meanwhile is kept (and counted skipped), and nothing is locked between
 * statements. Values that do not open are counted failed and do not stop the run.
 */
export async function resealAll(options: ResealOptions): Promise<ResealResult> {
  const connection = options.em().getConnection();
  const execute: Execute = (sql, params) => connection.execute(sql, [...params], "all");
  const failures: ResealFailure[] = [];
  const columns: ResealColumnResult[] = [];
  for (const spec of options.columns) {
    columns.push(await resealColumn(execute, spec, options, failures));
  }
  return { columns, failures };
}

async function resealColumn(
  execute: Execute,
  spec: SealedColumn,
  options: ResealOptions,
  failures: ResealFailure[],
): Promise<ResealColumnResult> {
  const { box } = options;
  const [table, id, col] = [quote(spec.table), quote(spec.idColumn), quote(spec.column)];
  const result: ResealColumnResult = {
    table: spec.table,
    column: spec.column,
    present: await columnExists(execute, spec),
    resealed: 0,
    skipped: 0,
    failed: 0,
    remaining: 0,
  };
  if (!result.present) return result;

  // The key id is 8 hex digits, so the pattern has no LIKE wildcards of its own.
  const current = `pb1.${box.primaryKeyId}.%`;
  const stale = `${col} is not null and ${col} not like ?`;
  const countStale = async () =>
    Number((await execute(`select count(*)::int as n from ${table} where ${stale}`, [current]))[0]?.n ?? 0);
  const total = await countStale();
  const batchSize = options.batchSize ?? 200;
  let done = 0;
  let after: string | undefined;
  for (;;) {
    const rows = await execute(
      `select ${id}, ${col} from ${table} where ${stale}${after === undefined ? "" : ` and ${id} > ?`} order by ${id} limit ?`,
      after === undefined ? [current, batchSize] : [current, after, batchSize],
    );
    if (rows.length === 0) break;
    const ids = rows.map((row) => String(row[spec.idColumn]));
    await options.afterRead?.({ table: spec.table, column: spec.column, ids });
    for (const row of rows) {
      const outcome = await resealRow(execute, spec, box, row);
      if (outcome.kind === "failed") {
        failures.push({ table: spec.table, column: spec.column, id: outcome.id, reason: outcome.reason });
      }
      result[outcome.kind] += 1;
    }
    done += rows.length;
    after = ids[ids.length - 1];
    options.onProgress?.({ table: spec.table, column: spec.column, done, total: Math.max(total, done) });
    if (rows.length < batchSize) break;
  }
  result.remaining = await countStale();
  return result;
}

type RowOutcome = { kind: "resealed" | "skipped" } | { kind: "failed"; id: string; reason: string };

async function resealRow(
  execute: Execute,
  spec: SealedColumn,
  box: SecretBox,
  first: Record<string, unknown>,
): Promise<RowOutcome> {
  const [table, id, col] = [quote(spec.table), quote(spec.idColumn), quote(spec.column)];
  const rowId = String(first[spec.idColumn]);
  const currentPrefix = `pb1.${box.primaryKeyId}.`;
  let row: Record<string, unknown> | undefined = first;
  for (let attempt = 1; ; attempt++) {
    const old = row?.[spec.column];
    // Gone, emptied, or rewritten under the primary key by a live server: nothing left to do here.
    if (row === undefined || typeof old !== "string" || old.startsWith(currentPrefix))
      return { kind: "skipped" };
    let sealed: string;
    try {
      const context = spec.context(row);
      sealed = box.seal(box.open(old, context), context);
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      return { kind: "failed", id: rowId, reason: error.message };
    }
    let written: number;
    try {
      written = (
        await execute(`update ${table} set ${col} = ? where ${id} = ? and ${col} = ? returning ${id}`, [
          sealed,
          rowId,
          old,
        ])
      ).length;
    } catch (error) {
      throw new ResealError(`could not write ${spec.table}.${spec.column} id=${rowId}`, { cause: error });
    }
    if (written === 1) return { kind: "resealed" };
    if (attempt === MAX_ATTEMPTS) return { kind: "skipped" };
    row = (await execute(`select ${id}, ${col} from ${table} where ${id} = ?`, [rowId]))[0];
  }
}

async function columnExists(execute: Execute, spec: SealedColumn): Promise<boolean> {
  const rows = await execute(
    "select 1 from information_schema.columns where table_schema = current_schema() and table_name = ? and column_name = ?",
    [spec.table, spec.column],
  );
  return rows.length > 0;
}
