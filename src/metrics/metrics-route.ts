import type { Registry } from "prom-client";
import type { NodeReq, NodeRes } from "../protocol/node-types.ts";

/** Where the metrics are served. */
export const METRICS_PATH = "/metrics";

/**
 * GET/HEAD `/metrics`: the registry in the Prometheus text format. Answers and returns true for that path
 * only; other methods get 405.
 */
export function createMetricsRoute(registry: Registry): (req: NodeReq, res: NodeRes) => boolean {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    if ((q < 0 ? url : url.slice(0, q)) !== METRICS_PATH) return false;
    res.setHeader("cache-control", "no-store");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.statusCode = 405;
      res.setHeader("allow", "GET, HEAD");
      res.end();
      return true;
    }
    registry.metrics().then(
      (text) => {
        res.statusCode = 200;
        res.setHeader("content-type", registry.contentType);
        if (req.method === "HEAD") res.end();
        else res.end(text);
      },
      () => {
        res.statusCode = 500;
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end("metrics could not be collected\n");
      },
    );
    return true;
  };
}
