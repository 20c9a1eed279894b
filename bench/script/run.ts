// Script sandbox benchmark: the same small script (read params, one HTTP call answered by the host,
// build a result) run through Patchbay's isolated-vm sandbox and through quickjs-emscripten with a fresh
// runtime per execution (seed 004's approach, bench/script/quickjs-runner.ts), same process, same
// machine, alternating rounds, with 1 and 64 executions in flight. The host answers the HTTP call from
// memory (bench/script/memory-http.ts: the sandbox processes load it in place of the outbound client),
// so what is measured is the sandbox, not a network.
//
//   node --expose-gc bench/script/run.ts [--executions 20000] [--rounds 3] [--memory-executions 100000]
//     [--tenants 1]
//
// Tenants: the sandbox's executions go round-robin to this many tenants. Isolates are never shared
// between tenants, so each needs warm isolates of its own; QuickJS makes a fresh runtime every time.
//
// Memory: after the timed rounds, --memory-executions more sandbox executions at 64 in flight, with the
// heap and RSS sampled (after a full GC) at the start and every tenth of the way.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { createSandbox } from "../../src/connectors/script/index.ts";
import { ANSWER } from "./memory-http.ts";
import { runQuickJs } from "./quickjs-runner.ts";

const { values } = parseArgs({
  options: {
    executions: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
    "memory-executions": { type: "string", default: "100000" },
    tenants: { type: "string", default: "1" },
  },
});
const EXECUTIONS = Number(values.executions);
const ROUNDS = Number(values.rounds);
const MEMORY_EXECUTIONS = Number(values["memory-executions"]);
const TENANTS = Number(values.tenants);

const SOURCE = `function lookup() {
  var id = patchbay.params.id;
  var r = patchbay.http.get(patchbay.config.baseUrl + "/employees/" + encodeURIComponent(id), {
    authorization: "Bearer " + patchbay.config.apiKey
  });
  if (r.status >= 400) return { success: false, error: "API returned " + r.status };
  return {
    success: true,
    payload: { name: r.body.name, department: r.body.department },
    variables: { lastEmployee: id, seen: (patchbay.variables.seen || 0) + 1 }
  };
}`;
const REQUEST = {
  command: "lookup",
  params: { id: "e-1001" },
  config: { baseUrl: "https://api.example.test", apiKey: "k-123" },
  variables: { seen: 1 },
};
const EXPECTED = JSON.stringify({ name: "Ada Lovelace", department: "engineering" });

function check(result: unknown): void {
  const r = result as { success?: boolean; payload?: unknown };
  if (r.success !== true || JSON.stringify(r.payload) !== EXPECTED) {
    throw new Error(`unexpected result: ${JSON.stringify(result).slice(0, 300)}`);
  }
}

const pool = createSandbox({ httpModule: new URL("./memory-http.ts", import.meta.url).href });
let turn = 0;
const sandbox = async () => check(await pool.run(SOURCE, REQUEST, { tenant: `tenant-${turn++ % TENANTS}` }));
const quickjs = async () => check(runQuickJs(SOURCE, REQUEST, () => structuredClone(ANSWER)));

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
}

/** Runs `total` executions keeping `inFlight` running; latency of each, throughput of the whole. */
async function measure(run: () => Promise<void>, total: number, inFlight: number): Promise<Measured> {
  const latencies = new Float64Array(total);
  let next = 0;
  const started = performance.now();
  async function worker() {
    for (let i = next++; i < total; i = next++) {
      const t0 = performance.now();
      await run();
      latencies[i] = performance.now() - t0;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort();
  return {
    perSecond: total / seconds,
    p50: latencies[Math.floor(total * 0.5)] ?? Number.NaN,
    p99: latencies[Math.floor(total * 0.99)] ?? Number.NaN,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const gc = (globalThis as { gc?: () => void }).gc;
/** The sandbox processes' resident memory, in MB (they hold the isolates). */
const sandboxRssMb = () =>
  pool.pids().reduce((sum, pid) => {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return sum + Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }, 0);
const heapMb = () => {
  gc?.();
  return {
    heap: process.memoryUsage().heapUsed / 2 ** 20,
    rss: process.memoryUsage().rss / 2 ** 20,
    sandboxes: sandboxRssMb(),
  };
};

// Warm-up: JIT, pools, compiled-script caches.
await measure(sandbox, 2_000, 64);
await measure(quickjs, 2_000, 1);

const rows: string[] = [];
const ratios: string[] = [];
for (const inFlight of [1, 64]) {
  const results: Record<"sandbox" | "quickjs", Measured[]> = { sandbox: [], quickjs: [] };
  for (let round = 0; round < ROUNDS; round++) {
    results.sandbox.push(await measure(sandbox, EXECUTIONS, inFlight));
    results.quickjs.push(await measure(quickjs, EXECUTIONS, inFlight));
  }
  for (const name of ["sandbox", "quickjs"] as const) {
    const r = results[name];
    rows.push(
      `| ${name === "sandbox" ? "Patchbay (isolated-vm)" : "QuickJS, fresh runtime"} | ${inFlight} | ${median(r.map((x) => x.perSecond)).toFixed(0)} | ${median(r.map((x) => x.p50)).toFixed(3)} | ${median(r.map((x) => x.p99)).toFixed(3)} |`,
    );
  }
  const ratio =
    median(results.sandbox.map((x) => x.perSecond)) / median(results.quickjs.map((x) => x.perSecond));
  ratios.push(`${inFlight} in flight: Patchbay = ${ratio.toFixed(2)}× QuickJS (target ≥ 2× at 64)`);
}

const samples: string[] = [];
if (MEMORY_EXECUTIONS > 0) {
  const step = Math.max(1, Math.floor(MEMORY_EXECUTIONS / 10));
  const first = heapMb();
  samples.push(
    `0: heap ${first.heap.toFixed(1)} MB, rss ${first.rss.toFixed(1)} MB, sandbox processes rss ${first.sandboxes.toFixed(1)} MB`,
  );
  for (let done = 0; done < MEMORY_EXECUTIONS; done += step) {
    await measure(sandbox, step, 64);
    const m = heapMb();
    samples.push(
      `${done + step}: heap ${m.heap.toFixed(1)} MB, rss ${m.rss.toFixed(1)} MB, sandbox processes rss ${m.sandboxes.toFixed(1)} MB`,
    );
  }
}

process.stdout.write(
  [
    `script benchmark: ${ROUNDS} rounds × ${EXECUTIONS} executions per target and concurrency, ${TENANTS} tenant(s), Node ${process.version}`,
    "",
    "| sandbox | in flight | executions/s (median) | p50 ms | p99 ms |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    ...ratios,
    "",
    `memory over ${MEMORY_EXECUTIONS} sandbox executions at 64 in flight${gc ? " (after full GC)" : " (run with --expose-gc for GC'd figures)"}:`,
    ...samples,
    "",
  ].join("\n"),
);
process.exit(0);
