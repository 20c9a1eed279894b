import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  createPageTokens,
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  resolvePageSize,
} from "../../src/paging/page-token.ts";

const secret = Buffer.alloc(32, 7);
const tokens = createPageTokens(secret);
const scope = "catalog.connectors";
const filter = { category: "crm", query: "sales" };
const cursor = { after: "stripe", n: 3 };

/** The ConnectError `fn` throws; fails the test when it throws something else or nothing. */
function connectErrorOf(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
  throw new Error("expected a ConnectError, nothing was thrown");
}

function expectInvalidToken(token: string, decodeScope = scope, decodeFilter: unknown = filter): void {
  const error = connectErrorOf(() => tokens.decode(decodeScope, decodeFilter, token));
  expect(error.code).toBe(Code.InvalidArgument);
  expect(error.rawMessage).toBe("page_token is invalid: pass the next_page_token of the same list unchanged");
}

/** Replaces the character at `index` with a different base64url character. */
function flipChar(text: string, index: number): string {
  const old = text[index];
  const replacement = old === "A" ? "B" : "A";
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`;
}

describe("page tokens", () => {
  it("decode returns the cursor that was encoded", () => {
    const token = tokens.encode(scope, filter, cursor);
    expect(tokens.decode(scope, filter, token)).toEqual(cursor);
  });

  it("treats an undefined filter like null", () => {
    const token = tokens.encode(scope, undefined, cursor);
    expect(tokens.decode(scope, null, token)).toEqual(cursor);
  });

  it("makes a token that is safe in a URL without escaping", () => {
    const token = tokens.encode(scope, filter, { after: "a/b+c=d?e&f" });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it("rejects a token from another list", () => {
    const token = tokens.encode(scope, filter, cursor);
    expectInvalidToken(token, "connections.list", filter);
  });

  it("rejects a token from the same list with another filter", () => {
    const token = tokens.encode(scope, filter, cursor);
    expectInvalidToken(token, scope, { ...filter, category: "payments" });
  });

  it("rejects a token with one character of the body changed", () => {
    const token = tokens.encode(scope, filter, cursor);
    expectInvalidToken(flipChar(token, 0));
  });

  it("rejects a token with one character of the mac changed", () => {
    const token = tokens.encode(scope, filter, cursor);
    expectInvalidToken(flipChar(token, token.indexOf(".") + 1));
  });

  it("rejects a mac spelled another way that decodes to the same bytes", () => {
    // 16 bytes take 22 base64url characters; the last one carries 2 bits and 4 spare ones, so "A"
    // and "B" there decode alike. Only the spelling encode made is accepted.
    const token = tokens.encode(scope, filter, cursor);
    const last = token.at(-1) ?? "";
    const respelled = `${token.slice(0, -1)}${String.fromCharCode(last.charCodeAt(0) + 1)}`;
    const macOf = (t: string) => Buffer.from(t.split(".")[1] ?? "", "base64url");
    expect(macOf(respelled)).toEqual(macOf(token));
    expectInvalidToken(respelled);
  });

  it("rejects a token whose body was re-encoded with another cursor", () => {
    const token = tokens.encode(scope, filter, cursor);
    const mac = token.split(".")[1] ?? "";
    const forged = Buffer.from(JSON.stringify({ after: "zzz", n: 3 })).toString("base64url");
    expectInvalidToken(`${forged}.${mac}`);
  });

  it("rejects a token signed with another secret", () => {
    const other = createPageTokens(Buffer.alloc(32, 8));
    expectInvalidToken(other.encode(scope, filter, cursor));
  });

  it.each([
    ["empty", ""],
    ["no dot", "abcdef"],
    ["three parts", "a.b.c"],
    ["not base64", "!!!.???"],
    ["too long", `${"A".repeat(4096)}.AAAA`],
  ])("rejects a garbage token (%s)", (_name, token) => {
    expectInvalidToken(token);
  });

  it("rejects a correctly signed body that is not a JSON object", () => {
    // A token whose mac is right but whose body is an array must still not be accepted as a cursor.
    const arrayCursor = tokens.encode(scope, filter, [1, 2] as unknown as Record<string, unknown>);
    expectInvalidToken(arrayCursor);
  });
});

describe("resolvePageSize", () => {
  it("uses the default for 0", () => {
    expect(resolvePageSize(0)).toBe(PAGE_SIZE_DEFAULT);
  });

  it("keeps a size within the limit", () => {
    expect(resolvePageSize(7)).toBe(7);
    expect(resolvePageSize(PAGE_SIZE_MAX)).toBe(PAGE_SIZE_MAX);
  });

  it("clamps a size above the limit to the maximum", () => {
    expect(resolvePageSize(1000)).toBe(PAGE_SIZE_MAX);
  });

  it("rejects a negative size with InvalidArgument", () => {
    const error = connectErrorOf(() => resolvePageSize(-1));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe("page_size must not be negative");
  });
});
