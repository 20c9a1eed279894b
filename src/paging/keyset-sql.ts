import type { KeysetCursor, KeysetPage } from "./keyset-page.ts";

/** A {@link KeysetPage} written into one native SQL statement. */
export interface KeysetSql {
  /** Select-list items `keyset_at` (the time as text) and `keyset_id`, which {@link cursorOf} reads. */
  readonly select: string;
  /** `order by <at> <dir>, <id> <dir>` in the page's direction. */
  readonly orderBy: string;
  /** `and (<at>, <id>) < ($n, $m)` (`>` oldest first) on a later page (pushing the cursor into `values`), else "". */
  after(values: unknown[]): string;
  /** `limit $n` (pushing the page's row limit into `values`). */
  limit(values: unknown[]): string;
  /** The cursor of a selected row. */
  cursorOf(row: Record<string, unknown>): KeysetCursor;
}

/**
 * The SQL of a {@link KeysetPage} over `at` (a timestamptz column) and `id` (a uuid column); the
 * statement orders by `at` and `id` in the page's direction ({@link KeysetSql.orderBy}).
 *
 * The cursor keeps the time as PostgreSQL's own text, to the microsecond: a JavaScript Date keeps
 * milliseconds only, and rows written in one transaction (a group commit's jobs, for one) share
 * `now()`, so a millisecond cursor would skip the rest of them.
 */
export function keysetSql(
  page: KeysetPage,
  columns: { readonly at: string; readonly id: string },
): KeysetSql {
  const { at, id } = columns;
  const beyond = page.direction === "desc" ? "<" : ">";
  return {
    select: `${at}::text as keyset_at, ${id} as keyset_id`,
    orderBy: `order by ${at} ${page.direction}, ${id} ${page.direction}`,
    after(values) {
      if (page.after === undefined) return "";
      values.push(page.after.at, page.after.id);
      return `and (${at}, ${id}) ${beyond} ($${values.length - 1}::timestamptz, $${values.length}::uuid)`;
    },
    limit(values) {
      values.push(page.limit);
      return `limit $${values.length}`;
    },
    cursorOf(row) {
      return { at: String(row.keyset_at), id: String(row.keyset_id) };
    },
  };
}
