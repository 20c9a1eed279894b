// Execute benchmark: `patchbay.v1.ExecuteService/Execute` of the built-in echo command against a bare
// Connect echo server (bench/execute/bare-echo-server.ts: same listener, no auth, no database) in the same
// run, same concurrency, alternating rounds, over two protocols:
//   - Connect JSON over HTTP/1.1, load from wrk (Debian package `wrk`);
//   - gRPC over h2c, load from h2load (Debian package `nghttp2-client`) posting a gRPC-framed protobuf body.
// Load generators run in their own processes; traffic stays on 127.0.0.1. After the run Patchbay is stopped
// (shutdown flushes the execution recorder) and the `executions` rows of the echo connector are counted
// against the successful calls the load generators saw.
//
//   node bench/execute/run.ts [--connections 64] [--seconds 10] [--rounds 3]
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ExecuteRequestSchema, ExecuteResponseSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { startBenchServer } from "../support/bench-server.ts";
import { countExecutionRecords, recordsOf } from "../support/execution-records.ts";
import { median, type WrkResult, wrk } from "../support/wrk.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
  },
});
const root = fileURLToPath(new URL("../../", import.meta.url));
const PATH = "/patchbay.v1.ExecuteService/Execute";
const JSON_BODY = '{"connectorSlug":"echo","command":"echo","params":{"message":"hi"}}';

/** A load run's result; wrk's, and h2load's in the same shape. */
type LoadResult = WrkResult;

// h2load prints no percentiles, so latencies come from its per-request log (start µs, status, elapsed µs).
// It checks HTTP status only; a gRPC error would still be a 200, which the probe and the row count catch.
function h2load(url: string, headers: string[], bodyFile: string, dir: string, seconds: string): LoadResult {
  const logFile = join(dir, `h2load-${randomBytes(4).toString("hex")}.log`);
  const out = execFileSync(
    "h2load",
    [
      "-t",
      "1",
      "-c",
      values.connections,
      "-m",
      "1",
      "-D",
      seconds,
      "-d",
      bodyFile,
      ...headers.flatMap((h) => ["-H", h]),
      `--log-file=${logFile}`,
      url,
    ],
    { encoding: "utf8" },
  );
  const requests =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      out,
    );
  const succeeded = Number(requests?.[4] ?? Number.NaN);
  const failed = Number(requests?.[5] ?? Number.NaN);
  const timeouts = Number(requests?.[7] ?? Number.NaN);
  const elapsed = readFileSync(logFile, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => Number(l.split("\t")[2]) / 1000)
    .sort((a, b) => a - b);
  const at = (q: number) =>
    elapsed[Math.min(elapsed.length - 1, Math.floor(q * elapsed.length))] ?? Number.NaN;
  return {
    rps: succeeded / Number(seconds),
    p50: at(0.5),
    p99: at(0.99),
    errors: failed + timeouts,
    ok: succeeded,
  };
}

/** One gRPC call over h2c with Node's HTTP/2 client: checks grpc-status 0 and the echoed payload. */
function probeGrpc(base: string, headers: Record<string, string>, frame: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(base);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": PATH, ...headers });
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("trailers", (trailers) => {
      session.close();
      const body = Buffer.concat(chunks);
      if (trailers["grpc-status"] !== "0") {
        reject(
          new Error(`gRPC probe of ${base}: status ${trailers["grpc-status"]} ${trailers["grpc-message"]}`),
        );
        return;
      }
      const res = fromBinary(ExecuteResponseSchema, body.subarray(5));
      if (res.payload?.message !== "hi") reject(new Error(`gRPC probe of ${base}: unexpected payload`));
      else resolve();
    });
    stream.on("error", reject);
    stream.end(frame);
  });
}

function waitForExit(child: ChildProcess): Promise<unknown> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", r));
}

const server = await startBenchServer();
const { key } = server;
const bare = spawn(process.execPath, ["bench/execute/bare-echo-server.ts"], {
  cwd: root,
  env: { PATH: process.env.PATH ?? "" },
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const barePort = await new Promise<number>((resolve, reject) => {
    let out = "";
    bare.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /port=(\d+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    });
    bare.once("exit", (code) => reject(new Error(`bare echo server exited (${code})`)));
  });
  const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-"));
  const connectScript = join(dir, "connect.lua");
  writeFileSync(
    connectScript,
    `wrk.method = "POST"\nwrk.body = '${JSON_BODY}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${key}"\n`,
  );
  const message = toBinary(
    ExecuteRequestSchema,
    create(ExecuteRequestSchema, {
      target: { case: "connectorSlug", value: "echo" },
      command: "echo",
      params: { message: "hi" },
    }),
  );
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  const grpcBody = join(dir, "execute.grpc");
  writeFileSync(grpcBody, frame);
  const grpcHeaders = { "content-type": "application/grpc", te: "trailers", authorization: `Bearer ${key}` };
  const h2Headers = Object.entries(grpcHeaders).map(([k, v]) => `${k}: ${v}`);

  const patchbayBase = server.base;
  const bareBase = `http://127.0.0.1:${barePort}`;
  await probeGrpc(patchbayBase, grpcHeaders, frame);
  await probeGrpc(bareBase, grpcHeaders, frame);
  let patchbayOk = 2; // the probes: one call recorded by Patchbay (the bare one is not), plus the Connect probe below
  const probe = await fetch(`${patchbayBase}${PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON_BODY,
  });
  if (!probe.ok) throw new Error(`Connect probe: HTTP ${probe.status} ${await probe.text()}`);

  const runs = {
    connectPatchbay: (s: string) => wrk(`${patchbayBase}${PATH}`, connectScript, values.connections, s),
    connectBare: (s: string) => wrk(`${bareBase}${PATH}`, connectScript, values.connections, s),
    grpcPatchbay: (s: string) => h2load(`${patchbayBase}${PATH}`, h2Headers, grpcBody, dir, s),
    grpcBare: (s: string) => h2load(`${bareBase}${PATH}`, h2Headers, grpcBody, dir, s),
  };
  type Target = keyof typeof runs;
  const targets = Object.keys(runs) as Target[];
  const results: Record<Target, LoadResult[]> = {
    connectPatchbay: [],
    connectBare: [],
    grpcPatchbay: [],
    grpcBare: [],
  };
  // Warm up every path (JIT, pools); Patchbay's warm-up calls are recorded too, so they count.
  for (const target of targets) {
    const r = runs[target]("3");
    if (target === "connectPatchbay" || target === "grpcPatchbay") patchbayOk += r.ok;
  }
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const target of targets) {
      const r = runs[target](values.seconds);
      results[target].push(r);
      if (target === "connectPatchbay" || target === "grpcPatchbay") patchbayOk += r.ok;
    }
  }

  await server.stop();
  const records = await countExecutionRecords(server.databaseUrl, "echo");
  const rows = recordsOf(records, "succeeded");
  const otherRows = records.reduce((sum, c) => sum + c.n, 0) - rows;
  // wrk and h2load stop the clock with up to one call per connection in flight: the server answers and
  // records those, but the load generator does not count them.
  const loadRuns = targets.length / 2 + (Number(values.rounds) * targets.length) / 2;
  const inFlightBound = loadRuns * Number(values.connections);

  const rps = (t: Target) => median(results[t].map((r) => r.rps));
  const row = (name: string, t: Target) =>
    `| ${name} | ${rps(t).toFixed(0)} | ${median(results[t].map((r) => r.p50)).toFixed(2)} | ${median(results[t].map((r) => r.p99)).toFixed(2)} | ${results[t].reduce((a, r) => a + r.errors, 0)} |`;
  const pct = (a: Target, b: Target) => ((rps(a) / rps(b)) * 100).toFixed(1);
  process.stdout.write(
    [
      `execute benchmark: ${values.rounds} rounds × ${values.seconds} s, ${values.connections} connections, wrk / h2load 1 thread, PostgreSQL`,
      "",
      "| target | req/s (median) | p50 ms | p99 ms | errors |",
      "|---|---|---|---|---|",
      row("Connect JSON (HTTP/1.1, wrk) → Patchbay", "connectPatchbay"),
      row("Connect JSON (HTTP/1.1, wrk) → bare", "connectBare"),
      row("gRPC (h2c, h2load) → Patchbay", "grpcPatchbay"),
      row("gRPC (h2c, h2load) → bare", "grpcBare"),
      "",
      `Connect JSON: Patchbay = ${pct("connectPatchbay", "connectBare")} % of bare (target ≥ 70 %)`,
      `gRPC:         Patchbay = ${pct("grpcPatchbay", "grpcBare")} % of bare (target ≥ 70 %)`,
      "",
      `execution records: ${rows} succeeded rows (${otherRows} others) for ${patchbayOk} successful calls counted by the load generators (incl. warm-up and probes); ` +
        `difference ${rows - patchbayOk} (calls in flight when a load run stopped, at most ${inFlightBound})`,
      rows >= patchbayOk && rows - patchbayOk <= inFlightBound
        ? "records: every counted call has its record"
        : "records: MISMATCH",
      "",
    ].join("\n"),
  );
} finally {
  await server.stop();
  bare.kill("SIGTERM");
  await waitForExit(bare);
  await server.dropDatabase();
}
