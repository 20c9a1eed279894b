import type { PageTokens } from "../paging/index.ts";
import { sqlDate } from "./sql-date.ts";

/** One list call's paging: newest first by (time, id), page tokens bound to the scope and filter. */
export interface KeysetPager {
  /** `and (<at>, <id>) < ($n, $m)` for a later page (pushing the cursor into `values`), else "". */
  after(values: unknown[]): string;
  /** `limit $n`, one more row than the page to know whether another page follows. */
  limit(values: unknown[]): string;
  /** The page, and the token of the next one ("" when none). */
  finish<T>(rows: readonly T[], key: (row: T) => { at: unknown; id: unknown }): { page: T[]; next: string };
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
    after(values) {
      if (token === "") return "";
      const cursor = tokens.decode(scope, filter, token);
      values.push(new Date(String(cursor.at)), String(cursor.id));
      return `and (${atColumn}, ${idColumn}) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`;
    },
    limit(values) {
      values.push(pageSize + 1);
      return `limit $${values.length}`;
    },
    finish(rows, key) {
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      if (rows.length <= pageSize || last === undefined) return { page, next: "" };
      const { at, id } = key(last);
      return {
        page,
        next: tokens.encode(scope, filter, {
          at: (sqlDate(at) ?? new Date(0)).toISOString(),
          id: String(id),
        }),
      };
    },
  };
}
