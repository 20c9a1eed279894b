import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";

/** Default and largest page sizes for every List RPC. */
export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 200;

/** Opaque, tamper-evident page tokens. */
export interface PageTokens {
  /**
   * Makes a token for the next page. `scope` names the list (for example `catalog.connectors`) and
   * `filter` is every other request field, so a token cannot be replayed on another list or filter.
   */
  encode(scope: string, filter: unknown, cursor: Record<string, unknown>): string;
  /** Reads a token made by `encode` with the same scope and filter; `INVALID_ARGUMENT` otherwise. */
  decode(scope: string, filter: unknown, token: string): Record<string, unknown>;
}

const MAC_BYTES = 16;

function invalid(): ConnectError {
  return new ConnectError(
    "page_token is invalid: pass the next_page_token of the same list unchanged",
    Code.InvalidArgument,
  );
}

/** Creates page tokens signed with a key derived from `secret` (the primary master key). */
export function createPageTokens(secret: Uint8Array): PageTokens {
  const key = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "patchbay/page-token", 32));
  const mac = (scope: string, filter: unknown, body: string) =>
    createHmac("sha256", key)
      .update(`${scope}\0${JSON.stringify(filter ?? null)}\0${body}`)
      .digest()
      .subarray(0, MAC_BYTES);
  return {
    encode(scope, filter, cursor) {
      const body = Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
      return `${body}.${mac(scope, filter, body).toString("base64url")}`;
    },
    decode(scope, filter, token) {
      const [body, tag, extra] = token.split(".");
      if (body === undefined || tag === undefined || extra !== undefined || token.length > 4096)
        throw invalid();
      const given = Buffer.from(tag, "base64url");
      const expected = mac(scope, filter, body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
      // base64url decoding ignores the last character's spare bits, so only the one spelling we made
      // is accepted: a changed token never reads as the original.
      if (given.toString("base64url") !== tag) throw invalid();
      try {
        const cursor: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
        if (typeof cursor !== "object" || cursor === null || Array.isArray(cursor)) throw invalid();
        return cursor as Record<string, unknown>;
      } catch {
        throw invalid();
      }
    },
  };
}

/** The page size to use: the default for 0, clamped to the maximum; negative is `INVALID_ARGUMENT`. */
export function resolvePageSize(requested: number): number {
  if (requested < 0) throw new ConnectError("page_size must not be negative", Code.InvalidArgument);
  if (requested === 0) return PAGE_SIZE_DEFAULT;
  return Math.min(requested, PAGE_SIZE_MAX);
}
