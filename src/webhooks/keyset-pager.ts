import type { PageTokens } from "../paging/index.ts";

/**
 * One list call's paging: newest first by (time, id), page tokens bound to the scope and filter.
 *
 * The cursor keeps the time as PostgreSQL's own text, to the microsecond: a JavaScript Date keeps
 * milliseconds only, and rows written in one transaction (a group commit's jobs, for one) share
 * `now()`, so a millisecond cursor would skip the rest of them.
 */
export interface KeysetPager {
  /** Select-list items `keyset_at` (the time as text) and `keyset_id`, which {@link finish} reads. */
  readonly select: string;
  /** `and (<at>, <id>) < ($n, $m)` for a later page (pushing the cursor into `values`), else "". */
  after(values: unknown[]): string;
  /** `limit $n`, one more row than the page to know whether another page follows. */
  limit(values: unknown[]): string;
  /** The page, and the token of the next one ("" when none). */
  finish<T extends Record<string, unknown>>(rows: readonly T[]): { page: T[]; next: string };
}

/** A {@link KeysetPager} over the columns `atColumn` (timestamptz) and `idColumn` (uuid). */
export function keysetPager(
  tokens: PageTokens,
  scope: string,
  filter: unknown,
  token: string,
  pageSize: number,
  atColumn: string,
  idColumn: string,
): KeysetPager {
  return {
    select: `${atColumn}::text as keyset_at, ${idColumn} as keyset_id`,
    after(values) {
      if (token === "") return "";
      const cursor = tokens.decode(scope, filter, token);
      values.push(String(cursor.at), String(cursor.id));
      return `and (${atColumn}, ${idColumn}) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`;
    },
    limit(values) {
      values.push(pageSize + 1);
      return `limit $${values.length}`;
    },
    finish(rows) {
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      if (rows.length <= pageSize || last === undefined) return { page, next: "" };
      return {
        page,
        next: tokens.encode(scope, filter, { at: String(last.keyset_at), id: String(last.keyset_id) }),
      };
    },
  };
}
