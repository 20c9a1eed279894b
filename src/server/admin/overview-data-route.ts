import { Code } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import { type ApiKeyStore, BOOTSTRAP_TENANT, hasScope, presentedKey } from "../../auth/index.ts";
import type { MetricsHistory } from "../../metrics/index.ts";
import type { NodeReq as Req, NodeRes as Res } from "../../protocol/node-types.ts";
import { RATE_LIMIT_HEADERS, type RateLimitCheck } from "../../ratelimit/index.ts";

/** Where the overview page reads its charts. */
export const OVERVIEW_DATA_PATH = "/admin/overview/data";

/** The refusal of another tenant's admin key. */
const OPERATOR_ONLY = `the overview shows every tenant's traffic: it needs an admin key of the operator's tenant (${BOOTSTRAP_TENANT})`;

/** What {@link createOverviewDataRoute} needs. */
export interface OverviewDataDeps {
  readonly keys: ApiKeyStore;
  /** This replica's metrics history; undefined when metrics are off. */
  readonly history: MetricsHistory | undefined;
  /** The key's rate limit (the API's counters: one limit per key); limits nothing when limits are off. */
  readonly rateLimit: RateLimitCheck;
}

/**
 * GET/HEAD `/admin/overview/data`: this replica's metrics history as the overview page charts it
 * (`MetricsHistory.data()`, plus `enabled: false` and no charts when metrics are off). The history is
 * the whole replica's traffic, every tenant's, so it is the operator's: it needs an API key
 * (`Authorization: Bearer` or `X-API-Key`) with the `admin` scope of the operator's tenant (the
 * bootstrap tenant, {@link BOOTSTRAP_TENANT}): 401 without a known key, 403 without the scope or from
 * another tenant, as `{code, message}`. A request counts against the key's rate limit like an API
 * call (with the `x-ratelimit-*` headers); past it, 429 with `retry-after`. Answers and returns true for
 * that path only.
 */
export function createOverviewDataRoute(
  deps: OverviewDataDeps,
  headers: Readonly<Record<string, string>>,
): (req: Req, res: Res) => boolean {
  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    if ((query < 0 ? url : url.slice(0, query)) !== OVERVIEW_DATA_PATH) return false;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.end();
      return true;
    }
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.statusCode = status;
      res.setHeader("content-type", "application/json");
      res.setHeader("content-length", Buffer.byteLength(text));
      if (req.method === "HEAD") res.end();
      else res.end(text);
    };
    // Error codes as Connect writes them (`unauthenticated`, …), so the page reads them like the API's.
    const refuse = (status: number, code: Code, message: string) =>
      send(status, { code: codeToString(code), message });
    const key = presentedKey(keyHeaders(req));
    if (key === undefined) {
      res.setHeader("www-authenticate", "Bearer");
      refuse(
        401,
        Code.Unauthenticated,
        "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
      );
      return true;
    }
    deps.keys
      .verify(key)
      .then(async (principal) => {
        if (principal === undefined) {
          res.setHeader("www-authenticate", "Bearer");
          refuse(401, Code.Unauthenticated, "unknown or revoked API key");
          return;
        }
        if (!hasScope(principal.scopes, "admin")) {
          refuse(403, Code.PermissionDenied, "API key lacks scope 'admin'");
          return;
        }
        if (principal.tenantId !== BOOTSTRAP_TENANT) {
          refuse(403, Code.PermissionDenied, OPERATOR_ONLY);
          return;
        }
        // Never rejects: a counter store that fails lets the request through (fail open).
        const limited = await deps.rateLimit(principal);
        for (const [name, value] of limited.headers) res.setHeader(name, value);
        if (limited.refused !== undefined) {
          const retryAfter = limited.refused.metadata.get(RATE_LIMIT_HEADERS.retryAfter);
          if (retryAfter !== null) res.setHeader(RATE_LIMIT_HEADERS.retryAfter, retryAfter);
          refuse(429, Code.ResourceExhausted, limited.refused.rawMessage);
        } else if (deps.history === undefined) {
          send(200, { enabled: false });
        } else {
          send(200, { enabled: true, ...deps.history.data() });
        }
      })
      .catch(() => {
        // The key could not be read (the rate limit check fails open and does not reject).
        if (res.headersSent) res.destroy();
        else refuse(503, Code.Unavailable, "the API key could not be checked; try again");
      });
    return true;
  };
}

/** The request's key headers, as the auth interceptor reads them. */
function keyHeaders(req: Req): Headers {
  const headers = new Headers();
  for (const name of ["authorization", "x-api-key"]) {
    const value = req.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  return headers;
}
