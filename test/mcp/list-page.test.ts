import { randomBytes } from "node:crypto";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { listPage } from "../../src/mcp/list-page.ts";
import { createPageTokens } from "../../src/paging/index.ts";

const tokens = createPageTokens(randomBytes(32));
const names = (n: number) => Array.from({ length: n }, (_, i) => `tool${i}`);

/** Every page's names, walking the cursors over a list that `change` may alter between pages. */
function walk(
  list: string[],
  size: number,
  change: (page: number, list: string[]) => string[] = (_, l) => l,
) {
  const seen: string[] = [];
  let cursor: string | undefined;
  let current = list;
  for (let page = 0; page < 50; page += 1) {
    const { start, end, nextCursor } = listPage(current, cursor, tokens, "test", {}, size);
    seen.push(...current.slice(start, end));
    if (nextCursor === undefined) return seen;
    cursor = nextCursor;
    current = change(page, current);
  }
  throw new Error("did not end");
}

describe("listPage", () => {
  it("answers the whole of a short list with no cursor", () => {
    expect(listPage(names(3), undefined, tokens, "test", {}, 10)).toEqual({
      start: 0,
      end: 3,
      nextCursor: undefined,
    });
  });

  it("walks a long list page by page, each item once", () => {
    expect(walk(names(25), 10)).toEqual(names(25));
  });

  it("goes on after the last item sent when items before it were removed or added", () => {
    const removed = walk(names(30), 10, (page, list) => (page === 0 ? list.slice(3) : list));
    expect(removed).toEqual(names(30));
    const added = walk(names(30), 10, (page, list) => (page === 0 ? ["new0", "new1", ...list] : list));
    expect(added).toEqual(names(30));
  });

  it("refuses a forged cursor, and one made for another filter, as InvalidParams", () => {
    const { nextCursor } = listPage(names(20), undefined, tokens, "test", { a: 1 }, 10);
    const refused = (cursor: string, filter: unknown) => {
      try {
        listPage(names(20), cursor, tokens, "test", filter, 10);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    for (const [cursor, filter] of [
      ["forged", { a: 1 }],
      [nextCursor ?? "", { a: 2 }],
      [tokens.encode("test", { a: 1 }, { o: -1, n: "tool0" }), { a: 1 }],
      [tokens.encode("test", { a: 1 }, { o: 1 }), { a: 1 }],
    ] as const) {
      const error = refused(cursor, filter);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.InvalidParams);
    }
  });
});
