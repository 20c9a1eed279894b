import { performance } from "node:perf_hooks";
import type { Logger } from "../logging/logger.ts";
import { ERROR_HEADER } from "../protocol/headers.ts";
import type { NodeReq as Req, NodeRes as Res } from "../protocol/node-types.ts";
import { createHomeRoute } from "./home-route.ts";
import { elapsedMs } from "./interceptors/log-request.ts";
import { readServerIdentity, type ServerIdentity } from "./server-identity.ts";

/** Options for {@link createHttpFallback}. */
export interface HttpFallbackOptions {
  /** Readiness: database reachable and migrations applied. */
  ready: () => Promise<boolean>;
  /** Where a request for no route writes its log line. */
  logger: Logger;
  /** Name and version the `/` page shows; default: "Patchbay" and package.json's version. */
  server?: ServerIdentity;
}

function sendJson(res: Res, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  const headers = { "content-type": "application/json", "cache-control": "no-store", ...extra };
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader("content-length", Buffer.byteLength(text));
  res.end(text);
}

/**
 * Plain HTTP routes beside the RPCs: `/` (a page, or JSON, pointing to the docs, the admin page and the
 * health checks), `/healthz` (the process is alive), `/readyz` (it can serve: database reachable,
 * migrations applied) and a JSON 404 for everything else, which is logged like any refused request under
 * `reqId`.
 */
export function createHttpFallback(
  options: HttpFallbackOptions,
): (req: Req, res: Res, reqId: string) => void {
  const home = createHomeRoute(options.server ?? readServerIdentity());
  return (req, res, reqId) => {
    if (home(req, res)) return;
    const started = performance.now();
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
      sendJson(res, 200, { status: "ok" });
      return;
    }
    if (path === "/readyz" && (req.method === "GET" || req.method === "HEAD")) {
      options.ready().then(
        (ok) => sendJson(res, ok ? 200 : 503, { status: ok ? "ready" : "not_ready" }),
        () => sendJson(res, 503, { status: "not_ready" }),
      );
      return;
    }
    options.logger.info(
      { reqId, protocol: "http", durationMs: elapsedMs(started), code: "not_found", status: 404 },
      "request refused",
    );
    sendJson(res, 404, { code: "not_found", message: "no such route" }, { [ERROR_HEADER]: "no such route" });
  };
}
