import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  containsPattern,
  createPageTokens,
  type KeysetCursor,
  keysetOrderBy,
  keysetPage,
  keysetWhere,
  orderDirection,
} from "../../src/paging/index.ts";

const tokens = createPageTokens(Buffer.alloc(32, 5));
const request = { scope: "things", filter: { kind: "a" }, pageToken: "", pageSize: 2 };
const rows = [
  { at: "2026-12-05T07:00:03.000Z", id: "00000000-0000-4000-8000-000000000003" },
  { at: "2026-12-05T07:00:02.000Z", id: "00000000-0000-4000-8000-000000000002" },
  { at: "2026-12-05T07:00:01.000Z", id: "00000000-0000-4000-8000-000000000001" },
];
const cursorOf = (row: KeysetCursor): KeysetCursor => row;

describe("keysetPage", () => {
  it("starts the first page at the top and reads one row more than the page", () => {
    const page = keysetPage(tokens, request);
    expect(page.after).toBeUndefined();
    expect(page.limit).toBe(3);
  });

  it("hands out the next page's token only when a row beyond the page was read", () => {
    const first = keysetPage(tokens, request).finish(rows, cursorOf);
    expect(first.page).toEqual(rows.slice(0, 2));
    const second = keysetPage(tokens, { ...request, pageToken: first.next });
    expect(second.after).toEqual(rows[1]);
    expect(second.finish(rows.slice(2), cursorOf)).toEqual({ page: rows.slice(2), next: "" });
    expect(keysetPage(tokens, request).finish(rows.slice(0, 2), cursorOf).next).toBe("");
  });

  it.each([
    ["another list", { scope: "others" }],
    ["another filter", { filter: { kind: "b" } }],
    ["another order", { direction: "asc" as const }],
  ])("refuses a token made for %s", (_, change) => {
    const { next } = keysetPage(tokens, request).finish(rows, cursorOf);
    let thrown: unknown;
    try {
      keysetPage(tokens, { ...request, ...change, pageToken: next });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConnectError);
    expect((thrown as ConnectError).code).toBe(Code.InvalidArgument);
  });
});

describe("keysetPage's order", () => {
  // Issue 19 item 13: a token is bound to the order it was made under.
  it("binds an oldest-first token to that order, and keeps newest-first tokens as they were", () => {
    const asc = { ...request, direction: "asc" as const };
    const { next } = keysetPage(tokens, asc).finish(rows, cursorOf);
    expect(keysetPage(tokens, { ...asc, pageToken: next }).after).toEqual(rows[1]);
    expect(() => keysetPage(tokens, { ...request, pageToken: next })).toThrow(ConnectError);
    const desc = keysetPage(tokens, request).finish(rows, cursorOf).next;
    expect(tokens.decode("things", request.filter, desc)).toEqual(rows[1]);
    expect(keysetPage(tokens, request).direction).toBe("desc");
  });
});

describe("orderDirection", () => {
  it.each([
    ["", "desc"],
    ["create_time", "asc"],
    ["create_time asc", "asc"],
    ["create_time desc", "desc"],
    ["  create_time   DESC ", "desc"],
  ] as const)("reads %j as %s (empty: the list's default)", (text, direction) => {
    expect(orderDirection(text, "desc")).toBe(direction);
  });
});

describe("containsPattern", () => {
  it("escapes LIKE's wildcards and its escape character", () => {
    expect(containsPattern("50%_a\\b")).toBe("%50\\%\\_a\\\\b%");
    expect(containsPattern("plain")).toBe("%plain%");
  });
});

describe("keysetWhere", () => {
  it("selects the rows strictly after the cursor oldest first, and orders both columns alike", () => {
    const at = "2026-12-05T07:00:02.000Z";
    const id = "00000000-0000-4000-8000-000000000002";
    expect(keysetWhere({ at, id }, { at: "createdAt", id: "id" }, "asc")).toEqual({
      $or: [{ createdAt: { $gt: new Date(at) } }, { createdAt: new Date(at), id: { $gt: id } }],
    });
    expect(keysetOrderBy("asc", { at: "createdAt", id: "id" })).toEqual([
      { createdAt: "asc" },
      { id: "asc" },
    ]);
  });

  it("selects the rows strictly after the cursor, newest first, ties broken by id", () => {
    const at = "2026-12-05T07:00:02.000Z";
    const id = "00000000-0000-4000-8000-000000000002";
    expect(keysetWhere({ at, id }, { at: "createdAt", id: "id" })).toEqual({
      $or: [{ createdAt: { $lt: new Date(at) } }, { createdAt: new Date(at), id: { $lt: id } }],
    });
  });
});
