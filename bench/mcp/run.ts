// MCP benchmark: `tools/call` of the built-in echo connector's tool (`echo_echo`) over `POST /mcp`
// (stateless Streamable HTTP, JSON answers) against `patchbay.v1.ExecuteService/Execute` of the same
// command and params over Connect JSON, on the same server with the same key, same concurrency,
// alternating rounds. Load from wrk (Debian package `wrk`, one thread) in its own process, over
// HTTP/1.1 on 127.0.0.1. Every answer is checked (an HTTP 200 can carry a JSON-RPC error or a failed tool
// call); the server's CPU time per call is read from /proc. After the run Patchbay is stopped (shutdown
// flushes the execution recorder) and the echo connector's execution records are counted, per protocol,
// against the successful calls wrk saw.
//
//   node bench/mcp/run.ts [--connections 64] [--seconds 10] [--rounds 3] [--only mcp|connect]
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
// BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server (with --only, one path).
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBenchServer } from "../support/bench-server.ts";
import { countExecutionRecords, recordsOf } from "../support/execution-records.ts";
import { processCpuMs } from "../support/process-cpu.ts";
import { median, type WrkResult, wrk } from "../support/wrk.ts";
import { wrkScript } from "../support/wrk-script.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
  },
});
const PARAMS = { message: "hi" };
const EXECUTE_PATH = "/patchbay.v1.ExecuteService/Execute";
const EXECUTE_BODY = JSON.stringify({ connectorSlug: "echo", command: "echo", params: PARAMS });
const MCP_BODY = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: "echo_echo", arguments: PARAMS },
});
const ECHOED = JSON.stringify(PARAMS);

/** One load run and the server CPU it cost. */
interface Run extends WrkResult {
  /** Server CPU time per successful call, in microseconds. */
  cpuUs: number;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const loadAtStart = load();
const server = await startBenchServer();
const { key, base } = server;
const pid = server.process.pid;
if (pid === undefined) throw new Error("the server process has no pid");
try {
  const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-"));
  const auth = { authorization: `Bearer ${key}` };
  const connect = {
    url: `${base}${EXECUTE_PATH}`,
    headers: { "content-type": "application/json", ...auth },
    body: EXECUTE_BODY,
    expect: `"payload":${ECHOED}`,
  };
  const mcp = {
    url: `${base}/mcp`,
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...auth,
    },
    body: MCP_BODY,
    expect: `"structuredContent":${ECHOED}`,
    refuse: '"isError":true',
  };
  const paths = { connect, mcp };
  type Target = keyof typeof paths;
  const only = values.only as Target | undefined;
  if (only !== undefined && !(only in paths)) throw new Error("--only takes mcp or connect");
  const targets = (Object.keys(paths) as Target[]).filter((t) => only === undefined || t === only);

  // One call each before the load, checked here so a broken path fails fast with its answer.
  for (const target of targets) {
    const { url, headers, body, expect } = paths[target];
    const answer = await fetch(url, { method: "POST", headers, body });
    const text = await answer.text();
    if (!answer.ok || !text.includes(expect) || text.includes('"isError":true')) {
      throw new Error(`${target} probe: HTTP ${answer.status} ${text}`);
    }
  }
  const ok: Record<Target, number> = { connect: 1, mcp: 1 };
  const scripts = Object.fromEntries(
    targets.map((t) => [t, wrkScript(dir, t, { method: "POST", ...paths[t] })]),
  ) as Record<Target, string>;
  const run = (target: Target, seconds: string): Run => {
    const before = processCpuMs(pid);
    const r = wrk(paths[target].url, scripts[target], values.connections, seconds);
    const cpuMs = processCpuMs(pid) - before;
    ok[target] += r.ok;
    return { ...r, cpuUs: (cpuMs * 1000) / r.ok };
  };
  // Warm up both paths (JIT, caches, pools); their calls are recorded too, so they count.
  for (const target of targets) run(target, "3");
  const results: Record<Target, Run[]> = { connect: [], mcp: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const target of targets) results[target].push(run(target, values.seconds));
  }
  const loadAtEnd = load();

  await server.stop();
  const records = await countExecutionRecords(server.databaseUrl, "echo");
  // wrk stops the clock with up to one call per connection in flight: the server answers and records
  // those, but wrk does not count them.
  const inFlightBound = (1 + Number(values.rounds)) * Number(values.connections);
  const recordCheck = (target: Target) => {
    const succeeded =
      target === "mcp"
        ? recordsOf(records, "succeeded", "mcp")
        : recordsOf(records, "succeeded") - recordsOf(records, "succeeded", "mcp");
    const difference = succeeded - ok[target];
    const fine = difference >= 0 && difference <= inFlightBound;
    return `${target}: ${succeeded} succeeded records for ${ok[target]} successful calls (incl. warm-up and probe), difference ${difference} (at most ${inFlightBound} in flight at the cuts) → ${fine ? "every counted call has its record" : "MISMATCH"}`;
  };

  const rps = (t: Target) => median(results[t].map((r) => r.rps));
  const errors = (t: Target) => results[t].reduce((a, r) => a + r.errors, 0);
  const socketErrors = (t: Target) => results[t].reduce((a, r) => a + (r.socketErrors ?? 0), 0);
  const row = (name: string, t: Target) =>
    `| ${name} | ${rps(t).toFixed(0)} | ${median(results[t].map((r) => r.p50)).toFixed(2)} | ${median(results[t].map((r) => r.p99)).toFixed(2)} | ${median(results[t].map((r) => r.cpuUs)).toFixed(0)} | ${errors(t) - socketErrors(t)} | ${socketErrors(t)} |`;
  const names: Record<Target, string> = {
    connect: "Execute, Connect JSON",
    mcp: "MCP tools/call",
  };
  const lines = [
    `mcp benchmark: ${values.rounds} rounds × ${values.seconds} s, ${values.connections} connections, wrk 1 thread, PostgreSQL; load average ${loadAtStart} at the start, ${loadAtEnd} at the end`,
    "",
    "| target | req/s (median) | p50 ms | p99 ms | server CPU µs/call | failed answers | socket errors (timeouts) |",
    "|---|---|---|---|---|---|---|",
    ...targets.map((t) => row(names[t], t)),
    "",
  ];
  if (only === undefined) {
    const perRound = results.mcp.map(
      (r, i) => `${((r.rps / (results.connect[i]?.rps ?? 0)) * 100).toFixed(1)} %`,
    );
    lines.push(
      `MCP tools/call = ${((rps("mcp") / rps("connect")) * 100).toFixed(1)} % of Execute's throughput (target ≥ 70 %); rounds: ${perRound.join(", ")}`,
      `server CPU per call: MCP / Execute = ${(median(results.mcp.map((r) => r.cpuUs)) / median(results.connect.map((r) => r.cpuUs))).toFixed(2)}×`,
    );
  }
  const failures = targets.reduce((a, t) => a + errors(t), 0);
  lines.push(
    ...targets.map(recordCheck),
    `records of other statuses: ${records.filter((c) => c.status !== "succeeded").reduce((a, c) => a + c.n, 0)} (calls wrk cut off at the end of a run)`,
    failures === 0
      ? "answers: every answer was a success"
      : `answers: ${failures} FAILED — this run is invalid`,
    "",
  );
  process.stdout.write(lines.join("\n"));
} finally {
  await server.stop();
  await server.dropDatabase();
}
