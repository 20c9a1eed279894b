import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { PageTokens } from "../paging/index.ts";

/** Tools (and resources) per `tools/list` page: a client asks for the next with `nextCursor`. */
export const MCP_PAGE_SIZE = 100;

/** What an MCP list answers a cursor that is not the `nextCursor` of the same list. */
export const INVALID_CURSOR = "cursor is invalid: pass the nextCursor of the same list unchanged";

/** Where one page of a list starts and ends, and the cursor of the next page (none on the last). */
export interface ListPage {
  readonly start: number;
  readonly end: number;
  readonly nextCursor: string | undefined;
}

/**
 * One page of a list held nowhere (each request reads it again, on any replica): the cursor carries the
 * position and the name of the last item sent, signed with the server's page-token key and bound to
 * `scope` and `filter` (the narrowing), so it works on every replica and cannot be moved to another
 * list. When items were added or removed before the position, the page goes on after the last item
 * sent, wherever it is now. A cursor that is not one of ours is InvalidParams, as the spec asks.
 */
export function listPage(
  names: readonly string[],
  cursor: string | undefined,
  tokens: PageTokens,
  scope: string,
  filter: unknown,
  size = MCP_PAGE_SIZE,
): ListPage {
  let start = 0;
  if (cursor !== undefined) {
    let at: Record<string, unknown>;
    try {
      at = tokens.decode(scope, filter, cursor);
    } catch {
      throw new McpError(ErrorCode.InvalidParams, INVALID_CURSOR);
    }
    const { o: offset, n: last } = at;
    if (
      typeof offset !== "number" ||
      !Number.isSafeInteger(offset) ||
      offset < 1 ||
      typeof last !== "string"
    ) {
      throw new McpError(ErrorCode.InvalidParams, INVALID_CURSOR);
    }
    if (names[offset - 1] === last) start = offset;
    else {
      const moved = names.indexOf(last);
      start = moved >= 0 ? moved + 1 : Math.min(offset, names.length);
    }
  }
  const end = Math.min(start + size, names.length);
  const lastName = names[end - 1];
  const nextCursor =
    end < names.length && lastName !== undefined
      ? tokens.encode(scope, filter, { o: end, n: lastName })
      : undefined;
  return { start, end, nextCursor };
}
