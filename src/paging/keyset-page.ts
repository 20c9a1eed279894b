import type { PageTokens } from "./page-token.ts";
import type { SortDirection } from "./sort-direction.ts";

/**
 * Where a list stopped: the time and id of the last row shown. The time is text, so a list
 * can keep PostgreSQL's microseconds (see `keysetSql`) where a JavaScript Date keeps milliseconds.
 */
export interface KeysetCursor {
  readonly at: string;
  readonly id: string;
}

/** One list call's paging request. */
export interface KeysetRequest {
  /** Names the list (`webhook-jobs`): a token of another list is refused. */
  readonly scope: string;
  /** Every other request field: a token made under another filter is refused. */
  readonly filter: unknown;
  /** The request's `page_token` ("" for the first page). */
  readonly pageToken: string;
  /** The page size, already resolved (`resolvePageSize`). */
  readonly pageSize: number;
  /** Newest first (`desc`, the default) or oldest first (`asc`); a token made under the other is refused. */
  readonly direction?: SortDirection;
}

/**
 * Keyset paging of one list call by (time, id), newest or oldest first: each page starts strictly after
 * the last row of the previous one, so rows written meanwhile neither repeat nor hide others, and a page
 * reads at most `limit` rows whatever the list's length.
 */
export interface KeysetPage {
  /** The order the rows are read in (both columns the same way). */
  readonly direction: SortDirection;
  /** Where this page starts (after this row), undefined for the first page. */
  readonly after: KeysetCursor | undefined;
  /** Rows to read: one more than the page, to know whether another page follows. */
  readonly limit: number;
  /** The page (the first `pageSize` of `rows`) and the next page's token ("" when none). */
  finish<T>(rows: readonly T[], cursorOf: (row: T) => KeysetCursor): { page: T[]; next: string };
}

/**
 * Reads the request's page token (bound to its scope and filter; `INVALID_ARGUMENT` when it is not one
 * made for them) and returns the page's bounds. The query itself is the caller's: {@link keysetSql} writes
 * it for native SQL; an ORM query compares its time and id columns with `after` the same way.
 */
export function keysetPage(tokens: PageTokens, request: KeysetRequest): KeysetPage {
  const { filter, pageSize } = request;
  const direction = request.direction ?? "desc";
  // The order is part of what the token is bound to: a cursor means "after this row" only in the order
  // it was made in. Newest first keeps the bare scope, so tokens made before lists had an order still read.
  const scope = direction === "desc" ? request.scope : `${request.scope} order ${direction}`;
  let after: KeysetCursor | undefined;
  if (request.pageToken !== "") {
    const cursor = tokens.decode(scope, filter, request.pageToken);
    after = { at: String(cursor.at), id: String(cursor.id) };
  }
  return {
    direction,
    after,
    limit: pageSize + 1,
    finish(rows, cursorOf) {
      const page = rows.slice(0, pageSize);
      const last = page.at(-1);
      if (rows.length <= pageSize || last === undefined) return { page, next: "" };
      return { page, next: tokens.encode(scope, filter, { ...cursorOf(last) }) };
    },
  };
}
