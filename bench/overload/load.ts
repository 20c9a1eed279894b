// One load generator process for bench/overload: `workers` closed loops of ListConnectors with one API
// key over gRPC on h2c (one HTTP/2 session), for `seconds`; prints one JSON line with the outcome counts
// by code and, for successful calls, the latency percentiles. A worker calls again as soon as a call
// ends, refused or not: the flooder does not back off, as an attacker would not.
//
//   node bench/overload/load.ts --base http://127.0.0.1:8080 --key pb_... --workers 4 --seconds 10
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CatalogService } from "../../gen/patchbay/v1/catalog_pb.ts";

const { values } = parseArgs({
  options: {
    base: { type: "string" },
    key: { type: "string" },
    workers: { type: "string", default: "4" },
    seconds: { type: "string", default: "10" },
  },
});
if (values.base === undefined || values.key === undefined) throw new Error("--base and --key are required");

const client = createClient(CatalogService, createGrpcTransport({ baseUrl: values.base }));
const headers = { authorization: `Bearer ${values.key}` };
const until = performance.now() + Number(values.seconds) * 1000;
const latencies: number[] = [];
const codes = new Map<string, number>();
const count = (code: string) => codes.set(code, (codes.get(code) ?? 0) + 1);

async function worker(): Promise<void> {
  while (performance.now() < until) {
    const started = performance.now();
    try {
      // Each call has a deadline, so a call stuck behind an overloaded server still ends the run.
      await client.listConnectors({}, { headers, timeoutMs: 30_000 });
      latencies.push(performance.now() - started);
      count("ok");
    } catch (error) {
      count(Code[ConnectError.from(error).code] ?? "Unknown");
    }
  }
}

await Promise.all(Array.from({ length: Number(values.workers) }, worker));
latencies.sort((a, b) => a - b);
const at = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? Number.NaN;
process.stdout.write(
  `${JSON.stringify({ codes: Object.fromEntries(codes), ok: latencies.length, p50: at(0.5), p99: at(0.99), max: at(1) })}\n`,
);
