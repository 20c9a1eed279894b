// Execute benchmark: `patchbay.v1.ExecuteService/Execute` of the built-in echo command, measured as the
// serving process's CPU time per call against anchors that do less and less of the work, in the same run,
// same concurrency, alternating rounds, over two protocols:
//   - Connect JSON over HTTP/1.1, load from wrk (Debian package `wrk`), every answer's body checked;
//   - gRPC over h2c, load from h2load (Debian package `nghttp2-client`) posting a gRPC-framed protobuf body.
// Targets (each in its own process, so its CPU time can be read from /proc/<pid>/stat):
//   - patchbay: src/main.ts on a fresh PostgreSQL database, rate and in-flight limits off, logging at
//     the default level (info: one line per call) unless --log-level says otherwise;
//   - bare: connect-node serving ExecuteService on Patchbay's one-port listener
//     (bench/execute/bare-echo-server.ts: no auth, no database, no dispatch);
//   - listener: the same one-port listener answering the call directly, without Connect
//     (bench/execute/listener-echo-server.ts);
//   - raw: node:http (Connect JSON) or node:http2's stream API (gRPC) answering the call directly
//     (bench/execute/raw-echo-server.ts);
//   - paced: the raw anchor held to Patchbay's rate of the same round by a busy wait before each answer
//     (calibrated in short runs first), its CPU time per call counted without the wait. A server that answers
//     slower makes the load generator sleep and be woken for every answer, and the kernel charges much of
//     that wake-up to the server's write (the raw anchor's system time per call triples at Patchbay's
//     rate), so raw Node's cost at Patchbay's rate is the like-for-like yardstick; the unpaced raw anchor
//     runs with the load generator saturated instead.
// The anchors answer with a valid reply to exactly this call; a CPU time per call that moves on an anchor
// too tells that the machine, not the code, changed. Load generators run in their own processes; traffic
// stays on 127.0.0.1. After the run Patchbay is stopped (shutdown flushes the execution recorder) and the
// `executions` rows of the echo connector are counted against the successful calls the load generators saw.
//
//   node bench/execute/run.ts [--connections 64] [--seconds 10] [--rounds 3]
//     [--targets patchbay,bare,listener,raw,paced] [--protocols connect,grpc] [--log-level info]
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ExecuteRequestSchema, ExecuteResponseSchema } from "../../gen/patchbay/v1/execute_pb.ts";
import { type BenchServer, startBenchServer } from "../support/bench-server.ts";
import { countExecutionRecords, recordsOf } from "../support/execution-records.ts";
import { h2load } from "../support/h2load.ts";
import { processCpuMs } from "../support/process-cpu.ts";
import { type PortChild, startPortChild } from "../support/start-port-child.ts";
import { median, type WrkResult, wrk } from "../support/wrk.ts";
import { wrkScript } from "../support/wrk-script.ts";
import { ECHO_PARAMS, EXECUTE_PATH, PACE_PATH } from "./canned-execute-reply.ts";

const TARGETS = ["patchbay", "bare", "listener", "raw", "paced"] as const;
const PROTOCOLS = ["connect", "grpc"] as const;
type Target = (typeof TARGETS)[number];
type Protocol = (typeof PROTOCOLS)[number];

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    targets: { type: "string", default: TARGETS.join(",") },
    protocols: { type: "string", default: PROTOCOLS.join(",") },
    "log-level": { type: "string" },
  },
});

function pick<T extends string>(option: string, list: string, known: readonly T[]): T[] {
  const picked = list.split(",").map((s) => s.trim());
  const unknown = picked.filter((p) => !(known as readonly string[]).includes(p));
  if (unknown.length > 0 || picked.length === 0)
    throw new Error(`--${option}: unknown ${unknown.join(", ")} (choose from ${known.join(", ")})`);
  return known.filter((k) => picked.includes(k));
}
const targets = pick("targets", values.targets, TARGETS);
const protocols = pick("protocols", values.protocols, PROTOCOLS);
const rounds = Number(values.rounds);
if (targets.includes("paced") && !targets.includes("patchbay"))
  throw new Error("--targets: paced holds the raw anchor to Patchbay's rate, so it needs patchbay too");

const JSON_BODY = JSON.stringify({ connectorSlug: "echo", command: "echo", params: ECHO_PARAMS });
// Every Connect answer must carry the echoed params (Patchbay's, bare's and the anchors' alike).
const JSON_EXPECT = `"payload":${JSON.stringify(ECHO_PARAMS)}`;

/** A load run's result with the server's CPU time per successful call. */
interface Measured extends WrkResult {
  /**
   * The server process's user + system CPU time during the run over the calls answered, in µs; for the
   * paced anchor, less its busy wait per call.
   */
  cpuUsPerCall: number;
  /** The paced anchor's busy wait before each answer, in µs. */
  paceUs?: number;
}

/** One protocol against one target: where to send load, and which process's CPU time to read. */
interface Run {
  readonly protocol: Protocol;
  readonly target: Target;
  readonly pid: number;
  readonly base: string;
  load(seconds: string): WrkResult;
}

/** Sets a paced anchor's busy wait per answer (HTTP/1.1 or h2c, as the anchor speaks). */
async function setPace(run: Run, us: number): Promise<void> {
  const body = String(Math.round(us));
  if (run.protocol === "connect") {
    // A connection of its own: a pooled one may be past the anchor's keep-alive timeout.
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${run.base}${PACE_PATH}`, { method: "POST", agent: false }, (res) => {
        res.resume();
        if (res.statusCode === 204) resolve();
        else reject(new Error(`pace of ${run.base}: ${res.statusCode}`));
      });
      req.on("error", reject);
      req.end(body);
    });
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const session = http2.connect(run.base);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": PACE_PATH });
    stream.on("response", (headers) => {
      session.close();
      if (headers[":status"] === 204) resolve();
      else reject(new Error(`pace of ${run.base}: ${headers[":status"]}`));
    });
    stream.on("error", reject);
    stream.resume();
    stream.end(body);
  });
}

/**
 * Finds the paced anchor's busy wait that brings its rate to `goalRps` (Patchbay's in the same round):
 * short runs, each correcting the wait by the difference in time per call (the anchor is bound by its one
 * thread, so its time per call is the inverse of its rate), until within 2 % or after four tries.
 */
async function calibratePace(run: Run, goalRps: number, startUs: number): Promise<number> {
  let pace = Math.max(0, Math.round(startUs));
  for (let attempt = 0; attempt < 4; attempt++) {
    await setPace(run, pace);
    const { rps } = run.load("3");
    if (Math.abs(rps / goalRps - 1) < 0.02) break;
    pace = Math.max(0, Math.round(pace + 1e6 / goalRps - 1e6 / rps));
  }
  await setPace(run, pace);
  return pace;
}

/** One gRPC call over h2c with Node's HTTP/2 client: checks grpc-status 0 and the echoed payload. */
function probeGrpc(base: string, headers: Record<string, string>, frame: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(base);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": EXECUTE_PATH, ...headers });
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
      if (res.payload?.message !== ECHO_PARAMS.message)
        reject(new Error(`gRPC probe of ${base}: unexpected payload`));
      else resolve();
    });
    stream.on("error", reject);
    stream.end(frame);
  });
}

/** One Connect JSON call over HTTP/1.1: checks the status and the echoed payload. */
async function probeConnect(base: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(`${base}${EXECUTE_PATH}`, { method: "POST", headers, body: JSON_BODY });
  const text = await res.text();
  if (!res.ok || !text.includes(JSON_EXPECT))
    throw new Error(`Connect probe of ${base}: ${res.status} ${text}`);
}

function measure(run: Run, seconds: string, paceUs?: number): Measured {
  const before = processCpuMs(run.pid);
  const result = run.load(seconds);
  const cpuMs = processCpuMs(run.pid) - before;
  const cpuUsPerCall = (cpuMs * 1000) / result.ok - (paceUs ?? 0);
  return paceUs === undefined ? { ...result, cpuUsPerCall } : { ...result, cpuUsPerCall, paceUs };
}

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const loadAtStart = loadavg();
const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-"));
const logLevel = values["log-level"];
let patchbay: BenchServer | undefined;
const children: PortChild[] = [];
try {
  if (targets.includes("patchbay"))
    patchbay = await startBenchServer(logLevel === undefined ? {} : { LOG_LEVEL: logLevel });
  const key = patchbay?.key ?? "unused";
  const child = async (script: string, args: string[] = []) => {
    const started = await startPortChild(script, args);
    children.push(started);
    return { base: `http://127.0.0.1:${started.port}`, pid: started.process.pid ?? 0 };
  };

  const jsonHeaders = { "content-type": "application/json", authorization: `Bearer ${key}` };
  const connectScript = wrkScript(dir, "execute", {
    method: "POST",
    headers: jsonHeaders,
    body: JSON_BODY,
    expect: JSON_EXPECT,
  });
  const message = toBinary(
    ExecuteRequestSchema,
    create(ExecuteRequestSchema, {
      target: { case: "connectorSlug", value: "echo" },
      command: "echo",
      params: { ...ECHO_PARAMS },
    }),
  );
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  const grpcBody = join(dir, "execute.grpc");
  writeFileSync(grpcBody, frame);
  const grpcHeaders = { "content-type": "application/grpc", te: "trailers", authorization: `Bearer ${key}` };
  const h2Headers = Object.entries(grpcHeaders).map(([k, v]) => `${k}: ${v}`);

  // Patchbay, bare and the listener serve both protocols on one port; the raw anchors are one server each.
  const servers: Partial<Record<`${Target}-${Protocol}`, { base: string; pid: number }>> = {};
  for (const target of targets) {
    if (target === "patchbay" && patchbay !== undefined) {
      const s = { base: patchbay.base, pid: patchbay.process.pid ?? 0 };
      for (const p of protocols) servers[`patchbay-${p}`] = s;
    } else if (target === "bare" || target === "listener") {
      const s = await child(`bench/execute/${target === "bare" ? "bare" : "listener"}-echo-server.ts`);
      for (const p of protocols) servers[`${target}-${p}`] = s;
    } else if (target === "raw" || target === "paced") {
      for (const p of protocols)
        servers[`${target}-${p}`] = await child("bench/execute/raw-echo-server.ts", [
          p === "connect" ? "http1" : "h2c",
          ...(target === "paced" ? ["paced"] : []),
        ]);
    }
  }

  const runs: Run[] = [];
  for (const protocol of protocols) {
    for (const target of targets) {
      const server = servers[`${target}-${protocol}`];
      if (server === undefined) continue;
      const url = `${server.base}${EXECUTE_PATH}`;
      runs.push({
        protocol,
        target,
        pid: server.pid,
        base: server.base,
        load:
          protocol === "connect"
            ? (s) => wrk(url, connectScript, values.connections, s)
            : (s) => h2load(url, h2Headers, grpcBody, dir, values.connections, s),
      });
      if (protocol === "connect") await probeConnect(server.base, jsonHeaders);
      else await probeGrpc(server.base, grpcHeaders, frame);
    }
  }
  // The probes' Patchbay calls are recorded too.
  let patchbayOk = runs.filter((r) => r.target === "patchbay").length;

  // Warm up every path (JIT, pools); Patchbay's warm-up calls are recorded too, so they count.
  for (const run of runs) {
    const r = run.load("3");
    if (run.target === "patchbay") patchbayOk += r.ok;
  }
  const results = new Map<Run, Measured[]>(runs.map((r) => [r, []]));
  const thisRound = (p: Protocol, t: Target, round: number) =>
    results.get(runs.find((r) => r.protocol === p && r.target === t) as Run)?.[round];
  for (let round = 0; round < rounds; round++) {
    for (const run of runs) {
      let pace: number | undefined;
      if (run.target === "paced") {
        // Patchbay runs first in every round (TARGETS order), so its rate for this round is known.
        const goal = thisRound(run.protocol, "patchbay", round) as Measured;
        const start =
          thisRound(run.protocol, "paced", round - 1)?.paceUs ??
          goal.cpuUsPerCall - (thisRound(run.protocol, "raw", round)?.cpuUsPerCall ?? goal.cpuUsPerCall / 2);
        pace = await calibratePace(run, goal.rps, start);
      }
      const r = measure(run, values.seconds, pace);
      results.get(run)?.push(r);
      if (run.target === "patchbay") patchbayOk += r.ok;
      process.stderr.write(
        `round ${round + 1} ${run.protocol} ${run.target}: ${r.rps.toFixed(0)} req/s, ${r.cpuUsPerCall.toFixed(0)} µs CPU/call` +
          `${pace === undefined ? "" : ` (after a ${pace} µs wait per call)`}\n`,
      );
    }
  }
  const loadAtEnd = loadavg();

  const protocolName: Record<Protocol, string> = {
    connect: "Connect JSON (HTTP/1.1, wrk)",
    grpc: "gRPC (h2c, h2load)",
  };
  const of = (run: Run, f: (m: Measured) => number) => (results.get(run) ?? []).map(f);
  const med = (run: Run, f: (m: Measured) => number) => median(of(run, f));
  const find = (p: Protocol, t: Target) => runs.find((r) => r.protocol === p && r.target === t);
  const lines = [
    `execute benchmark: ${rounds} rounds × ${values.seconds} s, ${values.connections} connections, wrk / h2load 1 thread, ` +
      `Patchbay LOG_LEVEL ${logLevel ?? "unset (info)"}; load average ${loadAtStart} at start, ${loadAtEnd} at end`,
    "",
    "| round | protocol | target | CPU µs/call | req/s | p50 ms | p99 ms | errors |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (let round = 0; round < rounds; round++) {
    for (const run of runs) {
      const m = results.get(run)?.[round];
      if (m === undefined) continue;
      lines.push(
        `| ${round + 1} | ${protocolName[run.protocol]} | ${run.target}${m.paceUs === undefined ? "" : ` (wait ${m.paceUs} µs)`} | ${m.cpuUsPerCall.toFixed(0)} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.errors} |`,
      );
    }
  }
  lines.push(
    "",
    "| protocol | target | CPU µs/call (median) | req/s (median) | p50 ms | p99 ms | errors (all rounds) |",
    "|---|---|---|---|---|---|---|",
  );
  for (const run of runs) {
    lines.push(
      `| ${protocolName[run.protocol]} | ${run.target} | **${med(run, (m) => m.cpuUsPerCall).toFixed(0)}** | ${med(run, (m) => m.rps).toFixed(0)} | ${med(run, (m) => m.p50).toFixed(2)} | ${med(run, (m) => m.p99).toFixed(2)} | ${of(run, (m) => m.errors).reduce((a, b) => a + b, 0)} |`,
    );
  }
  lines.push(
    "",
    "| protocol | Patchbay / bare CPU | Patchbay / listener CPU | Patchbay / raw CPU | efficiency (raw ÷ Patchbay CPU) | efficiency at Patchbay's rate (paced ÷ Patchbay CPU) | paced / Patchbay req/s | Patchbay / bare req/s |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const p of protocols) {
    const pb = find(p, "patchbay");
    if (pb === undefined) continue;
    const cpu = med(pb, (m) => m.cpuUsPerCall);
    const over = (t: Target) => {
      const run = find(p, t);
      return run === undefined ? "–" : `${(cpu / med(run, (m) => m.cpuUsPerCall)).toFixed(2)}×`;
    };
    const raw = find(p, "raw");
    const bare = find(p, "bare");
    const efficiency =
      raw === undefined ? "–" : `${((med(raw, (m) => m.cpuUsPerCall) / cpu) * 100).toFixed(1)} %`;
    const throughput =
      bare === undefined ? "–" : `${((med(pb, (m) => m.rps) / med(bare, (m) => m.rps)) * 100).toFixed(1)} %`;
    const paced = find(p, "paced");
    const pacedEfficiency =
      paced === undefined ? "–" : `${((med(paced, (m) => m.cpuUsPerCall) / cpu) * 100).toFixed(1)} %`;
    const pacedRate =
      paced === undefined
        ? "–"
        : `${((med(paced, (m) => m.rps) / med(pb, (m) => m.rps)) * 100).toFixed(1)} %`;
    lines.push(
      `| ${protocolName[p]} | ${over("bare")} | ${over("listener")} | ${over("raw")} | ${efficiency} | ${pacedEfficiency} | ${pacedRate} | ${throughput} |`,
    );
  }

  if (patchbay !== undefined) {
    await patchbay.stop();
    const records = await countExecutionRecords(patchbay.databaseUrl, "echo");
    const rows = recordsOf(records, "succeeded");
    const otherRows = records.reduce((sum, c) => sum + c.n, 0) - rows;
    // wrk and h2load stop the clock with up to one call per connection in flight: the server answers and
    // records those, but the load generator does not count them.
    const patchbayRuns = runs.filter((r) => r.target === "patchbay").length;
    const inFlightBound = patchbayRuns * (1 + rounds) * Number(values.connections);
    lines.push(
      "",
      `execution records: ${rows} succeeded rows (${otherRows} others) for ${patchbayOk} successful calls counted by the load generators (incl. warm-up and probes); ` +
        `difference ${rows - patchbayOk} (calls in flight when a load run stopped, at most ${inFlightBound})`,
      rows >= patchbayOk && rows - patchbayOk <= inFlightBound
        ? "records: every counted call has its record"
        : "records: MISMATCH",
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  await patchbay?.stop();
  for (const c of children) await c.stop();
  await patchbay?.dropDatabase();
  rmSync(dir, { recursive: true, force: true });
}
