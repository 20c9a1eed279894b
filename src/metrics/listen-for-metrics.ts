import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { createMetricsRoute } from "./metrics-route.ts";

/** The metrics' own listener. */
export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `/metrics` alone on a port of its own (plain HTTP/1.1), so that it need not be reachable where
 * the API is; every other path is 404.
 */
export async function listenForMetrics(
  registry: Registry,
  options: { readonly host: string; readonly port: number },
): Promise<MetricsListener> {
  const route = createMetricsRoute(registry);
  const server = createServer((req, res) => {
    if (route(req, res)) return;
    res.statusCode = 404;
    res.setHeader("content-type", "text/plain; charset=utf-8");
    res.end("not found: this port serves /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
