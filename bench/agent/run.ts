// Agent benchmark: Execute of the built-in http connector's `request` command against a local upstream
// (bench/agent/upstream.ts on 127.0.0.2), once through the on-premise agent (a connector with an agent
// pool, served by the real `patchbay agent` process) and once direct (the same connector type without a
// pool, the server itself allowed to reach 127.0.0.2), on the same server with the same key, same
// concurrency, alternating rounds. Load from wrk (Debian package `wrk`, one thread) over Connect JSON on
// 127.0.0.1. Every answer is checked (2xx and the upstream's marker in the payload); the server's and
// the agent's CPU time per call are read from /proc.
//
//   node bench/agent/run.ts [--connections 64] [--seconds 10] [--rounds 3] [--only agent|direct]
//
// Uses a fresh PostgreSQL database on PATCHBAY_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
// BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server (with --only, one path).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startBenchServer } from "../support/bench-server.ts";
import { countExecutionRecords, recordsOf } from "../support/execution-records.ts";
import { processCpuMs } from "../support/process-cpu.ts";
import { median, type WrkResult, wrk } from "../support/wrk.ts";
import { wrkScript } from "../support/wrk-script.ts";
import { UPSTREAM_MARKER } from "./upstream.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "64" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    only: { type: "string" },
  },
});
const root = fileURLToPath(new URL("../../", import.meta.url));
const EXECUTE_PATH = "/patchbay.v1.ExecuteService/Execute";
const POOL = "bench";
const SLUGS = { direct: "direct-http", agent: "agent-http" } as const;
type Target = keyof typeof SLUGS;

/** One load run and the CPU it cost the server and the agent. */
interface Run extends WrkResult {
  /** Server CPU time per successful call, in microseconds. */
  cpuUs: number;
  /** Agent process CPU time per successful call, in microseconds. */
  agentCpuUs: number;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a child process and waits for the `port=<n>` line it prints. */
function childPort(child: ChildProcess, what: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /port=(\d+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`${what} exited (${code})`)));
  });
}

const stopChild = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
};

const loadAtStart = load();
const upstream = spawn(process.execPath, ["bench/agent/upstream.ts"], {
  cwd: root,
  env: { PATH: process.env.PATH ?? "" },
  stdio: ["ignore", "pipe", "inherit"],
});
const children: ChildProcess[] = [upstream];
const server = await startBenchServer({ PATCHBAY_EGRESS_ALLOW: "127.0.0.2/32" });
const { key, base } = server;
const pid = server.process.pid;
try {
  if (pid === undefined) throw new Error("the server process has no pid");
  const upstreamPort = await childPort(upstream, "upstream");
  const rest = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  await rest("/api/v1/connectors", { name: SLUGS.direct, type: "http", executionModel: "built_in" });
  await rest("/api/v1/connectors", {
    name: SLUGS.agent,
    type: "http",
    executionModel: "built_in",
    agentPool: POOL,
  });
  const created = await rest("/api/v1/api-keys", {
    subject: "bench-agent",
    scopes: ["agent"],
    agentPool: POOL,
  });
  const agentKey = created.key;
  if (typeof agentKey !== "string") throw new Error(`no agent key in ${JSON.stringify(created)}`);
  const agent = spawn(
    process.execPath,
    [
      "bin/patchbay.js",
      "agent",
      "--url",
      base,
      "--pool",
      POOL,
      "--allow",
      "127.0.0.2/32",
      "--capacity",
      "1000",
    ],
    {
      cwd: root,
      // Warn-level logs, as the bench server's: an info line per request would be measured too.
      env: {
        PATH: process.env.PATH ?? "",
        PATCHBAY_AGENT_KEY: agentKey,
        LOG_LEVEL: "warn",
        LOG_FORMAT: "json",
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  children.push(agent);
  const agentPid = agent.pid;
  if (agentPid === undefined) throw new Error("the agent process has no pid");

  const dir = mkdtempSync(join(tmpdir(), "patchbay-bench-"));
  const request = (target: Target) => ({
    url: `${base}${EXECUTE_PATH}`,
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({
      connectorSlug: SLUGS[target],
      command: "request",
      params: { url: `http://127.0.0.2:${upstreamPort}/x`, method: "GET" },
    }),
    expect: UPSTREAM_MARKER,
  });
  const only = values.only as Target | undefined;
  if (only !== undefined && !(only in SLUGS)) throw new Error("--only takes agent or direct");
  const targets = (Object.keys(SLUGS) as Target[]).filter((t) => only === undefined || t === only);

  // One call each before the load; the agent path is polled until the agent has connected.
  const probe = async (target: Target) => {
    const { url, headers, body, expect } = request(target);
    const answer = await fetch(url, { method: "POST", headers, body });
    const text = await answer.text();
    return { ok: answer.ok && text.includes(expect), text: `HTTP ${answer.status} ${text}` };
  };
  const ok: Record<Target, number> = { direct: 0, agent: 0 };
  for (const target of Object.keys(SLUGS) as Target[]) {
    const started = Date.now();
    for (;;) {
      const answer = await probe(target);
      if (answer.ok) break;
      if (target === "direct" || Date.now() - started > 60_000) {
        throw new Error(`${target} probe: ${answer.text}`);
      }
      await sleep(250);
    }
    ok[target] += 1;
  }
  const scripts = Object.fromEntries(
    targets.map((t) => [t, wrkScript(dir, t, { method: "POST", ...request(t) })]),
  ) as Record<Target, string>;
  const run = (target: Target, seconds: string): Run => {
    const before = processCpuMs(pid);
    const agentBefore = processCpuMs(agentPid);
    const r = wrk(request(target).url, scripts[target], values.connections, seconds);
    const cpuMs = processCpuMs(pid) - before;
    const agentCpuMs = processCpuMs(agentPid) - agentBefore;
    ok[target] += r.ok;
    return { ...r, cpuUs: (cpuMs * 1000) / r.ok, agentCpuUs: (agentCpuMs * 1000) / r.ok };
  };
  // Warm up both paths (JIT, pools, the agent's stream); their calls are recorded too, so they count.
  for (const target of targets) run(target, "3");
  const results: Record<Target, Run[]> = { direct: [], agent: [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const target of targets) results[target].push(run(target, values.seconds));
  }
  const loadAtEnd = load();

  await stopChild(agent);
  await server.stop();
  const inFlightBound = (1 + Number(values.rounds)) * Number(values.connections);
  const recordCheck = async (target: Target) => {
    const records = await countExecutionRecords(server.databaseUrl, SLUGS[target]);
    const succeeded = recordsOf(records, "succeeded");
    const others = records.filter((c) => c.status !== "succeeded").reduce((a, c) => a + c.n, 0);
    const difference = succeeded - ok[target];
    const fine = difference >= 0 && difference <= inFlightBound;
    return `${target}: ${succeeded} succeeded records for ${ok[target]} successful calls (incl. warm-up and probe), difference ${difference} (at most ${inFlightBound} in flight at the cuts) → ${fine ? "every counted call has its record" : "MISMATCH"}; ${others} records of other statuses`;
  };

  const med = (t: Target, f: (r: Run) => number) => median(results[t].map(f));
  const errors = (t: Target) => results[t].reduce((a, r) => a + r.errors, 0);
  const socketErrors = (t: Target) => results[t].reduce((a, r) => a + (r.socketErrors ?? 0), 0);
  const names: Record<Target, string> = {
    direct: "Execute http, direct",
    agent: "Execute http, through the agent",
  };
  const row = (t: Target) =>
    `| ${names[t]} | ${med(t, (r) => r.rps).toFixed(0)} | ${med(t, (r) => r.p50).toFixed(2)} | ${med(t, (r) => r.p99).toFixed(2)} | ${med(t, (r) => r.cpuUs).toFixed(0)} | ${t === "agent" ? med(t, (r) => r.agentCpuUs).toFixed(0) : "–"} | ${errors(t) - socketErrors(t)} | ${socketErrors(t)} |`;
  const lines = [
    `agent benchmark: ${values.rounds} rounds × ${values.seconds} s, ${values.connections} connections, wrk 1 thread, PostgreSQL; load average ${loadAtStart} at the start, ${loadAtEnd} at the end`,
    "",
    "| target | req/s (median) | p50 ms | p99 ms | server CPU µs/call | agent CPU µs/call | failed answers | socket errors (timeouts) |",
    "|---|---|---|---|---|---|---|---|",
    ...targets.map(row),
    "",
  ];
  if (only === undefined) {
    const ratios = results.agent.map((r, i) => (r.rps / (results.direct[i]?.rps ?? 0)) * 100);
    const perRound = ratios.map((r) => `${r.toFixed(1)} %`);
    lines.push(
      `through the agent = ${((med("agent", (r) => r.rps) / med("direct", (r) => r.rps)) * 100).toFixed(1)} % of direct throughput (target ≥ 60 %); rounds: ${perRound.join(", ")} (median of the rounds ${median(ratios).toFixed(1)} %)`,
      `server CPU per call: agent / direct = ${(med("agent", (r) => r.cpuUs) / med("direct", (r) => r.cpuUs)).toFixed(2)}×; server + agent CPU per call through the agent = ${(med("agent", (r) => r.cpuUs + r.agentCpuUs) / med("direct", (r) => r.cpuUs)).toFixed(2)}× direct`,
    );
  }
  for (const target of targets) lines.push(await recordCheck(target));
  const failures = targets.reduce((a, t) => a + errors(t), 0);
  lines.push(
    failures === 0
      ? "answers: every answer was a success"
      : `answers: ${failures} FAILED — this run is invalid`,
    "",
  );
  process.stdout.write(lines.join("\n"));
} finally {
  for (const child of children.reverse()) await stopChild(child);
  await server.stop();
  await server.dropDatabase();
}
