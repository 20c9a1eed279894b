// Upstream for bench/agent: a plain node:http server on 127.0.0.2 (loopback, outside the server's
// default egress policy) answering every request at once with a small JSON body that holds
// `UPSTREAM_MARKER`. Prints `port=<n>` on stdout once listening; stops on SIGTERM.
//
//   node bench/agent/upstream.ts
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export const UPSTREAM_MARKER = "patchbay-bench-upstream";

const BODY = JSON.stringify({ marker: UPSTREAM_MARKER, ok: true });

if (import.meta.main) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.2", () => {
    process.stdout.write(`port=${(server.address() as AddressInfo).port}\n`);
  });
  process.once("SIGTERM", () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
