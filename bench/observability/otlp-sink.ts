// OTLP/HTTP sink for bench/observability: a plain node:http server on 127.0.0.1 (port 0) that answers
// 200 `{}` to every `POST /v1/traces` and counts what it received, parsing the JSON body (gzip too)
// `resourceSpans[].scopeSpans[].spans[]`. `GET /count` answers the counts so far as JSON
// (`SinkCount`). Prints `port=<n>` on stdout once listening; stops on SIGTERM. Runs in its own process
// so that it answers while the benchmark's process waits for wrk.
//
//   node bench/observability/otlp-sink.ts
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

/** What the sink has received so far. */
export interface SinkCount {
  /** Export requests answered. */
  readonly requests: number;
  /** Spans in them. */
  readonly spans: number;
  /** Spans by name. */
  readonly byName: Readonly<Record<string, number>>;
  /** Requests whose body was not OTLP JSON (counted, answered 200 all the same). */
  readonly unparsed: number;
}

interface OtlpJson {
  resourceSpans?: { scopeSpans?: { spans?: { name?: string }[] }[] }[];
}

if (import.meta.main) {
  const count = { requests: 0, spans: 0, unparsed: 0, byName: {} as Record<string, number> };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "GET" && req.url === "/count") {
        const body = JSON.stringify(count);
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      count.requests++;
      try {
        const raw = Buffer.concat(chunks);
        const text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8");
        const parsed = JSON.parse(text) as OtlpJson;
        for (const resource of parsed.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              count.spans++;
              const name = span.name ?? "";
              count.byName[name] = (count.byName[name] ?? 0) + 1;
            }
          }
        }
      } catch {
        count.unparsed++;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": 2 });
      res.end("{}");
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`port=${(server.address() as AddressInfo).port}\n`);
  });
  process.once("SIGTERM", () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
